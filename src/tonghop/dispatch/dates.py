"""Calendar dates as Vietnamese administrative documents write them.

ND 30 writes the document date in words (`ngày 05 tháng 5 năm 2025`); bodies cite dates as
`21/4/2025`, `21-4-2025` or `21.4.2025`, sometimes without the year (`15/4`), and OCR adds
stray spaces around the slashes (`16/ 12/2021`). Everything here is pure and precompiled.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date


# A numeric date with an optional year. The separators must agree, so that `1.2/3` is no date;
# spaces are tolerated only next to a slash, where OCR puts them. Each form has its own groups,
# named prefix + d/m/y + a suffix, because a regex cannot reuse a group name in alternatives.
def _dmy(prefix: str, suffix: str, sep: str, year_optional: bool) -> str:
    opt = "?" if year_optional else ""
    g = prefix
    return (
        rf"(?P<{g}d{suffix}>\d{{1,2}}){sep}(?P<{g}m{suffix}>\d{{1,2}})"
        rf"(?:{sep}(?P<{g}y{suffix}>\d{{4}})){opt}"
    )


def _numeric(prefix: str, year_optional: bool) -> str:
    return (
        f"(?:{_dmy(prefix, '', r'\s?/\s?', year_optional)}"
        f"|{_dmy(prefix, '2', '-', False)}"
        f"|{_dmy(prefix, '3', r'\.', False)})"
    )


def _words(prefix: str) -> str:
    return (
        rf"ngày\s+(?P<{prefix}wd>\d{{1,2}})\s+tháng\s+(?P<{prefix}wm>\d{{1,2}})"
        rf"(?:\s+năm\s+(?P<{prefix}wy>\d{{4}}))?"
    )


def date_pattern(prefix: str, *, year_optional: bool = True) -> str:
    """A regex fragment for one date, its groups named after `prefix`; read it with `pick`."""
    return rf"(?:{_words(prefix)}|(?:ngày\s+)?{_numeric(prefix, year_optional)}(?![\d/]))"


@dataclass(frozen=True, slots=True)
class Partial:
    """A date as written: the year may be missing (`15/4`)."""

    day: int
    month: int
    year: int | None

    def resolve(self, default_year: int | None) -> date | None:
        year = self.year if self.year is not None else default_year
        if year is None:
            return None
        return make_date(year, self.month, self.day)


def pick(match: re.Match[str], prefix: str) -> Partial | None:
    """The date matched by `date_pattern(prefix)` in `match`, or None if it is not a day."""
    groups = match.groupdict()
    for sd, sm, sy in (("wd", "wm", "wy"), ("d", "m", "y"), ("d2", "m2", "y2"), ("d3", "m3", "y3")):
        d = groups.get(prefix + sd)
        if d is None:
            continue
        m = groups.get(prefix + sm)
        y = groups.get(prefix + sy)
        if m is None:
            return None
        day, month = int(d), int(m)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return None
        return Partial(day, month, int(y) if y else None)
    return None


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12 or year < 1:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])
