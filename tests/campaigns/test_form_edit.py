"""Changing a campaign's form: refused when it would break reports already in, allowed otherwise,
and versioned once any report is saved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.conftest import VN, World
from tonghop.campaigns import formedit
from tonghop.campaigns.form_models import FormRule, FormVersion, Indicator
from tonghop.campaigns.formedit import (
    FormChangeRefused,
    IndicatorFields,
    InvalidDefinition,
    NotAllowed,
    RuleFields,
)
from tonghop.campaigns.models import CampaignStatus
from tonghop.orgs.models import Membership, Role, User
from tonghop.reports import actions
from tonghop.reports.actions import InvalidValues
from tonghop.reports.models import Assignment, ReportVersion, State


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are checked in their English source wording (the catalogue is checked in
    tests/test_translations.py); pages requested through the client still speak Vietnamese."""
    with translation.override("en"):
        yield


OPTIONS = ("Hội thảo", "Triển lãm", "Cuộc thi")


def _fields(indicator: Indicator, **changes: Any) -> IndicatorFields:
    """The field as it is, with some attributes changed."""
    current = IndicatorFields(
        label=indicator.label,
        kind=indicator.kind,
        aggregation=indicator.aggregation,
        section=indicator.section,
        unit_of_measure=indicator.unit_of_measure,
        required=indicator.required,
        min_value=indicator.min_value,
        max_value=indicator.max_value,
        help_text=indicator.help_text,
        choices=tuple(indicator.choices or ()),
    )
    return dataclasses.replace(current, **changes)


def _get(world: World, code: str) -> Indicator:
    return world.campaign.indicators.get(code=code)


def _save(world: World, values: dict[str, object], *, submit: bool = False) -> None:
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    actions.save_report(
        world.hoa, assignment.pk, values, "", expected_version=assignment.version, submit=submit
    )


def _add_choice(world: World) -> Indicator:
    formedit.add_indicator(
        world.lan,
        world.campaign.pk,
        "hinh_thuc",
        IndicatorFields(label="Hình thức", kind="choice", aggregation="count", choices=OPTIONS),
    )
    return _get(world, "hinh_thuc")


# Who may change the form.


def test_only_the_offices_staff_may_change_the_form(world: World) -> None:
    new = IndicatorFields(label="Số buổi", kind="integer", aggregation="sum")
    for intruder in (world.hoa, world.nam, world.tu):
        with pytest.raises(NotAllowed):
            formedit.add_indicator(intruder, world.campaign.pk, "so_buoi", new)
    world.lan.is_active = False
    world.lan.save()
    with pytest.raises(NotAllowed):
        formedit.add_indicator(world.lan, world.campaign.pk, "so_buoi", new)
    assert not world.campaign.indicators.filter(code="so_buoi").exists()
    formedit.add_indicator(world.thach, world.campaign.pk, "so_buoi", new)
    admin = User.objects.create_user(username="quan-tri", password="x" * 12)
    Membership.objects.create(user=admin, unit=world.office, role=Role.ADMIN)
    formedit.add_indicator(admin, world.campaign.pk, "", dataclasses.replace(new, label="Khác"))
    assert set(world.campaign.indicators.values_list("code", flat=True)) >= {"so_buoi", "khac"}


def test_the_form_of_a_closed_campaign_cannot_change(world: World) -> None:
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    with pytest.raises(FormChangeRefused, match="closed"):
        formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)
    assert world.campaign.indicators.filter(code="khau_hieu").exists()


# Before any report: free changes, no versions.


def test_before_any_report_changes_are_not_versioned(world: World) -> None:
    outcome = formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)
    assert outcome.version is None
    formedit.change_indicator(
        world.lan,
        _get(world, "pano").pk,
        _fields(_get(world, "pano"), kind="text", aggregation="list", required=False),
    )
    assert not FormVersion.objects.exists()
    assert [i.order for i in world.campaign.indicators.all()] == [1, 2, 3]


# Once a report is saved: refusals.


def test_a_field_with_answers_cannot_be_removed(world: World) -> None:
    _save(world, {"pano": "3", "khau_hieu": "Sáng tạo"})
    with pytest.raises(FormChangeRefused) as caught:
        formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)
    assert "Khẩu hiệu" in str(caught.value)
    assert world.campaign.indicators.filter(code="khau_hieu").exists()
    assert not FormVersion.objects.exists()  # nothing written by a refused change


def test_an_answer_in_a_past_submission_counts_too(world: World) -> None:
    _save(world, {"pano": "3", "khau_hieu": "Sáng tạo"}, submit=True)
    actions.return_report(world.lan, world.a_an_phu.pk, "Sửa lại", expected_version=1)
    # The unit clears the slogan in its draft; the submitted version still holds it.
    _save(world, {"pano": "3", "khau_hieu": ""})
    with pytest.raises(FormChangeRefused):
        formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)


def test_a_field_without_answers_can_be_removed_and_is_versioned(world: World) -> None:
    _save(world, {"pano": "3"})
    outcome = formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)
    assert outcome.version is not None and outcome.version.number == 2
    first, second = FormVersion.objects.filter(campaign=world.campaign).order_by("number")
    assert first.number == 1
    assert first.created_at == world.campaign.created_at
    assert "khau_hieu" in [i["code"] for i in first.snapshot["indicators"]]
    assert "khau_hieu" not in [i["code"] for i in second.snapshot["indicators"]]
    assert second.created_by == world.lan
    assert "Khẩu hiệu" in second.summary


def test_the_kind_of_a_field_with_answers_cannot_change(world: World) -> None:
    _save(world, {"pano": "3", "khau_hieu": "có"})
    khau_hieu = _get(world, "khau_hieu")
    with pytest.raises(FormChangeRefused, match="kind"):
        formedit.change_indicator(
            world.lan, khau_hieu.pk, _fields(khau_hieu, kind="yes_no", aggregation="count")
        )
    assert _get(world, "khau_hieu").kind == "text"
    # Widening keeps every answer valid: whole numbers may become decimals, text long text.
    pano = _get(world, "pano")
    formedit.change_indicator(world.lan, pano.pk, _fields(pano, kind="decimal"))
    formedit.change_indicator(world.lan, khau_hieu.pk, _fields(khau_hieu, kind="long_text"))
    assert (_get(world, "pano").kind, _get(world, "khau_hieu").kind) == ("decimal", "long_text")


def test_an_option_in_use_cannot_be_removed_or_renamed(world: World) -> None:
    hinh_thuc = _add_choice(world)
    _save(world, {"pano": "1", "hinh_thuc": "Triển lãm"})
    renamings = (
        ("Hội thảo", "Cuộc thi"),
        ("Hội thảo", "Triển lãm ảnh", "Cuộc thi"),
        ("Hội thảo", "Triển Lãm", "Cuộc thi"),
    )
    for options in renamings:
        with pytest.raises(FormChangeRefused) as caught:
            formedit.change_indicator(world.lan, hinh_thuc.pk, _fields(hinh_thuc, choices=options))
        assert "Triển lãm" in str(caught.value)
    assert _get(world, "hinh_thuc").choices == list(OPTIONS)
    # An unused option may go, a new one may come, and the order may change.
    formedit.change_indicator(
        world.lan,
        hinh_thuc.pk,
        _fields(hinh_thuc, choices=("Triển lãm", "Hội thảo", "Tọa đàm")),
    )
    assert _get(world, "hinh_thuc").choices == ["Triển lãm", "Hội thảo", "Tọa đàm"]


def test_bounds_cannot_shut_out_an_answer_already_saved(world: World) -> None:
    _save(world, {"pano": "12", "luot_nguoi": "300"})
    pano = _get(world, "pano")
    with pytest.raises(FormChangeRefused) as caught:
        formedit.change_indicator(world.lan, pano.pk, _fields(pano, max_value=Decimal(10)))
    assert "12" in str(caught.value)
    with pytest.raises(FormChangeRefused):
        formedit.change_indicator(world.lan, pano.pk, _fields(pano, min_value=Decimal(13)))
    assert _get(world, "pano").max_value is None
    formedit.change_indicator(
        world.lan, pano.pk, _fields(pano, min_value=Decimal(1), max_value=Decimal(12))
    )
    stored = _get(world, "pano")
    assert (stored.min_value, stored.max_value) == (Decimal(1), Decimal(12))


def test_making_a_field_required_applies_to_later_submissions(world: World) -> None:
    _save(world, {"pano": "3"}, submit=True)
    khau_hieu = _get(world, "khau_hieu")
    outcome = formedit.change_indicator(world.lan, khau_hieu.pk, _fields(khau_hieu, required=True))
    assert outcome.notices and "later submissions" in outcome.notices[0]
    # What was submitted stays as it is.
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.SUBMITTED
    assert ReportVersion.objects.get().values["khau_hieu"] is None
    # Bình Minh's next submission must give it; a draft may still leave it out.
    actions.save_report(
        world.nam, world.a_binh_minh.pk, {"pano": "1"}, "", expected_version=0, submit=False
    )
    with pytest.raises(InvalidValues) as caught:
        actions.save_report(
            world.nam, world.a_binh_minh.pk, {"pano": "1"}, "", expected_version=1, submit=True
        )
    assert list(caught.value.errors) == ["khau_hieu"]


def test_a_field_named_by_a_rule_cannot_be_removed_or_made_meaningless(world: World) -> None:
    formedit.add_rule(
        world.lan,
        world.campaign.pk,
        RuleFields(
            if_code="luot_nguoi",
            if_op="gt",
            if_value="0",
            then_code="khau_hieu",
            then_op="filled",
            message="Ghi khẩu hiệu.",
        ),
    )
    with pytest.raises(FormChangeRefused, match="rule"):
        formedit.remove_indicator(world.lan, _get(world, "khau_hieu").pk)
    luot = _get(world, "luot_nguoi")
    with pytest.raises(FormChangeRefused, match="rule"):
        formedit.change_indicator(
            world.lan, luot.pk, _fields(luot, kind="text", aggregation="list")
        )
    assert _get(world, "luot_nguoi").kind == "integer"


# Definitions refused whatever the reports.


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"kind": "text", "aggregation": "sum"}, "aggregation"),
        ({"kind": "yes_no", "aggregation": "average"}, "aggregation"),
        ({"kind": "file", "aggregation": "list"}, "aggregation"),
        ({"kind": "choice", "aggregation": "count", "choices": ("Một",)}, "choices"),
        ({"kind": "text", "aggregation": "list", "max_value": Decimal(3)}, "min_value"),
        ({"label": "", "kind": "integer", "aggregation": "sum"}, "label"),
        ({"label": "x" * 301, "kind": "integer", "aggregation": "sum"}, "label"),
        ({"kind": "spreadsheet", "aggregation": "sum"}, "kind"),
        ({"kind": "integer", "aggregation": "median"}, "aggregation"),
    ],
)
def test_it_refuses_a_field_that_does_not_hold_together(
    world: World, changes: dict[str, Any], where: str
) -> None:
    fields = dataclasses.replace(
        IndicatorFields(label="Số buổi", kind="integer", aggregation="sum"), **changes
    )
    with pytest.raises(InvalidDefinition) as caught:
        formedit.add_indicator(world.lan, world.campaign.pk, "so_buoi", fields)
    assert where in caught.value.errors
    assert not world.campaign.indicators.filter(code="so_buoi").exists()


@pytest.mark.parametrize("code", ["pano", "có dấu", "a" * 41, "x/y", "<script>"])
def test_it_refuses_a_bad_or_taken_code(world: World, code: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        formedit.add_indicator(
            world.lan,
            world.campaign.pk,
            code,
            IndicatorFields(label="Số buổi", kind="integer", aggregation="sum"),
        )
    assert "code" in caught.value.errors


def test_a_code_is_made_from_the_label(world: World) -> None:
    for _n in range(2):
        formedit.add_indicator(
            world.lan,
            world.campaign.pk,
            "",
            IndicatorFields(label="Số đơn vị được đánh giá", kind="integer", aggregation="sum"),
        )
    codes = list(world.campaign.indicators.values_list("code", flat=True))
    assert codes[-2:] == ["so_don_vi_duoc_danh_gia", "so_don_vi_duoc_danh_gia_2"]


# Moving, and the versions.


def test_moving_renumbers_and_stops_at_the_edges(world: World) -> None:
    _save(world, {"pano": "1"})
    formedit.move_indicator(world.lan, _get(world, "khau_hieu").pk, "up")
    assert list(world.campaign.indicators.values_list("code", flat=True)) == [
        "pano",
        "luot_nguoi",
        "khau_hieu",
        "ty_le",
    ]
    outcome = formedit.move_indicator(world.lan, _get(world, "pano").pk, "up")
    assert outcome.version is None
    # Version 1 (the start) and the move; nothing for the move that did nothing.
    assert FormVersion.objects.count() == 2
    assert [i["code"] for i in FormVersion.objects.get(number=2).snapshot["indicators"]] == [
        "pano",
        "luot_nguoi",
        "khau_hieu",
        "ty_le",
    ]


def test_an_unchanged_field_writes_no_version(world: World) -> None:
    _save(world, {"pano": "1"})
    pano = _get(world, "pano")
    outcome = formedit.change_indicator(world.lan, pano.pk, _fields(pano))
    assert outcome.version is None
    assert not FormVersion.objects.exists()


def test_a_submission_is_read_against_the_version_in_force_when_it_was_made(
    world: World,
) -> None:
    first_at = dt.datetime(2030, 5, 1, 9, 0, tzinfo=VN)
    assignment = world.a_an_phu
    actions.save_report(
        world.hoa, assignment.pk, {"pano": "2"}, "", expected_version=0, submit=True, now=first_at
    )
    assert formedit.version_for(world.campaign, first_at) is None  # the form never changed
    changed_at = dt.datetime(2030, 5, 2, 9, 0, tzinfo=VN)
    formedit.add_indicator(
        world.lan,
        world.campaign.pk,
        "co_to_chuc",
        IndicatorFields(label="Có tổ chức", kind="yes_no", aggregation="count"),
        now=changed_at,
    )
    actions.return_report(world.lan, assignment.pk, "Bổ sung", expected_version=1)
    second_at = dt.datetime(2030, 5, 3, 9, 0, tzinfo=VN)
    actions.save_report(
        world.hoa,
        assignment.pk,
        {"pano": "2", "co_to_chuc": "có"},
        "",
        expected_version=2,
        submit=True,
        now=second_at,
    )
    first, second = ReportVersion.objects.order_by("number")
    assert first.form_version().number == 1  # type: ignore[union-attr]
    assert second.form_version().number == 2  # type: ignore[union-attr]
    old_codes = [i["code"] for i in FormVersion.objects.get(number=1).snapshot["indicators"]]
    assert "co_to_chuc" not in old_codes
    assert second.values["co_to_chuc"] is True


def test_rule_changes_are_versioned_and_say_when_they_apply(world: World) -> None:
    _save(world, {"pano": "1"})
    outcome = formedit.add_rule(
        world.lan,
        world.campaign.pk,
        RuleFields(then_code="khau_hieu", then_op="filled", message="Ghi khẩu hiệu."),
    )
    assert outcome.version is not None
    assert outcome.notices and "submits" in outcome.notices[0]
    rule = FormRule.objects.get()
    formedit.change_rule(
        world.lan,
        rule.pk,
        RuleFields(then_code="khau_hieu", then_op="filled", message="Hãy ghi khẩu hiệu."),
    )
    formedit.remove_rule(world.lan, rule.pk)
    versions = list(FormVersion.objects.order_by("number"))
    assert [len(v.snapshot["rules"]) for v in versions] == [0, 1, 1, 0]
    assert versions[2].snapshot["rules"][0]["message"] == "Hãy ghi khẩu hiệu."


def test_moving_rules(world: World) -> None:
    for code in ("khau_hieu", "luot_nguoi", "ty_le"):
        formedit.add_rule(
            world.lan,
            world.campaign.pk,
            RuleFields(then_code=code, then_op="filled", message=code),
        )
    last = FormRule.objects.get(message="ty_le")
    formedit.move_rule(world.lan, last.pk, "up")
    assert list(FormRule.objects.values_list("message", flat=True)) == [
        "khau_hieu",
        "ty_le",
        "luot_nguoi",
    ]
    assert formedit.move_rule(world.lan, last.pk, "up").summary
    assert FormRule.objects.first().message == "ty_le"  # type: ignore[union-attr]
    assert formedit.move_rule(world.lan, last.pk, "up").version is None


def test_a_change_to_something_already_gone_is_explained(world: World) -> None:
    pano = _get(world, "luot_nguoi")
    formedit.remove_indicator(world.lan, pano.pk)
    with pytest.raises(FormChangeRefused, match="removed"):
        formedit.remove_indicator(world.lan, pano.pk)
    with pytest.raises(FormChangeRefused, match="removed"):
        formedit.move_rule(world.lan, 9999, "up")


def test_timestamps_are_those_of_the_change(world: World) -> None:
    _save(world, {"pano": "1"})
    before = timezone.now()
    formedit.remove_indicator(world.lan, _get(world, "ty_le").pk)
    assert FormVersion.objects.get(number=2).created_at >= before
