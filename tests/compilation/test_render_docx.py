"""The DOCX Báo cáo, checked the way a clerk checks a document against ND 30/2020 Phụ lục I."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import unicodedata
from typing import Any

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tonghop.compilation.layout import (
    OfficialDocument,
    Paragraph,
    Section,
    Signer,
    Table,
    format_date_nd30,
    kinh_gui_lines,
    number_line,
    place_date_line,
    recipient_lines,
    signer_lines,
)
from tonghop.compilation.render_docx import render_docx

UNITS = ("UBND xã Đông Hòa", "UBND xã Đông Khê", "Trường THCS Nhữ Bá Sỹ")


def _report(**changes: Any) -> OfficialDocument:
    table = Table(
        columns=("TT", "Đơn vị", "Số băng rôn", "Số tin, bài"),
        rows=tuple((str(i), u, str(i * 3), str(i * 10)) for i, u in enumerate(UNITS, 1)),
        numeric=(False, False, True, True),
        total_row=("", "Tổng cộng", "18", "60"),
        caption="Bảng 1. Kết quả theo đơn vị",
    )
    doc = OfficialDocument(
        parent_body="UBND HUYỆN ĐÔNG SƠN",
        issuer="PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN",
        number="15",
        symbol="BC-VHKHTT",
        place="Đông Sơn",
        issued_on=datetime.date(2025, 5, 5),
        year=2025,
        doc_type="BÁO CÁO",
        subject="Kết quả tổ chức Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        addressees=("Sở Khoa học và Công nghệ",),
        sections=(
            Section(
                "I. Kết quả triển khai",
                (
                    Section(
                        "1. Công tác tuyên truyền", (Paragraph("Các đơn vị đã treo băng rôn."),)
                    ),
                    Section("2. Kết quả theo đơn vị", (table,)),
                ),
            ),
            Section("II. Đánh giá chung", (Paragraph("Các đơn vị đã chủ động triển khai."),)),
            Section("III. Đề xuất, kiến nghị", (Paragraph("Đề nghị Sở tiếp tục hỗ trợ."),)),
        ),
        signer=Signer("KT.", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Nguyễn Văn An"),
        recipients=("Như trên", "UBND huyện (b/c)", "Lưu: VT, VHKHTT"),
    )
    return dataclasses.replace(doc, **changes)


def _open(doc: OfficialDocument) -> Any:
    return docx.Document(io.BytesIO(render_docx(doc)))


def _body_texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def _size(paragraph: Any) -> float | None:
    sizes = {r.font.size.pt if r.font.size else None for r in paragraph.runs if r.text.strip()}
    assert len(sizes) == 1, sizes
    return sizes.pop()


def _all(paragraph: Any, attr: str) -> bool:
    return all(getattr(r.font, attr) for r in paragraph.runs if r.text.strip())


def _mm(*lengths: Any) -> tuple[int, ...]:
    return tuple(round(length.mm) for length in lengths)


def _header(document: Any) -> Any:
    return document.tables[0]


def _footer(document: Any) -> Any:
    return document.tables[-1]


# --- page --------------------------------------------------------------------------------------


def test_it_uses_a4_portrait_with_nd30_margins() -> None:
    section = _open(_report()).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert Mm(20) - 1000 <= section.top_margin <= Mm(25) + 1000
    assert Mm(20) - 1000 <= section.bottom_margin <= Mm(25) + 1000
    assert Mm(30) - 1000 <= section.left_margin <= Mm(35) + 1000
    assert Mm(15) - 1000 <= section.right_margin <= Mm(20) + 1000


def test_it_names_times_new_roman_for_every_script() -> None:
    document = _open(_report())
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attr)) == "Times New Roman"
    assert not [k for k in fonts.attrib if k.endswith("Theme")]
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert default_fonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert not [k for k in default_fonts.attrib if k.endswith("Theme")]
    # No run overrides the font with another name.
    names = {r.font.name for p in document.paragraphs for r in p.runs}
    assert names <= {None, "Times New Roman"}


def test_it_numbers_pages_in_the_header_from_the_second_page() -> None:
    section = _open(_report()).sections[0]
    assert section.different_first_page_header_footer
    assert not section.first_page_header.is_linked_to_previous
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    paragraph = section.header.paragraphs[0]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instr = paragraph._p.findall(f".//{qn('w:instrText')}")
    assert [i.text.strip() for i in instr] == ["PAGE"]
    assert all(r.font.size == Pt(13) for r in paragraph.runs)


def test_it_sets_core_properties() -> None:
    props = _open(_report()).core_properties
    assert props.title == _report().subject
    assert props.author == "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
    assert props.language == "vi-VN"


# --- header: ô 1 to 4 ----------------------------------------------------------------------------


def test_it_lays_out_the_header_in_two_borderless_columns() -> None:
    table = _header(_open(_report()))
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    organ, nation = table.rows[0].cells
    parent, issuer = (p for p in organ.paragraphs if p.text)
    assert parent.text == "UBND HUYỆN ĐÔNG SƠN"
    assert _size(parent) == 13 and not _all(parent, "bold") and not _all(parent, "italic")
    assert issuer.text == "PHÒNG VĂN HÓA,\nKHOA HỌC VÀ THÔNG TIN"  # broken between groups
    assert _size(issuer) == 13 and _all(issuer, "bold")
    quoc_hieu, tieu_ngu = (p for p in nation.paragraphs if p.text)
    assert quoc_hieu.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert _size(quoc_hieu) == 12 and _all(quoc_hieu, "bold")
    assert tieu_ngu.text == "Độc lập - Tự do - Hạnh phúc"
    assert _size(tieu_ngu) == 13 and _all(tieu_ngu, "bold")
    # A rule (a bordered empty paragraph) under the issuer and under the Tiêu ngữ.
    for cell in (organ, nation):
        assert cell.paragraphs[-1]._p.find(f".//{qn('w:pBdr')}") is not None
    for paragraph in (parent, issuer, quoc_hieu, tieu_ngu):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_it_puts_number_and_place_date_on_one_row() -> None:
    number, place = _header(_open(_report())).rows[1].cells
    assert number.text == "Số: 15/BC-VHKHTT"
    assert _size(number.paragraphs[0]) == 13 and not _all(number.paragraphs[0], "italic")
    assert place.text == "Đông Sơn, ngày 05 tháng 5 năm 2025"
    assert _all(place.paragraphs[0], "italic") and _size(place.paragraphs[0]) in (13, 14)


def test_it_leaves_number_and_date_blank_for_the_register() -> None:
    doc = _report(number=None, issued_on=None, year=2026)
    number, place = _header(_open(doc)).rows[1].cells
    assert re.fullmatch(r"Số: {4,}/BC-VHKHTT", number.text)
    assert re.fullmatch(r"Đông Sơn, ngày {4,}tháng {4,}năm 2026", place.text)


def test_it_pads_numbers_below_ten() -> None:
    assert number_line(_report(number="5")) == "Số: 05/BC-VHKHTT"
    assert number_line(_report(number="123")) == "Số: 123/BC-VHKHTT"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 5, 5), "ngày 05 tháng 5 năm 2025"),
        (datetime.date(2025, 1, 15), "ngày 15 tháng 01 năm 2025"),
        (datetime.date(2025, 2, 9), "ngày 09 tháng 02 năm 2025"),
        (datetime.date(2025, 3, 10), "ngày 10 tháng 3 năm 2025"),
        (datetime.date(2025, 12, 20), "ngày 20 tháng 12 năm 2025"),
        (datetime.date(2025, 10, 1), "ngày 01 tháng 10 năm 2025"),
    ],
)
def test_it_writes_dates_as_nd30(day: datetime.date, expected: str) -> None:
    assert format_date_nd30(day) == expected


def test_it_writes_the_date_alone_without_a_place() -> None:
    assert place_date_line(_report(place="")) == "ngày 05 tháng 5 năm 2025"


# --- title, Kính gửi, content --------------------------------------------------------------------


def test_it_centres_type_name_and_subject_in_bold() -> None:
    texts = _body_texts(document := _open(_report()))
    kind = document.paragraphs[texts.index("BÁO CÁO")]
    subject = document.paragraphs[texts.index(_report().subject)]
    for paragraph in (kind, subject):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert _all(paragraph, "bold") and _size(paragraph) == 14
    after = document.paragraphs[texts.index(_report().subject) + 1]
    assert after._p.find(f".//{qn('w:pBdr')}") is not None  # the short rule


def test_it_writes_kinh_gui_on_one_line_or_as_a_list() -> None:
    assert "Kính gửi: Sở Khoa học và Công nghệ" in _body_texts(_open(_report()))
    assert kinh_gui_lines(("Sở A;", "- Sở B", "Sở C.")) == (
        "Kính gửi:",
        "- Sở A;",
        "- Sở B;",
        "- Sở C.",
    )
    texts = _body_texts(_open(_report(addressees=("Sở A", "Sở B"))))
    assert texts[texts.index("Kính gửi:") + 1 : texts.index("Kính gửi:") + 3] == [
        "- Sở A;",
        "- Sở B.",
    ]
    assert "Kính gửi:" not in "".join(_body_texts(_open(_report(addressees=())))).strip()


def test_it_keeps_sections_in_order_with_headings_in_nd30_style() -> None:
    document = _open(_report())
    texts = _body_texts(document)
    headings = [
        "I. KẾT QUẢ TRIỂN KHAI",
        "1. Công tác tuyên truyền",
        "2. Kết quả theo đơn vị",
        "II. ĐÁNH GIÁ CHUNG",
        "III. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    top = document.paragraphs[positions[0]]
    assert top.style.name == "ND30 Heading 1" and top.style.font.bold
    body = document.paragraphs[texts.index("Các đơn vị đã treo băng rôn.")]
    assert body.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    indent = body.style.paragraph_format.first_line_indent
    assert Mm(10) - 1000 <= indent <= Mm(12.7) + 1000
    assert body.style.paragraph_format.space_before >= Pt(6)


def test_it_closes_the_content_with_the_end_mark() -> None:
    texts = _body_texts(_open(_report()))
    assert "Đề nghị Sở tiếp tục hỗ trợ./." in texts


def test_it_does_not_double_an_end_mark_the_writer_typed() -> None:
    doc = _report(sections=(Section("I. A", (Paragraph("Xong./."),)),))
    assert "Xong./." in _body_texts(_open(doc))


def test_it_breaks_lines_inside_a_paragraph() -> None:
    doc = _report(sections=(Section("I. A", (Paragraph("Dòng một\r\nDòng hai"),)),))
    paragraph = next(p for p in _open(doc).paragraphs if p.text.startswith("Dòng một"))
    assert paragraph.text == "Dòng một\nDòng hai./."
    assert paragraph._p.find(f".//{qn('w:br')}") is not None


def test_it_renders_a_data_table() -> None:
    document = _open(_report())
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["TT", "Đơn vị", "Số băng rôn", "Số tin, bài"]
    assert [c.text for c in table.rows[2].cells] == ["2", "UBND xã Đông Khê", "6", "20"]
    assert [c.text for c in table.rows[-1].cells] == ["", "Tổng cộng", "18", "60"]
    header_tr = table.rows[0]._tr
    assert header_tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    assert all(_all(c.paragraphs[0], "bold") for c in table.rows[0].cells)
    assert not any(_all(c.paragraphs[0], "bold") for c in table.rows[1].cells if c.text)
    assert all(_all(c.paragraphs[0], "bold") for c in table.rows[-1].cells if c.text)
    aligns = [c.paragraphs[0].alignment for c in table.rows[1].cells]
    right, left = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    assert aligns == [left, left, right, right]
    assert "Bảng 1. Kết quả theo đơn vị" in _body_texts(document)


def test_it_keeps_two_adjacent_tables_apart() -> None:
    small = Table(columns=("A",), rows=(("1",),))
    doc = _report(sections=(Section("I. Bảng", (small, small)),))
    assert len(_open(doc).tables) == 4  # header, two tables, signature


def test_it_rejects_a_row_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="row 0"):
        Table(columns=("A", "B"), rows=(("1",),))
    with pytest.raises(ValueError, match="numeric"):
        Table(columns=("A", "B"), rows=(), numeric=(True,))


# --- Nơi nhận and the signer ---------------------------------------------------------------------


def test_it_writes_noi_nhan_as_nd30_says() -> None:
    left = _footer(_open(_report())).rows[0].cells[0]
    title, *lines = (p for p in left.paragraphs if p.text)
    assert title.text == "Nơi nhận:"
    assert _all(title, "bold") and _all(title, "italic") and _size(title) == 12
    assert [p.text for p in lines] == ["- Như trên;", "- UBND huyện (b/c);", "- Lưu: VT, VHKHTT."]
    assert all(_size(p) == 11 and not _all(p, "bold") for p in lines)
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.LEFT for p in lines)
    # Marks the caller typed are not doubled.
    assert recipient_lines(("- Như trên;", "Lưu: VT.")) == ("- Như trên;", "- Lưu: VT.")


def test_it_writes_the_signer_block() -> None:
    right = _footer(_open(_report())).rows[0].cells[1]
    lines = [p for p in right.paragraphs if p.text]
    assert [p.text for p in lines] == ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Nguyễn Văn An"]
    assert all(_all(p, "bold") and p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in lines)
    assert lines[2].paragraph_format.space_before >= Pt(50)  # room for signature and seal


def test_it_writes_each_kind_of_authority() -> None:
    assert signer_lines(Signer("TM.", "Ủy ban nhân dân", "Chủ tịch", "A")) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    )
    assert signer_lines(Signer("Q.", None, "TRƯỞNG PHÒNG", "A")) == ("Q. TRƯỞNG PHÒNG",)
    assert signer_lines(Signer(None, None, "TRƯỞNG PHÒNG", "A")) == ("TRƯỞNG PHÒNG",)


# --- appendices ----------------------------------------------------------------------------------


def test_it_puts_each_appendix_in_its_own_numbered_section() -> None:
    small = Table(columns=("A",), rows=(("1",),))
    doc = _report(
        appendices=(Section("PHỤ LỤC: Kết quả theo đơn vị", (small,)), Section("Danh sách", ()))
    )
    document = _open(doc)
    assert len(document.sections) == 3
    for section in document.sections[1:]:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert section.different_first_page_header_footer
    texts = _body_texts(document)
    assert texts.index("Phụ lục I") < texts.index("KẾT QUẢ THEO ĐƠN VỊ") < texts.index("Phụ lục II")
    assert "(Kèm theo Báo cáo số 15/BC-VHKHTT ngày 05 tháng 5 năm 2025)" in texts
    one = _body_texts(_open(_report(appendices=(Section("Danh sách", ()),))))
    assert "Phụ lục" in one


def test_it_turns_a_wide_appendix_to_landscape() -> None:
    wide = Table(tuple(f"Cột {i}" for i in range(10)), (tuple(str(i) for i in range(10)),))
    doc = _report(
        appendices=(Section("Bảng rộng", (wide,), landscape=True), Section("Danh sách", ()))
    )
    document = _open(doc)
    turned, after = document.sections[1], document.sections[2]
    assert turned.orientation == WD_ORIENT.LANDSCAPE
    assert _mm(turned.page_width, turned.page_height) == (297, 210)
    assert _mm(turned.left_margin, turned.right_margin) == (30, 15)
    assert after.orientation == WD_ORIENT.PORTRAIT
    assert _mm(after.page_width, after.page_height) == (210, 297)
    # The table takes the landscape text width: 297 - 30 - 15 mm.
    grid = document.tables[-1]._tbl.tblGrid
    width = sum(int(c.get(qn("w:w"))) for c in grid.findall(qn("w:gridCol")))
    assert abs(width - Mm(252).twips) <= 10


# --- hostile content -----------------------------------------------------------------------------


def test_it_keeps_vietnamese_text_in_nfc() -> None:
    subject = unicodedata.normalize("NFD", "Báo cáo kết quả Ngày Sáng tạo, Đổi mới")
    texts = _body_texts(_open(_report(subject=subject)))
    assert unicodedata.normalize("NFC", subject) in texts
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_it_strips_control_characters_and_escapes_xml() -> None:
    nasty = "A <b>&amp; \x00\x01\x0b\x1f\x7f\ufffe B </w:t>"
    doc = _report(
        issuer=f"PHÒNG {nasty}",
        subject=nasty,
        sections=(Section(nasty, (Paragraph(nasty), Table(columns=(nasty,), rows=((nasty,),)))),),
        recipients=(nasty,),
        signer=Signer(None, None, nasty, nasty),
    )
    document = _open(doc)
    # The vertical tab is Word's own line break (Shift+Enter): a line break, the rest dropped.
    clean = "A <b>&amp; \n B </w:t>"
    assert clean in _body_texts(document)
    assert document.tables[1].rows[1].cells[0].text == clean
    assert document.core_properties.title == "A <b>&amp; B </w:t>"  # one line


def test_it_renders_a_very_long_subject() -> None:
    subject = "Kết quả " + "tổ chức hoạt động hưởng ứng " * 200
    document = _open(_report(subject=subject))
    assert subject.strip() in _body_texts(document)
    title = document.core_properties.title
    assert len(title) == 255 and title.endswith("…")


def test_it_renders_empty_sections_and_an_empty_document() -> None:
    doc = _report(sections=(Section("I. Trống"), Section("II. Cũng trống", ())), recipients=())
    texts = _body_texts(_open(doc))
    assert "I. TRỐNG" in texts and "II. CŨNG TRỐNG" in texts and "./." in texts
    assert "Nơi nhận:" not in _footer(_open(doc)).rows[0].cells[0].text
    assert render_docx(_report(sections=(), addressees=(), parent_body=None))


def test_it_writes_the_rows_of_a_province() -> None:
    # An appendix of 10,000 units: python-docx's element API took a minute for this.
    rows = tuple((str(i), f"Đơn vị số {i}", *(str(i * k) for k in range(8))) for i in range(10_000))
    columns = ("TT", "Đơn vị", *(f"Chỉ tiêu {k}" for k in range(8)))
    total = ("", "Tổng cộng", *("1",) * 8)
    table = Table(columns, rows, (False, False, *(True,) * 8), total_row=total)
    data = render_docx(_report(appendices=(Section("Kết quả", (table,), landscape=True),)))
    big = docx.Document(io.BytesIO(data)).tables[-1]
    assert len(big.rows) == 10_002
    assert [c.text for c in big.rows[10_000].cells][:3] == ["9999", "Đơn vị số 9999", "0"]
    assert big.rows[-1].cells[1].text == "Tổng cộng"


def test_it_renders_two_thousand_rows() -> None:
    rows = tuple((str(i), f"Đơn vị số {i}", str(i), f"{i * 1000:,}") for i in range(1, 2001))
    table = Table(("TT", "Đơn vị", "Số", "Kinh phí"), rows, (False, False, True, True))
    data = render_docx(_report(sections=(Section("I. Bảng lớn", (table,)),)))
    big = docx.Document(io.BytesIO(data)).tables[1]
    assert len(big.rows) == 2001
    assert big.rows[2000].cells[1].text == "Đơn vị số 2000"
