"""What text and dates from outside (a form, the API, an imported file) must look like before
they are kept. Pure Python: the DOCX rendering uses it too.

Text pasted from Word carries its manual line break (vertical tab, Shift+Enter); other programs
leave form feeds, NEL or Unicode line separators, and binary junk leaves C0/C1 controls. XML (the
Atom feed, DOCX, edXML) cannot carry most of them, and a mail header must not hold a line break:
one such character stored in a title breaks every page and message that shows it. So text is
cleaned where it enters, once, by `clean_text`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# What an editor shows as a new line: CR, LF, VT (Word's Shift+Enter), FF, NEL, U+2028/2029.
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_LINE_BREAK = re.compile(" *\n[ \n]*")
# Every other C0/C1 control (tab is made a space first), lone surrogates and the non-characters
# U+FFFE/U+FFFF: XML 1.0 forbids them, and nobody means them in a title or a narrative.
_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

# The dates a form or the API accepts. Far wider than any report cycle, yet a due time plus
# any delay or link lifetime stays inside what Python and the databases can hold (year 9999
# overflows as soon as a day is added).
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Text as it is kept: NFC (TCVN 6909:2001 is Unicode; some keyboards send decomposed
    accents), without control characters, tabs as spaces.

    Line breaks of any kind become "\\n" in a multi-line text; in a one-line text (a title, a
    name, a mail subject) a line break and the spaces around it become one space, so words on
    two lines stay two words. The field or the caller strips the ends as it always did."""
    text = _BREAKS.sub("\n", text).replace("\t", " ")
    text = unicodedata.normalize("NFC", _FORBIDDEN.sub("", text))
    return text if multiline else _LINE_BREAK.sub(" ", text)


def date_in_range(day: dt.date) -> bool:
    """Whether a date (or the date of a time) lies between FIRST_DATE and LAST_DATE."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return FIRST_DATE <= day <= LAST_DATE
