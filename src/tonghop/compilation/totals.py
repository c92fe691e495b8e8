"""Totals of a campaign's reports, computed exactly (no database: plain rows in, totals out).

Numbers arrive as int or decimal strings and are added as Decimal, so a total never carries
the rounding noise of floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tonghop.campaigns.kinds import NUMERIC_KINDS, IndicatorKind, format_value
from tonghop.campaigns.values import to_number


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    label: str
    kind: str  # an IndicatorKind value
    aggregation: str  # "sum" | "count" | "average" | "list"
    unit_of_measure: str = ""
    choices: tuple[str, ...] = ()  # the options of a choice, in the form's order

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def mode(self) -> str:
        """How the indicator is totalled, whatever odd aggregation an old form gave it:
        "number" (sum, average or count of figures), "yes" (units answering yes), "options"
        (units per option), "files" (number of files), "count" (units answering) or "list"."""
        if self.is_numeric:
            return "list" if self.aggregation == "list" else "number"
        if self.kind == IndicatorKind.FILE:
            return "files"
        if self.kind in (IndicatorKind.YES_NO, IndicatorKind.CHOICE) and self.aggregation != "list":
            return "yes" if self.kind == IndicatorKind.YES_NO else "options"
        return "count" if self.aggregation == "count" else "list"


@dataclass(frozen=True)
class UnitRow:
    unit_name: str
    group: str
    values: dict[str, Any]
    narrative: str = ""
    late: bool = False


@dataclass(frozen=True)
class IndicatorTotal:
    indicator: IndicatorInfo
    value: Decimal | int | None  # None when no unit answered a numeric indicator
    answered: int  # units that gave a value
    items: tuple[tuple[str, str], ...] = ()  # (unit, text) for list indicators
    # (option, units that chose it) for a choice counted per option, in the form's order.
    counts: tuple[tuple[str, int], ...] = ()


@dataclass
class Totals:
    indicators: tuple[IndicatorInfo, ...]
    totals: list[IndicatorTotal] = field(default_factory=list)
    by_group: dict[str, list[IndicatorTotal]] = field(default_factory=dict)
    units: int = 0


class _Sum:
    """A running total: whole numbers added as int, the rest as Decimal, both exact."""

    __slots__ = ("count", "decimal", "whole")

    def __init__(self) -> None:
        self.whole = 0
        self.decimal = Decimal(0)
        self.count = 0

    def add(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.whole += value
            self.count += 1
            return
        number = to_number(value)
        if number is not None:
            self.decimal += number
            self.count += 1

    def result(self, indicator: IndicatorInfo) -> IndicatorTotal:
        if indicator.aggregation == "count":
            return IndicatorTotal(indicator, self.count, self.count)
        if not self.count:
            return IndicatorTotal(indicator, None, 0)
        total = self.decimal + self.whole
        if indicator.aggregation == "average":
            return IndicatorTotal(indicator, total / self.count, self.count)
        if indicator.kind == IndicatorKind.INTEGER:
            return IndicatorTotal(indicator, int(total), self.count)
        return IndicatorTotal(indicator, total, self.count)


def compute_totals(indicators: Iterable[IndicatorInfo], rows: Sequence[UnitRow]) -> Totals:
    """Totals over all rows, and subtotals of the figures by unit group (commune, school…).

    One pass over the rows: a province's campaign has 10,000 reports of 30 figures, and each
    value is read once for the total and its group's subtotal together.
    """
    infos = tuple(indicators)
    result = Totals(indicators=infos, units=len(rows))
    numeric = [info for info in infos if info.mode == "number"]
    others = [info for info in infos if info.mode != "number"]
    overall = {info.code: _Sum() for info in numeric}
    groups: dict[str, dict[str, _Sum]] = {}
    items: dict[str, list[tuple[str, str]]] = {info.code: [] for info in others}
    # For "yes": units answering yes; "options": units per option; "files": files.
    tallies: dict[str, dict[str, int]] = {info.code: {} for info in others}
    for row in rows:
        values = row.values
        group = groups.get(row.group)
        if group is None:
            group = groups[row.group] = {info.code: _Sum() for info in numeric}
        for info in numeric:
            value = values.get(info.code)
            if value is None or value == "":
                continue
            overall[info.code].add(value)
            group[info.code].add(value)
        for info in others:
            value = values.get(info.code)
            if value is None or value == "" or value == []:
                continue
            mode = info.mode
            if mode == "list" or mode == "count":
                items[info.code].append((row.unit_name, format_value(value, info.kind)))
                continue
            tally = tallies[info.code]
            if mode == "yes":
                answer = _yes(value)
                if answer is None:
                    continue
                tally["yes"] = tally.get("yes", 0) + answer
            elif mode == "options":
                tally[str(value)] = tally.get(str(value), 0) + 1
            else:
                files = len(value) if isinstance(value, list) else 0
                if not files:
                    continue
                tally["files"] = tally.get("files", 0) + files
            tally[""] = tally.get("", 0) + 1  # units answering
    for info in infos:
        if info.code in overall:
            result.totals.append(overall[info.code].result(info))
            continue
        found, tally = items[info.code], tallies[info.code]
        answered = tally.get("", 0)
        if info.mode == "count":
            result.totals.append(IndicatorTotal(info, len(found), len(found)))
        elif info.mode == "list":
            result.totals.append(IndicatorTotal(info, None, len(found), tuple(found)))
        elif info.mode == "yes":
            result.totals.append(IndicatorTotal(info, tally.get("yes", 0), answered))
        elif info.mode == "files":
            result.totals.append(IndicatorTotal(info, tally.get("files", 0), answered))
        else:
            # The form's options in its order, then any answer no longer among them.
            options = list(info.choices) + sorted(set(tally) - set(info.choices) - {""})
            counts = tuple((option, tally.get(option, 0)) for option in options)
            result.totals.append(IndicatorTotal(info, answered, answered, counts=counts))
    for name, sums in groups.items():
        result.by_group[name] = [
            sums[info.code].result(info) for info in infos if info.code in sums
        ]
    return result


def _yes(value: Any) -> int | None:
    """1 for a yes, 0 for a no, None for anything else (a yes/no is stored as bool)."""
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "có", "1"):
        return 1
    if text in ("false", "no", "không", "0"):
        return 0
    return None
