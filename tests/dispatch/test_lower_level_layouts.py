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
