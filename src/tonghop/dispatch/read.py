"""Read an incoming document (PDF, DOCX, DOC, TXT) into Unicode text.

The reader is chosen by the file's content (magic bytes), the name only breaking ties, since
offices rename files freely ("CV 12.pdf" that is a DOCX, scans saved as ".doc"). Each reader
follows one small protocol; ``read_bytes`` then applies the same clean-up to every format:
legacy font encodings converted, Unicode NFC, pages separated by "\\n\\f\\n".
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .crops import NumberVote
from .errors import DispatchError, UnreadableDocument, UnsupportedFormat
from .layout import Regions
from .legacy import decode_text_bytes, fix_legacy

MAX_BYTES = 50 * 1024 * 1024
PAGE_BREAK = "\n\f\n"

_LEGACY_NAMES = {
    "tcvn3": "TCVN3 (ABC, phông .VnTime)",
    "vni": "VNI (phông VNI-Times)",
    "cp1258": "Windows-1258",
}


@dataclass(frozen=True)
class ReadResult:
    text: str  # Unicode NFC, in reading order, pages separated by "\n\f\n"
    kind: str  # "txt" | "pdf" | "docx" | "doc"
    pages: int  # 1 for non-PDF
    ocr_pages: int  # how many pages were OCR'd
    warnings: tuple[str, ...]  # Vietnamese sentences for the clerk
    header_rereads: tuple[str, ...] = ()  # the first page's header OCR'd again (scans)
    regions: Regions | None = None  # a text PDF's header and foot regions (`layout.py`)
    number_vote: NumberVote | None = None  # a scan's number box read again (`crops.py`)


@dataclass
class Extracted:
    """What a reader hands back before the common clean-up."""

    pages: list[str]
    ocr_pages: int = 0
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # a legacy encoding already converted by the reader
    header_rereads: list[str] = field(default_factory=list)
    regions: Regions | None = None
    number_vote: NumberVote | None = None


class Reader(Protocol):
    kind: str

    def read(self, data: bytes, *, ocr: bool) -> Extracted: ...


class TextReader:
    kind = "txt"

    def read(self, data: bytes, *, ocr: bool) -> Extracted:
        if _looks_binary(data):
            raise UnsupportedFormat(
                "Tệp không phải văn bản thuần (TXT) hay định dạng được hỗ trợ: chỉ nhận PDF, "
                "DOCX, DOC hoặc TXT."
            )
        text, encoding = decode_text_bytes(data)
        legacy = encoding if encoding in _LEGACY_NAMES else None
        return Extracted([text], encoding=legacy)


class PdfReader:
    kind = "pdf"

    def read(self, data: bytes, *, ocr: bool) -> Extracted:
        from .pdf import read_pdf  # pypdfium2 is loaded only when a PDF comes in

        result = read_pdf(data, ocr=ocr)
        return Extracted(
            result.pages,
            result.ocr_pages,
            result.warnings,
            result.legacy,
            result.header_rereads,
            result.regions,
            result.number_vote,
        )


class DocxReader:
    kind = "docx"

    def read(self, data: bytes, *, ocr: bool) -> Extracted:
        from .word import read_docx

        return Extracted([read_docx(data)])


class DocReader:
    kind = "doc"

    def read(self, data: bytes, *, ocr: bool) -> Extracted:
        from .word import read_doc

        text, warnings = read_doc(data)
        return Extracted([text], warnings=warnings)


READERS: dict[str, Callable[[], Reader]] = {
    "txt": TextReader,
    "pdf": PdfReader,
    "docx": DocxReader,
    "doc": DocReader,
}
_EXTENSIONS = {".txt": "txt", ".text": "txt", ".pdf": "pdf", ".docx": "docx", ".doc": "doc"}


def sniff(data: bytes, filename: str) -> str:
    """The reader kind for ``data``: by magic bytes first, then by the file name."""
    ext = Path(filename).suffix.lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"  # the DOCX reader refuses a zip without word/document.xml
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    by_name = _EXTENSIONS.get(ext)
    if by_name in ("pdf", "docx", "doc"):
        names = {"pdf": "PDF", "docx": "DOCX", "doc": "Word 97-2003 (.doc)"}
        if data.lstrip()[:5].lower() == b"{\\rtf":
            raise UnsupportedFormat(
                "Tệp là định dạng RTF, chưa được hỗ trợ: đề nghị lưu lại thành DOCX hoặc PDF."
            )
        raise UnreadableDocument(
            f"Không đọc được tệp {names[by_name]}: tệp bị hỏng hoặc không phải {names[by_name]}."
        )
    return "txt"


def read_bytes(
    data: bytes, filename: str, *, ocr: bool = True, max_bytes: int = MAX_BYTES
) -> ReadResult:
    """Read an uploaded document; raise a ``DispatchError`` subclass when it cannot be read."""
    if len(data) > max_bytes:
        raise UnreadableDocument(_too_big(max_bytes))
    if not data.strip():
        raise UnreadableDocument("Tệp rỗng: không có nội dung để đọc.")
    kind = sniff(data, filename)
    reader = READERS[kind]()
    try:
        extracted = reader.read(data, ocr=ocr)
    except DispatchError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise UnreadableDocument("Không đọc được tệp: nội dung quá lớn hoặc quá phức tạp.") from exc
    except Exception as exc:  # never let a library's own exception reach the clerk
        raise UnreadableDocument(
            "Không đọc được tệp: tệp bị hỏng hoặc có cấu trúc không hợp lệ."
        ) from exc
    return _finish(kind, extracted)


def read_document(
    path: str | os.PathLike[str], *, ocr: bool = True, max_bytes: int = MAX_BYTES
) -> ReadResult:
    """Read a document from disk; see ``read_bytes``."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(_too_big(max_bytes))
        data = file.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"Không mở được tệp {file.name}.") from exc
    return read_bytes(data, file.name, ocr=ocr, max_bytes=max_bytes)


def _too_big(max_bytes: int) -> str:
    return (
        f"Tệp quá lớn: chỉ nhận tệp đến {max_bytes / (1024 * 1024):g} MB. "
        "Đề nghị nén hoặc tách tệp."
    )


def _finish(kind: str, extracted: Extracted) -> ReadResult:
    warnings = list(extracted.warnings)
    encoding = extracted.encoding
    pages: list[str] = []
    for page in extracted.pages:
        text = _tidy(page)
        if kind != "txt" or encoding is None:
            fixed = fix_legacy(text)
            if fixed.encoding:
                text, encoding = fixed.text, encoding or fixed.encoding
        pages.append(text)
    if encoding in _LEGACY_NAMES:
        warnings.append(
            f"Văn bản gõ bằng bảng mã cũ {_LEGACY_NAMES[encoding]} đã được chuyển sang Unicode; "
            "cần đối chiếu các chữ có dấu với bản gốc."
        )
    text = PAGE_BREAK.join(pages)
    if not text.strip() and not extracted.ocr_pages:
        warnings.append("Không tìm thấy chữ nào trong văn bản.")
    pages_count = len(extracted.pages) if kind == "pdf" else 1
    rereads = tuple(_tidy(t) for t in extracted.header_rereads)
    # Regions were cut from the glyphs as drawn: a legacy font's text no longer matches them.
    regions = extracted.regions if encoding is None else None
    return ReadResult(
        text,
        kind,
        pages_count,
        extracted.ocr_pages,
        tuple(warnings),
        rereads,
        regions,
        extracted.number_vote,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200b]")


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).replace("\u00a0", " ")
    lines = [part for line in text.split("\n") for part in _split_columns(line.rstrip())]
    # Collapse runs of blank lines that converters pad tables and headers with.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


# A column gap: a tab, or four spaces or more, inside a line (not its indentation).
_GAP = re.compile(r"(?<=\S)(?:[ \u00a0]*\t[ \t\u00a0]*|[ \u00a0]{4,})(?=\S)")
_LIST_MARK = re.compile(r"^(?:\d+[.)]|[a-zđ][.)]|[-+•*–]|[IVXL]+\.)$")


def _split_columns(line: str) -> list[str]:
    """Split a line laid out as columns with tabs or runs of spaces.

    Word drafts often set the ND 30 header and the signer block side by side with spaces
    ("ỦY BAN NHÂN DÂN        CỘNG HÒA XÃ HỘI..."): each column part becomes its own line,
    as table cells do. Blanks left for a handwritten number or day ("Số:      /UBND",
    "ngày      tháng 5") and list markers ("1.\tNội dung") are not column gaps.
    """
    if "\t" not in line and "    " not in line.strip():
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    parts = [indent]
    pieces = _GAP.split(line.strip())
    gaps = _GAP.findall(line.strip())
    parts[0] += pieces[0]
    for gap, piece in zip(gaps, pieces[1:], strict=True):
        before = parts[-1].strip()
        first = piece[:1]
        if (first.isupper() or first in '("“') and not _LIST_MARK.match(before):
            parts.append(piece)
        else:
            parts[-1] += gap + piece
    return parts


def _looks_binary(data: bytes) -> bool:
    """Binary junk rather than text: NUL bytes (outside UTF-16) or many control characters."""
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    zeros = sample.count(0)
    if zeros and not _utf16_like(sample):
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.05


def _utf16_like(sample: bytes) -> bool:
    half = len(sample) // 2
    return half > 0 and max(sample[0::2].count(0), sample[1::2].count(0)) > half * 0.3
