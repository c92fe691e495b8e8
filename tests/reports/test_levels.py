"""Levels in one install: the Sở's campaign to the districts' offices, a district's campaign
below it with the same form, and the district's issued report as its answer above."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.compilation.test_issue import PASS, key
from tests.conftest import PASSWORD, World
from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.actions import IssueRefused
from tonghop.compilation.models import Compilation
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.outbox.models import Notification
from tonghop.reports import actions as report_actions
from tonghop.reports import levels
from tonghop.reports.assigning import create_campaign
from tonghop.reports.models import Assignment, LevelAnswer, LevelLink, State

__all__ = ["key"]  # a fixture, used by name

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Within the validity of the test certificates, which start now: the Sở's due date is weeks away.
DUE_ABOVE = (dt.datetime.now(VN) + dt.timedelta(days=20)).replace(
    hour=17, minute=0, second=0, microsecond=0
)
DUE_BELOW = DUE_ABOVE - dt.timedelta(days=5)


class Province:
    """The Sở above the world's district office, a sibling district, another province."""

    def __init__(self, world: World) -> None:
        self.so = Unit.objects.create(
            code="so-khcn",
            name="Sở Khoa học và Công nghệ",
            kind=UnitKind.OFFICE,
            organ_id="000.00.21.H99",
        )
        world.office.parent = self.so
        world.office.save()
        self.sibling = Unit.objects.create(
            code="phong-vh-an-lac",
            name="Phòng Văn hóa và Thông tin huyện An Lạc",
            kind=UnitKind.OFFICE,
            parent=self.so,
        )
        self.sibling_commune = Unit.objects.create(
            code="xa-an-lac", name="UBND xã An Lạc", kind=UnitKind.COMMUNE, parent=self.sibling
        )
        self.other_so = Unit.objects.create(
            code="so-khcn-khac", name="Sở Khoa học và Công nghệ tỉnh khác", kind=UnitKind.OFFICE
        )

        def person(username: str, unit: Unit, role: Role) -> User:
            user = User.objects.create_user(username=username, password=PASSWORD)
            Membership.objects.create(user=user, unit=unit, role=role)
            return user

        self.chuyenvien = person("so-chuyenvien", self.so, Role.SPECIALIST)
        self.giamdoc = person("so-giamdoc", self.so, Role.HEAD)
        self.sibling_staff = person("an-lac", self.sibling, Role.SPECIALIST)
        self.other_so_staff = person("so-khac", self.other_so, Role.SPECIALIST)
        self.campaign = create_campaign(
            self.so,
            CampaignSpec(
                slug="so-542-test",
                title="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới",
                due_at=DUE_ABOVE,
                period_start=dt.date(2030, 4, 15),
                period_end=dt.date(2030, 4, 26),
                indicators=(
                    IndicatorSpec(
                        "pano", "Pano đã treo", "integer", "sum", "", "cái", required=True
                    ),
                    IndicatorSpec("luot_nguoi", "Lượt người tham gia", "integer", "sum"),
                    IndicatorSpec("khau_hieu", "Khẩu hiệu", "long_text", "list"),
                ),
            ),
            [world.office, self.sibling],
            by=self.chuyenvien,
        )
        self.duty = self.campaign.assignments.get(unit=world.office)
        self.sibling_duty = self.campaign.assignments.get(unit=self.sibling)


@pytest.fixture
def province(world: World) -> Province:
    return Province(world)


def _open(world: World, province: Province, **changes: Any) -> Campaign:
    request = levels.BelowRequest(
        slug=changes.pop("slug", "sang-tao-duoi"),
        due_at=changes.pop("due_at", DUE_BELOW),
        local_indicators=changes.pop(
            "local", (IndicatorSpec("tranh_ve", "Tranh vẽ của học sinh", "integer", "sum"),)
        ),
        confirm_after_above=changes.pop("confirm", False),
    )
    return levels.open_campaign_below(
        changes.pop("user", world.lan), province.duty.pk, request, **changes
    )


def _report(world: World, campaign: Campaign) -> None:
    for user, unit, values in (
        (
            world.hoa,
            world.an_phu,
            {"pano": "3", "luot_nguoi": "120", "khau_hieu": "Sáng tạo", "tranh_ve": "9"},
        ),
        (world.nam, world.binh_minh, {"pano": "4", "luot_nguoi": "80"}),
    ):
        assignment = campaign.assignments.get(unit=unit)
        report_actions.save_report(
            user, assignment.pk, values, "Đã treo pano.", expected_version=0, submit=True
        )


def _issue(
    world: World, campaign: Campaign, *, when: dt.datetime | None = None, correction: bool = False
) -> Compilation:
    compilation = compilation_actions.run(
        Compilation.objects.create(
            campaign=campaign,
            created_by=world.lan,
            assessment="Các xã làm tốt.",
            proposals="Đề nghị Sở khen thưởng.",
        )
    )
    compilation_actions.submit_for_signature(world.lan, compilation.pk)
    issuing_actions.sign(
        world.thach,
        compilation.pk,
        passphrase=PASS,
        correction=correction,
        correction_reason="Sửa số liệu theo ý kiến của Sở." if correction else "",
    )
    return issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS, when=when)


# --- 1. The campaign below ---


def test_it_opens_a_campaign_below_with_the_form_above(world: World, province: Province) -> None:
    campaign = _open(world, province)
    assert campaign.office == world.office
    codes = list(campaign.indicators.order_by("order").values_list("code", flat=True))
    assert codes == ["pano", "luot_nguoi", "khau_hieu", "tranh_ve"]
    assert (campaign.period_start, campaign.period_end) == (
        dt.date(2030, 4, 15),
        dt.date(2030, 4, 26),
    )
    assert campaign.report_to == "Sở Khoa học và Công nghệ"
    assert LevelLink.objects.get(below=campaign).above == province.duty
    units = set(campaign.assignments.values_list("unit__code", flat=True))
    assert units == {"xa-an-phu", "xa-binh-minh", "thcs-an-phu"}
    assert levels.proposed_due(province.duty) < province.duty.due_at


def test_a_due_date_after_the_one_above_is_refused_unless_confirmed(
    world: World, province: Province
) -> None:
    late = DUE_ABOVE + dt.timedelta(days=1)
    with pytest.raises(levels.DueAfterAbove, match="sau hạn báo cáo"):
        _open(world, province, due_at=late)
    assert not Campaign.objects.filter(slug="sang-tao-duoi").exists()
    campaign = _open(world, province, due_at=late, confirm=True)
    assert LevelLink.objects.get(below=campaign).late_confirmed


def test_an_office_cannot_answer_a_campaign_not_addressed_to_it(
    world: World, province: Province
) -> None:
    for stranger in (world.tu, province.sibling_staff, province.chuyenvien, world.hoa):
        with pytest.raises(levels.LevelNotAllowed, match="không gửi đến"):
            _open(world, province, user=stranger)
    assert not LevelLink.objects.exists()
    # Nor through the page: the duty of another office is a 404.
    client = world.client_for(province.sibling_staff)
    url = reverse("campaigns:open-below", args=[province.duty.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"slug": "x", "title": "x", "due_at": "2030-05-01T10:00"}).status_code
        == 404
    )


def test_a_loop_in_the_tree_is_refused(world: World, province: Province) -> None:
    # The Sở put below the district it addresses: the tree loops back on itself.
    Unit.objects.filter(pk=province.so.pk).update(parent=world.an_phu)
    with pytest.raises(levels.LoopInTree, match="vòng lặp"):
        _open(world, province)
    Unit.objects.filter(pk=province.so.pk).update(parent=None)
    # Handing the campaign below back to the office above is a loop too.
    with pytest.raises(levels.LoopInTree, match="cấp trên"):
        _open(world, province, units=[world.an_phu, province.so])
    assert not Campaign.objects.filter(slug="sang-tao-duoi").exists()


def test_local_indicators_cannot_take_a_code_of_the_form_above(
    world: World, province: Province
) -> None:
    with pytest.raises(levels.LevelRefused, match="pano"):
        _open(world, province, local=(IndicatorSpec("pano", "Pano khác", "integer", "sum"),))


def test_the_office_opens_it_from_its_page_in_one_step(world: World, province: Province) -> None:
    client = world.client_for(world.lan)
    page = client.get(reverse("campaigns:above"))
    assert reverse("campaigns:open-below", args=[province.duty.pk]) in page.content.decode()
    url = reverse("campaigns:open-below", args=[province.duty.pk])
    form = client.get(url)
    assert form.status_code == 200
    proposed = form.context["form"].initial["due_at"]
    assert proposed < f"{DUE_ABOVE:%Y-%m-%dT%H:%M}"
    after = DUE_ABOVE + dt.timedelta(days=2)
    late = client.post(
        url, {"slug": "duoi", "title": "Đợt dưới", "due_at": f"{after:%Y-%m-%dT%H:%M}"}
    )
    assert late.status_code == 200
    assert "sau hạn báo cáo" in late.content.decode()
    assert not Campaign.objects.filter(slug="duoi").exists()
    done = client.post(url, {"slug": "duoi", "title": "Đợt dưới", "due_at": proposed})
    assert done.status_code == 302
    assert LevelLink.objects.get(above=province.duty).below.slug == "duoi"


# --- 2. The answer above ---


def test_issuing_the_report_below_submits_the_answer_above(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    compilation = _issue(world, campaign)
    duty = Assignment.objects.get(pk=province.duty.pk)
    assert duty.state == State.SUBMITTED and not duty.is_late
    report = duty.report
    assert report.values["pano"] == 7 and report.values["luot_nguoi"] == 200
    assert "tranh_ve" not in report.values  # local: it stays below
    assert "Sáng tạo" in report.values["khau_hieu"]
    assert "Các xã làm tốt." in report.narrative and "Đề nghị Sở khen thưởng." in report.narrative
    answer = LevelAnswer.objects.get()
    assert answer.document == compilation.document and not answer.correction
    assert answer.version.number == 1
    event = duty.events.get(step="submit")
    assert event.actor == world.hang and event.details["answer_from"] == "sang-tao-duoi"


def test_an_answer_after_the_due_time_above_is_late(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    # The Sở's due time has passed when the district issues its report.
    Assignment.objects.filter(pk=province.duty.pk).update(
        due_at=dt.datetime.now(VN) - dt.timedelta(hours=2)
    )
    _issue(world, campaign)
    duty = Assignment.objects.get(pk=province.duty.pk)
    assert duty.state == State.SUBMITTED and duty.is_late


def test_an_answer_whose_codes_do_not_match_the_form_above_is_refused(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    # The Sở adds a field after the district opened its campaign; the district renames one.
    Indicator.objects.create(
        campaign=province.campaign,
        code="bai_viet",
        label="Bài viết",
        kind="integer",
        aggregation="sum",
    )
    Indicator.objects.filter(campaign=campaign, code="luot_nguoi").update(code="luot")
    with pytest.raises(IssueRefused, match="không khớp") as refused:
        _issue(world, campaign)
    assert "bai_viet" in str(refused.value) and "luot_nguoi" in str(refused.value)
    assert "tranh_ve" not in str(refused.value)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()
    duty = Assignment.objects.get(pk=province.duty.pk)
    assert duty.state == State.NOT_STARTED and not LevelAnswer.objects.exists()


def test_returning_the_answer_notifies_the_office_and_a_correction_resubmits_it(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    first = _issue(world, campaign)
    # A second issue while the Sở has not returned it is refused, and nothing is numbered.
    with pytest.raises(IssueRefused, match="trả lại"):
        _issue(world, campaign, correction=True)
    duty = Assignment.objects.get(pk=province.duty.pk)
    report_actions.return_report(
        province.chuyenvien, duty.pk, "Số pano chưa khớp.", expected_version=duty.version
    )
    notices = Notification.objects.filter(text__contains="đã trả lại báo cáo")
    assert set(notices.values_list("user__username", flat=True)) == {"lan", "thach", "hang"}
    assert notices.count() == 3
    assert all("Số pano chưa khớp." in n.text for n in notices)
    assert not Notification.objects.filter(user__in=[world.tu, province.sibling_staff]).exists()
    assert not Notification.objects.filter(user__in=[world.hoa, world.nam]).exists()
    second = _issue(world, campaign, correction=True)
    duty = Assignment.objects.get(pk=province.duty.pk)
    assert duty.state == State.SUBMITTED
    assert duty.report.versions.count() == 2
    answers = list(LevelAnswer.objects.order_by("pk"))
    assert [a.correction for a in answers] == [False, True]
    assert answers[0].document == first.document and answers[1].document == second.document
    assert first.document is not None and second.document is not None
    assert first.document.register_number != second.document.register_number
    report_actions.accept_report(province.chuyenvien, duty.pk, expected_version=duty.version)
    assert Assignment.objects.get(pk=duty.pk).state == State.ACCEPTED


def test_an_answer_to_a_duty_taken_from_the_office_is_refused(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    # The link is made to point at the sibling's duty: not addressed to this office.
    LevelLink.objects.filter(below=campaign).update(above=province.sibling_duty)
    with pytest.raises(IssueRefused, match="không gửi đến"):
        _issue(world, campaign)
    assert Assignment.objects.get(pk=province.sibling_duty.pk).state == State.NOT_STARTED


# --- 3. The Sở's picture ---


def test_the_so_sees_each_district_its_totals_and_the_units_below(
    world: World, province: Province, key: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    _issue(world, campaign)
    client = world.client_for(province.chuyenvien)
    page = client.get(reverse("campaigns:detail", args=[province.campaign.slug]))
    html = page.content.decode()
    assert 'id="levels"' in html and "Phòng Văn hóa, Khoa học và Thông tin" in html
    assert "toàn tỉnh: 2/3 đơn vị cơ sở đã báo cáo" in html.lower()
    rows = page.context["level_rows"]
    minh_hoa = next(r for r in rows if r[0].assignment.unit == world.office)
    assert minh_hoa[1][:2] == ["7", "200"]
    assert page.context["level_totals"][:2] == ["7", "200"]
    below = client.get(reverse("campaigns:below", args=[province.campaign.slug, province.duty.pk]))
    assert below.status_code == 200
    assert "UBND xã An Phú" in below.content.decode()
    assert b"<form" not in below.content.split(b"<main")[-1]
    pdf = client.get(
        reverse("campaigns:answer-pdf", args=[province.campaign.slug, province.duty.pk])
    )
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF")


def test_people_outside_the_branch_see_nothing(world: World, province: Province, key: Path) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    _issue(world, campaign)
    urls = [
        reverse("campaigns:detail", args=[province.campaign.slug]),
        reverse("campaigns:below", args=[province.campaign.slug, province.duty.pk]),
        reverse("campaigns:answer-pdf", args=[province.campaign.slug, province.duty.pk]),
        reverse("campaigns:review", args=[province.campaign.slug, province.duty.pk]),
    ]
    for stranger in (province.sibling_staff, province.other_so_staff, world.tu, world.hoa):
        client = world.client_for(stranger)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (stranger, url)
    # The district sees its own campaign below, not the Sở's page nor its sibling's units.
    client = world.client_for(world.lan)
    assert client.get(urls[0]).status_code == 404
    sibling_below = reverse(
        "campaigns:below", args=[province.campaign.slug, province.sibling_duty.pk]
    )
    assert client.get(sibling_below).status_code == 404


def test_the_export_has_one_row_per_district_with_its_totals(
    world: World, province: Province, key: Path, tmp_path: Path
) -> None:
    campaign = _open(world, province)
    _report(world, campaign)
    _issue(world, campaign)
    out = tmp_path / "so.csv"
    from tonghop.cli import main

    assert main(["export", province.campaign.slug, "--format", "csv", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 3  # the header and two districts
    header = rows[0]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {"phong-vhkhtt", "phong-vh-an-lac"}
    assert by_code["phong-vhkhtt"]["Pano đã treo (cái)"] == "7"
    assert by_code["phong-vh-an-lac"]["Pano đã treo (cái)"] == ""


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"slug": "", "title": "", "due_at": ""},
        {"slug": "<script>", "title": "Đợt", "due_at": "2030-05-01T10:00"},
        {"slug": "duoi", "title": "Đợt", "due_at": "không phải ngày"},
        {"slug": "duoi", "title": "x" * 5000, "due_at": "2030-05-01T10:00"},
        {"slug": "d" * 500, "title": "Đợt", "due_at": "2030-05-01T10:00"},
        {"slug": "duoi", "title": "Đợt", "due_at": "1900-01-01T10:00"},
        {"slug": "sang-tao-test", "title": "Đợt", "due_at": "2030-05-01T10:00"},
    ],
)
def test_bad_input_to_the_campaign_below_saves_nothing(
    world: World, province: Province, data: dict[str, str]
) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:open-below", args=[province.duty.pk])
    before = Campaign.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Campaign.objects.count() == before and not LevelLink.objects.exists()
