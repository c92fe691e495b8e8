"""Two-step verification: turning it on with a real authenticator code, signing in with it,
backup codes, the half-login between password and code, throttling, turning it off, the
setting that makes it compulsory for office staff, and the administrator's reset.

Codes are computed here as an authenticator app computes them (RFC 6238, django_otp.oath), from
the secret the page shows; nothing is mocked. The clock is moved only for the waits (django-otp's
brake after a wrong code, the 5-minute half-login), never for the codes themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from base64 import b32encode
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, World
from tonghop.audit.models import Action, AuditEvent, LoginFailure
from tonghop.orgs.models import User
from tonghop.twofactor import pending

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Helpers: an authenticator app, a clock for the waits, and the two steps of sign-in.


def _code(device: Any, refresh: bool = True) -> str:
    """What the app shows now; if this time step's code was already used (tests are quicker than
    people), the next step's, which the server accepts too (one step of tolerance)."""
    if refresh:
        device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step + device.drift
    return f"{hotp(device.bin_key, max(now_t, device.last_t + 1), digits=device.digits):06d}"


def _wrong(device: Any) -> str:
    right = {_code(device)}
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


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _turn_on(user: User) -> tuple[Any, list[str]]:
    """Through the pages, as the person does it: turn on, confirm with the app's code."""
    client = Client()
    client.force_login(user)
    assert client.post(reverse("twofactor:enable")).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("twofactor:confirm"), {"code": _code(device)})
    assert response.status_code == 200
    return device, list(response.context["codes"])


def _password(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def _second(client: Client, code: str, backup: bool = False) -> Any:
    url = reverse("twofactor:verify") + ("?backup=1" if backup else "")
    return client.post(url, {"code": code})


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _vi(msgid: str) -> str:
    with translation.override("vi"):
        return gettext(msgid)


@pytest.fixture
def lan_on(world: World) -> tuple[Any, list[str]]:
    return _turn_on(world.lan)


# ---------------------------------------------------------------------------------------------
# Turning it on.


def test_it_turns_on_with_a_real_code_and_shows_the_backup_codes_once(
    world: World, clock: Clock
) -> None:
    client = world.client_for(world.lan)
    page = client.get(reverse("twofactor:setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="twofactor-off"' in body
    assert 'id="twofactor-advice"' in body  # advertised to office staff
    # No setup open: no QR code to see.
    assert client.get(reverse("twofactor:qr")).status_code == 404

    assert client.post(reverse("twofactor:enable")).status_code == 302
    device = TOTPDevice.objects.get(user=world.lan)
    assert not device.confirmed
    page = client.get(reverse("twofactor:setup"))
    body = page.content.decode()
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in body
    assert reverse("twofactor:qr") in body
    assert "no-store" in page["Cache-Control"]
    qr = client.get(reverse("twofactor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr["Cache-Control"] == "no-store"
    assert qr.content.lstrip().startswith(b"<?xml") and b"<svg" in qr.content
    assert not STYLE_ATTRIBUTE.search(qr.content.decode()) and b"<script" not in qr.content

    wrong = client.post(reverse("twofactor:confirm"), {"code": _wrong(device)})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    clock.advance(2)  # django-otp's brake after the wrong code: one second
    shown = client.post(reverse("twofactor:confirm"), {"code": _code(device)})
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    codes = shown.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    body = shown.content.decode()
    assert all(code in body for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    kept = StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    assert sorted(kept) == sorted(codes)
    # This session counts as verified; the secret and the codes are never shown again.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("twofactor:qr")).status_code == 404
    again = client.get(reverse("twofactor:setup")).content.decode()
    assert 'id="twofactor-on"' in again
    assert secret[:8] not in again.replace(" ", "")
    assert not any(code in again for code in codes)
    event = AuditEvent.objects.get(action=Action.PERMISSION, subject=world.lan)
    assert event.details["to"] == "on"
    assert event.actor == world.lan
    # Turning on again while on is refused, and changes nothing.
    client.post(reverse("twofactor:enable"))
    assert TOTPDevice.objects.filter(user=world.lan).count() == 1


def test_starting_again_replaces_the_secret(world: World) -> None:
    client = world.client_for(world.hoa)
    client.post(reverse("twofactor:enable"))
    first = TOTPDevice.objects.get(user=world.hoa)
    client.post(reverse("twofactor:enable"))
    second = TOTPDevice.objects.get(user=world.hoa)
    assert first.pk != second.pk and first.key != second.key
    # The old secret's code no longer turns anything on.
    old_code = _code(first, refresh=False)
    assert client.post(reverse("twofactor:confirm"), {"code": old_code}).status_code == 400
    assert not TOTPDevice.objects.filter(user=world.hoa, confirmed=True).exists()


@pytest.mark.parametrize(
    "code",
    ["", " ", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "<script>alert(1)</script>", "9" * 5000],
)
def test_confirming_refuses_malformed_codes(world: World, code: str) -> None:
    client = world.client_for(world.lan)
    client.post(reverse("twofactor:enable"))
    response = client.post(reverse("twofactor:confirm"), {"code": code})
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.lan, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=world.lan).exists()


def test_confirming_without_a_setup_is_refused(world: World) -> None:
    client = world.client_for(world.lan)
    response = client.post(reverse("twofactor:confirm"), {"code": "123456"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.exists()


# ---------------------------------------------------------------------------------------------
# Signing in.


def test_sign_in_asks_for_the_code_after_the_password(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, _codes = lan_on
    client = Client()
    response = _password(client, "lan")
    assert response.status_code == 302
    assert response["Location"] == reverse("twofactor:verify")
    assert not _signed_in(client)
    page = client.get(reverse("twofactor:verify"))
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    wrong = _second(client, _wrong(device))
    assert wrong.status_code == 400
    assert 'id="code-errors"' in wrong.content.decode()
    assert not _signed_in(client)
    assert LoginFailure.objects.filter(username="lan").count() == 1
    failed = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED, subject=world.lan)
    assert failed.details == {"second_factor": "app", "during": "sign_in"}

    clock.advance(2)  # django-otp's brake after one wrong code: one second
    right = _second(client, _code(device))
    assert right.status_code == 302
    assert right["Location"] == reverse("home")
    assert client.session[SESSION_KEY] == str(world.lan.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert pending.PENDING_KEY not in client.session
    assert client.get(reverse("campaigns:list")).status_code == 200
    signed = AuditEvent.objects.filter(action=Action.SIGN_IN, subject=world.lan).latest("pk")
    assert signed.details == {"second_factor": "app"}
    # A success clears the count, as a correct password does.
    assert not LoginFailure.objects.filter(username="lan").exists()


def test_people_without_it_sign_in_with_the_password_alone(world: World) -> None:
    client = Client()
    response = _password(client, "hoa")
    assert response["Location"] == reverse("home")
    assert _signed_in(client)
    assert client.get(reverse("reports:mine")).status_code == 200


def test_office_staff_are_told_about_it_when_they_sign_in(world: World) -> None:
    advice = escape(
        _vi(
            "Protect the office's data: turn on two-step verification "
            "(Two-step verification, in the top bar)."
        )
    )
    lan = Client()
    page = lan.get(_password(lan, "lan")["Location"], follow=True).content.decode()
    assert advice in page
    hoa = Client()
    page = hoa.get(_password(hoa, "hoa")["Location"], follow=True).content.decode()
    assert advice not in page
    assert 'id="twofactor-advice"' not in hoa.get(reverse("twofactor:setup")).content.decode()


def test_next_is_kept_through_the_second_step_and_checked(
    world: World, lan_on: tuple[Any, list[str]]
) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan", next="/campaigns/")
    assert _second(client, _code(device))["Location"] == "/campaigns/"
    for hostile in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        client = Client()
        _password(client, "lan", next=hostile)
        response = _second(client, _code(device))
        assert response.status_code == 302
        assert response["Location"] == reverse("home"), hostile


def test_a_code_is_never_taken_twice(world: World, lan_on: tuple[Any, list[str]]) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    code = _code(device)
    assert _second(client, code).status_code == 302
    client.post(reverse("logout"))
    assert not _signed_in(client)
    # Someone who saw the code over the person's shoulder, within the same 30 seconds.
    other = Client()
    _password(other, "lan")
    response = _second(other, code)
    assert response.status_code == 400
    assert not _signed_in(other)


def test_a_backup_code_works_once(world: World, lan_on: tuple[Any, list[str]]) -> None:
    _device, codes = lan_on
    client = Client()
    _password(client, "lan")
    page = client.get(reverse("twofactor:verify") + "?backup=1").content.decode()
    assert 'inputmode="numeric"' not in page  # letters on a phone keyboard
    # Typed as people copy it: capitals, a space in the middle.
    typed = f" {codes[0][:4].upper()} {codes[0][4:].upper()} "
    assert _second(client, typed, backup=True).status_code == 302
    assert _signed_in(client)
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, subject=world.lan).latest("pk")
    assert event.details == {"second_factor": "backup_code", "backup_codes_left": 9}
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    page = client.get(reverse("twofactor:setup")).content.decode()
    assert 'id="twofactor-on"' in page
    client.post(reverse("logout"))

    again = Client()
    _password(again, "lan")
    assert _second(again, codes[0], backup=True).status_code == 400
    assert not _signed_in(again)
    assert StaticToken.objects.filter(device__user=world.lan).count() == 9


def test_a_half_login_reaches_no_page(world: World, lan_on: tuple[Any, list[str]]) -> None:
    client = Client()
    _password(client, "lan")
    assert pending.PENDING_KEY in client.session
    login = reverse("login")
    for url in (
        reverse("home"),
        reverse("campaigns:list"),
        reverse("campaigns:detail", args=[world.campaign.slug]),
        reverse("documents:list"),
        reverse("twofactor:setup"),
        reverse("reminders:notifications"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "login" in admin["Location"]
    assert not _signed_in(client)


def test_the_half_login_lasts_five_minutes(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    clock.advance(pending.PENDING_SECONDS - 30)
    assert client.get(reverse("twofactor:verify")).status_code == 200
    clock.advance(60)
    response = _second(client, _code(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _signed_in(client)
    assert pending.PENDING_KEY not in client.session
    page = client.get(reverse("login")).content.decode()
    assert _vi("Sign-in was not finished within 5 minutes. Enter your password again.") in page
    # The code was not spent: with the password again, it still signs in.
    _password(client, "lan")
    assert _second(client, _code(device)).status_code == 302
    assert _signed_in(client)


def test_a_password_changed_meanwhile_ends_the_half_login(
    world: World, lan_on: tuple[Any, list[str]]
) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    world.lan.set_password("a-new-pass-phrase-2025")
    world.lan.save()
    response = _second(client, _code(device))
    assert response["Location"] == reverse("login")
    assert not _signed_in(client)


def test_a_tampered_half_login_is_dropped(world: World, lan_on: tuple[Any, list[str]]) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    session = client.session
    session[pending.PENDING_KEY] = {**session[pending.PENDING_KEY], "user": world.thach.pk}
    session.save()
    assert _second(client, _code(device))["Location"] == reverse("login")
    for junk in ("x", ["x"], {"user": "1"}, {"since": "soon", "user": world.lan.pk}):
        session = client.session
        session[pending.PENDING_KEY] = junk
        session.save()
        assert client.get(reverse("twofactor:verify"))["Location"] == reverse("login")
        assert not _signed_in(client)


def test_without_a_half_login_the_second_step_sends_people_away(world: World) -> None:
    assert Client().get(reverse("twofactor:verify"))["Location"] == reverse("login")
    assert Client().post(reverse("twofactor:verify"), {"code": "123456"})["Location"] == reverse(
        "login"
    )
    signed_in = world.client_for(world.hoa)
    assert signed_in.get(reverse("twofactor:verify"))["Location"] == reverse("home")
    assert not LoginFailure.objects.exists()


@pytest.mark.parametrize(
    ("code", "counted"),
    [
        ("", False),  # the form refuses it: nothing was tried
        ("9" * 5000, False),
        (["1", "2"], True),  # two values: the last one is taken, and is wrong
        ("12345a", True),
        ("١٢٣٤٥٦", True),  # digits of another script are not an app's code
        ("' OR 1=1 --", True),
        ("<script>alert(1)</script>", True),
        ("<b>x</b>", True),
    ],
)
def test_the_second_step_refuses_malformed_codes(
    world: World, lan_on: tuple[Any, list[str]], code: Any, counted: bool
) -> None:
    client = Client()
    _password(client, "lan")
    response = client.post(reverse("twofactor:verify"), {"code": code})
    assert response.status_code == 400
    assert not _signed_in(client)
    body = response.content.decode()
    assert "<script>alert" not in body and "<b>x</b>" not in body
    assert LoginFailure.objects.filter(username="lan").count() == (1 if counted else 0)


def test_a_right_code_right_after_a_wrong_one_waits(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock, settings: Any
) -> None:
    device, _codes = lan_on
    # A minute's brake instead of a second, so that a slow machine cannot outlast it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    client = Client()
    _password(client, "lan")
    _second(client, _wrong(device))
    # django-otp's brake: the next code is not even tried for a second, and not counted.
    response = _second(client, _code(device))
    assert response.status_code == 400
    assert not _signed_in(client)
    assert LoginFailure.objects.filter(username="lan").count() == 1
    assert _vi("Too many wrong codes. Wait until %(time)s, then try again.").split("%")[0] in (
        response.content.decode()
    )
    clock.advance(61)
    assert _second(client, _code(device)).status_code == 302


def test_wrong_codes_lock_sign_in_like_wrong_passwords(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock, settings: Any
) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    for attempt in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        clock.advance(20)  # past django-otp's growing brake (1, 2, 4, 8 s)
        response = _second(client, _wrong(device))
        last = attempt == settings.TONGHOP_LOGIN_ATTEMPTS - 1
        assert response.status_code == (429 if last else 400)
    body = response.content.decode()
    assert 'id="locked"' in body
    # The half-login is over, and the password does not open a new one until the lock ends.
    assert pending.PENDING_KEY not in client.session
    assert _password(client, "lan").status_code == 429
    assert pending.PENDING_KEY not in client.session
    assert not _signed_in(client)
    failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, subject=world.lan)
    assert failed.count() == settings.TONGHOP_LOGIN_ATTEMPTS
    assert "locked_until" in failed.latest("pk").details
    # After the lock, password and code sign in.
    clock.advance(settings.TONGHOP_LOGIN_LOCK_MINUTES * 60 + 1)
    _password(client, "lan")
    assert _second(client, _code(device)).status_code == 302
    assert _signed_in(client)


def test_a_lock_from_elsewhere_stops_the_second_step(
    world: World, lan_on: tuple[Any, list[str]], settings: Any
) -> None:
    device, _codes = lan_on
    client = Client()
    _password(client, "lan")
    # Meanwhile someone guesses Lan's password from another address.
    for _ in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        Client().post(
            reverse("login"), {"username": "lan", "password": "x"}, REMOTE_ADDR="192.0.2.44"
        )
    response = _second(client, _code(device))
    assert response.status_code == 429
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action=Action.LOCKED, subject=world.lan).exists()


# ---------------------------------------------------------------------------------------------
# Turning it off.


def _signed_in_with_code(device: Any, username: str) -> Client:
    client = Client()
    _password(client, username)
    assert _second(client, _code(device)).status_code == 302
    return client


def test_turning_off_needs_the_password_and_a_code(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, _codes = lan_on
    client = _signed_in_with_code(device, "lan")
    off = reverse("twofactor:disable")
    cases = [
        {},
        {"password": PASSWORD},
        {"code": _code(device)},
        {"password": "wrong-password", "code": _code(device)},
        {"password": PASSWORD, "code": _wrong(device)},
        {"password": PASSWORD * 2000, "code": _code(device)},
    ]
    for data in cases:
        clock.advance(20)
        response = client.post(off, data)
        assert response.status_code == 400, data
        assert TOTPDevice.objects.filter(user=world.lan, confirmed=True).exists(), data
    # The wrong password and the wrong code count as failed sign-ins.
    assert LoginFailure.objects.filter(username="lan").count() == 2
    clock.advance(20)
    response = client.post(off, {"password": PASSWORD, "code": _code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.lan).exists()
    assert not StaticDevice.objects.filter(user=world.lan).exists()
    assert not StaticToken.objects.exists()
    event = AuditEvent.objects.filter(action=Action.PERMISSION, subject=world.lan).latest("pk")
    assert event.details["to"] == "off"
    # Still signed in, and the next sign-in needs the password only.
    assert client.get(reverse("campaigns:list")).status_code == 200
    assert 'id="twofactor-off"' in client.get(reverse("twofactor:setup")).content.decode()
    fresh = Client()
    assert _password(fresh, "lan")["Location"] == reverse("home")


def test_turning_off_takes_a_backup_code(world: World, lan_on: tuple[Any, list[str]]) -> None:
    device, codes = lan_on
    client = _signed_in_with_code(device, "lan")
    response = client.post(reverse("twofactor:disable"), {"password": PASSWORD, "code": codes[3]})
    assert response.status_code == 302
    assert not StaticDevice.objects.filter(user=world.lan).exists()


# New backup codes.


def test_new_backup_codes_replace_the_old_ones_with_the_password_and_a_code(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, old_codes = lan_on
    client = _signed_in_with_code(device, "lan")
    page = client.get(reverse("twofactor:setup")).content.decode()
    assert 'id="new-backup-codes"' in page
    assert _vi("Make new backup codes") in page
    url = reverse("twofactor:new-codes")
    cases = [
        {},
        {"codes-password": PASSWORD},
        {"codes-code": _code(device)},
        {"codes-password": "wrong-password", "codes-code": _code(device)},
        {"codes-password": PASSWORD, "codes-code": _wrong(device)},
        {"codes-password": PASSWORD * 2000, "codes-code": _code(device)},
        # The turning-off form's fields are not this form's.
        {"password": PASSWORD, "code": _code(device)},
    ]
    for data in cases:
        clock.advance(20)
        response = client.post(url, data)
        assert response.status_code == 400, data
        tokens = StaticToken.objects.filter(device__user=world.lan)
        assert sorted(tokens.values_list("token", flat=True)) == sorted(old_codes), data
    assert LoginFailure.objects.filter(username="lan").count() == 2
    clock.advance(20)
    response = client.post(url, {"codes-password": PASSWORD, "codes-code": _code(device)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_codes = list(response.context["codes"])
    assert len(new_codes) == 10
    assert set(new_codes).isdisjoint(old_codes)
    page = response.content.decode()
    assert all(code in page for code in new_codes)
    assert _vi("Your old backup codes no longer work.") in page
    event = AuditEvent.objects.filter(action=Action.PERMISSION, subject=world.lan).latest("pk")
    assert event.details == {
        "change": "two_factor",
        "to": "new_backup_codes",
        "backup_codes": 10,
        "code": "app",
    }
    assert new_codes[0] not in json.dumps(event.details)
    # Still on, with the app as before; an old code no longer signs in, a new one does.
    assert TOTPDevice.objects.filter(user=world.lan, confirmed=True).count() == 1
    fresh = Client()
    _password(fresh, "lan")
    assert _second(fresh, old_codes[0], backup=True).status_code == 400
    clock.advance(20)  # past django-otp's brake after the wrong code
    assert _second(fresh, new_codes[0], backup=True).status_code == 302


def test_new_backup_codes_take_a_backup_code_and_refuse_when_off_or_locked(
    world: World, lan_on: tuple[Any, list[str]], settings: Any
) -> None:
    device, codes = lan_on
    client = _signed_in_with_code(device, "lan")
    url = reverse("twofactor:new-codes")
    response = client.post(url, {"codes-password": PASSWORD, "codes-code": codes[5]})
    assert response.status_code == 200
    assert AuditEvent.objects.latest("pk").details["code"] == "backup_code"
    # Without two-step verification there is nothing to renew.
    nam = world.client_for(world.nam)
    response = nam.post(url, {"codes-password": PASSWORD, "codes-code": "123456"})
    assert response.status_code == 400
    assert _vi("Two-step verification is not on.") in response.content.decode()
    assert not StaticToken.objects.filter(device__user=world.nam).exists()
    # A locked account gets the lock's message, and the codes stay as they are.
    before = sorted(
        StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    )
    for _attempt in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        _password(Client(), "lan", "wrong-password")
    response = client.post(url, {"codes-password": PASSWORD, "codes-code": _code(device)})
    assert response.status_code == 429
    after = sorted(
        StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    )
    assert after == before


def test_nobody_reaches_another_persons_device(world: World) -> None:
    lan_device, lan_codes = _turn_on(world.lan)
    for person in (world.nam, world.tu, world.hoa):
        client = world.client_for(person)
        # Their own password with Lan's code or backup code: they have nothing to turn off.
        for code in (_code(lan_device), lan_codes[0]):
            response = client.post(
                reverse("twofactor:disable"), {"password": PASSWORD, "code": code}
            )
            assert response.status_code == 400
            response = client.post(
                reverse("twofactor:new-codes"), {"codes-password": PASSWORD, "codes-code": code}
            )
            assert response.status_code == 400
        assert client.get(reverse("twofactor:qr")).status_code == 404
        page = client.get(reverse("twofactor:setup")).content.decode()
        assert 'id="twofactor-off"' in page
    assert TOTPDevice.objects.filter(user=world.lan, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=world.lan).count() == 10

    # Nam's setup is his own: his secret, not Lan's.
    lan_device.refresh_from_db()
    lan_secret = b32encode(lan_device.bin_key).decode()
    nam = world.client_for(world.nam)
    nam.post(reverse("twofactor:enable"))
    nam_device = TOTPDevice.objects.get(user=world.nam)
    qr = nam.get(reverse("twofactor:qr"))
    assert qr.status_code == 200
    assert lan_secret not in qr.content.decode()
    page = nam.get(reverse("twofactor:setup")).content.decode().replace(" ", "")
    assert lan_secret not in page
    assert b32encode(nam_device.bin_key).decode() in page
    # Lan's code does not confirm Nam's setup.
    assert nam.post(reverse("twofactor:confirm"), {"code": _code(lan_device)}).status_code == 400
    nam_device.refresh_from_db()
    assert not nam_device.confirmed


def test_signed_out_people_are_sent_to_sign_in(world: World) -> None:
    client = Client()
    for name in ("setup", "qr"):
        response = client.get(reverse(f"twofactor:{name}"))
        assert response["Location"].startswith(reverse("login"))
    for name in ("enable", "confirm", "disable", "new-codes"):
        response = client.post(reverse(f"twofactor:{name}"), {"code": "123456"})
        assert response["Location"].startswith(reverse("login"))
    assert not TOTPDevice.objects.exists()


# ---------------------------------------------------------------------------------------------
# Compulsory for office staff.


def test_the_setting_sends_office_staff_to_turn_it_on(world: World, settings: Any) -> None:
    settings.TONGHOP_REQUIRE_2FA_FOR_STAFF = True
    lan = Client()
    assert _password(lan, "lan")["Location"] == reverse("home")
    setup = reverse("twofactor:setup")
    for url in (
        reverse("home"),
        reverse("campaigns:list"),
        reverse("campaigns:detail", args=[world.campaign.slug]),
        reverse("documents:list"),
        reverse("verify"),
    ):
        response = lan.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == setup, url
    # Refused POSTs change nothing: the campaign cannot be reviewed meanwhile.
    response = lan.post(reverse("campaigns:new"), {"title": "x"})
    assert response["Location"] == setup
    page = lan.get(setup)
    assert page.status_code == 200
    assert 'id="twofactor-required"' in page.content.decode()
    # A unit reporter is not concerned.
    hoa = Client()
    _password(hoa, "hoa")
    assert hoa.get(reverse("reports:mine")).status_code == 200
    # Turned on, Lan reaches the office's pages again.
    lan.post(reverse("twofactor:enable"))
    device = TOTPDevice.objects.get(user=world.lan)
    assert lan.post(reverse("twofactor:confirm"), {"code": _code(device)}).status_code == 200
    assert lan.get(reverse("campaigns:list")).status_code == 200
    # Signing out stays open to those who have not turned it on.
    thach = Client()
    _password(thach, "thach")
    assert thach.post(reverse("logout"))["Location"] == reverse("login")
    assert not _signed_in(thach)


def test_the_setting_is_off_by_default(world: World) -> None:
    from django.conf import settings

    assert settings.TONGHOP_REQUIRE_2FA_FOR_STAFF is False
    lan = Client()
    _password(lan, "lan")
    assert lan.get(reverse("campaigns:list")).status_code == 200


# ---------------------------------------------------------------------------------------------
# Other ways in, and the administrator.


def test_the_admin_sign_in_does_not_skip_the_second_step(
    world: World, lan_on: tuple[Any, list[str]]
) -> None:
    world.lan.is_staff = True
    world.lan.save()
    client = Client()
    client.post("/admin/login/", {"username": "lan", "password": PASSWORD, "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/"
    assert not _signed_in(client)
    # Through our sign-in, with the code, the admin opens.
    device, _codes = lan_on
    _password(client, "lan", next="/admin/")
    assert _second(client, _code(device))["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_administrator_resets_a_persons_second_step(
    world: World, lan_on: tuple[Any, list[str]], superuser: User
) -> None:
    device, codes = lan_on
    admin = world.client_for(superuser)
    listing = admin.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    assert "lan" in listing.content.decode()
    # Administrators never see a person's secret or backup codes.
    change = admin.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert device.key not in change.content.decode()
    static = StaticDevice.objects.get(user=world.lan)
    change = admin.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk]))
    assert not any(code in change.content.decode() for code in codes)

    response = admin.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "reset_two_step", "_selected_action": [device.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.lan).exists()
    assert not StaticDevice.objects.filter(user=world.lan).exists()
    event = AuditEvent.objects.filter(action=Action.PERMISSION, subject=world.lan).latest("pk")
    assert event.details["to"] == "reset"
    assert event.details["devices"] == 2
    assert event.actor == superuser
    # Lan signs in with the password alone again.
    assert _password(Client(), "lan")["Location"] == reverse("home")


def test_deleting_a_device_in_the_admin_is_audited(
    world: World, lan_on: tuple[Any, list[str]], superuser: User
) -> None:
    device, _codes = lan_on
    admin = world.client_for(superuser)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(
        action=Action.DATA, object_type="otp_totp.totpdevice", object_id=str(device.pk)
    ).exists()


# ---------------------------------------------------------------------------------------------
# The pages themselves.


def test_the_pages_keep_the_content_security_policy(world: World) -> None:
    client = world.client_for(world.lan)
    pages = [client.get(reverse("twofactor:setup"))]
    client.post(reverse("twofactor:enable"))
    pages.append(client.get(reverse("twofactor:setup")))
    device = TOTPDevice.objects.get(user=world.lan)
    pages.append(client.post(reverse("twofactor:confirm"), {"code": _code(device)}))
    pages.append(client.get(reverse("twofactor:setup")))
    anonymous = Client()
    _password(anonymous, "lan")
    pages.append(anonymous.get(reverse("twofactor:verify")))
    pages.append(anonymous.get(reverse("twofactor:verify") + "?backup=1"))
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert not INLINE_SCRIPT.search(body)
        assert not STYLE_ATTRIBUTE.search(body)
        assert 'name="viewport"' in body
    assert "tonghop/twofactor.js" in pages[2].content.decode()
