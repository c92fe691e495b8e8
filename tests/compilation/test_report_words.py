"""The consolidated report's words: derived from the data, addressed upward, citing the
directive from the register (ND 30 PL I)."""

from __future__ import annotations

import datetime as dt
import io
from importlib import resources

import docx
from django.urls import reverse

from tests.conftest import World
from tonghop.compilation.build import build_document, percent_vi
from tonghop.compilation.citations import DIRECTIVE, RELAY, citations_for
from tonghop.compilation.layout import Paragraph, Section
from tonghop.compilation.models import Compilation, ReportCitation
from tonghop.compilation.render_docx import render_docx
from tonghop.documents.models import Direction, Document
from tonghop.reports import actions


def _texts(section: Section) -> list[str]:
    return [b.text for b in section.blocks if isinstance(b, Paragraph)]


def _all_text(world: World, **kwargs: str) -> str:
    document = build_document(world.campaign, **kwargs)  # type: ignore[arg-type]
    out = []
    for section in document.sections:
        out.append(section.heading)
        out += _texts(section)
    return "\n".join(out)


def _report(world: World, user: object, assignment_id: int, values: dict[str, str]) -> None:
    actions.save_report(
        user,  # type: ignore[arg-type]
        assignment_id,
        values,
        "Đơn vị đã quán triệt, phổ biến mục đích, ý nghĩa.",
        expected_version=0,
        submit=True,
    )


def _seed_letter(world: World) -> Document:
    from tonghop.dispatch import parse_text

    text = resources.files("tonghop.demo").joinpath("seed.txt").read_text(encoding="utf-8")
    return Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        doc_type="Công văn",
        issuer=world.office.name,
        issued_on=dt.date(2025, 4, 25),
        subject="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        text=text,
        parsed=parse_text(text, source="seed.txt"),
    )


def test_percentages_are_written_the_vietnamese_way() -> None:
    assert percent_vi(19, 28) == "67,9%"
    assert percent_vi(28, 28) == "100%"
    assert percent_vi(0, 0) == "0%"
    assert percent_vi(1, 3) == "33,3%"


def test_completion_and_lateness_come_from_the_data(world: World) -> None:
    _report(world, world.hoa, world.a_an_phu.pk, {"pano": "3", "luot_nguoi": "1605"})
    text = _all_text(world)
    assert "đã báo cáo: 1/3 đơn vị (33,3%), trong đó 1 đơn vị báo cáo đúng hạn." in text
    assert "Các đơn vị chưa báo cáo (2): UBND xã Bình Minh, Trường THCS An Phú." in text
    assert "tổng số 1.605 lượt" in text


def test_no_default_assessment_claims_what_the_data_contradicts(world: World) -> None:
    _report(world, world.hoa, world.a_an_phu.pk, {"pano": "3"})
    document = build_document(world.campaign)
    assessment = _texts(document.sections[3])
    joined = " ".join(assessment)
    assert "bảo đảm nội dung và thời gian" not in joined
    assert "1/3 đơn vị đã triển khai" in joined and "2 đơn vị chưa báo cáo" in joined
    # The office's own judgement is missing, and the draft says so where the head reads it.
    assert assessment[-1].startswith("[Chưa có nhận xét, đánh giá")
    written = build_document(world.campaign, assessment="Kết quả còn hạn chế.")
    assert _texts(written.sections[3]) == ["Kết quả còn hạn chế."]


def test_default_proposals_are_addressed_to_the_body_reported_to(world: World) -> None:
    proposals = " ".join(_texts(build_document(world.campaign).sections[4]))
    assert "Kính đề nghị Sở Khoa học và Công nghệ" in proposals
    assert "Đề nghị các đơn vị chưa báo cáo khẩn trương" not in proposals
    world.campaign.report_to = ""
    proposals = " ".join(_texts(build_document(world.campaign).sections[4]))
    assert "[Chưa có kiến nghị, đề xuất" in proposals


def test_highlights_are_chosen_by_the_figures_not_the_alphabet(world: World) -> None:
    _report(world, world.hoa, world.a_an_phu.pk, {"pano": "1", "luot_nguoi": "40"})
    _report(world, world.nam, world.a_binh_minh.pk, {"pano": "4", "luot_nguoi": "1200"})
    text = _all_text(world)
    assert (
        "- Pano đã treo: tổng số 5 cái, 2 đơn vị báo cáo; nhiều nhất: UBND xã Bình Minh (4), "
        "UBND xã An Phú (1)." in text
    )
    assert "nhiều nhất: UBND xã Bình Minh (1.200), UBND xã An Phú (40)." in text


def test_long_lists_go_to_an_appendix_with_a_count_in_the_body(world: World) -> None:
    from tonghop.orgs.models import Unit, UnitKind
    from tonghop.reports.models import Assignment, Report, State

    for n in range(8):
        unit = Unit.objects.create(
            code=f"xa-k-{n}", name=f"UBND xã K{n}", kind=UnitKind.COMMUNE, parent=world.office
        )
        assignment = Assignment.objects.create(
            campaign=world.campaign, unit=unit, due_at=world.campaign.due_at, state=State.SUBMITTED
        )
        Report.objects.create(assignment=assignment, values={"khau_hieu": f"Khẩu hiệu {n}"})
    document = build_document(world.campaign)
    body = _all_text(world)
    assert "- Khẩu hiệu: 8 đơn vị báo cáo (chi tiết tại Phụ lục II)." in body
    assert "Khẩu hiệu 3" not in body
    listed = document.appendices[1]
    assert listed.heading == "NỘI DUNG CỤ THỂ DO CÁC ĐƠN VỊ BÁO CÁO"
    assert "Khẩu hiệu 3" in str(listed.blocks)


def test_recipients_of_a_report_sent_up(world: World) -> None:
    document = build_document(world.campaign)
    assert document.recipients == ("Như trên", "UBND huyện Minh Hòa (b/c)", "Lưu: VT, 02b")
    world.office.short_name = "VHKHTT"
    world.office.save()
    world.campaign.refresh_from_db()
    rendered = docx.Document(io.BytesIO(render_docx(build_document(world.campaign))))
    texts = [p.text for t in rendered.tables for c in t._cells for p in c.paragraphs]
    assert "- Như trên;" in texts and "- Lưu: VT, VHKHTT, 02b." in texts


def test_the_opening_cites_the_directive_found_in_the_relaying_letter(world: World) -> None:
    world.campaign.source_document = _seed_letter(world)
    world.campaign.save()
    directive, relay = citations_for(world.campaign)
    assert (directive.role, relay.role) == (DIRECTIVE, RELAY)
    opening = _texts(build_document(world.campaign).sections[0])[0]
    assert opening.startswith(
        "Thực hiện Công văn số 542/SKHCN-CN&ĐMST ngày 21 tháng 4 năm 2025 của Sở Khoa học và "
        "Công nghệ về việc hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025; "
        "Phòng Văn hóa, Khoa học và Thông tin đã ban hành Công văn ngày 25 tháng 4 năm 2025"
    )
    assert "57-NQ/TW" not in opening


def test_the_citations_kept_on_the_campaign_win(world: World) -> None:
    world.campaign.source_document = _seed_letter(world)
    world.campaign.save()
    ReportCitation.objects.create(
        campaign=world.campaign,
        role=DIRECTIVE,
        doc_type="Kế hoạch",
        number="12",
        symbol="KH-SKHCN",
        issued_on=dt.date(2025, 1, 5),
        issuer="Sở Khoa học và Công nghệ",
        subject="Truyền thông năm 2025",
    )
    opening = _texts(build_document(world.campaign).sections[0])[0]
    assert opening.startswith(
        "Thực hiện Kế hoạch số 12/KH-SKHCN ngày 05 tháng 01 năm 2025 của Sở Khoa học và Công "
        "nghệ về việc truyền thông năm 2025. "
    )


def test_a_campaign_without_a_directive_says_what_it_can(world: World) -> None:
    opening = _texts(build_document(world.campaign).sections[0])[0]
    assert opening == "Phòng Văn hóa, Khoa học và Thông tin báo cáo kết quả thực hiện như sau:"


def test_hostile_text_stays_in_a_valid_docx(world: World) -> None:
    nasty = "A\x00\x0b<w:t>&\ufffe" + " " * 50 + "x" * 20000
    document = build_document(world.campaign, assessment=nasty, proposals="   ")
    data = render_docx(document)
    texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "A" in texts and any(t.startswith("<w:t>&") for t in texts)
    assert any("Kính đề nghị Sở Khoa học và Công nghệ" in t for t in texts)


def _compiled(world: World) -> Compilation:
    from tonghop.compilation.actions import run

    compilation = Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    return run(compilation)


def test_the_page_shows_what_the_report_cites_and_the_specialist_changes_it(
    world: World,
) -> None:
    world.campaign.source_document = _seed_letter(world)
    world.campaign.save()
    compilation = _compiled(world)
    url = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    client = world.client_for(world.lan)
    body = client.get(url).content.decode()
    assert "Công văn số 542/SKHCN-CN&amp;ĐMST ngày 21 tháng 4 năm 2025" in body
    assert 'id="citation-missing"' not in body
    post = reverse("compilation:citations", args=[world.campaign.slug, compilation.uid])
    response = client.post(
        post,
        {
            "directive-cite": "on",
            "directive-doc_type": "Công văn",
            "directive-number": "542",
            "directive-symbol": "SKHCN-CN&ĐMST",
            "directive-issued_on": "21/04/2025",
            "directive-issuer": "Sở Khoa học và Công nghệ",
            "directive-subject": "Hưởng ứng Ngày Sáng tạo",
        },
    )
    assert response.status_code == 302
    # The relaying letter left unticked: kept as "cite nothing", not suggested again.
    assert [c.role for c in citations_for(world.campaign)] == [DIRECTIVE]
    opening = _texts(build_document(world.campaign).sections[0])[0]
    assert opening == (
        "Thực hiện Công văn số 542/SKHCN-CN&ĐMST ngày 21 tháng 4 năm 2025 của Sở Khoa học và "
        "Công nghệ về việc hưởng ứng Ngày Sáng tạo. Phòng Văn hóa, Khoa học và Thông tin báo "
        "cáo kết quả thực hiện như sau:"
    )


def test_bad_citations_are_refused_and_nothing_is_saved(world: World) -> None:
    compilation = _compiled(world)
    post = reverse("compilation:citations", args=[world.campaign.slug, compilation.uid])
    client = world.client_for(world.lan)
    for data in (
        {"directive-cite": "on", "directive-issued_on": "31/02/2025", "directive-issuer": "Sở"},
        {"directive-cite": "on", "directive-number": "1"},
        {"directive-cite": "on", "directive-number": "1" * 500, "directive-issuer": "Sở"},
    ):
        response = client.post(post, data, follow=True)
        assert response.status_code == 200
        assert (
            'class="error' in response.content.decode() or "errorlist" in response.content.decode()
        )
    assert not ReportCitation.objects.exists()
    # Another office's specialist cannot see the page nor change what it cites.
    other = world.client_for(world.tu)
    assert (
        other.post(
            post, {"directive-cite": "on", "directive-number": "9", "directive-issuer": "X"}
        ).status_code
        == 404
    )
    assert not ReportCitation.objects.exists()


def test_the_page_asks_for_the_directive_when_the_register_has_none(world: World) -> None:
    compilation = _compiled(world)
    url = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    body = world.client_for(world.lan).get(url).content.decode()
    assert 'id="citation-missing"' in body
    assert "Văn bản chỉ đạo mà báo cáo này trả lời chưa có trong sổ" in body
