"""Copying a campaign: the new-campaign page pre-filled with its words, its form (every
attribute of every indicator, and its rules across fields) and its units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import World
from tonghop.campaigns.actions import indicator_attributes, rules_of
from tonghop.campaigns.form_models import FormRule, Indicator
from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import Unit


def _richer_form(world: World) -> None:
    """Give the World's form attributes beyond the defaults, so that a copy that dropped one
    would show."""
    Indicator.objects.filter(campaign=world.campaign, code="pano").update(
        help_text="Đếm cả pano ở nhà văn hóa", min_value=Decimal(1), max_value=Decimal(500)
    )
    Indicator.objects.create(
        campaign=world.campaign,
        order=9,
        code="muc_do",
        label="Mức độ hưởng ứng",
        kind="choice",
        aggregation="count",
        choices=["Tốt", "Khá", "Trung bình"],
        required=True,
    )
    FormRule.objects.create(
        campaign=world.campaign,
        if_indicator=world.campaign.indicators.get(code="pano"),
        if_op="gt",
        if_value=0,
        then_indicator=world.campaign.indicators.get(code="luot_nguoi"),
        then_op="ge",
        then_value=1,
        message="Có pano thì phải có người tham gia.",
    )


def _form(campaign: Campaign) -> list[dict[str, Any]]:
    return [indicator_attributes(i) for i in campaign.indicators.order_by("order", "pk")]


def _copy_url(world: World) -> str:
    return reverse("campaigns:new") + f"?copy={world.campaign.slug}"


def _posted(page: Any, **more: Any) -> dict[str, Any]:
    """What a browser would send back from the page: the form's own values, plus `more`."""
    form = page.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if name == "unit_file" or value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else value
    data["office"] = str(getattr(data["office"], "pk", data["office"]))
    data.update(more)
    return data


def test_it_prefills_the_copy_and_leaves_the_dates_to_set(world: World) -> None:
    _richer_form(world)
    world.campaign.description = "Tổ chức các hoạt động hưởng ứng."
    world.campaign.report_to_email = "so@example.vn"
    world.campaign.save()
    page = world.client_for(world.lan).get(_copy_url(world))
    assert page.status_code == 200
    with translation.override("vi"):
        title = gettext("%(title)s (copy)") % {"title": world.campaign.title}
    form = page.context["form"]
    assert form["title"].value() == title
    assert form["description"].value() == "Tổ chức các hoạt động hưởng ứng."
    assert form["report_to"].value() == "Sở Khoa học và Công nghệ"
    assert form["report_to_email"].value() == "so@example.vn"
    assert form["report_symbol"].value() == "BC-VHKHTT"
    assert form["preset"].value() == f"campaign-{world.campaign.pk}"
    assert form["due_date"].value() is None and form["period_start"].value() is None
    assert form["unit_kinds"].value() == []
    expected = sorted(str(u.pk) for u in (world.an_phu, world.binh_minh, world.school))
    assert sorted(form["units"].value()) == expected
    body = page.content.decode()
    for unit in (world.an_phu, world.binh_minh, world.school):
        assert f'id="unit-{unit.pk}" checked' in body
    assert 'id="copy-of"' in body


def test_it_creates_a_copy_with_the_same_form_and_units(world: World) -> None:
    _richer_form(world)
    client = world.client_for(world.lan)
    page = client.get(_copy_url(world))
    response = client.post(
        _copy_url(world), _posted(page, due_date="2031-06-30", due_time="17:00", slug="ban-sao")
    )
    assert response.status_code == 302
    copy = Campaign.objects.get(slug="ban-sao")
    assert copy.pk != world.campaign.pk
    assert _form(copy) == _form(world.campaign)
    assert [i.code for i in copy.indicators.all()] == [
        "pano",
        "luot_nguoi",
        "ty_le",
        "khau_hieu",
        "muc_do",
    ]
    choice = copy.indicators.get(code="muc_do")
    assert choice.choices == ["Tốt", "Khá", "Trung bình"]
    assert choice.pk != world.campaign.indicators.get(code="muc_do").pk
    assert rules_of(copy) == rules_of(world.campaign)
    rule = copy.rules.get()
    assert rule.if_indicator is not None and rule.if_indicator.campaign_id == copy.pk
    units = {a.unit_id for a in copy.assignments.active()}
    assert units == {a.unit_id for a in world.campaign.assignments.active()}
    due = dt.datetime(2031, 6, 30, 17, 0, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    assert {a.due_at for a in copy.assignments.all()} == {due}
    assert copy.report_symbol == world.campaign.report_symbol
    # The original is untouched.
    assert world.campaign.indicators.count() == 5 and world.campaign.rules.count() == 1


def test_it_leaves_out_units_no_longer_in_the_tree(world: World) -> None:
    Unit.objects.filter(pk=world.school.pk).update(is_active=False)
    page = world.client_for(world.lan).get(_copy_url(world))
    assert sorted(page.context["form"]["units"].value()) == sorted(
        str(u.pk) for u in (world.an_phu, world.binh_minh)
    )
    assert page.context["notes"]


def test_it_copies_a_campaign_of_ones_own_offices_only(world: World) -> None:
    url = _copy_url(world)
    for person in (world.tu, world.hoa, world.nam):
        assert world.client_for(person).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    # Tú names the campaign's form by hand on his own new campaign: refused.
    tu_office = world.other_office
    response = world.client_for(world.tu).post(
        reverse("campaigns:new"),
        {
            "office": tu_office.pk,
            "title": "Chép trộm",
            "due_date": "2031-01-31",
            "due_time": "17:00",
            "unit_kinds": ["commune"],
            "preset": f"campaign-{world.campaign.pk}",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["preset"]
    assert not Campaign.objects.filter(title="Chép trộm").exists()


def test_it_refuses_a_bad_copy_reference(world: World) -> None:
    client = world.client_for(world.lan)
    for slug in ("khong-co", "../admin", "x" * 5000, "<script>"):
        assert client.get(reverse("campaigns:new"), {"copy": slug}).status_code == 404
