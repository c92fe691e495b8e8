"""The first run of an install: the office (its name as ND 30 writes it, the body above, its
organ code for exchange, its place and abbreviation), its first administrator, and the checklist
of what a new office still lacks. `tonghop setup` and the /setup/ pages both come here.

At the roof, beside tonghop.people: it joins the office of tonghop.orgs with the audit log and
the outbox (the test message that checks the mail settings).
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tonghop import datadir, errors, people
from tonghop.audit.models import Action, AuditEvent
from tonghop.audit.records import record
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.outbox import smtp as outbox_smtp
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders import accounts as mail
from tonghop.reports.models import Assignment

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


HOST_RE = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


def save_smtp(
    actor: User,
    office: Unit,
    values: outbox_smtp.SmtpSettings,
    test_address: str,
    request: HttpRequest | None = None,
) -> Message:
    """Send a test message through ``values`` now; only when it went are they saved (in the
    data folder, private) and used for every email from then on. An empty password keeps the
    saved one for the same server and user: a password is never shown back to be retyped.

    The attempt is in the message log either way (kind "test"), as the outbox's own tests are.
    """
    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    if not HOST_RE.match(values.host):
        raise errors.Invalid(_("Type the SMTP server's name, e.g. mail.dongson.gov.vn."))
    if not 0 < values.port < 65536:
        raise errors.Invalid(_("A port is a number from 1 to 65535."))
    if values.security not in outbox_smtp.SECURITY:
        raise errors.Invalid(_("Choose how the connection is protected."))
    before = outbox_smtp.saved()
    if (
        not values.password
        and before is not None
        and (before.host, before.username) == (values.host, values.username)
    ):
        values = replace(values, password=before.password)
    address = people.normalise_address(test_address)
    subject, body = mail.test_message_texts(office.name)
    now = timezone.now()
    # Sent here, through the settings being tried, not by the worker (which uses the saved
    # ones): the row is only the log of the attempt, so it is never "queued".
    message = Message.objects.create(
        campaign=None,
        kind=MessageKind.MAIL_TEST,
        channel=Channel.EMAIL,
        slot=f"smtp-test:{now:%Y%m%d%H%M%S%f}",
        slot_at=now,
        recipient=address,
        subject=subject[:300],
        body=body,
        status=MessageStatus.SENDING,
        lease_until=now + dt.timedelta(minutes=5),
        created_at=now,
        created_by=actor,
    )
    try:
        outbox_smtp.send_test(values, address, subject, body)
    except (smtplib.SMTPException, OSError, UnicodeError, ValueError) as exc:
        error = _smtp_error(exc)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, attempts=1, last_error=error, lease_until=None
        )
        record(
            Action.DATA,
            request=request,
            actor=actor,
            obj=office,
            details={"change": "smtp_refused", "host": values.host, "error": error[:300]},
        )
        raise errors.Invalid(
            _("The test message was not sent, nothing is saved: %(error)s") % {"error": error}
        ) from exc
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, attempts=1, sent_at=timezone.now(), lease_until=None
        )
        outbox_smtp.save(values)
        record(
            Action.DATA,
            request=request,
            actor=actor,
            obj=office,
            details={
                "change": "smtp",
                "host": values.host,
                "port": values.port,
                "username": values.username,
                "security": values.security,
                "from": values.from_address,
            },
        )
    message.refresh_from_db()
    return message


def _smtp_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {reply!r}" for address, (code, reply) in exc.recipients.items()
        )[:500]
    return (str(exc) or type(exc).__name__)[:500]


def last_test_mail() -> Message | None:
    return Message.objects.filter(kind=MessageKind.MAIL_TEST).order_by("-pk").first()


# --- Signing --------------------------------------------------------------------------------

# A PKCS#12 file is a few kilobytes (a key and a chain of three certificates); anything much
# larger is not one.
MAX_P12_BYTES = 256 * 1024
SIGNING_KEYS = {
    # which key: (the environment's prefix, the setting of its PKCS#12 file)
    "head": ("TONGHOP", "TONGHOP_SIGNING_P12"),
    "office": ("TONGHOP_OFFICE", "TONGHOP_OFFICE_SIGNING_P12"),
}


def _p12_path(which: str) -> Path:
    return Path(getattr(settings, SIGNING_KEYS[which][1]))


def _check_path(which: str) -> Path:
    """What was seen when the key last opened: the checklist trusts only this, never a file
    merely present."""
    return Path(settings.DATA_DIR) / "pki" / f"{which}-key-check.json"


def _certificate_facts(cert: Any) -> dict[str, str]:
    from cryptography import x509

    if not isinstance(cert, x509.Certificate):
        cert = x509.load_der_x509_certificate(cert.dump())
    return {
        "subject": cert.subject.rfc4514_string()[:300],
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


def _write_check(which: str, facts: dict[str, Any]) -> None:
    import json

    path = _check_path(which)
    datadir.make_folder(path.parent)
    datadir.write_private(path, json.dumps(facts, ensure_ascii=False).encode("utf-8"))


def install_p12(
    actor: User,
    office: Unit,
    which: str,
    data: bytes,
    passphrase: str,
    request: HttpRequest | None = None,
) -> dict[str, str]:
    """Keep an uploaded PKCS#12 file as ``which`` key, once it opened with its passphrase and its
    certificate passed the checks signing makes (validity now, non-repudiation, no SHA-1). The
    file goes where signing reads it (TONGHOP_SIGNING_P12 or TONGHOP_OFFICE_SIGNING_P12, in the
    data folder by default), readable by its owner only; the passphrase is kept nowhere."""
    import hashlib

    from tonghop.issuing.keys import saved_token_path
    from tonghop.issuing.signing import SigningError, load_signer

    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    if which not in SIGNING_KEYS:
        raise errors.Invalid(_("Choose which key this is."))
    if not data:
        raise errors.Invalid(_("The file is empty."))
    if len(data) > MAX_P12_BYTES:
        raise errors.Invalid(
            _("The file is too large for a PKCS#12 key (at most %(kb)s KB).")
            % {"kb": MAX_P12_BYTES // 1024}
        )
    target = _p12_path(which)
    datadir.make_folder(target.parent)
    trial = target.with_name(f".{target.name}.trial")
    datadir.write_private(trial, data)
    try:
        signer = load_signer(trial, passphrase, timezone.now())
    except SigningError as exc:
        trial.unlink(missing_ok=True)
        raise errors.Invalid(str(exc)) from exc
    facts = _certificate_facts(signer.signing_cert)
    with transaction.atomic():
        trial.replace(target)
        saved_token_path(SIGNING_KEYS[which][0]).unlink(missing_ok=True)
        _write_check(
            which,
            {"kind": "file", "sha256": hashlib.sha256(data).hexdigest(), **facts},
        )
        record(
            Action.DATA,
            request=request,
            actor=actor,
            obj=office,
            details={"change": "signing_key", "which": which, "kind": "file", **facts},
        )
    return facts


def choose_token(
    actor: User,
    office: Unit,
    which: str,
    *,
    module: str,
    token: str,
    key: str,
    pin: str,
    request: HttpRequest | None = None,
) -> dict[str, str]:
    """Use a key on a PKCS#11 token, once it opened with the PIN (and its certificate passed
    the checks signing makes). The module, token and key labels are kept in the data folder;
    the PIN is kept nowhere (the head types it at each signing)."""
    import json

    from tonghop.issuing.keys import TokenKey, release, saved_token_path
    from tonghop.issuing.signing import SigningError

    if office not in people.managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))
    if which not in SIGNING_KEYS:
        raise errors.Invalid(_("Choose which key this is."))
    module, token, key = module.strip(), token.strip(), key.strip()
    if not (module.startswith("/") and module.endswith(".so")) or ".." in module:
        raise errors.Invalid(_("The PKCS#11 module is the full path of a .so library."))
    if not token or not key:
        raise errors.Invalid(_("Type the token's label and the key's label."))
    chosen = TokenKey(module=module, token=token, key=key)
    try:
        signer = chosen.open(pin, timezone.now())
    except SigningError as exc:
        raise errors.Invalid(str(exc)) from exc
    try:
        facts = _certificate_facts(signer.signing_cert)
    finally:
        release(signer)
    where = saved_token_path(SIGNING_KEYS[which][0])
    with transaction.atomic():
        datadir.make_folder(where.parent)
        datadir.write_private(
            where, json.dumps({"module": module, "token": token, "key": key}).encode("utf-8")
        )
        _write_check(
            which, {"kind": "token", "module": module, "token": token, "key": key, **facts}
        )
        record(
            Action.DATA,
            request=request,
            actor=actor,
            obj=office,
            details={
                "change": "signing_key",
                "which": which,
                "kind": "token",
                "token": token,
                "key": key,
                **facts,
            },
        )
    return facts


def signing_state(which: str) -> dict[str, str] | None:
    """The facts of ``which`` key when it opened on the setup page, and is still the key signing
    uses, and its certificate is still valid; else None."""
    import hashlib
    import json

    from tonghop.issuing.keys import FileKey, TokenKey, key_from_environment

    try:
        facts = json.loads(_check_path(which).read_text(encoding="utf-8"))
        not_after = dt.datetime.fromisoformat(facts["not_after"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not_after <= timezone.now():
        return None
    source = key_from_environment(SIGNING_KEYS[which][0], _p12_path(which))
    if isinstance(source, FileKey):
        try:
            current = hashlib.sha256(source.path.read_bytes()).hexdigest()
        except OSError:
            return None
        if facts.get("kind") != "file" or facts.get("sha256") != current:
            return None
    elif isinstance(source, TokenKey):
        used = {"module": source.module, "token": source.token, "key": source.key}
        if facts.get("kind") != "token" or any(facts.get(k) != v for k, v in used.items()):
            return None
    else:
        return None
    return {str(k): str(v) for k, v in facts.items()}


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
    head_key, office_key = signing_state("head"), signing_state("office")
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
            gettext_lazy("The head's signing key opens"),
            head_key is not None,
            setup_url + "#signing",
            note=head_key["subject"] if head_key else str(signing),
        ),
        Item(
            gettext_lazy("The office's own signing key opens"),
            office_key is not None,
            setup_url + "#signing",
            note=office_key["subject"] if office_key else "",
        ),
        Item(
            gettext_lazy("The office's seal image"),
            bool(office.seal_png),
            reverse("signing-images"),
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


def merge_units(
    actor: User, office: Unit, merged: Unit, survivor: Unit, request: HttpRequest | None = None
) -> None:
    """Merge ``merged`` into ``survivor`` (two communes joined into one): the merged unit's
    duties in campaigns (with their reports, versions, links, receipts and messages, which hang
    off them), its reporters and the units below it move to the survivor; the merged unit is
    retired, kept with its own audit trail, which the survivor's "unit_merged" record names."""
    _check_tree(actor, office, merged)
    tree = {u.pk for u in office.descendants()}
    if survivor.pk not in tree:
        raise errors.Invalid(_("Only two units of the same office's tree can be merged."))
    if survivor.pk == merged.pk:
        raise errors.Invalid(_("A unit cannot be merged into itself."))
    with transaction.atomic():
        # Both rows locked in one order, so two merges crossing each other wait, not deadlock.
        locked = {
            u.pk: u
            for u in Unit.objects.select_for_update().filter(pk__in=[merged.pk, survivor.pk])
        }
        gone, kept = locked[merged.pk], locked[survivor.pk]
        if kept.pk in {u.pk for u in gone.descendants()}:
            raise errors.Invalid(_("A unit cannot be merged into a unit of its own branch."))
        if not kept.is_active:
            raise errors.Invalid(_("The unit it is merged into is retired: restore it first."))
        both = (
            Assignment.objects.filter(unit=kept)
            .filter(campaign__assignments__unit=gone)
            .select_related("campaign")
            .order_by("campaign__pk")
            .first()
        )
        if both is not None:
            raise errors.Invalid(
                _(
                    "Both units have a duty in the campaign “%(title)s”: they cannot be merged "
                    "while it holds both."
                )
                % {"title": both.campaign.title}
            )
        assignments = list(
            Assignment.objects.filter(unit=gone).order_by("pk").values_list("pk", flat=True)
        )
        Assignment.objects.filter(pk__in=assignments).update(unit=kept)
        reporters: list[int] = []
        for membership in Membership.objects.filter(unit=gone).order_by("pk"):
            reporters.append(membership.user_id)
            Membership.objects.get_or_create(
                user_id=membership.user_id, unit=kept, role=membership.role
            )
        Membership.objects.filter(unit=gone).delete()
        children = list(
            Unit.objects.filter(parent=gone).order_by("pk").values_list("pk", flat=True)
        )
        Unit.objects.filter(pk__in=children).update(parent=kept)
        if not kept.email and gone.email:
            kept.email = gone.email
            kept.save(update_fields=["email"])
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        _tree_record(
            actor,
            kept,
            {
                "change": "unit_merged",
                "merged": gone.pk,
                "merged_code": gone.code,
                "merged_name": gone.name,
                "assignments": assignments,
                "reporters": reporters,
                "children": children,
            },
            request,
        )
        _tree_record(
            actor, gone, {"change": "unit_merged_into", "into": kept.pk, "code": kept.code}, request
        )


def merged_into(units: list[Unit]) -> dict[int, list[Unit]]:
    """The units merged into each of ``units``, from the audit trail (the merged units keep
    their own trails, and the survivor's record names them)."""
    events = AuditEvent.objects.filter(
        details__change="unit_merged", object_id__in=[str(u.pk) for u in units]
    ).values_list("object_id", "details__merged")
    pairs = [(int(kept), gone) for kept, gone in events if isinstance(gone, int)]
    found = Unit.objects.in_bulk([gone for _kept, gone in pairs])
    merged: dict[int, list[Unit]] = {}
    for kept, gone in pairs:
        if gone in found:
            merged.setdefault(kept, []).append(found[gone])
    return merged


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
