from __future__ import annotations

import json
from typing import Any

from django import template

from tonghop.audit.access import can_see_audit_log

register = template.Library()


@register.filter
def sees_audit_log(user: Any) -> bool:
    return can_see_audit_log(user)


@register.filter
def details_text(details: Any) -> str:
    """The details of an event on one line: `key: value; ...` (values as JSON when not text)."""
    if not isinstance(details, dict) or not details:
        return ""
    parts = []
    for key, value in details.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)
