"""The pages that change a campaign's form, and the report form drawn with the new kinds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.form_models import FormRule, FormVersion, Indicator
from tonghop.reports import actions
from tonghop.reports.forms import FileSlot, ReportForm


def _url(world: World, name: str = "campaigns:form", **kwargs: Any) -> str:
    return reverse(name, kwargs={"slug": world.campaign.slug, **kwargs})


def _add(world: World, code: str, kind: str, aggregation: str, **extra: Any) -> Indicator:
    return Indicator.objects.create(
        campaign=world.campaign,
        code=code,
        label=code.replace("_", " ").capitalize(),
        kind=kind,
        aggregation=aggregation,
        order=world.campaign.indicators.count() + 1,
        **extra,
    )


def _no_inline_style_or_script(body: str) -> None:
    assert "style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


# Who gets in.


@pytest.mark.parametrize("person", ["hoa", "nam", "tu"])
def test_the_form_pages_are_hidden_from_everyone_but_the_office(world: World, person: str) -> None:
    client = world.client_for(getattr(world, person))
    pano = world.campaign.indicators.get(code="pano")
    for url in (
        _url(world),
        _url(world, "campaigns:form-indicator-new"),
        _url(world, "campaigns:form-indicator-edit", pk=pano.pk),
        _url(world, "campaigns:form-rule-new"),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        _url(world, "campaigns:form-indicator-new"),
        {"label": "Ghi đè", "kind": "integer", "aggregation": "sum"},
    )
    assert response.status_code == 404
    remove = _url(world, "campaigns:form-indicator-remove", pk=pano.pk)
    assert client.post(remove).status_code == 404
    assert world.campaign.indicators.count() == 4


def test_a_signed_out_person_is_sent_to_sign_in(world: World) -> None:
    response = Client().get(_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_campaign_page_leads_to_the_form(world: World) -> None:
    body = world.client_for(world.lan).get(_url(world, "campaigns:detail")).content.decode()
    assert f'href="{_url(world)}"' in body


# The office at work.


def test_lan_sees_the_fields_rules_and_versions(world: World) -> None:
    FormRule.objects.create(
        campaign=world.campaign,
        if_indicator=world.campaign.indicators.get(code="pano"),
        if_op="gt",
        if_value=0,
        then_indicator=world.campaign.indicators.get(code="luot_nguoi"),
        then_op="ge",
        then_value=1,
        message="Có pano thì có người xem.",
    )
    FormVersion.objects.create(campaign=world.campaign, number=1, summary="Lúc bắt đầu")
    response = world.client_for(world.lan).get(_url(world))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Pano đã treo", "Khẩu hiệu", "Có pano thì có người xem.", "Lúc bắt đầu"):
        assert text in body
    assert 'data-code="pano"' in body
    _no_inline_style_or_script(body)


def test_lan_adds_a_choice_field(world: World) -> None:
    client = world.client_for(world.lan)
    assert client.get(_url(world, "campaigns:form-indicator-new")).status_code == 200
    response = client.post(
        _url(world, "campaigns:form-indicator-new"),
        {
            "label": "Hình thức tổ chức",
            "code": "",
            "kind": "choice",
            "choices": "Hội thảo\r\nTriển lãm\r\n\r\nCuộc thi",
            "aggregation": "count",
            "required": "on",
            "section": "Hoạt động",
        },
    )
    assert response.status_code == 302
    added = world.campaign.indicators.get(label="Hình thức tổ chức")
    assert added.code == "hinh_thuc_to_chuc"
    assert added.choices == ["Hội thảo", "Triển lãm", "Cuộc thi"]
    assert added.required and added.order == 5
    assert "Hình thức tổ chức" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"label": "Ghi chú", "kind": "text", "aggregation": "sum"}, "aggregation"),
        ({"label": "Có/không", "kind": "yes_no", "aggregation": "average"}, "aggregation"),
        ({"label": "Chọn", "kind": "choice", "aggregation": "count", "choices": "Một"}, "choices"),
        ({"label": "", "kind": "integer", "aggregation": "sum"}, "label"),
        ({"label": "X", "kind": "hack", "aggregation": "sum"}, "kind"),
        ({"label": "X", "kind": "integer", "aggregation": "sum", "code": "pano"}, "code"),
        ({"label": "X", "kind": "integer", "aggregation": "sum", "min_value": "abc"}, "min_value"),
        ({"label": "X" * 5000, "kind": "integer", "aggregation": "sum"}, "label"),
    ],
)
def test_a_bad_field_is_shown_with_its_error(
    world: World, data: dict[str, str], field: str
) -> None:
    response = world.client_for(world.lan).post(_url(world, "campaigns:form-indicator-new"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert world.campaign.indicators.count() == 4


def test_a_refused_change_says_why_on_the_page(world: World) -> None:
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "12", "khau_hieu": "Sáng tạo"},
        "",
        expected_version=0,
        submit=False,
    )
    client = world.client_for(world.lan)
    pano = world.campaign.indicators.get(code="pano")
    edit = _url(world, "campaigns:form-indicator-edit", pk=pano.pk)
    page = client.get(edit)
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    response = client.post(
        edit,
        {"label": "Pano", "kind": "integer", "aggregation": "sum", "max_value": "10"},
    )
    assert response.status_code == 400
    assert "12" in response.content.decode()
    assert world.campaign.indicators.get(code="pano").max_value is None
    # Removing a field with answers: back on the form page, with the reason.
    khau_hieu = world.campaign.indicators.get(code="khau_hieu")
    response = client.post(
        _url(world, "campaigns:form-indicator-remove", pk=khau_hieu.pk), follow=True
    )
    assert "Khẩu hiệu" in response.content.decode()
    assert world.campaign.indicators.filter(code="khau_hieu").exists()


def test_a_change_after_reports_is_listed_as_a_version(world: World) -> None:
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": "1"}, "", expected_version=0, submit=False
    )
    client = world.client_for(world.lan)
    ty_le = world.campaign.indicators.get(code="ty_le")
    response = client.post(
        _url(world, "campaigns:form-indicator-move", pk=ty_le.pk),
        {"direction": "up"},
        follow=True,
    )
    body = response.content.decode()
    assert 'data-version="2"' in body and 'data-version="1"' in body
    version = client.get(_url(world, "campaigns:form-version", number=1))
    assert version.status_code == 200
    _no_inline_style_or_script(version.content.decode())
    assert client.get(_url(world, "campaigns:form-version", number=9)).status_code == 404


def test_moving_takes_only_up_or_down(world: World) -> None:
    pano = world.campaign.indicators.get(code="pano")
    client = world.client_for(world.lan)
    for direction in ("", "left", "up' OR 1=1"):
        url = _url(world, "campaigns:form-indicator-move", pk=pano.pk)
        assert client.post(url, {"direction": direction}).status_code == 404
    assert client.get(_url(world, "campaigns:form-indicator-move", pk=pano.pk)).status_code == 405


def test_lan_adds_edits_and_removes_a_rule(world: World) -> None:
    client = world.client_for(world.lan)
    assert client.get(_url(world, "campaigns:form-rule-new")).status_code == 200
    response = client.post(
        _url(world, "campaigns:form-rule-new"),
        {
            "if_indicator": "pano",
            "if_op": "gt",
            "if_value": "0",
            "then_indicator": "luot_nguoi",
            "then_op": "ge",
            "then_value": "1.000",
            "message": "Cần ít nhất 1.000 lượt người.",
        },
    )
    assert response.status_code == 302
    rule = FormRule.objects.get()
    assert (rule.if_value, rule.then_value) == (0, 1000)
    edit = _url(world, "campaigns:form-rule-edit", pk=rule.pk)
    page = client.get(edit).content.decode()
    assert 'value="1.000"' in page
    response = client.post(
        edit,
        {"then_indicator": "luot_nguoi", "then_op": "ge", "then_value": "x", "message": "m"},
    )
    assert response.status_code == 400
    assert "then_value" in response.context["form"].errors
    client.post(_url(world, "campaigns:form-rule-remove", pk=rule.pk))
    assert not FormRule.objects.exists()
    # Pressed twice: nothing left to remove, said kindly.
    again = client.post(_url(world, "campaigns:form-rule-remove", pk=rule.pk))
    assert again.status_code == 302


def test_a_rule_naming_a_field_of_another_form_is_refused(world: World) -> None:
    response = world.client_for(world.lan).post(
        _url(world, "campaigns:form-rule-new"),
        {"then_indicator": "khong_co", "then_op": "filled", "message": "m"},
    )
    assert response.status_code == 400
    assert not FormRule.objects.exists()


# The report form with the new kinds.


def _report_page(world: World) -> str:
    response = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_report_form_draws_each_kind_for_a_phone(world: World) -> None:
    _add(world, "co_to_chuc", "yes_no", "count", required=True)
    _add(world, "hinh_thuc", "choice", "count", choices=["Hội thảo", "Triển lãm"])
    _add(world, "giai", "choice", "list", choices=[f"Giải {n}" for n in range(1, 8)])
    _add(world, "ngay", "date", "list")
    _add(world, "duong_dan", "link", "list")
    _add(world, "minh_chung", "file", "count")
    body = _report_page(world)
    assert re.search(r'type="radio" name="co_to_chuc" value="yes"[^>]*>\s*Có', body)
    assert re.search(r'type="radio" name="co_to_chuc" value="no"[^>]*>\s*Không', body)
    # Required: no "no answer" button; optional choice: one.
    assert 'name="co_to_chuc" value=""' not in body
    assert 'type="radio" name="hinh_thuc" value="Triển lãm"' in body
    assert 'type="radio" name="hinh_thuc" value=""' in body
    assert '<select name="giai"' in body and '<option value="Giải 7">' in body
    assert re.search(r'<input type="date" name="ngay"', body)
    assert re.search(r'<input type="url" name="duong_dan"', body)
    assert 'name="minh_chung"' not in body
    _no_inline_style_or_script(body)


def test_a_file_field_is_a_marker_among_the_sections(world: World) -> None:
    _add(world, "minh_chung", "file", "count", section="Trực quan")
    indicators = list(world.campaign.indicators.all())
    form = ReportForm(indicators, initial={"version": 0})
    sections = form.sections()
    marker = sections[-1][1][-1]
    assert isinstance(marker, FileSlot)
    assert marker.is_file and marker.code == "minh_chung" and str(marker) == ""
    assert "minh_chung" not in form.fields
    assert [s for s, _fields in sections] == ["Trực quan", "", "Trực quan"]


def test_answers_come_back_into_the_form_and_read_well_once_submitted(world: World) -> None:
    _add(world, "co_to_chuc", "yes_no", "count")
    _add(world, "ngay", "date", "list")
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    response = client.post(
        url,
        {
            "version": "0",
            "pano": "2",
            "co_to_chuc": "no",
            "ngay": "2025-04-20",
            "narrative": "",
            "action": "save",
        },
    )
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert re.search(r'value="no"[^>]*checked', body)
    assert 'value="2025-04-20"' in body
    client.post(
        url,
        {
            "version": "1",
            "pano": "2",
            "co_to_chuc": "no",
            "ngay": "20/4/2025",
            "narrative": "",
            "action": "submit",
        },
    )
    body = client.get(url).content.decode()
    table = body[body.index('<table class="data">') :]
    assert "<td>Không</td>" in table
    assert "<td>20/04/2025</td>" in table


def test_the_review_page_reads_the_new_kinds(world: World) -> None:
    _add(world, "co_to_chuc", "yes_no", "count")
    _add(world, "ngay", "date", "list")
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "1", "co_to_chuc": "có", "ngay": "20/4/2025"},
        "",
        expected_version=0,
        submit=True,
    )
    url = reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    body = world.client_for(world.lan).get(url).content.decode()
    table = body[body.index("<tbody>") : body.index("</tbody>")]
    assert ">Có</td>" in table
    assert ">20/04/2025</td>" in table
    assert "True" not in table and "2025-04-20" not in table
