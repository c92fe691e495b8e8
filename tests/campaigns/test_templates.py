"""Form templates: save a campaign's form as one, start a campaign from it, rename and retire
it; another office neither sees nor uses it. The built-in forms of presets.py are listed too."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.actions import attributes_to_json, indicator_attributes
from tonghop.campaigns.form_models import FormRule, FormTemplate
from tonghop.campaigns.models import Campaign
from tonghop.campaigns.presets import PRESETS


def _save(world: World, name: str = "Mẫu Sáng tạo", **more: Any) -> Any:
    return world.client_for(world.lan).post(
        reverse("campaigns:template-save", args=[world.campaign.slug]),
        {"name": name, "description": "Biểu mẫu năm 2025", **more},
    )


def _new(world: World, person: Any, preset: str, title: str = "Đợt theo mẫu") -> Any:
    office = world.office if person in (world.lan, world.thach) else world.other_office
    return world.client_for(person).post(
        reverse("campaigns:new"),
        {
            "office": office.pk,
            "title": title,
            "due_date": "2031-01-31",
            "due_time": "17:00",
            "unit_kinds": ["commune"],
            "preset": preset,
        },
    )


def _form(campaign: Campaign) -> list[dict[str, Any]]:
    return [indicator_attributes(i) for i in campaign.indicators.order_by("order", "pk")]


def test_it_saves_a_campaigns_form_as_a_template(world: World) -> None:
    FormRule.objects.create(
        campaign=world.campaign,
        then_indicator=world.campaign.indicators.get(code="ty_le"),
        then_op="le",
        then_value="100",
        message="Tỷ lệ không quá 100%.",
    )
    response = _save(world)
    template = FormTemplate.objects.get()
    assert response["Location"] == reverse("campaigns:template", args=[template.pk])
    assert (template.office, template.name, template.created_by) == (
        world.office,
        "Mẫu Sáng tạo",
        world.lan,
    )
    assert template.indicators == [attributes_to_json(a) for a in _form(world.campaign)]
    assert [item["code"] for item in template.indicators] == [
        "pano",
        "luot_nguoi",
        "ty_le",
        "khau_hieu",
    ]
    assert template.rules[0]["then_indicator"] == "ty_le"
    page = world.client_for(world.thach).get(response["Location"]).content.decode()
    assert 'data-code="luot_nguoi"' in page and "Mẫu Sáng tạo" in page


def test_it_starts_a_campaign_from_a_template(world: World) -> None:
    _save(world)
    template = FormTemplate.objects.get()
    page = world.client_for(world.lan).get(reverse("campaigns:new")).content.decode()
    assert f'value="template-{template.pk}"' in page
    response = _new(world, world.lan, f"template-{template.pk}")
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="Đợt theo mẫu")
    assert _form(campaign) == _form(world.campaign)


def test_it_lists_the_templates_and_the_built_in_forms(world: World) -> None:
    _save(world)
    body = world.client_for(world.lan).get(reverse("campaigns:templates")).content.decode()
    assert "Mẫu Sáng tạo" in body
    for name, _items in PRESETS.values():
        assert str(name) in body


def test_it_keeps_templates_from_other_offices_and_units(world: World) -> None:
    _save(world)
    template = FormTemplate.objects.get()
    detail = reverse("campaigns:template", args=[template.pk])
    for person in (world.tu, world.hoa, world.nam):
        client = world.client_for(person)
        assert client.get(detail).status_code == 404
        assert client.post(detail, {"action": "retire"}).status_code == 404
        assert client.post(detail, {"action": "rename", "name": "X"}).status_code == 404
    assert (
        "Mẫu Sáng tạo"
        not in world.client_for(world.tu).get(reverse("campaigns:templates")).content.decode()
    )
    assert world.client_for(world.hoa).get(reverse("campaigns:templates")).status_code == 404
    assert Client().get(reverse("campaigns:templates")).status_code == 302
    # Tú's new-campaign page does not offer it, and naming it by hand is refused.
    page = world.client_for(world.tu).get(reverse("campaigns:new")).content.decode()
    assert f"template-{template.pk}" not in page
    response = _new(world, world.tu, f"template-{template.pk}", title="Của Tú")
    assert response.status_code == 400
    assert not Campaign.objects.filter(title="Của Tú").exists()
    # Nor can Tú save a template from a campaign of this office.
    url = reverse("campaigns:template-save", args=[world.campaign.slug])
    assert world.client_for(world.tu).post(url, {"name": "Chép"}).status_code == 404
    template.refresh_from_db()
    assert (template.name, template.is_active) == ("Mẫu Sáng tạo", True)
    assert FormTemplate.objects.count() == 1


def test_it_retires_and_restores_a_template(world: World) -> None:
    _save(world)
    template = FormTemplate.objects.get()
    client = world.client_for(world.thach)
    url = reverse("campaigns:template", args=[template.pk])
    assert client.post(url, {"action": "retire"}).status_code == 302
    template.refresh_from_db()
    assert not template.is_active
    page = world.client_for(world.lan).get(reverse("campaigns:new")).content.decode()
    assert f"template-{template.pk}" not in page
    response = _new(world, world.lan, f"template-{template.pk}", title="Theo mẫu cũ")
    assert response.status_code == 400
    assert not Campaign.objects.filter(title="Theo mẫu cũ").exists()
    assert 'id="retired"' in client.get(reverse("campaigns:templates")).content.decode()
    client.post(url, {"action": "restore"})
    template.refresh_from_db()
    assert template.is_active


def test_it_renames_a_template_and_refuses_bad_names(world: World) -> None:
    _save(world)
    _save(world, name="Mẫu khác")
    template = FormTemplate.objects.get(name="Mẫu Sáng tạo")
    client = world.client_for(world.lan)
    url = reverse("campaigns:template", args=[template.pk])
    client.post(url, {"action": "rename", "name": "  Mẫu   2026 ", "description": "mới"})
    template.refresh_from_db()
    assert (template.name, template.description) == ("Mẫu 2026", "mới")
    for bad in ("", "   ", "x" * 201, "Mẫu khác"):
        response = client.post(url, {"action": "rename", "name": bad})
        assert response.status_code == 400, bad
        template.refresh_from_db()
        assert template.name == "Mẫu 2026"
    assert client.post(url, {"action": "bogus"}).status_code == 400
    # Saving a second template under a name in use is refused too, with a message.
    response = _save(world, name="Mẫu khác")
    assert response["Location"] == reverse("campaigns:detail", args=[world.campaign.slug])
    assert FormTemplate.objects.filter(name="Mẫu khác").count() == 1
    assert (
        world.client_for(world.lan).get(reverse("campaigns:template-save", args=["x"])).status_code
        == 405
    )


DAMAGED: list[list[Any]] = [
    [{"code": "a", "label": "A", "kind": "bogus", "aggregation": "sum"}],
    [{"code": "a", "label": "A", "kind": "integer", "aggregation": "list", "min_value": "x"}],
    [{"code": "a b c", "label": "A", "kind": "integer", "aggregation": "sum"}],
    ["not a dict"],
    [{"code": "a", "label": "A", "kind": "text", "aggregation": "list"}] * 2,
]


def test_it_refuses_a_damaged_template(world: World) -> None:
    for damaged in DAMAGED:
        FormTemplate.objects.all().delete()
        template = FormTemplate.objects.create(office=world.office, name="Hỏng", indicators=damaged)
        response = _new(world, world.lan, f"template-{template.pk}", title="Từ mẫu hỏng")
        assert response.status_code == 400, damaged
        assert response.context["form"].errors["preset"]
        assert not Campaign.objects.filter(title="Từ mẫu hỏng").exists()
        page = world.client_for(world.lan).get(reverse("campaigns:template", args=[template.pk]))
        assert page.status_code == 200
        assert page.context["damaged"]


def test_it_saves_a_narrative_only_form_as_an_empty_template(world: World) -> None:
    response = _new(world, world.lan, "narrative", title="Chỉ tường thuật")
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="Chỉ tường thuật")
    world.client_for(world.lan).post(
        reverse("campaigns:template-save", args=[campaign.slug]), {"name": "Tường thuật"}
    )
    assert FormTemplate.objects.get(name="Tường thuật").indicators == []


def test_it_refuses_a_template_whose_rule_names_a_missing_field(world: World) -> None:
    template = FormTemplate.objects.create(
        office=world.office,
        name="Luật hỏng",
        indicators=[{"code": "a", "label": "A", "kind": "integer", "aggregation": "sum"}],
        rules=[{"then_indicator": "khong-co", "then_op": "ge", "then_value": 1, "message": "X"}],
    )
    response = _new(world, world.lan, f"template-{template.pk}", title="Từ luật hỏng")
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Campaign.objects.filter(title="Từ luật hỏng").exists()
