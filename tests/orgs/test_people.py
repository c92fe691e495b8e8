"""Forgot password, invitations, disabled accounts and roles, without the admin pages. Every
email goes through the outbox to a real SMTP server (aiosmtpd); links are followed as a person
clicks them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World
from tests.reminders.conftest import Inbox
from tests.security.twofactor_app import vi
from tonghop.api import tokens
from tonghop.audit.models import Action, AuditEvent
from tonghop.orgs.models import Membership, Role, User
from tonghop.orgs.tokens import invitation_tokens
from tonghop.outbox.models import Message, MessageKind

HOA_EMAIL = "hoa@anphu.example.vn"
NEW_PASSWORD = "mat-khau-moi-rat-dai-2026"
BAD_LINK = (
    "This link does not work: it was used already, it has expired, or it is not complete. "
    "Nothing was changed."
)


def _link(inbox: Inbox, address: str, index: int = -1) -> str:
    """The path of the link in the address's latest (or index-th) email."""
    bodies = [inbox.body(m) for m in inbox.to(address)]
    found = re.search(r"https?://\S+", bodies[index])
    assert found, bodies[index]
    return urlsplit(found.group(0)).path


def _open_and_set(client: Client, path: str, password: str = NEW_PASSWORD) -> Any:
    """Open the link (Django moves the token to the session and redirects), then post."""
    response = client.get(path, follow=True)
    if "new_password1" not in response.content.decode():
        return response
    target = response.redirect_chain[-1][0] if response.redirect_chain else path
    return client.post(target, {"new_password1": password, "new_password2": password}, follow=True)


def _signs_in(username: str, password: str) -> bool:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _hoa_with_email(world: World) -> User:
    world.hoa.email = HOA_EMAIL
    world.hoa.save(update_fields=["email"])
    return world.hoa


# --- Forgot password ---------------------------------------------------------------------


def test_the_login_page_leads_to_forgot_password(world: World) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert reverse("password-forgot") in page


def test_a_forgotten_password_is_reset_through_the_email_once(world: World, inbox: Inbox) -> None:
    hoa = _hoa_with_email(world)
    client = Client()
    asked = client.post(reverse("password-forgot"), {"email": "  HOA@anphu.example.vn "})
    unknown = Client().post(reverse("password-forgot"), {"email": "nobody@example.vn"})
    # The same answer whether the address has an account or not.
    assert asked.status_code == unknown.status_code == 302
    assert asked["Location"] == unknown["Location"] == reverse("password-forgot-sent")
    assert len(inbox.to(HOA_EMAIL)) == 1
    assert inbox.to("nobody@example.vn") == []
    path = _link(inbox, HOA_EMAIL)
    done = _open_and_set(client, path)
    assert done.redirect_chain[-1][0] == reverse("login")
    assert _signs_in("hoa", NEW_PASSWORD)
    assert not _signs_in("hoa", PASSWORD)
    # One use: the same link again changes nothing.
    again = _open_and_set(Client(), path, "another-password-2026")
    assert vi(BAD_LINK) in again.content.decode()
    assert _signs_in("hoa", NEW_PASSWORD)
    changes = AuditEvent.objects.filter(action=Action.PERMISSION, subject=hoa)
    assert {e.details["change"] for e in changes} == {"password_reset_mailed", "password_reset"}
    assert AuditEvent.objects.filter(object_text="nobody@example.vn").count() == 1


def test_expired_forged_and_disabled_links_change_nothing(
    world: World, inbox: Inbox, monkeypatch: Any
) -> None:
    hoa = _hoa_with_email(world)
    Client().post(reverse("password-forgot"), {"email": HOA_EMAIL})
    path = _link(inbox, HOA_EMAIL)
    before = User.objects.get(pk=hoa.pk).password
    # Forged: another token, a broken one, another person's id.
    uid = path.split("/")[-3]
    for forged in (
        f"/accounts/password/reset/{uid}/abc-0123456789abcdef/",
        f"/accounts/password/reset/{uid}/x/",
        path.replace(uid, "OTk5OTk"),
        f"/accounts/password/reset/{uid}/" + "9" * 5000 + "/",
    ):
        response = _open_and_set(Client(), forged)
        assert vi(BAD_LINK) in response.content.decode(), forged
    # Expired: the clock past PASSWORD_RESET_TIMEOUT.
    real_now = default_token_generator._now
    monkeypatch.setattr(
        default_token_generator,
        "_now",
        lambda: real_now() + __import__("datetime").timedelta(hours=2),
    )
    assert vi(BAD_LINK) in _open_and_set(Client(), path).content.decode()
    monkeypatch.undo()
    # Disabled since the email was sent: the link is dead.
    User.objects.filter(pk=hoa.pk).update(is_active=False)
    assert vi(BAD_LINK) in _open_and_set(Client(), path).content.decode()
    assert User.objects.get(pk=hoa.pk).password == before
    # A disabled account gets no link at all.
    Client().post(reverse("password-forgot"), {"email": HOA_EMAIL})
    assert len(inbox.to(HOA_EMAIL)) == 1


def test_a_hundred_asks_for_one_address_send_three_emails(world: World, inbox: Inbox) -> None:
    _hoa_with_email(world)
    for _ in range(100):
        response = Client().post(reverse("password-forgot"), {"email": HOA_EMAIL})
        assert response.status_code == 302
    assert len(inbox.to(HOA_EMAIL)) == 3
    assert Message.objects.filter(kind=MessageKind.PASSWORD_RESET).count() == 3
    # Nor does a flood fill the log: one line per ask that counted.
    assert AuditEvent.objects.filter(object_text=HOA_EMAIL).count() == 3


def test_bad_addresses_are_refused_in_vietnamese(world: World, inbox: Inbox) -> None:
    for bad in ("", "not-an-address", "a@" + "b" * 300 + ".vn", "x\x00@y.vn"):
        response = Client().post(reverse("password-forgot"), {"email": bad})
        assert response.status_code == 400, bad
        assert 'class="errorlist"' in response.content.decode()
    assert Message.objects.count() == 0


# --- A password someone else set ---------------------------------------------------------


def test_a_password_set_by_an_administrator_is_changed_at_first_sign_in(world: World) -> None:
    superuser = User.objects.create_superuser(username="root", password=PASSWORD, email="r@x.vn")
    admin = Client()
    admin.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[world.lan.pk])
    response = admin.post(url, {"password1": "tam-thoi-2026-abc", "password2": "tam-thoi-2026-abc"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.lan.pk).must_change_password
    lan = Client()
    assert lan.post(reverse("login"), {"username": "lan", "password": "tam-thoi-2026-abc"})
    blocked = lan.get(reverse("campaigns:list"))
    assert blocked.status_code == 302
    assert blocked["Location"] == reverse("password-change")
    changed = lan.post(
        reverse("password-change"),
        {
            "old_password": "tam-thoi-2026-abc",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert not User.objects.get(pk=world.lan.pk).must_change_password
    assert lan.get(reverse("campaigns:list")).status_code == 200


# --- Invitations -------------------------------------------------------------------------


def _invite(client: Client, **data: str) -> Any:
    fields = {"full_name": "Hồ Thị Mai", "email": "mai@vhkhtt.example.vn", "role": "specialist"}
    return client.post(reverse("people:list"), {**fields, **data})


def test_an_invited_person_sets_a_password_through_the_email_once(
    world: World, admin: User, inbox: Inbox
) -> None:
    office = world.client_for(admin)
    assert _invite(office).status_code == 302
    mai = User.objects.get(email="mai@vhkhtt.example.vn")
    assert mai.invitation_pending and mai.username == "mai"
    assert mai.has_office_role(world.office, Role.SPECIALIST)
    page = office.get(reverse("people:list")).content.decode()
    assert 'data-person="mai"' in page and "never" in page
    path = _link(inbox, "mai@vhkhtt.example.vn")
    assert "mai" in inbox.body(inbox.to("mai@vhkhtt.example.vn")[0])
    done = _open_and_set(Client(), path)
    assert done.redirect_chain[-1][0] == reverse("login")
    assert _signs_in("mai", NEW_PASSWORD)
    again = _open_and_set(Client(), path, "another-password-2026")
    assert vi(BAD_LINK) in again.content.decode()
    # An invitation token is no reset token, and back.
    mai.refresh_from_db()
    assert not default_token_generator.check_token(mai, invitation_tokens.make_token(mai))
    assert not invitation_tokens.check_token(mai, default_token_generator.make_token(mai))
    invited = AuditEvent.objects.get(subject=mai, details__change="invited")
    assert invited.actor == admin


def test_resend_kills_the_old_link_and_revoke_kills_both(
    world: World, admin: User, inbox: Inbox
) -> None:
    office = world.client_for(admin)
    _invite(office)
    mai = User.objects.get(email="mai@vhkhtt.example.vn")
    first = _link(inbox, "mai@vhkhtt.example.vn")
    assert office.post(reverse("people:resend", args=[mai.pk])).status_code == 302
    second = _link(inbox, "mai@vhkhtt.example.vn")
    assert first != second
    assert vi(BAD_LINK) in _open_and_set(Client(), first).content.decode()
    assert office.post(reverse("people:active", args=[mai.pk]), {"active": "0"}).status_code == 302
    assert vi(BAD_LINK) in _open_and_set(Client(), second).content.decode()
    mai.refresh_from_db()
    assert not mai.is_active and not mai.has_usable_password()
    assert AuditEvent.objects.filter(subject=mai, details__invitation_revoked=True).exists()


def test_bad_invitations_are_refused_and_nothing_is_saved(
    world: World, admin: User, inbox: Inbox
) -> None:
    office = world.client_for(admin)
    world.lan.email = "lan@vhkhtt.example.vn"
    world.lan.save(update_fields=["email"])
    cases = [
        {"email": "lan@vhkhtt.example.vn"},  # an account exists
        {"email": "not-an-address"},
        {"email": ""},
        {"full_name": ""},
        {"role": "superuser"},
        {"role": "reporter"},  # a reporter needs a unit
        {"role": "reporter", "unit": str(world.other_office.pk)},  # not of this office
        {"username": "thach"},  # taken
        {"username": "bad name; drop"},
        {"full_name": "x" * 5000},
    ]
    for case in cases:
        response = _invite(office, **case)
        assert response.status_code == 400, case
        assert 'class="errorlist"' in response.content.decode(), case
    assert not User.objects.filter(email="mai@vhkhtt.example.vn").exists()
    assert Message.objects.count() == 0


def test_a_reporter_is_invited_to_a_unit(world: World, admin: User, inbox: Inbox) -> None:
    office = world.client_for(admin)
    response = _invite(
        office, email="ky@anphu.example.vn", role="reporter", unit=str(world.an_phu.pk)
    )
    assert response.status_code == 302
    ky = User.objects.get(email="ky@anphu.example.vn")
    assert list(ky.reporting_units()) == [world.an_phu]
    _open_and_set(Client(), _link(inbox, "ky@anphu.example.vn"))
    assert _signs_in(ky.username, NEW_PASSWORD)


# --- Disabling, roles, who may -----------------------------------------------------------


def test_a_disabled_account_loses_its_sessions_and_tokens_at_once(
    world: World, admin: User
) -> None:
    hoa = Client()
    assert hoa.post(reverse("login"), {"username": "hoa", "password": PASSWORD}).status_code == 302
    assert hoa.get(reverse("reports:mine")).status_code == 200
    _token, secret = tokens.issue_token(world.hoa, "script", days=30)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/campaigns").status_code == 200
    office = world.client_for(admin)
    response = office.post(reverse("people:active", args=[world.hoa.pk]), {"active": "0"})
    assert response.status_code == 302
    assert hoa.get(reverse("reports:mine")).status_code == 302  # to the sign-in page
    assert api.get("/api/v1/campaigns").status_code == 401
    assert not _signs_in("hoa", PASSWORD)
    event = AuditEvent.objects.get(subject=world.hoa, details__change="is_active")
    assert event.details["sessions_ended"] == 1 and event.details["tokens_revoked"] == 1
    # Enabled again: the password works, the revoked token does not.
    office.post(reverse("people:active", args=[world.hoa.pk]), {"active": "1"})
    assert _signs_in("hoa", PASSWORD)
    assert api.get("/api/v1/campaigns").status_code == 401


def test_roles_change_audited_and_the_last_administrator_stays(world: World, admin: User) -> None:
    office = world.client_for(admin)
    url = reverse("people:roles", args=[world.lan.pk])
    assert office.post(url, {"roles": ["specialist", "head"]}).status_code == 302
    assert world.lan.has_office_role(world.office, Role.HEAD)
    event = AuditEvent.objects.get(subject=world.lan, details__change="roles")
    assert event.details["from"] == ["specialist"]
    assert event.details["to"] == ["head", "specialist"]
    # Thạch, the head, may not take away the last administrator's role.
    head = world.client_for(world.thach)
    response = head.post(reverse("people:roles", args=[admin.pk]), {"roles": ["specialist"]})
    assert response.status_code == 302
    assert Membership.objects.filter(user=admin, role=Role.ADMIN).exists()
    # Nor may anyone change their own account, or give a role that is not an office's.
    office.post(reverse("people:roles", args=[admin.pk]), {"roles": []})
    assert Membership.objects.filter(user=admin, role=Role.ADMIN).exists()
    office.post(url, {"roles": ["reporter"]})
    assert world.lan.has_office_role(world.office, Role.HEAD)


def test_people_who_must_see_nothing(world: World, admin: User) -> None:
    # A specialist and a reporter do not manage people.
    for user in (world.lan, world.hoa):
        assert world.client_for(user).get(reverse("people:list")).status_code == 404
    assert (
        world.client_for(world.lan)
        .post(reverse("people:active", args=[world.hoa.pk]), {"active": "0"})
        .status_code
        == 404
    )
    assert User.objects.get(pk=world.hoa.pk).is_active
    # The administrator of another office sees none of this one, and changes nothing.
    other = User.objects.create_user(username="khac", password=PASSWORD)
    Membership.objects.create(user=other, unit=world.other_office, role=Role.ADMIN)
    client = world.client_for(other)
    page = client.get(reverse("people:list")).content.decode()
    assert 'data-person="hoa"' not in page and 'data-person="lan"' not in page
    assert 'data-person="tu"' in page  # their own specialist
    client.post(reverse("people:active", args=[world.hoa.pk]), {"active": "0"})
    assert User.objects.get(pk=world.hoa.pk).is_active
    # Signed out: the sign-in page.
    assert Client().get(reverse("people:list")).status_code == 302
