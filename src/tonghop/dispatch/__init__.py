"""Incoming administrative documents: read a file, parse its fields, check them.

Pure Python, no Django: ``parse_file(path)`` gives the fields of `tonghop.dispatch/1`
(corpus/SCHEMA.md) for a PDF, DOCX, DOC or text file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .errors import DispatchError
from .parse import SCHEMA, parse_text

__all__ = ["SCHEMA", "DispatchError", "parse_file", "parse_text"]


def parse_file(
    path: str | os.PathLike[str],
    *,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
    ocr: bool = True,
) -> dict[str, object]:
    """Read `path` and return its fields; raises `DispatchError` when it cannot be read.

    The reader's warnings (OCR used, legacy encoding converted…) become `info` findings, so the
    clerk sees how far the text can be trusted.
    """
    from .read import read_document  # imported late: the readers pull in pypdfium2
    from .signatures import pdf_signatures

    # A PDF's signatures are checked while its text is read: OCR runs in tesseract and pdfium
    # in C, so the Python work of the signature check mostly fits in their wait.
    with ThreadPoolExecutor(max_workers=1) as pool:
        checking = pool.submit(pdf_signatures, path, trust_roots) if _is_pdf(path) else None
        try:
            result = read_document(path, ocr=ocr)
        except BaseException:
            if checking is not None:
                checking.cancel()
            raise
        signatures: list[dict[str, object]] = []
        if result.kind == "pdf":
            signatures = checking.result() if checking else pdf_signatures(path, trust_roots)
    fields = parse_text(
        result.text, source=os.fspath(path), signatures=signatures, ocr=result.ocr_pages > 0
    )
    findings = fields["findings"]
    assert isinstance(findings, list)
    for warning in result.warnings:
        findings.append(
            {"code": "reader-warning", "severity": "info", "message": warning, "text": None}
        )
    return fields


def _is_pdf(path: str | os.PathLike[str]) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(1024).lstrip().startswith(b"%PDF")
    except OSError:
        return False
