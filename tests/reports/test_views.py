from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.reports.models import Assignment, Report, ReportVersion, State


def _form_url(a: Assignment) -> str:
    return reverse("reports:form", args=[a.pk])


def _post(
    client: Client, a: Assignment, action: str, version: int | None = None, **values: str
) -> Any:
    data = {
        "version": a.version if version is None else version,
        "action": action,
        "narrative": values.pop("narrative", ""),
        **values,
    }
    return client.post(_form_url(a), data)


def test_it_lists_only_the_reporters_own_assignments(world: World) -> None:
    response = world.client_for(world.hoa).get(reverse("reports:mine"))
    assert response.status_code == 200
    body = response.content.decode()
    assert _form_url(world.a_an_phu) in body
    assert _form_url(world.a_binh_minh) not in body
    assert "UBND xã Bình Minh" not in body


def test_it_shows_the_form_in_vietnamese(world: World) -> None:
    body = world.client_for(world.hoa).get(_form_url(world.a_an_phu)).content.decode()
    assert "Gửi báo cáo" in body
    assert "Lưu nháp" in body
    assert "Pano đã treo (cái)" in body
    assert 'inputmode="numeric"' in body


def test_it_submits_a_report_through_the_page(world: World) -> None:
    client = world.client_for(world.hoa)
    response = _post(
        client, world.a_an_phu, "submit", pano="4", luot_nguoi="120", narrative="Đã treo pano"
    )
    assert response.status_code == 302
    page = client.get(_form_url(world.a_an_phu)).content.decode()
    assert "Đã gửi báo cáo" in page
    assert "Gửi đúng hạn" in page
    a = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert a.state == State.SUBMITTED
    assert Report.objects.get(assignment=a).values["pano"] == 4


def test_it_refuses_another_units_reporter_on_read_and_write(world: World) -> None:
    client = world.client_for(world.nam)
    assert client.get(_form_url(world.a_an_phu)).status_code == 404
    response = _post(client, world.a_an_phu, "submit", pano="99")
    assert response.status_code == 404
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()


def test_it_refuses_anonymous_visitors(world: World) -> None:
    response = Client().post(
        _form_url(world.a_an_phu), {"version": 0, "action": "submit", "pano": "1"}
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()


def test_it_explains_bad_values_and_keeps_the_saved_draft(world: World) -> None:
    client = world.client_for(world.hoa)
    _post(client, world.a_an_phu, "save", pano="2", narrative="bản nháp")
    a = Assignment.objects.get(pk=world.a_an_phu.pk)
    response = _post(client, a, "submit", pano="-3", luot_nguoi="nhiều")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Số liệu không được âm." in body
    assert "“nhiều” không phải là số." in body
    assert "chưa có gì được lưu" in body
    # What the person typed stays on the page so it can be corrected.
    assert 'value="nhiều"' in body
    report = Report.objects.get(assignment=a)
    assert report.values["pano"] == 2
    assert report.narrative == "bản nháp"


def test_it_answers_a_double_submit_with_a_message(world: World) -> None:
    client = world.client_for(world.hoa)
    version = world.a_an_phu.version
    _post(client, world.a_an_phu, "submit", version=version, pano="4")
    response = _post(client, world.a_an_phu, "submit", version=version, pano="5")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "đã được gửi lúc" in page
    assert ReportVersion.objects.filter(report__assignment=world.a_an_phu).count() == 1
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 4


def test_it_refuses_a_stale_form_with_a_message(world: World) -> None:
    client = world.client_for(world.hoa)
    _post(client, world.a_an_phu, "save", version=0, pano="4")
    response = _post(client, world.a_an_phu, "save", version=0, pano="7")
    page = client.get(response["Location"]).content.decode()
    assert "Báo cáo đã thay đổi sau khi bạn mở trang" in page
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 4


def test_it_refuses_a_post_without_version(world: World) -> None:
    client = world.client_for(world.hoa)
    response = client.post(_form_url(world.a_an_phu), {"action": "submit", "pano": "1"})
    assert response.status_code == 400
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.NOT_STARTED


def test_it_tells_an_expired_session_to_sign_in_again(world: World) -> None:
    client = world.client_for(world.hoa)
    _post(client, world.a_an_phu, "save", pano="4", narrative="đã lưu")
    client.cookies.pop("sessionid")
    a = Assignment.objects.get(pk=world.a_an_phu.pk)
    response = _post(client, a, "submit", pano="8")
    assert response.status_code == 302
    login_page = client.get(response["Location"]).content.decode()
    assert "Phiên làm việc đã hết hạn" in login_page
    report = Report.objects.get(assignment=a)
    assert report.values["pano"] == 4
    assert Assignment.objects.get(pk=a.pk).state == State.DRAFT


def test_it_shows_the_offices_comment_on_a_returned_report(world: World) -> None:
    from tonghop.reports import actions

    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": "1"}, "", expected_version=0, submit=True
    )
    actions.return_report(world.lan, world.a_an_phu.pk, "Thiếu ảnh pano", expected_version=1)
    body = world.client_for(world.hoa).get(_form_url(world.a_an_phu)).content.decode()
    assert "Thiếu ảnh pano" in body
    assert "Bị trả lại" in body
    assert "Gửi báo cáo" in body


def test_it_offers_english(world: World) -> None:
    client = world.client_for(world.hoa)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(_form_url(world.a_an_phu)).content.decode()
    assert "Submit report" in body
