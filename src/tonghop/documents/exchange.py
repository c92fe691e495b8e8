"""edXML packages (QCVN 102:2016) into the incoming register: the exchange inbox.

What a clerk can trust of a package taken in here:
- it is addressed to this office (its organ code among the receivers), unless the clerk takes
  in on purpose a package forwarded from elsewhere;
- the same document twice is recognised, by the sender's DocumentId and by (sender, number,
  symbol, date), and answered "already received" with the document it is;
- an update, replace or revoke (thu hồi) package changes the document it names, through the
  document's transition table (documents.actions), never registers a new one; one naming a
  document never received is refused;
- urgency and due date are kept; every attachment is kept and checked by its content (a file
  declared PDF that is not one is refused; a zip holding another edXML package is read and said).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.dispatch.edxml import (
    Attachment,
    BusinessType,
    EdxmlDocument,
    EdxmlError,
    parse_package,
)
from tonghop.dispatch.xmldsig import SignatureFacts, verify_package
from tonghop.documents import actions
from tonghop.documents.models import (
    Direction,
    Document,
    DocumentAttachment,
    IntakeStatus,
)
from tonghop.inputs import clean_text
from tonghop.orgs.models import Unit, User


class ImportRefused(errors.Invalid):
    """The package was not taken; str() is for the clerk."""


Outcome = Literal["received", "duplicate", "applied"]


@dataclass(frozen=True)
class Received:
    """What became of a package: a new document, one already received, or a change applied."""

    status: Outcome
    document: Document
    package: EdxmlDocument


def _safe_name(name: str) -> str:
    # The sender chooses attachment names: keep letters, digits and a few marks, never a path.
    cleaned = re.sub(r"[^\w.\-]+", "-", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return cleaned.strip(".-")[:120] or "tep-dinh-kem"


def _line(text: str) -> str:
    return clean_text(text).strip()


# ------------------------------------------------------------------------- attachment contents

# A nested package is read from a zip only up to this size, and never further down.
MAX_NESTED_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
_DECLARED = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "text/plain": "txt",
    "application/xml": "xml",
    "text/xml": "xml",
}
_EXTENSION_KINDS = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "xls": "xls",
    "xlsx": "xlsx",
    "odt": "odt",
    "zip": "zip",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "txt": "txt",
    "xml": "xml",
    "edxml": "xml",
}
# Kinds that are the same container: a DOCX is a zip, a DOC an OLE2 file like an XLS.
_SAME = {"docx": "zip", "xlsx": "zip", "odt": "zip", "doc": "ole2", "xls": "ole2"}


def _sniff(data: bytes) -> str:
    """The container the bytes are, never the name: pdf, zip, ole2, jpeg, png, xml, txt, or a
    kind refused outright (exe, html)."""
    head = data[:512]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"MZ", b"\x7fELF", b"#!")):
        return "exe"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<script")):
        return "html"
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        return "xml"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "txt"


def _container(kind: str) -> str:
    return _SAME.get(kind, kind)


def _nested(data: bytes, name: str) -> list[dict[str, Any]]:
    """Findings on a zip: another edXML package inside is read (its number and subject said),
    never unpacked further."""
    findings: list[dict[str, Any]] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused(
            _("The attachment “%(name)s” is a damaged zip archive.") % {"name": name}
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(
            _("The attachment “%(name)s” holds too many files (%(count)s).")
            % {"name": name, "count": len(members)}
        )
    for member in members:
        if not member.filename.lower().endswith((".edxml", ".xml")):
            continue
        if member.file_size > MAX_NESTED_BYTES:
            raise ImportRefused(
                _("The attachment “%(name)s” holds an edXML package too large to read.")
                % {"name": name}
            )
        try:
            inner = parse_package(archive.read(member), max_bytes=MAX_NESTED_BYTES)
        except (EdxmlError, zipfile.BadZipFile, ValueError, OSError) as exc:
            findings.append(
                {
                    "code": "nested-edxml-unreadable",
                    "severity": "error",
                    "message": _(
                        "The attachment holds an edXML package that cannot be read: %(reason)s"
                    )
                    % {"reason": str(exc)},
                    "text": member.filename,
                }
            )
            continue
        findings.append(
            {
                "code": "nested-edxml",
                "severity": "warning",
                "message": _(
                    "The attachment is not a document but holds another edXML package: "
                    "%(reference)s of %(sender)s, “%(subject)s”. Ask the sender for the "
                    "document itself."
                )
                % {
                    "reference": f"{inner.code_number}/{inner.code_notation}",
                    "sender": inner.sender.organ_name or inner.sender.organ_id,
                    "subject": inner.subject[:200],
                },
                "text": member.filename,
            }
        )
    return findings


def check_attachment(att: Attachment) -> tuple[str, list[dict[str, Any]]]:
    """What the attachment is by its content, and what the clerk should know; raises
    ImportRefused for what no document is (a program, a web page) or a file whose content
    contradicts its declared type."""
    name = att.name or "?"
    found = _sniff(att.data)
    if found in ("exe", "html"):
        raise ImportRefused(
            _(
                "The attachment “%(name)s” is a program or a web page, not a document; the "
                "package is refused."
            )
            % {"name": name}
        )
    declared = _DECLARED.get(att.content_type.split(";")[0].strip().lower())
    if declared is not None and _container(declared) != found:
        raise ImportRefused(
            _(
                "The attachment “%(name)s” is declared as %(declared)s but its content is "
                "%(found)s; the package is refused."
            )
            % {"name": name, "declared": declared.upper(), "found": found.upper()}
        )
    findings: list[dict[str, Any]] = []
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    named = _EXTENSION_KINDS.get(extension)
    if named is not None and _container(named) != found:
        findings.append(
            {
                "code": "name-mismatch",
                "severity": "warning",
                "message": _("The file is named “.%(ext)s” but its content is %(found)s.")
                % {"ext": extension, "found": found.upper()},
                "text": name,
            }
        )
    if found == "zip":
        findings += _nested(att.data, name)
    # The name refines the container when they agree: a zip named .docx is a DOCX.
    refines = named is not None and named != found and _container(named) == found
    return (named if refines and named else found), findings


# ------------------------------------------------------------------------------ taking in


def _refuse_if_not_ours(office: Unit, package: EdxmlDocument, forwarded: bool) -> None:
    if forwarded:
        return
    addressed = [r.organ_id for r in package.receivers]
    if not office.organ_id:
        raise ImportRefused(
            _(
                "This office has no organ code yet, so the package's addressee (%(to)s) "
                "cannot be checked. An administrator sets it on the unit; or take the package "
                "in as forwarded."
            )
            % {"to": ", ".join(addressed)}
        )
    if office.organ_id not in addressed:
        raise ImportRefused(
            _(
                "The package is addressed to %(to)s, not to this office (%(ours)s). It was "
                "not taken in; take it in as forwarded only if it was sent on to you on "
                "purpose."
            )
            % {"to": ", ".join(addressed), "ours": office.organ_id}
        )


def _incoming(office: Unit) -> QuerySet[Document]:
    return Document.objects.filter(office=office, direction=Direction.INCOMING)


def find_received(office: Unit, package: EdxmlDocument) -> Document | None:
    """The document this package is again: same DocumentId, or same sender, number, symbol
    and date."""
    same = Q(exchange_id=package.document_id) | Q(
        sender_organ_id=package.sender.organ_id,
        number=_line(package.code_number)[:20],
        symbol=_line(package.code_notation)[:60],
        issued_on=package.promulgation_date,
    )
    found: Document | None = _incoming(office).filter(same).order_by("pk").first()
    return found


def _fields(package: EdxmlDocument) -> dict[str, Any]:
    # Text from another agency enters here as a form's would (tonghop.inputs): XML lets line
    # breaks and tabs through, and only the subject may keep its lines.
    return {
        "doc_type": _line(package.document_type.type_name)[:60],
        "number": _line(package.code_number)[:20],
        "symbol": _line(package.code_notation)[:60],
        "issuer": _line(package.sender.organ_name or package.sender.organ_id)[:255],
        "issued_on": package.promulgation_date,
        "subject": clean_text(package.subject, multiline=True).strip(),
        "signer_title": _line(package.signer.position)[:120],
        "signer_name": _line(package.signer.full_name)[:120],
        "recipients": [_line(place) for place in package.to_places],
        "urgency": int(package.priority),
        "due_on": package.due_date,
    }


def _main_file(document: Document, checked: list[tuple[Attachment, str, list[Any]]]) -> None:
    main = next((c for c in checked if c[1] == "pdf"), checked[0] if checked else None)
    if main is None:
        return
    att = main[0]
    document.original_name = _safe_name(att.name)
    document.sha256 = hashlib.sha256(att.data).hexdigest()
    document.size = len(att.data)
    document.file.save(document.original_name, ContentFile(att.data), save=False)


def _signatures(att: Attachment | None) -> tuple[list[Any], list[dict[str, Any]]]:
    if att is None:
        return [], []
    from tonghop.dispatch.signatures import UnreadablePdf, read_signatures
    from tonghop.pki import trust_roots

    try:
        return read_signatures(att.data, trust_roots()), []
    except UnreadablePdf:
        # Kept and registered, but the clerk must not read "no signature" into it.
        return [], [
            {
                "code": "unreadable-pdf",
                "severity": "error",
                "message": _(
                    "The file could not be read as a PDF: it is damaged, cut short or not "
                    "a PDF at all, so its digital signatures cannot be checked."
                ),
                "text": att.name,
            }
        ]


def _keep_attachments(
    document: Document, checked: list[tuple[Attachment, str, list[dict[str, Any]]]]
) -> None:
    for att, kind, findings in checked:
        row = DocumentAttachment(
            document=document,
            name=_line(att.name)[:255] or "tep-dinh-kem",
            description=_line(att.description),
            declared_type=_line(att.content_type)[:120],
            kind=kind,
            sha256=hashlib.sha256(att.data).hexdigest(),
            size=len(att.data),
            findings=findings,
        )
        row.file.save(_safe_name(att.name), ContentFile(att.data), save=False)
        row.save()


def answered(office: Unit, package: EdxmlDocument) -> Document | None:
    """Our outgoing document this package answers (its ResponseFor naming this office): found
    by number, symbol and date, as the DocumentId spells them."""
    for rf in package.response_for:
        if not office.organ_id or rf.organ_id != office.organ_id:
            continue
        number, _sep, symbol = rf.code.partition("/")
        if not symbol and rf.document_id:
            number, _sep, symbol = rf.document_id.rsplit(",", 1)[-1].partition("/")
        found: Document | None = (
            Document.objects.filter(
                office=office,
                direction=Direction.OUTGOING,
                number=number.strip(),
                symbol=symbol.strip(),
                issued_on=rf.promulgation_date,
            )
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    return None


def answers_to(document: Document) -> QuerySet[Document]:
    """Incoming documents that answer our outgoing ``document`` (ResponseFor on import)."""
    return Document.objects.filter(
        office_id=document.office_id, direction=Direction.INCOMING, parsed__answers=document.pk
    ).order_by("pk")


def _exchange_facts(package: EdxmlDocument) -> dict[str, Any]:
    return {
        "document_id": package.document_id,
        "sender_organ_id": package.sender.organ_id,
        "business": int(package.business.doc_type),
        "reason": package.business.reason,
        "staff": None
        if package.business.staff is None
        else {
            "name": package.business.staff.staff,
            "department": package.business.staff.department,
            "email": package.business.staff.email,
            "mobile": package.business.staff.mobile,
        },
        "trace": [
            {"organ_id": hop.organ_id, "at": hop.timestamp.isoformat()} for hop in package.trace
        ],
        "response_for": [
            {
                "organ_id": rf.organ_id,
                "code": rf.code,
                "date": f"{rf.promulgation_date:%d/%m/%Y}",
                "document_id": rf.document_id,
            }
            for rf in package.response_for
        ],
    }


# Trace timestamps ahead of our clock by more than this are said: a sender's clock is wrong
# (or the package was made up), and the clerk should not trust its times.
CLOCK_SKEW = dt.timedelta(hours=1)


def _clock_findings(package: EdxmlDocument) -> list[dict[str, Any]]:
    now = timezone.now()
    ahead = [hop for hop in package.trace if hop.timestamp - now > CLOCK_SKEW]
    return [
        {
            "code": "clock-skew",
            "severity": "warning",
            "message": _(
                "The package says %(organ)s handled it at %(at)s, later than now: that "
                "system's clock is wrong, so its times cannot be relied on."
            )
            % {"organ": hop.organ_id, "at": f"{hop.timestamp:%d/%m/%Y %H:%M}"},
            "text": "",
        }
        for hop in ahead
    ]


def _trusted(certificate: bytes) -> bool:
    """The certificate is one of the trusted roots or issued directly by one."""
    from cryptography import x509

    from tonghop.pki import trust_roots

    cert = x509.load_der_x509_certificate(certificate)
    for path in trust_roots():
        try:
            raw = path.read_bytes()
            root = (
                x509.load_pem_x509_certificate(raw)
                if b"-----BEGIN" in raw
                else x509.load_der_x509_certificate(raw)
            )
            if root == cert:
                return True
            cert.verify_directly_issued_by(root)
        except (OSError, ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False


def _xml_signature_findings(facts: SignatureFacts | None) -> list[dict[str, Any]]:
    if facts is None:
        return []
    if not facts.checked:
        return [
            {
                "code": "xml-signature-unchecked",
                "severity": "warning",
                "message": _(
                    "The package carries a signature block outside the XML-DSig namespace "
                    "(as the reference samples do); it cannot be checked."
                ),
                "text": "",
            }
        ]
    found = [
        {
            "code": "xml-signature",
            "severity": "info",
            "message": _("The package's XML signature holds: signed by %(subject)s.")
            % {"subject": facts.subject},
            "text": "",
        }
    ]
    if not _trusted(facts.certificate):
        found.append(
            {
                "code": "xml-signature-untrusted",
                "severity": "warning",
                "message": _(
                    "The certificate of the package's XML signature (%(issuer)s) is not from "
                    "an authority this install trusts."
                )
                % {"issuer": facts.issuer},
                "text": "",
            }
        )
    return found


def _target(office: Unit, package: EdxmlDocument) -> Document:
    """The document an update, replace or revoke package names."""
    named = package.business.document_id or package.document_id
    found: Document | None = (
        _incoming(office)
        .filter(Q(exchange_id=named) | Q(exchange_id=package.document_id))
        .filter(sender_organ_id=package.sender.organ_id)
        .order_by("pk")
        .first()
    )
    if found is None:
        what = {
            BusinessType.REVOKE: _("A revoke (thu hồi)"),
            BusinessType.UPDATE: _("An update"),
            BusinessType.REPLACE: _("A replacement"),
        }[package.business.doc_type]
        raise ImportRefused(
            _(
                "%(what)s for document %(id)s, which this office never received; nothing "
                "was changed."
            )
            % {"what": what, "id": named}
        )
    return found


def _apply(user: User | None, office: Unit, package: EdxmlDocument, checked: Any) -> Document:
    target = _target(office, package)
    facts = _exchange_facts(package)
    if package.business.doc_type is BusinessType.REVOKE:
        reason = package.business.reason or _("Revoked by the sender.")
        return actions.revoke_by_sender(user, target.pk, reason, facts)
    changes = _fields(package)
    replace = package.business.doc_type is BusinessType.REPLACE
    document = actions.change_by_sender(user, target.pk, changes, facts, replace=replace)
    if replace:
        document.attachments.all().delete()
    if checked:
        _main_file(document, checked)
        document.save(update_fields=["original_name", "sha256", "size", "file"])
    _keep_attachments(document, checked)
    return document


def receive(
    user: User | None,
    office: Unit,
    data: bytes,
    *,
    forwarded: bool = False,
) -> Received:
    """Take an edXML package in: a new incoming document, the one already received, or the
    change it brings applied. ``user`` None: the exchange worker, acting for the office."""
    if user is not None and not user.has_office_role(office):
        raise ImportRefused(_("Only the office's staff can register documents."))
    try:
        package = parse_package(data)
        # A broken XML signature refuses the package before anything else is looked at.
        xml_signature = verify_package(data)
    except EdxmlError as exc:
        raise ImportRefused(str(exc)) from exc
    _refuse_if_not_ours(office, package, forwarded)
    # Every attachment checked before anything is stored: nothing half-registered.
    checked = [(att, *check_attachment(att)) for att in package.attachments]
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=office.pk)  # one intake at a time per office
        if package.business.doc_type is not BusinessType.NEW:
            return Received("applied", _apply(user, office, package, checked), package)
        existing = find_received(office, package)
        if existing is not None:
            return Received("duplicate", existing, package)
        pdf = next((c[0] for c in checked if c[1] == "pdf"), None)
        signatures, findings = _signatures(pdf)
        for _att, _kind, more in checked:
            findings += more
        findings += _clock_findings(package)
        findings += _xml_signature_findings(xml_signature)
        facts = _exchange_facts(package)
        if xml_signature is not None:
            facts["xml_signature"] = xml_signature.as_dict()
        reply_to = answered(office, package)
        if reply_to is not None:
            facts |= {"answers": reply_to.pk, "answers_uid": str(reply_to.uid)}
        document = Document(
            office=office,
            direction=Direction.INCOMING,
            status=IntakeStatus.READ,
            received_on=timezone.localdate(),
            exchange_id=package.document_id[:255],
            sender_organ_id=package.sender.organ_id[:40],
            parsed={
                "schema": "tonghop.edxml",
                **facts,
                "attachments": [a.name for a in package.attachments],
                "forwarded": forwarded,
                "findings": findings,
                "signatures": signatures,
            },
            created_by=user,
            **_fields(package),
        )
        _main_file(document, checked)
        document.save()
        _keep_attachments(document, checked)
        record(
            Action.DOCUMENT_READ,
            actor=user,
            obj=document,
            details={"edxml": package.document_id, "from": package.sender.organ_id},
        )
        return Received("received", document, package)


def import_package(user: User, office: Unit, data: bytes, *, forwarded: bool = False) -> Document:
    """Take an edXML package into the incoming register (see ``receive``)."""
    return receive(user, office, data, forwarded=forwarded).document
