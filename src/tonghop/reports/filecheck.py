"""What an uploaded attachment really is, read from its bytes, never from its name.

Pure Python, no Django, so it can be run and tested alone (and as the child process below).
Accepted: photos (JPEG, PNG, WebP), PDF, and Word / Excel files (DOCX, XLSX). Everything else,
including HTML, SVG and programs under any name, is refused.

PDFs and large or unusual images are opened in a fresh interpreter with a memory ceiling, a CPU
time limit and a wall-clock limit, as incoming documents are (tonghop.documents.intake): a
decompression bomb, a PDF bomb, a JPEG of hundreds of scans or a file that sends pdfium into a
loop costs that child only, never the web server. The same child draws the thumbnail. Before
any decoder sees an image, its structure is walked here in pure Python with a bounded number of
steps (JPEG segments and scans, PNG chunks); only ordinary photos whose decoding is bounded by
their size (see _small_enough_here) are checked and thumbnailed in the server's process. DOCX
and XLSX are zip archives whose directory is read
here, then every member is inflated with the sizes it declared as a ceiling (zipfile stops there
and checks the CRC), so a bomb is refused before it costs more than the limits below.

A refusal is a `Refused` with a code and its figures; reports.attachments words it for the person.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import signal
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from tonghop import errors

MB = 1024 * 1024
Kind = Literal["jpeg", "png", "webp", "pdf", "docx", "xlsx"]

CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The names a file of each kind may carry; the first is given to a download named otherwise.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "jpeg": ("jpg", "jpeg"),
    "png": ("png",),
    "webp": ("webp",),
    "pdf": ("pdf",),
    "docx": ("docx",),
    "xlsx": ("xlsx",),
}
ACCEPTED_EXTENSIONS = frozenset(ext for names in EXTENSIONS.values() for ext in names)
# For the file picker only: the server decides by content.
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,application/pdf,.pdf,.docx,.xlsx"

MAX_SIDE = 12_000  # pixels, either side of an image
MAX_PAGES = 500
THUMB_SIDE = 320
ZIP_MAX_MEMBERS = 1_000
ZIP_MAX_TOTAL = 100 * MB  # uncompressed
ZIP_MAX_RATIO = 100
# Below this, a high ratio is a short run of repeated bytes, not a bomb.
ZIP_RATIO_FLOOR = 1 * MB
CONTENT_TYPES_MAX = 1 * MB  # the size of [Content_Types].xml we are willing to read

# The main part of each OOXML kind and the content type [Content_Types].xml must give it.
# Macro-enabled files (.docm, .xlsm) declare another main type and are refused with them.
_OOXML_MAIN: dict[str, tuple[str, bytes]] = {
    "docx": (
        "word/document.xml",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_MEMORY_SIGNS = ("memoryerror", "out of memory", "cannot allocate", "failed to map")


class Refused(errors.Invalid):
    """The file is not accepted. `code` names the reason; `params` holds its figures."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Checked:
    kind: Kind
    content_type: str
    thumbnail: bytes | None  # JPEG, at most THUMB_SIDE a side; None for DOCX and XLSX


def sniff(head: bytes) -> str | None:
    """The container the first bytes announce: an image kind, "pdf", "zip", or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def clean_name(name: str, limit: int = 150) -> str:
    """A file name to show, never to use as a path: the last path part, without control or
    format characters (a right-to-left override can make "gpj.exe" read "exe.jpg"), spaces
    collapsed, at most `limit` characters with the extension kept."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Zl", "Zp") or char in "\t\n\r":
            kept.append(" ")
        elif category[0] != "C":
            kept.append(char)
    text = " ".join("".join(kept).split())
    text = text.strip(" .")
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            text = stem[: limit - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:limit]
    return text


def extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def download_name(name: str, kind: str) -> str:
    """`name`, with the extension its content calls for when it carries another."""
    if extension(name) in EXTENSIONS[kind]:
        return name
    return f"{name or 'tep'}.{EXTENSIONS[kind][0]}"


def check_file(path: Path, *, max_pixels: int | None, timeout: float, memory_mb: int) -> Checked:
    """Say what the file at `path` is and draw its thumbnail, or raise Refused."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise Refused("empty")
    found = sniff(head)
    if found is None:
        raise Refused("unknown")
    if found == "zip":
        kind = check_ooxml(path)
        return Checked(kind, CONTENT_TYPES[kind], None)
    if found != "pdf" and _small_enough_here(path, found, max_pixels):
        thumbnail = _thumbnail_here(path, found)
    else:
        thumbnail = _inspect_in_child(
            path, found, max_pixels=max_pixels, timeout=timeout, memory_mb=memory_mb
        )
    return Checked(found, CONTENT_TYPES[found], thumbnail)  # type: ignore[arg-type]


# A photo from a phone is checked in the server's own process: starting an interpreter for it
# costs more than the check (most of a submission's time under load). Only what is bounded by its
# size goes here: a baseline JPEG of one scan, decoded at an eighth of its size (draft mode) in
# one pass over its bytes, and a PNG or WebP of at most this many pixels (64 MB as RGBA).
IN_PROCESS_PIXELS = 16_000_000
# A progressive JPEG (or a sequential one in several scans) is not bounded by its bytes: libjpeg
# decodes every scan over the whole image at full size, holding all its coefficients (2 bytes a
# pixel and component), so its cost is pixels times scans. A small one (a picture saved for the
# web) is decoded here: at most this many pixels (24 MB of coefficients) and this many pixels
# times scans (about a tenth of a second). Larger ones go to the child, with unusual files and
# every PDF.
IN_PROCESS_SCANNED_PIXELS = 4_000_000
IN_PROCESS_PIXEL_SCANS = 64_000_000

# Scans of a JPEG. A baseline JPEG has one (or one per colour component); a progressive one
# from libjpeg, a phone, a camera or an editor (Photoshop, GIMP, mozjpeg) about ten, and
# jpegtran's or mozjpeg's optimised scripts stay under twenty. Each scan walks the whole image
# once more, so a file of a few hundred kilobytes with hundreds of scans keeps a decoder busy
# for minutes: refused before any decoder sees it.
MAX_JPEG_SCANS = 32
# Segments (markers with a length) before the end of a JPEG. A photo has a few dozen: APPn for
# EXIF, XMP and an ICC profile (at most 255 parts), tables, a frame, its scans. Pillow reads the
# header's segments one by one in Python, so their number is bounded before it runs.
MAX_JPEG_SEGMENTS = 1_000
# Chunks of a PNG read here. A 20 MB PNG written in 8 KB IDAT chunks has 2,500; Pillow reads
# (and verify() checks) every chunk in Python, so a file of more goes to the child.
MAX_PNG_CHUNKS_HERE = 4_000

# SOF0 to SOF15, without DHT (C4), JPG (C8) and DAC (CC), which share the range.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# The end of an entropy-coded segment: 0xFF followed by a marker that is not a restart (RSTn),
# not a stuffed zero and not a fill byte.
_JPEG_SEGMENT_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True)
class JpegLayout:
    """What a JPEG's markers say, read without decoding it."""

    width: int
    height: int
    frame: int  # the SOFn marker's last byte: 0xC0 baseline, 0xC2 progressive, ...
    frames: int
    components: int
    scans: int
    single_pass: bool  # one scan holding every component: decoded in one pass, no buffering
    junk: bool  # bytes between segments, which libjpeg skips and Pillow reads one at a time


def jpeg_layout(path: Path) -> JpegLayout:
    """Walk a JPEG's segments up to its end (EOI) in a bounded number of steps; refuse one with
    more scans than MAX_JPEG_SCANS or more segments than MAX_JPEG_SEGMENTS. The entropy-coded
    data of each scan is skipped by a regular expression, never byte by byte in Python."""
    width = height = frame = frames = components = scans = segments = 0
    single_pass = junk = False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size = len(data)
        pos = 2  # after SOI, which sniff() saw
        while pos + 1 < size:
            if data[pos] != 0xFF:
                junk = True
                found = _JPEG_SEGMENT_END.search(data, pos)
                if found is None:
                    break
                pos = found.start()
                continue
            marker = data[pos + 1]
            if marker == 0xFF:  # a fill byte before a marker
                pos += 1
                continue
            pos += 2
            if marker == 0xD9:  # EOI: anything after it (an MPO's second picture) is not read
                break
            if marker == 0x01 or 0xD0 <= marker <= 0xD8 or marker == 0x00:
                junk = True  # a marker without a length where a segment belongs
                continue
            if pos + 2 > size:
                break
            length = (data[pos] << 8) | data[pos + 1]
            if length < 2:
                raise Refused("image_unreadable")
            segments += 1
            if segments > MAX_JPEG_SEGMENTS:
                raise Refused("image_too_complex")
            body = data[pos + 2 : pos + min(length, 8)]
            pos += length
            if marker in _JPEG_FRAMES and len(body) >= 6:
                frames += 1
                frame = marker
                height = (body[1] << 8) | body[2]
                width = (body[3] << 8) | body[4]
                components = body[5]
            elif marker == 0xDA and len(body) >= 1:
                scans += 1
                if scans > MAX_JPEG_SCANS:
                    raise Refused("image_too_many_scans", limit=MAX_JPEG_SCANS)
                if scans == 1:
                    single_pass = body[0] == components
                found = _JPEG_SEGMENT_END.search(data, pos)
                pos = size if found is None else found.start()
    return JpegLayout(
        width=width,
        height=height,
        frame=frame,
        frames=frames,
        components=components,
        scans=scans,
        single_pass=single_pass and scans == 1,
        junk=junk,
    )


def _png_chunks_within(path: Path, limit: int) -> bool:
    """True if the PNG ends (IEND, or the file does) within `limit` chunks."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        pos = 8
        for _ in range(limit):
            handle.seek(pos)
            head = handle.read(8)
            if len(head) < 8 or head[4:8] == b"IEND":
                return True
            pos += 12 + int.from_bytes(head[:4], "big")
            if pos >= size:
                return True
    return False


def _small_enough_here(path: Path, kind: str, max_pixels: int | None) -> bool:
    """Whether decoding this image is bounded enough for the server's own process. Reads the
    structure only; False sends the image to the child, which refuses it or draws it."""
    if kind == "jpeg":
        layout = jpeg_layout(path)  # raises Refused for a file no decoder should see
        size = (layout.width, layout.height)
        if layout.frames != 1 or layout.frame not in (0xC0, 0xC1, 0xC2) or layout.junk:
            return False  # arithmetic coding, lossless, hierarchical, damaged or odd: the child
        pixels = layout.width * layout.height
        if not layout.single_pass and (
            pixels > IN_PROCESS_SCANNED_PIXELS or pixels * layout.scans > IN_PROCESS_PIXEL_SCANS
        ):
            return False
    else:
        if kind == "png" and not _png_chunks_within(path, MAX_PNG_CHUNKS_HERE):
            return False
        from PIL import Image

        try:
            with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
                size = image.size
        except Exception:  # damaged, or a bomb by Pillow's own measure: the child says which
            return False
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return False
    if max_pixels is not None and width * height > max_pixels:
        return False
    return kind == "jpeg" or width * height <= IN_PROCESS_PIXELS


def _thumbnail_here(path: Path, kind: str) -> bytes:
    """The child's image work, without its process-wide settings (threads share this one)."""
    import io

    from PIL import Image, ImageOps

    try:
        with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
            image.verify()
        with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
            image.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))
            image.load()
            small = ImageOps.exif_transpose(image)
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            _save_jpeg(small, out)
    except MemoryError:
        raise Refused("too_much_memory") from None
    except Exception:  # Pillow raises many kinds of error on a damaged file
        raise Refused("image_unreadable") from None
    return out.getvalue()


def _safe_member_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return False
    if ":" in name.split("/", 1)[0]:  # a drive letter, C:foo
        return False
    return ".." not in name.split("/")


def check_ooxml(path: Path) -> Kind:
    """Accept a real DOCX or XLSX; refuse any other zip, and any zip bomb."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused("zip_unreadable") from None
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise Refused("zip_too_many_members", count=len(members), limit=ZIP_MAX_MEMBERS)
        declared = 0
        compressed = 0
        for member in members:
            if not _safe_member_name(member.filename):
                raise Refused("zip_bad_names")
            if member.flag_bits & 0x1:
                raise Refused("zip_encrypted")
            declared += member.file_size
            compressed += member.compress_size
            if member.file_size > ZIP_RATIO_FLOOR and member.file_size > ZIP_MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise Refused("zip_bomb")
        if declared > ZIP_MAX_TOTAL:
            raise Refused("zip_bomb")
        if declared > ZIP_RATIO_FLOOR and declared > ZIP_MAX_RATIO * max(compressed, 1):
            raise Refused("zip_bomb")
        names = {member.filename for member in members}
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise Refused("ooxml_macros")
        if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
            raise Refused("ooxml_not_office")
        kinds = [kind for kind, (part, _type) in _OOXML_MAIN.items() if part in names]
        if len(kinds) != 1:
            raise Refused("ooxml_not_office")
        kind: Kind = kinds[0]  # type: ignore[assignment]
        _inflate_all(archive, members)
        types_member = archive.getinfo("[Content_Types].xml")
        if types_member.file_size > CONTENT_TYPES_MAX:
            raise Refused("ooxml_not_office")
        declared_types = archive.read(types_member)
        if _OOXML_MAIN[kind][1] not in declared_types:
            # A .docm or .xlsm names a macro-enabled main part; anything else is not Office.
            if b"macroEnabled" in declared_types:
                raise Refused("ooxml_macros")
            raise Refused("ooxml_not_office")
        return kind


def _inflate_all(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Read every member through: zipfile stops at the declared size and checks the CRC, so a
    directory that understates what a member inflates to is caught as a damaged file."""
    total = 0
    try:
        for member in members:
            with archive.open(member) as handle:
                while chunk := handle.read(1 * MB):
                    total += len(chunk)
                    if total > ZIP_MAX_TOTAL:
                        raise Refused("zip_bomb")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise Refused("zip_unreadable") from None


# The signal a process gets when it passes its CPU-time limit (RLIMIT_CPU).
_CPU_SIGNAL = getattr(signal, "SIGXCPU", 0)


def _cpu_seconds(timeout: float) -> int:
    """The child's CPU-time limit: its wall-clock limit. A decoder that spins is stopped by the
    kernel even if the parent is gone (a worker restarted, a request abandoned)."""
    return max(1, int(timeout + 0.999))


def _inspect_in_child(
    path: Path, kind: str, *, max_pixels: int | None, timeout: float, memory_mb: int
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="tonghop-thumb-") as folder:
        out = Path(folder) / "thumb.jpg"
        command = [
            sys.executable,
            "-m",
            "tonghop.reports.filecheck",
            kind,
            os.fspath(path),
            os.fspath(out),
            "none" if max_pixels is None else str(max_pixels),
            str(memory_mb),
            str(_cpu_seconds(timeout)),
        ]
        try:
            # The child caps its own memory first thing: a preexec_fn is not safe in the web
            # server's threads.
            done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
                command, capture_output=True, timeout=max(timeout, 0.001), check=False
            )
        except subprocess.TimeoutExpired:
            raise Refused("too_slow", seconds=int(timeout)) from None
        try:
            outcome = json.loads(done.stdout.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            errors = done.stderr.decode("utf-8", "replace").lower()
            if done.returncode == -_CPU_SIGNAL:
                raise Refused("too_slow", seconds=int(timeout)) from None
            if done.returncode < 0 or any(sign in errors for sign in _MEMORY_SIGNS):
                raise Refused("too_much_memory") from None
            raise Refused(f"{'pdf' if kind == 'pdf' else 'image'}_unreadable") from None
        if "error" in outcome:
            raise Refused(str(outcome["error"]), **outcome.get("params", {}))
        return out.read_bytes()


# The child. Everything below runs in the fresh interpreter started above.


def _thumbnail_of_image(path: str, kind: str, out: str, max_pixels: int | None) -> dict[str, Any]:
    import warnings

    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            # Over MAX_IMAGE_PIXELS Pillow only warns (it refuses at twice that): refuse at once.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    return {"error": "image_too_large", "params": {"side": MAX_SIDE}}
                image.verify()
            with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
                # A JPEG can be decoded straight at a fraction of its size.
                image.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))
                image.load()
                small = ImageOps.exif_transpose(image)
                small.thumbnail((THUMB_SIDE, THUMB_SIDE))
                _save_jpeg(small, out)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return {"error": "image_bomb"}
    except MemoryError:
        raise
    except Exception:  # Pillow raises many kinds of error on a damaged file
        return {"error": "image_unreadable"}
    return {"ok": True}


def _save_jpeg(image: Any, out: str | IO[bytes]) -> None:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.save(out, "JPEG", quality=80, optimize=True)


def _thumbnail_of_pdf(path: str, out: str) -> dict[str, Any]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from tonghop.pdfium_lock import PDFIUM_LOCK

    # The child has one thread, but the rule holds everywhere.
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                return {"error": "pdf_encrypted"}
            return {"error": "pdf_unreadable"}
        try:
            if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
                return {"error": "pdf_encrypted"}
            pages = len(document)
            if pages == 0:
                return {"error": "pdf_unreadable"}
            if pages > MAX_PAGES:
                return {
                    "error": "pdf_too_many_pages",
                    "params": {"pages": pages, "limit": MAX_PAGES},
                }
            page = document[0]
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                return {"error": "pdf_unreadable"}
            scale = THUMB_SIDE / max(width, height)
            image = page.render(scale=scale).to_pil()
            _save_jpeg(image, out)
        except pdfium.PdfiumError:
            return {"error": "pdf_unreadable"}
        finally:
            document.close()
        return {"ok": True}


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not every platform lets a process cap its memory
        return
    limit = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu(seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not every platform lets a process cap its CPU time
        return
    # SIGXCPU at the soft limit ends the process; the hard limit, a second later, kills it.
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _main(argv: list[str]) -> int:
    """The child: check one file, write its thumbnail, print one JSON object."""
    kind, path, out, pixels, memory_mb, cpu_seconds = argv
    _limit_memory(int(memory_mb))
    _limit_cpu(int(cpu_seconds))
    max_pixels = None if pixels == "none" else int(pixels)
    try:
        if kind == "pdf":
            outcome = _thumbnail_of_pdf(path, out)
        else:
            outcome = _thumbnail_of_image(path, kind, out, max_pixels)
    except MemoryError:
        outcome = {"error": "too_much_memory"}
    sys.stdout.write(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
