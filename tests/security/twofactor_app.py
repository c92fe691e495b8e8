"""An authenticator app, a clock for the waits, and the two steps of sign-in, shared by the tests
of two-step verification. Codes are computed as an authenticator app computes them (RFC 6238,
django_otp.oath) from the secret the page shows; nothing is mocked."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import hotp

from tests.conftest import PASSWORD
from tonghop.orgs.models import User
from tonghop.twofactor.models import SealedTOTPDevice as TOTPDevice


def code_now(device: Any, refresh: bool = True) -> str:
    """What the app shows now; if this time step's code was already used (tests are quicker than
    people), the next step's, which the server accepts too (one step of tolerance)."""
    if refresh:
        device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step + device.drift
    return f"{hotp(device.bin_key, max(now_t, device.last_t + 1), digits=device.digits):06d}"


def wrong_code(device: Any) -> str:
    right = {code_now(device)}
    device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step + device.drift
    # Every code the server would take now (tolerance of one step each side) is avoided.
    right |= {f"{hotp(device.bin_key, now_t + d):06d}" for d in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in right)


class Clock:
    """Moves timezone.now (the half-login's age, the sign-in lock, django-otp's brake)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.offset = dt.timedelta()
        self.real = timezone.now

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)
        real, offset = self.real, self.offset
        self.monkeypatch.setattr(timezone, "now", lambda: real() + offset)


def turn_on(user: User) -> tuple[Any, list[str]]:
    """Through the pages, as the person does it: turn on, confirm with the app's code."""
    client = Client()
    client.force_login(user)
    assert client.post(reverse("twofactor:enable")).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("twofactor:confirm"), {"code": code_now(device)})
    assert response.status_code == 200
    return device, list(response.context["codes"])


def sign_in_password(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def sign_in_code(client: Client, code: str, backup: bool = False) -> Any:
    url = reverse("twofactor:verify") + ("?backup=1" if backup else "")
    return client.post(url, {"code": code})


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return gettext(msgid)
