"""Sign-in throttling: five failures lock, for the lock time, by user name and by address."""

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
from tonghop.audit.models import Action, AuditEvent, LoginFailure

LOCKED = (
    "Too many failed sign-in attempts. Sign-in is locked until %(time)s; "
    "please try again after that time."
)


def _sign_in(username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _signed_in(response: Any) -> bool:
    return bool(response.status_code == 302 and response["Location"] == reverse("home"))


def _locked_message(until: dt.datetime) -> str:
    time = formats.time_format(timezone.localtime(until), "H:i")
    with translation.override("vi"):
        return gettext(LOCKED) % {"time": time}


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
    lock = throttle.check("hoa", None)
    assert lock is not None
    assert _locked_message(lock.until) in fifth.content.decode()
    sixth = _sign_in("hoa", "wrong-password")
    assert sixth.status_code == 429
    assert _locked_message(lock.until) in sixth.content.decode()
    # Refused attempts do not count: the lock ends when it said it would.
    assert LoginFailure.objects.count() == 5


def test_a_locked_user_is_refused_even_with_the_right_password(world: World) -> None:
    for _ in range(5):
        _sign_in("hoa", "wrong-password")
    response = _sign_in("hoa", PASSWORD, ip="198.51.100.9")
    assert response.status_code == 429
    assert not _signed_in(response)
    assert "_auth_user_id" not in response.client.session
    assert AuditEvent.objects.filter(action=Action.LOCKED, username="hoa").count() == 1


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


def test_it_locks_a_user_name_whatever_the_address_and_case(world: World) -> None:
    for n in range(5):
        _sign_in("Hoa" if n % 2 else "hoa", "wrong-password", ip=f"192.0.2.{n + 1}")
    assert _sign_in("hoa", PASSWORD, ip="192.0.2.200").status_code == 429
    # Another person is not touched.
    assert _signed_in(_sign_in("nam", PASSWORD, ip="192.0.2.201"))


def test_it_locks_an_address_trying_many_user_names(world: World) -> None:
    for name in ("an", "binh", "chi", "dung", "giang"):
        _sign_in(name, "wrong-password", ip="203.0.113.50")
    response = _sign_in("nam", PASSWORD, ip="203.0.113.50")
    assert response.status_code == 429
    assert not _signed_in(response)
    # From another address Nam signs in as usual.
    assert _signed_in(_sign_in("nam", PASSWORD, ip="203.0.113.51"))


def test_the_limits_come_from_the_settings(world: World, settings: Any) -> None:
    settings.TONGHOP_LOGIN_ATTEMPTS = 2
    settings.TONGHOP_LOGIN_LOCK_MINUTES = 1
    _sign_in("hoa", "wrong-password")
    assert _sign_in("hoa", "wrong-password").status_code == 429


def test_the_admin_sign_in_is_throttled_too(world: World) -> None:
    for _ in range(5):
        _sign_in("hoa", "wrong-password")
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
