"""What a person reads on a page, as a real browser lays it out, for the tests that check how
dates and codes are written: the body's rendered text (innerText: only what is shown, not
attributes, hidden inputs or scripts)."""

from __future__ import annotations

import re
from typing import Any

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def visible_text(page: Any) -> str:
    return str(page.evaluate("document.body.innerText"))


def iso_dates(page: Any) -> list[str]:
    """Every ISO date (2024-11-07, 2024-11-06T08:49:06+07:00) a person can read on the page."""
    return ISO_DATE.findall(visible_text(page))
