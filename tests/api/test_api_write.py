"""A unit's own software writes its report through the API: the same checks, states, history
and receipt as the form; refusals say why and keep what was saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World
from tonghop.api import tokens
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports.models import AssignmentEvent, Report, ReportVersion


def _put(world: World, person: Any, body: Any, assignment: Any = None) -> Any:
    token = tokens.issue_token(person, "phần mềm của xã")[1]
    target = assignment or world.a_an_phu
    return Client().put(
        f"/api/v1/assignments/{target.pk}/report",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _stored(world: World) -> tuple[Any, ...]:
    world.a_an_phu.refresh_from_db()
    report = Report.objects.filter(assignment=world.a_an_phu).first()
    values = None if report is None else (report.values, report.narrative)
    return world.a_an_phu.state, world.a_an_phu.version, values


def test_a_draft_then_a_submission_with_its_receipt(world: World) -> None:
    draft = _put(
        world,
        world.hoa,
        {"values": {"pano": 17, "ty_le": 2.5, "khau_hieu": "Sáng tạo"}, "version": 0},
    )
    assert draft.status_code == 200, draft.content
    saved = draft.json()
    assert saved["assignment"]["state"] == "draft" and saved["receipt_number"] is None
    assert saved["assignment"]["report"]["values"]["pano"] == 17
    assert saved["assignment"]["report"]["values"]["ty_le"] == "2.5"  # 2.5, not 25
    version = saved["assignment"]["version"]
    # Text as Vietnamese write it is read as the form reads it.
    body = {
        "values": {"pano": "1.250", "luot_nguoi": 300.0, "ty_le": "2,75"},
        "narrative": "Treo pano tại trụ sở.",
        "version": version,
        "submit": True,
    }
    submitted = _put(world, world.hoa, body)
    assert submitted.status_code == 200, submitted.content
    answer = submitted.json()
    assert answer["assignment"]["state"] == "submitted"
    values = answer["assignment"]["report"]["values"]
    assert values["pano"] == 1250 and values["luot_nguoi"] == 300 and values["ty_le"] == "2.75"
    assert values["khau_hieu"] is None  # left out: left empty, as the form would
    receipt = ReportVersion.objects.get(report__assignment=world.a_an_phu)
    assert answer["receipt_number"] == receipt.receipt_number
    steps = list(world.a_an_phu.events.order_by("pk").values_list("step", "actor__username"))
    assert steps == [("save", "hoa"), ("submit", "hoa")]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"pano": -2}, "pano", "Số liệu không được âm."),
        ({"pano": 2.5}, "pano", "Vui lòng nhập số nguyên."),
        ({"pano": "nhiều"}, "pano", "“nhiều” không phải là số."),
        ({"pano": 1e300}, "pano", "Số này quá lớn."),
        ({"khong_co": 1}, "khong_co", "Biểu mẫu không có ô này."),
    ],
)
def test_a_refused_value_says_which_and_why_and_saves_nothing(
    world: World, values: dict[str, Any], field: str, message: str
) -> None:
    before = _stored(world)
    response = _put(world, world.hoa, {"values": values, "version": 0})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"loc": ["body", "values", field], "msg": message, "type": "refused"} in errors
    assert _stored(world) == before


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00",
        b"{not json",
        b"[]",
        b'{"values": {"pano": [1, 2]}, "version": 0}',
        b'{"values": {"pano": {"a": 1}}, "version": 0}',
        b'{"values": {}, "version": -1}',
        b'{"values": {}}',
        b'{"values": {}, "version": 0, "narrative": "' + b"x" * 20001 + b'"}',
    ],
)
def test_a_malformed_body_is_refused_clearly(world: World, body: bytes) -> None:
    before = _stored(world)
    response = _put(world, world.hoa, body)
    assert response.status_code in (400, 422)
    assert response.json()["detail"] in (
        "Nội dung yêu cầu không phải JSON hợp lệ.",
        "Một số tham số không hợp lệ.",
    )
    assert _stored(world) == before


def test_a_stale_version_or_a_submitted_report_is_told_not_overwritten(world: World) -> None:
    assert _put(world, world.hoa, {"values": {"pano": 3}, "version": 0}).status_code == 200
    stale = _put(world, world.hoa, {"values": {"pano": 4}, "version": 0})
    assert stale.status_code == 409 and "thay đổi" in stale.json()["detail"]
    assert _stored(world)[2] == (
        {"pano": 3, "luot_nguoi": None, "ty_le": None, "khau_hieu": None},
        "",
    )
    version = _stored(world)[1]
    assert (
        _put(
            world, world.hoa, {"values": {"pano": 5}, "version": version, "submit": True}
        ).status_code
        == 200
    )
    again = _put(world, world.hoa, {"values": {"pano": 6}, "version": version + 1})
    assert again.status_code == 409 and "đã được gửi" in again.json()["detail"]
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == "submitted"


def test_a_closed_campaign_takes_nothing(world: World) -> None:
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    response = _put(world, world.hoa, {"values": {"pano": 3}, "version": 0})
    assert response.status_code == 409
    assert not Report.objects.exists()


def test_only_the_units_reporter_writes(world: World) -> None:
    body = {"values": {"pano": 99}, "narrative": "ghi đè", "version": 0, "submit": True}
    for person in (world.nam, world.lan, world.thach, world.tu):
        response = _put(world, person, body)
        assert response.status_code == 404
    assert (
        Client()
        .put(
            f"/api/v1/assignments/{world.a_an_phu.pk}/report", body, content_type="application/json"
        )
        .status_code
        == 401
    )
    assert not Report.objects.exists() and not AssignmentEvent.objects.exists()


def test_files_are_not_sent_through_the_api(world: World) -> None:
    from tonghop.campaigns.form_models import Indicator

    Indicator.objects.create(
        campaign=world.campaign, code="anh", label="Ảnh pano", kind="file", aggregation="count"
    )
    response = _put(world, world.hoa, {"values": {"anh": "pano.jpg"}, "version": 0})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "values", "anh"]
    assert error["msg"] == "Tệp được đính kèm trên trang báo cáo, không qua API."
    # Left out, a FILE field takes its files as the form does: none here, and it is not required.
    saved = _put(world, world.hoa, {"values": {"pano": 1}, "version": 0})
    assert (
        saved.status_code == 200 and saved.json()["assignment"]["report"]["values"]["anh"] is None
    )
