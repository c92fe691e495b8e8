"""Two checks on signed-in sessions, after django-otp's OTPMiddleware has said whether the
session passed a second step.

1. A session opened by another sign-in form than ours (the admin's) for a person who has
   two-step verification on skipped the second step: it is ended, and the person is sent to
   our sign-in page. Checked once per session: our sign-in marks the sessions it opens.
2. With TONGHOP_REQUIRE_2FA_FOR_STAFF, office staff without it are sent to its page until they
   have turned it on; only that page, signing out and the language switch stay open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tonghop.orgs.models import User
from tonghop.twofactor import actions, pending

# URL names a person who must still turn on two-step verification may reach.
OPEN_NAMES = frozenset({"logout", "set_language", "health", "login"})
OPEN_NAMESPACE = "twofactor"


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # Read the session first: a signed-out visitor costs no query here.
        if SESSION_KEY not in request.session:
            return None
        user = request.user
        if not isinstance(user, User) or user.is_verified():  # type: ignore[attr-defined]
            return None
        if pending.CHECKED_KEY not in request.session:
            if actions.has_second_step(user):
                logout(request)
                return redirect_to_login(request.get_full_path())
            request.session[pending.CHECKED_KEY] = "password"
        match = request.resolver_match
        if match is not None and (
            OPEN_NAMESPACE in match.namespaces or match.url_name in OPEN_NAMES
        ):
            return None
        if actions.required_for(user):
            return redirect("twofactor:setup")
        return None
