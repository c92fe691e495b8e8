"""PDF text: the text layer with pypdfium2, OCR for scanned pages, signature stamps kept.

A document an office receives is either born digital (a text layer in reading order) or a
scan whose text layer holds at most the visible signature stamps, which signing tools add as
annotations. We read the page content and every annotation separately so that a stamp never
interleaves with body lines, and OCR a page whose content has no real text.
"""

from __future__ import annotations

import ctypes
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tonghop.pdfium_lock import PDFIUM_LOCK

from . import crops, scanlayout
from . import ocr as ocr_mod
from .errors import OcrUnavailable, UnreadableDocument
from .layout import Regions, lists_recipients, names_signer
from .legacy import fix_legacy, vietnamese_score

OCR_DPI = 300
# OCR costs about a second a page a core: past this, an upload would hold a worker too long.
MAX_OCR_PAGES = 60
# A scanner that declares 72 dpi gives huge pages; cap the bitmap so OCR stays fast.
MAX_RENDER_SIDE_PX = 3600
# Below this many letters (stamp lines removed) a page is treated as a scan.
MIN_PAGE_LETTERS = 40
# A text layer whose words mostly are not Vietnamese syllables is a bad OCR layer
# (e.g. Adobe Scan's mojibake): read the image instead.
MIN_LAYER_SCORE = 0.7

_STAMP_LINE = re.compile(
    r"^\s*(?:ký bởi|người ký|cơ quan|thời gian ký|chức vụ|email|e-mail|signed by|date)\b"
    r"|@|^\s*[+-]\d{2}:?\d{2}\s*$|\d{1,2}[./-]\d{1,2}[./-]\d{4}\s+\d{1,2}:\d{2}",
    re.IGNORECASE,
)


@dataclass
class PdfText:
    pages: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    warnings: list[str] = field(default_factory=list)
    legacy: str | None = None
    # The first page's header read a second time (another scale): number and date are kept
    # only where the two readings agree.
    header_rereads: list[str] = field(default_factory=list)
    # The scan's number box read again at several resolutions (`crops.py`); None when the
    # box was not found or the page is not a scan.
    number_vote: crops.NumberVote | None = None
    # The first page's header and the foot of a text PDF cut by glyph positions, when the
    # page has ND 30's columns (`layout.py`).
    regions: Regions | None = None


@dataclass
class _Page:
    content: str
    stamps: list[str]
    needs_ocr: bool
    garbled: bool
    cuts: dict[str, str] = field(default_factory=dict)


def read_pdf(data: bytes, *, ocr: bool) -> PdfText:
    # Held for the whole reading, OCR's waits included: a document is read in a process of its
    # own (the intake's child, `tonghop parse`), where nothing else waits for PDFium, and the
    # pages rendered lazily for OCR stay simple.
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise _open_error(exc) from exc
        # Stamps are read from a second copy that we flatten, so OCR renders pages without them.
        stamp_doc = _Lazy(data)
        try:
            return _read(doc, stamp_doc, ocr=ocr)
        finally:
            stamp_doc.close()
            doc.close()


class _Lazy:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._doc: pdfium.PdfDocument | None = None

    def get(self) -> pdfium.PdfDocument:
        if self._doc is None:
            self._doc = pdfium.PdfDocument(self._data)
        return self._doc

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()


def _open_error(exc: Exception) -> UnreadableDocument:
    if "password" in str(exc).lower():
        return UnreadableDocument(
            "Không đọc được tệp PDF: tệp được bảo vệ bằng mật khẩu. Đề nghị gửi bản không đặt "
            "mật khẩu."
        )
    return UnreadableDocument("Không đọc được tệp PDF: tệp bị hỏng hoặc không phải PDF.")


def _read(doc: pdfium.PdfDocument, stamp_doc: _Lazy, *, ocr: bool) -> PdfText:
    result = PdfText()
    try:
        count = len(doc)
    except pdfium.PdfiumError as exc:
        raise _open_error(exc) from exc
    if count == 0:
        raise UnreadableDocument("Không đọc được tệp PDF: tệp không có trang nào.")
    pages: list[_Page] = []
    cuts: dict[str, str] = {}
    foot_found = False
    for index in range(count):
        try:
            page = _read_page(doc, stamp_doc, index, result, foot=not foot_found)
        except pdfium.PdfiumError:
            page = _Page("", [], needs_ocr=True, garbled=False)
            result.warnings.append(f"Không đọc được lớp chữ của trang {index + 1}.")
        pages.append(page)
        if "recipients" in page.cuts:
            foot_found = True  # the main document's foot, not an annex's
        if not page.needs_ocr:
            cuts.update(page.cuts)
    scans = [i for i, page in enumerate(pages) if page.needs_ocr]
    ocr_text: dict[int, ocr_mod.Recognised | None] = {}
    signing_rereads: list[str] = []
    recipients_reread: str | None = None
    if scans and ocr:
        usable = any(not p.needs_ocr for p in pages)
        try:
            command = ocr_mod.require_ocr()
        except OcrUnavailable as exc:
            if not usable:
                raise
            result.warnings.append(f"{exc} Chỉ lấy được chữ của các trang không phải bản quét.")
        else:
            if len(scans) > MAX_OCR_PAGES:
                result.warnings.append(
                    f"Văn bản có {len(scans)} trang bản quét; chỉ nhận dạng chữ "
                    f"{MAX_OCR_PAGES} trang đầu."
                )
                scans = scans[:MAX_OCR_PAGES]
            ocr_text = dict(ocr_mod.ocr_pages(command, _render(doc, scans)))
            result.ocr_pages = len(scans)
            found_cuts, again = _scan_cuts(ocr_text, scans, foot=not foot_found)
            cuts.update(found_cuts)
            if again is not None and again.signing is not None:
                signing_rereads = _reread_signing(
                    command, doc, again.index, again.signing, again.page
                )
            if again is not None and again.recipients is not None:
                recipients_reread = _reread_recipients(
                    command, doc, again.index, again.recipients, again.page
                )
            if ocr_text.get(0):
                reread = _reread_header(command, doc)
                if reread is not None:
                    result.header_rereads.append(reread[0])
                    result.number_vote = reread[1]
            failed = [i + 1 for i in scans if ocr_text.get(i) is None]
            result.warnings.append(
                f"Đã nhận dạng chữ (OCR) {len(scans)}/{count} trang bản quét; số, ngày và chữ "
                "viết tay có thể bị đọc sai, cần đối chiếu với bản gốc."
            )
            if failed:
                result.warnings.append(
                    "Không nhận dạng được chữ ở trang " + ", ".join(map(str, failed)) + "."
                )
    elif scans:
        result.warnings.append(
            f"Có {len(scans)}/{count} trang là bản quét chưa được nhận dạng chữ (OCR)."
        )

    if cuts:
        result.regions = Regions(
            **cuts, signing_rereads=tuple(signing_rereads), recipients_reread=recipients_reread
        )

    for index, page in enumerate(pages):
        parts = [page.content.strip()]
        read = ocr_text.get(index)
        recognised = read.text if read is not None else None
        if recognised and recognised.strip():
            # The scan's own text layer holds at most stamps drawn into the page (kept, after
            # the OCR text), or a broken OCR layer (dropped); a bad layer stays only when
            # nothing better came out: it may still hold digits.
            parts = [recognised.strip()] + ([] if page.garbled else parts)
        parts += [s.strip() for s in page.stamps if s.strip()]
        result.pages.append("\n".join(p for p in parts if p))
    if any(p.garbled for p in pages):
        result.warnings.append(
            "Lớp chữ sẵn có trong PDF bị lỗi mã (không đọc được) nên đã được bỏ qua."
            if ocr_text
            else "Lớp chữ sẵn có trong PDF bị lỗi mã, nội dung có thể không đọc được."
        )
    return result


@dataclass(frozen=True)
class _FootToReread:
    """A scanned page's foot parts that its reading did not give: the signing block when it
    named no signer, the recipients' column when it listed none (None: read well enough)."""

    index: int
    page: ocr_mod.Recognised
    signing: crops.Box | None
    recipients: crops.Box | None


def _scan_cuts(
    read: dict[int, ocr_mod.Recognised | None], scans: list[int], *, foot: bool
) -> tuple[dict[str, str], _FootToReread | None]:
    """The regions of the scanned pages, from the words' boxes: the header of the first page
    (when it is a scan), and the foot of the first scanned page that has one, unless a text
    page already gave it; and what of that foot is to be read again."""
    cuts: dict[str, str] = {}
    first = read.get(0)
    if first is not None:
        cuts.update(scanlayout.header_cuts(first.words, first.height))
    if foot:
        for index in scans:
            page = read.get(index)
            if page is None:
                continue
            found = scanlayout.foot(page.words, page.width, page.height)
            if found.cuts:
                cuts.update(found.cuts)
                # What the page's reading gave needs no second reading.
                signing = None if names_signer(found.cuts.get("signing", "")) else found.signing
                listed = lists_recipients(found.cuts.get("recipients", ""))
                recipients = None if listed else found.recipients
                if signing is None and recipients is None:
                    return cuts, None
                return cuts, _FootToReread(index, page, signing, recipients)
    return cuts, None


def _read_page(
    doc: pdfium.PdfDocument, stamp_doc: _Lazy, index: int, result: PdfText, *, foot: bool
) -> _Page:
    page = doc[index]
    cuts: dict[str, str] = {}
    try:
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        content = _clean(raw)
        # Character indices of the text are those of the glyphs only when nothing was lost.
        if len(raw) == textpage.count_chars():
            width, height = page.get_size()
            if index == 0:
                cuts.update(_header_cuts(textpage, raw, width, height))
            if foot:
                cuts.update(_foot_cuts(textpage, raw, width))
        rects = _annotation_rects(page)
    finally:
        page.close()
    stamps: list[str] = []
    if rects:
        stamps = _annotation_texts(stamp_doc.get(), index, rects)
    fixed = fix_legacy(content)
    if fixed.encoding:
        content = fixed.text
        result.legacy = fixed.encoding
        cuts = {}
    body_letters = sum(
        ch.isalpha() for line in content.splitlines() if not _STAMP_LINE.search(line) for ch in line
    )
    garbled = body_letters >= MIN_PAGE_LETTERS and vietnamese_score(content) < MIN_LAYER_SCORE
    needs_ocr = body_letters < MIN_PAGE_LETTERS or garbled
    return _Page(content, stamps, needs_ocr=needs_ocr, garbled=garbled, cuts=cuts)


# Layout before words: the regions of ND 30 Phụ lục I found from where the glyphs are drawn.
# Anchors are the motto (ô 1), `Số:` (ô 3), `…, ngày` (ô 4) and `Nơi nhận:` (ô 9); columns are
# the widest vertical gap that no run of text crosses. A page where no such gap exists (one
# column, a table drawn as one text run) gets no regions and is read as before.
_HEAD_CHARS = 2000
_MOTTO_GLYPHS_RE = re.compile(r"C[ỘO]NG\s*H[ÒOÓ]A\s*X[ÃA]\s*H[ỘO]I", re.IGNORECASE)
_SO_GLYPHS_RE = re.compile(r"(?<!\w)S[ốôo]\s*:")
_DATE_GLYPHS_RE = re.compile(r"\w\s*,\s*ngày\b")
_NOI_NHAN_GLYPHS_RE = re.compile(r"N[ơo]i\s*nh[ậâa]n\s*:")
# Narrower gaps are spaces between words drawn as separate runs.
_MIN_GUTTER = 6.0

Box = tuple[float, float, float, float]  # left, bottom, right, top (PDF points, y up)


def _header_cuts(
    textpage: pdfium.PdfTextPage, raw: str, width: float, height: float
) -> dict[str, str]:
    motto = _MOTTO_GLYPHS_RE.search(raw, 0, _HEAD_CHARS)
    number = _SO_GLYPHS_RE.search(raw, 0, _HEAD_CHARS)
    if motto is None or number is None:
        return {}
    mbox = textpage.get_charbox(motto.start())
    sbox = textpage.get_charbox(number.start())
    line = max(sbox[3] - sbox[1], 1.0)
    dbox: Box | None = None
    for m in _DATE_GLYPHS_RE.finditer(raw, 0, _HEAD_CHARS):
        box = textpage.get_charbox(m.start())
        # The place-and-date line lies beside or just under the number line.
        if box[0] > sbox[2] and sbox[1] - 3 * line <= box[1] <= sbox[3]:
            dbox = box
            break
    end = max(motto.end(), number.end())
    rects = _rects(textpage, 0, min(len(raw), end + 400))
    above = [r for r in rects if r[1] > sbox[3] - 0.5]
    split = _gutter(above, sbox[2], mbox[0] + 0.5)
    if split is None or not above:
        return {}
    floor = (sbox[3] + min(r[1] for r in above)) / 2
    cuts = {"issuer": textpage.get_text_bounded(0, floor, split, height)}
    row_split = split
    if dbox is not None and dbox[1] < sbox[3] and dbox[3] > sbox[1]:
        # Number and date on one row: the date line may start left of the motto's column.
        row = [r for r in rects if r[1] < sbox[3] - 1 and r[3] > sbox[1] + 1]
        row_split = _gutter(row, sbox[2], dbox[0] + 0.5) or split
    cuts["number"] = textpage.get_text_bounded(0, sbox[1] + 1, row_split, sbox[3] - 1)
    if dbox is not None:
        left = row_split if dbox[3] > sbox[1] else split
        cuts["place_date"] = textpage.get_text_bounded(left, dbox[1] + 1, width, dbox[3] - 1)
    return {key: _clean(text) for key, text in cuts.items() if text.strip()}


def _foot_cuts(textpage: pdfium.PdfTextPage, raw: str, width: float) -> dict[str, str]:
    heading = _NOI_NHAN_GLYPHS_RE.search(raw)
    if heading is None:
        return {}
    nbox = textpage.get_charbox(heading.start())
    line = max(nbox[3] - nbox[1], 1.0)
    start = max(0, heading.start() - 600)
    below = [r for r in _rects(textpage, start, len(raw) - start) if r[3] <= nbox[3] + 1]
    split = _gutter(below, nbox[0], width)
    if split is None:
        return {}
    return {
        "signing": _clean(textpage.get_text_bounded(split, 0, width, nbox[3] + 1.5 * line)),
        "recipients": _clean(textpage.get_text_bounded(0, 0, split, nbox[3] + 1)),
    }


def _rects(textpage: pdfium.PdfTextPage, start: int, count: int) -> list[Box]:
    return [textpage.get_rect(i) for i in range(textpage.count_rects(start, count))]


def _gutter(rects: list[Box], low: float, high: float) -> float | None:
    """The middle of the widest gap between runs of text that lies within (low, high) and has
    text on both sides, or None."""
    best: tuple[float, float] | None = None
    edge: float | None = None
    for left, _bottom, right, _top in sorted(rects):
        fits = edge is not None and left - edge >= _MIN_GUTTER and edge >= low and left <= high
        if fits and edge is not None and (best is None or left - edge > best[1] - best[0]):
            best = (edge, left)
        edge = right if edge is None else max(edge, right)
    return None if best is None else (best[0] + best[1]) / 2


def _annotation_rects(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    rects: list[tuple[float, float, float, float]] = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        if not annot:
            continue
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) not in (
                pdfium_c.FPDF_ANNOT_WIDGET,
                pdfium_c.FPDF_ANNOT_STAMP,
                pdfium_c.FPDF_ANNOT_FREETEXT,
            ):
                continue
            rect = pdfium_c.FS_RECTF()
            if pdfium_c.FPDFAnnot_GetRect(annot, ctypes.byref(rect)):
                left, right = sorted((rect.left, rect.right))
                bottom, top = sorted((rect.bottom, rect.top))
                if right - left > 1 and top - bottom > 1:
                    rects.append((left, bottom, right, top))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return rects


def _annotation_texts(
    doc: pdfium.PdfDocument, index: int, rects: list[tuple[float, float, float, float]]
) -> list[str]:
    """Text drawn by annotations (signature stamps), one string per annotation.

    pdfium only extracts annotation text once it is flattened into the page content; the
    document is our in-memory copy, so flattening it harms nothing. We then read the text
    inside each annotation's box, minus what the page content already had there.
    """
    page = doc[index]
    try:
        before = [_clean(page.get_textpage().get_text_bounded(*r)) for r in rects]
        flattened = pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY)
    finally:
        page.close()
    if flattened != pdfium_c.FLATTEN_SUCCESS:
        return []
    page = doc[index]
    try:
        textpage = page.get_textpage()
        after = [_clean(textpage.get_text_bounded(*r)) for r in rects]
    finally:
        page.close()
    texts = []
    for old, new in zip(before, after, strict=True):
        # A lone character is a glyph of a neighbouring stamp clipped by this box.
        lines = [line for line in new.split("\n") if len(line.strip()) > 1]
        if lines and new.strip() != old.strip():
            texts.append("\n".join(lines))
    return texts


def _render(doc: pdfium.PdfDocument, indices: list[int]) -> Iterator[tuple[int, ocr_mod.PageImage]]:
    for index in indices:
        page = doc[index]
        try:
            width, height = page.get_size()
            scale = min(OCR_DPI / 72, MAX_RENDER_SIDE_PX / max(width, height, 1))
            bitmap = page.render(scale=scale, draw_annots=False, rev_byteorder=False)
            try:
                image = _red_channel(bitmap)
            finally:
                bitmap.close()
        finally:
            page.close()
        yield index, image


# The header (ND 30 Phụ lục I, ô 1-5: issuer, number, place and date, type, subject) lies in
# the top third of the first page; it is read again at a second scale, where tesseract breaks
# a handwritten or stamped number differently (`60` at 300 dpi, `660` at 200 dpi).
HEADER_SHARE = 0.38
HEADER_REREAD_DPI = 200


def _reread_header(
    command: str, doc: pdfium.PdfDocument
) -> tuple[str, crops.NumberVote | None] | None:
    """The first page's header read again, and the votes on its number's box (or None)."""
    page = doc[0]
    try:
        width, height = page.get_size()
        scale = min(HEADER_REREAD_DPI / 72, MAX_RENDER_SIDE_PX / max(width, height, 1))
        bitmap = page.render(
            scale=scale,
            crop=(0, height * (1 - HEADER_SHARE), 0, 0),
            draw_annots=False,
            rev_byteorder=False,
        )
        try:
            image = _red_channel(bitmap)
        finally:
            bitmap.close()
        try:
            tsv = ocr_mod.ocr_tsv(command, image)
        except (RuntimeError, OSError, subprocess.SubprocessError):
            return None
        text = ocr_mod.tsv_to_text(tsv, image.width)
        box = crops.number_box(ocr_mod.words_of(tsv))
        if box is None:
            return text, None

        def render(dpi: int) -> list[ocr_mod.PageImage]:
            # The box in points: the rendering above starts at the page's top edge.
            zoom = min(dpi / 72, MAX_RENDER_SIDE_PX / max(width, height, 1))
            cut = page.render(
                scale=zoom,
                crop=(
                    box.left / scale,
                    height - box.bottom / scale,
                    width - box.right / scale,
                    box.top / scale,
                ),
                draw_annots=False,
                rev_byteorder=False,
            )
            try:
                return [_red_channel(cut), _grey(cut)]
            finally:
                cut.close()

        try:
            return text, crops.vote_number(command, render)
        except (RuntimeError, OSError, subprocess.SubprocessError):
            return text, None
    finally:
        page.close()


# The signing block read on its own: tesseract, given the whole page, lets the signature and
# the seal drawn over the name swallow it (the corpus's scans: `Lê Hoàng Anh`, `Hà Văn Phúc`
# missing, `Nguyê ên Văn Long`), while the block cut out, made black and white and read as one
# block of text (`--psm 6`) gives the name. Read as its red channel (a red seal drops out) and
# as grey (a seal in another colour, or a name in red ink). A part of the foot cut out is read
# as one block of text (the recipients' column too).
BLOCK_SEGMENTATION = "6"
SIGNING_THRESHOLD = 150


def _render_box(
    doc: pdfium.PdfDocument,
    index: int,
    box: crops.Box,
    read: ocr_mod.Recognised,
    channels: tuple[bool, ...],
) -> list[ocr_mod.PageImage]:
    """The part `box` (in pixels of the page's OCR image `read`) of page `index`, rendered at
    the page's resolution once for each of `channels`: False the red channel, True grey."""
    page = doc[index]
    try:
        width, height = page.get_size()
        per_pixel = width / max(read.width, 1)  # points a pixel of the OCR image
        scale = min(OCR_DPI / 72, MAX_RENDER_SIDE_PX / max(width, height, 1))
        crop = (
            box.left * per_pixel,
            max(0.0, height - box.bottom * per_pixel),
            max(0.0, width - box.right * per_pixel),
            box.top * per_pixel,
        )
        images: list[ocr_mod.PageImage] = []
        for grey in channels:
            bitmap = page.render(
                scale=scale, crop=crop, grayscale=grey, draw_annots=False, rev_byteorder=False
            )
            try:
                images.append(_red_channel(bitmap))  # one channel already when grey
            finally:
                bitmap.close()
        return images
    finally:
        page.close()


def _reread_signing(
    command: str, doc: pdfium.PdfDocument, index: int, box: crops.Box, read: ocr_mod.Recognised
) -> list[str]:
    """The signing block of page `index` (`box`, in pixels of the page's OCR image `read`)
    read again on its own, as text, once a colour channel; [] when tesseract fails."""
    images = _render_box(doc, index, box, read, (False, True))
    texts: list[str] = []
    for image in images:
        black_white = crops.threshold(image, SIGNING_THRESHOLD)
        try:
            tsv = ocr_mod.ocr_tsv(command, black_white, segmentation=BLOCK_SEGMENTATION)
        except (RuntimeError, OSError, subprocess.SubprocessError):
            continue
        texts.append(ocr_mod.tsv_to_text(tsv, black_white.width))
    return [text for text in texts if text.strip()]


# The recipients' column read on its own: set in a smaller type (ND 30: 11 pt) beside the
# signing block, it can be lost whole from the page's reading (corpus 023: nothing under
# `Nơi nhận:`), while the column cut out and read as one block of text gives each line. Grey,
# not made black and white: thresholding breaks the small type's thin strokes.
def _reread_recipients(
    command: str, doc: pdfium.PdfDocument, index: int, box: crops.Box, read: ocr_mod.Recognised
) -> str | None:
    """The recipients' column of page `index` read again on its own, as text; None when
    tesseract fails or reads nothing."""
    (image,) = _render_box(doc, index, box, read, (True,))
    try:
        tsv = ocr_mod.ocr_tsv(command, image, segmentation=BLOCK_SEGMENTATION)
    except (RuntimeError, OSError, subprocess.SubprocessError):
        return None
    text = ocr_mod.tsv_to_text(tsv, image.width)
    return text if text.strip() else None


def _red_channel(bitmap: pdfium.PdfBitmap) -> ocr_mod.PageImage:
    """The page as the red channel of its colour rendering.

    Seals of Vietnamese offices are red and usually sit on the signer's title and name: in
    the red channel red ink turns white and drops out, while black print and blue
    handwriting (numbers, days, signatures) stay dark. Tesseract then reads the name under
    the seal ("Trần Hoàng Tuấn") that a grayscale rendering loses.
    """
    raw = bytes(bitmap.buffer)
    channels = bitmap.n_channels
    if channels == 1:
        return ocr_mod.PageImage(bitmap.width, bitmap.height, bitmap.stride, raw)
    # pdfium renders BGR(x/A): red is the third byte of each pixel.
    row_bytes = bitmap.width * channels
    if bitmap.stride == row_bytes:
        red = raw[2::channels]
    else:
        red = b"".join(
            raw[y * bitmap.stride : y * bitmap.stride + row_bytes][2::channels]
            for y in range(bitmap.height)
        )
    return ocr_mod.PageImage(bitmap.width, bitmap.height, bitmap.width, red)


def _grey(bitmap: pdfium.PdfBitmap) -> ocr_mod.PageImage:
    """The bitmap as the mean of its colour channels (a small crop: plain Python is enough)."""
    raw = bytes(bitmap.buffer)
    channels = bitmap.n_channels
    if channels < 3:
        return ocr_mod.PageImage(bitmap.width, bitmap.height, bitmap.stride, raw)
    pixels = bytearray(bitmap.width * bitmap.height)
    out = 0
    for y in range(bitmap.height):
        row = y * bitmap.stride
        for x in range(row, row + bitmap.width * channels, channels):
            pixels[out] = (raw[x] + raw[x + 1] + raw[x + 2]) // 3
            out += 1
    return ocr_mod.PageImage(bitmap.width, bitmap.height, bitmap.width, bytes(pixels))


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # pdfium marks soft hyphens and unknown glyphs with control characters.
    text = text.replace("\x02", "-").replace("\ufffe", "").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))
