"""Reading documents: every format, OCR of scans, and hostile input."""

from __future__ import annotations

import io
import os
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from docx import Document

from tonghop.dispatch.errors import (
    DispatchError,
    OcrUnavailable,
    UnreadableDocument,
    UnsupportedFormat,
)
from tonghop.dispatch.read import PAGE_BREAK, read_bytes, read_document

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is not beside the clone"
)
needs_antiword = pytest.mark.skipif(
    shutil.which("antiword") is None, reason="antiword (Debian package antiword) is missing"
)
needs_ocr = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr and tesseract-ocr-vie are missing"
)

BODY = "Đề nghị các đơn vị gửi báo cáo kết quả trước ngày 06/5/2025."


# --- plain text -----------------------------------------------------------------------------


def test_it_reads_utf8_with_and_without_bom() -> None:
    for data in (BODY.encode(), b"\xef\xbb\xbf" + BODY.encode()):
        result = read_bytes(data, "cv.txt")
        assert (result.text, result.kind, result.pages, result.ocr_pages) == (BODY, "txt", 1, 0)
        assert result.warnings == ()


def test_it_reads_utf16_with_a_bom() -> None:
    assert read_bytes(BODY.encode("utf-16"), "cv.txt").text == BODY
    assert read_bytes(b"\xfe\xff" + BODY.encode("utf-16-be"), "cv.txt").text == BODY


def test_it_composes_decomposed_unicode() -> None:
    nfd = unicodedata.normalize("NFD", BODY)
    assert nfd != BODY
    assert read_bytes(nfd.encode(), "cv.txt").text == BODY


def test_it_reads_a_file_named_without_extension_by_content() -> None:
    assert read_bytes(BODY.encode(), "upload").kind == "txt"


@needs_corpus
def test_it_reads_the_corpus_text_files() -> None:
    result = read_document(CORPUS / "005.txt")
    assert result.kind == "txt"
    assert "Bộ Nội vụ".upper() in result.text.upper()
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.warnings == ()  # real Unicode is not mistaken for a legacy encoding


# --- DOCX -----------------------------------------------------------------------------------


def _make_docx() -> bytes:
    document = Document()
    document.sections[0].header.paragraphs[0].text = "DỰ THẢO"
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nHUYỆN AN PHÚ"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    table.cell(1, 0).text = "Số: 12/UBND-VP"
    table.cell(1, 1).text = "An Phú, ngày 05 tháng 5 năm 2025"
    document.add_paragraph("V/v tổ chức Ngày Sáng tạo")
    document.add_paragraph(BODY)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_it_reads_docx_in_body_order_one_cell_per_line() -> None:
    result = read_bytes(_make_docx(), "cv.docx")
    assert result.kind == "docx"
    lines = result.text.split("\n")
    assert lines[0] == "DỰ THẢO"
    assert "Số: 12/UBND-VP" in lines
    assert "An Phú, ngày 05 tháng 5 năm 2025" in lines
    assert lines.index("ỦY BAN NHÂN DÂN") < lines.index("Số: 12/UBND-VP")
    assert lines.index("Số: 12/UBND-VP") < lines.index("V/v tổ chức Ngày Sáng tạo")
    assert lines[-1] == BODY


def test_it_sniffs_a_docx_renamed_to_pdf() -> None:
    assert read_bytes(_make_docx(), "cv.pdf").kind == "docx"


@needs_corpus
def test_it_reads_the_corpus_docx() -> None:
    result = read_document(CORPUS / "037.docx")
    assert result.kind == "docx"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in result.text
    assert any(line.startswith("Số:") for line in result.text.split("\n"))


# --- DOC ------------------------------------------------------------------------------------


@needs_corpus
@needs_antiword
def test_it_reads_word_97_files_with_header_cells_on_their_own_lines() -> None:
    result = read_document(CORPUS / "031.doc")
    assert result.kind == "doc"
    lines = [line.strip() for line in result.text.split("\n")]
    assert "THÔNG BÁO" in lines
    assert any(line.startswith("Số:") and "/TB-UBND" in line for line in lines)
    assert any(line.startswith("Bình Thuận, ngày") for line in lines)
    assert "|" not in result.text.split("THÔNG BÁO")[0]


@needs_antiword
def test_it_refuses_a_broken_word_97_file() -> None:
    junk = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00junk" * 200
    with pytest.raises(UnreadableDocument, match="Word 97"):
        read_bytes(junk, "cv.doc")


def test_it_says_which_tool_is_missing_for_doc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(UnreadableDocument, match="antiword"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "cv.doc")


# --- PDF ------------------------------------------------------------------------------------


@needs_corpus
def test_it_reads_a_born_digital_pdf_with_its_signature_stamps() -> None:
    result = read_document(CORPUS / "002.pdf")
    assert (result.kind, result.pages, result.ocr_pages) == ("pdf", 2, 0)
    first, second = result.text.split(PAGE_BREAK)
    assert "THÔNG BÁO" in first
    assert "06.11.2024 09:27:05" in first  # the publisher's stamp, an annotation
    assert "Nơi nhận" in second
    assert result.warnings == ()


@needs_corpus
@needs_ocr
def test_it_ocrs_a_scan_and_keeps_the_stamp_text() -> None:
    result = read_document(CORPUS / "007.pdf")
    assert (result.pages, result.ocr_pages) == (1, 1)
    assert "TỜ TRÌNH" in result.text
    assert "Hội đồng nhân dân tỉnh" in result.text
    # The stamp comes after the OCR text, from the text layer, digits intact.
    assert result.text.index("Thời gian ký: 07/01/2025 10:09:57") > result.text.index("TỜ TRÌNH")
    assert any("OCR" in w for w in result.warnings)


@needs_corpus
@needs_ocr
def test_it_ocrs_a_page_whose_text_layer_is_mojibake() -> None:
    # 029.pdf: a phone scan whose own OCR layer reads "CØNG HOÀXÃ HØI".
    result = read_document(CORPUS / "029.pdf")
    assert result.ocr_pages == 1
    assert "XÃ HỘI CHỦ NGHĨA VIỆT NAM" in result.text
    assert "CØNG" not in result.text
    assert any("lỗi mã" in w for w in result.warnings)


@needs_corpus
def test_it_does_not_ocr_when_asked_not_to() -> None:
    result = read_document(CORPUS / "007.pdf", ocr=False)
    assert result.ocr_pages == 0
    assert "Thời gian ký: 07/01/2025 10:09:57" in result.text
    assert any("OCR" in w for w in result.warnings)


@needs_corpus
def test_it_says_ocr_is_unavailable_for_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGHOP_TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable, match="tesseract"):
        read_document(CORPUS / "050.pdf")


@needs_corpus
def test_it_keeps_the_text_pages_when_ocr_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(str(CORPUS / "004.pdf")), [0])
    merged.import_pages(pdfium.PdfDocument(str(CORPUS / "050.pdf")), [0])
    buffer = io.BytesIO()
    merged.save(buffer)
    monkeypatch.setenv("TONGHOP_TESSERACT", "/nonexistent/tesseract")
    result = read_bytes(buffer.getvalue(), "mixed.pdf")
    assert (result.pages, result.ocr_pages) == (2, 0)
    assert "Quảng Ngãi" in result.text.split(PAGE_BREAK)[0]
    assert any("tesseract" in w for w in result.warnings)


# --- hostile input --------------------------------------------------------------------------


def test_it_refuses_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableDocument, match="rỗng"):
        read_document(empty)
    with pytest.raises(UnreadableDocument):
        read_bytes(b"  \n ", "cv.txt")


@needs_corpus
def test_it_refuses_a_truncated_pdf() -> None:
    data = (CORPUS / "002.pdf").read_bytes()[:3000]
    with pytest.raises(UnreadableDocument, match="PDF"):
        read_bytes(data, "cv.pdf")


def test_it_refuses_junk_that_claims_to_be_pdf() -> None:
    with pytest.raises(UnreadableDocument, match="PDF"):
        read_bytes(b"%PDF-1.7\n" + os.urandom(2000), "cv.pdf")
    with pytest.raises(UnreadableDocument, match="không phải PDF"):
        read_bytes(b"just text", "cv.pdf")


def test_it_refuses_a_password_protected_pdf() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mật-khẩu", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument, match="mật khẩu"):
        read_bytes(buffer.getvalue(), "cv.pdf")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_it_refuses_a_zip_that_is_not_a_docx() -> None:
    with pytest.raises(UnsupportedFormat, match="DOCX"):
        read_bytes(_zip({"photo.jpg": b"\xff\xd8" * 100}), "cv.docx")


def test_it_refuses_a_docx_with_broken_xml() -> None:
    data = _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"})
    with pytest.raises(UnreadableDocument, match="DOCX"):
        read_bytes(data, "cv.docx")


def test_it_refuses_a_zip_bomb_before_inflating_it() -> None:
    data = _zip({"word/document.xml": b"\0" * (30 * 1024 * 1024)})
    assert len(data) < 100_000
    with pytest.raises(UnreadableDocument, match="giải nén"):
        read_bytes(data, "cv.docx")


def test_it_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="quá lớn"):
        read_bytes(b"a" * 2000, "cv.txt", max_bytes=1000)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as file:
        file.truncate(51 * 1024 * 1024)  # sparse: the size check must come before reading
    with pytest.raises(UnreadableDocument, match="50 MB"):
        read_document(huge)


def test_it_refuses_binary_junk_named_txt() -> None:
    junk = bytes(range(256)) * 40
    with pytest.raises(UnsupportedFormat):
        read_bytes(junk, "cv.txt")


def test_it_names_rtf_saved_as_doc() -> None:
    with pytest.raises(UnsupportedFormat, match="RTF"):
        read_bytes(b"{\\rtf1\\ansi Kinh gui}", "cv.doc")


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument):
        read_document(tmp_path / "absent.pdf")


def test_it_speaks_vietnamese_in_every_error() -> None:
    cases = [
        (b"", "a.txt"),
        (b"%PDF-1.4 broken", "a.pdf"),
        (_zip({"a.txt": b"x"}), "a.zip"),
        (bytes(range(256)), "a.txt"),
    ]
    for data, name in cases:
        with pytest.raises(DispatchError) as info:
            read_bytes(data, name)
        message = str(info.value)
        assert message.endswith(".") and any(ch in message for ch in "ệảợđ"), message


def test_it_splits_ocr_lines_at_column_gaps_but_not_at_blanks() -> None:
    from tonghop.dispatch.ocr import tsv_to_text

    columns = "level page_num block_num par_num line_num word_num left top width height conf text"
    header = columns.replace(" ", "\t")

    def word(line: int, left: int, text: str) -> str:
        return f"5\t1\t1\t1\t{line}\t1\t{left}\t{line * 60}\t{20 * len(text)}\t50\t95\t{text}"

    tsv = "\n".join(
        [
            header,
            word(1, 400, "UBND"),
            word(1, 1100, "CỘNG"),  # a column gap before an upper-case word: split
            word(2, 400, "Số:"),
            word(2, 700, "/UBND-VP"),  # the blank for a handwritten number: keep
            word(2, 1100, "An"),
            word(2, 1160, "Phú,"),
            word(2, 1260, "ngày"),
            word(2, 1600, "tháng"),  # the blank for a handwritten day: keep
        ]
    )
    assert tsv_to_text(tsv, 2480).split("\n") == [
        "UBND",
        "CỘNG",
        "Số: /UBND-VP",
        "An Phú, ngày tháng",
        "",
    ]
