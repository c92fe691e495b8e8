"""The first run of an install: the office (its name as ND 30 writes it, the body above, its
organ code for exchange, its place and abbreviation), its first administrator, and the checklist
of what a new office still lacks. `tonghop setup` and the /setup/ pages both come here.

At the roof, beside tonghop.people: it joins the office of tonghop.orgs with the audit log and
the outbox (the test message that checks the mail settings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tonghop import errors, people
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.outbox.models import Message, MessageKind
from tonghop.reminders import accounts as mail

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Mã định danh (QCVN 102 / Decision 20/2020/QĐ-TTg): groups of digits and capitals, e.g.
# 000.00.11.H53.
ORGAN_RE = re.compile(r"^[0-9A-Z]{2,3}(\.[0-9A-Z]{2,3}){1,4}$")
ABBREVIATION_RE = re.compile(r"^[0-9A-ZĐ&-]{1,40}$")
OFFICE_FIELDS = ("name", "parent_body", "organ_id", "place", "short_name", "email")


@dataclass
class OfficeSpec:
    code: str
    name: str
    parent_body: str = ""
    organ_id: str = ""
    place: str = ""
    abbreviation: str = ""
    email: str = ""


@dataclass
class AdminSpec:
    username: str
    email: str
    full_name: str = ""
    password: str = ""


def has_office() -> bool:
    return Unit.objects.filter(kind=UnitKind.OFFICE).exists()


def check_office_fields(
    *,
    name: str,
    organ_id: str,
    abbreviation: str,
    code: str | None = None,
    office: Unit | None = None,
) -> None:
    """Raises Invalid with the first thing wrong, in words a person reads."""
    if not name.strip():
        raise errors.Invalid(_("Type the office's name."))
    if code is not None:
        if not CODE_RE.match(code):
            raise errors.Invalid(
                _("A code has small letters without accents, digits and dashes (e.g. phong-vh).")
            )
        if Unit.objects.filter(code=code).exists():
            raise errors.Invalid(_("A unit with this code exists already."))
    if organ_id:
        if not ORGAN_RE.match(organ_id):
            raise errors.Invalid(_("An organ code looks like 000.00.11.H53."))
        same = Unit.objects.filter(organ_id=organ_id)
        if office is not None:
            same = same.exclude(pk=office.pk)
        if same.exists():
            raise errors.Invalid(_("Another unit has this organ code already."))
    if abbreviation and not ABBREVIATION_RE.match(abbreviation):
        raise errors.Invalid(_("An abbreviation has capitals, digits, & and dashes (VHKHTT)."))


def start_office(office_spec: OfficeSpec, admin_spec: AdminSpec) -> tuple[Unit, User, str]:
    """The office and its first administrator, in one transaction. Without a password, the
    administrator gets an invitation link (returned, to be printed) instead."""
    spec = office_spec
    check_office_fields(
        name=spec.name, organ_id=spec.organ_id, abbreviation=spec.abbreviation, code=spec.code
    )
    if not people.USERNAME_RE.match(admin_spec.username):
        raise errors.Invalid(_("A user name has letters, digits and . @ + - _ only."))
    if User.objects.filter(username__iexact=admin_spec.username).exists():
        raise errors.Invalid(_("This user name is taken."))
    with transaction.atomic():
        office = Unit.objects.create(
            code=spec.code,
            name=spec.name.strip(),
            kind=UnitKind.OFFICE,
            parent_body=spec.parent_body.strip(),
            organ_id=spec.organ_id,
            place=spec.place.strip(),
            short_name=spec.abbreviation,
            email=spec.email.strip(),
        )
        admin = User(
            username=admin_spec.username,
            email=people.normalise_address(admin_spec.email),
            full_name=admin_spec.full_name.strip(),
        )
        if admin_spec.password:
            admin.set_password(admin_spec.password)
        else:
            admin.set_unusable_password()
            admin.invited_at = timezone.now()
        admin.save()
        Membership.objects.create(user=admin, unit=office, role=Role.ADMIN)
        record(
            Action.DATA,
            actor=admin,
            obj=office,
            details={"change": "office_created", "organ_id": office.organ_id},
        )
        link = "" if admin_spec.password else people.invitation_link(admin)
    return office, admin, link


def update_office(
    actor: User, office: Unit, values: dict[str, str], request: HttpRequest | None = None
) -> None:
    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    check_office_fields(
        name=values["name"],
        organ_id=values["organ_id"],
        abbreviation=values["short_name"],
        office=office,
    )
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=office.pk)
        before = {field: getattr(locked, field) for field in OFFICE_FIELDS}
        for field in OFFICE_FIELDS:
            setattr(locked, field, values[field].strip())
        locked.save(update_fields=list(OFFICE_FIELDS))
        changed = {f: [before[f], values[f]] for f in OFFICE_FIELDS if before[f] != values[f]}
        if changed:
            record(
                Action.DATA,
                request=request,
                actor=actor,
                obj=locked,
                details={"change": "office", "fields": changed},
            )


def send_test_mail(actor: User, office: Unit, address: str) -> Message:
    """A message through the outbox, as every other: its state on the checklist says whether
    the mail settings work (sent) or what the server answered (failed)."""
    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    message = mail.queue_test_message(people.normalise_address(address), office.name)
    mail.deliver_soon()
    message.refresh_from_db()
    return message


def last_test_mail() -> Message | None:
    return Message.objects.filter(kind=MessageKind.MAIL_TEST).order_by("-pk").first()


@dataclass
class Item:
    label: Any
    done: bool
    url: str
    note: str = ""


def checklist(office: Unit) -> list[Item]:
    """What a new office still lacks, each with the page that gives it."""
    setup_url = reverse("setup:office") + f"?office={office.code}"
    people_url = reverse("people:list") + f"?office={office.code}"
    roles = set(
        Membership.objects.filter(unit=office, user__is_active=True).values_list("role", flat=True)
    )
    units = office.descendants()
    test = last_test_mail()
    signing = Path(settings.TONGHOP_SIGNING_P12)
    return [
        Item(
            gettext_lazy("The office: name, body above, organ code, place, abbreviation"),
            all([office.name, office.parent_body, office.organ_id, office.place]),
            setup_url,
        ),
        Item(gettext_lazy("A head"), Role.HEAD in roles, people_url),
        Item(gettext_lazy("A specialist"), Role.SPECIALIST in roles, people_url),
        Item(
            gettext_lazy("Units in the tree"),
            bool(units),
            reverse("setup:units") + f"?office={office.code}",
            note=str(len(units)),
        ),
        Item(
            gettext_lazy("Mail works (a test message was sent)"),
            test is not None and test.status == "sent",
            setup_url,
            note=(test.last_error if test is not None else ""),
        ),
        Item(
            gettext_lazy("The office's signing key"),
            signing.is_file(),
            setup_url,
            note=str(signing),
        ),
        Item(
            gettext_lazy("The site's address in links"),
            not settings.SITE_URL.startswith("http://127.0.0.1"),
            setup_url,
            note=settings.SITE_URL,
        ),
    ]


# --- The unit tree ------------------------------------------------------------------------


def _check_tree(actor: User, office: Unit, unit: Unit | None = None) -> None:
    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    if unit is not None and unit.pk not in {u.pk for u in office.descendants()}:
        raise errors.NotAllowed(_("This unit is not in the office's tree."))


def _tree_record(
    actor: User, unit: Unit, details: dict[str, Any], request: HttpRequest | None
) -> None:
    record(Action.DATA, request=request, actor=actor, obj=unit, details=details)


def add_unit(
    actor: User,
    office: Unit,
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    email: str = "",
    request: HttpRequest | None = None,
) -> Unit:
    _check_tree(actor, office, parent if parent is not None and parent != office else None)
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise errors.Invalid(
            _("A code has small letters without accents, digits and dashes (e.g. phong-vh).")
        )
    if not name.strip():
        raise errors.Invalid(_("Type the unit's name."))
    if kind not in UnitKind.values or kind == UnitKind.OFFICE:
        raise errors.Invalid(_("Choose the unit's kind."))
    with transaction.atomic():
        if Unit.objects.filter(code=code).exists():
            raise errors.Invalid(_("A unit with this code exists already."))
        unit = Unit.objects.create(
            code=code,
            name=name.strip()[:255],
            kind=kind,
            parent=parent or office,
            email=people.normalise_address(email),
        )
        _tree_record(actor, unit, {"change": "unit_added", "parent": unit.parent_id}, request)
    return unit


def rename_unit(
    actor: User, office: Unit, unit: Unit, name: str, request: HttpRequest | None = None
) -> None:
    _check_tree(actor, office, unit)
    if not name.strip():
        raise errors.Invalid(_("Type the unit's name."))
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        old = locked.name
        locked.name = name.strip()[:255]
        locked.save(update_fields=["name"])
        _tree_record(
            actor, locked, {"change": "unit_renamed", "from": old, "to": locked.name}, request
        )


def move_unit(
    actor: User, office: Unit, unit: Unit, parent: Unit, request: HttpRequest | None = None
) -> None:
    """Under another unit of the tree (or the office), never under itself or its own branch."""
    _check_tree(actor, office, unit)
    if parent != office:
        _check_tree(actor, office, parent)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        if parent.pk == locked.pk or parent.pk in {u.pk for u in locked.descendants()}:
            raise errors.Invalid(_("A unit cannot move under itself or a unit of its own branch."))
        old = locked.parent_id
        locked.parent = parent
        locked.save(update_fields=["parent"])
        _tree_record(actor, locked, {"change": "unit_moved", "from": old, "to": parent.pk}, request)


def set_unit_active(
    actor: User, office: Unit, unit: Unit, active: bool, request: HttpRequest | None = None
) -> None:
    """Retire a unit: it stays in past campaigns and is no longer offered for new ones."""
    _check_tree(actor, office, unit)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        if locked.is_active == active:
            raise errors.Stale(_("The unit is already in this state."))
        if not active and locked.children.filter(is_active=True).exists():
            raise errors.Invalid(_("Retire or move the units below it first."))
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        change = "unit_restored" if active else "unit_retired"
        _tree_record(actor, locked, {"change": change}, request)


def tree_rows(office: Unit) -> list[tuple[int, Unit]]:
    """The office's units depth first, with their depth (the office itself is 0)."""
    units = office.descendants()
    below: dict[int | None, list[Unit]] = {}
    for unit in units:
        below.setdefault(unit.parent_id, []).append(unit)
    rows: list[tuple[int, Unit]] = []

    def walk(parent: Unit, depth: int) -> None:
        for child in sorted(below.get(parent.pk, []), key=lambda u: u.name):
            rows.append((depth, child))
            walk(child, depth + 1)

    walk(office, 1)
    return rows


def write_tree_xlsx(office: Unit, stream: Any) -> None:
    """The tree as a workbook whose headings the unit import reads back."""
    from openpyxl import Workbook

    from tonghop.audit.spreadsheet import safe_cell

    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(title="Đơn vị")
    sheet.append(
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Loại",
            "Đơn vị cấp trên",
            "Email",
            "Người liên hệ",
            "Điện thoại",
            "Còn hoạt động",
        ]
    )
    for _depth, unit in tree_rows(office):
        parent = "" if unit.parent_id == office.pk or unit.parent is None else unit.parent.code
        sheet.append(
            [
                safe_cell(unit.code),
                safe_cell(unit.name),
                unit.kind,
                safe_cell(parent),
                safe_cell(unit.email),
                safe_cell(unit.contact_name),
                safe_cell(unit.contact_phone),
                "có" if unit.is_active else "không",
            ]
        )
    workbook.save(stream)
