"""The pages of two-step verification: the person's own page (turn on, confirm, turn off), the
QR code of the secret being set up, and the second step of sign-in.

Every view starts from the signed-in person (or the half-login of this session): no URL names a
device, so nobody can reach another person's.
"""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tonghop import views as site_views
from tonghop.access import signed_in_user
from tonghop.orgs.models import User
from tonghop.twofactor import actions, pending
from tonghop.twofactor.forms import CodeForm, ConfirmForm, LockPassForm, NewCodesForm, TurnOffForm


def _spaced(secret: str) -> str:
    """The secret in groups of four, as the apps' "enter a key" screens show it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _page(
    request: HttpRequest,
    user: User,
    *,
    confirm_form: ConfirmForm | None = None,
    off_form: TurnOffForm | None = None,
    codes_form: NewCodesForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    state = actions.status(user)
    secret = ""
    if state.setting_up is not None:
        secret = _spaced(b32encode(state.setting_up.bin_key).decode("ascii"))
    context: dict[str, Any] = {
        "status": state,
        "secret": secret,
        "confirm_form": confirm_form or ConfirmForm(),
        "off_form": off_form or TurnOffForm(),
        "codes_form": codes_form or NewCodesForm(),
        "required": actions.required_for(user),
        "office_staff": user.office_units().exists(),
        "error": error,
    }
    response = TemplateResponse(request, "twofactor/setup.html", context, status=status)
    # The page may hold the secret being set up: no copy in any cache.
    add_never_cache_headers(response)
    return response


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    return _page(request, signed_in_user(request))


@login_required
@require_POST
def enable(request: HttpRequest) -> HttpResponse:
    try:
        actions.start_setup(signed_in_user(request))
    except actions.TwoFactorError as exc:
        messages.error(request, str(exc))
    return redirect("twofactor:setup")


@login_required
@require_POST
@sensitive_post_parameters("code")
def confirm(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = actions.confirm_setup(request, user, form.cleaned_data["code"])
        except actions.TwoFactorError as exc:
            form.add_error("code", str(exc))
        else:
            return _backup_codes_page(request, codes, renewed=False)
    return _page(request, user, confirm_form=form, status=400)


@login_required
@require_POST
@sensitive_post_parameters("password", "code")
def disable(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TurnOffForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            actions.turn_off(request, user, data["password"], data["code"])
        except actions.Locked as exc:
            return _page(request, user, off_form=form, error=str(exc), status=429)
        except actions.NotOn as exc:
            # The page has no form to show it beside: it says so at the top.
            return _page(request, user, error=str(exc), status=400)
        except actions.TwoFactorError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Two-step verification is off."))
            return redirect("twofactor:setup")
    return _page(request, user, off_form=form, status=400)


@login_required
@require_POST
@sensitive_post_parameters("codes-password", "codes-code")
def new_codes(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = NewCodesForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            codes = actions.renew_backup_codes(request, user, data["password"], data["code"])
        except actions.Locked as exc:
            return _page(request, user, codes_form=form, error=str(exc), status=429)
        except actions.NotOn as exc:
            return _page(request, user, error=str(exc), status=400)
        except actions.TwoFactorError as exc:
            form.add_error(None, str(exc))
        else:
            return _backup_codes_page(request, codes, renewed=True)
    return _page(request, user, codes_form=form, status=400)


def _backup_codes_page(request: HttpRequest, codes: list[str], *, renewed: bool) -> HttpResponse:
    # Shown this once: the page is the answer to the POST, never stored or cached.
    context = {"codes": codes, "renewed": renewed}
    response = TemplateResponse(request, "twofactor/backup_codes.html", context)
    add_never_cache_headers(response)
    return response


@login_required
def qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the secret being set up; none once confirmed (the secret is then never
    shown again)."""
    device = actions.setup_device(signed_in_user(request))
    if device is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=4, dark="#000", light="#fff", title="QR"
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in, for the half-login this session holds."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    started = pending.exists(request)
    half = pending.current(request)
    if half is None:
        if started:
            messages.error(
                request,
                _("Sign-in was not finished within 5 minutes. Enter your password again."),
            )
        return redirect("login")
    backup = request.GET.get("backup") == "1"
    form = CodeForm(request.POST if request.method == "POST" else None, backup=backup)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.sign_in(request, half, form.cleaned_data["code"])
            except actions.Locked as exc:
                # Locked: the half-login ends; after the lock, the password is asked again.
                pending.clear(request)
                return site_views.locked_page(request, str(exc))
            except actions.TwoFactorError as exc:
                form.add_error("code", str(exc))
            else:
                return redirect(_safe_next(request, half.next_url))
    context = {"form": form, "backup": backup, "person": half.user}
    return TemplateResponse(request, "registration/login_code.html", context, status=status)


@never_cache
@sensitive_post_parameters("password", "code")
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    """The password and a second factor, past a sign-in lock (the form is on the page that
    tonghop.views.login shows when a password is typed during a lock)."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = LockPassForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.pass_lock(request, data["username"], data["password"], data["code"])
        except actions.TwoFactorError as exc:
            form.add_error("code", str(exc))
        else:
            return redirect(_safe_next(request, data["next"]))
    return site_views.lock_pass_page(request, form, status=400)
