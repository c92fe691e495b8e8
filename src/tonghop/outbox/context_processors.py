from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tonghop.outbox.models import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """The count of unread in-app notifications shown in the top bar.

    Lazy: one query, and only on pages that show the count; none for anonymous visitors.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user).unread().count()
        )
    }
