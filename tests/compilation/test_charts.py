"""Charts of the main figures and the fonts they share with the PDF."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from tonghop.compilation import charts
from tonghop.compilation.charts import (
    MAX_BARS,
    SHIPPED,
    VIETNAMESE_LETTERS,
    chart_drawing,
    chart_png,
    font_files,
)
from tonghop.compilation.layout import Chart

STYLES = ("Regular", "Bold", "Italic", "BoldItalic")
UNITS = ("UBND xã Đông Hòa", "UBND xã Đông Khê", "Trường THCS Nhữ Bá Sỹ")


def _strings(drawing: Drawing) -> list[Any]:
    return [n for n in drawing.getContents() if isinstance(n, String)]


def _texts(drawing: Drawing) -> list[str]:
    return [s.text for s in _strings(drawing)]


def _bars(drawing: Drawing) -> list[Any]:
    return [n for n in drawing.getContents() if isinstance(n, Rect)]


def test_it_draws_one_bar_per_label_scaled_to_the_largest() -> None:
    drawing = chart_drawing(Chart("Số băng rôn", UNITS, (3, 6, 12), unit="cái"))
    assert abs(drawing.width - 165 * 72 / 25.4) < 0.01
    texts = _texts(drawing)
    assert texts[:2] == ["Số băng rôn", "(Đơn vị tính: cái)"]
    assert all(u in texts for u in UNITS) and {"3", "6", "12"} <= set(texts)
    widths = [b.width for b in _bars(drawing)]
    assert len(widths) == 3 and widths[0] * 4 == pytest.approx(widths[2])
    assert all(0 <= n.x <= drawing.width for n in _bars(drawing))


def test_it_wraps_and_shortens_long_labels() -> None:
    label = "Trung tâm Văn hóa, Thông tin, Thể thao và Du lịch huyện Đông Sơn " * 4
    drawing = chart_drawing(Chart("A", (label, "Ngắn", "X" * 300), (1, 2, 3)))
    room = drawing.width * charts.LABEL_SHARE
    labels = [s for s in _strings(drawing) if s.textAnchor == "end"]
    assert len(labels) == 2 + 1 + 2  # two lines, one line, two lines of a word cut in pieces
    assert labels[1].text.endswith("…") and labels[4].text.endswith("…")
    assert all(stringWidth(s.text, s.fontName, s.fontSize) <= room + 0.01 for s in labels)


def test_it_handles_zero_negative_huge_and_missing_values() -> None:
    values = (0.0, -5.0, 1e15, math.nan, math.inf, 2.5)
    drawing = chart_drawing(Chart("A", tuple("abcdef"), values))
    texts = _texts(drawing)
    assert {"0", "-5", "1.000.000.000.000.000", "2,5"} <= set(texts)
    assert len(_bars(drawing)) == 2  # only 1e15 and 2.5 draw a bar
    assert max(s.x + stringWidth(s.text, s.fontName, s.fontSize) for s in _strings(drawing)) <= (
        drawing.width + 0.01
    )
    all_zero = chart_drawing(Chart("A", ("a", "b"), (0, 0)))
    assert not _bars(all_zero) and _texts(all_zero).count("0") == 2


def test_it_notes_an_empty_chart() -> None:
    drawing = chart_drawing(Chart("Kết quả", (), ()))
    assert _texts(drawing) == ["Kết quả", charts.EMPTY_NOTE]
    assert charts.EMPTY_NOTE == "Không có số liệu"
    assert chart_png(Chart("Kết quả", (), ())).startswith(b"\x89PNG")


def test_it_keeps_a_chart_of_many_bars_on_one_page() -> None:
    labels = tuple(f"Đơn vị có tên khá dài số {i} để xuống dòng" for i in range(500))
    drawing = chart_drawing(Chart("A", labels, tuple(range(500))))
    assert len(_bars(drawing)) <= MAX_BARS
    assert drawing.height <= charts.MAX_HEIGHT
    assert any("trong tổng số 500 mục" in t for t in _texts(drawing))


def test_it_rejects_values_that_do_not_match_the_labels() -> None:
    with pytest.raises(ValueError, match="labels"):
        Chart("A", ("a", "b"), (1.0,))


def test_it_rasterises_the_same_drawing_at_the_asked_dpi() -> None:
    chart = Chart("Số băng rôn theo đơn vị", UNITS, (3, 6, 9), unit="cái")
    drawing = chart_drawing(chart)
    image = Image.open(io.BytesIO(chart_png(chart, dpi=150)))
    assert image.format == "PNG"
    assert image.size == pytest.approx((drawing.width * 150 / 72, drawing.height * 150 / 72), abs=2)
    assert image.info["dpi"] == pytest.approx((150, 150), abs=0.1)
    # Something is drawn: dark text and the bars' colour, on white.
    colours = {c for _, c in image.convert("RGB").getcolors(1 << 20) or []}
    assert (255, 255, 255) in colours and len(colours) > 10


# --- fonts ---------------------------------------------------------------------------------------


def test_it_ships_liberation_serif_with_its_licence() -> None:
    names = {p.name for p in SHIPPED.iterdir()}
    for style in STYLES:
        assert f"LiberationSerif-{style}.ttf" in names
    licence = (SHIPPED / "LICENSE-LiberationSerif.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Red Hat" in licence


def test_it_finds_fonts_with_every_vietnamese_letter() -> None:
    assert len(VIETNAMESE_LETTERS) == 12 * 2 * 6 + 2
    for path in font_files():
        face = TTFont("check", str(path)).face
        assert all(ord(c) in face.charToGlyph for c in VIETNAMESE_LETTERS), path


def test_it_prefers_times_new_roman_and_falls_back_to_the_shipped_font(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    liberation = tuple(SHIPPED / f"LiberationSerif-{s}.ttf" for s in STYLES)
    junk = tuple(tmp_path / f"times{s}.ttf" for s in ("", "bd", "i", "bi"))
    for path in junk:
        path.write_bytes(b"not a font")
    missing = tuple(tmp_path / "none" / f"{i}.ttf" for i in range(4))
    monkeypatch.setattr(charts, "TIMES_CANDIDATES", [missing, junk])
    assert font_files() == liberation
    # A complete candidate with the letters wins (Liberation stands in for Times New Roman).
    monkeypatch.setattr(charts, "TIMES_CANDIDATES", [missing, liberation[::-1]])
    assert font_files() == liberation[::-1]


def test_its_fonts_remember_widths_without_changing_them() -> None:
    charts.register_fonts()
    regular = TTFont("probe-regular", str(font_files()[0]))
    for text in ("Đơn vị số 1001 (chậm)", "2.254.673", "", "Đơn vị số 1001 (chậm)"):
        assert stringWidth(text, charts.FONT_REGULAR, 13) == pytest.approx(
            regular.stringWidth(text, 13)
        )
