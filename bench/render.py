"""Benchmark of work whose size a user or an attacker chooses: big reports, big or hostile input.

    python bench/render.py [--quick]

1. The consolidated report with an appendix of 10,000 units (a province) rendered to DOCX and to
   PDF (goal: each under 5 s), and a body table of 2,000 rows (goal: under 10 s).
2. The parser on 5 MB of text and on one 2 MB line built to make a regular expression backtrack
   (goal: each under 10 s).
3. An edXML package that is an XML bomb refused (goal: under 2 s: refused before expansion).

`--quick` uses a tenth of the rows and of the text. Medians of three runs (one with --quick).
The last line printed is one JSON object with the figures, in seconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tonghop.compilation.layout import OfficialDocument, Section, Signer, Table
from tonghop.compilation.render_docx import render_docx
from tonghop.compilation.render_pdf import render_pdf
from tonghop.dispatch import parse_text
from tonghop.dispatch.edxml import EdxmlError, parse_package

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE edXML [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1 if i > 2 else ''};" * 10}">\n'.encode()
        for i in range(2, 10)
    )
    + b']>\n<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>'
)


def _document(**parts: object) -> OfficialDocument:
    fields: dict[str, object] = {
        "parent_body": "UBND HUYỆN ĐÔNG SƠN",
        "issuer": "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN",
        "number": "15",
        "symbol": "BC-VHKHTT",
        "place": "Đông Sơn",
        "issued_on": datetime.date(2025, 5, 5),
        "year": 2025,
        "doc_type": "BÁO CÁO",
        "subject": "Kết quả tổ chức Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        "addressees": ("Sở Khoa học và Công nghệ",),
        "sections": (),
        "signer": Signer("KT.", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Nguyễn Văn An"),
        "recipients": ("Như trên", "UBND huyện (b/c)", "Lưu: VT, VHKHTT"),
    }
    fields.update(parts)
    return OfficialDocument(**fields)  # type: ignore[arg-type]


def _province(units: int) -> OfficialDocument:
    rows = tuple((str(i), f"Đơn vị số {i}", *(str(i * k) for k in range(8))) for i in range(units))
    columns = ("TT", "Đơn vị", *(f"Chỉ tiêu {k}" for k in range(8)))
    total = ("", "Tổng cộng", *("1",) * 8)
    table = Table(columns, rows, (False, False, *(True,) * 8), total_row=total)
    return _document(appendices=(Section("Kết quả", (table,), landscape=True),))


def _body_table(rows: int) -> OfficialDocument:
    body = tuple((str(i), f"Đơn vị số {i}", str(i), f"{i * 1000:,}") for i in range(1, rows + 1))
    table = Table(("TT", "Đơn vị", "Số", "Kinh phí"), body, (False, False, True, True))
    return _document(sections=(Section("I. Bảng lớn", (table,)),))


def _seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def _refuse_bomb() -> None:
    try:
        parse_package(BILLION_LAUGHS)
    except EdxmlError:
        return
    raise SystemExit("the XML bomb was not refused")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="a tenth of the size, one run")
    args = ap.parse_args()
    scale, runs = (10, 1) if args.quick else (1, 3)
    province, body = _province(10_000 // scale), _body_table(2_000 // scale)
    line = (
        "Thực hiện Công văn số 542/SKHCN-CN&ĐMST ngày 21/4/2025 của Sở Khoa học và Công nghệ, "
        "các đơn vị báo cáo trước ngày 06/5/2025, thời gian từ ngày 15/4 đến hết ngày 26/4/2025; "
        "Số: liệu 1/2/3/4/5/6/7/8/9 - - - ngày ngày ngày tháng năm / / / Nơi nhận KT. TM.\n"
    )
    text = "ỦY BAN NHÂN DÂN\nSố: 12/UBND-VP\nHà Nội, ngày 02 tháng 5 năm 2025\n" + line * (
        5_000_000 // scale // len(line)
    )
    backtrack = "Số: " + "1/" * (500_000 // scale) + " ngày " * (200_000 // scale) + "-" * 1_000_000
    result = {
        "units": 10_000 // scale,
        "province_docx_s": _seconds(lambda: render_docx(province), runs),
        "province_pdf_s": _seconds(lambda: render_pdf(province), runs),
        "body_rows": 2_000 // scale,
        "body_docx_s": _seconds(lambda: render_docx(body), runs),
        "body_pdf_s": _seconds(lambda: render_pdf(body), runs),
        "parse_text_mb": round(len(text.encode()) / 1e6, 1),
        "parse_text_s": _seconds(lambda: parse_text(text), runs),
        "parse_backtrack_s": _seconds(lambda: parse_text(backtrack), runs),
        "edxml_bomb_refused_s": _seconds(_refuse_bomb, runs),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
