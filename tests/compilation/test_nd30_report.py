"""ND 30 PL I for a Báo cáo sent up, checked on the rendered DOCX and PDF: the parts the
consolidated report touches (sections, properties, headings, tables, the issuer's name) and an
independent reading of the file (an XSD check of w:sectPr, LibreOffice's conversion)."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from lxml import etree  # type: ignore[import-untyped]

from tests.compilation.test_render_docx import _report
from tonghop.compilation.layout import (
    Chart,
    Paragraph,
    Section,
    Table,
    appendix_reference_line,
    column_widths,
    name_lines,
)
from tonghop.compilation.render_docx import render_docx
from tonghop.compilation.render_pdf import render_pdf

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# CT_SectPr of ECMA-376 Part 1 (wml.xsd), its child sequence with each element's bounds; the
# children's own content is not what this check is about, so it is left open.
_OPEN = '<xsd:complexType><xsd:sequence><xsd:any minOccurs="0" maxOccurs="unbounded" processContents="skip"/></xsd:sequence><xsd:anyAttribute processContents="skip"/></xsd:complexType>'  # noqa: E501
_SECT_PR_CHILDREN = (
    ("headerReference", "unbounded"),
    ("footerReference", "unbounded"),
    ("footnotePr", "1"),
    ("endnotePr", "1"),
    ("type", "1"),
    ("pgSz", "1"),
    ("pgMar", "1"),
    ("paperSrc", "1"),
    ("pgBorders", "1"),
    ("lnNumType", "1"),
    ("pgNumType", "1"),
    ("cols", "1"),
    ("formProt", "1"),
    ("vAlign", "1"),
    ("noEndnote", "1"),
    ("titlePg", "1"),
    ("textDirection", "1"),
    ("bidi", "1"),
    ("rtlGutter", "1"),
    ("docGrid", "1"),
    ("printerSettings", "1"),
    ("sectPrChange", "1"),
)
SECT_PR_XSD = (
    f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{W}" '
    f'xmlns:w="{W}" elementFormDefault="qualified">'
    '<xsd:element name="sectPr"><xsd:complexType><xsd:sequence>'
    + "".join(
        f'<xsd:element name="{name}" minOccurs="0" maxOccurs="{most}">{_OPEN}</xsd:element>'
        for name, most in _SECT_PR_CHILDREN
    )
    + '</xsd:sequence><xsd:anyAttribute processContents="skip"/></xsd:complexType></xsd:element>'
    "</xsd:schema>"
)

APPENDICES = (
    Section("PHỤ LỤC: KẾT QUẢ THEO ĐƠN VỊ", (Paragraph("Bảng số liệu."),), landscape=True),
    Section("PHỤ LỤC: NỘI DUNG CỤ THỂ", (Paragraph("Khẩu hiệu."),)),
    Section("PHỤ LỤC: BIỂU ĐỒ", (Chart("Tổng số", ("Pano", "Băng rôn"), (3, 7), "cái"),)),
)


def _three_appendices() -> bytes:
    return render_docx(
        _report(appendices=APPENDICES, author="Phòng Văn hóa, Khoa học và Thông tin")
    )


def test_each_section_is_valid_against_the_schema_with_three_appendices() -> None:
    schema = etree.XMLSchema(etree.fromstring(SECT_PR_XSD.encode()))
    with zipfile.ZipFile(io.BytesIO(_three_appendices())) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    sections = body.findall(f".//{{{W}}}sectPr")
    assert len(sections) == 4
    for section in sections:
        assert schema.validate(section), schema.error_log.last_error
        assert len(section.findall(f"{{{W}}}pgNumType")) <= 1
    # Each appendix restarts its page numbers at 1.
    assert [len(s.findall(f"{{{W}}}pgNumType")) for s in sections] == [0, 1, 1, 1]


def test_the_file_properties_name_the_report_and_the_office() -> None:
    data = _three_appendices()
    properties = docx.Document(io.BytesIO(data)).core_properties
    assert properties.title.startswith("Kết quả tổ chức Ngày Sáng tạo")
    assert properties.author == "Phòng Văn hóa, Khoa học và Thông tin"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        app = package.read("docProps/app.xml").decode()
    assert "Microsoft" not in app and "<Application>tonghop</Application>" in app
    # Pages and words are left for Word to count, not the template's 1 page and 0 words.
    assert "<Pages>" not in app and "<Words>" not in app
    assert "<Company>Phòng Văn hóa, Khoa học và Thông tin</Company>" in app


def test_appendices_are_numbered_in_roman_with_their_reference_line() -> None:
    document = docx.Document(io.BytesIO(_three_appendices()))
    texts = [p.text for p in document.paragraphs]
    for label in ("Phụ lục I", "Phụ lục II", "Phụ lục III"):
        at = texts.index(label)
        assert texts[at + 2] == (
            "(Kèm theo Báo cáo số 15/BC-VHKHTT ngày 05 tháng 5 năm 2025 của Phòng Văn hóa, "
            "Khoa học và Thông tin)"
        )
    assert appendix_reference_line(_report()).endswith("năm 2025)")


def test_names_break_between_word_groups() -> None:
    def fits(most: int) -> object:
        return lambda line: len(line) <= most

    name = "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
    assert name_lines(name, fits(24)) == "PHÒNG VĂN HÓA, KHOA HỌC\nVÀ THÔNG TIN"  # type: ignore[arg-type]
    assert name_lines(name, fits(15)) == "PHÒNG VĂN HÓA,\nKHOA HỌC\nVÀ THÔNG TIN"  # type: ignore[arg-type]
    assert name_lines(name, fits(80)) == name  # type: ignore[arg-type]
    # A single group wider than the line breaks between its words, never inside one.
    assert name_lines("TRUNG TÂM VĂN HÓA THỂ THAO", fits(10)).split("\n") == [  # type: ignore[arg-type]
        "TRUNG TÂM",
        "VĂN HÓA",
        "THỂ THAO",
    ]
    assert name_lines("", fits(10)) == ""  # type: ignore[arg-type]


def _pdf_lines(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [unicodedata.normalize("NFC", line).strip() for line in text.splitlines()]


def test_the_issuer_in_the_pdf_breaks_between_word_groups() -> None:
    lines = _pdf_lines(render_pdf(_report()))
    assert "PHÒNG VĂN HÓA," in lines
    assert "KHOA HỌC VÀ THÔNG TIN" in lines


WIDE = Table(
    columns=(
        "TT",
        "Đơn vị",
        "Pano tuyên truyền đã treo",
        "Băng rôn đã treo",
        "Áp phích khẩu hiệu đã treo",
        "Bài viết, tin bài đã đăng tải",
        "Hoạt động hưởng ứng đã tổ chức",
        "Số lượt người tham gia, được tiếp cận",
        "Tập thể đề nghị khen thưởng",
        "Cá nhân đề nghị khen thưởng",
    ),
    rows=(("1", "Trung tâm Văn hóa, Thể thao và Du lịch huyện", *["1.605"] * 8),),
    numeric=(False, False, *[True] * 8),
)


def test_table_headings_never_split_a_word() -> None:
    from tonghop.compilation.render_pdf import _text_width

    widths = column_widths(WIDE, 170.0, lambda w: _text_width(w, 13, True), 3.8)
    assert abs(sum(widths) - 170.0) < 0.01
    for title, width in zip(WIDE.columns, widths, strict=True):
        for word in title.split():
            assert _text_width(word, 13, True) + 3.8 <= width, (word, width)
    doc = _report(
        sections=(Section("I. Kết quả", (WIDE,)),),
        appendices=(Section("PHỤ LỤC: THEO ĐƠN VỊ", (WIDE,), landscape=True),),
    )
    words = {w.strip(",") for title in WIDE.columns for w in title.split()}
    tokens = {t.strip(",") for line in _pdf_lines(render_pdf(doc)) for t in line.split()}
    assert words <= tokens, words - tokens


def test_sub_headings_are_kept_with_what_follows() -> None:
    doc = _report(
        sections=(
            Section(
                "II. KẾT QUẢ",
                (Paragraph("3. Một số kết quả nổi bật", bold=True), Paragraph("- Pano: 30.")),
            ),
        )
    )
    document = docx.Document(io.BytesIO(render_docx(doc)))
    heading = next(p for p in document.paragraphs if p.text == "3. Một số kết quả nổi bật")
    assert heading.paragraph_format.keep_with_next
    top = next(p for p in document.paragraphs if p.text == "II. KẾT QUẢ")
    assert top.style is not None and top.style.paragraph_format.keep_with_next


def test_one_unit_of_measure_per_chart(world: object) -> None:
    from tests.conftest import World
    from tonghop.compilation.build import build_document
    from tonghop.reports import actions

    assert isinstance(world, World)
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "3", "luot_nguoi": "1200"},
        "",
        expected_version=0,
        submit=True,
    )
    charts = [
        block
        for appendix in build_document(world.campaign).appendices
        for block in appendix.blocks
        if isinstance(block, Chart)
    ]
    units = [c.unit for c in charts]
    assert units.count("cái") == 1 and units.count("lượt") == 1
    assert all(len({c.unit}) == 1 for c in charts)


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice not installed")
@pytest.mark.slow
def test_libreoffice_opens_the_docx_and_lays_it_out(tmp_path: Path) -> None:
    source = tmp_path / "report.docx"
    source.write_bytes(_three_appendices())
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    lines = _pdf_lines((tmp_path / "report.pdf").read_bytes())
    joined = "\n".join(lines)
    for label in ("Phụ lục I", "Phụ lục II", "Phụ lục III"):
        assert label in lines
    # The issuer's name breaks where the DOCX put its line break, never inside "KHOA HỌC".
    assert "PHÒNG VĂN HÓA,\nKHOA HỌC VÀ THÔNG TIN" in joined
    assert dataclasses.is_dataclass(_report())
