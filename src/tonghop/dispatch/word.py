"""Word documents: DOCX with python-docx, Word 97 DOC with antiword (or LibreOffice).

DOCX text is read from the XML ourselves (python-docx gives us the parsed parts) because we
need body order with tables, text boxes once (not twice via ``mc:Fallback``), and no deleted
revisions. ND 30 headers are two-column tables: each cell becomes its own lines, so
"Số: 12/UBND-VP" and "Hà Nội, ngày ..." never end up on one line.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .errors import UnreadableDocument, UnsupportedFormat

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_XML_BYTES = 50 * 1024 * 1024
TOOL_TIMEOUT_S = 120

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = frozenset(
    {_W + "delText", _W + "instrText", _W + "del", _W + "rPr", _W + "pPr", _MC_FALLBACK}
)
_CONTAINERS = frozenset({_W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"})


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open a DOCX container, refusing non-DOCX zips and zip bombs before inflating anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument(
            "Không đọc được tệp DOCX: tệp nén bị hỏng hoặc không phải DOCX."
        ) from exc
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise UnsupportedFormat(
            "Tệp nén (ZIP) này không phải văn bản Word (DOCX): chỉ nhận PDF, DOCX, DOC hoặc TXT."
        )
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    biggest_xml = max((i.file_size for i in infos if i.filename.endswith(".xml")), default=0)
    if (
        total > MAX_UNCOMPRESSED_BYTES
        or total > MAX_COMPRESSION_RATIO * max(packed, 1) + 10**7
        or biggest_xml > MAX_XML_BYTES  # lxml needs several times this in memory
    ):
        raise UnreadableDocument(
            "Không đọc được tệp DOCX: dung lượng sau giải nén quá lớn (nghi là tệp độc hại)."
        )
    return archive


def read_docx(data: bytes) -> str:
    check_zip(data).close()
    import docx  # python-docx: imported here so TXT/PDF reading never pays for it

    try:
        document = docx.Document(io.BytesIO(data))
        body = _blocks(document.element.body)
        extra_top: list[str] = []
        extra_bottom: list[str] = []
        for rel in document.part.rels.values():
            kind = rel.reltype.rsplit("/", 1)[-1]
            if kind not in ("header", "footer") or rel.is_external:
                continue
            lines = [line for line in _blocks(rel.target_part.element) if line.strip()]
            # Page numbers and empty headers are noise; real text (a letterhead) is kept.
            if any(not line.strip().isdigit() for line in lines):
                target = extra_top if kind == "header" else extra_bottom
                for line in lines:
                    if line not in target:
                        target.append(line)
    except UnreadableDocument:
        raise
    except Exception as exc:  # python-docx and lxml raise many types on broken files
        raise UnreadableDocument("Không đọc được tệp DOCX: nội dung văn bản bị hỏng.") from exc
    return "\n".join([*extra_top, *body, *extra_bottom])


def _blocks(parent: Any) -> list[str]:
    lines: list[str] = []
    for child in parent:
        tag = child.tag
        if tag == _W + "p":
            lines.extend(_paragraph(child))
        elif tag == _W + "tbl":
            lines.extend(_table(child))
        elif tag == _W + "sdt" or tag in _CONTAINERS:
            lines.extend(_blocks(child if tag != _W + "sdt" else _sdt_content(child)))
    return lines


def _sdt_content(sdt: Any) -> Any:
    content = sdt.find(_W + "sdtContent")
    return content if content is not None else []


def _table(tbl: Any) -> list[str]:
    lines: list[str] = []
    for row in tbl.iter(_W + "tr"):
        if _ancestor_table(row) is not tbl:
            continue  # nested tables are read inside their cell
        for cell in row.iter(_W + "tc"):
            if cell.getparent() is not row and cell.getparent().tag != _W + "sdtContent":
                continue
            lines.extend(line for line in _blocks(cell) if line.strip())
    return lines


def _ancestor_table(el: Any) -> Any:
    parent = el.getparent()
    while parent is not None and parent.tag != _W + "tbl":
        parent = parent.getparent()
    return parent


def _paragraph(p: Any) -> list[str]:
    parts: list[str] = []
    boxes: list[Any] = []
    _walk_runs(p, parts, boxes)
    lines = "".join(parts).split("\n")
    for box in boxes:
        lines.extend(_blocks(box))
    return lines


def _walk_runs(el: Any, parts: list[str], boxes: list[Any]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _W + "txbxContent":
            boxes.append(child)
        else:
            _walk_runs(child, parts, boxes)


# --- Word 97 ------------------------------------------------------------------------------


def read_doc(data: bytes) -> tuple[str, list[str]]:
    """Text of a Word 97-2003 file and warnings; antiword first, LibreOffice as a fallback."""
    antiword = shutil.which("antiword")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if antiword is None and soffice is None:
        raise UnreadableDocument(
            "Không đọc được tệp Word 97-2003 (.doc): máy chủ chưa cài antiword hoặc "
            "LibreOffice. Đề nghị gửi bản DOCX hoặc PDF."
        )
    with tempfile.TemporaryDirectory(prefix="tonghop-doc-") as tmp:
        src = Path(tmp) / "document.doc"
        src.write_bytes(data)
        if antiword is not None:
            text = _antiword(antiword, src)
            if text is not None:
                return _antiword_tables(text), []
        if soffice is not None:
            text = _soffice(soffice, src, Path(tmp))
            if text is not None:
                return text, ["Tệp .doc được đọc bằng LibreOffice."]
    raise UnreadableDocument(
        "Không đọc được tệp Word 97-2003 (.doc): tệp bị hỏng, được đặt mật khẩu hoặc không "
        "đúng định dạng."
    )


def _tool_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HOME", str(home))  # antiword and soffice refuse to run without HOME
    return env


def _antiword(command: str, src: Path) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [command, "-m", "UTF-8.txt", "-w", "0", str(src)],
            capture_output=True,
            timeout=TOOL_TIMEOUT_S,
            env=_tool_env(src.parent),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or not text.strip():
        return None
    return text


def _soffice(command: str, src: Path, outdir: Path) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                command,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{outdir / 'profile'}",
                # Without an explicit filter LibreOffice imports junk as plain text.
                "--infilter=MS Word 97",
                "--convert-to",
                "txt:Text (encoded):UTF8",
                "--outdir",
                str(outdir),
                str(src),
            ],
            capture_output=True,
            timeout=TOOL_TIMEOUT_S,
            env=_tool_env(outdir),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = outdir / "document.txt"
    if done.returncode != 0 or not out.exists():
        return None
    text = out.read_bytes().decode("utf-8-sig", "replace")
    return text if text.strip() else None


def _antiword_tables(text: str) -> str:
    """Rewrite antiword's ``|cell|cell|`` table rows as one cell per line.

    Antiword wraps a cell over several rows of the block, so a two-column table (the ND 30
    header, the "Nơi nhận" and signer block) is read column by column: a wrapped subject line
    stays in one piece. Wider tables (data) keep their rows, cells joined by " | ".
    """
    out: list[str] = []
    block: list[list[str]] = []

    def flush() -> None:
        if not block:
            return
        width = max(len(row) for row in block)
        if width <= 2:
            for col in range(width):
                out.extend(row[col].strip() for row in block if col < len(row) and row[col].strip())
        else:
            for row in block:
                cells = [cell.strip() for cell in row if cell.strip()]
                if cells:
                    out.append(" | ".join(cells))
        block.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) >= 2 and stripped.startswith("|") and stripped.endswith("|"):
            block.append(stripped[1:-1].split("|"))
        elif "|" in stripped:
            # Rows of cells holding several paragraphs come out ragged ("____ |CỘNG HÒA",
            # "Phú Thọ, ngày ... | |"): each piece is a cell's line.
            flush()
            out.extend(part.strip() for part in stripped.split("|") if part.strip())
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)
