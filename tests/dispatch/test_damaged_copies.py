"""Copies of a Sở's or a district's document as the web keeps them: letters lost by a converter,
a date line without its comma, a heading naming two types, an enacting `QUYẾT ĐỊNH:` with the
heading lost. Every text here is a short synthetic snippet written for the rule it shows."""

from __future__ import annotations

from typing import Any

from tonghop.dispatch import parse_text
from tonghop.dispatch.stripped import is_stripped, restore_layout_words


def parse(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = parse_text(text)
    return fields


def codes(fields: dict[str, Any]) -> list[str]:
    return [f["code"] for f in fields["findings"]]


# A PDF's text layer whose font had no Unicode map: every letter outside ASCII was dropped.
LETTERS_LOST = """UBND HUYN TN LC CNG HO X HI CH NGHA VIT NAM

PHNG TI CHNH K HOCH c lp - T do - Hnh phc


S: 417 /PTCKH-NS Tn Lc, ngy 09 thng 3 nm 2031

V/v r sot kinh ph thc hin
chnh sch an sinh x hi

Knh gi: Cc c quan, n v thuc huyn

Thc hin Cng vn s 212/STC-NS ngy 02/3/2031 ca S Ti chnh v vic r sot
kinh ph, Phng Ti chnh - K hoch ngh cc c quan, n v tng hp s liu
v gi v Phng trc ngy 20/3/2031 tng hp bo co.
Ni nhn:
- Nh trn;
- Lu: VT.
"""


def test_a_copy_that_lost_its_vietnamese_letters_is_read_by_its_layout_words() -> None:
    fields = parse(LETTERS_LOST)
    assert (fields["number"], fields["symbol"]) == ("417", "PTCKH-NS")
    assert fields["issued_on"] == "2031-03-09"
    assert fields["place"] == "Tn Lc"
    # The parent under the council's place: a named UBND is whole, the line under it is the
    # body it heads, even unreadable.
    assert fields["issuer_parent"] == "UBND HUYN TN LC"
    assert fields["issuer"] == "PHNG TI CHNH K HOCH"
    # Values stay as the copy prints them: no letter is guessed.
    assert fields["subject"] == "r sot kinh ph thc hin chnh sch an sinh x hi"
    assert fields["addressees"] == ["Cc c quan, n v thuc huyn"]
    assert fields["references"][0]["number"] == "212"
    assert fields["references"][0]["date"] == "2031-03-02"
    assert [d["date"] for d in fields["deadlines"]] == ["2031-03-20"]
    # The clerk is told, and the spelling check does not list every damaged word.
    # `417 /PTCKH-NS`: the space before the slash is the document's own mistake.
    assert codes(fields) == ["bad-number-format", "letters-lost"]


# The same kind of copy with a type heading, a `Về việc` trích yếu and a body opening with
# `Thực hiện`, which ends the trích yếu.
LETTERS_LOST_GUIDE = """UBND TNH PH TH CNG HO X HI CH NGHA VIT NAM
S GIAO THNG VN TI c l p - T do - Hanh phuc

S: 05 /HD-SGTVT Ph Th, ngay 14 thang 01 nm 2031

HNG DN
V vic kim tra an ton giao thng
dp Tt Nguyn n 2031

Thc hin Ch th s 12/CT-UBND ngy 03/01/2031 ca y ban nhn dn tnh v bo m
trt t an ton giao thng, S Giao thng vn ti hng dn nh sau:
"""


def test_the_type_heading_and_subject_of_a_stripped_copy_are_found() -> None:
    fields = parse(LETTERS_LOST_GUIDE)
    assert fields["doc_type"] == "Hướng dẫn"
    assert (fields["number"], fields["symbol"]) == ("05", "HD-SGTVT")
    assert fields["issued_on"] == "2031-01-14"
    assert fields["issuer"] == "S GIAO THNG VN TI"
    assert fields["issuer_parent"] == "UBND TNH PH TH"
    assert fields["subject"] == "kim tra an ton giao thng dp Tt Nguyn n 2031"


def test_a_copy_typed_without_marks_is_read_too() -> None:
    text = (
        "UY BAN NHAN DAN XA AN BINH\n\nCONG HOA XA HOI CHU NGHIA VIET NAM\n"
        "Doc lap - Tu do - Hanh phuc\n\nSo: 88/UBND-VP\n\nAn Binh, ngay 05 thang 6 nam 2031\n\n"
        "V/v bao cao ket qua tiem chung dot 2\n\nKinh gui: Cac thon, khu dan cu\n\n"
        + "Uy ban nhan dan xa de nghi cac thon bao cao ket qua tiem chung. "
        * 6
    )
    fields = parse(text)
    assert (fields["number"], fields["symbol"]) == ("88", "UBND-VP")
    assert fields["issued_on"] == "2031-06-05"
    assert fields["place"] == "An Binh"
    assert fields["addressees"] == ["Cac thon, khu dan cu"]
    assert "letters-lost" in codes(fields)


def test_a_copy_without_marks_under_a_signing_stamp_is_read_too() -> None:
    # The signing tool's stamp, added after the copy lost its marks, keeps its own; and the
    # header was flattened into one line, `S6:` (OCR for `Số:`) in the middle of it.
    text = (
        "UBND TINH HA TINH SO GIAO DUC VA DAO TAO Người ký: Sở Giáo dục và Đào tạo "
        "Cơ quan: Tỉnh Hà Tĩnh Thời gian ký: 12.04.2031 10:14:06 +07:00 "
        "CONG HOA XA HOI CHU NGHIA VIET NAM Doc lap - Tu do - Hanh phuc "
        "S6: /SGDDT-GDTrH V/v kiem tra truong dat chuan quoc gia\n"
        + "So de nghi cac phong giao duc va dao tao kiem tra, tong hop ho so gui ve So. "
        * 8
    )
    fields = parse(text)
    assert fields["symbol"] == "SGDDT-GDTrH"
    assert "letters-lost" in codes(fields)


def test_only_a_copy_without_vietnamese_letters_is_touched() -> None:
    # A Vietnamese text, however odd its layout, comes back unchanged, as does a short note.
    text = "Số: 12/UBND-VP\nHà Nội, ngày 05 tháng 6 năm 2031\nKính gửi: Các phòng\n" * 20
    assert not is_stripped(text)
    assert restore_layout_words(text) is text
    assert restore_layout_words("S: 12 ngy 5 thng 6 nm 2031") == "S: 12 ngy 5 thng 6 nm 2031"
    # An English text has no Vietnamese layout: the marks are not put in where nothing fits.
    english = "The meeting of the committee is scheduled for the fifth of June. " * 10
    assert restore_layout_words(english) == english
    assert "letters-lost" not in codes(parse(english))


def test_a_date_line_without_its_comma_and_with_its_place_wrapped() -> None:
    text = (
        "UBND\nTỈNH NINH THUẬN\nSỞ GIÁO DỤC VÀ ĐÀO TẠO\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập – Tự do – Hạnh phúc\n|\nSố:\n1228/THPT\n|\nPhan\n"
        "Rang ngày 12 tháng 11 năm 2031\n|\nQUY ĐỊNH VÀ HƯỚNG DẪN\n"
        "VỀ VIỆC TIẾP NHẬN VÀ CHUYỂN TRƯỜNG CHO HỌC SINH\nPHỔ THÔNG CÁC CẤP\n"
        "Kính gửi: Hiệu trưởng các trường trực thuộc\n"
        "Từ ngày 01 tháng 12 năm 2031\nHọc sinh chuyển trường nộp hồ sơ.\n"
    )
    fields = parse(text)
    assert fields["place"] == "Phan Rang"
    assert fields["issued_on"] == "2031-11-12"
    # A heading naming two types is all heading: the first names the type.
    assert fields["doc_type"] == "Quy định"
    assert fields["subject"] == "TIẾP NHẬN VÀ CHUYỂN TRƯỜNG CHO HỌC SINH PHỔ THÔNG CÁC CẤP"


def test_a_body_line_that_is_only_a_date_is_not_the_date_line() -> None:
    text = (
        "ỦY BAN NHÂN DÂN XÃ AN HÒA\n\nSố: 15/TB-UBND\n\nTHÔNG BÁO\nLịch tiếp công dân\n\n"
        "Từ ngày 01 tháng 12 năm 2031\nỦy ban nhân dân xã tiếp công dân vào thứ Năm.\n"
    )
    fields = parse(text)
    assert fields["issued_on"] is None
    assert fields["place"] is None


def test_an_open_letter_is_a_type_of_its_own() -> None:
    text = (
        "UỶ BAN NHÂN DÂN HUYỆN MAI SƠN\n\nMai Sơn, ngày 19 tháng 12 năm 2031\n\nTHƯ NGỎ\n\n"
        "Vận động ủng hộ Quỹ vì người nghèo\n\n"
        "Trong những năm qua, nhân dân các dân tộc trên địa bàn huyện đã chung tay.\n"
    )
    fields = parse(text)
    assert fields["doc_type"] == "Thư ngỏ"
    assert fields["subject"] == "Vận động ủng hộ Quỹ vì người nghèo"


def test_an_abbreviation_split_by_a_space_in_a_citation() -> None:
    text = (
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO\nSố: 112/SGDĐT-GDTrH\nThái Nguyên, ngày 12 tháng 01 năm 2031\n"
        "V/v thi giải Toán qua Internet\nKính gửi: Các trường THPT\n"
        "Thực hiện Quyết định số 5274/QĐ - BGD ĐT ngày 24/10/2030 của Bộ GD & ĐT về việc "
        "ban hành Thể lệ cuộc thi, Sở hướng dẫn như sau.\n"
    )
    refs = parse(text)["references"]
    assert refs == [
        {"number": "5274", "symbol": "QĐ-BGDĐT", "date": "2030-10-24", "issuer": "Bộ GD & ĐT"}
    ]


def test_the_enacting_word_is_not_the_heading_a_copy_lost() -> None:
    # The site's table lost the `QUYẾT ĐỊNH` heading; the title in capitals under the date is
    # the trích yếu, and `QUYẾT ĐỊNH:` before the articles is not a heading.
    text = (
        "ỦY BAN NHÂN DÂN |\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\nSố: 03/2031/QĐ-UBND |\n"
        "Bình Chánh, ngày 25 tháng 02 năm 2031 |\n"
        "BAN HÀNH QUY CHẾ LÀM VIỆC CỦA ỦY BAN NHÂN DÂN HUYỆN BÌNH CHÁNH\n"
        "ỦY BAN NHÂN DÂN HUYỆN BÌNH CHÁNH\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;\n"
        "QUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.\n"
    )
    fields = parse(text)
    assert fields["doc_type"] == "Quyết định"
    assert fields["subject"] == "BAN HÀNH QUY CHẾ LÀM VIỆC CỦA ỦY BAN NHÂN DÂN HUYỆN BÌNH CHÁNH"


def test_a_council_name_cut_over_two_lines_stays_one_name() -> None:
    text = (
        "ỦY BAN NHÂN DÂN TỈNH BÀ RỊA\nVŨNG TÀU\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 20/UBND-VP\nBà Rịa, ngày 02 tháng 3 năm 2031\nV/v họp giao ban\n"
        "Kính gửi: Các sở, ngành\nỦy ban nhân dân tỉnh mời họp.\n"
    )
    fields = parse(text)
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN TỈNH BÀ RỊA VŨNG TÀU"
    assert fields["issuer_parent"] is None


def test_u_horn_before_o_is_a_misspelling_with_its_right_form() -> None:
    from tonghop.dispatch.checks import spelling

    found = spelling("Kính gửi: Hiệu trưởng các trưòng Mầm non; TRƯÒNG THCS; nưóc sạch.")
    assert [(f["text"], f["message"]) for f in found] == [
        ("trưòng", "Có thể viết sai chính tả: “trưòng” (đúng là “trường”)."),
        ("TRƯÒNG", "Có thể viết sai chính tả: “TRƯÒNG” (đúng là “TRƯỜNG”)."),
        ("nưóc", "Có thể viết sai chính tả: “nưóc” (đúng là “nước”)."),
    ]
    # `ươ`, `ưu`, `ưa` are right; on a scan the pair may be a misreading: said so, no hint.
    assert spelling("trường, nước, người, hướng dẫn, rượu, cừu, hưu trí, mưa") == []
    (scanned,) = spelling("các trưòng", ocr=True)
    assert scanned["severity"] == "info" and "đúng là" not in str(scanned["message"])


def test_only_the_part_read_of_a_huge_copy_has_its_words_put_back(monkeypatch: Any) -> None:
    # Beyond MAX_CHARS the text is searched for signing stamps only: putting the words back in
    # megabytes nobody reads would make a hostile upload cost seconds more.
    from tonghop.dispatch import parse as parse_module

    seen: list[int] = []

    def restore(text: str) -> str:
        seen.append(len(text))
        return restore_layout_words(text)

    monkeypatch.setattr(parse_module, "restore_layout_words", restore)
    fields = parse(LETTERS_LOST + "De nghi cac don vi bao cao day du. " * 60_000)
    assert seen == [parse_module.MAX_CHARS]
    assert fields["number"] == "417"
    assert {"letters-lost", "text-truncated"} <= set(codes(fields))
