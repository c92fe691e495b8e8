"""Choosing units: groups by kind, whole branches, single units, their union, always inside the
office's own tree; then adding and taking off units of an open campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.orgs.models import Membership, Role, Unit, UnitKind
from tonghop.reports import actions as report_actions
from tonghop.reports.models import Assignment, Report, State


@pytest.fixture
def branch(world: World) -> Unit:
    """The education office under the district office, with two schools below it and one
    kindergarten below the first school (three levels)."""
    pgd = Unit.objects.create(
        code="pgd", name="Phòng Giáo dục", kind=UnitKind.OFFICE, parent=world.office
    )
    first = Unit.objects.create(
        code="th-1", name="Trường Tiểu học 1", kind=UnitKind.SCHOOL, parent=pgd
    )
    Unit.objects.create(code="th-2", name="Trường Tiểu học 2", kind=UnitKind.SCHOOL, parent=pgd)
    Unit.objects.create(code="mn-1", name="Điểm trường Mầm non", kind=UnitKind.SCHOOL, parent=first)
    return pgd


def _create(world: World, title: str = "Đợt chọn đơn vị", **picked: Any) -> Any:
    data = {
        "office": world.office.pk,
        "title": title,
        "due_date": "2031-01-31",
        "due_time": "17:00",
        "preset": "narrative",
        "unit_kinds": [],
        **picked,
    }
    return world.client_for(world.lan).post(reverse("campaigns:new"), data)


def _codes(title: str = "Đợt chọn đơn vị") -> list[str]:
    campaign = Campaign.objects.get(title=title)
    return sorted(a.unit.code for a in campaign.assignments.all())


def test_it_shows_the_tree_indented_without_inactive_units(world: World, branch: Unit) -> None:
    Unit.objects.filter(code="th-2").update(is_active=False)
    body = world.client_for(world.lan).get(reverse("campaigns:new")).content.decode()
    mn = Unit.objects.get(code="mn-1")
    assert f'<li class="depth-2"><label for="unit-{mn.pk}">' in body
    assert f'<li class="depth-0"><label for="branch-{branch.pk}">' in body
    th2 = Unit.objects.get(code="th-2")
    assert f'value="{th2.pk}"' not in body
    assert f'value="{world.other_office.pk}"' not in body


def test_creating_leads_to_sending_the_directive(world: World) -> None:
    response = _create(world, unit_kinds=["commune"])
    campaign = Campaign.objects.get(title="Đợt chọn đơn vị")
    # Starting a campaign is sending its directive: the next page says who will get it.
    assert response["Location"] == reverse("reminders:directive", args=[campaign.slug])
    page = world.client_for(world.lan).get(response["Location"]).content.decode()
    # An Phú and Bình Minh: both have a reporter account and no email, so in the app only.
    assert '<b data-figure="app">2</b>' in page
    assert world.an_phu.name in page and world.binh_minh.name in page


def test_it_hands_the_campaign_to_a_group(world: World, branch: Unit) -> None:
    assert _create(world, unit_kinds=["school"]).status_code == 302
    assert _codes() == ["mn-1", "th-1", "th-2", "thcs-an-phu"]


def test_it_hands_the_campaign_to_a_whole_branch(world: World, branch: Unit) -> None:
    assert _create(world, subtrees=[str(branch.pk)]).status_code == 302
    assert _codes() == ["mn-1", "pgd", "th-1", "th-2"]


def test_it_hands_the_campaign_to_single_units(world: World, branch: Unit) -> None:
    th2 = Unit.objects.get(code="th-2")
    assert _create(world, units=[world.an_phu.pk, th2.pk]).status_code == 302
    assert _codes() == ["th-2", "xa-an-phu"]


def test_it_takes_the_union_once(world: World, branch: Unit) -> None:
    first = Unit.objects.get(code="th-1")
    response = _create(
        world,
        unit_kinds=["commune"],
        subtrees=[str(first.pk), str(branch.pk)],
        units=[world.an_phu.pk, first.pk],
    )
    assert response.status_code == 302
    assert _codes() == ["mn-1", "pgd", "th-1", "th-2", "xa-an-phu", "xa-binh-minh"]


def test_it_counts_the_chosen_units_before_creating(world: World, branch: Unit) -> None:
    response = _create(world, unit_kinds=["commune"], units=[world.an_phu.pk], action="check")
    assert response.status_code == 200
    assert 'data-chosen="2"' in response.content.decode()
    assert not Campaign.objects.filter(title="Đợt chọn đơn vị").exists()


@pytest.mark.parametrize("value", ["foreign", "999999", "abc", "-1", "1" * 500, "1.5", ""])
def test_it_refuses_a_unit_outside_the_tree(world: World, value: str) -> None:
    foreign = Unit.objects.create(
        code="xa-khac", name="Xã khác", kind=UnitKind.COMMUNE, parent=world.other_office
    )
    sent = str(foreign.pk) if value == "foreign" else value
    for field in ("units", "subtrees"):
        picked: dict[str, Any] = {"unit_kinds": ["commune"], field: [sent]}
        response = _create(world, **picked)
        assert response.status_code == 400
        assert response.context["form"].errors[field]
    assert not Campaign.objects.filter(title="Đợt chọn đơn vị").exists()


def test_it_refuses_a_unit_of_another_of_ones_offices(world: World) -> None:
    """Lan works for both offices: both trees are offered, but one campaign takes one tree."""
    Membership.objects.create(user=world.lan, unit=world.other_office, role=Role.SPECIALIST)
    other = Unit.objects.create(
        code="xa-khac", name="Xã khác", kind=UnitKind.COMMUNE, parent=world.other_office
    )
    page = world.client_for(world.lan).get(reverse("campaigns:new")).content.decode()
    assert f'value="{other.pk}"' in page and 'class="office-name"' in page
    response = _create(world, units=[world.an_phu.pk, other.pk])
    assert response.status_code == 400
    assert "Xã khác" in str(response.context["form"].errors["units"])
    assert not Campaign.objects.filter(title="Đợt chọn đơn vị").exists()


def test_it_refuses_an_inactive_unit_sent_by_hand(world: World) -> None:
    Unit.objects.filter(pk=world.binh_minh.pk).update(is_active=False)
    assert _create(world, units=[world.binh_minh.pk]).status_code == 400
    assert _create(world, unit_kinds=["commune"]).status_code == 302
    assert _codes() == ["xa-an-phu"]


def test_it_refuses_a_campaign_without_units(world: World) -> None:
    response = _create(world)
    assert response.status_code == 400
    assert response.context["form"].errors["units"]


def test_it_refuses_a_reserved_short_name(world: World) -> None:
    response = _create(world, unit_kinds=["commune"], slug="templates")
    assert response.status_code == 400
    assert not Campaign.objects.filter(slug="templates").exists()


# --- The units of an open campaign ----------------------------------------------------------


def _units_url(world: World, name: str = "campaigns:units", *args: Any) -> str:
    return reverse(name, args=[world.campaign.slug, *args])


def test_it_shows_the_units_to_the_office_only(world: World) -> None:
    response = world.client_for(world.lan).get(_units_url(world))
    assert response.status_code == 200
    body = response.content.decode()
    for unit in (world.an_phu, world.binh_minh, world.school):
        assert f'data-unit="{unit.code}"' in body
    for person in (world.tu, world.hoa, world.nam):
        assert world.client_for(person).get(_units_url(world)).status_code == 404


def test_it_adds_units_due_at_the_campaigns_time(world: World, branch: Unit) -> None:
    client = world.client_for(world.thach)
    response = client.post(
        _units_url(world, "campaigns:units-add"),
        {"subtrees": [branch.pk], "units": [world.an_phu.pk]},
    )
    assert response.status_code == 302
    added = world.campaign.assignments.active().filter(unit__parent__isnull=False)
    assert sorted(a.unit.code for a in added) == sorted(
        ["mn-1", "pgd", "th-1", "th-2", "thcs-an-phu", "xa-an-phu", "xa-binh-minh"]
    )
    assert all(a.due_at == world.campaign.due_at for a in added)
    assert world.campaign.assignments.filter(unit=world.an_phu).count() == 1


def test_it_refuses_to_add_a_foreign_unit(world: World) -> None:
    foreign = Unit.objects.create(
        code="xa-khac", name="Xã khác", kind=UnitKind.COMMUNE, parent=world.other_office
    )
    response = world.client_for(world.lan).post(
        _units_url(world, "campaigns:units-add"), {"units": [foreign.pk]}
    )
    assert response.status_code == 400
    assert not world.campaign.assignments.filter(unit=foreign).exists()
    response = world.client_for(world.lan).post(_units_url(world, "campaigns:units-add"), {})
    assert response.status_code == 400


def test_it_takes_off_a_unit_that_has_not_started_and_brings_it_back(world: World) -> None:
    client = world.client_for(world.lan)
    url = _units_url(world, "campaigns:units-remove", world.a_school.pk)
    assert client.post(url).status_code == 302
    world.a_school.refresh_from_db()
    assert not world.a_school.is_active
    assert world.campaign.assignments.figures().expected == 2
    assert 'data-unit="thcs-an-phu"' not in client.get(_units_url(world)).content.decode()
    client.post(_units_url(world, "campaigns:units-add"), {"units": [world.school.pk]})
    assert Assignment.objects.filter(campaign=world.campaign, unit=world.school).count() == 1
    world.a_school.refresh_from_db()
    assert world.a_school.is_active


def test_it_refuses_to_take_off_a_unit_with_a_report(world: World) -> None:
    report_actions.save_report(
        world.nam, world.a_binh_minh.pk, {"pano": "1"}, "Nháp", expected_version=0, submit=False
    )
    report_actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "2"},
        "Đã nộp",
        expected_version=0,
        submit=True,
    )
    client = world.client_for(world.lan)
    for assignment in (world.a_binh_minh, world.a_an_phu):
        response = client.post(_units_url(world, "campaigns:units-remove", assignment.pk))
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.is_active
        page = client.get(response["Location"]).content.decode()
        assert assignment.unit.name in page  # the refusal names the unit
    assert Report.objects.count() == 2
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.SUBMITTED


def test_it_changes_no_units_of_a_closed_campaign(world: World) -> None:
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.CLOSED)
    client = world.client_for(world.lan)
    client.post(_units_url(world, "campaigns:units-remove", world.a_school.pk))
    new = Unit.objects.create(code="xa-moi", name="Xã mới", kind="commune", parent=world.office)
    client.post(_units_url(world, "campaigns:units-add"), {"units": [new.pk]})
    world.a_school.refresh_from_db()
    assert world.a_school.is_active
    assert not world.campaign.assignments.filter(unit=new).exists()
    assert 'id="closed"' in client.get(_units_url(world)).content.decode()


def test_it_takes_off_only_units_of_this_campaign(world: World) -> None:
    other = Campaign.objects.create(
        office=world.office, slug="khac", title="Khác", due_at=world.campaign.due_at
    )
    stranger = Assignment.objects.create(
        campaign=other, unit=world.school, due_at=world.campaign.due_at
    )
    url = _units_url(world, "campaigns:units-remove", stranger.pk)
    assert world.client_for(world.lan).post(url).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
