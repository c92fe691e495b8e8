from __future__ import annotations

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, int]:
    """The count of unread in-app notifications shown in the top bar."""
    return {"unread_notifications": 0}
