"""Two things every page shares.

LanguageMiddleware: Vietnamese first. The interface language is the person's explicit choice,
else Vietnamese. Django's LocaleMiddleware would follow the browser's Accept-Language, and most
office computers run an English browser; the people using them still expect Vietnamese. A
program calling the API (/api/) has no language cookie: its Accept-Language is followed, since
it is set on purpose.

PasswordChangeMiddleware: a person whose password someone else set (an administrator) is sent
to the change page until they have chosen their own; only that page, signing out and the
language switch stay open.

RefusalMiddleware: the one place where a refusal (tonghop.errors) that a view did not answer
itself becomes what the person sees: the page they came from with the sentence at its top, or
JSON with the sentence for the form's script. Never a 500 for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from tonghop import errors
from tonghop.orgs.models import User


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not chosen and request.path_info.startswith("/api/"):  # see the module's docstring
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        api = request.path_info.startswith("/api/")
        patch_vary_headers(response, ("Cookie", "Accept-Language") if api else ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class PasswordChangeMiddleware:
    OPEN_NAMES = frozenset({"password-change", "logout", "set_language", "health", "login"})

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
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.must_change_password:
            return None
        match = request.resolver_match
        if match is not None and (
            match.url_name in self.OPEN_NAMES or "twofactor" in match.namespaces
        ):
            return None
        if request.path_info.startswith("/api/"):
            return None  # a program's token is not a person at a page
        return redirect("password-change")


class RefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, errors.Refused):
            return None
        wants_json = "application/json" in request.headers.get("Accept", "") or (
            request.headers.get("X-Requested-With") == "fetch"
        )
        if wants_json:
            return JsonResponse({"error": str(exc)}, status=exc.status)
        if request.method in ("GET", "HEAD"):
            # Nothing was sent: there is no form to go back to, so the sentence is the page.
            context = {"message": str(exc)}
            return TemplateResponse(request, "refused.html", context, status=exc.status).render()
        messages.error(request, str(exc))
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.path
        return HttpResponseRedirect(back)
