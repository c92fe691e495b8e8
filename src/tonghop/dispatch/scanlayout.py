"""The regions of a scanned page (ND 30 Phụ lục I), from tesseract's word boxes.

`pdf.py` cuts a text PDF's header and foot by where its glyphs are drawn; a scan has no glyphs,
but tesseract's TSV places each word it reads in a box. The same regions are cut from those
boxes, so that a scan's date is taken from the place-and-date line of the header's right
column and never from the body, and its signer from the signing block, never from the
`Nơi nhận` list (`layout.py` applies them). The anchors are the motto (ô 1), "Số:" (ô 3),
"…, ngày" (ô 4) and "Nơi nhận:" (ô 9); the column split is the widest vertical gap between
words that no word crosses. A page where an anchor or the gap is missing gets no region, and
the page is read as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

from .crops import NUMBER_ANCHOR_RE, Box
from .ocr import Word
from .textutil import fold

# The header is read in its first lines: the motto, the number and the date lie within the
# top of the page (a share of its height).
HEADER_SHARE = 0.45
# Narrower gaps are spaces between words, in word heights.
MIN_GUTTER_HEIGHTS = 1.5


def _rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into rows by where they sit, top to bottom, each row left to right.
    Tesseract's own lines may join the two columns or split one line; the vertical middle of a
    word within another row's span decides instead."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        middle = word.top + word.height / 2
        for row in rows:
            top = min(w.top for w in row)
            bottom = max(w.bottom for w in row)
            if top <= middle <= bottom:
                row.append(word)
                break
        else:
            rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w.left)
    rows.sort(key=lambda row: min(w.top for w in row))
    return rows


def _text(words: Sequence[Word]) -> str:
    return "\n".join(" ".join(w.text for w in row) for row in _rows(words))


def gutter(words: Sequence[Word], low: int, high: int) -> int | None:
    """The middle of the widest gap between words that lies within (low, high) and has words
    on both sides, or None: the split between two columns."""
    if not words:
        return None
    heights = sorted(w.height for w in words)
    least = MIN_GUTTER_HEIGHTS * heights[len(heights) // 2]
    best: tuple[int, int] | None = None
    edge: int | None = None
    for word in sorted(words, key=lambda w: w.left):
        fits = edge is not None and word.left - edge >= least and edge >= low and word.left <= high
        if fits and edge is not None and (best is None or word.left - edge > best[1] - best[0]):
            best = (edge, word.left)
        edge = word.right if edge is None else max(edge, word.right)
    return None if best is None else (best[0] + best[1]) // 2


def _motto(words: Sequence[Word]) -> Word | None:
    """The first word of "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (OCR may damage its marks)."""
    ordered = sorted(words, key=lambda w: (w.line, w.left))
    for first, second in itertools.pairwise(ordered):
        if fold(first.text) == "CONG" and fold(second.text).startswith("HOA"):
            return first
    return None


def header_cuts(words: Sequence[Word], page_height: int) -> dict[str, str]:
    """The issuer (left column above the number line), the number line (left column) and the
    place-and-date line (right column) of a scanned first page, as text."""
    top = [w for w in words if w.top < page_height * HEADER_SHARE]
    motto = _motto(top)
    anchor = next((w for w in top if NUMBER_ANCHOR_RE.match(w.text)), None)
    if motto is None or anchor is None or motto.left <= anchor.right:
        return {}
    above = [w for w in top if w.bottom <= anchor.top + anchor.height // 3]
    split = gutter(above, anchor.right, motto.left + 1)
    if split is None:
        return {}
    cuts: dict[str, str] = {}
    issuer = [w for w in above if w.right <= split]
    if issuer:
        cuts["issuer"] = _text(issuer)
    # The number's row, and the place-and-date row beside or just under it.
    row = [w for w in top if anchor.top - anchor.height <= w.top + w.height / 2 <= anchor.bottom]
    day = next(
        (
            w
            for w in sorted(top, key=lambda w: (w.top, w.left))
            if fold(w.text).startswith("NGAY")
            and w.left > anchor.right
            and anchor.top - 3 * anchor.height <= w.top <= anchor.bottom + anchor.height
        ),
        None,
    )
    row_split = split
    if day is not None and day in row:
        row_split = gutter(row, anchor.right, day.left) or split
    number = [w for w in row if w.left >= anchor.left and w.right <= row_split + anchor.height]
    if number:
        cuts["number"] = _text(number)
    if day is not None:
        line = [
            w
            for w in top
            if w.left >= min(row_split, split)
            and abs((w.top + w.bottom) - (day.top + day.bottom)) <= day.height
        ]
        if line:
            cuts["place_date"] = _text(line)
    return {key: text for key, text in cuts.items() if text.strip()}


def _foot_anchor(words: Sequence[Word], page_width: int) -> tuple[Word, int] | None:
    """The `Nơi nhận` heading of a scanned page and the column split of its foot, or None."""
    ordered = sorted(words, key=lambda w: (w.line, w.left))
    heading: Word | None = None
    for first, second in itertools.pairwise(ordered):
        if fold(first.text) == "NOI" and fold(second.text).startswith("NHAN"):
            heading = first
            break
    if heading is None:
        return None
    below = [w for w in words if w.bottom >= heading.top]
    split = gutter(below, heading.right, page_width)
    return None if split is None else (heading, split)


def foot_cuts(words: Sequence[Word], page_width: int) -> dict[str, str]:
    """The signing block (right column from the `Nơi nhận` row down) and the recipients (left
    column from `Nơi nhận` down) of a scanned page, as text; {} when the page has no foot."""
    return foot(words, page_width, 0).cuts


def signing_box(words: Sequence[Word], page_width: int, page_height: int) -> Box | None:
    """Where the signing block of a scanned page lies, in pixels of its image, to be read
    again on its own (`pdf.py`); None when the page has no foot."""
    return foot(words, page_width, page_height).signing


# How far below the `Nơi nhận` row the signing block reaches, as a share of the page's height:
# the title, the room for the signature and the seal (3 to 4 cm), the name (ND 30, Phụ lục I).
# The recipients' list, in a smaller type (ND 30: 11 pt), ends well within it.
SIGNING_DEPTH = 0.3


class Foot(NamedTuple):
    """A scanned page's foot: its cuts as text (`signing`, `recipients`), and the boxes of its
    signing block and of its recipients' column, in pixels of the page's image."""

    cuts: dict[str, str]
    signing: Box | None
    recipients: Box | None


def foot(words: Sequence[Word], page_width: int, page_height: int) -> Foot:
    """A scanned page's foot (see Foot); no cuts and no boxes when the page has none."""
    anchor = _foot_anchor(words, page_width)
    if anchor is None:
        return Foot({}, None, None)
    heading, split = anchor
    # The signer's authority line may sit a little above the `Nơi nhận` row.
    top = max(0, heading.top - 2 * heading.height)
    signing = [w for w in words if w.left >= split and w.top >= top]
    recipients = [w for w in words if w.bottom >= heading.top and w.right <= split]
    cuts = {"signing": _text(signing), "recipients": _text(recipients)}
    bottom = min(page_height, heading.top + int(SIGNING_DEPTH * page_height))
    return Foot(
        {key: text for key, text in cuts.items() if text.strip()},
        Box(split, top, page_width, bottom),
        Box(0, max(0, heading.top - heading.height), split, bottom),
    )
