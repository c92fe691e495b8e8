"""Render an :class:`OfficialDocument` as PDF in the layout of ND 30/2020 Phụ lục I.

The twin of :mod:`render_docx`: same description, same words (every string comes from the
helpers of :mod:`layout`), same sizes and positions; rule citations as there ("PL I, II.1.a" is
Phụ lục I, mục II, khoản 1, điểm a). Fonts are TrueType, embedded as subsets (see
:func:`charts.register_fonts`). Measurements in millimetres, font sizes in points.
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from .charts import (
    FONT_BOLD,
    FONT_BOLD_ITALIC,
    FONT_ITALIC,
    FONT_REGULAR,
    chart_drawing,
    register_fonts,
)
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
    column_shares,
    kinh_gui_lines,
    number_line,
    place_date_line,
    recipient_lines,
    signer_lines,
)
from .render_docx import (
    CELL_PAD,
    FIRST_LINE_INDENT,
    FOOTER_COLS,
    HEADER_COLS,
    LANGUAGE,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_H,
    PAGE_W,
    PARAGRAPH_GAP,
    QUOC_HIEU,
    SIGNATURE_SPACE,
    SIZE_BODY,
    SIZE_NOI_NHAN,
    SIZE_NUMBER,
    SIZE_ORGAN,
    SIZE_PAGE_NUMBER,
    SIZE_PLACE_DATE,
    SIZE_QUOC_HIEU,
    SIZE_RECIPIENTS,
    SIZE_TABLE,
    SIZE_TIEU_NGU,
    TEXT_W,
    TIEU_NGU,
)

__all__ = ["render_pdf"]

MM = 72 / 25.4
LEADING = 1.15  # Word's "single" line for Times New Roman: (ascent + descent + gap) / em
HEADER_DISTANCE = 10.0  # mm from the top edge to the page number, as the DOCX header
# A heading or caption starts a new page unless this much room is left under it: it stays with
# the first lines of what follows (Word's "keep with next"), yet a long table still starts here.
KEEP_WITH_NEXT = 5 * SIZE_BODY * LEADING
KEEP_WITH_SIGNATURE = 8 * SIZE_BODY * LEADING
_FACES = {
    (False, False): FONT_REGULAR,
    (True, False): FONT_BOLD,
    (False, True): FONT_ITALIC,
    (True, True): FONT_BOLD_ITALIC,
}


def render_pdf(doc: OfficialDocument) -> bytes:
    register_fonts()
    out = io.BytesIO()
    template = _Template(out, doc)
    story: list[Flowable] = [*_header_block(doc), *_title_block(doc)]
    last: _Last | None = None
    for section in doc.sections:
        last = _blocks(story, (section,), level=1)
    _end_mark(story, last)
    signature = _signature_block(doc)
    last_flowable = story[-1]
    # The signature never stands alone on a page: it takes a short last paragraph with it
    # (a long one splits across pages anyway, and its last lines lead to the block).
    if isinstance(last_flowable, RLParagraph) and (
        last_flowable.wrap(TEXT_W * MM, PAGE_H * MM)[1] <= KEEP_WITH_SIGNATURE
    ):
        story[-1] = KeepTogether([last_flowable, signature])
    else:
        story.append(signature)
    for index, appendix in enumerate(doc.appendices):
        _appendix(story, doc, appendix, index)
    template.build(story)
    return out.getvalue()


# --- page, numbering, metadata ---------------------------------------------------------------


class _RestartNumbering(Flowable):  # type: ignore[misc]
    """Zero-size mark: page numbers start again at 1 on the page it lands on (PL I, III.1.đ)."""

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


class _Template(BaseDocTemplate):  # type: ignore[misc]
    def __init__(self, out: io.BytesIO, doc: OfficialDocument) -> None:
        # PL I, I.1 and I.3: A4 portrait with the margins of the DOCX.
        super().__init__(
            out,
            pagesize=(PAGE_W * MM, PAGE_H * MM),
            leftMargin=MARGIN_LEFT * MM,
            rightMargin=MARGIN_RIGHT * MM,
            topMargin=MARGIN_TOP * MM,
            bottomMargin=MARGIN_BOTTOM * MM,
            title=_one_line(doc.subject),
            author=_one_line(doc.issuer),
            subject=_one_line(doc.doc_type),
            creator="tonghop",
            lang=LANGUAGE,
            displayDocTitle=True,
            # Otherwise the canvas starts in Helvetica, listed in every page as a font that
            # is not embedded although nothing is written in it.
            initialFontName=FONT_REGULAR,
            initialFontSize=SIZE_BODY,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
        self.addPageTemplates([PageTemplate("page", [frame], onPageEnd=self._number)])
        self._first_page = 1

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _RestartNumbering):
            self._first_page = self.page

    def _number(self, canvas: Any, _doc: Any) -> None:
        # PL I, I.7: Arabic numbers 13-14 upright, centred in the top margin, none on the
        # first page; drawn at the end of the page so a restart mark on it is already seen.
        number = self.page - self._first_page + 1
        if number > 1:
            canvas.setFont(FONT_REGULAR, SIZE_PAGE_NUMBER)
            y = (PAGE_H - HEADER_DISTANCE) * MM - SIZE_PAGE_NUMBER * 0.8
            x = (MARGIN_LEFT + TEXT_W / 2) * MM
            canvas.drawCentredString(x, y, str(number))


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


# --- small helpers ---------------------------------------------------------------------------


def _style(size: float, *, bold: bool = False, italic: bool = False, align: int = TA_CENTER,
           before: float = 0, indent: float = 0) -> ParagraphStyle:  # fmt: skip
    return ParagraphStyle(
        "nd30",
        fontName=_FACES[bold, italic],
        fontSize=size,
        leading=size * LEADING,
        alignment=align,
        spaceBefore=before,
        firstLineIndent=indent * MM,
        splitLongWords=1,
        allowWidows=0,
        allowOrphans=0,
    )


_SPACES = re.compile(r"  +")


def _markup(text: str) -> str:
    """Plain text to reportlab's paragraph markup: ``<>&`` escaped, newlines as line breaks,
    runs of spaces kept (the blanks of "Số:        /BC-..." are left for the register)."""
    text = escape(clean_text(text))
    text = _SPACES.sub(lambda m: " " + "\u00a0" * (len(m.group()) - 1), text)
    return text.replace("\n", "<br/>")


def _para(text: str, style: ParagraphStyle) -> RLParagraph:
    return RLParagraph(_markup(text), style)


class _Rule(Flowable):  # type: ignore[misc]
    """A horizontal rule ``width`` mm long, centred in the space it is given, ``before`` pt
    below the line above (the DOCX draws it as a bordered empty paragraph)."""

    def __init__(self, width: float, before: float = 0) -> None:
        super().__init__()
        self.rule, self.before, self.room = width * MM, before, 0.0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.room = aw
        return aw, self.before + 1

    def draw(self) -> None:
        start = max(0.0, (self.room - self.rule) / 2)
        self.canv.setLineWidth(0.6)
        self.canv.line(start, 0.5, min(start + self.rule, self.room), 0.5)


def _text_width(text: str, size: float, bold: bool) -> float:
    """Width in mm of the widest line of ``text`` in the embedded font."""
    face = _FACES[bold, False]
    return max((stringWidth(s, face, size) for s in text.split("\n")), default=0) / MM


def _grid(widths: tuple[float, ...], rows: list[list[Any]], styles: list[tuple[Any, ...]],
          **kwargs: Any) -> RLTable:  # fmt: skip
    table = RLTable(rows, colWidths=[w * MM for w in widths], hAlign="CENTER", **kwargs)
    pad = CELL_PAD * MM
    table.setStyle([
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), *styles,
        # A cell sets its font even when it holds paragraphs: without this, Helvetica.
        ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
    ])  # fmt: skip
    return table


# --- header: ô 1 to 4 ------------------------------------------------------------------------


def _header_block(doc: OfficialDocument) -> list[Flowable]:
    left_room = HEADER_COLS[0] - 2 * CELL_PAD
    # Ô 2 (PL I, II.2.b): parent body upright, issuing body bold, both capitals, a rule of 1/3
    # to 1/2 of the issuer's line under it.
    issuer = clean_text(doc.issuer).strip().upper()
    organ: list[Flowable] = []
    if doc.parent_body and clean_text(doc.parent_body).strip():
        organ.append(_para(clean_text(doc.parent_body).strip().upper(), _style(SIZE_ORGAN)))
    organ.append(_para(issuer, _style(SIZE_ORGAN, bold=True)))
    organ.append(_Rule(0.4 * min(_text_width(issuer, SIZE_ORGAN, True), left_room), before=4))
    # Ô 1 (PL I, II.1): Quốc hiệu 12-13 bold; Tiêu ngữ 13-14 bold with a rule as long as it.
    nation = [
        _para(QUOC_HIEU, _style(SIZE_QUOC_HIEU, bold=True)),
        _para(TIEU_NGU, _style(SIZE_TIEU_NGU, bold=True)),
        _Rule(_text_width(TIEU_NGU, SIZE_TIEU_NGU, True), before=4),
    ]
    # Ô 3 and ô 4 on one row (PL I, II.4.c): "Số" 13 upright (II.3.c); place-date 13-14
    # italic, centred under ô 1.
    number = _para(number_line(doc), _style(SIZE_NUMBER))
    place = _para(place_date_line(doc), _style(SIZE_PLACE_DATE, italic=True))
    return [
        _grid(HEADER_COLS, [[organ, nation], [number, place]], [("TOPPADDING", (0, 1), (-1, 1), 6)])
    ]


# --- title, Kính gửi: ô 5a, 9a ---------------------------------------------------------------


def _title_block(doc: OfficialDocument) -> list[Flowable]:
    # PL I, II.5.b: type name in capitals 13-14 bold, the subject under it 13-14 bold, a rule
    # of 1/3 to 1/2 of the subject's line under it; all centred.
    kind = clean_text(doc.doc_type).strip().upper()
    subject = clean_text(doc.subject).strip()
    line = min(_text_width(subject, SIZE_BODY, True), TEXT_W)
    out: list[Flowable] = [
        _para(kind, _style(SIZE_BODY, bold=True, before=18)),
        _para(subject, _style(SIZE_BODY, bold=True)),
        _Rule(max(0.35 * line, 20.0), before=4),
    ]
    # PL I, II.9.d (ô 9a): one addressee on the "Kính gửi:" line, centred; several on lines
    # of their own, the dashes under the colon, the block centred on its widest line.
    lines = kinh_gui_lines(doc.addressees)
    if len(lines) == 1:
        out.append(_para(lines[0], _style(SIZE_BODY, before=12)))
    elif lines:
        under = _text_width("Kính gửi", SIZE_BODY, False)
        widest = max(_text_width(s, SIZE_BODY, False) for s in lines[1:])
        indent = max(0.0, (TEXT_W - under - widest) / 2)
        first = _style(SIZE_BODY, align=TA_LEFT, before=12)
        first.leftIndent = indent * MM
        out.append(_para(lines[0], first))
        item = _style(SIZE_BODY, align=TA_LEFT)
        item.leftIndent = (indent + under) * MM
        out.extend(_para(text, item) for text in lines[1:])
    if lines:
        out.append(Spacer(1, 6))
    return out


# --- content: ô 6 ----------------------------------------------------------------------------

# The last text paragraph of the content: where it sits in the story, and how it was written.
_Last = tuple[int, str, bool, bool]


def _body_style(*, bold: bool = False, italic: bool = False) -> ParagraphStyle:
    # PL I, II.6.e: justified, first line indented 1-1.27 cm, at least 6 pt between paragraphs.
    return _style(SIZE_BODY, bold=bold, italic=italic, align=TA_JUSTIFY, before=PARAGRAPH_GAP,
                  indent=FIRST_LINE_INDENT)  # fmt: skip


def _blocks(story: list[Flowable], blocks: tuple[Any, ...], level: int) -> _Last | None:
    last: _Last | None = None
    for block in blocks:
        if isinstance(block, Section):
            # PL I, II.6.đ: "I. TIÊU ĐỀ" in capitals, bold; "1. ..." bold; deeper bold italic.
            heading = clean_text(block.heading).strip()
            text = heading.upper() if level == 1 else heading
            if text:
                story.append(CondPageBreak(KEEP_WITH_NEXT))
                story.append(_para(text, _body_style(bold=True, italic=level >= 3)))
            last = _blocks(story, block.blocks, level + 1) if block.blocks else None
        elif isinstance(block, Paragraph):
            text = clean_text(block.text).strip()
            if not text:
                continue
            story.append(_para(text, _body_style(bold=block.bold, italic=block.italic)))
            last = (len(story) - 1, text, block.bold, block.italic)
        elif isinstance(block, Table):
            story.extend(_table(block))
            last = None
        elif isinstance(block, Chart):
            drawing = chart_drawing(block, width=TEXT_W * MM)
            drawing.hAlign = "CENTER"
            story.extend([Spacer(1, 6), drawing, Spacer(1, 6)])
            last = None
        else:
            raise TypeError(f"unknown block {type(block).__name__}")
    return last


def _end_mark(story: list[Flowable], last: _Last | None) -> None:
    """Mẫu 1.4 closes the content with "./." after the last sentence (upright, not bold)."""
    if last is None:
        story.append(_para("./.", _style(SIZE_BODY, align=TA_RIGHT, before=PARAGRAPH_GAP)))
        return
    index, text, bold, italic = last
    if text.endswith("/."):
        return
    mark = "/." if text.endswith(".") else "./."
    body = _markup(text)
    body = f"<b>{body}</b>" if bold else body
    body = f"<i>{body}</i>" if italic else body
    style = _body_style()
    story[index] = RLParagraph(body + mark, style)


def _table(table: Table) -> list[Flowable]:
    out: list[Flowable] = []
    if table.caption and clean_text(table.caption).strip():
        out.append(CondPageBreak(KEEP_WITH_NEXT))
        out.append(_para(table.caption, _style(SIZE_TABLE, bold=True, before=6)))
        out.append(Spacer(1, 2))
    columns = len(table.columns)
    head = _style(SIZE_TABLE, bold=True)
    cell = {
        (bold, numeric): _style(SIZE_TABLE, bold=bold, align=TA_RIGHT if numeric else TA_LEFT)
        for bold in (False, True)
        for numeric in (False, True)
    }
    numeric = [table.is_numeric(i) for i in range(columns)]

    def row(cells: tuple[str, ...], bold: bool) -> list[Any]:
        return [_cell(text, cell[bold, num]) for text, num in zip(cells, numeric, strict=True)]

    data = [[_cell(text, head) for text in table.columns]]
    data.extend(row(r, False) for r in table.rows)
    if table.total_row is not None:
        data.append(row(table.total_row, True))
    # The header row repeats on every page, bold and centred; rows never split across pages
    # (reportlab's default splitInRow=0), like w:tblHeader and w:cantSplit in the DOCX.
    widths = tuple(TEXT_W * share for share in column_shares(table))
    styles: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    out.append(_grid(widths, data, styles, repeatRows=1))
    out.append(Spacer(1, 6))
    return out


def _cell(text: str, style: ParagraphStyle) -> RLParagraph:
    return _para(clean_text(text).strip(), style)


# --- Nơi nhận and signature: ô 9b, 7a-7c -----------------------------------------------------


def _signature_block(doc: OfficialDocument) -> Flowable:
    # PL I, II.9.d: "Nơi nhận:" on the line of the signer's authority, flush left, 12 bold
    # italic; the list 11 upright, "- " first, ";" last, the final "Lưu: VT, ..." with ".".
    left: list[Flowable] = []
    lines = recipient_lines(doc.recipients)
    if lines:
        left.append(
            _para("Nơi nhận:", _style(SIZE_NOI_NHAN, bold=True, italic=True, align=TA_LEFT))
        )
        left.extend(_para(text, _style(SIZE_RECIPIENTS, align=TA_LEFT)) for text in lines)
    # One row: the block is never split across pages.
    return _grid(FOOTER_COLS, [[left, _signer(doc.signer)]], [("TOPPADDING", (0, 0), (-1, -1), 12)])


def _signer(signer: Signer) -> list[Flowable]:
    # PL I, II.7.đ: authority and title in capitals 13-14 bold; the name 13-14 bold, centred
    # under them, with room for the signature image and the seal (ô 7c, 8).
    out: list[Flowable] = [_para(t, _style(SIZE_BODY, bold=True)) for t in signer_lines(signer)]
    name = _style(SIZE_BODY, bold=True, before=SIGNATURE_SPACE * MM)
    out.append(_para(clean_text(signer.name).strip() or "\u00a0", name))
    return out


# --- appendices (PL I, III.1) ----------------------------------------------------------------


def _appendix(story: list[Flowable], doc: OfficialDocument, appendix: Section, index: int) -> None:
    # III.1.đ: each appendix on a new page with its own page numbers, the first hidden (I.7);
    # III.1.b: "Phụ lục I" 14 bold, the title in capitals bold; III.1.c: the reference in
    # italics under it.
    story.extend([PageBreak(), _RestartNumbering()])
    story.append(_para(appendix_label(index, len(doc.appendices)), _style(14, bold=True)))
    story.append(_para(appendix_title(appendix), _style(SIZE_BODY, bold=True)))
    story.append(_para(appendix_reference_line(doc), _style(SIZE_BODY, italic=True)))
    story.extend([_Rule(30.0, before=6), Spacer(1, 6)])
    _blocks(story, appendix.blocks, level=1)
