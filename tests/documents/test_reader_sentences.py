"""The reader's findings about a scan's number and day, in English when the page is English
(documents/sentences.py puts the reader's Vietnamese sentences through the catalogue)."""

from __future__ import annotations

from django.utils import translation

from tonghop.dispatch import parse_text
from tonghop.dispatch.crops import vote
from tonghop.documents.sentences import in_language

SCAN = """\
ỦY BAN NHÂN DÂN                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH QUẢNG NGÃI                         Độc lập - Tự do - Hạnh phúc
Số: 660 /TB-UBND                  Quảng Ngãi, ngày ⁄|Š tháng 12 năm 2024
THÔNG BÁO
Kết luận của Chủ tịch Ủy ban nhân dân tỉnh./.
Thời gian ký: 04.12.2024 08:15:32 +07:00
"""


def messages() -> dict[str, str]:
    fields = parse_text(SCAN, ocr=True, number_vote=vote(["6605", "6605", "660", "66"]))
    findings = fields["findings"]
    assert isinstance(findings, list)
    return {f["code"]: f["message"] for f in findings}


def test_the_scan_findings_are_said_in_english() -> None:
    found = messages()
    with translation.override("en"):
        number = in_language(found["number-illegible"])
        day = in_language(found["issue-date-inferred"])
    assert number == (
        "The number on the scan (handwritten or stamped) could not be read for certain: the "
        "page gave “660”, its box read again gave “6605”, “660”, “66”. Type the number from "
        "the original."
    )
    assert day == (
        "The handwritten date of issue on the scan could not be read; the scan was signed "
        "digitally on the morning of 04/12/2024, so the working day before, 03/12/2024, stands "
        "in for now. Check it against the original."
    )


def test_the_afternoon_guess_is_said_in_english() -> None:
    afternoon = SCAN.replace("08:15:32", "15:20:00")
    fields = parse_text(afternoon, ocr=True, number_vote=vote(["6605", "6605", "660", "66"]))
    findings = fields["findings"]
    assert isinstance(findings, list)
    found = {f["code"]: f["message"] for f in findings}
    with translation.override("en"):
        day = in_language(found["issue-date-inferred"])
    assert day == (
        "The handwritten date of issue on the scan could not be read; the signing date "
        "04/12/2024 stands in for now. Paper documents are often dated a day before they are "
        "signed: check it against the original."
    )


def test_they_stay_as_written_in_vietnamese() -> None:
    found = messages()
    with translation.override("vi"):
        assert in_language(found["number-illegible"]) == found["number-illegible"]
        day = in_language(found["issue-date-inferred"])
        assert "tạm lấy ngày làm việc trước đó 03/12/2024" in day
