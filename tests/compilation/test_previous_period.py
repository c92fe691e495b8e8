"""The report compares its totals with the office's previous campaign of the same kind, and
says nothing when there is none; another kind of campaign, or another office's, is never used."""

from __future__ import annotations

import datetime as dt

from tests.conftest import VN, World
from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.build import build_document, previous_campaign
from tonghop.compilation.layout import Paragraph
from tonghop.compilation.models import Compilation, CompilationStatus
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.reports import actions
from tonghop.reports.assigning import create_campaign

SAME_FORM = (
    IndicatorSpec("pano", "Pano đã treo", "integer", "sum", "Trực quan", "cái", required=True),
    IndicatorSpec("luot_nguoi", "Lượt người tham gia", "integer", "sum", "", "lượt"),
    IndicatorSpec("ty_le", "Tỷ lệ", "decimal", "average", "", "%"),
    IndicatorSpec("khau_hieu", "Khẩu hiệu", "text", "list"),
)
OTHER_FORM = (
    IndicatorSpec("pano", "Pano đã treo", "integer", "sum", "", "cái"),
    IndicatorSpec("ho_so", "Hồ sơ trực tuyến", "integer", "sum", "", "hồ sơ"),
)


def _text(campaign: Campaign) -> str:
    document = build_document(campaign)
    return "\n".join(
        block.text
        for section in document.sections
        for block in section.blocks
        if isinstance(block, Paragraph)
    )


def _report(user: User, campaign: Campaign, unit: Unit, values: dict[str, str]) -> None:
    assignment = campaign.assignments.get(unit=unit)
    actions.save_report(
        user, assignment.pk, values, "Đã thực hiện.", expected_version=0, submit=True
    )


def _earlier(
    world: World,
    slug: str,
    *,
    office: Unit | None = None,
    unit: Unit | None = None,
    reporter: User | None = None,
    form: tuple[IndicatorSpec, ...] = SAME_FORM,
    year: int = 2029,
    values: dict[str, str] | None = None,
    compiled: bool = True,
) -> Campaign:
    campaign = create_campaign(
        office or world.office,
        CampaignSpec(
            slug=slug,
            title=f"Hưởng ứng Ngày Sáng tạo năm {year}",
            due_at=dt.datetime(year, 5, 5, 23, 59, 59, tzinfo=VN),
            report_to="Sở Khoa học và Công nghệ",
            report_symbol="BC-VHKHTT",
            indicators=form,
        ),
        [unit or world.an_phu],
        by=world.lan,
    )
    _report(reporter or world.hoa, campaign, unit or world.an_phu, values or {"pano": "10"})
    if compiled:
        Compilation.objects.create(campaign=campaign, status=CompilationStatus.DONE)
    return campaign


def _this_period(world: World) -> None:
    _report(world.hoa, world.campaign, world.an_phu, {"pano": "1200", "luot_nguoi": "300"})
    _report(world.nam, world.campaign, world.binh_minh, {"pano": "34", "luot_nguoi": "150"})


def test_without_a_previous_campaign_nothing_is_compared(world: World) -> None:
    _this_period(world)
    text = _text(world.campaign)
    assert previous_campaign(world.campaign) is None
    assert "kỳ trước" not in text


def test_the_totals_are_compared_with_the_previous_campaign_of_the_same_kind(
    world: World,
) -> None:
    _earlier(world, "sang-tao-2028", year=2028, values={"pano": "5", "luot_nguoi": "9"})
    previous = _earlier(world, "sang-tao-2029", values={"pano": "1100", "luot_nguoi": "600"})
    _this_period(world)
    assert previous_campaign(world.campaign) == previous
    text = _text(world.campaign)
    assert "So sánh với kỳ trước" in text
    assert "Kỳ trước: hưởng ứng Ngày Sáng tạo năm 2029." in text
    # 1.234 against 1.100; 450 against 600: Vietnamese thousands and decimal separators.
    assert "- Pano đã treo: 1.234 cái, tăng 134 cái (12,2%) so với kỳ trước (1.100 cái)." in text
    assert (
        "- Lượt người tham gia: 450 lượt, giảm 150 lượt (25%) so với kỳ trước (600 lượt)." in text
    )
    # An average is not compared as a total.
    assert "Tỷ lệ:" not in text


def test_the_previous_report_is_cited_by_its_number_when_issued(world: World) -> None:
    previous = _earlier(world, "sang-tao-2029", values={"pano": "1234"})
    from tonghop.documents.models import Direction, Document

    document = Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        doc_type="Báo cáo",
        number="07",
        symbol="BC-VHKHTT",
        issuer=world.office.name,
        issued_on=dt.date(2029, 5, 8),
        subject="Kết quả",
    )
    Compilation.objects.filter(campaign=previous).update(document=document)
    _this_period(world)
    text = _text(world.campaign)
    assert "Báo cáo số 07/BC-VHKHTT ngày 08/05/2029." in text
    assert "- Pano đã treo: 1.234 cái, bằng kỳ trước (1.234 cái)." in text


def test_a_previous_campaign_of_another_kind_is_not_used(world: World) -> None:
    _earlier(world, "chuyen-doi-so-2029", form=OTHER_FORM, values={"pano": "99"})
    _this_period(world)
    assert previous_campaign(world.campaign) is None
    assert "kỳ trước" not in _text(world.campaign)


def test_a_later_or_uncompiled_campaign_is_not_used(world: World) -> None:
    _earlier(world, "sang-tao-2031", year=2031, values={"pano": "99"})
    _earlier(world, "sang-tao-2029", values={"pano": "98"}, compiled=False)
    _this_period(world)
    assert previous_campaign(world.campaign) is None
    assert "kỳ trước" not in _text(world.campaign)


def test_another_offices_campaign_is_never_used(world: World) -> None:
    school = Unit.objects.create(
        code="thcs-khac", name="Trường THCS huyện khác", kind=UnitKind.SCHOOL,
        parent=world.other_office,
    )  # fmt: skip
    reporter = User.objects.create_user(username="khac", password="x-pass-1234", full_name="Khác")
    Membership.objects.create(user=reporter, unit=school, role=Role.REPORTER)
    _earlier(
        world,
        "sang-tao-khac-2029",
        office=world.other_office,
        unit=school,
        reporter=reporter,
        values={"pano": "777"},
    )
    _this_period(world)
    assert previous_campaign(world.campaign) is None
    text = _text(world.campaign)
    assert "kỳ trước" not in text and "777" not in text


def test_the_compared_report_renders(world: World) -> None:
    """The comparison goes through the real drawing, into the DOCX the head reads."""
    import io

    import docx

    _earlier(world, "sang-tao-2029", values={"pano": "1100"})
    _this_period(world)
    compilation = compilation_actions.run(
        Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    )
    with compilation.docx.open("rb") as handle:
        body = "\n".join(p.text for p in docx.Document(io.BytesIO(handle.read())).paragraphs)
    assert "tăng 134 cái (12,2%) so với kỳ trước (1.100 cái)" in body
