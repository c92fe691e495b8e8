"""The one way a view learns who is asking: views are wrapped in login_required, so the
person is a signed-in User; every query then starts from that user."""

from __future__ import annotations

from django.http import HttpRequest

from tonghop.orgs.models import User


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "views that call this are wrapped in login_required"
    return user


def posted_version(request: HttpRequest) -> int | None:
    """The version of the row the page was drawn from (a hidden `version` field). Missing: the
    action works from the current row; malformed: -1, which the action refuses as stale."""
    raw = request.POST.get("version")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return -1
