from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import VN, World
from tonghop.reports import actions
from tonghop.reports.models import (
    TRANSITIONS,
    Assignment,
    AssignmentEvent,
    Report,
    ReportVersion,
    State,
    Step,
)

GOOD = {"pano": "3", "luot_nguoi": "1.250", "ty_le": "92,5", "khau_hieu": "Sáng tạo"}


def _fresh(assignment: Assignment) -> Assignment:
    return Assignment.objects.get(pk=assignment.pk)


def test_it_saves_a_draft_then_submits(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, {"pano": "2"}, "", expected_version=0, submit=False)
    a = _fresh(a)
    assert a.state == State.DRAFT
    assert a.submitted_at is None
    actions.save_report(world.hoa, a.pk, GOOD, "Đã làm", expected_version=a.version, submit=True)
    a = _fresh(a)
    assert a.state == State.SUBMITTED
    assert a.submitted_at is not None
    report = Report.objects.get(assignment=a)
    assert report.values == {
        "pano": 3,
        "luot_nguoi": 1250,
        "ty_le": "92.5",
        "khau_hieu": "Sáng tạo",
    }
    assert [e.step for e in a.events.all()] == [Step.SAVE, Step.SUBMIT]
    assert all(e.actor == world.hoa for e in a.events.all())
    assert ReportVersion.objects.filter(report=report).count() == 1


def test_it_keeps_every_submitted_version(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "v1", expected_version=0, submit=True)
    actions.return_report(world.lan, a.pk, "Sai số liệu", expected_version=1)
    actions.save_report(
        world.hoa, a.pk, {**GOOD, "pano": "5"}, "v2", expected_version=2, submit=True
    )
    versions = list(ReportVersion.objects.filter(report__assignment=a).order_by("number"))
    assert [(v.number, v.values["pano"], v.narrative) for v in versions] == [
        (1, 3, "v1"),
        (2, 5, "v2"),
    ]
    assert _fresh(a).state == State.SUBMITTED


def test_it_refuses_a_double_submit_without_duplicating(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True)
    with pytest.raises(actions.InvalidStep, match="đã được gửi"):
        actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True)
    assert ReportVersion.objects.filter(report__assignment=a).count() == 1
    assert AssignmentEvent.objects.filter(assignment=a, step=Step.SUBMIT).count() == 1


def test_it_refuses_a_stale_form_after_the_report_was_returned(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "gốc", expected_version=0, submit=True)
    actions.return_report(world.lan, a.pk, "Bổ sung", expected_version=1)
    # A second tab still holds the form drawn at version 0.
    with pytest.raises(actions.StaleForm, match="đã thay đổi"):
        actions.save_report(world.hoa, a.pk, {"pano": "9"}, "cũ", expected_version=0, submit=False)
    report = Report.objects.get(assignment=a)
    assert report.values["pano"] == 3
    assert report.narrative == "gốc"


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("pano", "-1", "không được âm"),
        ("pano", "ba", "không phải là số"),
        ("pano", "2,5", "số nguyên"),
        ("pano", "1e40", "quá lớn"),
        ("pano", "", "bắt buộc"),
        ("ty_le", "NaN", "quá lớn"),
        ("khau_hieu", "x" * 1001, "quá dài"),
    ],
)
def test_it_refuses_bad_values_and_keeps_what_was_saved(
    world: World, field: str, raw: str, message: str
) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "đã lưu", expected_version=0, submit=False)
    with pytest.raises(actions.InvalidValues) as caught:
        actions.save_report(
            world.hoa, a.pk, {**GOOD, field: raw}, "mới", expected_version=1, submit=True
        )
    assert field in caught.value.errors
    assert message in " ".join(caught.value.errors[field]).lower()
    a = _fresh(a)
    assert a.state == State.DRAFT
    assert a.version == 1
    assert Report.objects.get(assignment=a).narrative == "đã lưu"


def test_it_lets_a_draft_leave_required_figures_empty(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, {"pano": ""}, "", expected_version=0, submit=False)
    assert _fresh(a).state == State.DRAFT


def test_it_refuses_a_reporter_of_another_unit(world: World) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.save_report(world.nam, world.a_an_phu.pk, GOOD, "", expected_version=0, submit=True)
    assert not Report.objects.filter(assignment=world.a_an_phu).exists()
    assert _fresh(world.a_an_phu).state == State.NOT_STARTED


def test_it_refuses_review_by_a_reporter_or_another_office(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True)
    for intruder in (world.hoa, world.nam, world.tu):
        with pytest.raises(actions.NotAllowed):
            actions.accept_report(intruder, a.pk, expected_version=1)
        with pytest.raises(actions.NotAllowed):
            actions.return_report(intruder, a.pk, "x", expected_version=1)
    assert _fresh(a).state == State.SUBMITTED


def test_it_refuses_office_staff_writing_a_units_report(world: World) -> None:
    with pytest.raises(actions.NotAllowed):
        actions.save_report(world.lan, world.a_an_phu.pk, GOOD, "", expected_version=0, submit=True)


def test_it_accepts_only_submitted_reports(world: World) -> None:
    a = world.a_an_phu
    with pytest.raises(actions.InvalidStep):
        actions.accept_report(world.lan, a.pk, expected_version=0)
    actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True)
    actions.accept_report(world.thach, a.pk, expected_version=1)
    a = _fresh(a)
    assert a.state == State.ACCEPTED
    assert a.accepted_at is not None
    with pytest.raises(actions.InvalidStep, match="chấp nhận"):
        actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=a.version, submit=True)


def test_it_demands_a_comment_to_return(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True)
    with pytest.raises(actions.InvalidValues):
        actions.return_report(world.lan, a.pk, "   ", expected_version=1)
    assert _fresh(a).state == State.SUBMITTED


def test_it_marks_late_submissions(world: World) -> None:
    a = world.a_an_phu
    after = a.due_at + dt.timedelta(minutes=1)
    actions.save_report(world.hoa, a.pk, GOOD, "", expected_version=0, submit=True, now=after)
    a = _fresh(a)
    assert a.is_late
    assert a.display_status == "late"
    figures = world.campaign.assignments.figures()
    assert (figures.submitted, figures.on_time, figures.late) == (1, 0, 1)


def test_it_closes_the_campaign_to_changes(world: World) -> None:
    world.campaign.status = "closed"
    world.campaign.save()
    with pytest.raises(actions.NotAllowed, match="đã đóng"):
        actions.save_report(world.hoa, world.a_an_phu.pk, GOOD, "", expected_version=0, submit=True)


def test_the_transition_table_never_leaves_accepted() -> None:
    assert not [key for key in TRANSITIONS if key[0] == State.ACCEPTED]
    assert (State.SUBMITTED, Step.SUBMIT) not in TRANSITIONS


def test_it_counts_the_figures(world: World) -> None:
    when = dt.datetime(2030, 5, 1, 9, 0, tzinfo=VN)
    actions.save_report(
        world.hoa, world.a_an_phu.pk, GOOD, "", expected_version=0, submit=True, now=when
    )
    actions.save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": "1"},
        "",
        expected_version=0,
        submit=False,
        now=when,
    )
    f = world.campaign.assignments.figures()
    assert (f.expected, f.submitted, f.on_time, f.draft, f.not_started, f.missing) == (
        3,
        1,
        1,
        1,
        1,
        2,
    )
