"""Reading a list of units from a spreadsheet: `read_table(data, name)` turns the bytes of an
.xlsx or .csv file into rows keyed by field, or refuses the file (ImportFileError) with a sentence
saying what it seems to be. Pure: no database.

Files are judged by their content, never by their name: an .xlsx must be a zip holding a
workbook, a .csv must decode as UTF-8 text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.inputs import clean_text
from tonghop.orgs.models import UnitKind

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# A 2 MB workbook can unpack to gigabytes (a "zip bomb"): refuse one that claims to.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
# Columns and leading rows looked at: a heading far to the right or far down is not a list.
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 10
# Rows read in all, empty ones included: a sheet formatted down to row 1,048,576 stops here.
MAX_RAW_ROWS = 4 * MAX_ROWS
# Longest cell kept: longer values are cut here, so the plan still sees them as too long.
MAX_CELL = 1000

REQUIRED = ("code", "name")


def _aliases(table: Mapping[str, str]) -> dict[str, str]:
    return {alias: value for value, aliases in table.items() for alias in aliases.split("|")}


# Headings as offices write them, compared by fold() (no accents, case or punctuation).
HEADER_ALIASES = _aliases(
    {
        "code": "ma don vi|ma dv|ma|ma so|ma so don vi|code|unit code",
        "name": "ten don vi|ten dv|ten|don vi|name|unit name",
        "kind": "loai|loai don vi|kind|type|unit kind",
        "parent": "don vi cap tren|ma don vi cap tren|ma cap tren|cap tren|truc thuoc|parent"
        "|parent code|parent unit",
        "email": "email|e mail|thu dien tu|dia chi email|dia chi thu dien tu",
        "contact": "nguoi lien he|lien he|ho ten nguoi lien he|can bo lien he|contact"
        "|contact name|contact person",
        "phone": "dien thoai|so dien thoai|dien thoai lien he|sdt|dt|phone|telephone|contact phone",
    }
)

# Kinds as offices write them, folded the same way; the stored values are UnitKind's.
KIND_ALIASES = _aliases(
    {
        UnitKind.COMMUNE: "commune|xa|phuong|thi tran|ubnd xa|ubnd phuong",
        UnitKind.SCHOOL: "school|truong|truong hoc|mam non|tieu hoc|thcs|thpt",
        UnitKind.AGENCY: "agency|co quan|co quan don vi|ban nganh|to chuc",
        UnitKind.OFFICE: "office|phong|phong ban|co quan quan ly",
        UnitKind.OTHER: "other|khac|don vi khac",
    }
)

LIMITS = {"code": 40, "name": 255, "email": 254, "contact": 200, "phone": 40, "parent": 40}


class ImportFileError(errors.Invalid):
    """The file cannot be read as a unit list. str() is a sentence for the person."""


def fold(text: str) -> str:
    """Lower case, without accents or punctuation: how headings and kinds are compared."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedRow:
    """One unit as the file gives it: stripped text, "" where a cell is empty or absent."""

    line: int
    code: str = ""
    name: str = ""
    kind: str = ""
    parent: str = ""
    email: str = ""
    contact: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportedRow:
        """A row from the stored preview (or a reader's cells); anything missing is empty."""

        def text(name: str) -> str:
            return str(data.get(name) or "")[: MAX_CELL + 1]

        return cls(
            line=int(data.get("line") or 0),
            code=text("code"),
            name=text("name"),
            kind=text("kind"),
            parent=text("parent"),
            email=text("email"),
            contact=text("contact"),
            phone=text("phone"),
        )


@dataclass(frozen=True)
class Table:
    file_kind: str  # "xlsx" or "csv"
    rows: tuple[ImportedRow, ...]
    columns: dict[str, str]  # field -> the heading it was read from
    ignored: tuple[str, ...]  # headings of the columns that were not used


def read_table(data: bytes, name: str = "") -> Table:
    """Read a unit list from the bytes of a file; raise ImportFileError when it cannot be."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    kind = sniff(data, name)
    raw = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    return _table(kind, raw)


def sniff(data: bytes, name: str = "") -> str:
    """Say "xlsx" or "csv", judged by the content; refuse anything else with what it seems to be."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    label = name or _("The file")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        parts = _zip_parts(data)
        if {"[Content_Types].xml", "xl/workbook.xml"} <= parts:
            return "xlsx"
        what = _("a Word document") if "word/document.xml" in parts else _("a zip archive")
        raise _not_a_list(label, what)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "“%(name)s” is an old Excel 97–2003 (.xls) or Word file. Open it in Excel and "
                "save it as an Excel workbook (.xlsx) or as CSV UTF-8."
            )
            % {"name": label}
        )
    for magic, what in (
        (b"%PDF", _("a PDF document")),
        (b"\x89PNG", _("an image")),
        (b"\xff\xd8\xff", _("an image")),
        (b"GIF8", _("an image")),
        (b"{\\rtf", _("a Word document")),
    ):
        if data.startswith(magic):
            raise _not_a_list(label, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if _looks_binary(data):
            raise _not_a_list(label, _("binary data")) from None
        raise ImportFileError(
            _(
                "“%(name)s” is not UTF-8 text. In Excel, save it with “Save as” → "
                "“CSV UTF-8 (comma delimited)”, or as an Excel workbook (.xlsx)."
            )
            % {"name": label}
        ) from None
    if _looks_binary(text.encode("utf-8", "surrogatepass")):
        raise _not_a_list(label, _("binary data"))
    return "csv"


def _not_a_list(name: str, what: str) -> ImportFileError:
    return ImportFileError(
        _("“%(name)s” is %(what)s, not an Excel workbook (.xlsx) or a CSV text file.")
        % {"name": name, "what": what}
    )


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return control > len(sample) // 100


def _zip_parts(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The workbook unpacks to too much data to be a unit list."))
    return {m.filename for m in members}


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to XML errors
        raise ImportFileError(_workbook_unreadable()) from None
    try:
        if not book.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        sheet = book.worksheets[0]
        try:
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield [_cell_text(v) for v in values]
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(_workbook_unreadable()) from None
    finally:
        book.close()


def _workbook_unreadable() -> str:
    return _(
        "The file looks like an Excel workbook but cannot be read. Open it in Excel, save it "
        "again as .xlsx, and send it again."
    )


def _clean(text: str) -> str:
    # Every cell is one line: nobody means control characters or a line break in a unit's
    # name or code, some systems export them, and PostgreSQL refuses a NUL in any text.
    return clean_text(text).strip()[: MAX_CELL + 1]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # A code or phone typed as a number comes back as 123.0.
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return _clean(str(value))


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = data.decode("utf-8-sig")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            yield [_clean(v) for v in values[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)s of the CSV file cannot be read: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None


def _delimiter(text: str) -> str:
    """Comma or semicolon (Excel writes ";" where the decimal mark is a comma), or tab: the one
    that splits a heading row into known headings, else the commonest in the first lines."""
    head = text[:20000].splitlines()[:HEADER_SEARCH_ROWS]
    for line in head:
        for delimiter in (",", ";", "\t"):
            cells = next(csv.reader([line], delimiter=delimiter), [])
            found = {HEADER_ALIASES.get(fold(c)) for c in cells}
            if set(REQUIRED) <= found:
                return delimiter
    sample = "\n".join(head)
    return max((",", ";", "\t"), key=sample.count)


def _table(kind: str, raw: Iterable[list[str]]) -> Table:
    lines = enumerate(raw, start=1)
    columns: dict[int, str] = {}
    headings: list[str] = []
    # The heading row may sit below a title ("DANH SÁCH ĐƠN VỊ"): the first row naming both
    # required columns, else the row naming the most, to say what is missing.
    best: set[str | None] | None = None
    for line, values in lines:
        if not any(values):
            continue
        mapped = {i: HEADER_ALIASES.get(fold(v)) for i, v in enumerate(values)}
        if set(REQUIRED) <= set(mapped.values()):
            headings = values
            columns = {i: f for i, f in mapped.items() if f}
            break
        if best is None or len(set(mapped.values()) - {None}) > len(best - {None}):
            best = set(mapped.values())
        if line >= HEADER_SEARCH_ROWS:
            break
    if best is None and not columns:
        raise ImportFileError(_("The file is empty."))
    if not columns:
        found = best or set()
        missing = [field_label(f) for f in REQUIRED if f not in found]
        raise ImportFileError(
            _(
                "Missing column: %(columns)s. The first row of the list must name its columns, "
                "e.g. “Unit code”, “Unit name”, “Kind”, “Parent unit”, “Email”."
            )
            % {"columns": ", ".join(missing)}
        )
    counts = Counter(columns.values())
    doubled = [f for f, n in counts.items() if n > 1]
    if doubled:
        raise ImportFileError(
            _("Two columns are both read as “%(column)s”: keep one.")
            % {"column": field_label(doubled[0])}
        )
    rows: list[ImportedRow] = []
    unnamed_with_data: set[int] = set()
    for count, (line, values) in enumerate(lines, start=1):
        if count > MAX_RAW_ROWS:
            raise _too_many()
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many()
        cells = {f: values[i] if i < len(values) else "" for i, f in columns.items()}
        rows.append(ImportedRow.from_dict({**cells, "line": line}))
        unnamed_with_data.update(
            i for i, v in enumerate(values) if v and (i >= len(headings) or not headings[i].strip())
        )
    if not rows:
        raise ImportFileError(_("The file names its columns but lists no unit."))
    ignored = [h for i, h in enumerate(headings) if h.strip() and i not in columns]
    ignored += [_("column %(n)s (no heading)") % {"n": i + 1} for i in sorted(unnamed_with_data)]
    return Table(
        file_kind=kind,
        rows=tuple(rows),
        columns={f: headings[i] for i, f in columns.items()},
        ignored=tuple(ignored),
    )


def _too_many() -> ImportFileError:
    return ImportFileError(
        _("The list is too long: at most %(rows)s units per file.")
        % {"rows": f"{MAX_ROWS:,}".replace(",", ".")}
    )


def field_label(name: str) -> str:
    """The name of a field of the list, as the preview and the messages show it."""
    labels = {
        "code": _("Unit code"),
        "name": _("Unit name"),
        "kind": _("Kind"),
        "parent": _("Parent unit"),
        "email": _("Email"),
        "contact": _("Contact person"),
        "phone": _("Phone"),
        "is_active": _("Active"),
    }
    return str(labels.get(name, name))
