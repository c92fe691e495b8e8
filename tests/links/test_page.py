"""The page a personal link opens: only its one form, for a visitor who stays anonymous."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from tests.conftest import PHONE_BROWSER, World
from tonghop.campaigns.models import CampaignStatus
from tonghop.documents.models import Direction, Document
from tonghop.reports import actions as report_actions
from tonghop.reports.links import actions
from tonghop.reports.links.models import AccessLink, make_token, new_secret
from tonghop.reports.models import AssignmentEvent, Report, State, Step

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
FORM_FIELD = 'name="narrative"'


def _issue(world: World, assignment: Any = None) -> tuple[AccessLink, str]:
    return actions.issue_link(assignment or world.a_an_phu, by=world.lan)


def _post(client: Client, path: str, version: int, action: str = "save", **values: str) -> Any:
    data = {"version": version, "action": action, "narrative": "", **values}
    return client.post(path, data)


def _fresh_version(world: World) -> int:
    world.a_an_phu.refresh_from_db()
    return world.a_an_phu.version


def _assert_private(response: Any) -> None:
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_a_valid_link_opens_the_units_form(world: World) -> None:
    document = Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        number="45",
        symbol="VHKHTT",
        subject="Về việc hưởng ứng Ngày Sáng tạo",
    )
    world.campaign.source_document = document
    world.campaign.save()
    link, path = _issue(world)
    response = Client().get(path, headers={"User-Agent": PHONE_BROWSER})
    assert response.status_code == 200
    _assert_private(response)
    body = response.content.decode()
    assert FORM_FIELD in body
    assert world.an_phu.name in body
    assert world.campaign.title in body
    assert "23:59 05/05/2030" in body
    assert "45/VHKHTT" in body
    assert 'id="link-notice"' in body
    assert world.binh_minh.name not in body
    # The form posts back to the link itself, with no other address of the site.
    assert not re.search(r'<form method="post" class="report[^"]*" action=', body)
    assert not INLINE_SCRIPT.search(body)
    assert not STYLE_ATTRIBUTE.search(body)
    link.refresh_from_db()
    assert link.use_count == 1 and link.last_used_at is not None


def test_a_link_saves_a_draft_then_submits(world: World) -> None:
    link, path = _issue(world)
    client = Client()
    response = _post(client, path, 0, "save", pano="2", narrative="bản nháp")
    assert response.status_code == 302
    assert response["Location"] == path
    _assert_private(response)
    page = client.get(path).content.decode()
    assert gettext("Draft saved.") in page
    assert "bản nháp" in page
    response = _post(client, path, _fresh_version(world), "submit", pano="4", luot_nguoi="1.250")
    assert response.status_code == 302
    a = world.a_an_phu
    a.refresh_from_db()
    assert a.state == State.SUBMITTED
    assert Report.objects.get(assignment=a).values["luot_nguoi"] == 1250
    events = list(AssignmentEvent.objects.filter(assignment=a).order_by("pk"))
    assert [(e.step, e.actor_id, e.details) for e in events] == [
        (Step.SAVE, None, {"link": link.pk}),
        (Step.SUBMIT, None, {"link": link.pk}),
    ]
    page = client.get(path).content.decode()
    # Submitted: the unit sees its report and its history, no longer the form.
    assert FORM_FIELD not in page
    assert 'id="versions"' in page
    assert 'data-version="1"' in page


def test_a_returned_report_is_corrected_through_the_link(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    _post(client, path, 0, "submit", pano="4")
    report_actions.return_report(world.lan, world.a_an_phu.pk, "Thiếu số liệu", expected_version=1)
    page = client.get(path).content.decode()
    assert "Thiếu số liệu" in page
    assert FORM_FIELD in page
    _post(client, path, _fresh_version(world), "submit", pano="6")
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.SUBMITTED
    assert Report.objects.get(assignment=world.a_an_phu).versions.count() == 2


def test_a_tampered_token_is_404_without_a_query_and_shows_no_form(world: World) -> None:
    _link, path = _issue(world)
    token = path[3:-1]
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/l/{tampered}/")
    assert len(queries) == 0
    assert response.status_code == 404
    _assert_private(response)
    body = response.content.decode()
    assert FORM_FIELD not in body
    assert 'id="link-unknown"' in body
    assert world.an_phu.name not in body
    response = _post(client, f"/l/{tampered}/", 0, "submit", pano="9")
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_an_unknown_link_costs_one_lookup(world: World) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/l/{make_token(424242, new_secret())}/")
    assert response.status_code == 404
    assert len(queries) == 1


@pytest.mark.parametrize("token", ["x", "A" * 5000, "%00", "<script>", "1.a:b"])
def test_hostile_tokens_are_404(world: World, token: str) -> None:
    response = Client().get(f"/l/{token}/")
    assert response.status_code == 404
    assert "<script>" not in response.content.decode()


def test_an_expired_link_is_410_and_says_whom_to_contact(world: World) -> None:
    link, path = _issue(world)
    AccessLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    client = Client()
    response = client.get(path)
    assert response.status_code == 410
    _assert_private(response)
    body = response.content.decode()
    assert FORM_FIELD not in body
    assert 'id="link-expired"' in body
    assert world.office.name in body
    response = _post(client, path, 0, "submit", pano="9")
    assert response.status_code == 410
    assert not Report.objects.exists()
    link.refresh_from_db()
    assert link.use_count == 0


def test_a_revoked_link_is_410_and_says_whom_to_contact(world: World) -> None:
    world.office.email = "vhkhtt@minhhoa.gov.vn"
    world.office.save()
    link, path = _issue(world)
    actions.revoke_link(link, by=world.lan)
    client = Client()
    response = client.get(path)
    assert response.status_code == 410
    body = response.content.decode()
    assert FORM_FIELD not in body
    assert 'id="link-revoked"' in body
    assert world.office.name in body
    assert "vhkhtt@minhhoa.gov.vn" in body
    assert _post(client, path, 0, "submit", pano="9").status_code == 410
    assert not Report.objects.exists()


def test_a_link_revoked_while_the_form_is_open_saves_nothing(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    assert client.get(path).status_code == 200
    actions.issue_link(world.a_an_phu, by=world.thach)  # replaces it
    response = _post(client, path, 0, "submit", pano="9")
    assert response.status_code == 410
    assert not Report.objects.exists()


def test_a_link_for_an_phu_cannot_touch_binh_minh(world: World) -> None:
    _link, an_phu_path = _issue(world)
    _other, binh_minh_path = _issue(world, world.a_binh_minh)
    client = Client()
    # Naming Bình Minh's assignment in the form changes nothing: the token decides.
    response = _post(
        client,
        an_phu_path,
        0,
        "submit",
        pano="7",
        assignment=str(world.a_binh_minh.pk),
        pk=str(world.a_binh_minh.pk),
    )
    assert response.status_code == 302
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 7
    assert not Report.objects.filter(assignment=world.a_binh_minh).exists()
    # Each token opens its own unit's form and never the other's.
    an_phu = client.get(an_phu_path).content.decode()
    binh_minh = client.get(binh_minh_path).content.decode()
    assert world.an_phu.name in an_phu and world.binh_minh.name not in an_phu
    assert world.binh_minh.name in binh_minh and world.an_phu.name not in binh_minh
    # Nor does An Phú's link open Bình Minh's pages by their usual address.
    assert client.get(reverse("reports:form", args=[world.a_binh_minh.pk])).status_code == 302


def test_the_link_signs_nobody_in(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    client.get(path)
    _post(client, path, 0, "save", pano="1")
    assert "_auth_user_id" not in client.session
    for url in (
        reverse("reports:mine"),
        reverse("reports:form", args=[world.a_an_phu.pk]),
        reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk]),
        reverse("home"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_a_signed_in_person_using_a_link_stays_who_they_are(world: World) -> None:
    # Nam opens An Phú's link (say, forwarded to him): he may fill An Phú's form through it,
    # as anyone holding it could, but gains nothing else of An Phú's.
    _link, path = _issue(world)
    client = world.client_for(world.nam)
    assert client.get(path).status_code == 200
    assert client.get(reverse("reports:form", args=[world.a_an_phu.pk])).status_code == 404
    assert int(client.session["_auth_user_id"]) == world.nam.pk


def test_a_closed_campaign_shows_the_report_but_refuses_saves(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    _post(client, path, 0, "save", pano="3")
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    page = client.get(path)
    assert page.status_code == 200
    assert FORM_FIELD not in page.content.decode()
    response = _post(client, path, _fresh_version(world), "submit", pano="8")
    assert response.status_code == 302
    after = client.get(path).content.decode()
    assert gettext("This campaign is closed; reports can no longer be changed.") in after
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.DRAFT
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 3


def test_a_draft_campaign_shows_nothing_yet(world: World) -> None:
    _link, path = _issue(world)
    world.campaign.status = CampaignStatus.DRAFT
    world.campaign.save()
    response = Client().get(path)
    assert response.status_code == 404
    assert 'id="link-not_open"' in response.content.decode()


def test_bad_values_are_explained_and_nothing_is_saved(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    response = _post(client, path, 0, "submit", pano="abc", ty_le="-1")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field-error"' in body
    assert FORM_FIELD in body
    response = _post(client, path, 0, "save", narrative="x" * 20001)
    assert response.status_code == 400
    response = _post(client, path, 0, "submit", pano="")  # required on submission
    assert response.status_code == 400
    response = client.post(path, {"version": "nope", "action": "save"})
    assert response.status_code == 400
    assert not Report.objects.exists()
    assert not AssignmentEvent.objects.exists()


def test_hostile_text_is_shown_as_text(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    _post(client, path, 0, "save", narrative='<script>alert(1)</script>"><img src=x>')
    body = client.get(path).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_stale_form_saves_nothing_and_says_so(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    _post(client, path, 0, "save", pano="3")
    response = _post(client, path, 0, "save", pano="99")
    assert response.status_code == 302
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 3


def test_the_page_takes_only_get_and_post(world: World) -> None:
    _link, path = _issue(world)
    response = Client().put(path)
    assert response.status_code == 405
    _assert_private(response)
    assert AccessLink.objects.get().use_count == 0
