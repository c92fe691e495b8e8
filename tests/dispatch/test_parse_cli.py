"""`tonghop parse` (`python -m tonghop.dispatch`): JSON lines, the text for a person, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tonghop.dispatch.cli import main

LETTER = """\
ỦY BAN NHÂN DÂN                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH BÌNH THUẬN                          Độc lập - Tự do - Hạnh phúc
Số: 32/UBND-NCKSTTHC                  Bình Thuận, ngày 05 tháng 12 năm 2024
V/v thời gian tổ chức đại hội nhiệm kỳ

Kính gửi: Sở Nội vụ.

      Đề nghị các hội hoàn thành đại hội chậm nhất ngày 31/12/2024./.
Nơi nhận:                                     KT. CHỦ TỊCH
- Như trên;                                   PHÓ CHỦ TỊCH
- Lưu: VT, NCKSTTHC.

                                              Nguyễn Minh
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "032.txt"
    good.write_text(LETTER, encoding="utf-8")
    other = tmp_path / "seed.txt"
    other.write_text("Phòng Văn hóa đề nghị các đơn vị gửi báo cáo trước ngày 06/5/2025./.\n")
    broken = tmp_path / "003.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00\xff garbage " * 50)
    return {"good": good, "other": other, "broken": broken, "missing": tmp_path / "none.pdf"}


def test_it_prints_one_json_object_a_line_in_order(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--jsonl", str(files["good"]), str(files["other"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["source"] == str(files["good"])
    assert second["source"] == str(files["other"])
    assert first["schema"] == "tonghop.dispatch/1"
    assert (first["number"], first["symbol"]) == ("32", "UBND-NCKSTTHC")
    assert first["deadlines"][0]["date"] == "2024-12-31"
    assert "Bình Thuận" in lines[0]  # ensure_ascii=False


def test_it_reports_unreadable_and_missing_files_and_goes_on(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "--jsonl",
        str(files["broken"]),
        str(files["good"]),
        str(files["missing"]),
        str(files["other"]),
    ]
    assert main(argv) != 0
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o["source"] for o in out] == [str(files["good"]), str(files["other"])]
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"tonghop parse: {files['broken']}: ")
    assert errors[1].startswith(f"tonghop parse: {files['missing']}: ")
    assert all(len(e.split(": ", 2)[2]) > 10 for e in errors)  # a sentence, not a code
    assert "Traceback" not in captured.err


def test_it_prints_the_fields_in_vietnamese_for_a_person(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(files["good"])]) == 0
    out = capsys.readouterr().out
    for label in (
        "Loại văn bản:",
        "Số, ký hiệu:",
        "Ngày ban hành:",
        "Trích yếu:",
        "Thời hạn:",
        "Nơi nhận:",
        "Người ký:",
        "Phát hiện:",
    ):
        assert label in out, label
    assert "05/12/2024" in out
    assert "32/UBND-NCKSTTHC" in out
    assert "KT. Phó Chủ tịch Nguyễn Minh" in out
