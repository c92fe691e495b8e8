"""When a unit is reminded: pure date arithmetic, no Django, so it can be tested alone.

A schedule is a list of day offsets from the unit's due *date* (default: 3 days before, the
day itself, 1 day after), then a repeat every N days (default 2) for as long as the report is
missing. Each slot goes out at a fixed local hour (default 08:00), not at the due time itself:
most due times are "end of the day" (23:59:59), and a reminder at one minute to midnight helps
nobody.

Catch-up after an outage: every slot whose time has passed and that is not superseded by a
later slot already sent is *pending* (`pending_slots`), but only the latest pending slot is
sent (`slot_to_send`). A worker that was down for a week sends one reminder, late, naming the
real due time, instead of a burst of five that contradict each other ("3 days left",
"due today", "1 day late"...). Sending the latest slot marks every earlier one as done.

Slots before `not_before` (the campaign's creation, or the moment the office resumed a stopped
schedule) are never pending: they belong to a time when nobody asked for reminders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tonghop import errors

DEFAULT_OFFSETS: tuple[int, ...] = (-3, 0, 1)
DEFAULT_REPEAT_DAYS = 2
DEFAULT_SEND_HOUR = 8
# Far enough for any real campaign; bounds the walk over slots of a schedule.
MAX_OFFSET_DAYS = 90


class ScheduleError(errors.Invalid, ValueError):
    """A schedule that cannot be used; str() says why."""


@dataclass(frozen=True)
class Schedule:
    offsets_days: tuple[int, ...] = DEFAULT_OFFSETS
    repeat_every_days: int = DEFAULT_REPEAT_DAYS  # 0: no repeats after the last offset
    send_hour: int = DEFAULT_SEND_HOUR

    def __post_init__(self) -> None:
        if not self.offsets_days:
            raise ScheduleError("at least one day is needed")
        if any(abs(offset) > MAX_OFFSET_DAYS for offset in self.offsets_days):
            raise ScheduleError(f"days must be between -{MAX_OFFSET_DAYS} and {MAX_OFFSET_DAYS}")
        if len(set(self.offsets_days)) != len(self.offsets_days):
            raise ScheduleError("a day appears twice")
        if not 0 <= self.repeat_every_days <= 30:
            raise ScheduleError("the repeat must be between 0 and 30 days")
        if not 0 <= self.send_hour <= 23:
            raise ScheduleError("the hour must be between 0 and 23")
        # Normalised order makes equal schedules compare equal and the walk simple.
        object.__setattr__(self, "offsets_days", tuple(sorted(self.offsets_days)))


@dataclass(frozen=True, order=True)
class Slot:
    at: dt.datetime
    day_offset: int  # days after the due date (negative: before)

    @property
    def key(self) -> str:
        """What the log's unique constraint holds: one reminder per unit per local day."""
        return f"auto:{self.at.date().isoformat()}"


def _slot(due_date: dt.date, offset: int, schedule: Schedule, tz: ZoneInfo) -> Slot:
    day = due_date + dt.timedelta(days=offset)
    return Slot(dt.datetime.combine(day, dt.time(schedule.send_hour), tzinfo=tz), offset)


def iter_slots(
    due_at: dt.datetime, schedule: Schedule, tz: ZoneInfo, *, after: dt.datetime | None = None
) -> Iterator[Slot]:
    """Every slot of one unit in time order, from the first one later than `after`.

    Endless when the schedule repeats: the caller stops. Repeats start at the first one after
    `after`, computed, not walked, so a schedule years overdue costs nothing.
    """
    if due_at.tzinfo is None:
        raise ScheduleError("the due time must carry a time zone")
    due_date = due_at.astimezone(tz).date()
    for offset in schedule.offsets_days:
        slot = _slot(due_date, offset, schedule, tz)
        if after is None or slot.at > after:
            yield slot
    if not schedule.repeat_every_days:
        return
    step = schedule.repeat_every_days
    last = schedule.offsets_days[-1]
    k = 1
    if after is not None:
        base = _slot(due_date, last, schedule, tz).at
        if after > base:
            k = max(1, (after - base).days // step)
    while True:
        slot = _slot(due_date, last + k * step, schedule, tz)
        if after is None or slot.at > after:
            yield slot
        k += 1


def pending_slots(
    due_at: dt.datetime,
    schedule: Schedule,
    tz: ZoneInfo,
    now: dt.datetime,
    *,
    last_done: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> list[Slot]:
    """Slots whose time has passed (at or before `now`) and that nothing later has covered.

    `last_done` is the time of the latest slot already sent for this unit: it and everything
    before it are done.
    """
    lower = last_done
    if not_before is not None and (last_done is None or not_before > last_done):
        # A slot exactly at not_before is still owed; one exactly at last_done is not.
        lower = not_before - dt.timedelta(microseconds=1)
    found: list[Slot] = []
    for slot in iter_slots(due_at, schedule, tz, after=lower):
        if slot.at > now:
            break
        found.append(slot)
    return found


def slot_to_send(
    due_at: dt.datetime,
    schedule: Schedule,
    tz: ZoneInfo,
    now: dt.datetime,
    *,
    last_done: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> Slot | None:
    """The one slot to send now: the latest pending one (see the module's note on catch-up)."""
    pending = pending_slots(due_at, schedule, tz, now, last_done=last_done, not_before=not_before)
    return pending[-1] if pending else None


def next_slot(
    due_at: dt.datetime, schedule: Schedule, tz: ZoneInfo, now: dt.datetime
) -> Slot | None:
    """The next reminder after `now`, shown to the office."""
    return next(iter_slots(due_at, schedule, tz, after=now), None)


def parse_offsets(text: str) -> tuple[int, ...]:
    """Read the office's "-3, 0, 1" (also "−3 0 +1", with a typographic minus)."""
    cleaned = text.replace("\u2212", "-").replace(";", ",").replace(",", " ")
    try:
        return tuple(int(part) for part in cleaned.split())
    except ValueError as exc:
        raise ScheduleError("days must be whole numbers, e.g. -3, 0, 1") from exc


def format_offsets(offsets: tuple[int, ...]) -> str:
    return ", ".join(f"{offset:+d}" if offset else "0" for offset in offsets)
