"""Headers a web copy flattened into one line or glued, and the trích yếu, symbol, signer and
citation shapes met with them. Every text here is a short synthetic snippet written for the
rule it shows; names and numbers are made up."""

from __future__ import annotations

from typing import Any

from tonghop.dispatch import parse_text


def parse(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = parse_text(text)
    return fields


def spaced(text: str) -> str:
    """The text as a web copy gives it: a blank line after every line."""
    return "\n\n".join(text.split("\n"))


BODY = (
    " Phòng Giáo dục và Đào tạo đề nghị các đơn vị tổ chức thực hiện nghiêm túc, báo cáo kết quả"
    " về Phòng trước ngày 30/3/2031 để tổng hợp."
)


def test_a_flat_office_letter_gives_parent_issuer_place_subject_and_addressees() -> None:
    flat = (
        "UBND HUYỆN ĐÔNG LÂM PHÒNG GIÁO DỤC VÀ ĐÀO TẠO Số: 215/PGDĐT-TH CỘNG HÒA XÃ HỘI CHỦ "
        "NGHĨA VIỆT NAM Độc lập - Tự - Hạnh phúc Đông Lâm, ngày 04 tháng 3 năm 2031 V/v tổ chức "
        "hội thi giáo viên giỏi cấp huyện năm học 2030 - 2031 Kính gửi: - Hiệu trưởng các trường "
        "tiểu học; - Hiệu trưởng các trường THCS Thực hiện Kế hoạch số 77/SGDĐT-GDTH ngày "
        "20/02/2031 của Sở Giáo dục và Đào tạo, Phòng hướng dẫn như sau:" + BODY
    )
    fields = parse(flat)
    assert (fields["issuer"], fields["issuer_parent"]) == (
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "UBND HUYỆN ĐÔNG LÂM",
    )
    assert (fields["number"], fields["symbol"]) == ("215", "PGDĐT-TH")
    assert fields["place"] == "Đông Lâm"
    assert fields["issued_on"] == "2031-03-04"
    assert fields["doc_type"] == "Công văn"
    assert fields["subject"] == "tổ chức hội thi giáo viên giỏi cấp huyện năm học 2030 - 2031"
    assert fields["addressees"] == [
        "Hiệu trưởng các trường tiểu học",
        "Hiệu trưởng các trường THCS",
    ]


def test_a_flat_header_with_the_date_before_the_motto_line() -> None:
    flat = (
        "  1. UBND TỈNH ĐÔNG NAM SỞ GIÁO DỤC VÀ ĐÀO TẠO CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM Số: 88 "
        "/SGDĐT-GDTX Lâm Hà, ngày 12 tháng 4 năm2031 Độc lập - Tự do - Hạnh phúc V/v tổ chức "
        "hội thi sáng tạo kỹ thuật cấp sở Kính gửi: Giám đốc các trung tâm giáo dục thường "
        "xuyên Thực hiện Công văn số 01/BTC ngày 02/4/2031 của Ban tổ chức hội thi, Sở lưu ý:"
        + BODY
    )
    fields = parse(flat)
    assert (fields["issuer"], fields["issuer_parent"]) == (
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        "UBND TỈNH ĐÔNG NAM",
    )
    assert (fields["place"], fields["issued_on"]) == ("Lâm Hà", "2031-04-12")
    assert fields["subject"] == "tổ chức hội thi sáng tạo kỹ thuật cấp sở"
    assert fields["addressees"] == ["Giám đốc các trung tâm giáo dục thường xuyên"]


def test_a_flat_header_whose_left_column_rows_sit_beside_the_motto() -> None:
    flat = (
        "BỘ VĂN HÓA – THỂ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM THAO VÀ DU LỊCH Độc lập – Tự do – "
        "Hạnh phúc ******* ******* Số: 12/2031/QĐ-BVHTTDL Hà Nội, ngày 05 tháng 10 năm 2031 "
        "QUYẾT ĐỊNH BAN HÀNH QUY CHẾ THI ĐUA GIAI ĐOẠN 2031-2035 CỦA CÁC ĐƠN VỊ BỘ TRƯỞNG BỘ "
        "VĂN HÓA – THỂ THAO VÀ DU LỊCH Căn cứ Nghị định số 90/2030/NĐ-CP ngày 31 tháng 3 năm "
        "2030 của Chính phủ quy định chức năng, nhiệm vụ của Bộ; QUYẾT ĐỊNH: Điều 1. Ban hành."
    )
    fields = parse(flat)
    assert fields["issuer"] == "BỘ VĂN HÓA – THỂ THAO VÀ DU LỊCH"
    assert fields["issuer_parent"] is None
    assert fields["doc_type"] == "Quyết định"
    assert fields["subject"] == ("BAN HÀNH QUY CHẾ THI ĐUA GIAI ĐOẠN 2031-2035 CỦA CÁC ĐƠN VỊ")


def test_a_flat_plan_without_number_keeps_its_heading_and_place_part() -> None:
    flat = (
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM XÃ ĐÔNG HÀ Độc lập – Tự do – Hạnh "
        "phúc KẾ HOẠCH PHÒNG CHỐNG THIÊN TAI NĂM 2031 Căn cứ Luật Phòng, chống thiên tai; Nhằm "
        "chủ động trong công tác phòng, chống thiên tai, Ủy ban nhân dân xã xây dựng Kế hoạch "
        "như sau: A. Mục đích yêu cầu."
    )
    fields = parse(flat)
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN XÃ ĐÔNG HÀ"
    assert fields["doc_type"] == "Kế hoạch"
    assert fields["subject"] == "PHÒNG CHỐNG THIÊN TAI NĂM 2031"


def test_a_flat_subject_in_sentence_case_ends_at_the_first_heading() -> None:
    flat = (
        "UỶ BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM THÀNH PHỐ ĐÔNG GIANG Độc lập - Tự do "
        "- Hạnh phúc Số: 94 /KH-UBND Đông Giang, ngày 28 tháng 7 năm 2031 KẾ HOẠCH Phòng, chống "
        "thiên tai và tìm kiếm cứu nạn năm 2031 I. Kết quả công tác năm 2030 1. Tình hình - "
        "Trong năm 2030 có 3 cơn bão ảnh hưởng đến thành phố."
    )
    fields = parse(flat)
    assert fields["issuer"] == "UỶ BAN NHÂN DÂN THÀNH PHỐ ĐÔNG GIANG"
    assert fields["subject"] == "Phòng, chống thiên tai và tìm kiếm cứu nạn năm 2031"


def test_a_flat_school_plan_without_motto_reads_issuer_type_and_title() -> None:
    flat = (
        "TRƯỜNG THCS ĐÔNG HÀ KẾ HOẠCH HOẠT ĐỘNG CHUYÊN MÔN NĂM HỌC 2030 – 2031 Năm học 2030 – "
        "2031 là năm học tiếp tục thực hiện các cuộc vận động và phong trào thi đua của ngành; "
        "căn cứ vào nhiệm vụ năm học, nhà trường đề ra phương hướng của hoạt động chuyên môn."
    )
    fields = parse(flat)
    assert fields["issuer"] == "TRƯỜNG THCS ĐÔNG HÀ"
    assert fields["doc_type"] == "Kế hoạch"
    assert fields["subject"] == "HOẠT ĐỘNG CHUYÊN MÔN NĂM HỌC 2030 – 2031"


def test_a_flat_letter_with_its_subject_before_the_motto_and_a_spaced_symbol() -> None:
    flat = (
        "BỘ GIÁO DỤC VÀ ĐÀO TẠO Số: 812/BGDĐT- GDTrH V/v hướng dẫn tổ chức hội thi khoa học kỹ "
        "thuật năm học 2030-2031 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập – Tự do – Hạnh phúc "
        "Hà Nội, ngày 20 tháng 10 năm 2030 Kính gửi: Các sở giáo dục và đào tạo Căn cứ Quyết "
        "định số 42/QĐ-BGDĐT ngày 09/10/2029 của Bộ trưởng, Bộ hướng dẫn như sau."
    )
    fields = parse(flat)
    assert (fields["number"], fields["symbol"]) == ("812", "BGDĐT-GDTrH")
    assert fields["subject"] == "hướng dẫn tổ chức hội thi khoa học kỹ thuật năm học 2030-2031"
    assert fields["addressees"] == ["Các sở giáo dục và đào tạo"]


def test_a_spaced_hyphen_before_a_word_in_lower_case_is_no_symbol_part() -> None:
    fields = parse("Số: 12/UBND- Kính gửi các phòng\nĐông Hà, ngày 02 tháng 5 năm 2031\n")
    assert fields["symbol"] == "UBND"


def test_two_rows_of_the_header_glued_on_one_line_are_cut_apart() -> None:
    text = (
        "UBND HUYỆN ĐÔNG LÂM CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMTRƯỜNG MG HOA SEN Độc lập – Tự do "
        "–Hạnh phúc\nSố: 31 /BC-MGHS Đông Lâm, ngày 10 tháng 05 năm 2031\nBÁO CÁO\n"
        "Sơ kết năm học 2030-2031\nThực hiện kế hoạch của Phòng, trường báo cáo như sau:\n"
    )
    fields = parse(text)
    assert (fields["issuer"], fields["issuer_parent"]) == (
        "TRƯỜNG MG HOA SEN",
        "UBND HUYỆN ĐÔNG LÂM",
    )


def test_a_subject_printed_twice_running_is_given_once() -> None:
    text = (
        "TRƯỜNG MG HOA SEN\nSố: 31 /BC-MGHS\nĐông Lâm, ngày 10 tháng 05 năm 2031\nBÁO CÁO\n"
        "Sơ kết 02 năm thực hiện chuyên đề\n“Trường học xanh” giai đoạn 2030-2035\n"
        "Sơ kết 02 năm thực hiện chuyên đề\n“Trường học xanh” giai đoạn 2030-2035\n"
        "Thực hiện kế hoạch của Phòng, trường báo cáo như sau:\n"
    )
    assert parse(text)["subject"] == (
        "Sơ kết 02 năm thực hiện chuyên đề “Trường học xanh” giai đoạn 2030-2035"
    )


def test_a_preamble_written_as_a_list_line_ends_the_subject() -> None:
    text = (
        "TRƯỜNG TH ĐÔNG HÀ\nSố: 16/BC-TH Đông Hà, ngày 25 tháng 12 năm 2031\nBÁO CÁO\n"
        "Sơ kết học kỳ I năm học 2031-2032\n- Căn cứ nhiệm vụ năm học 2031-2032, trường báo cáo\n"
        "sơ kết học kì 1 như sau:\n"
    )
    assert parse(text)["subject"] == "Sơ kết học kỳ I năm học 2031-2032"


def test_a_symbol_wrapped_under_the_date_line_is_joined() -> None:
    text = spaced(
        "UBND HUYỆN ĐÔNG LÂM\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nBAN CHỈ ĐẠO PCGD, XMC\n"
        "Độc lập – Tự do – Hạnh phúc\nSố: 75 / BC-BCĐPCGD-\nĐông Lâm, ngày 13 tháng 11 năm 2031\n"
        "XMC"
    ) + (
        "\n\nBÁO CÁO\nTÌNH HÌNH THỰC HIỆN PHỔ CẬP GIÁO DỤC\nThời điểm tháng 10 năm 2031\n"
        "PHẦN THỨ NHẤT\nQUÁ TRÌNH THỰC HIỆN\n1. Đặc điểm tình hình\n"
    )
    fields = parse(text)
    assert (fields["number"], fields["symbol"]) == ("75", "BC-BCĐPCGD-XMC")
    assert fields["subject"] == ("TÌNH HÌNH THỰC HIỆN PHỔ CẬP GIÁO DỤC Thời điểm tháng 10 năm 2031")


def test_a_subject_wrapped_over_a_blank_line_before_the_addressees() -> None:
    text = (
        "UBND HUYỆN ĐÔNG LÂM           CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\n"
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO           Độc lập - Tự do - Hạnh phúc\n\n"
        "  Số:   278/PGD&ĐT-THCS            Đông Lâm, ngày 09 tháng 9 năm 2031\n\n"
        "    V/v Hướng dẫn thực hiện nhiệm vụ\n\nGiáo dục trung học năm học 2031-2032\n\n \n\n"
        "Kính gửi: Hiệu trưởng các trường Trung học cơ sở\n\n"
        "Căn cứ Công văn số 163/SGDĐT-GDTrH ngày 27/8/2031 của Sở, Phòng hướng dẫn như sau:\n"
    )
    assert parse(text)["subject"] == (
        "Hướng dẫn thực hiện nhiệm vụ Giáo dục trung học năm học 2031-2032"
    )


def test_a_paragraph_after_a_wrapped_subject_line_is_not_joined() -> None:
    text = (
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO\nSố: 278/PGDĐT-THCS\nĐông Lâm, ngày 09 tháng 9 năm 2031\n"
        "V/v Hướng dẫn thực hiện nhiệm vụ\n\nGiáo dục trung học năm học 2031-2032 được triển "
        "khai tại các trường theo kế hoạch.\n\nCác trường báo cáo kết quả về Phòng.\n"
    )
    assert parse(text)["subject"] == "Hướng dẫn thực hiện nhiệm vụ"


def test_a_title_in_capitals_without_its_type_heading_is_the_subject() -> None:
    text = (
        "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\n"
        "Số: 221/KH-UBND | Quận 12, ngày 25 tháng 12 năm 2031 |\n"
        "PHÒNG, CHỐNG THIÊN TAI NĂM 2032 TRÊN ĐỊA BÀN QUẬN 12\n"
        "Thực hiện Kế hoạch của Ủy ban nhân dân thành phố, Ủy ban nhân dân quận xây dựng:\n"
    )
    assert parse(text)["subject"] == "PHÒNG, CHỐNG THIÊN TAI NĂM 2032 TRÊN ĐỊA BÀN QUẬN 12"


def test_a_letters_capital_line_is_not_taken_for_a_subject() -> None:
    text = (
        "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\n"
        "Số: 221/UBND-VP | Quận 12, ngày 25 tháng 12 năm 2031 |\n"
        "PHÒNG, CHỐNG THIÊN TAI NĂM 2032 TRÊN ĐỊA BÀN QUẬN 12\n"
        "Ủy ban nhân dân quận đề nghị các phường thực hiện.\n"
    )
    assert parse(text)["subject"] is None


def test_a_blank_number_whose_symbol_stands_under_the_motto() -> None:
    text = (
        "VĂN PHÒNG ĐIỀU PHỐI\nSố:\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - "
        "Hạnh phúc\n\n/TTr-VPĐP\n\nHà Nội, ngày\n\ntháng\n\nnăm 2031\n\nTỜ TRÌNH\n"
        "Về dự thảo quy chế làm việc\nKính gửi: Ban chỉ đạo\n"
    )
    fields = parse(text)
    assert (fields["number"], fields["symbol"]) == (None, "TTr-VPĐP")


def test_a_ministry_named_in_lower_case_and_a_year_set_apart_in_a_citation() -> None:
    text = (
        "UBND XÃ ĐÔNG HÀ\nSố: 28/TTr-UBND\nĐông Hà, ngày 02 tháng 3 năm 2031\nTỜ TRÌNH\n"
        "Về việc đề nghị công nhận xã đạt chuẩn\n"
        "Căn cứ Thông tư số 41/2029/TT-BNNPTNT ngày 04/10/2029 của Bộ nông\n"
        "nghiệp và phát triển nông thôn hướng dẫn thực hiện bộ tiêu chí;\n"
        "Căn cứ Thông tư số 40/2030/ TT - BNNPTNT, ngày 13 tháng 11 năm 2030 của\n"
        "Bộ Nông nghiệp & Phát triển nông thôn hướng dẫn trình tự xét công nhận;\n"
    )
    refs = parse(text)["references"]
    assert refs == [
        {
            "number": "41",
            "symbol": "2029/TT-BNNPTNT",
            "date": "2029-10-04",
            "issuer": "Bộ nông nghiệp và phát triển nông thôn",
        },
        {
            "number": "40",
            "symbol": "2030/TT-BNNPTNT",
            "date": "2030-11-13",
            "issuer": "Bộ Nông nghiệp & Phát triển nông thôn",
        },
    ]


def test_page_tags_left_in_a_web_copy_are_dropped() -> None:
    text = (
        "UBND XÃ ĐÔNG HÀ <b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>\n"
        "<b> BCĐ PCGD</b> <b>Độc lập - Tự do - Hạnh phúc</b>\n\n\n"
        "Số: 04/BC-PCGD <i>Đông Hà, ngày 07 tháng 10 năm 2031</i>\n\n\n"
        "<b>BÁO CÁO TÌNH HÌNH VÀ KẾT QUẢ </b>\n<b>THỰC HIỆN CÔNG TÁC PHỔ CẬP </b>\n"
        "I/ <b>ĐẶC ĐIỂM TÌNH HÌNH</b>\n<b>1. Đặc điểm.</b>\n"
    )
    fields = parse(text)
    assert fields["place"] == "Đông Hà"
    assert (fields["issuer"], fields["issuer_parent"]) == ("BCĐ PCGD", "UBND XÃ ĐÔNG HÀ")
    assert fields["subject"] == "TÌNH HÌNH VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC PHỔ CẬP"


def test_happiness_in_a_subject_is_not_the_motto() -> None:
    """Only the motto's line `Độc lập - Tự do - Hạnh phúc` (or its cut end) closes a subject;
    a subject about families "no ấm, hạnh phúc" goes on."""
    head = (
        "ỦY BAN NHÂN DÂN                     CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "XÃ AN PHÚ                                Độc lập - Tự do - Hạnh phúc\n\n"
        "Số: 46/UBND-VX                         An Phú, ngày 03 tháng 6 năm 2025\n"
    )
    wrapped = parse_text(
        head + "V/v tuyên truyền xây dựng gia đình no ấm, tiến bộ,\n"
        "hạnh phúc và văn minh\n\nKính gửi: Các thôn trên địa bàn xã.\n"
    )
    assert (
        wrapped["subject"] == "tuyên truyền xây dựng gia đình no ấm, tiến bộ, hạnh phúc và văn minh"
    )
    plan = parse_text(
        head.replace("46/UBND-VX", "45/KH-UBND")
        + "\nKẾ HOẠCH\nTổ chức Ngày Gia đình Việt Nam, xây dựng gia đình no ấm,\n"
        "hạnh phúc, tiến bộ, văn minh\n\nCăn cứ Luật Hôn nhân và gia đình;\n"
    )
    assert plan["subject"] == (
        "Tổ chức Ngày Gia đình Việt Nam, xây dựng gia đình no ấm, hạnh phúc, tiến bộ, văn minh"
    )
    # The motto's line cut by a narrow cell still closes the header.
    cut = parse_text(
        "ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "XÃ AN PHÚ                Độc lập - Tự do -\n"
        "                         Hạnh phúc\n"
        "Số: 47/UBND-VX           An Phú, ngày 04 tháng 6 năm 2025\n"
        "V/v trực hè\n\nKính gửi: Các thôn.\n"
    )
    assert cut["number"] == "47" and cut["subject"] == "trực hè"


def test_a_rule_glued_to_the_issuer_is_not_part_of_its_name() -> None:
    fields = parse_text(
        "UỶ BAN NHÂN DÂN TỈNH AN LẠC******\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc********\nSố: 554/UBND-KT\n"
        "An Lạc, ngày 12 tháng 4 năm 2024\nV/v tổ chức hội chợ\n\nKính gửi: Các sở, ngành.\n"
    )
    assert fields["issuer"] == "UỶ BAN NHÂN DÂN TỈNH AN LẠC"
    assert fields["subject"] == "tổ chức hội chợ"


def test_a_title_on_the_headings_line_ends_at_the_rule_under_it() -> None:
    fields = parse_text(
        "UBND HUYỆN AN LẠC\nTRƯỜNG THPT AN LẠC                 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "                                   Độc lập - Tự do - Hạnh phúc\n"
        "Số: 142/TB-THPT                    An Lạc, ngày 17 tháng 11 năm 2024\n\n"
        "THÔNG BÁO NGHỈ HỌC DO MƯA LŨ\n----------------------\n"
        "Trong các ngày qua, tại địa phương có mưa lớn liên tục, nước sông đang lên nhanh.\n"
    )
    assert fields["doc_type"] == "Thông báo"
    assert fields["subject"] == "NGHỈ HỌC DO MƯA LŨ"


def test_a_title_glued_to_the_signers_name_is_cut_between_them() -> None:
    """`CHÁNH VĂN PHÒNGTrần Văn Bình`: the title in capitals and the name in title case."""
    fields = parse_text(
        "UBND TỈNH AN GIANG              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "VĂN PHÒNG                       Độc lập - Tự do - Hạnh phúc\n"
        "Số: 12/VP-TH                    An Giang, ngày 5 tháng 3 năm 2024\n"
        "V/v họp giao ban\n\nKính gửi: Các sở, ngành.\n\n"
        "Văn phòng thông báo lịch họp giao ban.\n\nNơi nhận:\n- Như trên;\n- Lưu VT.\n"
        "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNGTrần Văn Bình\n"
    )
    assert fields["signer"] == {
        "authority": "TL.",
        "title": "Chánh Văn phòng",
        "name": "Trần Văn Bình",
    }
