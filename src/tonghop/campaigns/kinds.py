"""The kinds of indicator: what each accepts, how a typed answer becomes the stored value, which
ways of totalling fit it, and how two answers compare in a rule across fields.

No database here: `Indicator.clean_value` and `FormRule` call these with their own fields, and
the functions are tested alone. Stored values are JSON: int or a decimal string for numbers
(never float, so totals are exact), bool for yes/no, the exact option label for a choice, ISO
text (yyyy-mm-dd) for a date, the address for a link, a list of attachment ids for files.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tonghop.campaigns.values import format_date, format_number, to_number
from tonghop.forms import date_range_message
from tonghop.inputs import clean_text, date_in_range


class IndicatorKind(models.TextChoices):
    """The kinds of indicator: the one list. The model's field, the forms, the API schema,
    the totals and the report's layout all take their kinds from here."""

    INTEGER = "integer", gettext_lazy("Whole number")
    DECIMAL = "decimal", gettext_lazy("Decimal number")
    TEXT = "text", gettext_lazy("Text")
    LONG_TEXT = "long_text", gettext_lazy("Long text")
    YES_NO = "yes_no", gettext_lazy("Yes / no")
    CHOICE = "choice", gettext_lazy("Choice of options")
    DATE = "date", gettext_lazy("Date")
    LINK = "link", gettext_lazy("Web link")
    FILE = "file", gettext_lazy("Attached files")


INTEGER, DECIMAL, TEXT, LONG_TEXT = (
    IndicatorKind.INTEGER,
    IndicatorKind.DECIMAL,
    IndicatorKind.TEXT,
    IndicatorKind.LONG_TEXT,
)
YES_NO, CHOICE, DATE, LINK, FILE = (
    IndicatorKind.YES_NO,
    IndicatorKind.CHOICE,
    IndicatorKind.DATE,
    IndicatorKind.LINK,
    IndicatorKind.FILE,
)

NUMERIC_KINDS = frozenset({INTEGER, DECIMAL})
# Kinds whose answers are text even when they look like numbers ("2025", a choice "1").
TEXT_KINDS = frozenset({TEXT, LONG_TEXT, CHOICE, LINK})
TEXT_LIMITS: dict[str, int] = {TEXT: 1000, LONG_TEXT: 20000}
# Far above any real count, far below what breaks a DOCX table.
MAX_NUMBER = Decimal("1e12")
# A figure is written in plain digits: no exponent (1e-999999 would be kept as a million
# characters), at most MAX_DECIMALS digits after the mark (a percentage, hectares, millions
# of đồng need 1 to 4), so with MAX_NUMBER at most 18 significant digits in all.
MAX_WHOLE_DIGITS = 12
MAX_DECIMALS = 6
MAX_LINK = 2000
# More files than this under one indicator is a mistake, not a report.
MAX_FILES = 100
MAX_ATTACHMENT_ID = 2**63 - 1
# An option label is read on a phone as a radio button: short, and not too many of them.
MAX_OPTIONS = 50
MAX_OPTION_LENGTH = 200

Answer = int | str | bool | list[int] | None

YES_WORDS = frozenset({"có", "co", "yes", "true", "1", "on"})
NO_WORDS = frozenset({"không", "khong", "no", "false", "0", "off"})

# How each kind may be totalled in the compilation: a sum of text or an average of yes/no
# means nothing, so the form refuses it.
AGGREGATIONS: dict[str, tuple[str, ...]] = {
    INTEGER: ("sum", "average", "count", "list"),
    DECIMAL: ("sum", "average", "count", "list"),
    TEXT: ("list", "count"),
    LONG_TEXT: ("list", "count"),
    YES_NO: ("count", "list"),
    CHOICE: ("count", "list"),
    DATE: ("list", "count"),
    LINK: ("list", "count"),
    FILE: ("count",),
}

EQ, NE, GT, GE, LT, LE, FILLED, EMPTY = "eq", "ne", "gt", "ge", "lt", "le", "filled", "empty"
PRESENCE_OPS = frozenset({FILLED, EMPTY})
EQUALITY_OPS = frozenset({EQ, NE})
ORDER_OPS = frozenset({GT, GE, LT, LE})
ORDERED_KINDS = NUMERIC_KINDS | {DATE}
# Kinds whose answers can be compared for equality; long text and files only for presence.
EQUATABLE_KINDS = ORDERED_KINDS | {TEXT, YES_NO, CHOICE, LINK}


class Definition(Protocol):
    """What the cleaning reads of an indicator (the model, or a test's plain object)."""

    @property
    def kind(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def min_value(self) -> Decimal | None: ...
    @property
    def max_value(self) -> Decimal | None: ...
    @property
    def choices(self) -> Sequence[str]: ...


def ops_for(kind: str) -> frozenset[str]:
    """The comparisons a rule may make on an answer of this kind."""
    if kind in ORDERED_KINDS:
        return PRESENCE_OPS | EQUALITY_OPS | ORDER_OPS
    if kind in EQUATABLE_KINDS:
        return PRESENCE_OPS | EQUALITY_OPS
    return PRESENCE_OPS


def is_blank(value: object) -> bool:
    return value is None or value == "" or value == []


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def clean(definition: Definition, raw: object) -> Answer:
    """Turn what a person typed (or an API sent) into the stored value, or raise ValidationError
    with a sentence for the person."""
    kind = definition.kind
    if kind == FILE:
        return _clean_files(definition, raw)
    if isinstance(raw, list | tuple | dict | set | frozenset | bytes):
        raise _refuse(_("This value is not valid."), "invalid")
    if kind == YES_NO and isinstance(raw, bool):
        return raw
    if kind == DATE and isinstance(raw, dt.date):
        raw = (raw.date() if isinstance(raw, dt.datetime) else raw).isoformat()
    text = "" if raw is None else str(raw)
    if "\x00" in text:
        # PostgreSQL's JSON refuses NUL, and no keyboard types it.
        raise _refuse(_("This text contains a character that is not allowed."), "invalid")
    # Whatever the form or the API let through: only a long text keeps its lines.
    text = clean_text(text, multiline=kind == LONG_TEXT).strip()
    if text == "":
        if definition.required:
            raise _refuse(_required_message(kind), "required")
        return None
    if kind in NUMERIC_KINDS:
        return _clean_number(definition, text)
    if kind == YES_NO:
        return _clean_yes_no(text)
    if kind == CHOICE:
        return _clean_choice(definition, text)
    if kind == DATE:
        day = parse_date(text)
        if not date_in_range(day):
            raise _refuse(date_range_message(), "date_range")
        return day.isoformat()
    if kind == LINK:
        return _clean_link(text)
    limit = TEXT_LIMITS.get(kind, TEXT_LIMITS[TEXT])
    if len(text) > limit:
        raise _refuse(_("Too long: at most %(limit)s characters.") % {"limit": limit}, "too_long")
    return text


def _required_message(kind: str) -> str:
    if kind in NUMERIC_KINDS:
        return _("This figure is required.")
    if kind in (YES_NO, CHOICE):
        return _("Choose an answer.")
    return _("This field is required.")


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
# After normalise_number: plain digits with at most one decimal point, nothing else.
_PLAIN_NUMBER = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$")


def normalise_number(text: str) -> str:
    """Read a number as Vietnamese write it: 1.250 (thousands dots), 2,5 (decimal comma).

    A dot followed by groups of exactly three digits is a thousands separator; any other single
    dot or comma is the decimal mark, so "92.5" typed on an English keyboard still reads 92,5.
    """
    compact = text.replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(compact):
        return compact.replace(".", "").replace(",", ".")
    return compact.replace(",", ".")


def parse_number(text: str) -> Decimal:
    """A finite number in plain digits within MAX_NUMBER and MAX_DECIMALS, or ValidationError.

    The digits are counted before Decimal reads them: what is stored is then at most 12 digits
    before the mark and MAX_DECIMALS after it, however long the text sent (zeros in front or
    behind count for nothing)."""
    compact = normalise_number(text)
    if not _PLAIN_NUMBER.match(compact):
        # Exponents ("1e5"), "Infinity", "NaN" are Decimal's writing, not a person's: refused,
        # with the reason a person can act on.
        try:
            number = Decimal(compact)
        except InvalidOperation:
            raise _refuse(
                _("“%(value)s” is not a number.") % {"value": text[:40]}, "not_a_number"
            ) from None
        if not number.is_finite() or abs(number) >= MAX_NUMBER:
            raise _refuse(_("This number is too large."), "too_large")
        raise _refuse(_("Write the number in plain digits, without an exponent."), "exponent")
    whole, _mark, decimals = compact.lstrip("+-").partition(".")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise _refuse(_("This number is too large."), "too_large")
    if len(decimals.rstrip("0")) > MAX_DECIMALS:
        raise _refuse(
            _("At most %(limit)s digits after the decimal comma.") % {"limit": MAX_DECIMALS},
            "too_precise",
        )
    number = Decimal(compact)
    if abs(number) >= MAX_NUMBER:
        raise _refuse(_("This number is too large."), "too_large")
    return number


def _clean_number(definition: Definition, text: str) -> int | str:
    number = parse_number(text)
    if definition.kind == INTEGER and number != number.to_integral_value():
        raise _refuse(_("Enter a whole number."), "not_whole")
    low = definition.min_value if definition.min_value is not None else Decimal(0)
    if number < low:
        if low == 0:
            raise _refuse(_("This figure cannot be negative."), "negative")
        raise _refuse(_("At least %(low)s.") % {"low": low.normalize()}, "too_small")
    if definition.max_value is not None and number > definition.max_value:
        raise _refuse(
            _("At most %(high)s.") % {"high": definition.max_value.normalize()}, "too_big"
        )
    if definition.kind == INTEGER:
        return int(number)
    return format(number.normalize(), "f")


def _key(text: str) -> str:
    """Text as compared for equality: composed accents, single spaces, case folded.

    A phone keyboard may send "có" as c + o + combining accents; both must read the same."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _clean_yes_no(text: str) -> bool:
    key = _key(text)
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    raise _refuse(_("Answer yes or no."), "not_yes_no")


def _clean_choice(definition: Definition, text: str) -> str:
    key = _key(text)
    # The options are JSON: anything but a list of labels (a damaged row) offers no option.
    options = definition.choices if isinstance(definition.choices, list | tuple) else ()
    for option in options:
        if isinstance(option, str) and _key(option) == key:
            return option
    raise _refuse(_("Choose one of the options given."), "invalid_choice")


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> dt.date:
    """dd/mm/yyyy as Vietnamese write it, or yyyy-mm-dd as a date picker sends it."""
    text = text.strip()
    if match := _DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise _refuse(_("Enter a date as dd/mm/yyyy."), "not_a_date")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _refuse(
            _("“%(value)s” is not a date of the calendar.") % {"value": text[:20]}, "not_a_date"
        ) from None


_URL = URLValidator(schemes=["http", "https"])


def _clean_link(text: str) -> str:
    if len(text) > MAX_LINK:
        raise _refuse(
            _("Too long: at most %(limit)s characters.") % {"limit": MAX_LINK}, "too_long"
        )
    bad = any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text)
    if bad or not text.lower().startswith(("http://", "https://")):
        raise _refuse(
            _("Enter a full web address starting with http:// or https://."), "not_a_link"
        )
    try:
        _URL(text)
    except ValidationError:
        raise _refuse(
            _("Enter a full web address starting with http:// or https://."), "not_a_link"
        ) from None
    return text


def _clean_files(definition: Definition, raw: object) -> list[int] | None:
    """The ids of the attachments the attachments module put in the values, checked."""
    if raw is None or raw == "" or (isinstance(raw, list | tuple) and not raw):
        if definition.required:
            raise _refuse(_("Attach at least one file."), "required")
        return None
    if not isinstance(raw, list | tuple):
        raise _refuse(_("The attached files are not valid."), "invalid")
    if len(raw) > MAX_FILES:
        raise _refuse(_("Too many files: at most %(limit)s.") % {"limit": MAX_FILES}, "too_many")
    ids: list[int] = []
    for item in raw:
        # type() rather than isinstance(): True is an int to Python, not an attachment.
        if type(item) is not int or not 0 < item <= MAX_ATTACHMENT_ID:
            raise _refuse(_("The attached files are not valid."), "invalid")
        if item not in ids:
            ids.append(item)
    return ids


# Options of a choice.


def clean_options(lines: Sequence[str]) -> list[str]:
    """The options of a choice as the office typed them, one per line: trimmed, no blanks, no
    two that read the same."""
    options: list[str] = []
    seen: set[str] = set()
    for line in lines:
        option = " ".join(clean_text(str(line)).split())
        if not option:
            continue
        if len(option) > MAX_OPTION_LENGTH:
            raise _refuse(
                _("An option is too long: at most %(limit)s characters.")
                % {"limit": MAX_OPTION_LENGTH},
                "too_long",
            )
        if _key(option) in seen:
            raise _refuse(
                _("The option “%(option)s” is given twice.") % {"option": option[:60]},
                "duplicate",
            )
        seen.add(_key(option))
        options.append(option)
    if len(options) > MAX_OPTIONS:
        raise _refuse(
            _("Too many options: at most %(limit)s.") % {"limit": MAX_OPTIONS}, "too_many"
        )
    return options


# Comparing answers, for the rules across fields.

Comparable = Decimal | str | bool


def comparable(kind: str, value: object) -> Comparable | None:
    """A stored answer as a rule compares it, or None when blank or unreadable."""
    if is_blank(value):
        return None
    if kind in NUMERIC_KINDS:
        if isinstance(value, bool):
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if kind == YES_NO:
        return value if isinstance(value, bool) else None
    if kind == DATE:
        # ISO text compares in calendar order.
        return str(value)
    if kind in (TEXT, LINK):
        return _key(str(value))
    if kind == CHOICE:
        return str(value)
    return None


def holds(op: str, left: Comparable | None, right: Comparable | None = None) -> bool:
    """Whether `left op right` is true. A comparison with a blank side is not true: a rule that
    asks "reached ≥ 0" asks for a figure."""
    if op == FILLED:
        return left is not None
    if op == EMPTY:
        return left is None
    if left is None or right is None or type(left) is not type(right):
        return False
    if op == EQ:
        return left == right
    if op == NE:
        return left != right
    compare = _ORDER.get(op)
    if compare is None or isinstance(left, bool):
        return False
    return bool(compare(left, right))


_ORDER = {GT: operator.gt, GE: operator.ge, LT: operator.lt, LE: operator.le}


def same_footing(left_kind: str, right_kind: str) -> bool:
    """Whether answers of these two kinds can be compared with each other."""
    if left_kind in NUMERIC_KINDS and right_kind in NUMERIC_KINDS:
        return True
    return left_kind == right_kind


def format_value(value: object, kind: str = "") -> str:
    """A stored value as the report prints it (in Vietnamese, like the whole report): numbers
    Vietnamese style, yes/no as Có/Không, dates as dd/mm/yyyy, files as their number, blanks
    as a dash. Without the kind, a value that reads as a number is printed as one."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return f"{len(value)} tệp"
    if kind == DATE:
        return format_date(str(value))
    if kind in TEXT_KINDS:
        return str(value)
    number = to_number(value)
    if number is None:
        return str(value)
    return format_number(int(number) if number == number.to_integral_value() else number)
