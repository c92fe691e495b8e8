"""Charts of the main figures, drawn once with reportlab.graphics and shared by both renderers.

The PDF places the :class:`Drawing` as vector graphics; the DOCX gets the same drawing rasterised
(one-page PDF → pypdfium2 → PNG), so the two formats show one picture. The fonts are found here
too, since a chart's labels and the PDF's text must use the same embedded TrueType family.
"""

from __future__ import annotations

import functools
import io
import math
import os
import unicodedata
from decimal import Decimal
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from tonghop.campaigns.values import format_number

from .layout import Chart, clean_text

__all__ = [
    "FONT_BOLD",
    "FONT_BOLD_ITALIC",
    "FONT_ITALIC",
    "FONT_REGULAR",
    "MAX_BARS",
    "VIETNAMESE_LETTERS",
    "chart_drawing",
    "chart_png",
    "font_files",
    "register_fonts",
]

# PL I, I.4: Times New Roman. Names reportlab knows the registered faces by.
FONT_REGULAR, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = (
    "ND30Serif",
    "ND30Serif-Bold",
    "ND30Serif-Italic",
    "ND30Serif-BoldItalic",
)
Faces = tuple[Path, Path, Path, Path]  # regular, bold, italic, bold italic


def _faces(folder: Path, pattern: str, styles: tuple[str, str, str, str]) -> Faces:
    regular, bold, italic, bold_italic = (folder / pattern.format(s) for s in styles)
    return regular, bold, italic, bold_italic


SHIPPED = Path(__file__).with_name("fonts")
_LIBERATION = _faces(SHIPPED, "LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic"))
# Times New Roman where the system has it (Debian ttf-mscorefonts-installer, Windows, macOS);
# the shipped Liberation Serif has the same metrics, so lines break at the same words.
_WINDOWS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
TIMES_CANDIDATES: list[Faces] = [
    _faces(
        Path("/usr/share/fonts/truetype/msttcorefonts"),
        "Times_New_Roman{}.ttf",
        ("", "_Bold", "_Italic", "_Bold_Italic"),
    ),
    _faces(_WINDOWS, "times{}.ttf", ("", "bd", "i", "bi")),
    _faces(
        Path("/Library/Fonts"), "Times New Roman{}.ttf", ("", " Bold", " Italic", " Bold Italic")
    ),
]

# Every precomposed letter of Vietnamese (TCVN 6909:2001): the vowels with each of the five tone
# marks, and đ. A font missing one of them would print a box in the middle of a name.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE_LETTERS = (
    "".join(unicodedata.normalize("NFC", v + t) for v in _VOWELS + _VOWELS.upper() for t in _TONES)
    + "đĐ"
)


def _covers_vietnamese(path: Path) -> bool:
    try:
        face = TTFont("probe", str(path)).face
    except Exception:  # an unreadable or non-TrueType file is just not a candidate
        return False
    return all(ord(c) in face.charToGlyph for c in VIETNAMESE_LETTERS)


def font_files() -> Faces:
    """Regular, bold, italic, bold italic: the first complete Times New Roman that has every
    Vietnamese letter, else the Liberation Serif shipped with the package."""
    for candidate in TIMES_CANDIDATES:
        if all(p.is_file() for p in candidate) and all(map(_covers_vietnamese, candidate)):
            return candidate
    return _LIBERATION


class _Font(TTFont):  # type: ignore[misc]
    """A TrueType face that remembers the widths it measured. reportlab measures every word
    of every line it breaks, in pure Python without its C accelerator; a province's report
    measures the same names and figures tens of thousands of times."""

    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
        self._widths: dict[tuple[str, float], float] = {}

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:
        key = (text, size)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > 200_000:  # bounded: a long-running worker renders many
                self._widths.clear()
            width = self._widths[key] = float(super().stringWidth(text, size, encoding))
        return width


@functools.cache
def register_fonts() -> tuple[Path, ...]:
    """Register the four faces once per process (embedded as subsets by reportlab)."""
    files = font_files()
    names = (FONT_REGULAR, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC)
    for name, path in zip(names, files, strict=True):
        pdfmetrics.registerFont(_Font(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT_REGULAR,
        normal=FONT_REGULAR,
        bold=FONT_BOLD,
        italic=FONT_ITALIC,
        boldItalic=FONT_BOLD_ITALIC,
    )
    return files


# --- the bar chart ---------------------------------------------------------------------------

MM = 72 / 25.4
WIDTH = 165 * MM  # the text width of an A4 page with the ND 30 margins (PL I, I.3)
SIZE_TITLE, SIZE_TEXT = 13, 11
BAR_H, BAR_GAP = 14.0, 6.0
LABEL_SHARE = 0.36  # of the width, for the labels on the left
LABEL_LINES = 2  # a longer label is cut with "…"
MAX_BARS = 40  # at most; fewer when long labels take two lines (see MAX_HEIGHT)
MAX_HEIGHT = 200 * MM  # of the 257 mm of text height, leaving room for the appendix heading
EMPTY_NOTE = "Không có số liệu"
BAR_COLOUR = colors.HexColor("#4a6fa5")


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e18:
        return format_number(int(value))
    return format_number(Decimal(repr(value)))


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _lines(text: str, font: str, size: float, width: float, most: int) -> list[str]:
    """Wrap ``text`` to ``width``; a word longer than the width is cut, and lines beyond
    ``most`` are dropped with "…" at the end of the last one kept."""
    words: list[str] = []
    for word in text.split():
        while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    lines = simpleSplit(" ".join(words), font, size, width) if words else []
    if len(lines) > most:
        last = lines[most - 1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines = [*lines[: most - 1], last.rstrip() + "…"]
    return lines


def chart_drawing(chart: Chart, width: float = WIDTH) -> Drawing:
    """A horizontal bar chart ``width`` points wide: title, unit, one bar per label with its
    value printed after it. Negative or non-finite values draw no bar; the value still shows."""
    register_fonts()
    title = _lines(clean_text(chart.title).strip(), FONT_BOLD, SIZE_TITLE, width, 3)
    unit = clean_text(chart.unit).strip()
    subtitle = [f"(Đơn vị tính: {unit})"] if unit else []
    labels = [clean_text(label).strip() for label in chart.labels]
    values = [_finite(float(v)) for v in chart.values]
    label_w = width * LABEL_SHARE
    wrapped = [_lines(label, FONT_REGULAR, SIZE_TEXT, label_w, LABEL_LINES)
               for label in labels[:MAX_BARS]]  # fmt: skip
    rows = [max(BAR_H, len(lines) * (SIZE_TEXT + 1) + 2) + BAR_GAP for lines in wrapped]
    head = len(title) * (SIZE_TITLE + 3) + len(subtitle) * (SIZE_TEXT + 3) + 6
    # As many bars as one page holds (a Drawing cannot break across pages); a note says so.
    shown, used = 0, head + 2.0 * (SIZE_TEXT + 4) + 4
    while shown < len(rows) and used + rows[shown] <= MAX_HEIGHT:
        used += rows[shown]
        shown += 1
    notes: list[str] = []
    if shown < len(labels):
        notes.append(f"Biểu đồ thể hiện {shown} mục đầu trong tổng số {len(labels)} mục.")
    if not labels:
        notes.append(EMPTY_NOTE)
    wrapped, rows, values = wrapped[:shown], rows[:shown], values[:shown]

    texts = [_number(v) for v in values]
    value_w = max((pdfmetrics.stringWidth(t, FONT_REGULAR, SIZE_TEXT) for t in texts), default=0)
    bar_x = label_w + 6
    bar_room = max(width - bar_x - value_w - 6, 20.0)
    top = max(values, default=0.0)

    height = head + sum(rows) + len(notes) * (SIZE_TEXT + 4) + 4
    drawing = Drawing(width, height)
    # The renderer starts every drawing in Helvetica, a font the PDF would list unembedded.
    drawing.initialFontName, drawing.initialFontSize = FONT_REGULAR, SIZE_TEXT
    y = height
    for line in title:
        y -= SIZE_TITLE + 3
        drawing.add(_text(width / 2, y, line, FONT_BOLD, SIZE_TITLE, "middle"))
    for line in subtitle:
        y -= SIZE_TEXT + 3
        drawing.add(_text(width / 2, y, line, FONT_ITALIC, SIZE_TEXT, "middle"))
    y -= 6
    axis_top = y
    for lines, row, value, text in zip(wrapped, rows, values, texts, strict=True):
        y -= row
        middle = y + row / 2
        first = middle + (len(lines) - 1) * (SIZE_TEXT + 1) / 2 - SIZE_TEXT * 0.35
        for i, line in enumerate(lines):
            drawing.add(_text(label_w, first - i * (SIZE_TEXT + 1), line, FONT_REGULAR,
                              SIZE_TEXT, "end"))  # fmt: skip
        length = bar_room * value / top if top > 0 and value > 0 else 0.0
        if length > 0:
            drawing.add(Rect(bar_x, middle - BAR_H / 2, max(length, 0.5), BAR_H,
                             fillColor=BAR_COLOUR, strokeColor=None))  # fmt: skip
        drawing.add(_text(bar_x + length + 4, middle - SIZE_TEXT * 0.35, text, FONT_REGULAR,
                          SIZE_TEXT, "start"))  # fmt: skip
    if rows:
        drawing.add(Line(bar_x, y + BAR_GAP / 2, bar_x, axis_top, strokeColor=colors.black,
                         strokeWidth=0.6))  # fmt: skip
    for note in notes:
        y -= SIZE_TEXT + 4
        drawing.add(_text(width / 2, y, note, FONT_ITALIC, SIZE_TEXT, "middle"))
    return drawing


def _text(x: float, y: float, text: str, font: str, size: float, anchor: str) -> String:
    return String(x, y, text, fontName=font, fontSize=size, textAnchor=anchor,
                  fillColor=colors.black)  # fmt: skip


def chart_png(chart: Chart, dpi: int = 150) -> bytes:
    """The drawing as a PNG at ``dpi`` (stored in the file, so Word shows it at true size):
    drawn into a one-page PDF by the same code the PDF renderer uses, rasterised by PDFium."""
    import pypdfium2  # imported here: only the DOCX renderer needs it

    from tonghop.pdfium_lock import PDFIUM_LOCK

    drawing = chart_drawing(chart)
    pdf = renderPDF.drawToString(drawing)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            bitmap = page.render(scale=dpi / 72)
            # A copy of the pixels: the bitmap is freed here, under the lock.
            image = bitmap.to_pil().copy()
            bitmap.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
