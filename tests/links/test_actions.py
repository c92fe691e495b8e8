"""Personal links: tokens, issuing, revoking and saving through a link, below the views."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

import pytest
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from tests.conftest import VN, World
from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports import actions as report_actions
from tonghop.reports.links import actions
from tonghop.reports.links.models import (
    AccessLink,
    Reason,
    Unusable,
    find,
    hash_secret,
    make_token,
    new_secret,
    read_token,
)
from tonghop.reports.models import AssignmentEvent, Report, State, Step

DUE = dt.datetime(2030, 5, 5, 23, 59, 59, tzinfo=VN)
NOW = dt.datetime(2030, 4, 20, 8, 0, tzinfo=VN)
CLOSED = "This campaign is closed; reports can no longer be changed."


def _token(path: str) -> str:
    assert path.startswith("/l/") and path.endswith("/")
    return path[len("/l/") : -1]


def _values(**extra: Any) -> dict[str, Any]:
    return {"pano": "3", "luot_nguoi": "120", "ty_le": "2,5", "khau_hieu": "Sáng tạo", **extra}


def _reason(token: str, now: dt.datetime | None = None) -> Reason:
    with pytest.raises(Unusable) as caught:
        find(token, now)
    return caught.value.reason


# Tokens


def test_the_token_carries_the_id_and_a_256_bit_secret_but_only_its_hash_is_kept(
    world: World,
) -> None:
    link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    token = _token(path)
    parsed = read_token(token)
    assert parsed is not None
    link_id, secret = parsed
    assert link_id == link.pk
    assert len(secret) >= 43  # 32 bytes as URL-safe base64
    assert link.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    # The secret itself is in no column of the table.
    row = AccessLink.objects.filter(pk=link.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    assert find(token).pk == link.pk


def test_two_links_never_share_a_secret(world: World) -> None:
    assert len({new_secret() for _ in range(200)}) == 200


def test_a_token_changed_in_any_one_character_is_unknown_without_a_query(world: World) -> None:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    token = _token(path)
    with CaptureQueriesContext(connection) as queries:
        for position, char in enumerate(token):
            for other in {"A", "b", "0", "-"} - {char}:
                changed = token[:position] + other + token[position + 1 :]
                assert read_token(changed) is None, (position, other)
                assert _reason(changed) == Reason.UNKNOWN
    assert len(queries) == 0


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        ":",
        "1.abc",
        "1.abc:",
        "../../etc/passwd",
        "1.é:é",
        "\x00",
        "A" * 10_000,
        "1" * 500 + ".s:sig",
    ],
)
def test_malformed_tokens_are_unknown_without_a_query(world: World, token: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert _reason(token) == Reason.UNKNOWN
    assert len(queries) == 0


def test_a_token_signed_for_another_purpose_is_unknown(world: World) -> None:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    value = signing.Signer(salt="tonghop.links").unsign(_token(path))
    assert _reason(signing.Signer(salt="something.else").sign(value)) == Reason.UNKNOWN
    assert _reason(signing.Signer().sign(value)) == Reason.UNKNOWN


@pytest.mark.parametrize(
    "value", ["abc.secret", "-1.secret", "1", "1.", ".secret", "١.secret", "9" * 30 + ".s"]
)
def test_well_signed_nonsense_is_unknown_without_a_query(world: World, value: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert _reason(signing.Signer(salt="tonghop.links").sign(value)) == Reason.UNKNOWN
    assert len(queries) == 0


def test_a_well_signed_token_for_no_link_costs_one_lookup(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert _reason(make_token(999_999, new_secret())) == Reason.UNKNOWN
    assert len(queries) == 1


def test_the_right_id_with_the_wrong_secret_is_unknown(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    assert _reason(make_token(link.pk, new_secret())) == Reason.UNKNOWN


def test_expired_and_revoked_links_are_gone(world: World) -> None:
    link, path = actions.issue_link(world.a_an_phu, by=world.lan, days=3, now=NOW)
    token = _token(path)
    assert find(token, NOW + dt.timedelta(days=3) - dt.timedelta(seconds=1)).pk == link.pk
    assert _reason(token, NOW + dt.timedelta(days=3)) == Reason.EXPIRED
    actions.revoke_link(link, by=world.lan)
    assert _reason(token, NOW) == Reason.REVOKED


def test_a_unit_taken_off_the_campaign_loses_its_link(world: World) -> None:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    world.a_an_phu.is_active = False
    world.a_an_phu.save()
    assert _reason(_token(path)) == Reason.REVOKED


def test_a_link_of_a_draft_campaign_opens_nothing_yet(world: World) -> None:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    world.campaign.status = CampaignStatus.DRAFT
    world.campaign.save()
    assert _reason(_token(path)) == Reason.NOT_OPEN


# Issuing and revoking


def test_a_link_lasts_until_30_days_after_the_due_time_by_default(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan, now=NOW)
    assert link.expires_at == DUE + dt.timedelta(days=30)
    assert (link.created_by, link.created_at, link.use_count) == (world.lan, NOW, 0)
    assert link.last_used_at is None and link.revoked_at is None


def test_a_link_issued_after_the_due_time_still_gets_30_days(world: World) -> None:
    late = DUE + dt.timedelta(days=60)
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan, now=late)
    assert link.expires_at == late + dt.timedelta(days=30)


def test_the_office_chooses_how_many_days(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan, days=7, now=NOW)
    assert link.expires_at == NOW + dt.timedelta(days=7)


@pytest.mark.parametrize("days", [0, -1, 366, 10**12, True, "7", 7.5, "abc"])
def test_a_bad_number_of_days_is_refused_and_nothing_issued(world: World, days: Any) -> None:
    with pytest.raises(actions.LinkError):
        actions.issue_link(world.a_an_phu, by=world.lan, days=days)
    assert not AccessLink.objects.exists()


def test_issuing_revokes_the_previous_link(world: World) -> None:
    first, first_path = actions.issue_link(world.a_an_phu, by=world.lan, now=NOW)
    later = NOW + dt.timedelta(hours=1)
    second, second_path = actions.issue_link(world.a_an_phu, by=world.thach, now=later)
    first.refresh_from_db()
    assert (first.revoked_at, first.revoked_by) == (later, world.thach)
    assert second.revoked_at is None
    assert _reason(_token(first_path)) == Reason.REVOKED
    assert find(_token(second_path)).pk == second.pk
    # Another unit's link is left alone.
    other, _p = actions.issue_link(world.a_binh_minh, by=world.lan)
    actions.issue_link(world.a_an_phu, by=world.lan)
    other.refresh_from_db()
    assert other.revoked_at is None


def test_the_database_refuses_two_unrevoked_links_for_one_assignment(world: World) -> None:
    actions.issue_link(world.a_an_phu, by=world.lan)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLink.objects.create(
            assignment=world.a_an_phu,
            token_hash=hash_secret(new_secret()),
            expires_at=DUE,
        )


def test_issuing_and_revoking_are_in_the_audit_log(world: World) -> None:
    first, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    second, _path = actions.issue_link(world.a_an_phu, by=world.thach)
    actions.revoke_link(second, by=world.lan)
    events = list(AuditEvent.objects.filter(action=Action.PERMISSION).order_by("pk"))
    assert [(e.action, e.actor, e.details["link"]) for e in events] == [
        (Action.PERMISSION, world.lan, "issued"),
        (Action.PERMISSION, world.thach, "issued"),
        (Action.PERMISSION, world.lan, "revoked"),
    ]
    assert events[1].details["replaced"] == [first.pk]
    assert events[1].object_id == str(second.pk)
    assert world.an_phu.name in events[1].object_text
    assert events[0].username == "lan"


def test_only_the_office_issues_and_revokes(world: World) -> None:
    for person in (world.hoa, world.nam, world.tu):
        with pytest.raises(report_actions.NotAllowed):
            actions.issue_link(world.a_an_phu, by=person)
    assert not AccessLink.objects.exists()
    link, _path = actions.issue_link(world.a_an_phu, by=world.thach)
    for person in (world.hoa, world.nam, world.tu):
        with pytest.raises(report_actions.NotAllowed):
            actions.revoke_link(link, by=person)
    link.refresh_from_db()
    assert link.revoked_at is None
    actions.revoke_link(link, by=world.thach)


def test_a_disabled_office_account_can_do_neither(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    world.lan.is_active = False
    world.lan.save()
    with pytest.raises(report_actions.NotAllowed):
        actions.issue_link(world.a_an_phu, by=world.lan)
    with pytest.raises(report_actions.NotAllowed):
        actions.revoke_link(link, by=world.lan)
    assert AccessLink.objects.get().revoked_at is None


def test_the_system_may_issue_for_the_directive_emails(world: World) -> None:
    link, path = actions.issue_link(world.a_an_phu, by=None)
    assert link.created_by is None
    assert find(_token(path)).pk == link.pk


def test_no_link_for_a_closed_campaign_or_a_unit_off_it(world: World) -> None:
    world.a_school.is_active = False
    world.a_school.save()
    with pytest.raises(actions.LinkError):
        actions.issue_link(world.a_school, by=world.lan)
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    with pytest.raises(actions.LinkError) as caught:
        actions.issue_link(world.a_an_phu, by=world.lan)
    assert str(caught.value) == gettext(CLOSED)
    assert not AccessLink.objects.exists()


def test_a_link_is_revoked_once(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    actions.revoke_link(link, by=world.lan, now=NOW)
    with pytest.raises(actions.LinkError):
        actions.revoke_link(link, by=world.thach)
    link.refresh_from_db()
    assert (link.revoked_at, link.revoked_by) == (NOW, world.lan)


# Saving through a link


def test_a_link_saves_and_submits_as_the_unit_with_no_actor(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    actions.save_via_link(link, _values(), "nháp", expected_version=0, submit=False)
    actions.save_via_link(link, _values(pano="5"), "xong", expected_version=1, submit=True)
    a = world.a_an_phu
    a.refresh_from_db()
    assert a.state == State.SUBMITTED
    events = list(AssignmentEvent.objects.filter(assignment=a).order_by("pk"))
    assert [(e.step, e.actor, e.details) for e in events] == [
        (Step.SAVE, None, {"link": link.pk}),
        (Step.SUBMIT, None, {"link": link.pk}),
    ]
    report = Report.objects.get(assignment=a)
    assert report.values["pano"] == 5
    assert report.updated_by is None
    assert report.versions.get().created_by is None
    link.refresh_from_db()
    assert link.use_count == 2 and link.last_used_at is not None


def test_a_link_cannot_touch_another_units_assignment(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    with pytest.raises(report_actions.NotAllowed):
        report_actions.save_report(
            None,
            world.a_binh_minh.pk,
            _values(),
            "ghi đè",
            expected_version=0,
            submit=True,
            grant=link,
        )
    assert not Report.objects.filter(assignment=world.a_binh_minh).exists()
    assert not AssignmentEvent.objects.exists()


def test_a_link_revoked_after_the_page_was_opened_saves_nothing(world: World) -> None:
    link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    opened = find(_token(path))
    actions.revoke_link(link, by=world.lan)
    with pytest.raises(report_actions.NotAllowed):
        actions.save_via_link(opened, _values(), "", expected_version=0, submit=True)
    assert not Report.objects.exists()
    assert AccessLink.objects.get().use_count == 0


def test_an_expired_link_saves_nothing(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    AccessLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    with pytest.raises(report_actions.NotAllowed):
        actions.save_via_link(link, _values(), "", expected_version=0, submit=False)
    assert not Report.objects.exists()


def test_a_closed_campaign_refuses_saves_through_its_links(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    with pytest.raises(report_actions.NotAllowed) as caught:
        actions.save_via_link(link, _values(), "", expected_version=0, submit=True)
    assert str(caught.value) == gettext(CLOSED)
    assert not Report.objects.exists()


def test_a_unit_taken_off_the_campaign_saves_nothing(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    world.a_an_phu.is_active = False
    world.a_an_phu.save()
    with pytest.raises(report_actions.NotAllowed):
        actions.save_via_link(link, _values(), "", expected_version=0, submit=True)
    assert not Report.objects.exists()


def test_links_issued_at_once_leave_one_live_link(world_tx: World) -> None:
    """Two offices' clicks (or the worker and a specialist) at the same moment: each issue
    revokes the others under the assignment's lock, and the database keeps one live link."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def issue() -> None:
        try:
            barrier.wait()
            actions.issue_link(world_tx.a_an_phu, by=world_tx.lan)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AccessLink.objects.filter(assignment=world_tx.a_an_phu).count() == 4
    assert AccessLink.objects.filter(assignment=world_tx.a_an_phu).unrevoked().count() == 1
