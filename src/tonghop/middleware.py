"""Two things every page shares.

LanguageMiddleware: Vietnamese first. The interface language is the person's explicit choice,
else Vietnamese. Django's LocaleMiddleware would follow the browser's Accept-Language, and most
office computers run an English browser; the people using them still expect Vietnamese. A
program calling the API (/api/) has no language cookie: its Accept-Language is followed, since
it is set on purpose.

RefusalMiddleware: the one place where a refusal (tonghop.errors) that a view did not answer
itself becomes what the person sees: the page they came from with the sentence at its top, or
JSON with the sentence for the form's script. Never a 500 for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from tonghop import errors


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
