"""How a stored answer reads, in Vietnamese like the whole report: numbers with dots between
thousands and a comma before decimals, yes/no as Có/Không, dates as dd/mm/yyyy (pure Python).

Used wherever an answer is shown: the report form's history, the receipt, the compiled report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any


def to_number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


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


# Kinds whose answers are text even when they look like numbers ("2025", a choice "1").
TEXT_KINDS = frozenset({"text", "long_text", "choice", "link"})


def format_value(value: Any, kind: str = "") -> str:
    """A stored value as the report prints it (in Vietnamese, like the whole report): numbers
    Vietnamese style, yes/no as Có/Không, dates as dd/mm/yyyy, files as their number, blanks
    as a dash. Without the kind, a value that reads as a number is printed as one."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return f"{len(value)} tệp"
    if kind == "date":
        return format_date(str(value))
    if kind in TEXT_KINDS:
        return str(value)
    number = to_number(value)
    if number is None:
        return str(value)
    return format_number(int(number) if number == number.to_integral_value() else number)


def format_date(iso: str) -> str:
    """yyyy-mm-dd as dd/mm/yyyy; anything else as it is."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
