"""The regions of a scanned page cut from tesseract's word boxes (scanlayout.py): the header's
columns, the number line, the place-and-date line, the signing block and `Nơi nhận`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tonghop.dispatch import parse_file, parse_text, scanlayout
from tonghop.dispatch.footer import Footer, signer_of
from tonghop.dispatch.layout import Regions, apply_footer, lists_recipients, names_signer
from tonghop.dispatch.ocr import Word
from tonghop.dispatch.read import read_document

HEIGHT = 30  # a word's height in pixels, at 300 dpi about 10 pt
PAGE_WIDTH, PAGE_HEIGHT = 2480, 3508


def row(line: int, top: int, *cells: tuple[int, str]) -> list[Word]:
    """Words of one tesseract line: each cell is (left, text), its words 12 px apart."""
    words: list[Word] = []
    for left, text in cells:
        x = left
        for part in text.split():
            width = 22 * len(part)
            words.append(Word((1, 1, line), x, top, width, HEIGHT, part))
            x += width + 12
    return words


LEFT, RIGHT = 200, 1100
# Tesseract often gives the number and the place-and-date as one line across both columns.
HEADER = [
    *row(1, 100, (LEFT, "ỦY BAN NHÂN DÂN"), (RIGHT, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
    *row(2, 140, (LEFT, "TỈNH QUẢNG NGÃI"), (RIGHT, "Độc lập - Tự do - Hạnh phúc")),
    *row(3, 220, (LEFT, "Số: 12 /UBND-KGVX"), (RIGHT, "Quảng Ngãi, ngày 15 tháng 01 năm 2025")),
    *row(4, 262, (LEFT, "V/v triển khai kế hoạch")),
    # The body cites another date: it must not become the document's.
    *row(5, 400, (LEFT, "Thực hiện Công văn số 7/SKHCN ngày 20 tháng 3 năm 2025 của Sở")),
]


def test_the_header_is_cut_into_its_regions() -> None:
    cuts = scanlayout.header_cuts(HEADER, PAGE_HEIGHT)
    assert cuts == {
        "issuer": "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI",
        "number": "Số: 12 /UBND-KGVX",
        "place_date": "Quảng Ngãi, ngày 15 tháng 01 năm 2025",
    }


def test_a_scans_date_comes_from_its_place_and_date_line_only() -> None:
    # Tesseract gave the left column and a line of the body before the right column: in
    # reading order the body's date comes first. The place-and-date region decides.
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 12 /UBND-KGVX\nV/v triển khai\n"
        "Kính gửi: Sở Khoa học, ngày 20 tháng 3 năm 2025 đã họp.\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Quảng Ngãi, ngày 15 tháng 01 năm 2025\nNội dung./.\n"
    )
    assert parse_text(text, ocr=True)["issued_on"] == "2025-03-20"
    cuts = scanlayout.header_cuts(HEADER, PAGE_HEIGHT)
    regions = Regions(issuer=cuts["issuer"], number=cuts["number"], place_date=cuts["place_date"])
    fields = parse_text(text, ocr=True, regions=regions)
    assert fields["issued_on"] == "2025-01-15"
    assert (fields["number"], fields["symbol"]) == ("12", "UBND-KGVX")


def test_a_header_without_its_anchors_or_columns_gets_no_regions() -> None:
    no_motto = [w for w in HEADER if w.line[2] != 1]
    assert scanlayout.header_cuts(no_motto, PAGE_HEIGHT) == {}
    one_column = row(1, 100, (LEFT, "CỘNG HÒA XÃ HỘI")) + row(2, 220, (LEFT, "Số: 12 /UBND"))
    assert scanlayout.header_cuts(one_column, PAGE_HEIGHT) == {}
    assert scanlayout.header_cuts([], PAGE_HEIGHT) == {}


FOOT = [
    *row(20, 2000, (LEFT, "Nội dung cuối của văn bản./.")),
    *row(21, 2080, (RIGHT, "KT. CHỦ TỊCH")),
    *row(22, 2100, (LEFT, "Nơi nhận:"), (RIGHT + 40, "PHÓ CHỦ TỊCH")),
    *row(23, 2140, (LEFT, "- Như trên;")),
    *row(24, 2180, (LEFT, "- Đồng chí Nguyễn Văn An;")),
    *row(25, 2220, (LEFT, "- Lưu: VT.")),
    *row(26, 2300, (RIGHT + 20, "Trần Hoàng Tuấn")),
]


def test_the_foot_is_cut_into_signing_block_and_recipients() -> None:
    cuts = scanlayout.foot_cuts(FOOT, PAGE_WIDTH)
    assert cuts["signing"] == "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nTrần Hoàng Tuấn"
    assert cuts["recipients"].split("\n") == [
        "Nơi nhận:",
        "- Như trên;",
        "- Đồng chí Nguyễn Văn An;",
        "- Lưu: VT.",
    ]
    assert scanlayout.foot_cuts(FOOT[:5], PAGE_WIDTH) == {}  # no `Nơi nhận` yet


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not (CORPUS / "007.pdf").exists(),
    reason="needs tesseract and the corpus",
)
def test_a_real_scan_gets_its_regions_from_the_word_boxes() -> None:
    regions = read_document(CORPUS / "007.pdf").regions
    assert regions is not None
    assert regions.issuer == "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI"
    assert regions.number is not None and "/TTr-UBND" in regions.number
    assert regions.place_date is not None and "tháng 01 năm 2025" in regions.place_date
    assert regions.signing is not None and regions.signing.startswith("KT. CHỦ TỊCH")
    assert regions.recipients is not None and regions.recipients.startswith("Nơi nhận")
    assert "Trần Hoàng" not in regions.recipients


def test_the_signing_block_is_boxed_to_be_read_again() -> None:
    box = scanlayout.signing_box(FOOT, PAGE_WIDTH, PAGE_HEIGHT)
    assert box is not None
    heading = next(w for w in FOOT if w.text == "Nơi")
    signing = [w for w in FOOT if w.left >= box.left]
    # Right of the foot's gutter, from a little above the `Nơi nhận` row down to the name, and
    # nothing of the recipients' column.
    assert {w.text for w in signing} >= {"KT.", "CHỦ", "Trần", "Tuấn"}
    assert "Nơi" not in {w.text for w in signing} and box.left > heading.right
    assert box.top < heading.top and box.right == PAGE_WIDTH
    assert box.bottom == heading.top + int(scanlayout.SIGNING_DEPTH * PAGE_HEIGHT)
    assert all(box.top <= w.top and w.bottom <= box.bottom for w in signing)
    assert scanlayout.signing_box(FOOT[:5], PAGE_WIDTH, PAGE_HEIGHT) is None


def test_the_recipients_column_is_boxed_to_be_read_again() -> None:
    found = scanlayout.foot(FOOT, PAGE_WIDTH, PAGE_HEIGHT)
    box, signing = found.recipients, found.signing
    assert box is not None and signing is not None
    heading = next(w for w in FOOT if w.text == "Nơi")
    inside = {
        w.text
        for w in FOOT
        if box.left <= w.left
        and w.right <= box.right
        and box.top <= w.top
        and w.bottom <= box.bottom
    }
    # Left of the gutter, from the `Nơi nhận` row down: the list, none of the signing block.
    assert {"Nơi", "nhận:", "Như", "trên;", "Lưu:"} <= inside
    assert not inside & {"KT.", "CHỦ", "Trần", "Tuấn"}
    assert box.left == 0 and box.right == signing.left and box.top < heading.top
    assert scanlayout.foot(FOOT[:5], PAGE_WIDTH, PAGE_HEIGHT).recipients is None


def test_recipients_the_page_lost_are_taken_from_their_column_read_again() -> None:
    lost = Regions(
        signing="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nTrần Hoàng Tuấn",
        recipients="Nơi nhận:",
        recipients_reread=(
            "Nơi nhận:\n- Như trên;\n- Đ/c Bộ trưởng (để báo cáo);\n- Lưu: VT, C04.\n"
        ),
    )
    assert _footer_with(lost).recipients == [
        "Như trên",
        "Đ/c Bộ trưởng (để báo cáo)",
        "Lưu: VT, C04",
    ]
    # What the page's own reading listed is kept.
    listed = Regions(
        recipients="Nơi nhận:\n- Như trên;\n- Lưu: VT.",
        recipients_reread="Nơi nhận:\n- Nhu trên;\n- Lưu VT",
    )
    assert _footer_with(listed).recipients == ["Như trên", "Lưu: VT"]


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not (CORPUS / "023.pdf").exists(),
    reason="needs tesseract and the corpus",
)
def test_a_real_scans_small_recipients_list_is_read_from_its_column() -> None:
    # Corpus 023: the page's reading gives nothing under `Nơi nhận:`, set in small type
    # beside the seal; the column read on its own gives its four lines.
    regions = read_document(CORPUS / "023.pdf").regions
    assert regions is not None and not lists_recipients(regions.recipients or "")
    recipients = parse_file(CORPUS / "023.pdf")["recipients"]
    assert isinstance(recipients, list) and len(recipients) == 4
    assert recipients[0] == "Như trên" and recipients[-1] == "Lưu: VT, C04"
    assert "Bộ trưởng BCA (để báo cáo)" in recipients[1]


def _footer_with(regions: Regions, name: str | None = None) -> Footer:
    foot = Footer(recipients=[], authority=None, title=None, name=name)
    apply_footer(foot, regions, "Kiên Giang", ocr=True)
    return foot


def test_a_name_the_page_lost_is_taken_from_the_signing_block_read_again() -> None:
    # The page's reading lost the name under the signature and the seal; the block read again
    # on its own gives it, with the title when the page gave none.
    lost = Regions(
        signing="PHÓ nó QIÓN M ĐÓC",
        signing_rereads=("x ~ ¬\n", "PHÓ GIÁM ĐỐC\nma Nw ⁄\nHà Văn Phúc\n"),
    )
    foot = _footer_with(lost)
    assert (foot.authority, foot.title, foot.name) == ("KT.", "Phó Giám đốc", "Hà Văn Phúc")
    ranked = Regions(
        signing="THỨ TRƯỞNG", signing_rereads=("THỨ TRƯỞNG\nThượng tướng Nguyễn Văn Long",)
    )
    assert _footer_with(ranked).name == "Nguyễn Văn Long"


@pytest.mark.parametrize(
    ("read", "name"),
    [
        # Corpus 059: the `i` of `Giang` under the signature's stroke. In `gi` before a vowel
        # no mark can stand on the `i`: it was the stroke.
        ("Nguyễn Trúc GÌang |", "Nguyễn Trúc Giang"),
        # Where the `i` carries the syllable's tone, the mark stays and only the case goes.
        ("Lê Văn BÌnh", "Lê Văn Bình"),
        ("Trần Văn TÍn", "Trần Văn Tín"),
    ],
)
def test_an_i_read_as_a_capital_under_the_signature_is_made_small(read: str, name: str) -> None:
    lost = Regions(signing="GIÁM ĐỐC", signing_rereads=(f"GIÁM ĐỐC\n_ |\n{read}\n",))
    assert _footer_with(lost).name == name


def test_a_typed_name_is_not_mended_as_a_scan() -> None:
    # Only OCR misreads a letter's case; a typed copy is given as it is written.
    block = ["GIÁM ĐỐC", "Nguyễn Trúc GÌang"]
    assert signer_of(block, ocr=True, whole=True)[2] == "Nguyễn Trúc Giang"
    assert signer_of(block, whole=True)[2] is None


def test_a_name_read_again_must_stand_whole_on_its_line() -> None:
    # `¿ Hoàng Anh`: OCR lost the family name `Lê`; `Hoàng Anh` looks like a name but is not
    # the signer's. A name the page's own reading found is not replaced either.
    cut = Regions(signing="GIÁM ĐỐC", signing_rereads=("GIÁM ĐỐC\n` ˆ^ “1 ¿ Hoàng Anh\n",))
    assert _footer_with(cut).name is None
    found = Regions(signing="GIÁM ĐỐC", signing_rereads=("GIÁM ĐỐC\nHà Văn Phúc",))
    assert _footer_with(found, "Lê Hoàng Anh").name == "Lê Hoàng Anh"


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not (CORPUS / "058.pdf").exists(),
    reason="needs tesseract and the corpus",
)
def test_a_real_scans_signer_under_the_seal_is_read_from_its_block() -> None:
    # The page's reading gives `PHÓ nó QIÓN M ĐÓC` and no name; the block read again gives
    # the title and the name (corpus 058, a Sở's notice signed by its deputy director).
    regions = read_document(CORPUS / "058.pdf").regions
    assert regions is not None and regions.signing_rereads
    assert "Hà Văn Phúc" not in (regions.signing or "")
    assert parse_file(CORPUS / "058.pdf")["signer"] == {
        "authority": "KT.",
        "title": "Phó Giám đốc",
        "name": "Hà Văn Phúc",
    }


def test_a_block_whose_name_was_read_is_not_read_again() -> None:
    # The second reading costs two tesseract runs: only a block without a whole name gets it.
    assert names_signer(scanlayout.foot_cuts(FOOT, PAGE_WIDTH)["signing"])
    assert not names_signer("GIÁM ĐÓC\n2— 1 V_")
    assert not names_signer("GIÁM ĐỐC\n` ˆ^ “1 ¿ Hoàng Anh")
