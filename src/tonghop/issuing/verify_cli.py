"""``tonghop verify FILE.pdf... [--trust-root PEM]... [--json]``: report every signature.

Exit status: 0 when every file has signatures and all are intact (and trusted, when trust
roots are given); 1 when one is not, or a file has no signature at all (a report that should
be signed and is not is a failure to verify); 2 when a file cannot be read as a PDF.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from tonghop.dispatch.signatures import PROBLEM_NOT_PDF, UnreadablePdf, read_signatures
from tonghop.issuing.signing import verification_lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tonghop verify",
        description="Kiểm tra chữ ký số trong tệp PDF (người ký, thời gian, nguyên vẹn, tin cậy).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE.pdf", type=Path)
    parser.add_argument(
        "--trust-root",
        action="append",
        default=[],
        metavar="PEM",
        type=Path,
        help="chứng thư số gốc tin cậy (PEM/DER); có thể lặp lại",
    )
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    args = parser.parse_args(argv)

    roots: list[Path] = args.trust_root
    for root in roots:
        if not root.is_file():
            # A missing root would silently turn every signature untrusted; say why.
            print(f"tonghop: không đọc được chứng thư gốc {root}.", file=sys.stderr)
            return 2
    status = 0
    report: list[dict[str, object]] = []
    for path in args.files:
        problem = _unreadable(path)
        if problem:
            print(f"tonghop: {path}: {problem}", file=sys.stderr)
            report.append({"file": str(path), "error": problem, "signatures": []})
            status = 2
            continue
        try:
            results = read_signatures(path, roots)
        except UnreadablePdf:
            print(f"tonghop: {path}: {PROBLEM_NOT_PDF}", file=sys.stderr)
            report.append({"file": str(path), "error": PROBLEM_NOT_PDF, "signatures": []})
            status = 2
            continue
        ok = bool(results) and all(
            facts["intact"] and (facts["trusted"] or not roots) for facts in results
        )
        if not ok:
            status = max(status, 1)
        report.append({"file": str(path), "error": None, "signatures": results, "ok": ok})
        if not args.json:
            print(f"{path}:")
            for line in verification_lines(results):
                print(f"  {line}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return status


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be checked, in Vietnamese; None when it is a readable PDF.

    Said before verifying, so that a wrong path is not hidden behind "Không có chữ ký số";
    a file that passes here but still cannot be parsed is reported as ``PROBLEM_NOT_PDF``.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "không tìm thấy tệp."
    except IsADirectoryError:
        return "đây là thư mục, không phải tệp PDF."
    except OSError as error:
        return f"không đọc được tệp ({error.strerror or error})."
    if b"%PDF-" not in data[:1024]:
        return "không phải tệp PDF."
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        PdfFileReader(io.BytesIO(data), strict=False).root  # noqa: B018 (parses the trailer)
    except Exception:
        return "tệp PDF bị hỏng, không đọc được."
    return None


if __name__ == "__main__":
    sys.exit(main())
