"""Pages that belong to no single app: the start page, sign-in (its first step; the second is
in tonghop.twofactor), and friendly error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from tonghop.audit import throttle
from tonghop.audit.backends import LOCK_ATTRIBUTE, REFUSED_ATTRIBUTE, RIGHT_USER_ATTRIBUTE
from tonghop.orgs.models import User
from tonghop.twofactor import actions as twofactor
from tonghop.twofactor import pending
from tonghop.twofactor.forms import LockPassForm


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return redirect("login")
    if user.office_units().exists():
        return redirect("campaigns:list")
    if user.reporting_units().exists():
        return redirect("reports:mine")
    return TemplateResponse(request, "no_role.html", {})


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """A person's own page: who they are, where, and the tools every account has (password,
    two-step verification, API tokens, checking a signed file) that the top bar of a unit's
    reporter leaves out."""
    user = request.user
    assert isinstance(user, User)
    memberships = user.memberships.select_related("unit").order_by("unit__name")
    return TemplateResponse(request, "registration/account.html", {"memberships": memberships})


@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask /favicon.ico of every site; the office's small icon, not a 404 in the log."""
    found = finders.find("tonghop/favicon.ico")
    if not isinstance(found, str):
        raise Http404
    response = FileResponse(open(found, "rb"), content_type="image/x-icon")  # noqa: SIM115
    response["Cache-Control"] = "public, max-age=86400"
    return response


class _SignInView(auth_views.LoginView):
    """Django's sign-in, with a second step for people who turned on two-step verification:
    their correct password opens only a half-login (tonghop.twofactor.pending); login() happens
    after the code."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        assert isinstance(user, User)
        if twofactor.has_second_step(user):
            backend = getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0])
            pending.start(self.request, user, backend, self.get_redirect_url())
            return redirect("twofactor:verify")
        response = super().form_valid(form)
        self.request.session[pending.CHECKED_KEY] = "password"
        if not twofactor.required_for(user) and user.office_units().exists():
            messages.info(
                self.request,
                _(
                    "Protect the office's data: turn on two-step verification "
                    "(Two-step verification, in the top bar)."
                ),
            )
        assert isinstance(response, HttpResponse)
        return response


def login(request: HttpRequest) -> HttpResponse:
    # A "next" on the login page means a signed-out visitor hit a page, most often because the
    # session expired while a form was open: say so, instead of a bare login form.
    expired = bool(request.GET.get("next")) and not request.user.is_authenticated
    view = _SignInView.as_view(extra_context={"session_expired": expired})
    response = view(request)
    assert isinstance(response, HttpResponse)
    # The sign-in failed: say so plainly when this account or address is now locked.
    lock = getattr(request, LOCK_ATTRIBUTE, None)
    if request.method == "POST" and response.status_code == 200 and lock is not None:
        if getattr(request, REFUSED_ATTRIBUTE, False):
            # Typed during the lock: the way past it, a second factor, asked for whether the
            # password was right or not (tonghop.audit.backends checked it, and tells only us).
            user = getattr(request, RIGHT_USER_ATTRIBUTE, None)
            twofactor.start_lock_pass(request, user if isinstance(user, User) else None)
            initial = {k: request.POST.get(k, "")[:2000] for k in ("username", "next")}
            return lock_pass_page(request, LockPassForm(initial=initial), status=429)
        return locked_page(request, str(twofactor.Locked(lock)))
    return response


def locked_page(request: HttpRequest, message: str) -> HttpResponse:
    """The sign-in page saying until when sign-in is locked (also after too many wrong codes)."""
    context = {
        "form": AuthenticationForm(request),
        "locked_message": message,
        "next": request.POST.get("next", ""),
    }
    return TemplateResponse(request, "registration/login.html", context, status=429)


def lock_pass_page(request: HttpRequest, form: LockPassForm, status: int) -> HttpResponse:
    """The page after a password typed during a lock: the lock, and the form that passes it
    with a second factor (tonghop.twofactor.views.unlock)."""
    username = str(form["username"].value() or "")
    lock = throttle.check(username, throttle.client_ip(request)) if username else None
    context = {
        "form": form,
        "locked_message": str(twofactor.Locked(lock)) if lock is not None else "",
        "minutes": throttle.PASS_CODE_MINUTES,
    }
    return TemplateResponse(request, "registration/login_lock_pass.html", context, status=status)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ a program gets JSON, whatever address it tried; elsewhere Django's page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found, or not yours to see.")}, status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return TemplateResponse(request, "csrf_failure.html", {}, status=403)
