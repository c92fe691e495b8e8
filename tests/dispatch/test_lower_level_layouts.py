"""Documents of the lower levels (Sở, huyện/quận, xã, trường) and of the types Báo cáo, Tờ
trình, Công văn, in the layouts their web copies take. Every text here is a short synthetic
snippet written for the rule it shows; names and numbers are made up."""

from __future__ import annotations

from typing import Any

from tonghop.dispatch import parse_text


def parse(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = parse_text(text)
    return fields


def spaced(text: str) -> str:
    """The text as a web copy gives it: a blank line after every line."""
    return "\n\n".join(text.split("\n"))


DISTRICT_CENTRE = spaced("""ỦY BAN NHÂN DÂN QUẬN 14
TRUNG TÂM THỂ DỤC THỂ THAO
__________
Số:  37 /TTTDTT
Về tổ chức giải chạy bộ,
mừng xuân năm 2031.
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập – Tự do – Hạnh phúc
___________________________
Quận 14, ngày  06   tháng 1  năm 2031
Kính gửi:   – Ủy ban nhân dân 11 phường;
                  – Nhà Văn hóa Thiếu nhi quận.
Trung tâm Thể dục thể thao Quận 14 đề nghị các đơn vị đăng ký vận động viên.
Trân trọng./.""")


def test_issuer_lines_apart_by_blank_lines_are_read_with_their_parent() -> None:
    fields = parse(DISTRICT_CENTRE)
    assert fields["issuer"] == "TRUNG TÂM THỂ DỤC THỂ THAO"
    assert fields["issuer_parent"] == "ỦY BAN NHÂN DÂN QUẬN 14"
    commune = parse(
        spaced(
            "ỦY BAN NHÂN DÂN\nXÃ TÂN LẬP\n––––\nSố:   12 / TB-UBND\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n"
            "Tân Lập, ngày 02 tháng 3 năm 2031\nTHÔNG BÁO\nVề lịch tiếp dân"
        )
    )
    assert commune["issuer"] == "ỦY BAN NHÂN DÂN XÃ TÂN LẬP"
    assert commune["issuer_parent"] is None


def test_a_district_named_by_its_number_is_the_place() -> None:
    assert parse(DISTRICT_CENTRE)["place"] == "Quận 14"
    assert parse(DISTRICT_CENTRE)["issued_on"] == "2031-01-06"


def test_a_subject_introduced_by_ve_over_spaced_lines() -> None:
    assert parse(DISTRICT_CENTRE)["subject"] == "tổ chức giải chạy bộ, mừng xuân năm 2031"


def test_a_misspelt_ve_viec_is_not_kept_in_the_subject() -> None:
    fields = parse(
        "ỦY BAN NHÂN DÂN\nXÃ TÂN LẬP\nSố: 12/TB-UBND\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTân Lập, ngày 02 tháng 3 năm 2031\n\n"
        "THÔNG BÁO\nVề viêc lịch tiếp công dân tháng 3\n\nỦy ban nhân dân xã thông báo."
    )
    assert fields["subject"] == "lịch tiếp công dân tháng 3"


def test_recipients_without_a_heading_before_a_late_vv_block_are_read() -> None:
    fields = parse(
        "UBND TỈNH LONG SƠN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO Độc lập – Tự do – Hạnh phúc\n"
        "Số: 418/SGDĐT-VP Long Sơn, ngày 11 tháng 5 năm 2031\n"
        "Kính gửi:\n- Các Phòng Giáo dục và Đào tạo;\n- Các trường trực thuộc\n"
        "Sở Giáo dục và Đào tạo đề nghị các đơn vị báo cáo số phòng học.\n"
        "Các đơn vị gửi báo cáo về Sở trước ngày 20/5/2031.\n"
        "Trân trọng./.\n"
        "- Như trên;\n- Cổng thông tin Sở;\n- Lưu VT, VP.\n"
        "V/v báo cáo số phòng học\nnăm học 2031 - 2032\n"
        "GIÁM ĐỐC\n(đã ký)\nTrần Văn Bình\n"
    )
    assert fields["recipients"] == ["Như trên", "Cổng thông tin Sở", "Lưu VT, VP"]
    assert fields["subject"] == "báo cáo số phòng học năm học 2031 - 2032"
    assert fields["signer"]["name"] == "Trần Văn Bình"


def test_no_authority_is_invented_for_a_typed_deputy_title() -> None:
    fields = parse(
        DISTRICT_CENTRE + "\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\nP. GIÁM ĐỐC\n\n"
        "PHÓ GIÁM ĐỐC\n\n(đã ký)\n\nLê Thị Hồng Nhung"
    )
    assert fields["signer"] == {
        "authority": None,
        "title": "Phó Giám đốc",
        "name": "Lê Thị Hồng Nhung",
    }


def test_a_title_naming_its_body_keeps_the_abbreviation_in_capitals() -> None:
    fields = parse(
        DISTRICT_CENTRE + "\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n"
        "PHÓ CHỦ TỊCH UBND QUẬN\n\nĐỗ Văn Khải"
    )
    assert fields["signer"]["title"] == "Phó Chủ tịch UBND quận"


def test_a_school_under_its_office_in_two_space_laid_columns() -> None:
    fields = parse(
        "PHÒNG GD&ĐT LẠC SƠN     CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\n"
        "TRƯỜNG: THCS HÒA BÌNH      Độc lập- Tự do- Hạnh phúc\n\n"
        "BÁO CÁO\nKết quả công tác thư viện\nNăm học 2030-2031\n\n"
        "I. ĐẶC ĐIỂM TÌNH HÌNH\n1. Thuận lợi:\n- Nhà trường có đủ phòng đọc.\n"
    )
    assert fields["issuer"] == "TRƯỜNG: THCS HÒA BÌNH"
    assert fields["issuer_parent"] == "PHÒNG GD&ĐT LẠC SƠN"
    assert fields["doc_type"] == "Báo cáo"
    assert fields["subject"] == "Kết quả công tác thư viện Năm học 2030-2031"


SCHOOL_FORM = """TRƯỜNG THCS AN PHÚ |
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |
Số: …/BC-.......... |
An Phú, ngày 12 tháng 01 năm 2031 |
BÁO CÁO SƠ KẾT HỌC KÌ I TỔ TOÁN - TIN
Năm học 2030 -2031
Căn cứ vào kế hoạch năm học của nhà trường;
Tổ chuyên môn báo cáo như sau:
"""


def test_a_symbol_left_blank_in_a_form_is_no_symbol() -> None:
    fields = parse(SCHOOL_FORM)
    assert (fields["number"], fields["symbol"]) == (None, None)
    assert fields["issued_on"] == "2031-01-12"


def test_a_subject_starting_on_the_type_headings_line() -> None:
    fields = parse(SCHOOL_FORM)
    assert fields["doc_type"] == "Báo cáo"
    assert fields["subject"] == "SƠ KẾT HỌC KÌ I TỔ TOÁN - TIN Năm học 2030 -2031"
    rule = parse(
        "ỦY BAN NHÂN DÂN\nXÃ AN PHÚ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nQUY CHẾ LÀM\nVIỆC CỦA ỦY BAN NHÂN DÂN XÃ AN PHÚ\n"
        "Chương I\nNHỮNG QUY ĐỊNH CHUNG\n"
    )
    assert rule["doc_type"] == "Quy chế"
    assert rule["subject"] == "LÀM VIỆC CỦA ỦY BAN NHÂN DÂN XÃ AN PHÚ"


TOWN_SUBMISSION = """UỶ BAN NHÂN DÂN
THỊ TRẤN MINH TÂN
Số: 48 /TTr – UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Minh Tân, ngày 15 tháng 9 năm 2031
TỜ TRÌNH
Về việc đề nghị công nhận thị trấn đạt chuẩn phổ cập
Kính gửi: - Uỷ ban nhân dân huyện Đông Lâm
- Phòng Giáo dục và Đào tạo huyện Đông Lâm Căn cứ Luật Giáo dục;
Căn cứ Thông tư số 21/2029/TT-BGD&ĐT ngày 03 tháng 5 năm 2029 của Bộ Giáo dục và Đào tạo;
Căn cứ kế hoạch số 96/KH – BCĐ ngày 10 tháng 01 năm 2031 của Ban chỉ đạo phổ cập huyện Đông Lâm
Căn cứ kết quả kiểm tra của thị trấn.
Đối chiếu với Thông tư số 21/2029/TT-BGDĐT ngày 03 tháng 5 năm 2029 của Bộ trưởng Bộ Giáo dục và
Đào tạo Ủy ban nhân dân thị trấn trình huyện xem xét.
Nơi nhận:
- UBND huyện;
- Lưu: VT.
TM UBND THỊ TRẤN
CHỦ TỊCH
Vũ Đình Quang
"""


def test_symbols_typed_with_a_spaced_en_dash_are_read_whole() -> None:
    fields = parse(TOWN_SUBMISSION)
    assert (fields["number"], fields["symbol"]) == ("48", "TTr-UBND")
    assert fields["doc_type"] == "Tờ trình"


def test_a_symbol_that_lost_its_type_code_keeps_its_number() -> None:
    fields = parse(TOWN_SUBMISSION.replace("Số: 48 /TTr – UBND", "Số: 1307/-UBND"))
    assert (fields["number"], fields["symbol"]) == ("1307", "-UBND")


def test_a_citation_with_a_spaced_dash_and_one_cited_twice_in_two_spellings() -> None:
    refs = parse(TOWN_SUBMISSION)["references"]
    assert refs == [
        {
            "number": "21",
            "symbol": "2029/TT-BGD&ĐT",
            "date": "2029-05-03",
            "issuer": "Bộ Giáo dục và Đào tạo",
        },
        {
            "number": "96",
            "symbol": "KH-BCĐ",
            "date": "2031-01-10",
            "issuer": "Ban chỉ đạo phổ cập huyện Đông Lâm",
        },
    ]


def test_an_addressee_running_on_into_the_preamble_is_cut() -> None:
    assert parse(TOWN_SUBMISSION)["addressees"] == [
        "Uỷ ban nhân dân huyện Đông Lâm",
        "Phòng Giáo dục và Đào tạo huyện Đông Lâm",
    ]


def test_an_authority_written_without_its_dot() -> None:
    signer = parse(TOWN_SUBMISSION)["signer"]
    assert signer == {"authority": "TM.", "title": "Chủ tịch", "name": "Vũ Đình Quang"}


def test_a_second_addressee_on_an_indented_en_dash_line() -> None:
    assert parse(DISTRICT_CENTRE)["addressees"] == [
        "Ủy ban nhân dân 11 phường",
        "Nhà Văn hóa Thiếu nhi quận",
    ]


def test_a_blank_number_line_and_a_report_running_on_into_its_parts() -> None:
    fields = parse(
        "ỦY BAN NHÂN DÂN\nXÃ ..........\nSố:\n\n/BC-UBND\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        ".........., ngày 20 tháng 6 năm 2031\n\nBÁO CÁO\n"
        "Tình hình thực hiện nhiệm vụ\nsáu tháng đầu năm 2031\nPhần thứ nhất\n"
        "KẾT QUẢ THỰC HIỆN\nTrong sáu tháng đầu năm, xã đã hoàn thành các chỉ tiêu.\n"
    )
    assert (fields["number"], fields["symbol"]) == (None, "BC-UBND")
    assert fields["subject"] == "Tình hình thực hiện nhiệm vụ sáu tháng đầu năm 2031"


def test_a_capital_title_wrapped_before_its_years() -> None:
    fields = parse(
        "ỦY BAN NHÂN DÂN\nTỈNH LONG SƠN\nSố: 31/KH-UBND\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Long Sơn, ngày 04 tháng 3 năm 2031\nKẾ HOẠCH\n"
        "PHÒNG, CHỐNG HẠN HÁN MÙA KHÔ NĂM 2030 -\n2031\n"
        "Thực hiện Chỉ thị số 77/CT-BNN ngày 25/10/2030 của Bộ trưởng Bộ Nông nghiệp và "
        "Phát triển nông thôn về phòng, chống hạn hán, UBND tỉnh ban hành Kế hoạch.\n"
    )
    assert fields["subject"] == "PHÒNG, CHỐNG HẠN HÁN MÙA KHÔ NĂM 2030 - 2031"
    assert fields["references"][0]["issuer"] == ("Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn")


def test_a_header_flattened_into_one_line_is_cut_back_into_its_lines() -> None:
    flat = (
        "UBND HUYỆN ĐÔNG LÂM PHÒNG GIÁO DỤC & ĐÀO TẠO ------ CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM "
        "Độc lập - Tự do - Hạnh phúc Tân Hòa, ngày 09 tháng 11 năm2031BÁOCÁOKIỂMTRA CÔNG TÁC "
        "THƯVIỆNTRƯỜNGHỌC Đơn vị: TrườngTHCS Tân Hòa - Thực hiện Công văn số 512/PGDĐT-THCS "
        "ngày 02/10/2031 của Phòng Giáo dục và Đào tạo, đoàn kiểm tra đã làm việc tại trường."
    )
    fields = parse(flat)
    assert fields["doc_type"] == "Báo cáo"
    assert fields["issuer"] == "PHÒNG GIÁO DỤC & ĐÀO TẠO"
    assert fields["issuer_parent"] == "UBND HUYỆN ĐÔNG LÂM"
    assert fields["place"] == "Tân Hòa"
    assert fields["issued_on"] == "2031-11-09"
    assert fields["subject"] == "KIỂMTRA CÔNG TÁC THƯVIỆNTRƯỜNGHỌC"
    assert fields["references"][0]["symbol"] == "PGDĐT-THCS"
