"""Layouts met on the tuned half of the check set's `d/` (districts, communes, Party and Union
bodies, schools): công điện, a Union's header, cells run together by web copies, misspellings a
clerk sees at once. Every text here is a short synthetic snippet written for the rule it shows,
not a copy of a check-set document."""

from __future__ import annotations

from typing import Any

from tonghop.dispatch import parse_text


def parse(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = parse_text(text)
    return fields


def codes(fields: dict[str, Any]) -> list[str]:
    return [f["code"] for f in fields["findings"]]


def spelt(fields: dict[str, Any]) -> list[str]:
    return [f["text"] for f in fields["findings"] if f["code"] == "spelling"]


TELEGRAM_DASHED = """ỦY BAN NHÂN DÂN
HUYỆN THỬ NGHIỆM
Số: 21/CĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Thử Nghiệm, ngày 04 tháng 8 năm 2031
CÔNG ĐIỆN
Về việc phòng, chống rét đậm cho đàn gia súc
CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN, điện:
- Chủ tịch Ủy ban nhân dân các thị trấn;
- Trưởng phòng Nông nghiệp và Phát triển nông thôn;
- Giám đốc Trung tâm Dịch vụ nông nghiệp huyện.
Dự báo trong ba ngày tới nhiệt độ thấp nhất xuống dưới 10 độ C, Chủ tịch UBND huyện yêu cầu:
"""


def test_a_telegram_names_its_recipients_after_the_senders_line() -> None:
    # A công điện has no `Kính gửi`: `CHỦ TỊCH … điện:` opens the list of those it goes to.
    fields = parse(TELEGRAM_DASHED)
    assert fields["doc_type"] == "Công điện"
    assert fields["subject"] == "phòng, chống rét đậm cho đàn gia súc"
    assert fields["addressees"] == [
        "Chủ tịch Ủy ban nhân dân các thị trấn",
        "Trưởng phòng Nông nghiệp và Phát triển nông thôn",
        "Giám đốc Trung tâm Dịch vụ nông nghiệp huyện",
    ]


TELEGRAM_PLAIN = """UBND HUYỆN THỬ NGHIỆM
BAN CHỈ HUY PCTT&TKCN

Số: 07/CĐ-BCH

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Thử Nghiệm, ngày 02 tháng 9 năm 2031

CÔNG ĐIỆN

Vào hồi 15 giờ 30 ngày 02/9/2031

BAN CHỈ HUY PCTT&TKCN HUYỆN THỬ NGHIỆM

ĐIỆN:

Chủ tịch UBND các xã, thị trấn

Trưởng các cơ quan, đơn vị trên địa bàn

Theo bản tin dự báo, áp thấp nhiệt đới đang mạnh lên và di chuyển nhanh về phía bờ biển.
"""


def test_a_telegram_list_without_dashes_is_one_recipient_a_line() -> None:
    # `ĐIỆN:` on a line of its own, and the recipients one a line with no dash, a web copy's
    # blank line after each.
    fields = parse(TELEGRAM_PLAIN)
    assert fields["addressees"] == [
        "Chủ tịch UBND các xã, thị trấn",
        "Trưởng các cơ quan, đơn vị trên địa bàn",
    ]


def test_the_hour_a_telegram_was_sent_is_no_subject() -> None:
    # Under `CÔNG ĐIỆN` comes the hour it was sent, then the sender: this one has no trích yếu.
    assert parse(TELEGRAM_PLAIN)["subject"] is None
    # One that has a trích yếu under the hour keeps it.
    text = TELEGRAM_PLAIN.replace(
        "Vào hồi 15 giờ 30 ngày 02/9/2031\n",
        "Vào hồi 15 giờ 30 ngày 02/9/2031\n\nVề việc chủ động ứng phó với áp thấp nhiệt đới\n",
    )
    assert parse(text)["subject"] == "chủ động ứng phó với áp thấp nhiệt đới"


LETTER = """UBND TỈNH THỬ NGHIỆM
SỞ NỘI VỤ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 310/SNV-VP
V/v báo cáo biên chế năm 2031
Thử Nghiệm, ngày 10 tháng 3 năm 2031
Kính gửi: {to}
Sở Nội vụ đề nghị các cơ quan, đơn vị báo cáo số lượng biên chế được giao năm 2031.
"""


def test_a_kinh_gui_line_naming_several_addressees_gives_each() -> None:
    fields = parse(LETTER.format(to="Sở Tài chính; Sở Y tế; UBND các huyện, thành phố."))
    assert fields["addressees"] == ["Sở Tài chính", "Sở Y tế", "UBND các huyện, thành phố"]


def test_a_semicolon_between_kinds_of_one_addressee_does_not_split_it() -> None:
    # `;` that no office or office holder follows separates kinds inside one entry.
    to = "Hiệu trưởng các trường trung cấp, Cao đẳng; Đại học trên địa bàn tỉnh"
    assert parse(LETTER.format(to=to))["addressees"] == [to]


def test_a_place_wrapped_onto_the_number_line_is_read_whole() -> None:
    # The number's and the date's cells run together and wrapped: `Số` / `15/TB-THPT Tam` /
    # `Kỳ, ngày …`; the title-case word after the symbol starts the place.
    text = """SỞ GDĐT TỈNH THỬ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TRƯỜNG THPT THỬ NGHIỆM
Độc lập - Tự do - Hạnh phúc
Số
15/TB-THPT Tam
Kỳ, ngày 03 tháng 11 năm 2031
THÔNG BÁO NGHỈ HỌC DO BÃO
----------
Do ảnh hưởng của bão, học sinh toàn trường nghỉ học ngày 04/11/2031.
"""
    fields = parse(text)
    assert (fields["number"], fields["symbol"]) == ("15", "TB-THPT")
    assert fields["place"] == "Tam Kỳ"
    assert fields["issued_on"] == "2031-11-03"


def test_a_parent_glued_to_the_issuer_is_cut_where_the_issuer_starts() -> None:
    # A web copy joined the parent's and the issuer's lines without a space.
    text = """PHÒNG GD&ĐT HUYỆN THỬ NGHIỆMTRƯỜNG MN HOA SEN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 09/KH-MNHS
Thử Nghiệm, ngày 12 tháng 01 năm 2031
KẾ HOẠCH
Tổ chức ngày hội ẩm thực cho trẻ
Căn cứ kế hoạch năm học của nhà trường.
"""
    fields = parse(text)
    assert fields["issuer"] == "TRƯỜNG MN HOA SEN"
    assert fields["issuer_parent"] == "PHÒNG GD&ĐT HUYỆN THỬ NGHIỆM"


MOTTO_TEXT = """UBND XÃ THỬ NGHIỆM
{motto}
Độc lập - Tự do - Hạnh phúc
Số: 12/TB-UBND
Thử Nghiệm, ngày 05 tháng 5 năm 2031
THÔNG BÁO
Lịch tiếp công dân tháng 5 năm 2031
Ủy ban nhân dân xã thông báo lịch tiếp công dân như sau.
"""


def test_a_misspelt_word_of_the_motto_is_reported() -> None:
    fields = parse(MOTTO_TEXT.format(motto="CỘNG HÓA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
    assert "spelling" in codes(fields)
    assert "HÓA" in spelt(fields)
    # The older tone placement is right, and a copy typed without marks is not misspelt.
    for motto in ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CONG HOA XA HOI CHU NGHIA VIET NAM"):
        assert not spelt(parse(MOTTO_TEXT.format(motto=motto))), motto


def test_tu_with_the_wrong_mark_before_a_date_is_reported() -> None:
    text = LETTER.format(to="Sở Tài chính").replace(
        "báo cáo số lượng", "tứ ngày 15/3/2031 báo cáo số lượng"
    )
    assert "tứ" in spelt(parse(text))
    # `tứ` in a Sino-Vietnamese word is right.
    assert "tứ" not in spelt(parse(LETTER.format(to="Sở Tài chính, tứ quý")))


def test_an_abbreviation_split_by_a_space_before_the_symbols_hyphen() -> None:
    text = LETTER.format(to="Sở Tài chính").replace(
        "Sở Nội vụ đề nghị",
        "Thực hiện Công văn số 45/PGD ĐT-VP ngày 02/3/2031 của Phòng Giáo dục, Sở Nội vụ đề nghị",
    )
    refs = parse(text)["references"]
    assert [(r["number"], r["symbol"], r["date"]) for r in refs] == [
        ("45", "PGDĐT-VP", "2031-03-02")
    ]


UNION = """TỈNH
ĐOÀN THỬ NGHIỆM
BCH ĐOÀN HUYỆN HOA SEN
***
Số:
31-CV/ĐTN
“V/v Tổ chức
ngày hội
hiến máu
tình nguyện 2031”
|
ĐOÀN
TNCS HỒ CHÍ MINH
Hoa Sen,
ngày 05 tháng 3 năm 2031
|
Kính gửi: Ban Chấp hành Đoàn các xã.
Thực
hiện Kế hoạch số 12-KH/TĐTN ngày 01/3/2031 của BCH Tỉnh Đoàn, đề nghị các cơ sở báo cáo chậm
nhất 16h30’ ngày 20/3/2031.
"""


def test_a_union_header_reads_like_a_party_one() -> None:
    # `ĐOÀN TNCS HỒ CHÍ MINH` stands where the motto does; `BCH …` starts a body's name; the
    # number `31-CV/ĐTN` is wrapped under `Số:` as a Party number.
    fields = parse(UNION)
    assert fields["issuer"] == "BCH ĐOÀN HUYỆN HOA SEN"
    assert fields["issuer_parent"] == "TỈNH ĐOÀN THỬ NGHIỆM"
    assert (fields["number"], fields["symbol"]) == ("31", "CV/ĐTN")
    assert fields["place"] == "Hoa Sen"
    assert fields["issued_on"] == "2031-03-05"


def test_a_subject_in_quotation_marks_is_given_without_them() -> None:
    assert parse(UNION)["subject"] == "Tổ chức ngày hội hiến máu tình nguyện 2031"


def test_minutes_marked_with_a_typographic_apostrophe_before_a_deadline() -> None:
    deadlines = parse(UNION)["deadlines"]
    assert [(d["date"], d["inclusive"]) for d in deadlines] == [("2031-03-20", True)]
