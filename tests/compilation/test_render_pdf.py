"""The PDF Báo cáo, read back with pypdf, and how it agrees with the DOCX of one description."""

from __future__ import annotations

import dataclasses
import functools
import io
import unicodedata
from typing import Any

import docx
import pypdf
import pypdfium2
from docx.shared import Mm

from tests.compilation.test_render_docx import _report
from tonghop.compilation.charts import VIETNAMESE_LETTERS
from tonghop.compilation.layout import (
    Chart,
    OfficialDocument,
    Paragraph,
    Section,
    Signer,
    Table,
    appendix_reference_line,
    appendix_title,
    kinh_gui_lines,
    number_line,
    place_date_line,
    recipient_lines,
    signer_lines,
)
from tonghop.compilation.render_docx import render_docx
from tonghop.compilation.render_pdf import render_pdf

MM = 72 / 25.4
BIG = Table(
    ("TT", "Đơn vị", "Số", "Kinh phí"),
    tuple((str(i), f"Đơn vị số {i}", str(i), f"{i * 1000:,}") for i in range(1, 2001)),
    (False, False, True, True),
)


@functools.cache
def _big() -> tuple[pypdf.PdfReader, list[str]]:
    """The 2,000-row report, rendered once for the tests that page through it (pypdf is slow)."""
    data = render_pdf(_report(sections=(Section("I. Bảng lớn", (BIG,)),)))
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader, _pages(reader)


def _read(doc: OfficialDocument) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(render_pdf(doc)))


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _pages(reader: pypdf.PdfReader) -> list[str]:
    return [_norm(page.extract_text()) for page in reader.pages]


def _text(reader: pypdf.PdfReader) -> str:
    return " ".join(_pages(reader))


def _top_margin_texts(page: Any) -> list[str]:
    """Texts drawn above the frame, in the top margin (where the page number goes)."""
    found: list[str] = []
    top = float(page.mediabox.top) - 20 * MM

    def visit(text: str, cm: Any, tm: Any, *_: Any) -> None:
        if text.strip() and cm[5] + tm[5] > top:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


# --- page, fonts, metadata -----------------------------------------------------------------------


def test_it_uses_a4_pages() -> None:
    for page in _big()[0].pages:
        assert abs(float(page.mediabox.width) - 210 * MM) < 0.5
        assert abs(float(page.mediabox.height) - 297 * MM) < 0.5


def test_it_embeds_every_font_as_truetype() -> None:
    reader = _read(_report(appendices=(Section("Biểu đồ", (Chart("A", ("x",), (1,)),)),)))
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    assert names and all(n.startswith(("LiberationSerif", "TimesNewRoman")) for n in names)
    assert any("Bold" in n for n in names) and any("Italic" in n for n in names)


def test_it_sets_metadata() -> None:
    reader = _read(_report())
    assert reader.metadata is not None
    assert reader.metadata.title == _report().subject
    assert reader.metadata.author == "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "vi-VN"


# --- Vietnamese text -----------------------------------------------------------------------------


def test_it_keeps_vietnamese_text_intact() -> None:
    subject = unicodedata.normalize("NFD", "Báo cáo kết quả Ngày Sáng tạo, Đổi mới")
    text = _text(_read(_report(subject=subject)))
    assert unicodedata.normalize("NFC", subject) in text
    assert "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN" in text
    assert "Nguyễn Văn An" in text
    assert "Trường THCS Nhữ Bá Sỹ" in text
    assert "Đông Sơn, ngày 05 tháng 5 năm 2025" in text


def test_it_prints_every_vietnamese_letter() -> None:
    letters = " ".join(VIETNAMESE_LETTERS)
    doc = _report(sections=(Section("I. Chữ", (Paragraph(letters), Paragraph(letters.upper()))),))
    text = _text(_read(doc)).replace(" ", "")
    for letter in VIETNAMESE_LETTERS:
        assert letter in text, letter


# --- layout --------------------------------------------------------------------------------------


def test_it_grows_with_a_big_table_and_repeats_its_header() -> None:
    _, pages = _big()
    assert len(pages) > 30
    assert "Đơn vị số 1 " in pages[0] and "Đơn vị số 2000 " in pages[-2] + pages[-1]
    with_rows = [p for p in pages if "Đơn vị số" in p]
    assert len(with_rows) >= len(pages) - 1
    assert all("TT Đơn vị Số Kinh phí" in p for p in with_rows)
    # Rows are not split: every number appears whole, once, in order.
    numbers = [int(w) for p in with_rows for w in p.split("Đơn vị số ")[1:] for w in [w.split()[0]]]
    assert numbers == list(range(1, 2001))


def test_it_numbers_pages_from_the_second_in_the_top_margin() -> None:
    reader = _big()[0]
    assert _top_margin_texts(reader.pages[0]) == []
    for index in (1, 2, len(reader.pages) - 1):
        assert _top_margin_texts(reader.pages[index]) == [str(index + 1)]


def test_it_puts_each_appendix_on_its_own_pages_numbered_apart() -> None:
    long = Table(("A",), tuple((f"dòng {i}",) for i in range(120)))
    doc = _report(appendices=(Section("Phụ lục: Danh sách", (long,)), Section("Biểu đồ", ())))
    reader = _read(doc)
    pages = _pages(reader)
    first = next(i for i, p in enumerate(pages) if p.startswith("Phụ lục I DANH SÁCH"))
    second = next(i for i, p in enumerate(pages) if p.startswith("Phụ lục II BIỂU ĐỒ"))
    assert "Nguyễn Văn An" in pages[first - 1] and second - first >= 2
    reference = "(Kèm theo Báo cáo số 15/BC-VHKHTT ngày 05 tháng 5 năm 2025)"
    assert reference in pages[first] and reference in pages[second]
    # PL I, III.1.đ: each appendix counts its own pages; its first page shows no number.
    assert _top_margin_texts(reader.pages[first]) == []
    assert _top_margin_texts(reader.pages[first + 1]) == ["2"]
    assert _top_margin_texts(reader.pages[second]) == []


def test_it_turns_a_wide_appendix_to_landscape_with_the_header_on_each_page() -> None:
    columns = ("TT", "Đơn vị", *(f"Chỉ tiêu số {k}" for k in range(8)))
    rows = tuple((str(i), f"Đơn vị số {i}", *(str(i * k) for k in range(8))) for i in range(1, 101))
    wide = Table(columns, rows, (False, False, *(True,) * 8))
    doc = _report(appendices=(Section("Kết quả", (wide,), landscape=True), Section("Biểu đồ", ())))
    reader = _read(doc)
    pages = _pages(reader)
    first = next(i for i, p in enumerate(pages) if p.startswith("Phụ lục I KẾT QUẢ"))
    last = next(i for i, p in enumerate(pages) if p.startswith("Phụ lục II BIỂU ĐỒ"))
    assert last - first >= 3
    sizes = [(round(float(p.mediabox.width) / MM), round(float(p.mediabox.height) / MM))
             for p in reader.pages]  # fmt: skip
    assert sizes[:first] == [(210, 297)] * first and sizes[last:] == [(210, 297)]
    assert sizes[first:last] == [(297, 210)] * (last - first)
    head = "TT Đơn vị Chỉ tiêu số 0"
    assert all(head in pages[i] for i in range(first, last))
    numbers = [int(w.split()[0]) for p in pages[first:last] for w in p.split("Đơn vị số ")[1:]]
    assert numbers == list(range(1, 101))
    assert _top_margin_texts(reader.pages[first]) == []
    assert _top_margin_texts(reader.pages[first + 1]) == ["2"]
    # Centred over the landscape text width (30 mm + 252 mm / 2 from the left edge).
    xs: list[float] = []
    reader.pages[first + 1].extract_text(
        visitor_text=lambda t, cm, tm, *_: xs.append(cm[4] + tm[4]) if t.strip() == "2" else None
    )
    assert xs and abs(xs[0] - (30 + 126) * MM) < 5 * MM


def test_it_draws_the_rows_of_a_province() -> None:
    # An appendix of 10,000 units: reportlab's Table took more than ten seconds for this.
    rows = tuple((str(i), f"Đơn vị số {i}", *(str(i * k) for k in range(8))) for i in range(10_000))
    columns = ("TT", "Đơn vị", *(f"Chỉ tiêu {k}" for k in range(8)))
    total = ("", "Tổng cộng", *("1",) * 8)
    table = Table(columns, rows, (False, False, *(True,) * 8), total_row=total)
    data = render_pdf(_report(appendices=(Section("Kết quả", (table,), landscape=True),)))
    reader = pypdf.PdfReader(io.BytesIO(data))
    last = _norm(reader.pages[-1].extract_text())
    assert "Đơn vị số 9999" in last and "Tổng cộng" in last


def test_it_keeps_a_very_long_paragraph_whole_and_justified() -> None:
    names = ", ".join(f"Đơn vị số {i}" for i in range(1, 3001))
    doc = _report(sections=(Section("I. Danh sách", (Paragraph(f"Chưa báo cáo: {names}."),)),))
    pages = _pages(_read(doc))
    text = " ".join(p.removesuffix(f" {i + 1}") for i, p in enumerate(pages))  # page numbers
    assert len(pages) > 5 and f"Chưa báo cáo: {names}./." in text
    # Justified: on the pages in the middle every line reaches the right margin (195 mm),
    # also where the pieces it is drawn in meet.
    document = pypdfium2.PdfDocument(render_pdf(doc))
    for index in range(1, len(document) - 1):
        image = document[index].render(scale=4 / MM).to_pil().convert("L")  # 4 px/mm
        ends = _line_ends(image, top=4 * 17)  # under the page number, above the text
        assert len(ends) > 40 and all(abs(end / 4 - 195) < 1 for end in ends), (index, ends)


def _line_ends(image: Any, top: int) -> list[int]:
    """The rightmost dark pixel of each band of text below ``top`` (the page number's band)."""
    ink = image.point(lambda v: 255 if v < 128 else 0)
    width, height = image.size
    ends, current = [], -1
    for y in range(top, height):
        box = ink.crop((0, y, width, y + 1)).getbbox()
        right = box[2] if box else -1
        if right >= 0:
            current = max(current, right)
        elif current >= 0:
            ends.append(current)
            current = -1
    return ends


def test_it_closes_the_content_with_the_end_mark() -> None:
    assert "Đề nghị Sở tiếp tục hỗ trợ./." in _text(_read(_report()))
    doc = _report(sections=(Section("I. A", (Paragraph("Xong./.", bold=True),)),))
    assert "Xong./. " in _text(_read(doc)) + " " and "Xong./../." not in _text(_read(doc))
    table_last = _report(sections=(Section("I. A", (Table(("A",), (("1",),)),)),))
    assert "./." in _text(_read(table_last))


def test_it_never_leaves_the_signature_alone_on_a_page() -> None:
    pages = _pages(_read(_full()))
    signed = next(p for p in pages if "Nguyễn Văn An" in p)
    assert pages.index(signed) > 0  # this content pushes the block over
    assert "Dòng một Dòng hai./." in signed


def test_it_draws_charts_as_vector_graphics() -> None:
    chart = Chart("Số băng rôn theo đơn vị", ("UBND xã Đông Hòa", "UBND xã Đông Khê"), (3, 1e12))
    reader = _read(_report(appendices=(Section("Biểu đồ", (chart,)),)))
    last = reader.pages[-1]
    text = _norm(last.extract_text())
    assert "Số băng rôn theo đơn vị" in text and "UBND xã Đông Khê" in text
    assert "1.000.000.000.000" in text
    assert not last.images  # drawn, not pasted
    document = docx.Document(io.BytesIO(render_docx(_report(sections=(Section("I", (chart,)),)))))
    assert len(document.inline_shapes) == 1
    assert abs(document.inline_shapes[0].width - Mm(165)) < Mm(1)  # the PDF's width, from dpi


# --- never disagree ------------------------------------------------------------------------------


def _full() -> OfficialDocument:
    doc = _report(addressees=("Sở Khoa học và Công nghệ", "UBND huyện Đông Sơn"))
    extra = Section(
        "IV. Phương hướng",
        (
            Section(
                "1. Tiếp tục tuyên truyền", (Paragraph("Duy trì các hoạt động.", italic=True),)
            ),
            Paragraph("Dòng một\nDòng hai", bold=True),
        ),
    )
    appendix = Section(
        "Phụ lục: Danh sách đơn vị",
        (Table(("TT", "Tên đơn vị"), (("1", "Trường Tiểu học Đông Tiến"),), caption="Bảng 2"),),
    )
    return dataclasses.replace(doc, sections=(*doc.sections, extra), appendices=(appendix,))


def _description_texts(doc: OfficialDocument) -> list[str]:
    texts = [doc.issuer, doc.doc_type, doc.subject, number_line(doc), place_date_line(doc)]
    texts += [*kinh_gui_lines(doc.addressees), *recipient_lines(doc.recipients)]
    texts += [*signer_lines(doc.signer), doc.signer.name, "Nơi nhận:"]
    texts += [appendix_title(a) for a in doc.appendices] + [appendix_reference_line(doc)]

    def walk(blocks: tuple[Any, ...], level: int) -> None:
        for block in blocks:
            if isinstance(block, Section):
                texts.append(block.heading.upper() if level == 1 else block.heading)
                walk(block.blocks, level + 1)
            elif isinstance(block, Paragraph):
                texts.append(block.text)
            elif isinstance(block, Table):
                texts.extend([*block.columns, *(c for r in block.rows for c in r if c)])
                texts.extend(c for c in block.total_row or () if c)
                texts.append(block.caption or "")

    walk(doc.sections, 1)
    for appendix in doc.appendices:
        walk(appendix.blocks, 1)
    return [_norm(t) for t in texts if _norm(t)]


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(c.text for row in table.rows for c in row.cells)
    return _norm("\n".join(parts))


def test_it_prints_the_same_words_in_docx_and_pdf() -> None:
    doc = _full()
    expected = _description_texts(doc)
    assert len(expected) > 40
    in_docx, in_pdf = _docx_text(render_docx(doc)), _text(_read(doc))
    for text in expected:
        assert text in in_docx, text
        assert text in in_pdf, text


# --- hostile content -----------------------------------------------------------------------------


def test_it_strips_control_characters_and_escapes_markup() -> None:
    nasty = "A <b>&amp; \x00\x01\x0b\x1f\x7f\ufffe B </w:t> <br/> &lt;"
    doc = _report(
        issuer=f"PHÒNG {nasty}",
        subject=nasty,
        sections=(Section(nasty, (Paragraph(nasty), Table(columns=(nasty,), rows=((nasty,),)))),),
        recipients=(nasty,),
        signer=Signer(None, None, nasty, nasty),
    )
    reader = _read(doc)
    clean = "A <b>&amp; B </w:t> <br/> &lt;"
    assert _text(reader).count(clean) >= 5
    assert reader.metadata is not None and reader.metadata.title == clean


def test_it_breaks_very_long_words_in_narrow_cells() -> None:
    word = "Đông" * 80
    table = Table(tuple(f"Cột {i}" for i in range(8)), ((word, *(str(i) for i in range(7))),))
    text = _text(_read(_report(sections=(Section("I. Hẹp", (table,)),), subject=word)))
    assert text.replace(" ", "").count(word) == 2


def test_it_survives_letters_the_font_lacks() -> None:
    odd = "😀 中文 עברית \u200b\u00ad x " * 3
    doc = _report(
        subject=odd,
        sections=(Section(odd, (Paragraph(odd * 300), Table(("A", "B"), ((odd, "1\n2"),)))),),
        appendices=(Section(odd, (Chart(odd, (odd,), (1,)), Table(("A",), ()))),),
    )
    reader = _read(doc)
    assert len(reader.pages) >= 3 and "Nguyễn Văn An" in _text(reader)


def test_it_renders_empty_sections_and_an_empty_document() -> None:
    doc = _report(sections=(Section("I. Trống"), Section("II. Cũng trống", ())), recipients=())
    text = _text(_read(doc))
    assert "I. TRỐNG" in text and "II. CŨNG TRỐNG" in text and "./." in text
    assert "Nơi nhận:" not in text
    empty = _report(sections=(), addressees=(), parent_body=None, number=None, issued_on=None)
    text = _text(_read(dataclasses.replace(empty, signer=Signer(None, None, "", ""))))
    assert "Số: /BC-VHKHTT" in text and "năm 2025" in text
