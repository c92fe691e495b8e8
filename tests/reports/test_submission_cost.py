"""The cost of the busiest request there is: a unit submitting its report with a photo, in the
rush before a due time (issue 21, bench/load.py). Its queries are counted exactly, so that a
change that adds one to the path fails here and says which."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.conftest import World
from tonghop.campaigns import formedit
from tonghop.campaigns.formedit import IndicatorFields, RuleFields
from tonghop.reports import actions, receipts
from tonghop.reports.models import Assignment, Attachment, ReportVersion, State

# The queries of a submission with a photo, for a reporter signed in earlier: the session and
# the person; the assignment through the person's units (the page's reads; the form with its
# rules is kept by the process since the page was opened); then one transaction: the
# assignment locked with the person's right, the report and the next version's key; the report
# inserted with its values, the photo's row, the assignment's new state, its event, and the
# version with its receipt number. Not counted: the statements that open and close the
# transaction (SAVEPOINT and RELEASE here, BEGIN and COMMIT on SQLite outside a test), which
# are queries too on PostgreSQL: STATEMENTS counts them.
SUBMISSION_QUERIES = 9
TRANSACTIONS = 1
STATEMENTS = SUBMISSION_QUERIES + 2 * TRANSACTIONS
CONTROL = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
MESSAGE = "Đã treo pano thì phải có người tham gia."


def _photo(green: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (20, green, 40)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_submission_with_a_photo_costs_a_known_number_of_queries(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    # Opened first, as a person does: the session's one-time marks are written then.
    assert client.get(url).status_code == 200
    data = {
        "version": "0",
        "action": "submit",
        "pano": "12",
        "luot_nguoi": "1.250",
        "ty_le": "2,5",
        "khau_hieu": "Sáng tạo để phát triển",
        "narrative": "Đơn vị đã treo pano.",
        "attachments": SimpleUploadedFile("pano.jpg", _photo(), "image/jpeg"),
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.SUBMITTED
    version = ReportVersion.objects.get(report__assignment=assignment)
    photo = Attachment.objects.get(report__assignment=assignment)
    assert version.attachments == [photo.pk]
    assert version.receipt_number == receipts.receipt_number(version.pk, version.created_at)
    statements = [q["sql"] for q in queries.captured_queries]
    counted = [sql for sql in statements if not sql.startswith(CONTROL)]
    listed = "\n".join(sql[:160] for sql in counted)
    assert len(counted) == SUBMISSION_QUERIES, listed
    assert sum(sql.startswith(("SAVEPOINT", "BEGIN")) for sql in statements) == TRANSACTIONS
    assert len(statements) == STATEMENTS, listed


def _form(photo_name: str = "pano.jpg", green: int = 120, **values: str) -> dict[str, object]:
    return {
        "version": "0",
        "action": "submit",
        "pano": "12",
        "luot_nguoi": "1.250",
        "narrative": "Đơn vị đã treo pano.",
        "attachments": SimpleUploadedFile(photo_name, _photo(green), "image/jpeg"),
        **values,
    }


def _pano_needs_people(world: World) -> None:
    formedit.add_rule(
        world.lan,
        world.campaign.pk,
        RuleFields(
            if_code="pano",
            if_op="gt",
            if_value="0",
            then_code="luot_nguoi",
            then_op="ge",
            then_value="1",
            message=MESSAGE,
        ),
    )


def test_a_form_with_rules_costs_no_more_and_its_rules_still_hold(world: World) -> None:
    _pano_needs_people(world)
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    assert client.get(url).status_code == 200
    # The rule broken: refused on its field, the photo kept (a file does not wait for the
    # figures), nothing else saved.
    response = client.post(url, _form(luot_nguoi="0"))
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.NOT_STARTED and assignment.version == 0
    assert not ReportVersion.objects.filter(report__assignment=assignment).exists()
    assert not assignment.events.exists()
    kept = Attachment.objects.get(report__assignment=assignment)
    assert kept.original_name == "pano.jpg"
    # Kept: the rule holds, with a second photo, at the same cost as a form without rules.
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, _form("pano-2.jpg", green=200))
    assert response.status_code == 302
    version = ReportVersion.objects.get(report__assignment=assignment)
    photos = list(
        Attachment.objects.filter(report__assignment=assignment)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(photos) == 2 and version.attachments == photos
    counted = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(CONTROL)]
    # The report exists already: its files present are read, and it is updated.
    assert len(counted) == SUBMISSION_QUERIES + 1, "\n".join(sql[:160] for sql in counted)


def test_the_form_is_read_with_its_rules_in_one_query(world: World) -> None:
    _pano_needs_people(world)
    formedit.add_rule(
        world.lan,
        world.campaign.pk,
        RuleFields(then_code="ty_le", then_op="le", then_other_code="luot_nguoi", message="m"),
    )
    world.campaign.refresh_from_db()  # its form key is new since the rule was added
    with CaptureQueriesContext(connection) as queries:
        indicators, rules = actions.read_form(world.campaign)
        codes = [
            (r.if_indicator.code if r.if_indicator else None, r.then_indicator.code, r.if_value)
            for r in rules
        ]
        others = [r.then_other.code if r.then_other else None for r in rules]
    assert len(queries) == 1
    assert indicators == list(world.campaign.indicators.all())
    assert [r.pk for r in rules] == list(world.campaign.rules.values_list("pk", flat=True))
    assert codes == [("pano", "luot_nguoi", 0), (None, "ty_le", None)]
    assert others == [None, "luot_nguoi"]
    assert [r.then_value for r in rules] == [1, None]


def test_a_stale_form_with_a_photo_keeps_the_photo_and_submits_nothing(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    response = client.post(url, _form(version="3"))
    assert response.status_code == 302
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.NOT_STARTED and assignment.version == 0
    assert Attachment.objects.filter(report__assignment=assignment).count() == 1
    assert not ReportVersion.objects.filter(report__assignment=assignment).exists()


def test_a_refused_photo_with_a_good_one_saves_no_figures(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    data = _form()
    data["attachments"] = [
        data["attachments"],
        SimpleUploadedFile("giả.jpg", b"<script>alert(1)</script>", "image/jpeg"),
    ]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "giả.jpg" in response.content.decode()
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.NOT_STARTED
    report = assignment.report
    assert report.values == {} and report.narrative == ""
    assert [a.original_name for a in report.attachments.all()] == ["pano.jpg"]


# Through a unit's personal link, with no account: the link (the page's read of it, with its
# assignment; the form is kept since the page was opened); then one transaction: the
# assignment locked with the report and the next version's key, the link locked again
# (revoked a moment ago, it writes nothing), the report, the photo, the state, the event, the
# version, and the link's use noted.
LINK_SUBMISSION_QUERIES = 9


def test_a_submission_through_a_personal_link_is_one_transaction(world: World) -> None:
    from django.test import Client

    from tonghop.reports.links.actions import issue_link
    from tonghop.reports.links.models import AccessLink

    link, path = issue_link(world.a_an_phu, by=world.lan)
    client = Client()
    assert client.get(path).status_code == 200
    uses = AccessLink.objects.get(pk=link.pk).use_count
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, _form())
    assert response.status_code == 302
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.SUBMITTED
    version = ReportVersion.objects.get(report__assignment=assignment)
    photo = Attachment.objects.get(report__assignment=assignment)
    assert version.attachments == [photo.pk] and photo.via_link_id == link.pk
    assert photo.uploaded_by is None
    used = AccessLink.objects.get(pk=link.pk)
    assert used.use_count == uses + 1 and used.last_used_at is not None  # the save noted
    statements = [q["sql"] for q in queries.captured_queries]
    counted = [sql for sql in statements if not sql.startswith(CONTROL)]
    listed = "\n".join(sql[:160] for sql in counted)
    assert sum(sql.startswith(("SAVEPOINT", "BEGIN")) for sql in statements) == TRANSACTIONS, listed
    assert len(counted) == LINK_SUBMISSION_QUERIES, listed


@pytest.mark.parametrize("meanwhile", ["revoked", "unit taken out"])
def test_a_link_revoked_while_its_photo_was_checked_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    """The link is read again under its lock in the save's transaction: revoked (or its unit
    taken out of the campaign) between the page's read and the save, the photo is not attached
    and no figure is saved."""
    from django.test import Client

    from tonghop.reports import filecheck
    from tonghop.reports.links.actions import issue_link, revoke_link

    link, path = issue_link(world.a_an_phu, by=world.lan)
    client = Client()
    assert client.get(path).status_code == 200
    real = filecheck.check_file

    def revoked_meanwhile(*args: Any, **kwargs: Any) -> filecheck.Checked:
        if meanwhile == "revoked":
            revoke_link(link, by=world.lan)
        else:
            Assignment.objects.filter(pk=world.a_an_phu.pk).update(is_active=False)
        return real(*args, **kwargs)

    monkeypatch.setattr(filecheck, "check_file", revoked_meanwhile)
    response = client.post(path, _form())
    assert response.status_code == 302
    assert "không còn hiệu lực" in client.get(response["Location"]).content.decode()
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.NOT_STARTED and assignment.version == 0
    assert not Attachment.objects.exists()


def test_the_form_is_read_once_per_process_until_it_changes(world: World) -> None:
    actions._FORMS.clear()
    with CaptureQueriesContext(connection) as queries:
        first = actions.read_form(world.campaign)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        again = actions.read_form(world.campaign)
    assert len(queries) == 0 and again == first
    # A caller's list is its own: what it adds is not kept for the next request.
    again[0].append(again[0][0])
    assert len(actions.read_form(world.campaign)[0]) == len(first[0])

    # Every change of the form gives the campaign a new key: the next request, reading the
    # campaign's row, reads the form again and sees the change, in every process.
    formedit.add_indicator(
        world.lan,
        world.campaign.pk,
        "so_buoi",
        IndicatorFields(label="Số buổi", kind="integer", aggregation="sum"),
    )
    world.campaign.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        changed, _rules = actions.read_form(world.campaign)
    assert len(queries) == 1
    assert [i.code for i in changed] == [i.code for i in first[0]] + [changed[-1].code]
    assert changed[-1].label == "Số buổi"
    formedit.add_rule(
        world.lan,
        world.campaign.pk,
        RuleFields(then_code="ty_le", then_op="le", then_other_code="luot_nguoi", message="m"),
    )
    world.campaign.refresh_from_db()
    assert len(actions.read_form(world.campaign)[1]) == len(first[1]) + 1


def test_a_submission_reads_the_form_when_the_process_has_not(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    assert client.get(url).status_code == 200
    actions._FORMS.clear()  # another process took the page
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, _form())
    assert response.status_code == 302
    counted = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(CONTROL)]
    assert len(counted) == SUBMISSION_QUERIES + 1, "\n".join(sql[:160] for sql in counted)
