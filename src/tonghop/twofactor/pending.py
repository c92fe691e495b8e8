"""The half-login: a correct password waiting for its second step, kept in the session.

Nothing here signs anyone in: Django's session key for the user is set only by login(), once
the code is checked. The half-login lasts PENDING_SECONDS and names the person by id and by
the hash of their password, so a password changed (or an account disabled) meanwhile ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from tonghop.orgs.models import User

PENDING_KEY = "tonghop_2fa_pending"
# Set by our sign-in on the sessions it opens: "password" (the person had no second step then)
# or "code". A signed-in session without it was opened elsewhere (the admin's sign-in form) and
# is checked once by tonghop.twofactor.middleware.
CHECKED_KEY = "tonghop_2fa_checked"
PENDING_SECONDS = 5 * 60


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str
    next_url: str


def start(request: HttpRequest, user: User, backend: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "backend": backend,
        "since": timezone.now().timestamp(),
        "next": next_url,
    }


def exists(request: HttpRequest) -> bool:
    """Whether a half-login was started in this session, expired or not."""
    return PENDING_KEY in request.session


def current(request: HttpRequest) -> Pending | None:
    """The half-login of this session, if it is still good; an expired one is dropped."""
    raw = request.session.get(PENDING_KEY)
    found = _read(raw) if isinstance(raw, dict) else None
    if found is None:
        clear(request)
    return found


def _read(raw: dict[str, object]) -> Pending | None:
    try:
        age = timezone.now().timestamp() - float(str(raw["since"]))
        pk = int(str(raw["user"]))
        backend, password_hash, next_url = str(raw["backend"]), str(raw["hash"]), str(raw["next"])
    except (KeyError, TypeError, ValueError):
        return None
    if not 0 <= age <= PENDING_SECONDS or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), password_hash):
        return None
    return Pending(user=user, backend=backend, next_url=next_url)


def clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
