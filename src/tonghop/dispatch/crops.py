"""The number of a scan read once more, cut to its box, before it is believed.

Numbers beside "Số:" are often handwritten or stamped after printing, and tesseract reads
handwriting badly: the two readings of the header (`pdf.py`) agreed on "899" for a written
"299" and on "409" for "4409". Here the number's box, found from the words tesseract placed
around it ("Số:" on its left, the symbol's "/" on its right), is rendered again at several
resolutions from the PDF itself, each rendering binarised at several thresholds, and read
with a digits-only whitelist. A number is kept only when three in four of these readings give
exactly the same digits as the header's reading; anything else is "not legible", since a wrong
number is worse than none.

The votes are a check, never a source: on the corpus's scans a digits-only reading of a
handwritten "01" gives "04" nine times out of nine, so a vote alone would add wrong numbers.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import ocr as ocr_mod
from .ocr import Word

# Readings of the box: rendered at these resolutions, as its red channel (a red seal drops
# out) and as grey (ink of every colour), each binarised at these grey levels. The channels
# disagree on handwriting more than the resolutions do, which is what unmasks a misreading.
CROP_DPIS = (300, 400, 500)
THRESHOLDS = (110, 150, 190)
# The share of the readings that must give the same digits for the number to be believed:
# three in four. On the corpus's scans the right numbers were read alike by 14 and 18 of the 18
# readings; a handwritten "299" read "899" by 12 of them (two thirds), and by the header too.
VOTE_SHARE = 0.75
DIGITS_TIMEOUT_S = 30

NUMBER_ANCHOR_RE = re.compile(r"^S[ốôoóồ][:;.]?$", re.IGNORECASE)
_SYMBOL_START_RE = re.compile(r"[A-ZĐ]{2}")


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the rendering the words came from."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class NumberVote:
    """What the readings of the number's box gave: the digits most of them agree on, or
    None when they do not agree; and how many readings there were."""

    value: str | None
    readings: int
    counts: tuple[tuple[str, int], ...]


def number_box(words: Sequence[Word]) -> Box | None:
    """The box between "Số:" and the symbol on its line (ND 30 Phụ lục I, ô 3), or None when
    the line is not found as such."""
    anchor = next((w for w in words if NUMBER_ANCHOR_RE.match(w.text)), None)
    if anchor is None:
        return None
    line = [w for w in words if w.line == anchor.line]
    start = anchor.left + anchor.width
    end: int | None = None
    for word in sorted(line, key=lambda w: w.left):
        if word.left < start - 2:
            continue
        if "/" in word.text:
            # The number may be glued to the symbol ("3367/TTr-SNV"): cut at the slash.
            end = word.left + word.width * word.text.index("/") // len(word.text)
            break
        if _SYMBOL_START_RE.match(word.text):
            end = word.left  # the slash lost: the symbol starts the next word
            break
    if end is None or end - start < anchor.height:
        return None
    top = min(w.top for w in line)
    bottom = max(w.top + w.height for w in line)
    height = bottom - top
    # A little above the line (a handwritten number rises above the print), barely below it
    # (the subject's first line follows closely).
    return Box(start, max(0, top - height * 35 // 100), end, bottom + height * 12 // 100)


def vote(readings: Sequence[str]) -> NumberVote:
    counts = Counter(readings)
    ranked = tuple(counts.most_common())
    if not ranked:
        return NumberVote(None, 0, ())
    best, times = ranked[0]
    value = best if best and times >= VOTE_SHARE * len(readings) else None
    return NumberVote(value, len(readings), ranked)


def threshold(image: ocr_mod.PageImage, level: int) -> ocr_mod.PageImage:
    table = bytes(255 if grey > level else 0 for grey in range(256))
    return ocr_mod.PageImage(image.width, image.height, image.stride, image.pixels.translate(table))


def read_digits(command: str, image: ocr_mod.PageImage) -> str:
    """One line of digits, as tesseract reads it with a digits-only whitelist."""
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [command, "stdin", "stdout", "--psm", "7", "-c", "tessedit_char_whitelist=0123456789"],
        input=image.to_pgm(),
        capture_output=True,
        timeout=DIGITS_TIMEOUT_S,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip()[:300])
    return re.sub(r"\D", "", done.stdout.decode("ascii", "replace"))


def vote_number(
    command: str,
    render: Callable[[int], Sequence[ocr_mod.PageImage]],
    dpis: Sequence[int] = CROP_DPIS,
) -> NumberVote:
    """Read the box rendered by `render(dpi)` (one image per colour channel) at each
    resolution and threshold, in parallel."""
    images = [
        threshold(image, level) for dpi in dpis for image in render(dpi) for level in THRESHOLDS
    ]
    workers = max(1, min(len(images), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        readings = list(pool.map(lambda image: read_digits(command, image), images))
    return vote(readings)
