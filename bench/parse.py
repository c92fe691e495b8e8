"""Benchmark of the dispatch parser.

    python bench/parse.py [--quick] [--corpus DIR]

1. Text documents parsed per second on one core: `parse_text` on the corpus text documents
   (`*.txt`), repeated (goal ≥ 200).
2. For the corpus PDFs, the time of a full `parse_file` (read, parse, signatures) over the time
   of the plain text extraction `read_document` of the same files, both as a clerk runs them
   (OCR of scanned pages on) (goal ≤ 1.25). `--quick` takes every eighth PDF, once.
3. OCR time per scanned page (goal ≤ 4 s): the wall time of reading the corpus scans over the
   pages OCR'd, and the processor time tesseract spent on them (the first page's header read
   a second time included). On a shared machine the wall time grows with the load; the
   processor time is what a page costs.

Medians of several runs. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tonghop.dispatch import parse_file, parse_text
from tonghop.dispatch.read import read_document

# The corpus lies beside the checkout (../shared/corpus), as in CI and on developers' machines.
DEFAULT_CORPUS = Path(
    os.environ.get("TONGHOP_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)


def _pin(cpus: set[int] | None) -> set[int] | None:
    """Pin to `cpus` (one core when None) where the OS allows it; returns the previous set."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, cpus or {min(before)})
    except OSError:
        return None
    return before


def text_rate(texts: list[str], runs: int, seconds: float) -> float:
    rates: list[float] = []
    for _ in range(runs):
        done = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            for text in texts:
                parse_text(text)
            done += len(texts)
        rates.append(done / (time.perf_counter() - started))
    return statistics.median(rates)


def pdf_ratio(pdfs: list[Path], runs: int) -> tuple[float, float, float]:
    reads: list[float] = []
    fulls: list[float] = []
    read_document(pdfs[0])  # warm up: pdfium, tesseract's model in the page cache
    for run in range(runs):
        # Each file is read and parsed back to back, in alternating order, so that the load of
        # a shared machine falls on both measures alike.
        read_total = full_total = 0.0
        for index, pdf in enumerate(pdfs):
            for which in (0, 1) if (run + index) % 2 == 0 else (1, 0):
                started = time.perf_counter()
                if which == 0:
                    read_document(pdf)
                    read_total += time.perf_counter() - started
                else:
                    parse_file(pdf)
                    full_total += time.perf_counter() - started
        reads.append(read_total)
        fulls.append(full_total)
    read, full = statistics.median(reads), statistics.median(fulls)
    return read, full, full / read if read else float("inf")


def ocr_per_page(pdfs: list[Path]) -> tuple[int, float, float]:
    """(pages OCR'd, wall seconds a page, tesseract processor seconds a page) over `pdfs`."""
    pages = 0
    wall = cpu = 0.0
    for pdf in pdfs:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = read_document(pdf)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.ocr_pages:
            pages += result.ocr_pages
            wall += elapsed
            cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not pages:
        return 0, 0.0, 0.0
    return pages, wall / pages, cpu / pages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="fewer, shorter runs (under a minute)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # pyHanko logs every odd signature it validates

    texts = [p.read_text("utf-8") for p in sorted(args.corpus.glob("*.txt"))]
    pdfs = sorted(args.corpus.glob("*.pdf"))
    if args.quick:
        pdfs = pdfs[::8]
    runs, seconds = (3, 1.0) if args.quick else (5, 5.0)
    pdf_runs = 1 if args.quick else 3

    result: dict[str, object] = {"text_documents": len(texts), "pdfs": len(pdfs)}
    if texts:
        parse_text(texts[0])  # warm the regex cache
        before = _pin(None)  # the text figure is per core
        rate = text_rate(texts, runs, seconds)
        if before:
            _pin(before)  # tesseract may use every core, as it does for a clerk
        result["text_docs_per_second"] = round(rate, 1)
        print(f"parse_text: {rate:.1f} văn bản/giây trên một lõi (mục tiêu ≥ 200)")
    if pdfs:
        read, full, ratio = pdf_ratio(pdfs, pdf_runs)
        result.update(
            pdf_read_seconds=round(read, 3),
            pdf_parse_file_seconds=round(full, 3),
            pdf_parse_to_read_ratio=round(ratio, 3),
        )
        print(
            f"PDF: đọc {read:.2f} s, parse_file {full:.2f} s cho {len(pdfs)} tệp; "
            f"tỉ lệ {ratio:.3f} (mục tiêu ≤ 1.25)"
        )
    if pdfs:
        pages, wall, cpu = ocr_per_page(pdfs)
        if pages:
            result.update(
                ocr_pages=pages,
                ocr_wall_seconds_per_page=round(wall, 2),
                ocr_cpu_seconds_per_page=round(cpu, 2),
            )
            print(
                f"OCR: {pages} trang bản quét, {wall:.2f} s/trang (thời gian thực), "
                f"{cpu:.2f} s CPU/trang (mục tiêu ≤ 4 s)"
            )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
