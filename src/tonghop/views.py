"""Pages that belong to no single app: the start page, sign-in, and friendly error pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tonghop.audit import throttle
from tonghop.audit.backends import LOCK_ATTRIBUTE
from tonghop.orgs.models import User


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return redirect("login")
    if user.office_units().exists():
        return redirect("campaigns:list")
    if user.reporting_units().exists():
        return redirect("reports:mine")
    return TemplateResponse(request, "no_role.html", {})


def login(request: HttpRequest) -> HttpResponse:
    # A "next" on the login page means a signed-out visitor hit a page, most often because the
    # session expired while a form was open: say so, instead of a bare login form.
    expired = bool(request.GET.get("next")) and not request.user.is_authenticated
    view = auth_views.LoginView.as_view(
        redirect_authenticated_user=True, extra_context={"session_expired": expired}
    )
    response = view(request)
    assert isinstance(response, HttpResponse)
    # The sign-in failed: say so plainly when this name or address is now locked, by this attempt
    # or before it (then the password was not even checked; tonghop.audit.backends).
    lock = getattr(request, LOCK_ATTRIBUTE, None)
    if request.method == "POST" and response.status_code == 200 and lock is not None:
        return _locked(request, lock)
    return response


def _locked(request: HttpRequest, lock: throttle.Lock) -> HttpResponse:
    until = formats.time_format(timezone.localtime(lock.until), "H:i")
    message = _(
        "Too many failed sign-in attempts. Sign-in is locked until %(time)s; "
        "please try again after that time."
    ) % {"time": until}
    context = {
        "form": AuthenticationForm(request),
        "locked_message": message,
        "next": request.POST.get("next", ""),
    }
    return TemplateResponse(request, "registration/login.html", context, status=429)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return TemplateResponse(request, "csrf_failure.html", {}, status=403)
