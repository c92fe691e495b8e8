"""The report form's autosave endpoint: what the script posts, and the JSON it gets back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports import actions
from tonghop.reports.models import Assignment, AssignmentEvent, Report, State, Step


def autosave(client: Client, a: Assignment, version: Any = None, **values: Any) -> Any:
    if version is None:
        a.refresh_from_db()
        version = a.version
    data = {"version": version, "action": "save", "narrative": "", **values}
    return client.post(reverse("reports:autosave", args=[a.pk]), data)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_it_saves_a_draft_and_gives_the_next_version(world: World) -> None:
    client = english(world.client_for(world.hoa))
    response = autosave(client, world.a_an_phu, pano="1.250", narrative="Đang treo pano")
    assert response.status_code == 200
    answer = response.json()
    world.a_an_phu.refresh_from_db()
    assert answer["ok"] is True
    assert answer["version"] == world.a_an_phu.version == 1
    assert answer["errors"] == {}
    saved_at = dt.datetime.fromisoformat(answer["saved_at"])
    assert saved_at.utcoffset() == dt.timedelta(hours=7)
    assert answer["message"] == f"Draft saved at {saved_at:%H:%M}"
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values["pano"] == 1250 and report.narrative == "Đang treo pano"
    assert world.a_an_phu.state == State.DRAFT
    # The next save carries the version it was given, and is taken.
    response = autosave(client, world.a_an_phu, version=answer["version"], pano="7")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 7


def test_bad_values_come_back_as_field_errors_and_nothing_is_saved(world: World) -> None:
    client = world.client_for(world.hoa)
    autosave(client, world.a_an_phu, pano="5", narrative="bản cũ")
    response = autosave(client, world.a_an_phu, pano="-2", ty_le="abc", narrative="bản mới")
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert answer["errors"]["pano"] == ["Số liệu không được âm."]
    assert set(answer["errors"]) == {"pano", "ty_le"}
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values["pano"] == 5 and report.narrative == "bản cũ"
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.version == 1


def test_a_stale_form_is_refused_with_409(world: World) -> None:
    client = world.client_for(world.hoa)
    first = autosave(client, world.a_an_phu, pano="1").json()
    # Another tab saves meanwhile.
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 2},
        "",
        expected_version=first["version"],
        submit=False,
    )
    response = autosave(client, world.a_an_phu, version=first["version"], pano="3")
    assert response.status_code == 409
    assert response.json()["ok"] is False and response.json()["stale"] is True
    assert response.json()["message"]
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 2


def test_a_report_returned_or_submitted_meanwhile_is_not_overwritten(world: World) -> None:
    client = world.client_for(world.hoa)
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 4}, "", expected_version=0, submit=True
    )
    response = autosave(client, world.a_an_phu, version=0, pano="9")
    assert response.status_code == 409
    response = autosave(client, world.a_an_phu, pano="9")
    assert response.status_code == 409
    assert "đã được gửi" in response.json()["message"]
    world.a_an_phu.refresh_from_db()
    opened_at = world.a_an_phu.version
    actions.return_report(world.lan, world.a_an_phu.pk, "Sửa lại", expected_version=opened_at)
    response = autosave(client, world.a_an_phu, version=opened_at, pano="9")
    assert response.status_code == 409
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 4


def test_a_closed_campaign_refuses_autosave(world: World) -> None:
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    response = autosave(world.client_for(world.hoa), world.a_an_phu, pano="1")
    assert response.status_code == 409
    assert response.json()["message"] == "Đợt báo cáo đã đóng; không thể sửa báo cáo nữa."
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()


def test_only_the_units_reporter_autosaves(world: World) -> None:
    url = reverse("reports:autosave", args=[world.a_an_phu.pk])
    data = {"version": 0, "pano": "1", "narrative": ""}
    for person in (world.nam, world.lan, world.tu):
        assert world.client_for(person).post(url, data).status_code == 404
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert world.client_for(world.hoa).get(url).status_code == 405
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()


def test_hostile_and_malformed_posts(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:autosave", args=[world.a_an_phu.pk])
    # No version, or one that is not a number: the form cannot be trusted, reload.
    assert client.post(url, {"pano": "1"}).status_code == 409
    assert client.post(url, {"version": "1 OR 1=1", "pano": "1"}).status_code == 409
    assert client.post(url, {"version": "-1", "pano": "1"}).status_code == 409
    # Huge values are refused field by field, nothing saved.
    response = autosave(client, world.a_an_phu, pano="9" * 5000, ty_le="1e999999")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"pano", "ty_le"}
    response = autosave(client, world.a_an_phu, pano="1", narrative="x" * 20001)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"narrative"}
    response = autosave(client, world.a_an_phu, khau_hieu="<script>alert(1)</script>" * 100)
    assert response.status_code == 400
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()
    # Unknown fields are ignored; text is kept as typed, never interpreted.
    response = autosave(client, world.a_an_phu, khau_hieu="<b>Sáng tạo</b>", is_staff="1")
    assert response.status_code == 200
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values["khau_hieu"] == "<b>Sáng tạo</b>"
    assert "is_staff" not in report.values
    # A JSON body instead of a form is a form without a version.
    response = client.post(url, '{"version": 1}', content_type="application/json")
    assert response.status_code == 409


def test_autosaves_are_counted_on_one_history_event(world: World) -> None:
    client = world.client_for(world.hoa)
    for figure in ("1", "12", "123"):
        assert autosave(client, world.a_an_phu, pano=figure).status_code == 200
    [event] = AssignmentEvent.objects.filter(assignment=world.a_an_phu)
    assert event.step == Step.SAVE and event.actor == world.hoa
    assert event.details["saves"] == 3
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.version == 3
    # A draft saved with the button, and a submission, keep their own events.
    world.a_an_phu.refresh_from_db()
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 5},
        "",
        expected_version=world.a_an_phu.version,
        submit=False,
    )
    assert AssignmentEvent.objects.filter(assignment=world.a_an_phu).count() == 2


def test_an_autosave_long_after_the_last_one_starts_a_new_event(world: World) -> None:
    start = dt.datetime(2030, 4, 20, 8, 0, tzinfo=dt.UTC)
    for minutes in (0, 10, 55):
        world.a_an_phu.refresh_from_db()
        actions.save_report(
            world.hoa,
            world.a_an_phu.pk,
            {"pano": minutes},
            "",
            expected_version=world.a_an_phu.version,
            submit=False,
            now=start + dt.timedelta(minutes=minutes),
            autosave=True,
        )
    events = list(AssignmentEvent.objects.filter(assignment=world.a_an_phu))
    assert [e.details.get("saves", 1) for e in events] == [2, 1]


def test_the_page_loads_the_script_and_says_where_to_save(world: World) -> None:
    page = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    body = page.content.decode()
    assert f'data-autosave-url="{reverse("reports:autosave", args=[world.a_an_phu.pk])}"' in body
    assert re.search(r'<script src="[^"]*tonghop/report-form\.js" defer></script>', body)
    assert 'id="autosave-status"' in body and 'aria-live="polite"' in body
    # CSP: no inline script or style anywhere on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert "style=" not in body
    assert 'enctype="multipart/form-data"' in body
    # Once submitted, nothing autosaves.
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 1}, "", expected_version=0, submit=True
    )
    page = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    assert "report-form.js" not in page.content.decode()
