"""Past a sign-in lock with a second factor; the owner told once per lock; a flood of refused
attempts counted on one audit row. Emails go through the outbox to a real SMTP server
(aiosmtpd), codes are computed as an authenticator app computes them."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World
from tests.reminders.conftest import Inbox
from tests.security.twofactor_app import Clock, code_now, is_signed_in, vi, wrong_code
from tonghop.audit.models import Action, AuditEvent, LoginFailure, LoginLock
from tonghop.outbox.models import Message, MessageKind, MessageStatus
from tonghop.reminders.accounts import queue_lock_alerts
from tonghop.reminders.actions import run_due_reminders

ATTACKER = "203.0.113.7"
HOA_EMAIL = "hoa@anphu.example.vn"
REFUSED = (
    "The password or the code is not correct, or the code has been used or has "
    "expired. Type your password again with the code your app shows now, or the "
    "code in the email."
)


def _attack(username: str, times: int = 5) -> None:
    for _ in range(times):
        Client(REMOTE_ADDR=ATTACKER).post(
            reverse("login"), {"username": username, "password": "wrong-password"}
        )


def _password(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def _unlock(client: Client, username: str, code: str, password: str = PASSWORD) -> Any:
    data = {"username": username, "password": password, "code": code}
    return client.post(reverse("twofactor:unlock"), data)


def _error(response: Any) -> str:
    found = re.search(r'id="code-errors"[^>]*><li>(.*?)</li>', response.content.decode())
    return found.group(1) if found else ""


def test_the_right_password_and_the_app_code_pass_a_lock_from_the_same_address(
    world: World, lan_on: tuple[Any, list[str]], clock: Clock
) -> None:
    device, _codes = lan_on
    _attack("lan")
    client = Client(REMOTE_ADDR=ATTACKER)
    # The password alone is refused, and the page asks for the second factor.
    response = _password(client, "lan")
    assert response.status_code == 429
    assert not is_signed_in(client)
    assert reverse("twofactor:unlock") in response.content.decode()
    # A wrong password with the right code, or the right password with a wrong code: the same
    # refusal, so the page never tells whether a guessed password is right.
    wrong_password = _unlock(client, "lan", code_now(device), password="wrong-password")
    wrong = _unlock(client, "lan", wrong_code(device))
    assert wrong_password.status_code == wrong.status_code == 400
    assert _error(wrong_password) == _error(wrong) != ""
    assert vi(REFUSED) in wrong.content.decode()
    assert not is_signed_in(client)
    clock.advance(20)  # past django-otp's brake after the wrong code
    response = _unlock(client, "lan", code_now(device))
    assert response.status_code == 302
    assert is_signed_in(client)
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, subject=world.lan).latest("pk")
    assert event.details == {"second_factor": "app", "through_lock": True}
    # The lock still holds for whoever else is at that address with the password alone.
    assert _password(Client(REMOTE_ADDR=ATTACKER), "lan").status_code == 429
    # Neither the refused tries nor the pass counted as failures: the lock ends on time.
    assert LoginFailure.objects.filter(username="lan").count() == 5


def _codes(inbox: Inbox) -> list[str]:
    """The one-time codes Hoa received (she is also told of the lock, in another email)."""
    found = (re.search(r"\b([0-9]{8})\b", inbox.body(m)) for m in inbox.to(HOA_EMAIL))
    return [match.group(1) for match in found if match is not None]


def test_the_emailed_code_passes_a_lock_once(world: World, inbox: Inbox, clock: Clock) -> None:
    world.hoa.email = HOA_EMAIL
    world.hoa.save()
    _attack("hoa")
    # A wrong password during the lock gets the very same page, and no email.
    guesser = Client(REMOTE_ADDR=ATTACKER)
    guessed = _password(guesser, "hoa", "another-wrong-guess")
    assert guessed.status_code == 429
    assert _codes(inbox) == []
    # The right password: a code goes out through the outbox, to the account's address.
    client = Client(REMOTE_ADDR=ATTACKER)
    response = _password(client, "hoa")
    assert response.status_code == 429
    assert len(_codes(inbox)) == 1
    message = Message.objects.get(kind=MessageKind.LOGIN_CODE)
    assert message.status == MessageStatus.SENT and message.campaign is None
    assert message.recipient == HOA_EMAIL
    code = _codes(inbox)[0]
    # Asking again while the code is live sends nothing more.
    _password(Client(REMOTE_ADDR=ATTACKER), "hoa")
    assert len(_codes(inbox)) == 1
    # The code with a wrong password does not pass, and is not spent by it.
    assert _unlock(client, "hoa", code, password="wrong-password").status_code == 400
    # Bad input: empty, huge, hostile.
    for bad in ("", "9" * 5000, "<script>alert(1)</script>"):
        refused = _unlock(client, "hoa", bad)
        assert refused.status_code == 400
        assert "<script>alert" not in refused.content.decode()
    assert not is_signed_in(client)
    assert _unlock(client, "hoa", code).status_code == 302
    assert is_signed_in(client)
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, subject=world.hoa).latest("pk")
    assert event.details == {"second_factor": "email_code", "through_lock": True}
    # Used once: a second time it is refused.
    again = Client(REMOTE_ADDR=ATTACKER)
    _password(again, "hoa")  # the spent code is no longer live: a new one is sent
    assert len(_codes(inbox)) == 2
    refused = _unlock(again, "hoa", code)
    assert refused.status_code == 400
    assert vi(REFUSED) in refused.content.decode()
    assert not is_signed_in(again)
    # After its 10 minutes, the new code is refused too (the lock still holds).
    clock.advance(11 * 60)
    assert _unlock(again, "hoa", _codes(inbox)[1]).status_code == 400
    assert not is_signed_in(again)


def test_the_owner_is_told_once_per_lock(world: World, inbox: Inbox, clock: Clock) -> None:
    world.hoa.email = HOA_EMAIL
    world.hoa.save()
    _attack("hoa", times=25)  # five failures, then twenty refused attempts
    run_due_reminders()
    run_due_reminders()
    alerts = inbox.to(HOA_EMAIL)
    assert len(alerts) == 1
    body = inbox.body(alerts[0])
    assert ATTACKER in body and "hoa" in body
    assert Message.objects.filter(kind=MessageKind.LOCK_ALERT).count() == 1
    # The next lock period is told again, once.
    clock.advance(16 * 60)
    _attack("hoa", times=8)
    run_due_reminders()
    assert queue_lock_alerts() == 0
    run_due_reminders()
    assert len(inbox.to(HOA_EMAIL)) == 2
    # Nobody is told of a lock on an address tried for many names (it is no one's account).
    assert not LoginLock.objects.filter(scope="address").exists()


def test_a_flood_of_refused_attempts_adds_one_audit_row(world: World) -> None:
    _attack("hoa")
    before = AuditEvent.objects.count()
    _attack("hoa", times=200)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action=Action.LOCKED)
    assert event.details["refused"] == 200
    assert LoginLock.objects.get().refused == 200
    assert LoginFailure.objects.count() == 5
