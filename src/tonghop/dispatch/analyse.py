"""Read a file and parse it in one step, keeping the text the fields were read from."""

from __future__ import annotations

import os
from collections.abc import Sequence

from .parse import parse_text


def analyse_file(
    path: str | os.PathLike[str],
    *,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
    ocr: bool = True,
) -> tuple[dict[str, object], str]:
    """The fields of `tonghop.dispatch/1` and the extracted text; raises `DispatchError`.

    The reader's warnings (OCR used, legacy encoding converted…) become `info` findings, so the
    clerk sees how far the text can be trusted.
    """
    from .read import read_document  # imported late: the readers pull in pypdfium2

    result = read_document(path, ocr=ocr)
    signatures: list[dict[str, object]] = []
    if result.kind == "pdf":
        from .signatures import pdf_signatures

        signatures = pdf_signatures(path, trust_roots=trust_roots)
    fields = parse_text(result.text, source=os.fspath(path), signatures=signatures)
    findings = fields["findings"]
    assert isinstance(findings, list)
    for warning in result.warnings:
        findings.append(
            {"code": "reader-warning", "severity": "info", "message": warning, "text": None}
        )
    return fields, result.text
