"""The one guard against formula injection in the files the site exports (CSV and Excel).

A cell whose text starts with = + - @ (or a tab or carriage return before one) is run as a
formula by a spreadsheet: `=HYPERLINK(...)` typed by a unit or a visitor would become a link
or worse on an official's computer. Every export (reports, the units still owing theirs, the
audit log) passes its text through here. It sits in audit, the lowest package that exports.
"""

from __future__ import annotations

# The first characters that make a spreadsheet read a cell as a formula (or the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_STARTS)


def safe_cell(text: str) -> str:
    """The text of a CSV cell, made plain text when it reads as a formula: a leading apostrophe,
    which Excel and LibreOffice take as "this is text". An Excel file keeps the text as typed
    and stores such a cell as text instead (reports.export.write_xlsx)."""
    return "'" + text if is_formula(text) else text
