"""Dates, times and codes as a person in the office reads them, for values the pages receive as
ISO text (what the parser and the signature checker store) as well as dates and datetimes:
"06/12/2026", "08:49 06/11/2024" in the office's time zone, never "2024-11-06T08:49:06+07:00"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


def _parsed(value: object) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@register.filter
def vn_when(value: object) -> str:
    """A date as dd/mm/yyyy, a moment as HH:MM dd/mm/yyyy in local time; other text as it is."""
    parsed = _parsed(value)
    if parsed is None:
        return "" if value is None else str(value)
    if isinstance(parsed, dt.datetime):
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return f"{parsed:%H:%M %d/%m/%Y}"
    return f"{parsed:%d/%m/%Y}"


@register.filter
def severity_label(severity: object) -> str:
    """A finding's severity as a word (Lỗi, Cảnh báo, Ghi chú), not its code."""
    labels = {"error": _("Error"), "warning": _("Warning"), "info": _("Note")}
    return labels.get(str(severity), str(severity))
