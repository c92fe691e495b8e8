"""Render an :class:`OfficialDocument` as DOCX in the layout of ND 30/2020 Phụ lục I.

Every size, style and position below cites the rule it follows ("PL I, II.1.a" is Phụ lục I,
Phần I, mục II, khoản 1, điểm a). Measurements in millimetres, font sizes in points.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from .layout import (
    Chart,
    OfficialDocument,
    Paragraph,
    Section,
    Signer,
    Table,
    appendix_label,
    appendix_reference_line,
    appendix_title,
    clean_text,
    column_widths,
    kinh_gui_lines,
    name_lines,
    number_line,
    place_date_line,
    recipient_lines,
    signer_lines,
)

__all__ = ["render_docx"]

# PL I, I.4: Times New Roman, Unicode (TCVN 6909:2001), black.
FONT = "Times New Roman"
LANGUAGE = "vi-VN"

# PL I, I.1 and I.3: A4 portrait; top and bottom 20-25, left 30-35, right 15-20 mm.
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20.0, 20.0, 30.0, 15.0
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 165 mm
# A landscape appendix turns the page and keeps the margins where they are on the sheet.
TEXT_W_LANDSCAPE = PAGE_H - MARGIN_LEFT - MARGIN_RIGHT  # 252 mm
CELL_PAD = 1.9  # Word's default left/right cell margin (0.19 cm)

# The two header columns of Mẫu 1.4: the right one must hold the Quốc hiệu on one line
# (88 mm at 12 pt bold, measured with Liberation Serif, metric-compatible with TNR).
HEADER_COLS = (68.0, TEXT_W - 68.0)
FOOTER_COLS = (75.0, TEXT_W - 75.0)

SIZE_BODY = 14  # PL I, II.6.e: 13-14
SIZE_TABLE = 13  # table text stays inside the 13-14 of the content
SIZE_ORGAN = 13  # PL I, II.2.b: 12-13 for both the parent and the issuing body
SIZE_NUMBER = 13  # PL I, II.3.c: "Số" 13
SIZE_QUOC_HIEU = 12  # PL I, II.1.a: 12-13
SIZE_TIEU_NGU = 13  # PL I, II.1.b: 13-14
SIZE_PLACE_DATE = 14  # PL I, II.4.c: 13-14
SIZE_PAGE_NUMBER = 13  # PL I, I.7: 13-14
SIZE_NOI_NHAN = 12  # PL I, II.9.d: "Nơi nhận" 12
SIZE_RECIPIENTS = 11  # PL I, II.9.d: the list 11
TIEU_NGU_W = 56.1  # "Độc lập - Tự do - Hạnh phúc", 13 pt bold: the rule under it is this long
FIRST_LINE_INDENT = 12.7  # PL I, II.6.e: 1 cm or 1.27 cm
PARAGRAPH_GAP = 6  # PL I, II.6.e: at least 6 pt between paragraphs, single to 1.5 lines
SIGNATURE_SPACE = 28.0  # mm left between title and name for the signature and seal (ô 7c, 8)

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
KINH_GUI_W = 17.6  # "Kính gửi" at 14 pt: multi-line dashes align under the colon (PL I, II.9.d)

CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
STYLE_BODY, STYLE_TABLE = "ND30 Body", "ND30 Table"
STYLE_HEADINGS = ("ND30 Heading 1", "ND30 Heading 2", "ND30 Heading 3")

# Schema order of <w:pPr> children that may follow <w:pBdr>.
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc")


def render_docx(doc: OfficialDocument) -> bytes:
    document = Document()
    tables = _Tables()
    _setup_document(document, doc)
    _header_block(document, doc)
    _title_block(document, doc)
    last = None
    for section in doc.sections:
        last = _blocks(document, (section,), 1, tables, TEXT_W)
    _end_mark(document, last)
    _signature_block(document, doc)
    for index, appendix in enumerate(doc.appendices):
        _appendix(document, doc, appendix, index, tables)
    out = io.BytesIO()
    document.save(out)
    return _splice(out.getvalue(), tables.xml, _app_xml(doc))


# --- document, styles, page ------------------------------------------------------------------


def _setup_document(document: Any, doc: OfficialDocument) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _force_font(rpr)
    normal = styles["Normal"]
    normal.font.size = Pt(SIZE_BODY)
    _force_font(normal.element.get_or_add_rPr())
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.0

    body = styles.add_style(STYLE_BODY, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    pf = body.paragraph_format
    pf.alignment, pf.first_line_indent = JUSTIFY, Mm(FIRST_LINE_INDENT)
    pf.space_before, pf.space_after, pf.line_spacing = Pt(PARAGRAPH_GAP), Pt(0), 1.0
    pf.widow_control = True
    # PL I, II.6.đ: "I. TIÊU ĐỀ MỤC" in capitals, bold; "1. Khoản có tiêu đề" bold; deeper
    # levels bold italic. Outline levels let Word's navigation pane show the structure.
    for level, name in enumerate(STYLE_HEADINGS):
        heading = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        heading.base_style = body
        heading.font.bold = True
        heading.font.italic = level >= 2
        heading.paragraph_format.keep_with_next = True
        heading.element.get_or_add_pPr().append(_el("w:outlineLvl", {"w:val": str(level)}))
    table = styles.add_style(STYLE_TABLE, WD_STYLE_TYPE.PARAGRAPH)
    table.base_style = normal
    table.font.size = Pt(SIZE_TABLE)
    pf = table.paragraph_format
    pf.space_before, pf.space_after = Pt(2), Pt(2)

    section = document.sections[0]
    _page_setup(section)
    # PL I, I.7: page numbers centred in the top margin, not shown on the first page.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    _page_number(section.header.paragraphs[0])

    props = document.core_properties
    props.title = _property(doc.subject)
    # The author is the office as prose names it, not the header's capitals.
    props.author = props.last_modified_by = _property(doc.author or doc.issuer)
    props.category = _property(doc.doc_type)
    props.subject = props.keywords = props.comments = ""
    props.language = LANGUAGE
    props.revision = 1
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now


def _property(text: str) -> str:
    """Core properties are one line of at most 255 characters (python-docx refuses more)."""
    line = " ".join(clean_text(text).split())
    return line if len(line) <= 255 else line[:254] + "…"


def _force_font(rpr: Any) -> None:
    """Name the font for every script and drop theme fonts, which win over plain names, so Word
    never substitutes Calibri or a CJK font for Vietnamese letters."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        rpr.remove(fonts)
    rpr.insert(0, _el("w:rFonts", {a: FONT for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")}))
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        rpr.remove(lang)
    lang = _el("w:lang", {"w:val": LANGUAGE, "w:eastAsia": LANGUAGE})
    rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _el(tag: str, attrs: dict[str, str] | None = None, *children: Any) -> Any:
    element = OxmlElement(tag, {qn(k): v for k, v in (attrs or {}).items()})
    element.extend(children)
    return element


def _page_setup(section: Any, *, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
    section.header_distance = section.footer_distance = Mm(10)


def _page_number(paragraph: Any) -> None:
    paragraph.alignment = CENTER
    field = (
        _el("w:fldChar", {"w:fldCharType": "begin"}),
        _el("w:instrText", {"xml:space": "preserve"}),
        _el("w:fldChar", {"w:fldCharType": "separate"}),
        _el("w:t"),
        _el("w:fldChar", {"w:fldCharType": "end"}),
    )
    field[1].text, field[3].text = " PAGE ", "2"
    for part in field:
        run = paragraph.add_run()
        run.font.size = Pt(SIZE_PAGE_NUMBER)
        run._r.append(part)


# --- small helpers ---------------------------------------------------------------------------


def _para(
    container: Any,
    text: str,
    *,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    align: Any = CENTER,
    style: str | None = None,
    before: float = 0,
    reuse: bool = False,
) -> Any:
    """Add a paragraph (or fill the empty one a new table cell has). Newlines break lines."""
    if reuse and len(container.paragraphs) == 1 and not container.paragraphs[0].text:
        paragraph = container.paragraphs[0]
    else:
        paragraph = _add_p(container)
    if style:
        # By id: python-docx's lookup by name walks every style on each call.
        paragraph._p.get_or_add_pPr().style = style.replace(" ", "")
    if align is not None:
        paragraph.alignment = align
    if before:
        paragraph.paragraph_format.space_before = Pt(before)
    for i, line in enumerate(clean_text(text).split("\n")):
        run = paragraph.add_run()
        if i:
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.font.bold = bold or None
        run.font.italic = italic or None
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def _add_p(container: Any) -> Any:
    """A new empty paragraph at the end of ``container``. For the body, python-docx looks for
    the closing w:sectPr from the first child on every call, quadratic on a report listing
    thousands of units; it is always the last child, so the paragraph goes right before it."""
    if not isinstance(container, DocxDocument):
        return container.add_paragraph()
    p = OxmlElement("w:p")
    _append_to_body(container, p)
    return DocxParagraph(p, container._body)


def _append_to_body(document: Any, element: Any) -> None:
    body = document.element.body
    last = body[-1] if len(body) else None
    if last is not None and last.tag == qn("w:sectPr"):
        last.addprevious(element)
    else:
        body.append(element)


def _body_para(document: Any, text: str, *, bold: bool, italic: bool) -> Any:
    """A body paragraph, as _para(..., style=STYLE_BODY, align=None) writes it, parsed from
    text: a province's report lists thousands of units one paragraph each (``text`` is
    clean)."""
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    # A bold paragraph is a sub-heading ("1. Tổng hợp các chỉ tiêu"): kept with what follows,
    # never alone at a page's foot.
    keep = "<w:keepNext/>" if bold else ""
    runs = []
    for i, line in enumerate(text.split("\n")):
        space = ' xml:space="preserve"' if line != line.strip() else ""
        runs.append(f"<w:r><w:rPr>{props}</w:rPr>{'<w:br/>' if i else ''}"
                    f"<w:t{space}>{line.translate(_ESCAPE)}</w:t></w:r>")  # fmt: skip
    p = parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="{STYLE_BODY.replace(" ", "")}"/>'
                  f"{keep}</w:pPr>{''.join(runs)}</w:p>")  # fmt: skip
    _append_to_body(document, p)
    return DocxParagraph(p, document._body)


def _spacer(container: Any, height: float) -> None:
    """An empty paragraph ``height`` pt high; between two tables it also stops Word from
    merging them into one."""
    pf = _add_p(container).paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = Pt(height)


def _rule(container: Any, width: float, room: float, *, before: float = 0) -> Any:
    """A centred horizontal rule: the top border of an empty, 1 pt high paragraph whose
    indents leave ``width`` mm of the ``room`` mm available."""
    paragraph = _add_p(container)
    line = {"w:val": "single", "w:sz": "6", "w:space": "1", "w:color": "000000"}
    border = _el("w:pBdr", None, _el("w:top", line))
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)
    pf = paragraph.paragraph_format
    pf.left_indent = pf.right_indent = Mm(max(0.0, (room - width) / 2))
    pf.first_line_indent, pf.alignment = Mm(0), CENTER
    pf.space_before, pf.space_after, pf.line_spacing = Pt(before), Pt(0), Pt(1)
    return paragraph


def _text_width(text: str, size: float, bold: bool) -> float:
    """Rough width in mm of one line of Times New Roman (average advance per class of letter,
    from Liberation Serif metrics); enough to size the short rules of PL I, II.2.b and II.5.b."""
    em = 0.0
    for char in text:
        if char.isupper():
            em += 0.70 if bold else 0.67
        elif char.islower():
            em += 0.49 if bold else 0.46
        elif char.isdigit():
            em += 0.5
        elif char.isspace():
            em += 0.25
        else:
            em += 0.33
    return em * size * 25.4 / 72


@functools.cache
def _fonts_registered() -> bool:
    from .charts import register_fonts

    register_fonts()
    return True


def _measured_width(text: str, size: float, bold: bool) -> float:
    """Width in mm of one line in the serif the PDF embeds, metric-compatible with Times New
    Roman: where a name or a heading breaks must not depend on a rough estimate (Word and
    LibreOffice lay the line out with the real metrics)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from .charts import FONT_BOLD, FONT_REGULAR

    _fonts_registered()
    return float(stringWidth(text, FONT_BOLD if bold else FONT_REGULAR, size)) * 25.4 / 72


def _layout_table(tbl: Any, widths: list[float], *, borders: bool) -> None:
    """Fixed column widths (mm) and either no borders or single lines everywhere."""
    tbl_pr = tbl.tblPr
    for child in list(tbl_pr):
        if child.tag != qn("w:tblLook"):
            tbl_pr.remove(child)
    line = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}
    edges = ("top", "left", "bottom", "right", "insideH", "insideV")
    tbl_pr[0:0] = [
        _el("w:tblW", {"w:w": str(_twips(sum(widths))), "w:type": "dxa"}),
        _el("w:jc", {"w:val": "center"}),
        _el(
            "w:tblBorders",
            None,
            *(_el(f"w:{e}", line if borders else {"w:val": "nil"}) for e in edges),
        ),
        _el("w:tblLayout", {"w:type": "fixed"}),
    ]
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    grid.extend(_el("w:gridCol", {"w:w": str(_twips(w))}) for w in widths)


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


# --- header: ô 1 to 4 ------------------------------------------------------------------------


def _header_block(document: Any, doc: OfficialDocument) -> None:
    table = document.add_table(rows=2, cols=2)
    _layout_table(table._tbl, list(HEADER_COLS), borders=False)
    (organ, nation), (number, place) = table.rows[0].cells, table.rows[1].cells
    for row in table.rows:
        for cell, width in zip(row.cells, HEADER_COLS, strict=True):
            cell.width = Mm(width)
    left_room, right_room = HEADER_COLS[0] - 2 * CELL_PAD, HEADER_COLS[1] - 2 * CELL_PAD

    # Ô 2 (PL I, II.2.b): parent body upright, issuing body bold, both capitals, single
    # spacing, a rule 1/3 to 1/2 of the issuer's line under it.
    issuer = name_lines(
        clean_text(doc.issuer).strip().upper(),
        lambda line: _measured_width(line, SIZE_ORGAN, True) <= left_room,
    )
    if doc.parent_body and clean_text(doc.parent_body).strip():
        parent = name_lines(
            clean_text(doc.parent_body).strip().upper(),
            lambda line: _measured_width(line, SIZE_ORGAN, False) <= left_room,
        )
        _para(organ, parent, size=SIZE_ORGAN, reuse=True)
    _para(organ, issuer, size=SIZE_ORGAN, bold=True, reuse=True)
    line = min(max(_text_width(s, SIZE_ORGAN, True) for s in issuer.split("\n")), left_room)
    _rule(organ, 0.4 * line, left_room, before=4)

    # Ô 1 (PL I, II.1): Quốc hiệu 12-13 bold; Tiêu ngữ 13-14 bold with a rule as long as it.
    _para(nation, QUOC_HIEU, size=SIZE_QUOC_HIEU, bold=True, reuse=True)
    _para(nation, TIEU_NGU, size=SIZE_TIEU_NGU, bold=True)
    _rule(nation, TIEU_NGU_W, right_room, before=4)

    # Ô 3 and ô 4 share one row so that "Số:" and the place-date line sit on the same line
    # (PL I, II.4.c). "Số" 13 upright (II.3.c); place-date 13-14 italic, centred under ô 1.
    _para(number, number_line(doc), size=SIZE_NUMBER, reuse=True, before=6)
    _para(place, place_date_line(doc), size=SIZE_PLACE_DATE, italic=True, reuse=True, before=6)


# --- title, Kính gửi: ô 5a, 9a ---------------------------------------------------------------


def _title_block(document: Any, doc: OfficialDocument) -> None:
    # PL I, II.5.b: type name in capitals 13-14 bold; the subject under it 13-14 bold; a rule
    # of 1/3 to 1/2 of the subject's line under it; all centred.
    kind = clean_text(doc.doc_type).strip().upper()
    _para(document, kind, size=SIZE_BODY, bold=True, before=18)
    subject = clean_text(doc.subject).strip()
    _para(document, subject, size=SIZE_BODY, bold=True)
    line = min(
        max((_text_width(s, SIZE_BODY, True) for s in subject.split("\n")), default=0), TEXT_W
    )
    _rule(document, max(0.35 * line, 20.0), TEXT_W, before=4)

    # PL I, II.9.d (ô 9a): "Kính gửi:" 13-14 upright; one addressee on the same line, several
    # on lines of their own with the dashes under the colon.
    lines = kinh_gui_lines(doc.addressees)
    if len(lines) == 1:
        _para(document, lines[0], size=SIZE_BODY, before=12)
    elif lines:
        widest = max(_text_width(s, SIZE_BODY, False) for s in lines[1:])
        indent = max(0.0, (TEXT_W - KINH_GUI_W - widest) / 2)
        first = _para(document, lines[0], size=SIZE_BODY, align=LEFT, before=12)
        first.paragraph_format.left_indent = Mm(indent)
        for text in lines[1:]:
            item = _para(document, text, size=SIZE_BODY, align=LEFT)
            item.paragraph_format.left_indent = Mm(indent + KINH_GUI_W)
    if lines:
        _spacer(document, 6)  # breathing room before the content


# --- content: ô 6 ----------------------------------------------------------------------------


def _blocks(container: Any, blocks: tuple[Any, ...], level: int, tables: _Tables,
            width: float) -> Any:  # fmt: skip
    """Render blocks ``width`` mm wide; return the docx paragraph of the last block if it is
    text, else None."""
    last = None
    for block in blocks:
        if isinstance(block, Section):
            style = STYLE_HEADINGS[min(level, len(STYLE_HEADINGS)) - 1]
            heading = clean_text(block.heading).strip()
            text = heading.upper() if level == 1 else heading
            if text:
                _para(container, text, align=None, style=style)
            last = None
            if block.blocks:
                last = _blocks(container, block.blocks, level + 1, tables, width)
        elif isinstance(block, Paragraph):
            if not clean_text(block.text).strip():
                continue
            text = clean_text(block.text).strip()
            last = _body_para(container, text, bold=block.bold, italic=block.italic)
        elif isinstance(block, Table):
            _table(container, block, tables, width)
            last = None
        elif isinstance(block, Chart):
            _chart(container, block)
            last = None
        else:
            raise TypeError(f"unknown block {type(block).__name__}")
    return last


def _end_mark(document: Any, last: Any) -> None:
    """Mẫu 1.4 closes the content with "./." after the last sentence."""
    if last is not None:
        # "...phương." becomes "...phương./.", not "...phương../."; a "./." typed stays alone.
        if not last.text.endswith("/."):
            run = last.add_run("/." if last.text.endswith(".") else "./.")
            run.font.bold = run.font.italic = None
    else:
        _para(document, "./.", align=RIGHT, style=STYLE_BODY)


def _table(container: Any, table: Table, tables: _Tables, width: float) -> None:
    if table.caption and clean_text(table.caption).strip():
        caption = _para(container, table.caption, size=SIZE_TABLE, bold=True, before=6)
        caption.paragraph_format.keep_with_next = True
    # The table goes in as XML text once the document is saved (see _splice); in the tree it
    # is a comment holding its place.
    # (python-docx makes no comments: one is parsed out of a paragraph.)
    holder = parse_xml(f"<w:p {nsdecls('w')}><!--{_PLACEHOLDER}{len(tables.xml)}--></w:p>")
    _append_to_body(container, holder[0])
    tables.xml.append(tables.table_xml(table, width))
    _spacer(container, 6)


def _chart(container: Any, chart: Chart) -> None:
    """The chart the PDF draws, as a picture (its PNG carries its dpi, so it keeps its size)."""
    from .charts import chart_png  # reportlab and PDFium only when a chart is drawn

    paragraph = _para(container, "", before=6)
    paragraph.add_run().add_picture(io.BytesIO(chart_png(chart)))
    paragraph.paragraph_format.space_after = Pt(6)
    inline = paragraph._p.find(f".//{qn('wp:docPr')}")
    if inline is not None:  # alt text for screen readers: the chart's title
        inline.set("descr", clean_text(chart.title).strip())


# --- data tables as XML text ----------------------------------------------------------------
# A province's appendix has hundreds of thousands of cells: built as lxml elements they took
# a minute and a gigabyte, parsed from text still seconds. Written as text and spliced into
# word/document.xml they cost what the text costs. The markup is what python-docx writes for
# a table with the layout of _layout_table; every cell text passes clean_text and is escaped.

_PLACEHOLDER = "tonghop-table-"
_PLACEHOLDER_RE = re.compile(rb"<!--" + _PLACEHOLDER.encode() + rb"(\d+)-->")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_LINE = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
_TBL_PR = (
    '<w:jc w:val="center"/><w:tblBorders>'
    + "".join(f"<w:{e} {_LINE}/>" for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1"'
    ' w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
)
_STYLE_ID = STYLE_TABLE.replace(" ", "")


@dataclass
class _Tables:
    """The XML of each data table, in document order, and the runs of each cell text seen
    (unit names and figures repeat across the tables of one form)."""

    xml: list[bytes] = field(default_factory=list)
    runs: dict[tuple[str, bool], str] = field(default_factory=dict)

    def table_xml(self, table: Table, width: float) -> bytes:
        widths = list(
            column_widths(table, width, lambda w: _text_width(w, SIZE_TABLE, True), 2 * CELL_PAD)
        )
        twips = [_twips(w) for w in widths]
        aligns = ["right" if table.is_numeric(i) else "left" for i in range(len(widths))]
        # The header row repeats on every page (w:tblHeader), is bold and centred; no row
        # splits across pages (w:cantSplit).
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        out = [
            f'<w:tbl><w:tblPr><w:tblW w:w="{_twips(sum(widths))}" w:type="dxa"/>{_TBL_PR}'
            f"<w:tblGrid>{grid}</w:tblGrid>",
            self._row(table.columns, _cell_starts(twips, ["center"] * len(twips)), True, True),
        ]
        starts = _cell_starts(twips, aligns)
        row = self._row
        out.extend(row(cells, starts, False, False) for cells in table.rows)
        if table.total_row is not None:
            out.append(row(table.total_row, starts, True, False))
        out.append("</w:tbl>")
        return "".join(out).encode()  # bytes: half the memory of Vietnamese text in a str

    def _row(self, cells: tuple[str, ...], starts: list[str], bold: bool, header: bool) -> str:
        runs, known = self.runs, self.runs.get
        parts = ["<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header
                 else "<w:tr><w:trPr><w:cantSplit/></w:trPr>"]  # fmt: skip
        for text, start in zip(cells, starts, strict=True):
            run = known((text, bold))
            if run is None:
                run = runs[text, bold] = _runs(text, bold)
            parts.append(start + run + "</w:p></w:tc>")
        parts.append("</w:tr>")
        return "".join(parts)


def _cell_starts(twips: list[int], aligns: list[str]) -> list[str]:
    """Each column's cell markup up to its runs: width, centred vertically, its alignment."""
    return [
        f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{_STYLE_ID}"/><w:jc w:val="{align}"/></w:pPr>'
        for w, align in zip(twips, aligns, strict=True)
    ]


def _runs(text: str, bold: bool) -> str:
    """One run per line of the cell text, a line break before each but the first."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    lines = clean_text(text).strip().translate(_ESCAPE).split("\n")
    return "".join(
        f'<w:r>{props}{"<w:br/>" if i else ""}<w:t xml:space="preserve">{line}</w:t></w:r>'
        for i, line in enumerate(lines)
    )


_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Template>Normal.dotm</Template><Application>tonghop</Application>"
    b"<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    b"<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    b"<HyperlinksChanged>false</HyperlinksChanged><AppVersion>1.0000</AppVersion></Properties>"
)


def _app_xml(doc: OfficialDocument) -> bytes:
    """docProps/app.xml: the application that wrote the file and the company (the office);
    pages, words and lines are left out for Word to count, rather than the template's "1 page,
    0 words" of another program."""
    company = escape(_property(doc.author or doc.issuer)).encode()
    return _APP_XML.replace(b"<Template>", b"<Company>" + company + b"</Company><Template>", 1)


def _splice(data: bytes, tables: list[bytes], app: bytes) -> bytes:
    """The saved package with each table placeholder in word/document.xml replaced by its
    table and docProps/app.xml replaced by ``app``; the other parts are copied as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            part = old.read(info)
            info.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "docProps/app.xml":
                new.writestr(info, app)
                continue
            if info.filename != "word/document.xml" or not tables:
                new.writestr(info, part)
                continue
            # split() alternates the text between placeholders and the captured numbers;
            # written piece by piece, the tables are never copied into one more big string.
            pieces = _PLACEHOLDER_RE.split(part)
            with new.open(info, "w") as stream:
                for i, piece in enumerate(pieces):
                    stream.write(tables[int(piece)] if i % 2 else piece)
    return out.getvalue()


# --- Nơi nhận and signature: ô 9b, 7a-7c -----------------------------------------------------


def _signature_block(document: Any, doc: OfficialDocument) -> None:
    table = document.add_table(rows=1, cols=2)
    _layout_table(table._tbl, list(FOOTER_COLS), borders=False)
    row = table.rows[0]
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # never split the block
    left, right = row.cells
    left.width, right.width = Mm(FOOTER_COLS[0]), Mm(FOOTER_COLS[1])
    left.vertical_alignment = right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP

    # PL I, II.9.d: "Nơi nhận:" on the line of the signer's authority, flush left, 12 bold
    # italic; the list 11 upright, "- " first, ";" last, the final "Lưu: VT, ..." with ".".
    lines = recipient_lines(doc.recipients)
    if lines:
        _para(left, "Nơi nhận:", size=SIZE_NOI_NHAN, bold=True, italic=True, align=LEFT,
              reuse=True, before=12)  # fmt: skip
        for text in lines:
            _para(left, text, size=SIZE_RECIPIENTS, align=LEFT)
    _signer(right, doc.signer)


def _signer(cell: Any, signer: Signer) -> None:
    # PL I, II.7.đ: authority and title in capitals 13-14 bold; the name 13-14 bold, centred
    # under them, with room for the signature image and the seal (ô 7c, 8).
    for i, text in enumerate(signer_lines(signer)):
        _para(cell, text, size=SIZE_BODY, bold=True, reuse=i == 0, before=12 if i == 0 else 0)
    name = _para(cell, clean_text(signer.name).strip(), size=SIZE_BODY, bold=True)
    name.paragraph_format.space_before = Mm(SIGNATURE_SPACE)


# --- appendices (PL I, III.1) ----------------------------------------------------------------


def _appendix(document: Any, doc: OfficialDocument, appendix: Section, index: int,
              tables: _Tables) -> None:  # fmt: skip
    # III.1.đ: each appendix has its own page numbers, so it opens a section restarting at 1;
    # the first page hides its number like the document's (I.7). A wide appendix turns its
    # pages to landscape.
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section, landscape=appendix.landscape)
    width = TEXT_W_LANDSCAPE if appendix.landscape else TEXT_W
    # add_section copies the previous section's properties, the page numbering of the
    # appendix before included: one w:pgNumType per w:sectPr, or Word "repairs" the file.
    for earlier in section._sectPr.findall(qn("w:pgNumType")):
        section._sectPr.remove(earlier)
    numbering = _el("w:pgNumType", {"w:start": "1"})
    section._sectPr.insert_element_before(
        numbering, "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg",
        "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings",
    )  # fmt: skip
    # III.1.b: "Phụ lục I" 14 bold; the title in capitals 13-14 bold; III.1.c: the reference to
    # the document in italics under it.
    label = appendix_label(index, len(doc.appendices))
    _para(document, label, size=14, bold=True)
    _para(document, appendix_title(appendix), size=SIZE_BODY, bold=True)
    _para(document, appendix_reference_line(doc), size=SIZE_BODY, italic=True)
    _rule(document, 30.0, width, before=6)
    _spacer(document, 6)
    _blocks(document, appendix.blocks, 1, tables, width)
