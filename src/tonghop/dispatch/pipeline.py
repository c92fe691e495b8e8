"""The one ingest pipeline: a file on disk → the fields of `tonghop.dispatch/1` and its text.

Every way a document comes in runs these same steps: `tonghop parse` (and so the corpus score),
the intake of the registers (in its child process), and the benchmark. As in paperless-ngx's
consumer, ingest is an ordered list of small steps over one job, each reading what the steps
before it left on the job:

1. the PDF's signatures start being checked beside the reading (OCR runs in tesseract and
   pdfium in C, so the Python work of the check mostly fits in their wait);
2. the file is read by its type into text, scans through OCR, and legacy font encodings
   (TCVN3, VNI) converted to Unicode (`read.py`);
3. the signature facts are collected;
4. the fields are parsed from the text, with tesseract's usual misreadings repaired in the
   values when the text came from OCR, a scan's number and date kept only where a second
   reading of its header does not contradict them, and checked (`parse.py`);
5. the reader's warnings (OCR used, legacy encoding converted…) become `info` findings, so the
   clerk sees how far the text can be trusted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .parse import parse_text
from .read import ReadResult


@dataclass
class Ingest:
    """One document going through the steps."""

    path: Path
    trust_roots: tuple[str | os.PathLike[str], ...] = ()
    ocr: bool = True  # False only when asked (`tonghop parse --no-ocr`)
    pool: ThreadPoolExecutor | None = None
    checking: Future[list[dict[str, object]]] | None = None
    read: ReadResult | None = None
    signatures: list[dict[str, object]] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.read.text if self.read is not None else ""

    @property
    def from_ocr(self) -> bool:
        """Some of the text was recognised from page images rather than read."""
        return self.read is not None and self.read.ocr_pages > 0


Step = Callable[[Ingest], None]


def start_signature_check(job: Ingest) -> None:
    if job.pool is not None and _is_pdf(job.path):
        from .signatures import pdf_signatures  # imported late: pulls in pyHanko

        job.checking = job.pool.submit(pdf_signatures, job.path, job.trust_roots)


def read_text(job: Ingest) -> None:
    from .read import read_document  # imported late: the readers pull in pypdfium2

    job.read = read_document(job.path, ocr=job.ocr)


def collect_signatures(job: Ingest) -> None:
    if job.read is None or job.read.kind != "pdf":
        return
    if job.checking is not None:
        job.signatures = job.checking.result()
    else:
        from .signatures import pdf_signatures

        job.signatures = pdf_signatures(job.path, job.trust_roots)


def parse_fields(job: Ingest) -> None:
    job.fields = parse_text(
        job.text,
        source=os.fspath(job.path),
        signatures=job.signatures,
        ocr=job.from_ocr,
        rereads=job.read.header_rereads if job.read is not None else (),
        regions=job.read.regions if job.read is not None else None,
        number_vote=job.read.number_vote if job.read is not None else None,
    )


def add_reader_warnings(job: Ingest) -> None:
    findings = job.fields["findings"]
    assert isinstance(findings, list)
    for warning in job.read.warnings if job.read is not None else ():
        findings.append(
            {"code": "reader-warning", "severity": "info", "message": warning, "text": None}
        )


STEPS: tuple[Step, ...] = (
    start_signature_check,
    read_text,
    collect_signatures,
    parse_fields,
    add_reader_warnings,
)


def ingest(
    path: str | os.PathLike[str],
    *,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
    ocr: bool = True,
) -> Ingest:
    """Run every step on `path`; raises `DispatchError` when the file cannot be read."""
    job = Ingest(Path(path), tuple(trust_roots), ocr)
    with ThreadPoolExecutor(max_workers=1) as pool:
        job.pool = pool
        try:
            for step in STEPS:
                step(job)
        finally:
            if job.checking is not None:
                job.checking.cancel()
            job.pool = None
    return job


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(1024).lstrip().startswith(b"%PDF")
    except OSError:
        return False
