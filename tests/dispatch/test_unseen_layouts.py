"""Layouts met on documents the reader had never seen: web copies whose narrow table cells wrap
the header's parts, capital titles under the type heading, legal documents, two offices in one
signer title. Every text here is a short synthetic snippet written for the rule it shows."""

from __future__ import annotations

from typing import Any

import pytest

from tonghop.dispatch import parse_text

# A header as a web page's table gives it: cells separated by `|` lines, each cell wrapped
# where the page ran out of width.
WRAPPED_CELLS = """ỦY
BAN NHÂN DÂN
TỈNH KON TUM
-------
|
CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
|
Số:
07/2031/QĐ-UBND
|
Kon
Tum, ngày 09
tháng 02 năm 2031
|
QUYẾT ĐỊNH
VỀ
VIỆC BAN HÀNH QUY ĐỊNH THỬ NGHIỆM VỀ LƯU TRỮ
HỒ SƠ ĐIỆN TỬ
ỦY BAN NHÂN DÂN TỈNH KON TUM
Căn cứ Nghị định số
12/2030/NĐ-CP ngày 03/4/2030 của Chính phủ về lưu trữ;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy định thử nghiệm.
"""


def parse(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = parse_text(text)
    return fields


def test_the_wraps_of_narrow_cells_are_undone_in_the_header() -> None:
    fields = parse(WRAPPED_CELLS)
    assert (fields["number"], fields["symbol"]) == ("07", "2031/QĐ-UBND")
    assert fields["issued_on"] == "2031-02-09"
    assert fields["place"] == "Kon Tum"
    # `ỦY` alone is the start of the body's name, and `CỘNG HÒA XÃ` the start of the motto.
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN TỈNH KON TUM"
    assert fields["issuer_parent"] is None


def test_a_subject_in_capitals_ends_at_the_line_naming_who_decides() -> None:
    fields = parse(WRAPPED_CELLS)
    assert fields["doc_type"] == "Quyết định"
    assert fields["subject"] == "BAN HÀNH QUY ĐỊNH THỬ NGHIỆM VỀ LƯU TRỮ HỒ SƠ ĐIỆN TỬ"


def test_citations_are_read_when_the_header_block_repeats_no_subject() -> None:
    # Without a subject the body was thought to start at the top, and the document's own motto
    # and number line were taken for an attached document: the body was lost.
    text = """BỘ THỬ NGHIỆM
CỤC THỬ NGHIỆM
-------
|

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 15/HD-CTN
Hà Nội, ngày 02 tháng 3 năm 2031
Thực hiện Quyết định số 40/QĐ-TTg ngày 20/01/2031 của Thủ tướng Chính phủ, Bộ hướng dẫn như sau:
"""
    fields = parse(text)
    assert [(r["number"], r["symbol"]) for r in fields["references"]] == [("40", "QĐ-TTg")]


def test_a_body_named_by_one_word_on_its_first_line_is_joined() -> None:
    text = """TỔNG
CỤC THỬ NGHIỆM
CỤC THỬ NGHIỆM KHU VỰC I
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 120/CTN-KV1
V/v hướng dẫn thử nghiệm
Hà Nội, ngày 04 tháng 5 năm 2031
Kính gửi: Công ty Thử Nghiệm.
"""
    fields = parse(text)
    assert fields["issuer"] == "CỤC THỬ NGHIỆM KHU VỰC I"
    assert fields["issuer_parent"] == "TỔNG CỤC THỬ NGHIỆM"


def test_capitals_under_the_vv_line_end_the_subject_and_are_not_the_issuer() -> None:
    text = """SỞ THỬ NGHIỆM
-------
|
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
|
Số: 88/STN-VP
V/v miễn giảm lệ phí
THPT
|
Hà Nội, ngày 11 tháng 6 năm 2031
|
Kính gửi: Các trường trung học phổ thông.
"""
    fields = parse(text)
    assert fields["issuer"] == "SỞ THỬ NGHIỆM"
    assert fields["subject"] == "miễn giảm lệ phí THPT"
    # Two capitals and a dot are an OCR fleck, not a wrapped abbreviation.
    fleck = text.replace("V/v miễn giảm lệ phí\nTHPT", "V/v miễn giảm lệ phí\nTA.\nhọc sinh")
    assert parse(fleck)["subject"] == "miễn giảm lệ phí học sinh"


def test_legal_documents_have_their_own_type() -> None:
    text = """BỘ THỬ NGHIỆM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 05/2031/TT-BTN
Hà Nội, ngày 01 tháng 7 năm 2031
THÔNG TƯ
HƯỚNG DẪN THỬ NGHIỆM CHẾ ĐỘ BÁO CÁO
Căn cứ Luật Thống kê;
"""
    fields = parse(text)
    assert fields["doc_type"] == "Thông tư"
    assert fields["subject"] == "HƯỚNG DẪN THỬ NGHIỆM CHẾ ĐỘ BÁO CÁO"
    # Without the heading the symbol tells; `TT` without a year is no legal document's.
    no_heading = text.replace("THÔNG TƯ\nHƯỚNG DẪN THỬ NGHIỆM CHẾ ĐỘ BÁO CÁO\n", "")
    assert parse(no_heading)["doc_type"] == "Thông tư"
    center = "TRUNG TÂM THỬ NGHIỆM\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 31/TT-KT\n"
    assert parse(center + "V/v lịch trực\nHà Nội, ngày 01 tháng 7 năm 2031\n")["doc_type"] == (
        "Công văn"
    )


def test_a_watermark_line_of_digits_is_not_the_start_of_the_subject() -> None:
    text = """BỘ THỬ NGHIỆM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 9/2031/TT-BTN
Hà Nội, ngày 01 tháng 7 năm 2031
THÔNG TƯ
56
Quy định thử nghiệm chế độ báo cáo
Căn cứ Luật Thống kê;
"""
    assert parse(text)["subject"] == "Quy định thử nghiệm chế độ báo cáo"


def test_a_title_of_two_offices_keeps_its_comma_and_a_cut_title_is_joined() -> None:
    foot = """Nơi nhận:
- Như trên;
- Lưu: VT.

{block}
"""
    head = """VĂN PHÒNG THỬ NGHIỆM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 77/VPTN-TH
V/v họp thử nghiệm
Hà Nội, ngày 01 tháng 7 năm 2031
Kính gửi: Bộ Thử Nghiệm.
Văn phòng thông báo để Bộ biết.
"""
    two = parse(head + foot.format(block="BỘ TRƯỞNG, CHỦ NHIỆM\nTrần Văn Thử"))["signer"]
    assert two["title"] == "Bộ trưởng, Chủ nhiệm"
    assert two["name"] == "Trần Văn Thử"
    cut = parse(head + foot.format(block="KT. BỘ TRƯỞNG, CHỦ NHIỆM\nPHÓ CHỦ\nNHIỆM\nLê Thị Mẫu"))
    assert cut["signer"] == {"authority": "KT.", "title": "Phó Chủ nhiệm", "name": "Lê Thị Mẫu"}


def test_one_addressee_on_the_kinh_gui_line_stops_before_the_body_and_the_address() -> None:
    head = """CỤC THỬ NGHIỆM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 55/CTN-TH
V/v trả lời kiến nghị
Hà Nội, ngày 01 tháng 7 năm 2031
"""
    body = head + (
        "Kính gửi: Đoàn Đại biểu Quốc hội tỉnh Thử Nghiệm\n"
        "Cục Thử nghiệm nhận được Công văn số 12/BDN ngày 14/6/2031 về kiến nghị của cử tri.\n"
    )
    assert parse(body)["addressees"] == ["Đoàn Đại biểu Quốc hội tỉnh Thử Nghiệm"]
    company = head + (
        "Kính gửi: Công ty TNHH Thử Nghiệm\n(Việt Nam)\n(Đ/c: số 1 phố Thử, Hà Nội)\n"
        "Trả lời công văn của Công ty, Cục có ý kiến như sau:\n"
    )
    assert parse(company)["addressees"] == ["Công ty TNHH Thử Nghiệm (Việt Nam)"]
    # A list of names wrapped over lines is one entry, even where a line breaks a name.
    names = head + (
        "Kính gửi: Ủy ban nhân dân các tỉnh An Giang, Cần Thơ, Cà Mau, Cao Bằng, Bắc Ninh, Quảng\n"
        "Ngãi, Gia Lai, Đắk Lắk, Khánh Hòa, Lâm Đồng, Tây Ninh, Đồng Tháp, Vĩnh Long.\n"
        "Cục Thử nghiệm đề nghị các tỉnh báo cáo.\n"
    )
    assert parse(names)["addressees"][0].endswith("Đồng Tháp, Vĩnh Long")


def test_a_cited_symbol_with_a_space_before_its_hyphen_is_read_whole() -> None:
    text = WRAPPED_CELLS.replace(
        "QUYẾT ĐỊNH:\n",
        "Xét đề nghị của Sở Thử nghiệm tại Tờ trình số 473/TTr -\nNN&PTNT ngày 21/5/2030,\n"
        "QUYẾT ĐỊNH:\n",
    )
    refs = {(r["number"], r["symbol"]) for r in parse(text)["references"]}
    assert ("473", "TTr-NN&PTNT") in refs
    assert ("12", "2030/NĐ-CP") in refs


SIGNED_FOOT = """BỘ Y TẾ
Số: 15/BYT-KH
V/v thử nghiệm
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 3 tháng 4 năm 2016
Kính gửi: Các Sở Y tế.
Nội dung văn bản thử nghiệm./.
Nơi nhận:
- Như trên;
- Lưu: VT.
{block}
"""


def test_a_name_broken_after_the_family_name_is_joined() -> None:
    fields = parse(SIGNED_FOOT.format(block="KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\nNguyễn\nKhắc Định"))
    assert fields["signer"] == {
        "authority": "KT.",
        "title": "Thứ trưởng",
        "name": "Nguyễn Khắc Định",
    }
    # A lone word that is not a family name is not joined to what follows.
    fields = parse(SIGNED_FOOT.format(block="KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\nĐã ký\nKhắc Định"))
    assert fields["signer"]["name"] is None


def test_the_old_slashed_authorities_are_read() -> None:
    fields = parse(SIGNED_FOOT.format(block="K/T. BỘ TRƯỞNG\nTHỨ TRƯỞNG\nLê Văn Hải"))
    assert fields["signer"]["authority"] == "KT."
    fields = parse(SIGNED_FOOT.format(block="T/M. HỘI ĐỒNG NHÂN DÂN TỈNH\nCHỦ TỊCH\nLê Văn Hải"))
    assert (fields["signer"]["authority"], fields["signer"]["title"]) == ("TM.", "Chủ tịch")
    fields = parse(SIGNED_FOOT.format(block="T/L. BỘ TRƯỞNG\nVỤ TRƯỞNG\nLê Văn Hải"))
    assert fields["signer"]["authority"] == "TL."


@pytest.mark.parametrize("heading", ["Nơi nhận:- Như trên;", "Nơi nhận: - Như trên;"])
def test_the_first_recipient_on_the_headings_line_is_kept(heading: str) -> None:
    block = f"{heading}\n- Sở Y tế;\n- Lưu: VT.\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\nLê Văn Hải"
    fields = parse(
        SIGNED_FOOT.format(block=block).replace("Nơi nhận:\n- Như trên;\n- Lưu: VT.\n", "")
    )
    assert fields["recipients"] == ["Như trên", "Sở Y tế", "Lưu: VT"]
    assert fields["signer"]["name"] == "Lê Văn Hải"


def test_a_v_v_subject_makes_a_cong_van_whatever_its_symbol_starts_with() -> None:
    # `CT` is the Chỉ thị's code, and also a Cục Thuế's abbreviation in its công văn.
    cong_van = SIGNED_FOOT.format(block="CỤC TRƯỞNG\nLê Văn Hải").replace(
        "15/BYT-KH", "26998/CT-TTHT"
    )
    assert parse(cong_van)["doc_type"] == "Công văn"
    chi_thi = cong_van.replace("V/v thử nghiệm\n", "")
    assert parse(chi_thi)["doc_type"] == "Chỉ thị"


def test_an_ocr_fleck_after_the_heading_is_no_recipient() -> None:
    block = "Nơi nhận: - kụ\n- Như trên;\n- Lưu: VT.\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\nLê Văn Hải"
    fields = parse(
        SIGNED_FOOT.format(block=block).replace("Nơi nhận:\n- Như trên;\n- Lưu: VT.\n", "")
    )
    assert fields["recipients"] == ["Như trên", "Lưu: VT"]


# A branch under its national body, both named by the same words: the social insurance of a
# city under Bảo hiểm xã hội Việt Nam, a city's trade union under its federation.
BRANCH_HEADERS = [
    ("BẢO HIỂM XÃ HỘI VIỆT NAM", "BẢO HIỂM XÃ HỘI", "THÀNH PHỐ CẦN THƠ"),
    ("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", "LIÊN ĐOÀN LAO ĐỘNG", "TỈNH BẮC NINH"),
    ("ĐẢNG BỘ TỈNH LÀO CAI", "THÀNH ỦY LÀO CAI", ""),
]


@pytest.mark.parametrize(("parent", "first", "second"), BRANCH_HEADERS)
def test_a_branch_is_read_apart_from_the_body_above_it(
    parent: str, first: str, second: str
) -> None:
    lines = [
        f"{parent}          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"{first}           Độc lập - Tự do - Hạnh phúc",
        *([second] if second else []),
        "Số: 1234/BHXH-QLT                  Cần Thơ, ngày 12 tháng 3 năm 2031",
        "V/v thu bảo hiểm năm 2031",
        "",
        "Kính gửi: Các đơn vị trên địa bàn.",
    ]
    fields = parse("\n".join(lines) + "\n")
    assert fields["issuer_parent"] == parent
    assert fields["issuer"] == f"{first} {second}".strip()


def test_the_southern_spelling_kinh_goi_names_the_addressees() -> None:
    lines = [
        "PHÒNG GD&ĐT TÂN AN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TRƯỜNG TH TÂN AN 2          Độc lập - Tự do - Hạnh phúc",
        "Số: 14/TTr-TA2              Tân An, ngày 10 tháng 10 năm 2031",
        "TỜ TRÌNH",
        "Về việc công nhận trường đạt chuẩn",
        "Kính gởi: Lãnh đạo Phòng Giáo dục và Đào tạo huyện Tân An",
        "Căn cứ kết quả tự đánh giá của nhà trường,",
    ]
    fields = parse("\n".join(lines) + "\n")
    assert fields["addressees"] == ["Lãnh đạo Phòng Giáo dục và Đào tạo huyện Tân An"]


# A web copy that flattened the header's two columns: the left column (issuer, number,
# trích yếu) first, blank lines between, then the motto and the date.
FLAT_COLUMNS = """UBND THÀNH PHỐ HÀ NỘI

SỞ GIÁO DỤC VÀ ĐÀO TẠO

Số: 3929/SGD&ĐT-GDTX

V/v hướng dẫn công tác tuyển sinh

TCCN năm học 2031-2032

CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM

Độc lập – Tự do – Hạnh phúc

Hà Nội, ngày 19 tháng 10 năm 2031

Kính gửi: Hiệu trưởng các trường trung cấp chuyên nghiệp,

Cao đẳng, Đại học trên địa bàn thành phố

Căn cứ Thông tư số 27/2030/TT-BGDĐT ngày 11/8/2030 của Bộ trưởng Bộ Giáo dục và Đào tạo;
"""


def test_a_subject_and_an_addressee_wrapped_over_a_web_copys_blank_lines_are_whole() -> None:
    fields = parse(FLAT_COLUMNS)
    assert fields["subject"] == "hướng dẫn công tác tuyển sinh TCCN năm học 2031-2032"
    assert fields["addressees"] == [
        "Hiệu trưởng các trường trung cấp chuyên nghiệp, Cao đẳng, Đại học trên địa bàn thành phố"
    ]


def test_tone_marks_left_standing_at_the_end_of_a_legacy_font_line_are_dropped() -> None:
    text = FLAT_COLUMNS.replace(
        "Cao đẳng, Đại học trên địa bàn thành phố", "Cao đẳng, Đại học trên địa bàn thành phố. ́ ̣ ̀"
    )
    assert parse(text)["addressees"][0].endswith("trên địa bàn thành phố")


PARTY_LETTER = """HUYỆN UỶ BÌNH AN

BAN TUYÊN GIÁO

*

Số {number}

Triển khai Cuộc thi viết về tấm gương điển hình trên địa bàn huyện

ĐẢNG CỘNG SẢN VIỆT NAM

Bình An, ngày 15 tháng 10 năm 2031

Kính gửi: Các chi, đảng bộ trực thuộc Huyện ủy.
"""


@pytest.mark.parametrize("number", ["188-CV/BTGHU", "188- CV /BTGHU", "188 - CV/BTGHU"])
def test_a_party_cong_van_has_its_number_and_its_subject_under_it(number: str) -> None:
    fields = parse(PARTY_LETTER.format(number=number))
    assert (fields["number"], fields["symbol"]) == ("188", "CV/BTGHU")
    assert fields["subject"] == "Triển khai Cuộc thi viết về tấm gương điển hình trên địa bàn huyện"
    codes = {f["code"] for f in fields["findings"]}
    assert ("bad-number-format" in codes) == (number != "188-CV/BTGHU")


def test_a_header_lost_leaves_the_issuer_the_body_names_and_a_title_in_sentence_case() -> None:
    text = (
        "THÔNG BÁO\n\nV/v các khoản thu trong năm học 2031 – 2032\n\n"
        "- Căn cứ kết quả cuộc họp với đại diện cha mẹ học sinh,\n"
        "Trường tiểu học Nguyễn Thái Sơn xin thông báo đến quý cha mẹ học sinh như sau:\n"
        "1/ Tiền ăn: 25.000 đồng/ngày.\n\n"
        "Hiệu trưởng\n(Đã ký)\n\nNguyễn Văn Lợi\n"
    )
    fields = parse(text)
    assert fields["issuer"] == "Trường tiểu học Nguyễn Thái Sơn"
    assert fields["signer"] == {"authority": None, "title": "Hiệu trưởng", "name": "Nguyễn Văn Lợi"}


def test_a_flattened_report_ends_its_subject_where_a_dropped_thuc_hien_starts() -> None:
    text = (
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO TRƯỜNG MN NỘI HOÀNG CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM "
        "Độc lập - Tự do - Hạnh phúc Nội Hoàng, ngày 02 tháng 01 năm 2031 Số: 27/BC-MN "
        "BÁO CÁO Sơ kết học kỳ I năm học 2030 - 2031 Thực cơng văn số 615/PGD&ĐT-HC ngày "
        "25/12/2030 của Phòng Giáo dục và Đào tạo về việc hướng dẫn sơ kết học kỳ I; nhà "
        "trường báo cáo như sau:\n"
    )
    assert parse(text)["subject"] == "Sơ kết học kỳ I năm học 2030 - 2031"
