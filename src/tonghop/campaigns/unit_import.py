"""Reading a list of units from a spreadsheet, and what confirming it would change.

Two pure steps, tested alone: `read_table(data, name)` turns the bytes of an .xlsx or .csv file
into rows keyed by field; `plan_import(rows, ...)` compares them with a snapshot of the units
and says, row by row, what confirming would do. Neither touches the database: the caller passes
the snapshot in, and campaigns.actions applies the plan in one transaction.

Files are judged by their content, never by their name: an .xlsx must be a zip holding a
workbook, a .csv must decode as UTF-8 text. Anything else is refused with a sentence saying
what the file seems to be.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

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

FIELDS = ("code", "name", "kind", "parent", "email", "contact", "phone")
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

_CODE = re.compile(r"^[-a-z0-9_]+$")
LIMITS = {"code": 40, "name": 255, "email": 254, "contact": 200, "phone": 40, "parent": 40}


class ImportFileError(Exception):
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
    return str(value).strip()[: MAX_CELL + 1]


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = data.decode("utf-8-sig")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            yield [v.strip()[: MAX_CELL + 1] for v in values[:MAX_COLUMNS]]
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
                "e.g. “Mã đơn vị”, “Tên đơn vị”, “Loại”, “Đơn vị cấp trên”, “Email”."
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


# --- Planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownUnit:
    """A unit as the database holds it, for planning without the database."""

    code: str
    name: str
    kind: str
    parent_code: str
    email: str = ""
    contact: str = ""
    phone: str = ""
    is_active: bool = True
    in_tree: bool = True  # in the office's tree (the office itself included)


class RowAction(enum.StrEnum):
    ASSIGN = "assign"  # the unit exists, unchanged
    UPDATE = "update"  # the unit exists; its details change
    CREATE = "create"  # a new unit
    ERROR = "error"  # nothing is done with this row


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Problem:
    code: str  # stable, for tests and the digest
    message: str


@dataclass(frozen=True)
class PlannedRow:
    line: int
    code: str
    name: str
    action: RowAction
    kind: str = ""
    parent: str = ""  # the parent's code once confirmed ("" for the office itself)
    email: str = ""
    contact: str = ""
    phone: str = ""
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    already_assigned: bool = False

    @property
    def is_error(self) -> bool:
        return self.action == RowAction.ERROR


@dataclass(frozen=True)
class Plan:
    rows: tuple[PlannedRow, ...]
    ignored: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def usable(self) -> list[PlannedRow]:
        return [row for row in self.rows if not row.is_error]

    @property
    def errors(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.is_error]

    def digest(self) -> str:
        """What confirming would do, as a hash: compared at confirmation with the preview's."""
        shape = [
            [
                r.line,
                r.code,
                r.action.value,
                r.parent,
                r.already_assigned,
                [[c.field, c.old, c.new] for c in r.changes],
                [p.code for p in r.problems],
            ]
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()


def codes_named(rows: Iterable[ImportedRow]) -> set[str]:
    """Every unit code a list names, as units or as parents: what the snapshot must cover."""
    found: set[str] = set()
    for row in rows:
        found.update(c for c in (row.code.strip().lower(), row.parent.strip().lower()) if c)
    return found


def plan_import(
    rows: Sequence[ImportedRow],
    office_code: str,
    known: Mapping[str, KnownUnit],
    assigned: Collection[str] = (),
    ignored: Sequence[str] = (),
) -> Plan:
    """What confirming the list would do, row by row.

    `known` maps lower-case codes to the units of the office's tree and to every other unit
    whose code the list names; `assigned` holds the codes already in the campaign. An empty
    optional cell leaves an existing unit's detail as it is.
    """
    office = office_code.lower()
    by_code = Counter(row.code.strip().lower() for row in rows if row.code.strip())
    new_codes = {
        code for code in by_code if code not in known and by_code[code] == 1 and _CODE.match(code)
    }
    planned = [_plan_row(row, office, known, new_codes, by_code, assigned) for row in rows]
    planned = _check_parents(planned, office, known)
    counts = Counter(row.action.value for row in planned)
    counts["new_to_campaign"] = sum(
        1 for row in planned if not row.is_error and not row.already_assigned
    )
    return Plan(rows=tuple(planned), ignored=tuple(ignored), counts=dict(counts))


def _plan_row(
    row: ImportedRow,
    office: str,
    known: Mapping[str, KnownUnit],
    new_codes: Collection[str],
    by_code: Counter[str],
    assigned: Collection[str],
) -> PlannedRow:
    problems: list[Problem] = []
    code = row.code.strip().lower()
    name = " ".join(row.name.split())
    if not code:
        problems.append(Problem("code-missing", _("The unit code is missing.")))
    elif len(code) > LIMITS["code"] or not _CODE.match(code):
        problems.append(
            Problem(
                "code-invalid",
                _("The code may hold only letters a–z, digits, “-” and “_”, at most 40."),
            )
        )
    elif by_code[code] > 1:
        problems.append(
            Problem(
                "code-duplicate",
                _("The code %(code)s appears %(n)s times in the file.")
                % {"code": code, "n": by_code[code]},
            )
        )
    elif code == office:
        problems.append(Problem("code-office", _("This is the office itself.")))
    elif code in known and not known[code].in_tree:
        problems.append(
            Problem(
                "code-foreign",
                _("The code %(code)s is used by a unit outside this office's tree.")
                % {"code": code},
            )
        )
    existing = known.get(code) if code else None
    if not name and existing is None:
        problems.append(Problem("name-missing", _("The unit name is missing.")))
    kind = ""
    if row.kind.strip():
        kind = KIND_ALIASES.get(fold(row.kind), "")
        if not kind:
            problems.append(
                Problem(
                    "kind-invalid",
                    _("Unknown kind “%(kind)s”: write xã, trường, cơ quan or khác.")
                    % {"kind": row.kind[:60]},
                )
            )
    email = row.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(
                    "email-invalid",
                    _("“%(email)s” is not an email address.") % {"email": email[:80]},
                )
            )
    contact, phone = " ".join(row.contact.split()), row.phone.strip()
    for name_, value in (("name", name), ("email", email), ("contact", contact), ("phone", phone)):
        if len(value) > LIMITS[name_]:
            problems.append(
                Problem(
                    f"{name_}-too-long",
                    _("Too long: at most %(limit)s characters.") % {"limit": LIMITS[name_]},
                )
            )
    parent = row.parent.strip().lower()
    if parent == office:
        parent = ""
    if parent:
        if parent == code:
            problems.append(Problem("parent-self", _("A unit cannot be its own parent.")))
        elif parent in known and not known[parent].in_tree:
            problems.append(
                Problem(
                    "parent-foreign",
                    _("The parent unit %(code)s is outside this office's tree.") % {"code": parent},
                )
            )
        elif parent not in known and parent in by_code and parent not in new_codes:
            # Named in the file, but on rows that cannot be created (a duplicate, a bad code).
            problems.append(_parent_refused(parent))
        elif parent not in known and parent not in new_codes:
            problems.append(
                Problem(
                    "parent-missing",
                    _("No unit with the code %(code)s, in the office's tree or in this file.")
                    % {"code": parent},
                )
            )
    if problems:
        return PlannedRow(
            line=row.line,
            code=code,
            name=name or (existing.name if existing else ""),
            action=RowAction.ERROR,
            kind=kind,
            parent=parent,
            email=email,
            contact=contact,
            phone=phone,
            problems=tuple(problems),
        )
    if existing is None:
        return PlannedRow(
            line=row.line,
            code=code,
            name=name,
            action=RowAction.CREATE,
            kind=kind or UnitKind.OTHER,
            parent=parent,
            email=email,
            contact=contact,
            phone=phone,
        )
    # An empty parent cell keeps the unit where it is; "" as a new parent means the office.
    new_parent = parent if row.parent.strip() else None
    changes = _changes(existing, name, kind, email, contact, phone, new_parent)
    return PlannedRow(
        line=row.line,
        code=code,
        name=name or existing.name,
        action=RowAction.UPDATE if changes else RowAction.ASSIGN,
        kind=kind or existing.kind,
        parent=existing.parent_code if new_parent is None else new_parent,
        email=email or existing.email,
        contact=contact or existing.contact,
        phone=phone or existing.phone,
        changes=changes,
        already_assigned=code in assigned,
    )


def _parent_refused(code: str) -> Problem:
    return Problem(
        "parent-refused", _("Its parent unit %(code)s is on a row with an error.") % {"code": code}
    )


def _changes(
    unit: KnownUnit, name: str, kind: str, email: str, contact: str, phone: str, parent: str | None
) -> tuple[Change, ...]:
    found = []
    for field_, old, new in (
        ("name", unit.name, name),
        ("kind", unit.kind, kind),
        ("email", unit.email, email),
        ("contact", unit.contact, contact),
        ("phone", unit.phone, phone),
    ):
        if new and new != old:
            found.append(Change(field_, old, new))
    if parent is not None and parent != unit.parent_code:
        found.append(Change("parent", unit.parent_code, parent))
    if not unit.is_active:
        found.append(Change("is_active", "0", "1"))
    return tuple(found)


def _check_parents(
    planned: list[PlannedRow], office: str, known: Mapping[str, KnownUnit]
) -> list[PlannedRow]:
    """Refuse rows below a refused new unit, however deep, and moves that would make a loop.

    Each pass is linear in the rows (a list of 5,000 units nested 5,000 deep included); a pass
    that refuses rows may refuse their children on the next, so passes repeat until none does.
    """
    while True:
        usable = {row.code: index for index, row in enumerate(planned) if not row.is_error}
        parents = {code: unit.parent_code for code, unit in known.items() if unit.in_tree}
        parents.update({row.code: row.parent for row in planned if not row.is_error})
        marks = _below_refused(planned, usable, known)
        for code in _on_loops(usable, parents, office):
            marks.setdefault(
                usable[code],
                Problem("parent-loop", _("This would place the unit below itself in the tree.")),
            )
        if not marks:
            return planned
        for index, problem in marks.items():
            row = planned[index]
            planned[index] = PlannedRow(
                line=row.line,
                code=row.code,
                name=row.name,
                action=RowAction.ERROR,
                kind=row.kind,
                parent=row.parent,
                email=row.email,
                contact=row.contact,
                phone=row.phone,
                problems=(problem,),
            )


def _below_refused(
    planned: Sequence[PlannedRow], usable: Mapping[str, int], known: Mapping[str, KnownUnit]
) -> dict[int, Problem]:
    children: dict[str, list[str]] = {}
    for code, index in usable.items():
        if planned[index].parent:
            children.setdefault(planned[index].parent, []).append(code)
    stack = [row.code for row in planned if row.is_error and row.code and row.code not in known]
    marks: dict[int, Problem] = {}
    while stack:
        for child in children.pop(stack.pop(), []):
            marks[usable[child]] = _parent_refused(planned[usable[child]].parent)
            stack.append(child)
    return marks


def _on_loops(usable: Mapping[str, int], parents: Mapping[str, str], office: str) -> set[str]:
    """The listed units that would sit on a loop: each chain of parents is walked once."""
    done: set[str] = set()
    found: set[str] = set()
    for start in usable:
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        while node and node != office and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parents.get(node, "")
        if node in on_path:
            found.update(c for c in path[path.index(node) :] if c in usable)
        done.update(path)
    return found


# --- Showing a plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PreviewRow:
    """A planned row as the preview shows it: kinds and parents in words."""

    row: PlannedRow
    kind: str
    parent: str
    changes: tuple[ShownChange, ...]


def preview_rows(plan: Plan, office_name: str) -> list[PreviewRow]:
    kinds = {kind.value: str(kind.label) for kind in UnitKind}

    def shown(name: str, value: str) -> str:
        if name == "kind":
            return kinds.get(value, value)
        if name == "parent":
            return value or office_name
        if name == "is_active":
            return _("yes") if value == "1" else _("no")
        return value or "—"

    return [
        PreviewRow(
            row=row,
            kind=kinds.get(row.kind, row.kind),
            parent=row.parent or office_name,
            changes=tuple(
                ShownChange(field_label(c.field), shown(c.field, c.old), shown(c.field, c.new))
                for c in row.changes
            ),
        )
        for row in plan.rows
    ]
