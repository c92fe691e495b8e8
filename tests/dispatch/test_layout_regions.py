"""Layout before words: a text PDF's fields taken from the regions where ND 30 places them.

The PDFs are drawn here with reportlab, glyph by glyph where a real office's generator puts
them; the order the runs are written in is what makes reading order text mislead the parser.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tonghop.dispatch.header import Header
from tonghop.dispatch.layout import Regions, apply_header
from tonghop.dispatch.parse import parse_text
from tonghop.dispatch.pdf import read_pdf
from tonghop.dispatch.pipeline import ingest

FONT = Path(__file__).parents[2] / "src/tonghop/compilation/fonts/LiberationSerif-Regular.ttf"

Run = tuple[float, float, str]  # x, y (PDF points from the bottom left), text

HEAD_LEFT: list[Run] = [
    (95, 790, "ỦY BAN NHÂN DÂN"),
    (100, 775, "TỈNH LÂM ĐỒNG"),
    (90, 750, "Số: 152/UBND-VX"),
]
HEAD_RIGHT: list[Run] = [
    (265, 790, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    (300, 775, "Độc lập - Tự do - Hạnh phúc"),
    (300, 750, "Lâm Đồng, ngày 20 tháng 5 năm 2025"),
]
TITLE: list[Run] = [
    (200, 715, "V/v triển khai kế hoạch năm 2025"),
    (270, 690, "Kính gửi: Các sở, ban, ngành"),
]
BODY: list[Run] = [
    (70, 660, "Căn cứ kết luận của Hội nghị tổ chức tại Đà Lạt, ngày 15 tháng 4 năm 2025,"),
    (70, 645, "Ủy ban nhân dân tỉnh đề nghị các đơn vị báo cáo trước ngày 30/6/2025./."),
]
RECIPIENTS: list[Run] = [
    (70, 600, "Nơi nhận:"),
    (70, 586, "- Như trên;"),
    (70, 572, "- Các Phó Chủ tịch UBND tỉnh:"),
    (70, 558, "Nguyễn Thị Lan;"),
    (70, 544, "- Lưu: VT, VX."),
]
SIGNING: list[Run] = [
    (330, 600, "TM. ỦY BAN NHÂN DÂN"),
    (350, 586, "KT. CHỦ TỊCH"),
    (350, 572, "PHÓ CHỦ TỊCH"),
]
NAME: list[Run] = [(345, 500, "Trần Văn Hiệp")]


def _pdf(*pages: list[Run]) -> bytes:
    pdfmetrics.registerFont(TTFont("LiberationSerif", str(FONT)))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595.3, 841.9))
    for runs in pages:
        for x, y, text in runs:
            c.setFont("LiberationSerif", 12)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return out.getvalue()


def _rows(left: list[Run], right: list[Run]) -> list[Run]:
    """Runs written row by row, as a table's cells are."""
    out: list[Run] = []
    for i in range(max(len(left), len(right))):
        out += left[i : i + 1] + right[i : i + 1]
    return out


def _fields(tmp_path: Path, data: bytes) -> dict[str, object]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return ingest(path, ocr=False).fields


def test_date_comes_from_the_place_date_line_never_from_the_body(tmp_path: Path) -> None:
    # The right header column is written after the body: in reading order the body's
    # `Đà Lạt, ngày 15 tháng 4 năm 2025` comes first.
    fields = _fields(tmp_path, _pdf(HEAD_LEFT + TITLE + BODY + HEAD_RIGHT + NAME))
    assert fields["issued_on"] == "2025-05-20"
    assert fields["place"] == "Lâm Đồng"
    assert (fields["number"], fields["symbol"]) == ("152", "UBND-VX")
    assert (fields["issuer"], fields["issuer_parent"]) == ("ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", None)


def test_a_name_in_noi_nhan_is_not_the_signer(tmp_path: Path) -> None:
    # The signature is an image: the block prints no name, but a recipient is a person.
    page = HEAD_LEFT + HEAD_RIGHT + TITLE + BODY + _rows(RECIPIENTS, SIGNING)
    fields = _fields(tmp_path, _pdf(page))
    signer = fields["signer"]
    assert isinstance(signer, dict)
    assert signer["name"] is None
    assert (signer["authority"], signer["title"]) == ("TM.", "Phó Chủ tịch")
    assert "Các Phó Chủ tịch UBND tỉnh: Nguyễn Thị Lan" in fields["recipients"]  # type: ignore[operator]


def test_signer_is_read_from_the_signing_column_on_the_last_page(tmp_path: Path) -> None:
    second = _rows(RECIPIENTS, SIGNING) + NAME
    fields = _fields(tmp_path, _pdf(HEAD_LEFT + HEAD_RIGHT + TITLE + BODY, second))
    signer = {"authority": "TM.", "title": "Phó Chủ tịch", "name": "Trần Văn Hiệp"}
    assert fields["signer"] == signer
    assert fields["recipients"] == [
        "Như trên",
        "Các Phó Chủ tịch UBND tỉnh: Nguyễn Thị Lan",
        "Lưu: VT, VX",
    ]


@pytest.mark.parametrize(
    "page",
    [
        # One column: nothing to cut.
        [(70, 790 - 15 * i, text) for i, (_x, _y, text) in enumerate(HEAD_LEFT + HEAD_RIGHT)]
        + TITLE
        + BODY,
        # Both header columns written as one run of text: no gap to cut along.
        [
            (70, 790, "ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            (70, 750, "Số: 152/UBND-VX          Lâm Đồng, ngày 20 tháng 5 năm 2025"),
            *TITLE,
            *BODY,
            (70, 600, "Nơi nhận: - Như trên;          KT. CHỦ TỊCH"),
        ],
    ],
    ids=["one-column", "one-run"],
)
def test_a_page_without_columns_reads_as_before(tmp_path: Path, page: list[Run]) -> None:
    data = _pdf(page)
    assert read_pdf(data, ocr=False).regions is None
    fields = _fields(tmp_path, data)
    text = ingest(tmp_path / "doc.pdf", ocr=False).text
    plain = parse_text(text, source=str(tmp_path / "doc.pdf"))
    assert fields == plain


def test_a_blank_printed_number_and_day_keep_what_the_stamp_filled_in() -> None:
    head = Header(number="542", symbol="TB-UBND", issued_on="2024-11-06", year=2024, month=11)
    regions = Regions(number="Số: /TB-UBND", place_date="Quảng Ngãi, ngày     tháng 11 năm 2024")
    apply_header(head, regions)
    assert (head.number, head.symbol, head.issued_on) == ("542", "TB-UBND", "2024-11-06")
    assert head.place == "Quảng Ngãi"


def test_a_day_not_on_the_printed_line_is_dropped() -> None:
    # The header's day is blank and the text reader took a day of another month.
    head = Header(number="7", symbol="TB-UBND", issued_on="2024-10-15", year=2024, month=10)
    apply_header(head, Regions(place_date="Quảng Ngãi, ngày     tháng 11 năm 2024"))
    assert (head.issued_on, head.year, head.month) == (None, 2024, 11)
