"""The JSON API: who reads what with a token, what the answers hold, and what bad requests get.

The people of conftest.py each make a token; Nam (reporter of Bình Minh) and Tú (specialist of
another office) must find nothing of An Phú's report; a revoked, expired or forged token, a
disabled account and a session cookie without a token all get 401 and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World
from tonghop.api import tokens
from tonghop.api.models import ApiToken
from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns.models import CampaignStatus
from tonghop.orgs.models import User
from tonghop.reports import actions

API = "/api/v1"


def _token(user: User) -> str:
    return tokens.issue_token(user, "Hệ thống của Sở")[1]


def _get(token: str, path: str, **params: Any) -> Any:
    return Client().get(API + path, params, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def submitted(world: World) -> World:
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 17, "luot_nguoi": 1250, "ty_le": "2,5", "khau_hieu": "Sáng tạo"},
        "Treo 17 pano.",
        expected_version=0,
        submit=True,
    )
    return world


def test_the_office_reads_its_campaign_and_every_units_report(submitted: World) -> None:
    world = submitted
    token = _token(world.lan)
    me = _get(token, "/me").json()
    assert me["username"] == "lan" and me["offices"] == [
        {"code": "phong-vhkhtt", "name": world.office.name}
    ]
    [campaign] = _get(token, "/campaigns").json()
    assert campaign["slug"] == world.campaign.slug
    assert campaign["figures"]["expected"] == 3 and campaign["figures"]["submitted"] == 1
    detail = _get(token, f"/campaigns/{world.campaign.slug}").json()
    assert [i["code"] for i in detail["indicators"]] == [
        i.code for i in world.campaign.indicators.all()
    ]
    page = _get(token, f"/campaigns/{world.campaign.slug}/assignments").json()
    assert page["count"] == 3
    by_unit = {item["unit"]["code"]: item for item in page["items"]}
    an_phu = by_unit["xa-an-phu"]
    assert an_phu["state"] == "submitted" and an_phu["status"] == "on_time"
    assert an_phu["report"]["values"]["pano"] == 17
    assert an_phu["report"]["values"]["ty_le"] == "2.5"
    assert an_phu["report"]["narrative"] == "Treo 17 pano."
    assert by_unit["xa-binh-minh"]["report"] is None
    on_time = _get(token, f"/campaigns/{world.campaign.slug}/assignments", status="on_time")
    assert [i["unit"]["code"] for i in on_time.json()["items"]] == ["xa-an-phu"]
    second = _get(token, f"/campaigns/{world.campaign.slug}/assignments", limit=1, offset=1)
    assert second.json()["count"] == 3 and len(second.json()["items"]) == 1


def test_the_campaign_list_costs_the_same_for_many_campaigns(world: World) -> None:
    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.reports.assigning import create_campaign

    token = _token(world.lan)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _get(token, "/campaigns").status_code == 200
        return len(captured)

    queries()  # the token's first use is written down once
    one = queries()
    for number in range(4):
        create_campaign(
            world.office,
            CampaignSpec(
                slug=f"dot-{number}",
                title=f"Đợt {number}",
                due_at=timezone.now() + dt.timedelta(days=3),
                indicators=(IndicatorSpec("so", "Số", "integer", "sum"),),
            ),
            [world.an_phu, world.binh_minh],
            by=world.lan,
        )
    assert queries() == one
    assert len(_get(token, "/campaigns").json()) == 5


def test_a_reporter_reads_its_own_unit_only(submitted: World) -> None:
    world = submitted
    hoa, nam = _token(world.hoa), _token(world.nam)
    [campaign] = _get(hoa, "/campaigns").json()
    assert campaign["figures"] is None  # the office's figures are the office's
    assert _get(hoa, f"/campaigns/{world.campaign.slug}").status_code == 200
    # The list of every unit's report is the office's.
    assert _get(hoa, f"/campaigns/{world.campaign.slug}/assignments").status_code == 404
    mine = _get(hoa, "/assignments").json()
    assert [i["id"] for i in mine["items"]] == [world.a_an_phu.pk]
    assert _get(hoa, f"/assignments/{world.a_an_phu.pk}").json()["report"]["values"]["pano"] == 17
    # Nam, of Bình Minh, finds nothing of An Phú's.
    response = _get(nam, f"/assignments/{world.a_an_phu.pk}")
    assert response.status_code == 404 and "17" not in response.content.decode()
    assert [i["id"] for i in _get(nam, "/assignments").json()["items"]] == [world.a_binh_minh.pk]


def test_another_office_sees_nothing(submitted: World) -> None:
    world = submitted
    tu = _token(world.tu)
    assert _get(tu, "/campaigns").json() == []
    assert _get(tu, "/assignments").json() == {"count": 0, "limit": 100, "offset": 0, "items": []}
    for path in (
        f"/campaigns/{world.campaign.slug}",
        f"/campaigns/{world.campaign.slug}/assignments",
        f"/assignments/{world.a_an_phu.pk}",
    ):
        response = _get(tu, path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Không tìm thấy, hoặc bạn không được xem."}


def test_a_draft_campaign_is_not_shown_to_units(world: World) -> None:
    world.campaign.status = CampaignStatus.DRAFT
    world.campaign.save()
    assert _get(_token(world.hoa), "/campaigns").json() == []
    assert _get(_token(world.lan), "/campaigns").json()[0]["status"] == "draft"


def test_without_a_good_token_nothing_is_read(submitted: World) -> None:
    world = submitted
    token, text = tokens.issue_token(world.lan, "Bảng theo dõi")
    expired, expired_text = tokens.issue_token(world.lan, "Cũ")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    disabled_user = User.objects.create_user("cu", password=None, is_active=True)
    disabled_text = _token(disabled_user)
    User.objects.filter(pk=disabled_user.pk).update(is_active=False)
    revoked_token, revoked_text = tokens.issue_token(world.lan, "Đã thu hồi")
    tokens.revoke_token(world.lan, revoked_token.pk)
    session = Client()
    session.force_login(world.lan)  # a browser's session is not a token
    bad = [
        Client().get(f"{API}/campaigns"),
        session.get(f"{API}/campaigns"),
        _get(expired_text, "/campaigns"),
        _get(revoked_text, "/campaigns"),
        _get(disabled_text, "/campaigns"),
        _get(text[:-1] + ("A" if text[-1] != "A" else "B"), "/campaigns"),
        _get("thk_" + "x" * 5000, "/campaigns"),
        _get("", "/campaigns"),
        Client().get(f"{API}/campaigns", headers={"Authorization": f"Basic {text}"}),
    ]
    for response in bad:
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "Sở" not in response.content.decode()
        assert response.json()["detail"].startswith("Cần mã truy cập API hợp lệ")
    assert _get(text, "/campaigns").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": "nhiều"},
        {"offset": -1},
        {"offset": "1e9"},
        {"status": "gửi"},
        {"limit": "9" * 400},
    ],
)
def test_bad_parameters_are_refused_clearly(world: World, params: dict[str, Any]) -> None:
    response = _get(_token(world.lan), f"/campaigns/{world.campaign.slug}/assignments", **params)
    assert response.status_code == 422
    assert response.json()["detail"] == "Một số tham số không hợp lệ."


def test_a_program_may_ask_for_english(world: World) -> None:
    token = _token(world.tu)
    path = f"{API}/campaigns/{world.campaign.slug}"
    english = Client().get(
        path, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en-US,en;q=0.9"}
    )
    assert english.json() == {"detail": "Not found, or not yours to see."}
    assert _get(token, f"/campaigns/{world.campaign.slug}").json()["detail"].startswith("Không")


def test_a_misspelt_filter_is_refused_not_ignored(world: World) -> None:
    token = _token(world.lan)
    url = f"/campaigns/{world.campaign.slug}/assignments"
    response = _get(token, url, stauts="late")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["query", "stauts"] and error["msg"] == "Tham số không được hỗ trợ."
    assert _get(token, "/me", page="2").status_code == 422
    assert _get(token, url, status="late").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/campaigns/" + "a" * 5000,
        "/campaigns/%00",
        "/campaigns/..%2F..%2Fetc",
        "/campaigns/sang-tao-test%27%20OR%201=1",
        "/assignments/99999999999999999999999",
        "/assignments/-1",
        "/assignments/một",
    ],
)
def test_hostile_paths_are_not_found(world: World, path: str) -> None:
    response = _get(_token(world.lan), path)
    assert response.status_code in (404, 422)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_the_api_writes_nothing(submitted: World) -> None:
    token = _token(submitted.lan)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{API}/assignments/{submitted.a_an_phu.pk}"
    for method in ("post", "put", "patch", "delete"):
        response = getattr(Client(), method)(
            url, {}, content_type="application/json", headers=headers
        )
        assert response.status_code == 405
    submitted.a_an_phu.refresh_from_db()
    assert submitted.a_an_phu.state == "submitted"


def test_the_schema_is_public_and_describes_the_token(world: World) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/me",
        "/api/v1/campaigns",
        "/api/v1/campaigns/{slug}",
        "/api/v1/campaigns/{slug}/assignments",
        "/api/v1/assignments",
        "/api/v1/assignments/{assignment_id}",
    }
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert Client().get(f"{API}/docs").status_code == 404  # no page loading outside scripts


def test_tokens_are_audited(world: World) -> None:
    token, _text = tokens.issue_token(world.lan, "Bảng theo dõi")
    tokens.revoke_token(world.lan, token.pk)
    events = AuditEvent.objects.filter(action=Action.PERMISSION, actor=world.lan)
    assert sorted(e.details["api_token"] for e in events) == ["issued", "revoked"]
