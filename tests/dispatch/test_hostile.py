"""Hostile and arbitrary input: the parser never raises, the readers answer within bounds."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonghop.dispatch import SCHEMA, parse_text
from tonghop.dispatch.errors import DispatchError
from tonghop.dispatch.read import read_bytes
from tonghop.documents.intake import Analysis, IntakeError, analyse_in_child

LISTS = (
    "addressees",
    "references",
    "deadlines",
    "periods",
    "recipients",
    "signature_times",
    "signatures",
    "findings",
)

# Words and marks of real documents, so that generated text reaches the parser's rules and not
# only its first "nothing here" exit.
VOCABULARY = st.sampled_from(
    [
        "Số:",
        "/",
        "UBND",
        "-VP",
        "ngày",
        "tháng",
        "năm",
        "2025",
        "05",
        "trước ngày",
        "06/5/2025",
        "chậm nhất",
        "đến hết ngày",
        "từ ngày",
        "15/4",
        "Kính gửi:",
        "Nơi nhận:",
        "- Như trên;",
        "Lưu: VT",
        "KT.",
        "TM.",
        "CHỦ TỊCH",
        "PHÓ TRƯỞNG PHÒNG",
        "V/v",
        "BÁO CÁO",
        "Việt Năm",
        "\n",
        " ",
        "\f",
        "Thời gian ký:",
        "2025-04-25T08:35:57+0700",
        "Hà Nội,",
        "542/SKHCN",
        "Nghị quyết",
        "57-NQ/TW",
        "tháng 5/2026",
        "(b/c)",
        "./.",
        "…",
        "\u0301",
        "\x00",
    ]
)


def _check_schema(fields: dict[str, object]) -> None:
    assert fields["schema"] == SCHEMA
    for key in LISTS:
        assert isinstance(fields[key], list), key
    for key in ("doc_type", "number", "symbol", "issuer", "subject", "issued_on", "place"):
        assert fields[key] is None or isinstance(fields[key], str), key


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_the_parser_never_raises_on_arbitrary_text(text: str) -> None:
    _check_schema(parse_text(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VOCABULARY, max_size=200).map("".join))
def test_the_parser_never_raises_on_document_like_text(text: str) -> None:
    _check_schema(parse_text(text))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from(["a.txt", "a.pdf", "a.docx", "a.doc", "a"]))
def test_the_readers_raise_only_their_own_errors(data: bytes, name: str) -> None:
    try:
        result = read_bytes(data, name, ocr=False)
    except DispatchError as exc:
        assert str(exc)
    else:
        assert isinstance(result.text, str)


def test_text_in_an_unknown_encoding_gets_a_clear_answer() -> None:
    data = "日本語の文書です。報告書を提出してください。".encode("shift_jis") * 20
    try:
        result = read_bytes(data, "van-ban.txt", ocr=False)
    except DispatchError as exc:
        assert "không" in str(exc).lower() or "tệp" in str(exc).lower()
    else:
        # Read as something: the clerk is told the text is not Vietnamese-looking.
        assert result.warnings or not result.text.strip()


def _pdf_bomb() -> bytes:
    """A one-page PDF whose content stream inflates from a few hundred kB to 300 MB."""
    payload = zlib.compress(b"0 0 m\n" * (50 * 1024 * 1024), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length "
        + str(len(payload)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + payload
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_a_pdf_bomb_is_answered_within_bounded_time_and_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bom.pdf"
    bomb.write_bytes(_pdf_bomb())
    assert bomb.stat().st_size < 2 * 1024 * 1024
    try:
        outcome = analyse_in_child(bomb, timeout=60, memory_mb=768)
    except IntakeError as exc:
        assert str(exc)
    else:
        assert isinstance(outcome, Analysis)


def test_a_long_scan_is_stopped_at_the_time_limit_with_a_message(tmp_path: Path) -> None:
    pdf = pdfium.PdfDocument.new()
    for _ in range(200):
        page = pdf.new_page(595, 842)
        page.close()
    scan = tmp_path / "scan-200.pdf"
    pdf.save(str(scan))
    with pytest.raises(IntakeError, match="giây"):
        analyse_in_child(scan, timeout=3, memory_mb=1024)
