"""The reminder schedule alone: dates, catch-up after an outage, stops and resumes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tonghop.reminders.schedule import (
    Schedule,
    ScheduleError,
    format_offsets,
    next_slot,
    parse_offsets,
    pending_slots,
    slot_to_send,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = dt.datetime(2030, 5, 5, 23, 59, 59, tzinfo=VN)
DEFAULT = Schedule()


def at(day: int, hour: int = 8, minute: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=VN)


def test_it_reminds_3_days_before_on_the_day_1_day_after_then_every_2_days() -> None:
    slots = pending_slots(DUE, DEFAULT, VN, at(12, 9))
    assert [s.at for s in slots] == [at(2), at(5), at(6), at(8), at(10), at(12)]
    assert [s.day_offset for s in slots] == [-3, 0, 1, 3, 5, 7]
    assert slots[0].key == "auto:2030-05-02"


def test_it_sends_at_the_hour_of_sending_not_at_the_due_time() -> None:
    assert slot_to_send(DUE, DEFAULT, VN, at(2, 7, 59)) is None
    slot = slot_to_send(DUE, DEFAULT, VN, at(2, 8, 0))
    assert slot is not None and slot.at == at(2, 8)
    assert next_slot(DUE, DEFAULT, VN, at(2, 8)) is not None
    assert next_slot(DUE, DEFAULT, VN, at(2, 8)).at == at(5, 8)  # type: ignore[union-attr]


def test_it_counts_days_in_vietnam_time() -> None:
    # 23:59:59 on 05/5 in Vietnam is 16:59:59 UTC the same day; 02:00 on 06/5 is 05/5 in UTC.
    due_utc = dt.datetime(2030, 5, 5, 19, 0, tzinfo=dt.UTC)  # 02:00 06/5 in Vietnam
    slots = pending_slots(due_utc, DEFAULT, VN, at(6, 9))
    assert [s.at for s in slots] == [at(3), at(6)]


def test_after_a_long_outage_it_sends_only_the_latest_missed_slot() -> None:
    # The worker sent the slot of 02/5, then was down until 09/5 09:00: 05/5, 06/5 and 08/5
    # were missed. One reminder goes out, the latest; the others are covered by it.
    missed = pending_slots(DUE, DEFAULT, VN, at(9, 9), last_done=at(2))
    assert [s.at for s in missed] == [at(5), at(6), at(8)]
    slot = slot_to_send(DUE, DEFAULT, VN, at(9, 9), last_done=at(2))
    assert slot is not None and slot.at == at(8)
    assert slot_to_send(DUE, DEFAULT, VN, at(9, 23), last_done=at(8)) is None


def test_a_slot_already_done_is_not_pending_again() -> None:
    assert slot_to_send(DUE, DEFAULT, VN, at(2, 9), last_done=at(2)) is None
    assert pending_slots(DUE, DEFAULT, VN, at(5, 7), last_done=at(2)) == []


def test_slots_before_the_campaign_or_while_stopped_are_not_owed() -> None:
    created = at(4, 10)
    assert slot_to_send(DUE, DEFAULT, VN, at(4, 12), not_before=created) is None
    slot = slot_to_send(DUE, DEFAULT, VN, at(5, 8), not_before=created)
    assert slot is not None and slot.at == at(5)
    # A slot exactly at the resume time is still owed.
    assert slot_to_send(DUE, DEFAULT, VN, at(5, 8), not_before=at(5, 8)) is not None


def test_without_repeats_it_stops_after_the_last_day() -> None:
    once = Schedule(offsets_days=(1, -1), repeat_every_days=0)
    assert once.offsets_days == (-1, 1)
    slots = pending_slots(DUE, once, VN, at(30, 9))
    assert [s.day_offset for s in slots] == [-1, 1]
    assert next_slot(DUE, once, VN, at(7)) is None


def test_a_schedule_years_overdue_is_computed_not_walked() -> None:
    late = dt.datetime(2040, 1, 1, 12, tzinfo=VN)
    slot = slot_to_send(DUE, DEFAULT, VN, late, last_done=dt.datetime(2039, 12, 28, tzinfo=VN))
    assert slot is not None
    assert slot.at <= late
    assert (late - slot.at) < dt.timedelta(days=2)
    assert (slot.at.date() - DUE.date()).days % 2 == 1  # 1 + 2k days after the due date


@pytest.mark.parametrize(
    ("offsets", "repeat", "hour"),
    [((), 2, 8), ((0, 0), 2, 8), ((-91,), 2, 8), ((0,), -1, 8), ((0,), 31, 8), ((0,), 2, 24)],
)
def test_it_refuses_bad_schedules(offsets: tuple[int, ...], repeat: int, hour: int) -> None:
    with pytest.raises(ScheduleError):
        Schedule(offsets_days=offsets, repeat_every_days=repeat, send_hour=hour)


def test_it_reads_and_writes_the_offices_days() -> None:
    assert parse_offsets("-3, 0, 1") == (-3, 0, 1)
    assert parse_offsets("\u22123; 0 +1") == (-3, 0, 1)
    assert format_offsets((-3, 0, 1)) == "-3, 0, +1"
    with pytest.raises(ScheduleError):
        parse_offsets("ba ngày trước")


def test_it_needs_an_aware_due_time() -> None:
    with pytest.raises(ScheduleError):
        pending_slots(dt.datetime(2030, 5, 5), DEFAULT, VN, at(6))
