"""The field parser of tonghop.dispatch, rule by rule, on short texts written like real ones."""

from __future__ import annotations

from typing import Any

from tonghop.dispatch import SCHEMA, parse_text

HEADER = """\
UBND HUYỆN ĐÔNG ANH                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG VĂN HÓA, KHOA HỌC                      Độc lập - Tự do - Hạnh phúc
VÀ THÔNG TIN
Số: 215/VHKHTT-VP                        Đông Anh, ngày 05 tháng 5 năm 2025
V/v hưởng ứng Ngày Sáng tạo và Đổi mới
sáng tạo thế giới năm 2025

              Kính gửi:
                    - Các cơ quan, đơn vị trên địa bàn huyện;
                    - Ủy ban nhân dân các xã, thị trấn.

      Thực hiện văn bản số 542/SKHCN-CN&ĐMST ngày 21/4/2025 của Sở Khoa học và
Công nghệ về việc hưởng ứng Ngày Sáng tạo; Phòng Văn hóa, Khoa học và Thông tin
đề nghị các đơn vị gửi báo cáo trước ngày 20/5/2025./.
"""

FOOT = """\
Nơi nhận:                                             KT. TRƯỞNG PHÒNG
- Như trên;                                           PHÓ TRƯỞNG PHÒNG
- UBND huyện (b/c);
- Trang TTĐT huyện (Đăng tin);
- Lưu: VT.

                                                      Nguyễn Thị Hồng Vân
"""


def parse(text: str) -> dict[str, object]:
    return parse_text(text, source="test.txt")


def items(fields: dict[str, object], key: str) -> list[dict[str, Any]]:
    value = fields[key]
    assert isinstance(value, list)
    return value


def codes(fields: dict[str, object]) -> set[str]:
    findings = fields["findings"]
    assert isinstance(findings, list)
    return {f["code"] for f in findings}


def test_it_returns_every_schema_key() -> None:
    fields = parse(HEADER + FOOT)
    assert fields["schema"] == SCHEMA == "tonghop.dispatch/1"
    assert fields["source"] == "test.txt"
    for key in (
        "doc_type",
        "number",
        "symbol",
        "issuer",
        "issuer_parent",
        "place",
        "issued_on",
        "subject",
        "addressees",
        "references",
        "deadlines",
        "periods",
        "recipients",
        "signer",
        "signature_times",
        "signatures",
        "findings",
    ):
        assert key in fields


def test_it_reads_a_layout_header() -> None:
    fields = parse(HEADER + FOOT)
    assert fields["doc_type"] == "Công văn"
    assert (fields["number"], fields["symbol"]) == ("215", "VHKHTT-VP")
    assert fields["issuer"] == "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
    assert fields["issuer_parent"] == "UBND HUYỆN ĐÔNG ANH"
    assert fields["place"] == "Đông Anh"
    assert fields["issued_on"] == "2025-05-05"
    assert fields["subject"] == ("hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025")
    assert fields["addressees"] == [
        "Các cơ quan, đơn vị trên địa bàn huyện",
        "Ủy ban nhân dân các xã, thị trấn",
    ]


def test_it_reads_number_and_symbol_forms() -> None:
    cases = {
        "Số: 542/SKHCN-CN&ĐMST": ("542", "SKHCN-CN&ĐMST"),
        "Số 12/KH-UBND": ("12", "KH-UBND"),
        "Số: 15/2010/QĐ-UBND": ("15", "2010/QĐ-UBND"),
        "Số: 05 /TB-SYT": ("05", "TB-SYT"),
    }
    for line, expected in cases.items():
        fields = parse(
            f"ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\n{line}\nBắc Ninh, ngày 02 tháng 01 năm 2025\n"
        )
        assert (fields["number"], fields["symbol"]) == expected, line


def test_it_reports_a_blank_number_and_day_of_a_draft() -> None:
    fields = parse(
        "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố:   /UBND-VP\nLâm Đồng, ngày    tháng 9 năm 2025\n"
        "V/v triển khai Công văn số 3980/C04-P6\n"
    )
    assert fields["number"] is None
    assert fields["symbol"] == "UBND-VP"
    assert fields["issued_on"] is None
    assert fields["place"] == "Lâm Đồng"
    assert {"missing-number", "missing-issue-date"} <= codes(fields)


def test_it_reports_a_badly_formatted_number() -> None:
    fields = parse(
        "CÔNG AN TỈNH LÂM ĐỒNG\nSố: 24 /TTr -UBND\nLâm Đồng, ngày 24 tháng 10 năm 2025\n"
    )
    assert fields["symbol"] == "TTr-UBND"
    assert "bad-number-format" in codes(fields)
    fields = parse("SỞ Y TẾ\nSố 5/KH-SYT\nKiên Giang, ngày 24 tháng 10 năm 2025\n")
    assert "bad-number-format" in codes(fields)  # no colon, and 5 for 05


def test_a_space_between_number_and_symbol_is_reported() -> None:
    # `Số: 27 / BCMN`: ND 30 writes the number, the slash and the symbol with no space.
    for line in ("Số: 27 / BC-MN", "Số: 27 /BC-MN", "Số: 15 /2014/QĐ-UBND"):
        fields = parse(f"TRƯỜNG MN NỘI HOÀNG\n{line}\nNội Hoàng, ngày 02 tháng 01 năm 2014\n")
        found = [f for f in items(fields, "findings") if f["code"] == "bad-number-format"]
        assert [f["message"] for f in found] == [
            "Số, ký hiệu không đúng thể thức Nghị định 30/2020/NĐ-CP: số và ký hiệu có dấu "
            "cách thừa."
        ], line
    # Written as ND 30 writes it, or a blank left for the number: nothing to report.
    for line in ("Số: 27/BC-MN", "Số:      /QĐ-UBND"):
        fields = parse(f"TRƯỜNG MN NỘI HOÀNG\n{line}\nNội Hoàng, ngày 02 tháng 01 năm 2014\n")
        assert "bad-number-format" not in codes(fields), line


def test_it_reads_the_type_heading_and_its_subject() -> None:
    fields = parse(
        "ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TỈNH QUẢNG NGÃI                Độc lập - Tự do - Hạnh phúc\n"
        "Số: 11/CT-UBND           Quảng Ngãi, ngày 11 tháng 9 năm 2024\n\n"
        "CHỈ THỊ\nVề việc tăng cường các biện pháp đảm bảo an toàn công trình cầu\n"
        "giao thông trong mùa mưa, bão năm 2024\n\nCơn bão số 3 vừa qua đã gây thiệt hại.\n"
    )
    assert fields["doc_type"] == "Chỉ thị"
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert fields["issuer_parent"] is None
    assert fields["subject"] == (
        "tăng cường các biện pháp đảm bảo an toàn công trình cầu giao thông trong mùa mưa, "
        "bão năm 2024"
    )


def test_it_takes_the_type_from_the_symbol_when_the_heading_is_lost() -> None:
    fields = parse("SỞ Y TẾ\nSố: 09/KH-SYT\nKiên Giang, ngày 28 tháng 8 năm 2017\nNội dung.\n")
    assert fields["doc_type"] == "Kế hoạch"


def test_it_reads_references_once_with_date_and_issuer() -> None:
    fields = parse(
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
        "văn thư; Nghị quyết 57-NQ/TW về đột phá; Công văn số 542/SKHCN-CN&ĐMST ngày 21/4/2025 "
        "của Sở Khoa học và Công nghệ về việc hưởng ứng; các Quyết định số: 1743/QĐ-BGTVT, "
        "1744/QĐ-BGTVT ngày 31/12/2024 của Bộ trưởng Bộ Giao thông vận tải; Văn bản 423, "
        "432/TTg-CĐS; Nghị định số 30/2020/NĐ-CP nêu trên.\n"
    )
    refs = {(r["number"], r["symbol"]): r for r in items(fields, "references")}
    assert set(refs) == {
        ("30", "2020/NĐ-CP"),
        ("57", "NQ/TW"),
        ("542", "SKHCN-CN&ĐMST"),
        ("1743", "QĐ-BGTVT"),
        ("1744", "QĐ-BGTVT"),
        ("423", "TTg-CĐS"),
        ("432", "TTg-CĐS"),
    }
    assert refs[("30", "2020/NĐ-CP")]["date"] == "2020-03-05"
    assert refs[("30", "2020/NĐ-CP")]["issuer"] == "Chính phủ"
    assert refs[("542", "SKHCN-CN&ĐMST")]["issuer"] == "Sở Khoa học và Công nghệ"
    assert refs[("1743", "QĐ-BGTVT")]["date"] == "2024-12-31"
    assert refs[("1743", "QĐ-BGTVT")]["issuer"] == "Bộ trưởng Bộ Giao thông vận tải"
    assert refs[("57", "NQ/TW")]["date"] is None


def test_it_reads_deadlines_with_their_inclusiveness() -> None:
    fields = parse(
        "Số: 01/UBND-VP\nHà Nội, ngày 02 tháng 5 năm 2026\n"
        "Các đơn vị gửi báo cáo trước ngày 06/5/2026. Hoàn thành chậm nhất ngày 10/5/2026; "
        "gửi Bộ Tư pháp trong ngày 12 tháng 5 năm 2026; thực hiện đến hết ngày 15/5/2026; "
        "hoàn thành trong tháng 5/2026. Gửi lại trước ngày 06/5/2026. Trong 03 tháng kể từ "
        "ngày ký, các đơn vị báo cáo.\n"
    )
    got = {(d["date"], d["inclusive"]) for d in items(fields, "deadlines")}
    assert got == {
        ("2026-05-06", False),
        ("2026-05-10", True),
        ("2026-05-12", True),
        ("2026-05-15", True),
        ("2026-05-31", True),
    }


def test_it_reads_periods_and_takes_the_missing_year_from_the_end() -> None:
    fields = parse(
        "Số: 01/KH-UBND\nHà Nội, ngày 02 tháng 4 năm 2025\n"
        "Thời gian tổ chức từ ngày 15/4 đến hết ngày 26/4/2025; đợt 2 vào ngày 01-31/12/2025; "
        "khảo sát 29/6/2025 - 09/7/2025.\n"
    )
    got = {(p["start"], p["end"]) for p in items(fields, "periods")}
    assert got == {
        ("2025-04-15", "2025-04-26"),
        ("2025-12-01", "2025-12-31"),
        ("2025-06-29", "2025-07-09"),
    }
    assert fields["deadlines"] == []  # `đến hết ngày` inside a window is no deadline


def test_it_flags_dates_that_do_not_fit_the_issue_date() -> None:
    fields = parse(
        "Số: 01/KH-UBND\nHà Nội, ngày 25 tháng 4 năm 2025\n"
        "Thời gian tổ chức từ ngày 15/4/2024 đến hết ngày 26/4/2024. Gửi báo cáo trước ngày "
        "20/4/2025. Theo Quyết định số 7619/QĐ-BCA ngày 08/9/2925 của Bộ trưởng Bộ Công an.\n"
    )
    assert {
        "period-year-mismatch",
        "period-before-issue",
        "deadline-before-issue",
        "reference-after-issue",
    } <= codes(fields)


def test_it_does_not_flag_a_past_reporting_window() -> None:
    fields = parse(
        "Số: 01/BC-SYT\nKiên Giang, ngày 17 tháng 10 năm 2017\n"
        "Số liệu tính từ ngày 11/9/2017 đến ngày 13/10/2017.\n"
    )
    assert fields["periods"]
    assert "period-before-issue" not in codes(fields)


def test_it_reads_recipients_and_a_kt_signer_in_two_columns() -> None:
    fields = parse(HEADER + FOOT)
    assert fields["recipients"] == [
        "Như trên",
        "UBND huyện (b/c)",
        "Trang TTĐT huyện (Đăng tin)",
        "Lưu: VT",
    ]
    assert fields["signer"] == {
        "authority": "KT.",
        "title": "Phó Trưởng phòng",
        "name": "Nguyễn Thị Hồng Vân",
    }


def test_it_reads_a_tm_signer_chain_in_reading_order() -> None:
    fields = parse(
        "Số: 09/2009/CT-UBND\nThủ Dầu Một, ngày 15 tháng 4 năm 2009\nNội dung./.\n"
        "Nơi nhận:\tTM. UỶ BAN NHÂN DÂN\n- Bộ Khoa học và Công nghệ;\tKT.CHỦ TỊCH\n"
        "- Thường trực Tỉnh ủy;\tPHÓ CHỦ TỊCH\n- CT, PCT UBND tỉnh;\t(Đã ký)\n"
        "- UBND các huyện, thị xã;\tNguyễn Văn Hiệp\n- Lưu VT.\n"
    )
    assert fields["recipients"] == [
        "Bộ Khoa học và Công nghệ",
        "Thường trực Tỉnh ủy",
        "CT, PCT UBND tỉnh",
        "UBND các huyện, thị xã",
        "Lưu VT",
    ]
    assert fields["signer"] == {
        "authority": "TM.",
        "title": "Phó Chủ tịch",
        "name": "Nguyễn Văn Hiệp",
    }


def test_it_reads_a_tl_chain_and_drops_a_military_rank() -> None:
    fields = parse(
        "Nội dung./.\nNơi nhận:\n- Như trên;\n- Lưu: VT, C04.\n"
        "TL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\n\nThiếu tướng Phùng Tô Long\n"
    )
    assert fields["signer"] == {
        "authority": "TL.",
        "title": "Phó Chánh Văn phòng",
        "name": "Phùng Tô Long",
    }


def test_it_reads_signature_stamps_in_every_form() -> None:
    fields = parse(
        "Nội dung.\n\t\t2025-04-25T08:35:57+0700\n\t\t2025-04-25T08:35:57+0700\n"
        "Thời gian ký: 25.04.2025 09:03:19 +07:00\nKý bởi: Ủy ban nhân dân tỉnh\n"
        "Thời gian ký: 07/01/2025\n10:09:57\nttcbth@quangngai.gov.vn\n06.11.2024 09:27:05\n+07:00\n"
    )
    assert fields["signature_times"] == [
        "2025-04-25T08:35:57+07:00",
        "2025-04-25T09:03:19+07:00",
        "2025-01-07T10:09:57+07:00",
        "2024-11-06T09:27:05+07:00",
    ]


def test_it_infers_the_issue_date_from_the_earliest_signature() -> None:
    fields = parse("Nội dung văn bản./.\n2025-04-25T09:03:19+0700\n2025-04-25T08:35:57+0700\n")
    assert fields["issued_on"] == "2025-04-25"
    assert "issue-date-inferred" in codes(fields)
    fields = parse_text("Nội dung./.", signatures=[{"signed_at": "2024-11-06T08:49:06+07:00"}])
    assert fields["issued_on"] == "2024-11-06"


def test_it_finds_the_issuer_in_the_body_when_the_header_is_lost() -> None:
    fields = parse(
        "Thực hiện văn bản số 542/SKHCN-CN&ĐMST; Phòng Văn hóa, Khoa học và Thông tin đề nghị "
        "các đơn vị phối hợp./.\n"
    )
    assert fields["issuer"] == "Phòng Văn hóa, Khoa học và Thông tin"
    assert fields["doc_type"] == "Công văn"


def test_it_flags_known_misspellings_and_broken_syllables() -> None:
    for text in (
        "Ngày Khoa học và Công nghệ Việt Năm (18/5).",
        "Phòng Ngiệp vụ Y",
        "tổ chức tiêm văc xin cho trẻ",
    ):
        assert "spelling" in codes(parse(text)), text
    assert "spelling" not in codes(
        parse("Ngày Khoa học và Công nghệ Việt Nam, nghiệp vụ, vắc xin.")
    )


def test_it_ignores_an_attached_document_of_another_body() -> None:
    fields = parse(
        "SỞ Y TẾ              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 2094/TB-SYT      Kiên Giang, ngày 07 tháng 11 năm 2017\n\nTHÔNG BÁO\n"
        "Về lịch học năm thứ II\n\nSở Y tế thông báo lịch học./.\n"
        "Nơi nhận:\n- Học viên;\n- Lưu: VT.\n\n"
        "TRƯỜNG ĐẠI HỌC Y DƯỢC CẦN THƠ      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nHọc từ 28/08/2017 đến 05/05/2018, thi trước 20/06/2018.\n"
    )
    assert fields["subject"] == "Về lịch học năm thứ II"
    assert fields["periods"] == []
    assert fields["deadlines"] == []
    assert fields["recipients"] == ["Học viên", "Lưu: VT"]


def test_it_fills_a_number_and_day_stamped_over_the_blanks() -> None:
    # Signing tools type the number and day over the blanks; readers give them apart.
    fields = parse(
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: /UBND-KGVX Quảng Ngãi, ngày tháng 01 năm 2025\nV/v góp ý dự thảo\n"
        "Kính gửi: Sở Thông tin và Truyền thông\nNội dung./.\n"
        + "\n" * 20
        + "ố: /UBND-KGVX\n 507\ny tháng\n 24\n"
    )
    assert (fields["number"], fields["issued_on"]) == ("507", "2025-01-24")
    assert fields["place"] == "Quảng Ngãi"


def test_it_repairs_common_ocr_misreadings_only_in_ocr_text() -> None:
    text = (
        "Nội dung./.\nNơi nhận:\n- Như trên;\n- Đ/c Bộ trưởng (đê báo cáo);\n"
        "- Công TTĐT tỉnh;\n- Lưu: VT.\n"
    )
    assert parse_text(text, ocr=True)["recipients"] == [
        "Như trên",
        "Đ/c Bộ trưởng (để báo cáo)",
        "Cổng TTĐT tỉnh",
        "Lưu: VT",
    ]
    assert parse_text(text)["recipients"][1] == "Đ/c Bộ trưởng (đê báo cáo)"  # type: ignore[index]


def test_it_reads_the_header_through_ocr_noise() -> None:
    fields = parse(
        "BÔ CÔNG THƯƠNG\nCỌNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nR\nĐộc lập - Tự do - Hạnh phúc\n"
        "TRƯỜNG ĐẠI HỌC CÔNG THƯƠNG mm.\nTHÀNH PHỐ HỒ CHÍ MINH\n\n"
        "Thành phố Hồ Chí Minh, ngày 23 tung 6 năm 2026\nSố: É3/KH-DCT\n\nKẾ HOẠCH\n"
        "Khảo sát, xác định chỉ số hài lòng năm 2026\n\nCăn cứ Quyết định số 2034/QĐ-BGDĐT.\n"
    )
    assert fields["issuer"] == "TRƯỜNG ĐẠI HỌC CÔNG THƯƠNG THÀNH PHỐ HỒ CHÍ MINH"
    assert fields["issuer_parent"] == "BÔ CÔNG THƯƠNG"
    assert fields["place"] == "Thành phố Hồ Chí Minh"
    assert fields["issued_on"] == "2026-06-23"
    assert (fields["number"], fields["symbol"], fields["doc_type"]) == (None, "KH-DCT", "Kế hoạch")
    assert fields["subject"] == "Khảo sát, xác định chỉ số hài lòng năm 2026"


def test_it_reads_deadlines_with_an_hour() -> None:
    fields = parse(
        "Số: 02/UBND-VP\nHà Nội, ngày 02 tháng 5 năm 2026\n"
        "Gửi báo cáo trước 17 giờ 00 ngày 20/5/2026; nộp hồ sơ chậm nhất vào 16h30, ngày "
        "25/5/2026; đăng ký không muộn hơn ngày 28/5/2026.\n"
    )
    got = {(d["date"], d["inclusive"]) for d in items(fields, "deadlines")}
    assert got == {("2026-05-20", False), ("2026-05-25", True), ("2026-05-28", True)}


def test_a_day_to_send_by_is_a_deadline_and_a_day_to_meet_is_not() -> None:
    head = "Số: 126/PGDĐT\nThanh Oai, ngày 25 tháng 2 năm 2014\n"
    sent = parse(
        head + "Các trường lập danh sách và gửi về Phòng cho đ/c Huyền vào thứ Năm ngày "
        "27/2/2014; 1 bản có dấu đỏ.\n"
    )
    assert {(d["date"], d["inclusive"]) for d in items(sent, "deadlines")} == {("2014-02-27", True)}
    # A meeting on a day, and a day after a sending verb of another sentence, are events.
    held = parse(
        head + "Hội nghị được tổ chức vào sáng thứ Năm ngày 27/2/2014 tại Hội trường. "
        "Báo cáo gửi về Phòng. Lễ tổng kết vào ngày 28/2/2014.\n"
    )
    assert items(held, "deadlines") == []


def test_it_reads_acting_and_authorised_signers() -> None:
    for block, authority, title in (
        ("Q. GIÁM ĐỐC\n\nLê Văn An", "Q.", "Giám đốc"),
        ("TUQ. CHỦ TỊCH\nGIÁM ĐỐC SỞ NỘI VỤ\n\nTrần Thị Bình", "TUQ.", "Giám đốc Sở Nội vụ"),
    ):
        fields = parse(f"Nội dung./.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n{block}\n")
        signer = fields["signer"]
        assert isinstance(signer, dict)
        assert (signer["authority"], signer["title"]) == (authority, title)


def test_it_reads_a_numeric_issue_date() -> None:
    fields = parse("SỞ Y TẾ\nSố: 12/SYT-VP\nKiên Giang, 05/5/2025\nV/v tiêm chủng\n")
    assert (fields["place"], fields["issued_on"]) == ("Kiên Giang", "2025-05-05")


def test_it_infers_kt_for_a_deputy_when_a_scan_lost_the_mark() -> None:
    text = "Nội dung./.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\nPHÓ GIÁM ĐỐC\n\nHà Văn Phúc\n"
    scanned = parse_text(text, ocr=True)
    assert scanned["signer"] == {"authority": "KT.", "title": "Phó Giám đốc", "name": "Hà Văn Phúc"}
    # A typed text without the mark is given as written.
    typed = parse(text)["signer"]
    assert typed == {"authority": None, "title": "Phó Giám đốc", "name": "Hà Văn Phúc"}


def test_it_drops_the_handwritten_copy_count_after_the_archive_line() -> None:
    fields = parse("Nội dung./.\nNơi nhận:\n- Như Điều 3;\n- Lưu: VT, KSTT (2). 113\n")
    assert fields["recipients"] == ["Như Điều 3", "Lưu: VT, KSTT (2)"]


def test_it_reads_a_party_document_header() -> None:
    fields = parse(
        "TỈNH ỦY QUẢNG NGÃI                 ĐẢNG CỘNG SẢN VIỆT NAM\n"
        "           *\n"
        "Số 123-CV/TU                      Quảng Ngãi, ngày 12 tháng 3 năm 2025\n"
        "V/v triển khai Nghị quyết 57-NQ/TW\n"
    )
    assert (fields["number"], fields["symbol"]) == ("123", "CV/TU")
    assert fields["issuer"] == "TỈNH ỦY QUẢNG NGÃI"
    assert (fields["place"], fields["issued_on"]) == ("Quảng Ngãi", "2025-03-12")
    assert fields["subject"] == "triển khai Nghị quyết 57-NQ/TW"
    assert "bad-number-format" not in codes(fields)
