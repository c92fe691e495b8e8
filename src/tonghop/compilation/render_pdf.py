"""Render an :class:`OfficialDocument` as PDF in the layout of ND 30/2020 Phụ lục I.

The twin of :mod:`render_docx`: same description, same words (every string comes from the
helpers of :mod:`layout`), same sizes and positions; rule citations as there ("PL I, II.1.a" is
Phụ lục I, mục II, khoản 1, điểm a). Fonts are TrueType, embedded as subsets (see
:func:`charts.register_fonts`). Measurements in millimetres, font sizes in points.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import weakref
from bisect import bisect_right
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
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
    column_widths,
    kinh_gui_lines,
    name_lines,
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
    TEXT_W_LANDSCAPE,
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
    spots: list[_Spot] = []
    story: list[Flowable] = [*_header_block(doc), *_title_block(doc)]
    last: _Last | None = None
    for section in doc.sections:
        last = _blocks(story, (section,), 1, TEXT_W)
    _end_mark(story, last)
    signature = _signature_block(doc, spots)
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
    # Page streams are compressed either way; ASCII85 on top only makes them a quarter larger
    # and, without reportlab's C accelerator, costs seconds on a long report.
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        template.build(story)
    finally:
        rl_config.useA85 = a85
    return _with_signature_fields(out.getvalue(), spots)


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
        # A landscape appendix turns the sheet; the margins stay where they are on it.
        turned = Frame(self.leftMargin, self.bottomMargin, TEXT_W_LANDSCAPE * MM,
                       (PAGE_W - MARGIN_TOP - MARGIN_BOTTOM) * MM,
                       leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
        self.addPageTemplates([
            PageTemplate("page", [frame], onPageEnd=self._number),
            PageTemplate("landscape", [turned], onPageEnd=self._number,
                         pagesize=(PAGE_H * MM, PAGE_W * MM)),
        ])  # fmt: skip
        self._first_page = 1

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _RestartNumbering):
            self._first_page = self.page

    def _number(self, canvas: Any, _doc: Any) -> None:
        # PL I, I.7: Arabic numbers 13-14 upright, centred in the top margin, none on the
        # first page; drawn at the end of the page so a restart mark on it is already seen.
        number = self.page - self._first_page + 1
        if number > 1:
            width, height = canvas._pagesize
            canvas.setFont(FONT_REGULAR, SIZE_PAGE_NUMBER)
            y = height - HEADER_DISTANCE * MM - SIZE_PAGE_NUMBER * 0.8
            x = MARGIN_LEFT * MM + (width - (MARGIN_LEFT + MARGIN_RIGHT) * MM) / 2
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
    # Broken between word groups, never inside "KHOA HỌC" (layout.name_lines).
    issuer = name_lines(
        clean_text(doc.issuer).strip().upper(),
        lambda line: _text_width(line, SIZE_ORGAN, True) <= left_room,
    )
    organ: list[Flowable] = []
    if doc.parent_body and clean_text(doc.parent_body).strip():
        parent = name_lines(
            clean_text(doc.parent_body).strip().upper(),
            lambda line: _text_width(line, SIZE_ORGAN, False) <= left_room,
        )
        organ.append(_para(parent, _style(SIZE_ORGAN)))
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
    if doc.number is None and doc.issued_on is None:
        # The clerk gives the number and date after the head has signed: left as form fields
        # over the blanks, so filling them is a change the head's signature allows.
        number = _BlankFields(number_line(doc), _style(SIZE_NUMBER), (FIELD_NUMBER,))
        place = _BlankFields(
            place_date_line(doc), _style(SIZE_PLACE_DATE, italic=True), (FIELD_DAY, FIELD_MONTH)
        )
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


def _blocks(story: list[Flowable], blocks: tuple[Any, ...], level: int,
            width: float) -> _Last | None:  # fmt: skip
    """Render blocks ``width`` mm wide; return where the last text paragraph is, if last."""
    last: _Last | None = None
    for block in blocks:
        if isinstance(block, Section):
            # PL I, II.6.đ: "I. TIÊU ĐỀ" in capitals, bold; "1. ..." bold; deeper bold italic.
            heading = clean_text(block.heading).strip()
            text = heading.upper() if level == 1 else heading
            if text:
                story.append(CondPageBreak(KEEP_WITH_NEXT))
                story.append(_para(text, _body_style(bold=True, italic=level >= 3)))
            last = _blocks(story, block.blocks, level + 1, width) if block.blocks else None
        elif isinstance(block, Paragraph):
            text = clean_text(block.text).strip()
            if not text:
                continue
            style = _body_style(bold=block.bold, italic=block.italic)
            if block.bold:
                # A bold paragraph is a sub-heading: never alone at a page's foot.
                story.append(CondPageBreak(KEEP_WITH_NEXT))
            last = (len(story), text, block.bold, block.italic)
            story.extend(_pieces(RLParagraph(_markup(text), style), width))
        elif isinstance(block, Table):
            story.extend(_table(block, width))
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
    story[index:] = _pieces(RLParagraph(body + mark, _body_style()), TEXT_W)


# Lines of a long paragraph per piece: about a page.
PIECE_LINES = 40


def _pieces(para: RLParagraph, width: float) -> list[Flowable]:
    """A paragraph; a very long one (the units not reporting, in a province) as pieces of
    PIECE_LINES lines. reportlab breaks the rest of a paragraph into lines again at each page
    it splits, which grows with the square of its length. Here the lines are broken once and
    each piece continues the one before: no indent, no space before, its last line justified,
    so the page shows one paragraph."""
    if len(para.text) < 2000:
        return [para]
    para.wrap(width * MM, 1e9)
    lines = para.blPara.lines
    if para.blPara.kind != 0 or len(lines) <= PIECE_LINES:
        return [para]
    cut = para._get_split_blParaFunc()
    after = ParagraphStyle("nd30-cont", parent=para.style, firstLineIndent=0, spaceBefore=0)
    out: list[Flowable] = []
    for start in range(0, len(lines), PIECE_LINES):
        stop = min(start + PIECE_LINES, len(lines))
        kind = _Continued if stop < len(lines) else RLParagraph
        out.append(kind(None, after if start else para.style, frags=cut(para.blPara, start, stop)))
    return out


class _Continued(RLParagraph):  # type: ignore[misc]
    """A piece of a paragraph that goes on in the next piece: its last line is justified,
    also in the part left over when it splits across pages (reportlab makes that part of the
    same class, and only marks the first part)."""

    _JustifyLast = True


def _table(table: Table, width: float) -> list[Flowable]:
    out: list[Flowable] = []
    if table.caption and clean_text(table.caption).strip():
        out.append(CondPageBreak(KEEP_WITH_NEXT))
        out.append(_para(table.caption, _style(SIZE_TABLE, bold=True, before=6)))
        out.append(Spacer(1, 2))
    widths = column_widths(table, width, lambda w: _text_width(w, SIZE_TABLE, True), 2 * CELL_PAD)
    grid = _Grid(table, tuple(w * MM for w in widths))
    out.append(_GridPart(grid, 0, len(grid.rows)))
    out.append(Spacer(1, 6))
    return out


# --- data tables -----------------------------------------------------------------------------
# A province's appendix has tens of thousands of rows. reportlab's Table measures and draws
# every cell as a Paragraph and re-measures the rest of the table at each page: minutes. Here
# the rows are measured once; a cell whose text fits on one line is written straight into the
# page (its encoding cached, since names and figures repeat), only the others are Paragraphs;
# a page takes the rows that fit by bisection. It draws what that Table drew: a 0.5 pt grid,
# 2/3 pt padding above/below, CELL_PAD at the sides, centred vertically, the header row bold,
# centred and repeated on every page, rows never split across pages (the DOCX's w:tblHeader
# and w:cantSplit).

_PAD_TOP, _PAD_BOTTOM, _PAD_SIDE = 2.0, 3.0, CELL_PAD * MM
_Pieces = tuple[tuple[str, str], ...]
_LEADING = SIZE_TABLE * LEADING


# A measured cell: (x as written in the page, text) for one line, (x, Paragraph) otherwise.
_Cell = tuple[str, str] | tuple[float, RLParagraph]


class _Grid:
    """One table, measured: column widths, each row's cells (see _Cell; empty ones left out)
    and the running total of row heights, for splitting."""

    def __init__(self, table: Table, widths: tuple[float, ...]) -> None:
        self.widths, self.width = widths, sum(widths)
        self.lefts = [sum(widths[:i]) for i in range(len(widths) + 1)]
        self.right_aligned = [table.is_numeric(i) for i in range(len(widths))]
        self.room = [w - 2 * _PAD_SIDE for w in widths]
        self.head = [_cell_para(text, _style(SIZE_TABLE, bold=True), room)
                     for text, room in zip(table.columns, self.room, strict=True)]  # fmt: skip
        self.head_h = max(p.height for p in self.head) + _PAD_TOP + _PAD_BOTTOM
        # Named by what it shows, so the PDF is the same at each run (equal heads share one).
        key = repr((table.columns, widths)).encode()
        self.head_form = "tonghop-head-" + hashlib.sha256(key).hexdigest()[:16]
        styles = {(bold, right): _style(SIZE_TABLE, bold=bold, align=TA_RIGHT if right else TA_LEFT)
                  for bold in (False, True) for right in (False, True)}  # fmt: skip
        body = [(row, False) for row in table.rows]
        if table.total_row is not None:
            body.append((table.total_row, True))
        self.rows: list[tuple[tuple[_Cell, ...], bool]] = []
        self.tops = [0.0]  # tops[i]: height of the rows before row i
        one_line = _LEADING + _PAD_TOP + _PAD_BOTTOM
        places: dict[float, str] = {}  # one str per position: a column has few of them
        for cells, bold in body:
            height = one_line
            row: list[_Cell] = []
            for i, text in enumerate(cells):
                text, width = _measure(text, bold)
                left = self.lefts[i] + _PAD_SIDE
                if not text:
                    continue
                if width <= self.room[i]:
                    x = left + self.room[i] - width if self.right_aligned[i] else left
                    place = places.get(x)
                    if place is None:
                        place = places[x] = f"{x:.2f}"
                    row.append((place, text))
                else:
                    para = _cell_para(text, styles[bold, self.right_aligned[i]], self.room[i])
                    height = max(height, para.height + _PAD_TOP + _PAD_BOTTOM)
                    row.append((left, para))
            self.rows.append((tuple(row), bold))
            self.tops.append(self.tops[-1] + height)

    def draw(self, canv: Any, start: int, end: int, height: float) -> None:
        # The header is drawn once per document as a form, and shown on each of its pages.
        form = self.head_form
        if not canv.hasForm(form):
            canv.beginForm(form, 0, 0, self.width, self.head_h)
            for para, left in zip(self.head, self.lefts, strict=False):
                y = (_PAD_BOTTOM + self.head_h - _PAD_TOP + para.height) / 2
                para.drawOn(canv, left + _PAD_SIDE, y - para.height)
            canv.endForm()
        canv.saveState()
        canv.translate(0, height - self.head_h)
        canv.doForm(form)
        canv.restoreState()
        canv.saveState()
        code = canv._code
        bottoms = [height - self.head_h - (self.tops[i + 1] - self.tops[start])
                   for i in range(start, end)]  # fmt: skip
        # The grid: one path of every line.
        path = [f"0 G 0.5 w 0 J 0 {height:.2f} m {self.width:.2f} {height:.2f} l"]
        rules = (height - self.head_h, *bottoms)
        path += [f"0 {y:.2f} m {self.width:.2f} {y:.2f} l" for y in rules]
        low = bottoms[-1] if bottoms else height - self.head_h
        path += [f"{x:.2f} {height:.2f} m {x:.2f} {low:.2f} l" for x in self.lefts]
        code.append(" ".join(path) + " S")
        doc, face, in_text, append = canv._doc, "", False, code.append
        encoded = _ENCODED.setdefault(doc, {})
        tops, rows = self.tops, self.rows
        for i, bottom in zip(range(start, end), bottoms, strict=True):
            cells, bold = rows[i]
            row_h = tops[i + 1] - tops[i]
            # Paragraph's first baseline: fontSize under the top of its line.
            y = f" {bottom + (_PAD_BOTTOM + row_h - _PAD_TOP + _LEADING) / 2 - SIZE_TABLE:.2f} Tm"
            for x, cell in cells:
                if isinstance(cell, str):
                    if not in_text:
                        append("BT 0 g")
                        in_text, face = True, ""
                    append("1 0 0 1 " + str(x) + y)
                    pieces = encoded.get((cell, bold)) or _encode(cell, bold, doc, encoded)
                    for name, chunk in pieces:
                        if name != face:
                            append(f"{name} {SIZE_TABLE} Tf")
                            face = name
                        append(f"({chunk}) Tj")
                else:
                    if in_text:
                        append("ET")
                        in_text = False
                    top = bottom + (_PAD_BOTTOM + row_h - _PAD_TOP + cell.height) / 2
                    cell.drawOn(canv, x, top - cell.height)
        if in_text:
            code.append("ET")
        canv.restoreState()


class _GridPart(Flowable):  # type: ignore[misc]
    """Rows ``start`` to ``end`` of a :class:`_Grid` under its header; splits between rows."""

    def __init__(self, grid: _Grid, start: int, end: int) -> None:
        super().__init__()
        self.grid, self.start, self.end = grid, start, end
        self.hAlign = "CENTER"

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        grid = self.grid
        self.width = grid.width
        self.height = grid.head_h + grid.tops[self.end] - grid.tops[self.start]
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        tops = self.grid.tops
        # The last row boundary within reach: tops[end] - tops[start] <= ah - header.
        reach = tops[self.start] + ah - self.grid.head_h
        end = bisect_right(tops, reach, self.start, self.end + 1) - 1
        if end <= self.start:
            return []
        if end >= self.end:
            return [self]
        return [_GridPart(self.grid, self.start, end), _GridPart(self.grid, end, self.end)]

    def draw(self) -> None:
        self.grid.draw(self.canv, self.start, self.end, self.height)


@functools.lru_cache(maxsize=1 << 16)
def _measure(text: str, bold: bool) -> tuple[str, float]:
    """A cell's text as printed, and its width on one line (infinite if it has several)."""
    text = clean_text(text).strip()
    if "\n" in text:
        return text, float("inf")
    return text, stringWidth(text, FONT_BOLD if bold else FONT_REGULAR, SIZE_TABLE)


# Per document, since font subsets are numbered per document: each one-line cell text as
# (subset font name, escaped bytes) pieces, what canvas.drawString would write.
_ENCODED: weakref.WeakKeyDictionary[Any, dict[tuple[str, bool], _Pieces]] = (
    weakref.WeakKeyDictionary()
)


def _encode(text: str, bold: bool, doc: Any, known: dict[tuple[str, bool], _Pieces]) -> _Pieces:
    font = getFont(FONT_BOLD if bold else FONT_REGULAR)
    pieces = tuple((font.getSubsetInternalName(subset, doc), escapePDF(chunk))
                   for subset, chunk in font.splitString(text, doc))  # fmt: skip
    known[text, bold] = pieces
    return pieces


def _cell_para(text: str, style: ParagraphStyle, room: float) -> RLParagraph:
    para = _para(clean_text(text).strip(), style)
    para.width, para.height = para.wrap(room, 1e9)
    return para


# --- Nơi nhận and signature: ô 9b, 7a-7c -----------------------------------------------------


def _signature_block(doc: OfficialDocument, spots: list[_Spot]) -> Flowable:
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
    signer = _signer(doc.signer, spots)
    return _grid(FOOTER_COLS, [[left, signer]], [("TOPPADDING", (0, 0), (-1, -1), 12)])


def _signer(signer: Signer, spots: list[_Spot]) -> list[Flowable]:
    # PL I, II.7.đ: authority and title in capitals 13-14 bold; the name 13-14 bold, centred
    # under them, with room for the signature image and the seal (ô 7c, 8).
    out: list[Flowable] = [_para(t, _style(SIZE_BODY, bold=True)) for t in signer_lines(signer)]
    out.append(_SignatureSpace(spots))
    out.append(_para(clean_text(signer.name).strip() or "\u00a0", _style(SIZE_BODY, bold=True)))
    return out


# --- where the signatures go: ô 3, 4 (number, date), 7c (signer), 8 (office) -----------------

# Names of the form fields the clerk fills and of the empty signature fields: the signing code
# finds the places from them, never by guessing where the signer's page is.
FIELD_NUMBER = "so_van_ban"
FIELD_DAY = "ngay_ban_hanh"
FIELD_MONTH = "thang_ban_hanh"
# The blanks in their order on a line, and how a copy of one is named (an appendix's
# "Kèm theo" line: "so_van_ban__1"); the clerk's values fill every copy.
BLANK_FIELDS = (FIELD_NUMBER, FIELD_DAY, FIELD_MONTH)
FIELD_COPY = "__"
FIELD_SIGNER = "chu_ky_nguoi_ky"
FIELD_OFFICE = "chu_ky_co_quan"
SIGNER_BOX = (50.0, SIGNATURE_SPACE - 2.0)  # mm: the signature image, centred in ô 7c
SEAL_SIZE = 36.0  # mm: a round seal at real size (ô 8)

# (page index, x, y, width, height) of ô 7c in points, as drawn.
_Spot = tuple[int, float, float, float, float]


class _SignatureSpace(Flowable):  # type: ignore[misc]
    """The room between the signer's title and name (ô 7c); notes where it was drawn."""

    def __init__(self, spots: list[_Spot]) -> None:
        super().__init__()
        self.spots, self.room = spots, 0.0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.room = aw
        return aw, SIGNATURE_SPACE * MM

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        page = self.canv.getPageNumber() - 1
        self.spots[:] = [(page, x, y, self.room, SIGNATURE_SPACE * MM)]


class _BlankFields(RLParagraph):  # type: ignore[misc]
    """A line with blanks ("Số:        /BC-…") and an empty text field over each blank."""

    def __init__(self, text: str, style: ParagraphStyle, names: tuple[str, ...]) -> None:
        super().__init__(_markup(text), style)
        self.names = names

    def draw(self) -> None:
        super().draw()
        style = self.style
        blank = re.compile(" \u00a0+")
        found: list[tuple[float, float, float]] = []
        lines = getattr(self.blPara, "lines", [])
        for index, line in enumerate(lines):
            words = line[1] if isinstance(line, tuple) else getattr(line, "words", [])
            text = " ".join(str(w) for w in words) if isinstance(words, list) else ""
            width = stringWidth(text, style.fontName, style.fontSize)
            start = {TA_CENTER: (self.width - width) / 2, TA_RIGHT: self.width - width}.get(
                style.alignment, 0.0
            )
            bottom = self.height - (index + 1) * style.leading
            for match in blank.finditer(text):
                left = start + stringWidth(text[: match.start()], style.fontName, style.fontSize)
                right = start + stringWidth(text[: match.end()], style.fontName, style.fontSize)
                found.append((left, bottom, right - left))
        for name, (left, bottom, width) in zip(self.names, found, strict=False):
            self.canv.acroForm.textfield(
                name=name, value="", x=left, y=bottom, width=width, height=style.leading,
                relative=True, borderWidth=0, fillColor=None, borderColor=None,
                fontName="Times-Italic" if "Italic" in style.fontName else "Times-Roman",
                fontSize=style.fontSize, maxlen=8,
            )  # fmt: skip


def _with_signature_fields(pdf: bytes, spots: list[_Spot]) -> bytes:
    """``pdf`` with two empty signature fields at ô 7c and ô 8 of the signer's page: the head
    signs into the first, the clerk into the second (PL I, II.7.c and II.8.a)."""
    if not spots:
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    page, x, y, room, height = spots[0]
    width, tall = SIGNER_BOX[0] * MM, SIGNER_BOX[1] * MM
    left = x + (room - width) / 2
    bottom = y + (height - tall) / 2
    seal = SEAL_SIZE * MM
    # The seal covers about a third of the signer's image, on its left (II.8.a).
    seal_right = left + width / 3
    seal_bottom = bottom + tall / 2 - seal / 2
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for name, box in (
        (FIELD_SIGNER, (left, bottom, left + width, bottom + tall)),
        (FIELD_OFFICE, (seal_right - seal, seal_bottom, seal_right, seal_bottom + seal)),
    ):
        spec = SigFieldSpec(
            sig_field_name=name,
            on_page=page,
            box=tuple(round(v) for v in box),  # type: ignore[arg-type]
        )
        append_signature_field(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- appendices (PL I, III.1) ----------------------------------------------------------------


def _appendix(story: list[Flowable], doc: OfficialDocument, appendix: Section, index: int) -> None:
    # III.1.đ: each appendix on a new page with its own page numbers, the first hidden (I.7);
    # III.1.b: "Phụ lục I" 14 bold, the title in capitals bold; III.1.c: the reference in
    # italics under it.
    template = "landscape" if appendix.landscape else "page"
    story.extend([NextPageTemplate(template), PageBreak(), _RestartNumbering()])
    story.append(_para(appendix_label(index, len(doc.appendices)), _style(14, bold=True)))
    story.append(_para(appendix_title(appendix), _style(SIZE_BODY, bold=True)))
    reference = _para(appendix_reference_line(doc), _style(SIZE_BODY, italic=True))
    if doc.number is None and doc.issued_on is None:
        # The "Kèm theo … số … ngày …" line names the same number and date the clerk gives on
        # page 1: blanks under form fields of their own, filled in the same step.
        names = tuple(f"{name}{FIELD_COPY}{index + 1}" for name in BLANK_FIELDS)
        reference = _BlankFields(
            appendix_reference_line(doc), _style(SIZE_BODY, italic=True), names
        )
    story.append(reference)
    story.extend([_Rule(30.0, before=6), Spacer(1, 6)])
    _blocks(story, appendix.blocks, 1, TEXT_W_LANDSCAPE if appendix.landscape else TEXT_W)


# --- an appendix issued as a file of its own (PL I, II.8.b) -----------------------------------

FIELD_ATTACHMENT = "chu_ky_co_quan_kem_theo"
# mm: the office's signature on an attachment, top right of its first page, inside the top
# margin: number and symbol, then the time, Times New Roman 10 (two lines and their padding).
ATTACHMENT_STAMP = (75.0, 14.0)
ATTACHMENT_STAMP_TOP = 4.0


def render_appendix_pdf(doc: OfficialDocument, index: int) -> bytes:
    """Appendix ``index`` of ``doc`` as a separate file: the appendix page as in the report
    (label, title, the "Kèm theo …" line), numbered from 1, with an empty signature field at
    the top right of its first page for the office's signature (PL I, II.8.b)."""
    register_fonts()
    appendix = doc.appendices[index]
    out = io.BytesIO()
    template = _Template(out, doc)
    if appendix.landscape:
        # The first page is the appendix's own: the sheet is turned from the start.
        template._firstPageTemplateIndex = 1  # "landscape", see _Template
    story: list[Flowable] = [
        _para(appendix_label(index, len(doc.appendices)), _style(14, bold=True)),
        _para(appendix_title(appendix), _style(SIZE_BODY, bold=True)),
        _para(appendix_reference_line(doc), _style(SIZE_BODY, italic=True)),
        _Rule(30.0, before=6),
        Spacer(1, 6),
    ]
    _blocks(story, appendix.blocks, 1, TEXT_W_LANDSCAPE if appendix.landscape else TEXT_W)
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        template.build(story)
    finally:
        rl_config.useA85 = a85
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    width, height = (PAGE_H, PAGE_W) if appendix.landscape else (PAGE_W, PAGE_H)
    right = (width - MARGIN_RIGHT) * MM
    top = (height - ATTACHMENT_STAMP_TOP) * MM
    box = (right - ATTACHMENT_STAMP[0] * MM, top - ATTACHMENT_STAMP[1] * MM, right, top)
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()), strict=False)
    append_signature_field(
        writer,
        SigFieldSpec(
            sig_field_name=FIELD_ATTACHMENT,
            on_page=0,
            box=tuple(round(v) for v in box),  # type: ignore[arg-type]
        ),
    )
    signed_out = io.BytesIO()
    writer.write(signed_out)
    return signed_out.getvalue()
