"""What confirming a list of units would change: `plan_import(rows, ...)` compares the rows
read by campaigns.unit_table with a snapshot of the units and says, row by row, what confirming
would do; `preview_rows` shows a plan. Pure: the caller passes the snapshot in, and
campaigns.actions applies the plan in one transaction.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tonghop.campaigns.unit_table import (
    KIND_ALIASES,
    LIMITS,
    ImportedRow,
    field_label,
    fold,
)
from tonghop.orgs.models import UnitKind

# A unit's code as tonghop keeps it: lower case letters, digits, "-" and "_".
_CODE = re.compile(r"^[-a-z0-9_]+$")


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
