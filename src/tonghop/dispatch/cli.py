"""`tonghop parse FILE... [--jsonl] [--trust-root PEM]... [--no-ocr]`.

Without `--jsonl` the fields are printed in Vietnamese for a person; with it, one JSON object a
line in the order of the files given. A file that cannot be read gives one line on stderr and a
non-zero exit at the end; the other files are still parsed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from . import parse_file
from .errors import DispatchError

_SEVERITY = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tonghop parse",
        description="Đọc văn bản hành chính (PDF, DOCX, DOC, TXT) và trích các trường thông tin.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="tệp văn bản cần đọc")
    parser.add_argument("--jsonl", action="store_true", help="in mỗi văn bản một dòng JSON")
    parser.add_argument(
        "--trust-root",
        action="append",
        default=[],
        metavar="PEM",
        help="chứng thư gốc tin cậy để kiểm tra chữ ký số (có thể lặp lại)",
    )
    parser.add_argument("--no-ocr", action="store_true", help="không nhận dạng chữ bản quét")
    args = parser.parse_args(argv)

    failed = 0
    out = sys.stdout
    for index, path in enumerate(args.files):
        try:
            fields = parse_file(path, trust_roots=args.trust_root, ocr=not args.no_ocr)
        except DispatchError as exc:
            failed += 1
            print(f"tonghop parse: {path}: {exc}", file=sys.stderr)
            continue
        except OSError as exc:
            failed += 1
            reason = exc.strerror or str(exc)
            if isinstance(exc, FileNotFoundError):
                reason = "không tìm thấy tệp"
            elif isinstance(exc, IsADirectoryError):
                reason = "đây là thư mục, không phải tệp"
            elif isinstance(exc, PermissionError):
                reason = "không có quyền đọc tệp"
            print(f"tonghop parse: {path}: {reason}.", file=sys.stderr)
            continue
        if args.jsonl:
            out.write(json.dumps(fields, ensure_ascii=False) + "\n")
        else:
            if index:
                out.write("\n")
            print_human(fields, out)
        out.flush()
    return 1 if failed else 0


def _day(value: object) -> str:
    if not isinstance(value, str):
        return "—"
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def print_human(fields: dict[str, object], out: TextIO) -> None:
    def line(label: str, value: object) -> None:
        out.write(f"{label + ':':<22}{value if value not in (None, '') else '—'}\n")

    def items(label: str, values: list[str]) -> None:
        if not values:
            line(label, None)
            return
        out.write(f"{label}:\n")
        for v in values:
            out.write(f"  - {v}\n")

    out.write(f"== {Path(str(fields.get('source') or '')).name or 'văn bản'} ==\n")
    line("Loại văn bản", fields.get("doc_type"))
    number, symbol = fields.get("number"), fields.get("symbol")
    numsym = f"{number or '…'}/{symbol}" if symbol else number
    line("Số, ký hiệu", numsym)
    line("Cơ quan ban hành", fields.get("issuer"))
    line("Cơ quan chủ quản", fields.get("issuer_parent"))
    line("Địa danh", fields.get("place"))
    line("Ngày ban hành", _day(fields.get("issued_on")) if fields.get("issued_on") else None)
    line("Trích yếu", fields.get("subject"))
    items("Kính gửi", _strings(fields.get("addressees")))
    refs = []
    for r in _dicts(fields.get("references")):
        symbol = str(r.get("symbol"))
        # A Party document is written `57-NQ/TW` (SCHEMA splits it as 57 + NQ/TW).
        party = "/" in symbol and not symbol[:4].isdigit()
        text = f"{r.get('number')}{'-' if party else '/'}{symbol}"
        if r.get("date"):
            text += f" ngày {_day(r.get('date'))}"
        if r.get("issuer"):
            text += f" của {r.get('issuer')}"
        refs.append(text)
    items("Văn bản dẫn chiếu", refs)
    items(
        "Thời hạn",
        [
            f"{_day(d.get('date'))} "
            f"({'tính cả ngày này' if d.get('inclusive') else 'phải xong trước ngày này'})"
            f" — “{d.get('text')}”"
            for d in _dicts(fields.get("deadlines"))
        ],
    )
    items(
        "Khoảng thời gian",
        [
            f"từ {_day(p.get('start'))} đến {_day(p.get('end'))}"
            for p in _dicts(fields.get("periods"))
        ],
    )
    items("Nơi nhận", _strings(fields.get("recipients")))
    signer = fields.get("signer")
    if isinstance(signer, dict) and any(signer.values()):
        parts = [str(signer.get(k)) for k in ("authority", "title", "name") if signer.get(k)]
        line("Người ký", " ".join(parts))
    else:
        line("Người ký", None)
    items("Thời gian ký số", _strings(fields.get("signature_times")))
    sigs = []
    for s in _dicts(fields.get("signatures")):
        state = "còn nguyên vẹn" if s.get("intact") else "đã bị sửa đổi"
        trust = "tin cậy" if s.get("trusted") else "chưa xác minh được nguồn tin cậy"
        problem = f"; {s.get('problem')}" if s.get("problem") else ""
        note = f"; lưu ý: {s.get('note')}" if s.get("note") else ""
        sigs.append(f"{s.get('signer')} lúc {s.get('signed_at')}: {state}, {trust}{problem}{note}")
    items("Chữ ký số", sigs)
    items(
        "Phát hiện",
        [
            f"[{_SEVERITY.get(str(f.get('severity')), f.get('severity'))}] {f.get('message')}"
            for f in _dicts(fields.get("findings"))
        ],
    )


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


if __name__ == "__main__":
    sys.exit(main())
