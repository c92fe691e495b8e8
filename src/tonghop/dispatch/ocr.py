"""OCR of scanned pages with the ``tesseract`` command and its Vietnamese model.

We call the command rather than a binding: it is one Debian package (tesseract-ocr,
tesseract-ocr-vie), its failures stay in a child process, and pages run in parallel without
the GIL. Pages are handed over as grayscale PGM files so we need no imaging library.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import OcrUnavailable

LANGUAGE = "vie"
# A full page of an administrative document: automatic layout analysis without orientation
# detection (psm 3), which needs no extra "osd" model.
PAGE_SEGMENTATION = "3"
PAGE_TIMEOUT_S = 180


@dataclass(frozen=True)
class PageImage:
    """An 8-bit grayscale raster: ``stride`` bytes a row, ``height`` rows."""

    width: int
    height: int
    stride: int
    pixels: bytes

    def to_pgm(self) -> bytes:
        header = f"P5\n{self.width} {self.height}\n255\n".encode("ascii")
        if self.stride == self.width:
            return header + self.pixels
        rows = (
            self.pixels[y * self.stride : y * self.stride + self.width] for y in range(self.height)
        )
        return header + b"".join(rows)


def tesseract_command() -> str | None:
    """Path of tesseract (``TONGHOP_TESSERACT`` overrides the lookup), or None."""
    return shutil.which(os.environ.get("TONGHOP_TESSERACT") or "tesseract")


@functools.cache
def _languages(command: str) -> frozenset[str]:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def require_ocr() -> str:
    """The tesseract command, or OcrUnavailable saying what is missing."""
    command = tesseract_command()
    if command is None:
        raise OcrUnavailable(
            "Văn bản là bản quét cần nhận dạng chữ (OCR) nhưng máy chủ chưa cài chương trình "
            "tesseract (gói tesseract-ocr)."
        )
    if LANGUAGE not in _languages(command):
        raise OcrUnavailable(
            "Văn bản là bản quét cần nhận dạng chữ (OCR) nhưng tesseract chưa có dữ liệu "
            "tiếng Việt (gói tesseract-ocr-vie)."
        )
    return command


def ocr_image(command: str, image: PageImage) -> str:
    """OCR one page image; raise RuntimeError with tesseract's complaint on failure."""
    return tsv_to_text(ocr_tsv(command, image), image.width)


@dataclass(frozen=True)
class Recognised:
    """A page as tesseract read it: its text, and its words with their boxes in pixels of an
    image of `width` × `height` (for the page's regions, `scanlayout.py`)."""

    text: str
    words: list[Word]
    width: int
    height: int


def recognise(command: str, image: PageImage) -> Recognised:
    """OCR one page image into text and placed words; RuntimeError on failure."""
    tsv = ocr_tsv(command, image)
    return Recognised(tsv_to_text(tsv, image.width), words_of(tsv), image.width, image.height)


def ocr_tsv(command: str, image: PageImage, *, segmentation: str = PAGE_SEGMENTATION) -> str:
    """Tesseract's TSV (each word with its box) for one page image; RuntimeError on failure.
    `segmentation`: tesseract's page segmentation mode (`--psm`), automatic by default."""
    with tempfile.TemporaryDirectory(prefix="tonghop-ocr-") as tmp:
        src = Path(tmp) / "page.pgm"
        src.write_bytes(image.to_pgm())
        env = dict(os.environ)
        # One thread per tesseract: we already run one process per core.
        env["OMP_THREAD_LIMIT"] = "1"
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [command, str(src), "stdout", "-l", LANGUAGE, "--psm", segmentation, "tsv"],
            capture_output=True,
            timeout=PAGE_TIMEOUT_S,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip()[:300])
    return done.stdout.decode("utf-8", "replace")


@dataclass(frozen=True)
class Word:
    """A word of tesseract's TSV output: its line (block, paragraph, line) and its box, in
    pixels of the image read."""

    line: tuple[int, int, int]
    left: int
    top: int
    width: int
    height: int
    text: str

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def words_of(tsv: str) -> list[Word]:
    """The words of tesseract's TSV output, with their line and box."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            line = (int(cells[2]), int(cells[3]), int(cells[4]))
            left, top, width, height = (int(cells[i]) for i in (6, 7, 8, 9))
        except ValueError:
            continue
        words.append(Word(line, left, top, width, height, cells[11].strip()))
    return words


@dataclass(frozen=True)
class _Word:
    left: int
    right: int
    height: int
    text: str


def tsv_to_text(tsv: str, page_width: int) -> str:
    """Plain text from tesseract's word boxes, splitting lines at wide column gaps.

    Tesseract reads the ND 30 header and signer block (two columns side by side) as single
    lines: "ỦY BAN NHÂN DÂN  CỘNG HÒA XÃ HỘI...". We cut a line where the gap between two
    words is far wider than a word space, so each column part gets its own line, left first,
    as the DOCX reader gives table cells. Blanks left for a handwritten number or day
    ("Số:      /UBND", "ngày      tháng 5") are not column gaps: the part after them starts
    with "/", a digit or a lower-case word.
    """
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            block, par, line = int(cells[2]), int(cells[3]), int(cells[4])
            left, width, height = int(cells[6]), int(cells[8]), int(cells[9])
        except ValueError:
            continue
        lines.setdefault((block, par, line), []).append(
            _Word(left, left + width, height, cells[11].strip())
        )
    heights = sorted(w.height for words in lines.values() for w in words)
    if not heights:
        return ""
    min_gap = max(2.5 * heights[len(heights) // 2], 0.04 * page_width)
    out: list[str] = []
    previous_block: int | None = None
    for (block, _par, _line), words in lines.items():
        if previous_block is not None and block != previous_block:
            out.append("")
        previous_block = block
        words.sort(key=lambda w: w.left)
        parts: list[list[_Word]] = [[words[0]]]
        for word in words[1:]:
            if word.left - parts[-1][-1].right > min_gap and _starts_column(word):
                parts.append([word])
            else:
                parts[-1].append(word)
        out.extend(" ".join(w.text for w in part) for part in parts)
    return "\n".join(out) + "\n"


def _starts_column(word: _Word) -> bool:
    first = word.text[:1]
    return first.isupper() or first in '("“'


def ocr_pages(
    command: str, images: Iterable[tuple[int, PageImage]]
) -> Iterator[tuple[int, Recognised | None]]:
    """OCR (page index, image) pairs in parallel; yield (index, the page read, or None on
    failure).

    ``images`` may be a generator rendering pages lazily: rendering the next page overlaps
    with OCR of the previous ones.
    """
    workers = max(1, os.cpu_count() or 1)
    # A rendered page is ~9 MB: keep only a few ahead of the OCR processes.
    ahead = 2 * workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[int, Future[Recognised]]] = deque()
        for index, image in images:
            if len(pending) >= ahead:
                yield _result(*pending.popleft())
            pending.append((index, pool.submit(recognise, command, image)))
        while pending:
            yield _result(*pending.popleft())


def _result(index: int, future: Future[Recognised]) -> tuple[int, Recognised | None]:
    try:
        return index, future.result()
    except (RuntimeError, OSError, subprocess.SubprocessError):
        return index, None
