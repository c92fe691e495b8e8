"""Totals of a campaign's reports, computed exactly (pure Python, no Django).

Numbers arrive as int or decimal strings and are added as Decimal, so a total never carries
the rounding noise of floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    label: str
    kind: str  # "integer" | "decimal" | "text" | "long_text"
    aggregation: str  # "sum" | "count" | "average" | "list"
    unit_of_measure: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("integer", "decimal")


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


@dataclass
class Totals:
    indicators: tuple[IndicatorInfo, ...]
    totals: list[IndicatorTotal] = field(default_factory=list)
    by_group: dict[str, list[IndicatorTotal]] = field(default_factory=dict)
    units: int = 0


def to_number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


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
        if indicator.kind == "integer":
            return IndicatorTotal(indicator, int(total), self.count)
        return IndicatorTotal(indicator, total, self.count)


def compute_totals(indicators: Iterable[IndicatorInfo], rows: Sequence[UnitRow]) -> Totals:
    """Totals over all rows, and subtotals by unit group (commune, school, agency…).

    One pass over the rows: a province's campaign has 10,000 reports of 30 figures, and each
    value is read once for the total and its group's subtotal together.
    """
    infos = tuple(indicators)
    result = Totals(indicators=infos, units=len(rows))
    numeric = [info for info in infos if info.is_numeric and info.aggregation != "list"]
    textual = [info for info in infos if info not in numeric]
    overall = {info.code: _Sum() for info in numeric}
    groups: dict[str, dict[str, _Sum]] = {}
    items: dict[str, list[tuple[str, str]]] = {info.code: [] for info in textual}
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
        for info in textual:
            value = values.get(info.code)
            if value is not None and value != "":
                items[info.code].append((row.unit_name, str(value)))
    for info in infos:
        if info.code in overall:
            result.totals.append(overall[info.code].result(info))
        else:
            found = items[info.code]
            if info.aggregation == "count":
                result.totals.append(IndicatorTotal(info, len(found), len(found)))
            else:
                result.totals.append(IndicatorTotal(info, None, len(found), tuple(found)))
    for name, sums in groups.items():
        result.by_group[name] = [
            sums[info.code].result(info) for info in infos if info.code in sums
        ]
    return result


def format_number(value: Decimal | int | None) -> str:
    """Vietnamese style: dots between thousands, a comma before decimals (1.250; 2,5)."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    quantised = value.quantize(Decimal("0.01")).normalize()
    whole, _, fraction = format(quantised, "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def format_value(value: Any) -> str:
    """A stored value as the report prints it: numbers Vietnamese style, blanks as a dash."""
    number = to_number(value)
    if number is None:
        return "-" if value in (None, "") else str(value)
    return format_number(int(number) if number == number.to_integral_value() else number)
