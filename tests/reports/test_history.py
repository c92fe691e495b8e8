from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from tests.conftest import VN, World
from tonghop.compilation.totals import IndicatorInfo
from tonghop.reports import actions
from tonghop.reports.history import Change, Segment, differences, history, word_diff
from tonghop.reports.models import Assignment

FORM = (
    IndicatorInfo("pano", "Pano đã treo", "integer", "sum", "cái"),
    IndicatorInfo("luot_nguoi", "Lượt người tham gia", "integer", "sum", "lượt"),
    IndicatorInfo("ty_le", "Tỷ lệ", "decimal", "average", "%"),
    IndicatorInfo("khau_hieu", "Khẩu hiệu", "text", "list"),
)


def _fresh(assignment: Assignment) -> Assignment:
    return Assignment.objects.get(pk=assignment.pk)


def test_it_shows_changed_numbers_vietnamese_style() -> None:
    changes = differences(
        FORM,
        {"pano": 3, "luot_nguoi": 1250, "ty_le": "92.5", "khau_hieu": "Sáng tạo"},
        {"pano": 3, "luot_nguoi": 2000, "ty_le": "2.5", "khau_hieu": "Sáng tạo"},
        "Đã làm",
        "Đã làm",
    )
    assert changes == [
        Change("Lượt người tham gia", "lượt", "1.250", "2.000"),
        Change("Tỷ lệ", "%", "92,5", "2,5"),
    ]


def test_it_shows_blanks_and_text_changes() -> None:
    changes = differences(
        FORM,
        {"pano": None, "khau_hieu": "Sáng tạo"},
        {"pano": 4, "khau_hieu": "Đổi mới"},
        "",
        "",
    )
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Pano đã treo", "-", "4"),
        ("Khẩu hiệu", "Sáng tạo", "Đổi mới"),
    ]


def test_it_treats_the_same_figure_as_unchanged() -> None:
    # A stored whole number and the same number as text are one figure; blank is blank.
    assert differences(FORM, {"pano": 3, "ty_le": None}, {"pano": "3", "ty_le": ""}, "", "") == []


def test_it_diffs_the_narrative_word_by_word() -> None:
    changes = differences(
        FORM,
        {},
        {},
        "Xã đã treo 10 pano tại trụ sở.",
        "Xã đã treo 12 pano và băng rôn tại trụ sở.",
    )
    assert len(changes) == 1
    narrative = changes[0]
    assert narrative.is_narrative
    assert narrative.segments == (
        Segment("Xã đã treo ", "same"),
        Segment("10 ", "del"),
        Segment("12 ", "ins"),
        Segment("pano ", "same"),
        Segment("và băng rôn ", "ins"),
        Segment("tại trụ sở.", "same"),
    )


def test_the_word_diff_gives_back_both_texts() -> None:
    before = "Tổ chức  tuyên truyền\ntrên loa.\n\nĐăng 3 bài."
    after = "Tổ chức tuyên truyền\ntrên loa và Zalo.\nĐăng 5 bài viết."
    segments = word_diff(before, after)
    # Kept words are shown as the newer text spaces them.
    kept_and_deleted = "".join(s.text for s in segments if s.kind != "ins")
    assert re.sub(r"\s", "", kept_and_deleted) == re.sub(r"\s", "", before)
    assert "".join(s.text for s in segments if s.kind != "del") == after
    assert Segment("và Zalo", "ins") in segments
    assert word_diff("", "") == ()
    assert word_diff("", "Mới") == (Segment("Mới", "ins"),)


def test_it_lists_every_version_newest_first_with_authors(world: World) -> None:
    a = world.a_an_phu
    t1 = dt.datetime(2030, 5, 1, 9, 0, tzinfo=VN)
    t2 = dt.datetime(2030, 5, 2, 10, 30, tzinfo=VN)
    actions.save_report(
        world.hoa,
        a.pk,
        {"pano": "3", "luot_nguoi": "1.250", "ty_le": "92,5"},
        "Đã treo pano.",
        expected_version=0,
        submit=True,
        now=t1,
    )
    actions.return_report(world.lan, a.pk, "Sai số liệu", expected_version=1)
    actions.save_report(
        world.hoa,
        a.pk,
        {"pano": "5", "luot_nguoi": "1.250", "ty_le": "2,5"},
        "Đã treo pano và băng rôn.",
        expected_version=2,
        submit=True,
        now=t2,
    )
    views = history(_fresh(a))
    assert [(v.number, v.author, v.at, v.is_first) for v in views] == [
        (2, "Trần Thị Hoa", t2, False),
        (1, "Trần Thị Hoa", t1, True),
    ]
    latest, first = views
    assert [(c.label, c.before, c.after) for c in latest.changes[:2]] == [
        ("Pano đã treo", "3", "5"),
        ("Tỷ lệ", "92,5", "2,5"),
    ]
    assert latest.changes[2].is_narrative
    assert latest.changes[2].segments == (
        Segment("Đã treo pano ", "same"),
        Segment("và băng rôn", "ins"),
        Segment(".", "same"),
    )
    # The first version lists what it gave; blank figures are left out.
    assert [(c.label, c.after) for c in first.changes] == [
        ("Pano đã treo", "3"),
        ("Lượt người tham gia", "1.250"),
        ("Tỷ lệ", "92,5"),
        ("Nội dung báo cáo", "Đã treo pano."),
    ]


def test_it_has_no_history_before_a_submission(world: World) -> None:
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": "2"}, "", expected_version=0, submit=False
    )
    assert history(_fresh(world.a_an_phu)) == []


def _two_submissions(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(
        world.hoa, a.pk, {"pano": "1250"}, "Treo pano ở xã.", expected_version=0, submit=True
    )
    actions.return_report(world.lan, a.pk, "Bổ sung", expected_version=1)
    actions.save_report(
        world.hoa, a.pk, {"pano": "2000"}, "Treo pano ở thôn.", expected_version=2, submit=True
    )


def test_the_review_page_shows_the_history(world: World) -> None:
    _two_submissions(world)
    url = reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    body = world.client_for(world.lan).get(url).content.decode()
    assert "Các lần gửi và thay đổi" in body
    assert "Lần gửi thứ 2" in body
    assert "<del>1.250</del> → <ins>2.000</ins>" in body
    assert "<del>xã</del><ins>thôn</ins>." in body
    assert "Trần Thị Hoa" in body
    assert 'style="' not in body


def test_the_reporter_sees_the_history_of_their_report(world: World) -> None:
    _two_submissions(world)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    body = world.client_for(world.hoa).get(url).content.decode()
    assert "Các lần gửi và thay đổi" in body
    assert "<del>1.250</del> → <ins>2.000</ins>" in body
    assert 'style="' not in body


def test_others_get_404_on_the_history(world: World) -> None:
    _two_submissions(world)
    form = reverse("reports:form", args=[world.a_an_phu.pk])
    review = reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    assert world.client_for(world.nam).get(form).status_code == 404
    assert world.client_for(world.nam).get(review).status_code == 404
    assert world.client_for(world.tu).get(review).status_code == 404
    assert world.client_for(world.tu).get(form).status_code == 404
