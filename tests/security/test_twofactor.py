"""Two-step verification: turning it on with a real authenticator code, signing in with it,
backup codes, the half-login between password and code, throttling. Turning it off, new codes,
the compulsory setting and the administrator's reset are test_twofactor_manage.py.

Codes are computed (tests/security/twofactor_app.py) as an authenticator app computes them
(RFC 6238, django_otp.oath), from the secret the page shows; nothing is mocked. The clock is
moved only for the waits (django-otp's brake after a wrong code, the 5-minute half-login), never
for the codes themselves.
"""

from __future__ import annotations

import re
from base64 import b32encode
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from tests.conftest import World
from tests.security.twofactor_app import (
    Clock,
    code_now,
    is_signed_in,
    sign_in_code,
    sign_in_password,
    vi,
    wrong_code,
)
from tonghop.audit.models import Action, AuditEvent, LoginFailure
from tonghop.twofactor import pending
from tonghop.twofactor.models import SealedTOTPDevice as TOTPDevice
from tonghop.twofactor.sealing import code_digest

STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


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

    wrong = client.post(reverse("twofactor:confirm"), {"code": wrong_code(device)})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    clock.advance(2)  # django-otp's brake after the wrong code: one second
    shown = client.post(reverse("twofactor:confirm"), {"code": code_now(device)})
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    codes = shown.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    body = shown.content.decode()
    assert all(code in body for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    kept = StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    # Stored as keyed digests, never as the codes themselves (tonghop.twofactor.sealing).
    assert sorted(kept) == sorted(code_digest(c) for c in codes)
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
    old_code = code_now(first, refresh=False)
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
    response = sign_in_password(client, "lan")
    assert response.status_code == 302
    assert response["Location"] == reverse("twofactor:verify")
    assert not is_signed_in(client)
    page = client.get(reverse("twofactor:verify"))
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    wrong = sign_in_code(client, wrong_code(device))
    assert wrong.status_code == 400
    assert 'id="code-errors"' in wrong.content.decode()
    assert not is_signed_in(client)
    assert LoginFailure.objects.filter(username="lan").count() == 1
    failed = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED, subject=world.lan)
    assert failed.details == {"second_factor": "app", "during": "sign_in"}

    clock.advance(2)  # django-otp's brake after one wrong code: one second
    right = sign_in_code(client, code_now(device))
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
    response = sign_in_password(client, "hoa")
    assert response["Location"] == reverse("home")
    assert is_signed_in(client)
    assert client.get(reverse("reports:mine")).status_code == 200


def test_office_staff_are_told_about_it_when_they_sign_in(world: World) -> None:
    advice = escape(
        vi(
            "Protect the office's data: turn on two-step verification "
            "(Two-step verification, in the top bar)."
        )
    )
    lan = Client()
    page = lan.get(sign_in_password(lan, "lan")["Location"], follow=True).content.decode()
    assert advice in page
    hoa = Client()
    page = hoa.get(sign_in_password(hoa, "hoa")["Location"], follow=True).content.decode()
    assert advice not in page
    assert 'id="twofactor-advice"' not in hoa.get(reverse("twofactor:setup")).content.decode()


def test_next_is_kept_through_the_second_step_and_checked(
    world: World, lan_on: tuple[Any, list[str]]
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan", next="/campaigns/")
    assert sign_in_code(client, code_now(device))["Location"] == "/campaigns/"
    for hostile in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        client = Client()
        sign_in_password(client, "lan", next=hostile)
        response = sign_in_code(client, code_now(device))
        assert response.status_code == 302
        assert response["Location"] == reverse("home"), hostile


def test_a_code_is_never_taken_twice(world: World, lan_on: tuple[Any, list[str]]) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    code = code_now(device)
    assert sign_in_code(client, code).status_code == 302
    client.post(reverse("logout"))
    assert not is_signed_in(client)
    # Someone who saw the code over the person's shoulder, within the same 30 seconds.
    other = Client()
    sign_in_password(other, "lan")
    response = sign_in_code(other, code)
    assert response.status_code == 400
    assert not is_signed_in(other)


def test_a_backup_code_works_once(world: World, lan_on: tuple[Any, list[str]]) -> None:
    _device, codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    page = client.get(reverse("twofactor:verify") + "?backup=1").content.decode()
    assert 'inputmode="numeric"' not in page  # letters on a phone keyboard
    # Typed as people copy it: capitals, a space in the middle.
    typed = f" {codes[0][:4].upper()} {codes[0][4:].upper()} "
    assert sign_in_code(client, typed, backup=True).status_code == 302
    assert is_signed_in(client)
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, subject=world.lan).latest("pk")
    assert event.details == {"second_factor": "backup_code", "backup_codes_left": 9}
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    page = client.get(reverse("twofactor:setup")).content.decode()
    assert 'id="twofactor-on"' in page
    client.post(reverse("logout"))

    again = Client()
    sign_in_password(again, "lan")
    assert sign_in_code(again, codes[0], backup=True).status_code == 400
    assert not is_signed_in(again)
    assert StaticToken.objects.filter(device__user=world.lan).count() == 9


def test_a_half_login_reaches_no_page(world: World, lan_on: tuple[Any, list[str]]) -> None:
    client = Client()
    sign_in_password(client, "lan")
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
    assert not is_signed_in(client)


def test_the_half_login_lasts_five_minutes(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    clock.advance(pending.PENDING_SECONDS - 30)
    assert client.get(reverse("twofactor:verify")).status_code == 200
    clock.advance(60)
    response = sign_in_code(client, code_now(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not is_signed_in(client)
    assert pending.PENDING_KEY not in client.session
    page = client.get(reverse("login")).content.decode()
    assert vi("Sign-in was not finished within 5 minutes. Enter your password again.") in page
    # The code was not spent: with the password again, it still signs in.
    sign_in_password(client, "lan")
    assert sign_in_code(client, code_now(device)).status_code == 302
    assert is_signed_in(client)


def test_a_password_changed_meanwhile_ends_the_half_login(
    world: World, lan_on: tuple[Any, list[str]]
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    world.lan.set_password("a-new-pass-phrase-2025")
    world.lan.save()
    response = sign_in_code(client, code_now(device))
    assert response["Location"] == reverse("login")
    assert not is_signed_in(client)


def test_a_tampered_half_login_is_dropped(world: World, lan_on: tuple[Any, list[str]]) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    session = client.session
    session[pending.PENDING_KEY] = {**session[pending.PENDING_KEY], "user": world.thach.pk}
    session.save()
    assert sign_in_code(client, code_now(device))["Location"] == reverse("login")
    for junk in ("x", ["x"], {"user": "1"}, {"since": "soon", "user": world.lan.pk}):
        session = client.session
        session[pending.PENDING_KEY] = junk
        session.save()
        assert client.get(reverse("twofactor:verify"))["Location"] == reverse("login")
        assert not is_signed_in(client)


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
    sign_in_password(client, "lan")
    response = client.post(reverse("twofactor:verify"), {"code": code})
    assert response.status_code == 400
    assert not is_signed_in(client)
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
    sign_in_password(client, "lan")
    sign_in_code(client, wrong_code(device))
    # django-otp's brake: the next code is not even tried for a second, and not counted.
    response = sign_in_code(client, code_now(device))
    assert response.status_code == 400
    assert not is_signed_in(client)
    assert LoginFailure.objects.filter(username="lan").count() == 1
    assert vi("Too many wrong codes. Wait until %(time)s, then try again.").split("%")[0] in (
        response.content.decode()
    )
    clock.advance(61)
    assert sign_in_code(client, code_now(device)).status_code == 302


def test_wrong_codes_lock_sign_in_like_wrong_passwords(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock, settings: Any
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    for attempt in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        clock.advance(20)  # past django-otp's growing brake (1, 2, 4, 8 s)
        response = sign_in_code(client, wrong_code(device))
        last = attempt == settings.TONGHOP_LOGIN_ATTEMPTS - 1
        assert response.status_code == (429 if last else 400)
    body = response.content.decode()
    assert 'id="locked"' in body
    # The half-login is over, and the password does not open a new one until the lock ends.
    assert pending.PENDING_KEY not in client.session
    assert sign_in_password(client, "lan").status_code == 429
    assert pending.PENDING_KEY not in client.session
    assert not is_signed_in(client)
    failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, subject=world.lan)
    assert failed.count() == settings.TONGHOP_LOGIN_ATTEMPTS
    assert "locked_until" in failed.latest("pk").details
    # After the lock, password and code sign in.
    clock.advance(settings.TONGHOP_LOGIN_LOCK_MINUTES * 60 + 1)
    sign_in_password(client, "lan")
    assert sign_in_code(client, code_now(device)).status_code == 302
    assert is_signed_in(client)


def test_a_lock_from_elsewhere_does_not_stop_the_second_step(
    world: World, lan_on: tuple[Any, list[str]], settings: Any
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    # Meanwhile someone guesses Lan's password from another address: only that address is locked.
    for _ in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        Client().post(
            reverse("login"), {"username": "lan", "password": "x"}, REMOTE_ADDR="192.0.2.44"
        )
    response = sign_in_code(client, code_now(device))
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_lock_from_the_same_address_stops_the_second_step(
    world: World, lan_on: tuple[Any, list[str]], settings: Any
) -> None:
    device, _codes = lan_on
    client = Client()
    sign_in_password(client, "lan")
    for _ in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        sign_in_password(Client(), "lan", "x")
    response = sign_in_code(client, code_now(device))
    assert response.status_code == 429
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action=Action.LOCKED, subject=world.lan).exists()


# ---------------------------------------------------------------------------------------------
