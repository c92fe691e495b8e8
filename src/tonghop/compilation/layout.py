"""The one description of an outgoing document (Báo cáo, Mẫu 1.4 of ND 30/2020 Phụ lục III).

Content and structure only: both renderers (render_docx, render_pdf) draw from these frozen
dataclasses, and the wording rules of ND 30 Phụ lục I that are about *text* (how "Số:" and the
place-date line are written, how "Nơi nhận" lines end) live here so both renderers agree.
Fonts, sizes and positions belong to the renderers.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from tonghop import inputs

__all__ = [
    "Block",
    "Chart",
    "OfficialDocument",
    "Paragraph",
    "Section",
    "Signer",
    "Table",
    "appendix_label",
    "appendix_reference_line",
    "appendix_title",
    "clean_text",
    "column_shares",
    "column_widths",
    "format_date_nd30",
    "kinh_gui_lines",
    "name_lines",
    "number_line",
    "place_date_line",
    "recipient_lines",
    "signer_lines",
]

# Blank left for the clerk's register when the number or the day is not known yet
# (the Mẫu 1.4 header reads "Số:        /…-…" and "ngày …… tháng …… năm ……").
NUMBER_BLANK = " " * 8
DATE_BLANK = " " * 6


@dataclass(frozen=True)
class Signer:
    """Ô 7a/7b (ND 30 PL I, II.7): authority, title and name of the person who signs.

    ``authority`` is "KT.", "TM.", "TL.", "TUQ." or "Q."; ``authority_of`` is what follows it
    ("TRƯỞNG PHÒNG" after "KT.", "ỦY BAN NHÂN DÂN" after "TM."). Without ``authority_of`` the
    abbreviation goes in front of ``title`` on one line ("Q. TRƯỞNG PHÒNG").
    """

    authority: str | None
    authority_of: str | None
    title: str
    name: str


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; a newline inside ``text`` is a line break within the paragraph."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Table:
    """A data table. ``numeric[i]`` right-aligns column i; empty ``numeric`` means all text."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    total_row: tuple[str, ...] | None = None
    caption: str | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        if width == 0:
            raise ValueError("a table needs at least one column")
        if self.numeric and len(self.numeric) != width:
            raise ValueError(f"numeric has {len(self.numeric)} flags for {width} columns")
        if self.total_row is not None and len(self.total_row) != width:
            raise ValueError(f"total row has {len(self.total_row)} cells for {width} columns")
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"row {i} has {len(row)} cells for {width} columns")

    def is_numeric(self, column: int) -> bool:
        return bool(self.numeric) and self.numeric[column]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of the main figures, one bar per label (usually in an appendix).

    The figures are the same numbers a table prints; the chart only shows them, so renderers
    draw it from :mod:`tonghop.compilation.charts` and both formats show one picture."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    unit: str = ""

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise ValueError(f"{len(self.values)} values for {len(self.labels)} labels")


@dataclass(frozen=True)
class Section:
    """A numbered part of the content. ``heading`` carries its own number ("I. KẾT QUẢ ...",
    "1. Công tác tuyên truyền"); top-level headings are printed in capitals (ND 30 PL I, II.6.đ:
    "Số thứ tự và tiêu đề của mục: in hoa, đứng, đậm").

    ``landscape`` turns the pages of an appendix (only appendices read it): a table of units
    then holds twice the figures side by side, so a wide form takes half the tables."""

    heading: str
    blocks: tuple[Block, ...] = ()
    landscape: bool = False


Block = Paragraph | Table | Chart | Section


@dataclass(frozen=True)
class OfficialDocument:
    parent_body: str | None  # tên cơ quan chủ quản trực tiếp, "UBND HUYỆN ĐÔNG SƠN"
    issuer: str  # tên cơ quan ban hành, "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
    number: str | None  # None: left blank for the register
    symbol: str  # "BC-VHKHTT"
    place: str  # "Đông Sơn"
    issued_on: datetime.date | None  # None: day and month left blank
    year: int  # printed when issued_on is None
    doc_type: str  # "BÁO CÁO"
    subject: str  # trích yếu
    addressees: tuple[str, ...]  # after "Kính gửi:"; may be empty
    sections: tuple[Section, ...]
    signer: Signer
    recipients: tuple[str, ...]  # "Như trên", ..., "Lưu: VT, VHKHTT"
    appendices: tuple[Section, ...] = ()  # heading is the appendix title
    # The issuing body as prose writes it ("Phòng Văn hóa, Khoa học và Thông tin"): the author
    # in the file's properties and the "của …" of each appendix's reference line.
    author: str = ""


def clean_text(text: str) -> str:
    """The one cleaning of text where it enters (tonghop.inputs), again here: a document drawn
    from data kept before that cleaning existed must still render (lxml raises on controls)."""
    return inputs.clean_text(text, multiline=True)


def column_shares(table: Table) -> tuple[float, ...]:
    """How a table shares the text width: by the longest cell of each column (capped, so one
    long name does not starve the figures), a header wrapping onto about three lines but never
    inside a word; +2 pays for the cell padding of narrow columns like "TT"."""
    weights = []
    total_row = (table.total_row,) if table.total_row else ()
    for i, title in enumerate(table.columns):
        title = clean_text(title)
        head = max(max((len(w) for w in title.split()), default=0) + 1, len(title) / 3)
        longest = max(head, *(len(row[i]) for row in (*table.rows, *total_row)), 3)
        weights.append(min(float(longest), 40.0) + 2)
    total = sum(weights)
    return tuple(w / total for w in weights)


def format_date_nd30(d: datetime.date) -> str:
    """ND 30 PL I, II.4.b: days below 10 and months 1, 2 take a leading zero, others do not:
    "ngày 05 tháng 5 năm 2025", "ngày 15 tháng 01 năm 2025", "ngày 20 tháng 12 năm 2025"."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def place_date_line(doc: OfficialDocument) -> str:
    """Ô 4: "Đông Sơn, ngày 05 tháng 5 năm 2025", or blanks for day and month."""
    place = clean_text(doc.place).strip()
    return f"{place}, {_date_words(doc)}" if place else _date_words(doc)


def _date_words(doc: OfficialDocument) -> str:
    if doc.issued_on is not None:
        return format_date_nd30(doc.issued_on)
    return f"ngày{DATE_BLANK}tháng{DATE_BLANK}năm {doc.year}"


def number_line(doc: OfficialDocument) -> str:
    """Ô 3 (ND 30 PL I, II.3.c): "Số: 05/BC-VHKHTT"; numbers below 10 take a leading zero."""
    number = clean_text(doc.number or "").strip()
    if number.isdigit() and int(number) < 10:
        number = f"{int(number):02d}"
    return f"Số: {number or NUMBER_BLANK}/{clean_text(doc.symbol).strip()}"


def _strip_list_marks(text: str) -> str:
    text = clean_text(text).strip()
    text = text.removeprefix("-").strip()
    return text.rstrip(";.").rstrip()


def kinh_gui_lines(addressees: tuple[str, ...]) -> tuple[str, ...]:
    """ND 30 PL I, II.9.d (ô 9a): one addressee on the "Kính gửi:" line; several go one per
    line, each "- ...;", the last ending in "."."""
    names = [n for n in (_strip_list_marks(a) for a in addressees) if n]
    if len(names) <= 1:
        return tuple(f"Kính gửi: {n}" for n in names)
    return ("Kính gửi:", *(f"- {n};" for n in names[:-1]), f"- {names[-1]}.")


def recipient_lines(recipients: tuple[str, ...]) -> tuple[str, ...]:
    """ND 30 PL I, II.9.d (ô 9b): each line "- ...;", the last ("Lưu: VT, ...") ending in "."."""
    names = [n for n in (_strip_list_marks(r) for r in recipients) if n]
    if not names:
        return ()
    return (*(f"- {n};" for n in names[:-1]), f"- {names[-1]}.")


def signer_lines(signer: Signer) -> tuple[str, ...]:
    """Ô 7a/7b in capitals: ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG") or ("Q. TRƯỞNG PHÒNG",)."""
    title = clean_text(signer.title).strip().upper()
    authority = clean_text(signer.authority or "").strip().upper()
    of = clean_text(signer.authority_of or "").strip().upper()
    if authority and of:
        return (f"{authority} {of}", title)
    if authority:
        return (f"{authority} {title}",)
    return (title,)


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def appendix_label(index: int, count: int) -> str:
    """ND 30 PL I, III.1.a: with two or more appendices they are numbered in Roman numerals."""
    return f"Phụ lục {_roman(index + 1)}" if count > 1 else "Phụ lục"


_APPENDIX_PREFIX = re.compile(r"^\s*phụ lục(\s+[IVXLC\d]+)?\s*[:.\-–]\s*", re.IGNORECASE)


def appendix_title(appendix: Section) -> str:
    """The appendix title in capitals (III.1.b), without a "Phụ lục:" the caller may have put in
    front: the renderer prints the "Phụ lục I" line itself."""
    title = _APPENDIX_PREFIX.sub("", clean_text(appendix.heading).strip())
    return title.upper()


def appendix_reference_line(doc: OfficialDocument) -> str:
    """ND 30 PL I, III.1.c: number and symbol, date and issuing body of the document the
    appendix goes with: "(Kèm theo Báo cáo số .../BC-... ngày ... tháng ... năm ... của ...)"."""
    kind = clean_text(doc.doc_type).strip().lower().capitalize()
    number = number_line(doc).removeprefix("Số: ")
    author = clean_text(doc.author).strip()
    of = f" của {author}" if author else ""
    return f"(Kèm theo {kind} số {number} {_date_words(doc)}{of})"


# Where a body's name may break: after a comma, before "và" or "của" (PL I, II.2.b: the name
# in capitals is broken between word groups, never inside "Khoa học" or "Thông tin").
_GROUP_BREAK = re.compile(r"(?<=,)\s+|\s+(?=(?:VÀ|và|CỦA|của)\s)")


def name_lines(name: str, fits: Callable[[str], bool]) -> str:
    """``name`` in as few lines as fit (``fits`` measures one line), broken only between word
    groups; a group wider than the line falls back to breaking between its words."""
    text = " ".join(clean_text(name).split())
    if not text or fits(text):
        return text
    groups = [g for g in _GROUP_BREAK.split(text) if g]
    lines: list[str] = []
    for group in groups:
        if lines and fits(f"{lines[-1]} {group}"):
            lines[-1] = f"{lines[-1]} {group}"
        elif fits(group):
            lines.append(group)
        else:
            for word in group.split():
                if lines and fits(f"{lines[-1]} {word}"):
                    lines[-1] = f"{lines[-1]} {word}"
                else:
                    lines.append(word)
    return "\n".join(lines)


def column_widths(
    table: Table, width: float, measure: Callable[[str], float], padding: float
) -> tuple[float, ...]:
    """Each column's width: its share (column_shares), but never narrower than the longest word
    of its heading measured in the heading's font plus the cell's ``padding``, so a heading
    wraps between words and never inside one ("Băng rôn", not "Băn/g rôn"); what the narrow
    columns gain is taken from the others in proportion to what they have to spare."""
    widths = [width * share for share in column_shares(table)]
    least = [
        max((measure(w) for w in clean_text(title).split()), default=0.0) + padding + 0.5
        for title in table.columns
    ]
    for _round in range(len(widths)):
        short = sum(max(0.0, m - w) for w, m in zip(widths, least, strict=True))
        spare = sum(max(0.0, w - m) for w, m in zip(widths, least, strict=True))
        if short <= 1e-6 or spare <= 1e-6:
            break
        take = min(short, spare) / spare
        widths = [m if w < m else w - (w - m) * take for w, m in zip(widths, least, strict=True)]
    return tuple(widths)
