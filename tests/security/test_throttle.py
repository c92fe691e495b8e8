"""Sign-in throttling: five failures lock one account from one address, failures for many
accounts lock the address, for the lock time; the owner elsewhere is never locked out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from tests.conftest import PASSWORD, World
from tonghop.audit import throttle
from tonghop.audit.models import LoginFailure

LOCKED = (
    "Too many failed sign-in attempts for this account from your address. Sign-in to "
    "it from this address is locked until %(time)s; from anywhere else it works as "
    "usual."
)
ADDRESS_LOCKED = (
    "Too many failed sign-in attempts from your address, for several accounts. "
    "Sign-in from this address is locked until %(time)s."
)
ATTACKER, OWNER = "203.0.113.7", "198.51.100.9"


def _sign_in(username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _signed_in(response: Any) -> bool:
    return bool(response.status_code == 302 and response["Location"] == reverse("home"))


def _locked_message(until: dt.datetime, msgid: str = LOCKED) -> str:
    time = formats.time_format(timezone.localtime(until), "H:i")
    with translation.override("vi"):
        return gettext(msgid) % {"time": time}


def _shift_clock(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    later = timezone.now() + dt.timedelta(minutes=minutes)
    monkeypatch.setattr(timezone, "now", lambda: later)


def test_five_failures_lock_with_a_clear_message(world: World) -> None:
    for _ in range(4):
        response = _sign_in("hoa", "wrong-password")
        assert response.status_code == 200
        assert 'id="locked"' not in response.content.decode()
    fifth = _sign_in("hoa", "wrong-password")
    assert fifth.status_code == 429
    lock = throttle.check("hoa", ATTACKER)
    assert lock is not None
    assert _locked_message(lock.until) in fifth.content.decode()
    sixth = _sign_in("hoa", "wrong-password")
    assert sixth.status_code == 429
    assert _locked_message(lock.until) in sixth.content.decode()
    # Refused attempts do not count: the lock ends when it said it would.
    assert LoginFailure.objects.count() == 5


def test_the_attack_from_one_address_never_locks_the_owner_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: logins are unit codes, so anyone could lock the head out before a deadline."""
    world.thach.username = "truongphong"
    world.thach.save()
    for minutes in (0, 15, 30):  # the attacker starts again every 15 minutes
        _shift_clock(monkeypatch, minutes)
        for _ in range(5):
            _sign_in("truongphong", "wrong-password", ip=ATTACKER)
        # From the attacker's address, even the right password is refused...
        refused = _sign_in("truongphong", PASSWORD, ip=ATTACKER)
        assert refused.status_code == 429
        assert "_auth_user_id" not in refused.client.session
        # ...and the owner, from the office, signs in as usual.
        assert _signed_in(_sign_in("truongphong", PASSWORD, ip=OWNER))
        # The owner's success elsewhere does not reopen the attacker's address.
        assert _sign_in("truongphong", "wrong-password", ip=ATTACKER).status_code == 429


def test_the_lock_expires(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        _sign_in("hoa", "wrong-password")
    _shift_clock(monkeypatch, 14)
    assert _sign_in("hoa", PASSWORD).status_code == 429
    _shift_clock(monkeypatch, 16)
    assert _signed_in(_sign_in("hoa", PASSWORD))


def test_failures_spread_over_more_than_the_window_do_not_lock(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        _sign_in("hoa", "wrong-password")
    _shift_clock(monkeypatch, 16)
    assert _sign_in("hoa", "wrong-password").status_code == 200
    assert _signed_in(_sign_in("hoa", PASSWORD))


def test_a_success_resets_the_count(world: World) -> None:
    for _ in range(4):
        _sign_in("hoa", "wrong-password")
    assert _signed_in(_sign_in("hoa", PASSWORD))
    for _ in range(4):
        assert _sign_in("hoa", "wrong-password").status_code == 200
    assert _signed_in(_sign_in("hoa", PASSWORD))


def test_it_locks_a_user_name_whatever_the_case_from_that_address_only(world: World) -> None:
    for n in range(5):
        _sign_in("Hoa" if n % 2 else "hoa", "wrong-password", ip=ATTACKER)
    assert _sign_in("hoa", PASSWORD, ip=ATTACKER).status_code == 429
    # Her colleagues behind the same address are not touched, nor she from elsewhere.
    assert _signed_in(_sign_in("nam", PASSWORD, ip=ATTACKER))
    assert _signed_in(_sign_in("hoa", PASSWORD, ip=OWNER))


def test_many_accounts_from_one_address_are_throttled_by_address(
    world: World, settings: Any
) -> None:
    limit = settings.TONGHOP_LOGIN_IP_ACCOUNTS
    # Fewer names than the limit, several tries each: only those accounts are limited there.
    for n in range(limit - 1):
        for _ in range(2):
            _sign_in(f"donvi{n:02d}", "wrong-password", ip=ATTACKER)
    assert _signed_in(_sign_in("nam", PASSWORD, ip=ATTACKER))
    # One more name, and the address is locked for every account, with its own message.
    _sign_in("donvi99", "wrong-password", ip=ATTACKER)
    response = _sign_in("hoa", PASSWORD, ip=ATTACKER)
    assert response.status_code == 429
    assert not _signed_in(response)
    lock = throttle.check("hoa", ATTACKER)
    assert lock is not None and lock.by == "address"
    assert _locked_message(lock.until, ADDRESS_LOCKED) in response.content.decode()
    # Attempts refused during the lock are not failures: the lock ends on time.
    assert LoginFailure.objects.filter(ip=ATTACKER).count() == 2 * (limit - 1) + 1
    # From another address, everyone signs in as usual.
    assert _signed_in(_sign_in("hoa", PASSWORD, ip=OWNER))
    assert _signed_in(_sign_in("donvi99", "wrong-password", ip=OWNER)) is False


def test_the_limits_come_from_the_settings(world: World, settings: Any) -> None:
    settings.TONGHOP_LOGIN_ATTEMPTS = 2
    settings.TONGHOP_LOGIN_LOCK_MINUTES = 1
    _sign_in("hoa", "wrong-password")
    assert _sign_in("hoa", "wrong-password").status_code == 429


def test_the_admin_sign_in_is_throttled_too(world: World) -> None:
    for _ in range(5):
        _sign_in("hoa", "wrong-password", ip="192.0.2.9")
    world.hoa.is_staff = True
    world.hoa.save()
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "hoa", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_proxy_address_is_used_only_behind_a_proxy(world: World, settings: Any) -> None:
    response = Client().get(
        "/health/", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.77", REMOTE_ADDR="10.0.0.1"
    )
    request = response.wsgi_request
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.TONGHOP_BEHIND_PROXY = True
    assert throttle.client_ip(request) == "198.51.100.77"


def test_passwords_follow_strong_rules(db: None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("Tr0ub4dor", "123456789012", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Sông-Hồng-chảy-2025")
