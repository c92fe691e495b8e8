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


def _total(indicator: IndicatorInfo, rows: Sequence[UnitRow]) -> IndicatorTotal:
    present = [
        (row, row.values.get(indicator.code))
        for row in rows
        if row.values.get(indicator.code) not in (None, "")
    ]
    if indicator.aggregation == "list" or not indicator.is_numeric:
        if indicator.aggregation == "count":
            return IndicatorTotal(indicator, len(present), len(present))
        items = tuple((row.unit_name, str(value)) for row, value in present)
        return IndicatorTotal(indicator, None, len(present), items)
    numbers = [n for n in (to_number(value) for _row, value in present) if n is not None]
    if indicator.aggregation == "count":
        return IndicatorTotal(indicator, len(numbers), len(numbers))
    if not numbers:
        return IndicatorTotal(indicator, None, 0)
    total = sum(numbers, Decimal(0))
    if indicator.aggregation == "average":
        return IndicatorTotal(indicator, total / len(numbers), len(numbers))
    if indicator.kind == "integer":
        return IndicatorTotal(indicator, int(total), len(numbers))
    return IndicatorTotal(indicator, total, len(numbers))


def compute_totals(indicators: Iterable[IndicatorInfo], rows: Sequence[UnitRow]) -> Totals:
    """Totals over all rows, and subtotals by unit group (commune, school, agency…)."""
    infos = tuple(indicators)
    result = Totals(indicators=infos, units=len(rows))
    result.totals = [_total(info, rows) for info in infos]
    groups: dict[str, list[UnitRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    for group, members in groups.items():
        result.by_group[group] = [_total(info, members) for info in infos if info.is_numeric]
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
