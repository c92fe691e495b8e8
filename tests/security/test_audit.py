"""The audit log: sign-ins, permission and data changes, on a page for administrators only."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, World
from tonghop.audit import records
from tonghop.audit.models import Action, AuditEvent
from tonghop.orgs.models import Membership, Role, User

AUDIT = "/audit/"


def _streamed(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def _sign_in(username: str, password: str) -> Client:
    client = Client()
    client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="192.0.2.4"
    )
    return client


def test_it_records_sign_in_failure_and_sign_out(world: World) -> None:
    _sign_in("hoa", "wrong-password")
    client = _sign_in("hoa", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.4")
    events = list(AuditEvent.objects.newest_first().filter(username="hoa"))
    assert [e.action for e in events] == [Action.SIGN_OUT, Action.SIGN_IN, Action.SIGN_IN_FAILED]
    signed_out, signed_in, failed = events
    assert signed_in.actor == world.hoa
    assert signed_out.actor == world.hoa
    assert failed.actor is None
    assert failed.subject == world.hoa
    assert {e.ip for e in events} == {"192.0.2.4"}


def test_it_records_a_failure_for_an_unknown_name(world: World) -> None:
    _sign_in("khong-ai", "wrong-password")
    event = AuditEvent.objects.get()
    assert (event.action, event.username, event.subject) == (
        Action.SIGN_IN_FAILED,
        "khong-ai",
        None,
    )


def _admin_client(world: World) -> tuple[Client, User]:
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="r@x.vn")
    return world.client_for(root), root


def _user_form(user: User, memberships: list[Membership], **changes: Any) -> dict[str, Any]:
    joined = timezone.localtime(user.date_joined)
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "memberships-TOTAL_FORMS": str(len(memberships) + 1),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": "",
    }
    if user.is_active:
        data["is_active"] = "on"
    for n, m in enumerate(memberships):
        data.update(
            {
                f"memberships-{n}-id": str(m.pk),
                f"memberships-{n}-user": str(user.pk),
                f"memberships-{n}-unit": str(m.unit_id),
                f"memberships-{n}-role": m.role,
            }
        )
    new = len(memberships)
    data.update({f"memberships-{new}-id": "", f"memberships-{new}-user": str(user.pk)})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_it_records_membership_changes_made_in_the_admin(world: World) -> None:
    client, root = _admin_client(world)
    url = reverse("admin:orgs_user_change", args=[world.hoa.pk])
    membership = world.hoa.memberships.get()
    # Hoa also becomes a specialist of the office, and staff.
    data = _user_form(
        world.hoa,
        [membership],
        **{"memberships-1-unit": str(world.office.pk), "memberships-1-role": Role.SPECIALIST},
        is_staff="on",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = AuditEvent.objects.get(action=Action.PERMISSION, details__change="added")
    assert added.actor == root
    assert added.subject == world.hoa
    assert added.object_type == "orgs.membership"
    assert added.details["role"] == Role.SPECIALIST
    assert added.details["unit"] == world.office.code
    staff = AuditEvent.objects.get(action=Action.PERMISSION, details__change="is_staff")
    assert (staff.details["from"], staff.details["to"]) == (False, True)
    data_change = AuditEvent.objects.get(action=Action.DATA, object_type="orgs.user")
    assert data_change.object_id == str(world.hoa.pk)

    # Then the reporter role is taken away.
    memberships = list(world.hoa.memberships.order_by("pk"))
    data = _user_form(world.hoa, memberships, **{"memberships-0-DELETE": "on"}, is_staff="on")
    assert client.post(url, data).status_code == 302
    removed = AuditEvent.objects.get(action=Action.PERMISSION, details__change="removed")
    assert removed.details["role"] == Role.REPORTER
    assert removed.details["id"] == membership.pk
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_records_other_admin_changes_as_data_changes(world: World) -> None:
    client, root = _admin_client(world)
    url = reverse("admin:orgs_unit_delete", args=[world.school.pk])
    world.a_school.delete()
    assert client.post(url, {"post": "yes"}).status_code == 302
    event = AuditEvent.objects.get(action=Action.DATA, object_type="orgs.unit")
    assert event.actor == root
    assert event.object_id == str(world.school.pk)
    assert event.object_text == "Trường THCS An Phú"
    assert event.details["admin"] == "deleted"


def test_the_page_is_hidden_from_everyone_but_administrators(world: World, admin: User) -> None:
    for person in (world.hoa, world.nam, world.lan, world.thach, world.tu):
        assert world.client_for(person).get(AUDIT).status_code == 404, person
        assert reverse("audit:events") not in world.client_for(person).get("/").content.decode()
    response = Client().get(AUDIT)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert world.client_for(admin).get(AUDIT).status_code == 200


def test_the_office_admin_sees_the_office_people_only(world: World, admin: User) -> None:
    _sign_in("hoa", "wrong-password")
    _sign_in("tu", "wrong-password")
    world.client_for(world.lan)  # signs Lan in: an event
    body = world.client_for(admin).get(AUDIT).content.decode()
    assert "Trần Thị Hoa" in body
    assert "Nguyễn Thị Lan" in body
    assert "Đỗ Minh Tú" not in body
    assert "Vũ Văn Quản" in body  # the admin's own sign-in
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="r@x.vn")
    everything = world.client_for(root).get(AUDIT).content.decode()
    assert "Đỗ Minh Tú" in everything


def test_it_filters_by_action_person_and_date(world: World, admin: User) -> None:
    _sign_in("hoa", "wrong-password")
    _sign_in("nam", "wrong-password")
    client = world.client_for(admin)
    body = client.get(AUDIT, {"action": Action.SIGN_IN_FAILED, "person": "hoa"}).content.decode()
    assert body.count('data-action="sign_in_failed"') == 1
    assert 'data-action="sign_in"' not in body
    today = timezone.localdate().isoformat()
    body = client.get(AUDIT, {"since": today, "until": today}).content.decode()
    assert body.count('data-action="sign_in_failed"') == 2
    body = client.get(AUDIT, {"until": "2020-01-01"}).content.decode()
    assert "data-action=" not in body


def test_it_exports_csv_for_excel_with_formulas_neutralised(world: World, superuser: User) -> None:
    # An unknown user name concerns no office: only a superuser sees it.
    _sign_in('=HYPERLINK("http://x")', "wrong-password")
    _sign_in("hoa", "wrong-password")
    records.record(Action.DATA, actor=superuser, object_text="+84 912 345 678")
    response = world.client_for(superuser).get(AUDIT, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = _streamed(response)
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert len(rows) == 1 + AuditEvent.objects.count()
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert '\'=HYPERLINK("http://x")' in cells
    assert "'+84 912 345 678" in cells


def test_the_export_follows_the_filters_and_the_scope(world: World, admin: User) -> None:
    _sign_in("hoa", "wrong-password")
    _sign_in("tu", "wrong-password")
    response = world.client_for(admin).get(
        AUDIT, {"format": "csv", "action": Action.SIGN_IN_FAILED}
    )
    content = _streamed(response)
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == ["hoa"]


def test_reporters_get_404_for_the_export_too(world: World) -> None:
    assert world.client_for(world.hoa).get(AUDIT, {"format": "csv"}).status_code == 404


def test_a_change_of_a_group_is_a_permission_change(world: World) -> None:
    client, root = _admin_client(world)
    response = client.post(reverse("admin:auth_group_add"), {"name": "Văn thư", "permissions": []})
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="auth.group")
    assert (event.action, event.actor, event.object_text) == (Action.PERMISSION, root, "Văn thư")
