"""Stored answers read as numbers and written the Vietnamese way (pure Python, no Django), for
the report page, the receipts, the totals and the charts alike."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
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


def format_typed(value: object) -> str:
    """A stored figure written back as a person types it (1.250; 1.250,125), every digit
    kept: what the form shows again must read back as the same number."""
    number = to_number(value)
    if number is None:
        return "" if value is None else str(value)
    whole, _, fraction = format(number.normalize(), "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def format_date(iso: str) -> str:
    """yyyy-mm-dd as dd/mm/yyyy; anything else as it is."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def ascii_slug(text: str, *, limit: int = 60, upper: bool = False) -> str:
    """Vietnamese text as a file or address name in plain ASCII ("Hưởng ứng Ngày Sáng tạo" ->
    huong-ung-ngay-sang-tao; "01/BC-VHKHTT" -> 01-BC-VHKHTT with `upper`), cut at a word's end
    within `limit`, never in the middle of a word."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    if not upper:
        plain = plain.lower()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", plain) if w]
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > limit:
            # A first word longer than the limit is cut: there is no word end to cut at.
            slug = slug or word[:limit]
            break
        slug = longer
    return slug
