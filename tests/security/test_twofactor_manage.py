"""Two-step verification, managed: turning it off, new backup codes, nobody reaching another
person's device, the setting that makes it compulsory for office staff, the administrator's
reset, and the pages' Content Security Policy. Signing in with it is test_twofactor.py."""

from __future__ import annotations

import json
import re
from base64 import b32encode
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from tests.conftest import PASSWORD, World
from tests.security.twofactor_app import (
    Clock,
    code_now,
    is_signed_in,
    sign_in_code,
    sign_in_password,
    turn_on,
    vi,
    wrong_code,
)
from tonghop.audit.models import Action, AuditEvent, LoginFailure
from tonghop.orgs.models import User
from tonghop.twofactor.models import SealedTOTPDevice as TOTPDevice
from tonghop.twofactor.sealing import code_digest

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


# Turning it off.


def _signed_in_with_code(device: Any, username: str) -> Client:
    client = Client()
    sign_in_password(client, username)
    assert sign_in_code(client, code_now(device)).status_code == 302
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
        {"code": code_now(device)},
        {"password": "wrong-password", "code": code_now(device)},
        {"password": PASSWORD, "code": wrong_code(device)},
        {"password": PASSWORD * 2000, "code": code_now(device)},
    ]
    for data in cases:
        clock.advance(20)
        response = client.post(off, data)
        assert response.status_code == 400, data
        assert TOTPDevice.objects.filter(user=world.lan, confirmed=True).exists(), data
    # The wrong password and the wrong code count as failed sign-ins.
    assert LoginFailure.objects.filter(username="lan").count() == 2
    clock.advance(20)
    response = client.post(off, {"password": PASSWORD, "code": code_now(device)})
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
    assert sign_in_password(fresh, "lan")["Location"] == reverse("home")


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
    assert vi("Make new backup codes") in page
    url = reverse("twofactor:new-codes")
    cases = [
        {},
        {"codes-password": PASSWORD},
        {"codes-code": code_now(device)},
        {"codes-password": "wrong-password", "codes-code": code_now(device)},
        {"codes-password": PASSWORD, "codes-code": wrong_code(device)},
        {"codes-password": PASSWORD * 2000, "codes-code": code_now(device)},
        # The turning-off form's fields are not this form's.
        {"password": PASSWORD, "code": code_now(device)},
    ]
    for data in cases:
        clock.advance(20)
        response = client.post(url, data)
        assert response.status_code == 400, data
        tokens = StaticToken.objects.filter(device__user=world.lan)
        stored = sorted(tokens.values_list("token", flat=True))
        assert stored == sorted(code_digest(c) for c in old_codes), data
    assert LoginFailure.objects.filter(username="lan").count() == 2
    clock.advance(20)
    response = client.post(url, {"codes-password": PASSWORD, "codes-code": code_now(device)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_codes = list(response.context["codes"])
    assert len(new_codes) == 10
    assert set(new_codes).isdisjoint(old_codes)
    page = response.content.decode()
    assert all(code in page for code in new_codes)
    assert vi("Your old backup codes no longer work.") in page
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
    sign_in_password(fresh, "lan")
    assert sign_in_code(fresh, old_codes[0], backup=True).status_code == 400
    clock.advance(20)  # past django-otp's brake after the wrong code
    assert sign_in_code(fresh, new_codes[0], backup=True).status_code == 302


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
    assert vi("Two-step verification is not on.") in response.content.decode()
    assert not StaticToken.objects.filter(device__user=world.nam).exists()
    # A locked account gets the lock's message, and the codes stay as they are.
    before = sorted(
        StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    )
    for _attempt in range(settings.TONGHOP_LOGIN_ATTEMPTS):
        sign_in_password(Client(), "lan", "wrong-password")
    response = client.post(url, {"codes-password": PASSWORD, "codes-code": code_now(device)})
    assert response.status_code == 429
    after = sorted(
        StaticToken.objects.filter(device__user=world.lan).values_list("token", flat=True)
    )
    assert after == before


def test_nobody_reaches_another_persons_device(world: World) -> None:
    lan_device, lan_codes = turn_on(world.lan)
    for person in (world.nam, world.tu, world.hoa):
        client = world.client_for(person)
        # Their own password with Lan's code or backup code: they have nothing to turn off.
        for code in (code_now(lan_device), lan_codes[0]):
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
    assert nam.post(reverse("twofactor:confirm"), {"code": code_now(lan_device)}).status_code == 400
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
    assert sign_in_password(lan, "lan")["Location"] == reverse("home")
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
    sign_in_password(hoa, "hoa")
    assert hoa.get(reverse("reports:mine")).status_code == 200
    # Turned on, Lan reaches the office's pages again.
    lan.post(reverse("twofactor:enable"))
    device = TOTPDevice.objects.get(user=world.lan)
    assert lan.post(reverse("twofactor:confirm"), {"code": code_now(device)}).status_code == 200
    assert lan.get(reverse("campaigns:list")).status_code == 200
    # Signing out stays open to those who have not turned it on.
    thach = Client()
    sign_in_password(thach, "thach")
    assert thach.post(reverse("logout"))["Location"] == reverse("login")
    assert not is_signed_in(thach)


def test_the_setting_is_off_by_default(world: World) -> None:
    from django.conf import settings

    assert settings.TONGHOP_REQUIRE_2FA_FOR_STAFF is False
    lan = Client()
    sign_in_password(lan, "lan")
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
    assert not is_signed_in(client)
    # Through our sign-in, with the code, the admin opens.
    device, _codes = lan_on
    sign_in_password(client, "lan", next="/admin/")
    assert sign_in_code(client, code_now(device))["Location"] == "/admin/"
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
    assert sign_in_password(Client(), "lan")["Location"] == reverse("home")


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
    pages.append(client.post(reverse("twofactor:confirm"), {"code": code_now(device)}))
    pages.append(client.get(reverse("twofactor:setup")))
    anonymous = Client()
    sign_in_password(anonymous, "lan")
    pages.append(anonymous.get(reverse("twofactor:verify")))
    pages.append(anonymous.get(reverse("twofactor:verify") + "?backup=1"))
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert not INLINE_SCRIPT.search(body)
        assert not STYLE_ATTRIBUTE.search(body)
        assert 'name="viewport"' in body
    assert "tonghop/twofactor.js" in pages[2].content.decode()
