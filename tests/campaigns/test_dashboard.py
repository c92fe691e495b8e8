from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import VN, World
from tonghop.campaigns.actions import CampaignSpec
from tonghop.orgs.models import Unit, UnitKind, User
from tonghop.reports import actions, dashboard
from tonghop.reports.assigning import create_campaign


def _submit(world: World, assignment_pk: int, user: User, when: dt.datetime) -> None:
    actions.save_report(
        user,
        assignment_pk,
        {"pano": "1"},
        "",
        expected_version=0,
        submit=True,
        now=when,
    )


def test_it_breaks_figures_down_by_group(world: World) -> None:
    _submit(world, world.a_an_phu.pk, world.hoa, dt.datetime(2030, 5, 1, 9, tzinfo=VN))
    groups = {b.label: b.figures for b in dashboard.by_group(world.campaign)}
    assert groups["Xã, thị trấn"].expected == 2
    assert groups["Xã, thị trấn"].submitted == 1
    assert groups["Trường học"].missing == 1


def test_it_sums_figures_along_the_tree(world: World) -> None:
    # Two schools under the education office: one branch of the tree.
    education = Unit.objects.create(
        code="phong-gd-dt",
        name="Phòng Giáo dục và Đào tạo",
        kind=UnitKind.AGENCY,
        parent=world.office,
    )
    world.school.parent = education
    world.school.save()
    second = Unit.objects.create(
        code="th-kim-son", name="Trường Tiểu học Kim Sơn", kind=UnitKind.SCHOOL, parent=education
    )
    campaign = create_campaign(
        world.office,
        CampaignSpec(slug="cay", title="Cây", due_at=dt.datetime(2030, 1, 1, tzinfo=VN)),
        [world.an_phu, world.school, second],
        by=world.lan,
    )
    branches = {b.label: b.figures for b in dashboard.by_subtree(campaign)}
    assert list(branches) == ["Phòng Giáo dục và Đào tạo"]
    assert branches["Phòng Giáo dục và Đào tạo"].expected == 2


def test_it_draws_submissions_against_the_due_date(world: World) -> None:
    _submit(world, world.a_an_phu.pk, world.hoa, dt.datetime(2030, 5, 1, 23, 30, tzinfo=VN))
    _submit(world, world.a_binh_minh.pk, world.nam, dt.datetime(2030, 5, 3, 8, 0, tzinfo=VN))
    line = dashboard.timeline(world.campaign)
    # 23:30 on 1 May in Vietnam is still 1 May, whatever the server's clock says.
    assert line.days == [(dt.date(2030, 5, 1), 1, 1), (dt.date(2030, 5, 3), 1, 2)]
    assert line.due == dt.date(2030, 5, 5)
    assert line.svg_points().startswith("0.0,160.0")
    page = world.client_for(world.lan).get(reverse("campaigns:detail", args=[world.campaign.slug]))
    assert "<polyline" in page.content.decode()


def test_the_dashboard_takes_the_same_queries_for_more_units(world: World) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:detail", args=[world.campaign.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(40):
        unit = Unit.objects.create(
            code=f"xa-{n}", name=f"Xã {n}", kind=UnitKind.COMMUNE, parent=world.office
        )
        world.campaign.assignments.create(unit=unit, due_at=world.campaign.due_at)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_it_lists_missing_units_sorted_and_as_csv(world: World) -> None:
    _submit(world, world.a_an_phu.pk, world.hoa, dt.datetime(2030, 5, 1, 9, tzinfo=VN))
    world.binh_minh.contact_name = "=HYPERLINK(1)"
    world.binh_minh.save()
    client = world.client_for(world.lan)
    url = reverse("campaigns:missing", args=[world.campaign.slug])
    page = client.get(url + "?sort=kind").content.decode()
    assert 'data-unit="xa-an-phu"' not in page
    assert page.index('data-unit="xa-binh-minh"') < page.index('data-unit="thcs-an-phu"')
    body = client.get(url + "?format=csv").content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "UBND xã Bình Minh" in body and "UBND xã An Phú" not in body
    assert "'=HYPERLINK(1)" in body


def test_it_shows_what_a_unit_owes(world: World) -> None:
    client = world.client_for(world.lan)
    page = client.get(reverse("unit-duties", args=["xa-an-phu"]))
    assert page.status_code == 200
    assert world.campaign.title in page.content.decode()
    for intruder in (world.hoa, world.nam, world.tu):
        assert (
            world.client_for(intruder).get(reverse("unit-duties", args=["xa-an-phu"])).status_code
            == 404
        )
        assert (
            world.client_for(intruder)
            .get(reverse("campaigns:missing", args=[world.campaign.slug]))
            .status_code
            == 404
        )
