"""Rules across fields: checked when a unit submits, never on a draft; a bad rule is refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import World
from tonghop.campaigns import formedit
from tonghop.campaigns.form_models import FormRule, Indicator
from tonghop.campaigns.formedit import InvalidDefinition, RuleFields
from tonghop.reports import actions
from tonghop.reports.actions import InvalidValues
from tonghop.reports.models import Assignment, State

MESSAGE = "Đã treo pano thì phải có người tham gia."


def _add(world: World, code: str, kind: str, aggregation: str = "list", **extra: Any) -> Indicator:
    last = world.campaign.indicators.count()
    return Indicator.objects.create(
        campaign=world.campaign,
        code=code,
        label=code.replace("_", " ").capitalize(),
        kind=kind,
        aggregation=aggregation,
        order=last + 1,
        **extra,
    )


def _rule(world: World, **fields: str) -> FormRule:
    formedit.add_rule(world.lan, world.campaign.pk, RuleFields(**fields))
    return FormRule.objects.filter(campaign=world.campaign).order_by("-pk").first()  # type: ignore[return-value]


def _pano_needs_people(world: World) -> FormRule:
    return _rule(
        world,
        if_code="pano",
        if_op="gt",
        if_value="0",
        then_code="luot_nguoi",
        then_op="ge",
        then_value="1",
        message=MESSAGE,
    )


def _submit(world: World, values: Mapping[str, object], *, submit: bool = True) -> Assignment:
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    return actions.save_report(
        world.hoa, assignment.pk, values, "", expected_version=assignment.version, submit=submit
    )


def test_it_accepts_a_submission_that_keeps_the_rule(world: World) -> None:
    _pano_needs_people(world)
    assert _submit(world, {"pano": "3", "luot_nguoi": "1.250"}).state == State.SUBMITTED


def test_it_refuses_a_submission_that_breaks_the_rule_on_the_requirements_field(
    world: World,
) -> None:
    _pano_needs_people(world)
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "3", "luot_nguoi": "0"})
    assert caught.value.errors == {"luot_nguoi": [MESSAGE]}
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.NOT_STARTED


def test_a_blank_requirement_does_not_meet_a_comparison(world: World) -> None:
    _pano_needs_people(world)
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "3"})
    assert caught.value.errors == {"luot_nguoi": [MESSAGE]}


def test_the_rule_does_not_apply_when_its_condition_is_not_met(world: World) -> None:
    _pano_needs_people(world)
    assert _submit(world, {"pano": "0"}).state == State.SUBMITTED


def test_a_draft_may_break_the_rules(world: World) -> None:
    _pano_needs_people(world)
    assert _submit(world, {"pano": "3", "luot_nguoi": "0"}, submit=False).state == State.DRAFT
    with pytest.raises(InvalidValues):
        _submit(world, {"pano": "3", "luot_nguoi": "0"})


def test_a_field_already_refused_is_not_checked_against_the_rules(world: World) -> None:
    _pano_needs_people(world)
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "abc", "luot_nguoi": "0"})
    assert list(caught.value.errors) == ["pano"]


def test_a_rule_may_compare_two_fields(world: World) -> None:
    _add(world, "moi", "integer", "sum")
    _rule(
        world,
        then_code="luot_nguoi",
        then_op="le",
        then_other_code="moi",
        message="Không thể nhiều hơn số người được mời.",
    )
    assert _submit(world, {"pano": "1", "moi": "100", "luot_nguoi": "100"}, submit=False)
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "1", "moi": "100", "luot_nguoi": "101"})
    assert caught.value.errors == {"luot_nguoi": ["Không thể nhiều hơn số người được mời."]}
    # A decimal and a whole number compare as numbers.
    _rule(world, then_code="ty_le", then_op="le", then_other_code="moi", message="Tỷ lệ")
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "1", "moi": "2", "luot_nguoi": "1", "ty_le": "2,5"})
    assert caught.value.errors == {"ty_le": ["Tỷ lệ"]}
    assert _submit(world, {"pano": "1", "moi": "3", "luot_nguoi": "1", "ty_le": "2,5"})


def test_rules_on_yes_no_choice_date_and_presence(world: World) -> None:
    _add(world, "co_to_chuc", "yes_no", "count")
    _add(world, "hinh_thuc", "choice", "count", choices=["Hội thảo", "Triển lãm"])
    _add(world, "bat_dau", "date")
    _add(world, "ket_thuc", "date")
    _rule(
        world,
        if_code="co_to_chuc",
        if_op="eq",
        if_value="có",
        then_code="hinh_thuc",
        then_op="filled",
        message="Chọn hình thức.",
    )
    _rule(
        world,
        if_code="hinh_thuc",
        if_op="eq",
        if_value="triển lãm",
        then_code="khau_hieu",
        then_op="empty",
        message="Triển lãm không cần khẩu hiệu.",
    )
    _rule(
        world,
        if_code="bat_dau",
        if_op="filled",
        then_code="ket_thuc",
        then_op="ge",
        then_other_code="bat_dau",
        message="Ngày kết thúc phải sau ngày bắt đầu.",
    )
    _rule(
        world,
        then_code="bat_dau",
        then_op="ge",
        then_value="15/4/2025",
        message="Từ ngày 15/4/2025.",
    )
    good = {
        "pano": "1",
        "co_to_chuc": "có",
        "hinh_thuc": "Hội thảo",
        "bat_dau": "15/4/2025",
        "ket_thuc": "2025-04-26",
        "khau_hieu": "Sáng tạo",
    }
    assert _submit(world, good, submit=False)
    bad = {
        **good,
        "hinh_thuc": "Triển lãm",
        "bat_dau": "14/04/2025",
        "ket_thuc": "2025-04-10",
    }
    with pytest.raises(InvalidValues) as caught:
        _submit(world, bad)
    assert caught.value.errors == {
        "khau_hieu": ["Triển lãm không cần khẩu hiệu."],
        "ket_thuc": ["Ngày kết thúc phải sau ngày bắt đầu."],
        "bat_dau": ["Từ ngày 15/4/2025."],
    }
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {**good, "hinh_thuc": ""})
    assert caught.value.errors == {"hinh_thuc": ["Chọn hình thức."]}
    assert _submit(world, good).state == State.SUBMITTED


def test_a_rule_without_condition_always_applies(world: World) -> None:
    _rule(world, then_code="khau_hieu", then_op="filled", message="Ghi khẩu hiệu.")
    with pytest.raises(InvalidValues) as caught:
        _submit(world, {"pano": "1"})
    assert caught.value.errors == {"khau_hieu": ["Ghi khẩu hiệu."]}


def test_text_is_compared_as_text_never_run(world: World) -> None:
    hostile = "__import__('os').system('touch /tmp/pwned') or 1"
    _rule(
        world,
        then_code="khau_hieu",
        then_op="ne",
        then_value=hostile,
        message="Không được.",
    )
    with pytest.raises(InvalidValues):
        _submit(world, {"pano": "1", "khau_hieu": hostile})
    assert _submit(world, {"pano": "1", "khau_hieu": "Sáng tạo"}).state == State.SUBMITTED


def test_the_rule_message_is_shown_on_the_field_of_the_page(world: World) -> None:
    _pano_needs_people(world)
    response = world.client_for(world.hoa).post(
        reverse("reports:form", args=[world.a_an_phu.pk]),
        {"version": "0", "pano": "3", "luot_nguoi": "0", "narrative": "", "action": "submit"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    field_block = body[body.index('name="luot_nguoi"') :]
    assert MESSAGE in field_block[: field_block.index("</div>") + 200]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        # A comparison the kind does not have: "greater than" on text.
        (
            {"then_code": "khau_hieu", "then_op": "gt", "then_value": "a", "message": "m"},
            "then_op",
        ),
        # A value the field would not accept.
        (
            {"then_code": "pano", "then_op": "gt", "then_value": "nhiều", "message": "m"},
            "then_value",
        ),
        ({"then_code": "pano", "then_op": "gt", "message": "m"}, "then_value"),
        (
            {"then_code": "pano", "then_op": "gt", "then_value": "1e400", "message": "m"},
            "then_value",
        ),
        # "Is filled in" takes no value.
        (
            {"then_code": "pano", "then_op": "filled", "then_other_code": "ty_le", "message": "m"},
            "then_value",
        ),
        # A value and a field at once.
        (
            {
                "then_code": "pano",
                "then_op": "le",
                "then_value": "1",
                "then_other_code": "luot_nguoi",
                "message": "m",
            },
            "then_value",
        ),
        # Fields that cannot be compared.
        (
            {"then_code": "pano", "then_op": "eq", "then_other_code": "khau_hieu", "message": "m"},
            "then_other",
        ),
        (
            {"then_code": "pano", "then_op": "eq", "then_other_code": "pano", "message": "m"},
            "then_other",
        ),
        # The same field on both sides.
        (
            {
                "if_code": "pano",
                "if_op": "gt",
                "if_value": "0",
                "then_code": "pano",
                "then_op": "le",
                "then_value": "9",
                "message": "m",
            },
            "if_indicator",
        ),
        # A condition without its comparison.
        (
            {"if_code": "pano", "then_code": "luot_nguoi", "then_op": "filled", "message": "m"},
            "if_op",
        ),
        # No message.
        ({"then_code": "pano", "then_op": "filled", "message": "  "}, "message"),
        # A field that is not on this form.
        ({"then_code": "khong_co", "then_op": "filled", "message": "m"}, "then_indicator"),
        ({"then_code": "", "then_op": "filled", "message": "m"}, "then_indicator"),
        # An operator that does not exist.
        ({"then_code": "pano", "then_op": "like", "message": "m"}, "then_op"),
    ],
)
def test_it_refuses_a_rule_that_does_not_hold_together(
    world: World, fields: dict[str, str], where: str
) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        formedit.add_rule(world.lan, world.campaign.pk, RuleFields(**fields))
    assert where in caught.value.errors
    assert not FormRule.objects.exists()


def test_it_refuses_a_field_of_another_campaign(world: World) -> None:
    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.reports.assigning import create_campaign

    other = create_campaign(
        world.office,
        CampaignSpec(
            slug="khac",
            title="Khác",
            due_at=world.campaign.due_at,
            indicators=(IndicatorSpec("so", "Số", "integer", "sum"),),
        ),
        [world.an_phu],
        by=world.lan,
    )
    rule = FormRule(
        campaign=world.campaign,
        then_indicator=other.indicators.get(),
        then_op="filled",
        message="m",
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        rule.full_clean()


def test_a_rule_reads_as_a_sentence(world: World) -> None:
    rule = _pano_needs_people(world)
    with translation.override("en"):
        assert rule.describe() == "If Pano đã treo > 0, then Lượt người tham gia ≥ 1"
    always = _rule(world, then_code="khau_hieu", then_op="filled", message="m")
    with translation.override("en"):
        assert always.describe() == "Always: Khẩu hiệu is filled in"


def test_deleting_a_campaign_takes_its_rules_along(world: World) -> None:
    _pano_needs_people(world)
    world.campaign.delete()
    assert not FormRule.objects.exists()
