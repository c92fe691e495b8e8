"""The incoming register: receive a file, read it, let the clerk confirm, give it a number."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.documents.intake import IntakeError, analyse_in_child
from tonghop.documents.models import (
    DOCUMENT_TRANSITIONS,
    Direction,
    Document,
    DocumentStep,
    IntakeStatus,
)
from tonghop.orgs.models import Unit, User
from tonghop.pki import trust_roots


class DocumentError(errors.Refused):
    """A refused change of a document. str() is a sentence for the clerk."""


class IntakeRefused(DocumentError):
    """An upload refused before anything is stored, or a change refused."""


class StaleDocument(IntakeRefused, errors.Stale):
    pass


def _lock(document_id: int) -> Document:
    return Document.objects.select_for_update().get(pk=document_id)


def _refusal(document: Document, step: DocumentStep) -> str:
    if document.direction == Direction.OUTGOING and step in (
        DocumentStep.EDIT,
        DocumentStep.REGISTER,
    ):
        # Outgoing documents are numbered and signed by the issuing action, never edited.
        return _("An issued document cannot be changed.")
    if document.status == IntakeStatus.READING:
        return _("The document is still being read; wait a moment.")
    if document.status == IntakeStatus.REVOKED:
        return _("This document has been revoked; it can no longer be changed.")
    if step == DocumentStep.REVOKE:
        return _("Only a registered document can be revoked.")
    return _("This step is not possible now (%(state)s).") % {
        "state": IntakeStatus(document.status).label
    }


def _step(
    user: User | None,
    document: Document,
    step: DocumentStep,
    *,
    expected_version: int | None,
    audit: Action | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the locked document one step of DOCUMENT_TRANSITIONS, save it and record it. The
    caller has set the fields the step changes; `expected_version` None: the caller works from
    the row it has just locked (the reading worker)."""
    before = IntakeStatus(document.status)
    after = DOCUMENT_TRANSITIONS.get((before, step))
    if after is None or (document.direction == Direction.OUTGOING and step != DocumentStep.REVOKE):
        raise IntakeRefused(_refusal(document, step))
    if expected_version is not None and document.version != expected_version:
        raise StaleDocument(
            _(
                "This document changed after you opened it (it is now “%(state)s”). Nothing "
                "was saved; the page shows the current version."
            )
            % {"state": before.label}
        )
    document.status = after
    document.version += 1
    document.save()
    if audit is not None:
        record(
            audit,
            actor=user,
            obj=document,
            details={"from": before.value, "to": after.value, **(details or {})},
        )


def receive_upload(user: User, office: Unit, upload: UploadedFile[bytes]) -> Document:
    """Keep the original file untouched and queue it for reading."""
    from tonghop.documents.tasks import read_incoming

    if not user.has_office_role(office):
        raise IntakeRefused(_("Only the office's staff can register documents."))
    size = upload.size or 0
    if size == 0:
        raise IntakeRefused(_("The file is empty."))
    if size > settings.TONGHOP_MAX_UPLOAD_BYTES:
        raise IntakeRefused(
            _("The file is too large: at most %(mb)s MB.")
            % {"mb": settings.TONGHOP_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "van-ban")[-200:]
    document = Document(
        office=office,
        direction=Direction.INCOMING,
        status=IntakeStatus.READING,
        original_name=name,
        sha256=digest.hexdigest(),
        size=size,
        received_on=timezone.localdate(),
        created_by=user,
    )
    document.file.save(name, upload, save=False)
    document.save()
    transaction.on_commit(lambda: read_incoming.enqueue(document.pk))
    return document


def read(document: Document) -> Document:
    """Read the stored file and keep the fields and the text beside it.

    Reading runs in a child process for seconds, with no lock held; the row is then locked
    and written only if it is still waiting to be read."""
    try:
        analysis = analyse_in_child(
            Path(document.file.path),
            trust_roots=trust_roots(),
            timeout=settings.TONGHOP_INTAKE_TIMEOUT,
            memory_mb=settings.TONGHOP_INTAKE_MEMORY_MB,
        )
    except IntakeError as exc:
        with transaction.atomic():
            row = _lock(document.pk)
            if row.status != IntakeStatus.READING:
                return row
            row.error = str(exc)
            _step(
                None,
                row,
                DocumentStep.READ_FAILED,
                expected_version=None,
                audit=Action.DOCUMENT_READ,
                details={"error": row.error[:500]},
            )
            return row
    with transaction.atomic():
        row = _lock(document.pk)
        if row.status != IntakeStatus.READING:
            return row
        _apply_fields(row, analysis.fields)
        row.text = analysis.text
        row.error = ""
        _step(None, row, DocumentStep.READ, expected_version=None, audit=Action.DOCUMENT_READ)
        return row


def _apply_fields(document: Document, fields: dict[str, Any]) -> None:
    document.parsed = fields
    limits = {"doc_type": 60, "number": 20, "symbol": 60, "issuer": 255, "subject": 5000}
    for name, limit in limits.items():
        value = fields.get(name)
        if isinstance(value, str):
            setattr(document, name, value[:limit])
    issued = fields.get("issued_on")
    if isinstance(issued, str):
        try:
            document.issued_on = dt.date.fromisoformat(issued)
        except ValueError:
            document.issued_on = None
    signer = fields.get("signer")
    if isinstance(signer, dict):
        document.signer_title = str(signer.get("title") or "")[:120]
        document.signer_name = str(signer.get("name") or "")[:120]
    recipients = fields.get("recipients")
    if isinstance(recipients, list):
        document.recipients = [str(r) for r in recipients]


def register(
    user: User,
    document_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Document:
    """Save the clerk's confirmed fields and give the next number of the incoming register.

    The office row is locked while the number is taken, so two clerks registering at the same
    moment get consecutive numbers; the unique constraint is the last guard.
    """
    with transaction.atomic():
        document = _lock(document_id)
        office = Unit.objects.select_for_update().get(pk=document.office_id)
        if not user.has_office_role(office):
            raise IntakeRefused(_("Only the office's staff can register documents."))
        if (IntakeStatus(document.status), DocumentStep.REGISTER) not in DOCUMENT_TRANSITIONS:
            raise IntakeRefused(_refusal(document, DocumentStep.REGISTER))
        for name, value in changes.items():
            setattr(document, name, value)
        if document.register_number is None:
            year = (document.received_on or timezone.localdate()).year
            document.register_year = year
            document.register_number = Document.objects.next_register_number(
                office, document.direction, year
            )
        _step(
            user,
            document,
            DocumentStep.REGISTER,
            expected_version=expected_version,
            audit=Action.REGISTER,
            details={"register_number": document.register_number, "year": document.register_year},
        )
        if document.exchange_id:
            # The sender of an exchanged document learns it is registered (đã tiếp nhận).
            from tonghop.documents.channel import StatusCode, queue_status

            queue_status(document, StatusCode.RECEIVED, staff=user)
        return document


def edit(
    user: User,
    document_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Document:
    """Correct the fields of a registered incoming document; its number stays. An outgoing
    document (numbered and signed by the issuing action) and one still being read are refused."""
    with transaction.atomic():
        document = _lock(document_id)
        if not user.has_office_role(document.office):
            raise IntakeRefused(_("Only the office's staff can register documents."))
        if document.direction == Direction.OUTGOING or (
            (IntakeStatus(document.status), DocumentStep.EDIT) not in DOCUMENT_TRANSITIONS
        ):
            raise IntakeRefused(_refusal(document, DocumentStep.EDIT))
        changed = sorted(
            name for name, value in changes.items() if getattr(document, name) != value
        )
        for name, value in changes.items():
            setattr(document, name, value)
        _step(
            user,
            document,
            DocumentStep.EDIT,
            expected_version=expected_version,
            audit=Action.DOCUMENT_EDIT,
            details={"fields": changed},
        )
        return document


MAX_REASON = 2000


def revoke(
    user: User, document_id: int, reason: str, *, expected_version: int | None = None
) -> Document:
    """Revoke a registered document (thu hồi), saying why; it stays in the register, marked."""
    reason = (reason or "").strip()
    if not reason:
        raise IntakeRefused(_("Give the reason for revoking the document."))
    if len(reason) > MAX_REASON:
        raise IntakeRefused(_("Too long: at most %(limit)s characters.") % {"limit": MAX_REASON})
    with transaction.atomic():
        document = _lock(document_id)
        if not user.has_office_role(document.office):
            raise IntakeRefused(_("Only the office's staff can register documents."))
        document.revoked_reason = reason
        _step(
            user,
            document,
            DocumentStep.REVOKE,
            expected_version=expected_version,
            audit=Action.REVOKE,
            details={"reason": reason},
        )
        return document


def revoke_by_sender(
    user: User | None, document_id: int, reason: str, facts: dict[str, Any]
) -> Document:
    """The sender revokes (thu hồi) a document it sent us: marked revoked with the recall's
    metadata (who, when, why), in the register as everywhere it shows. ``user`` None: the
    exchange worker. Revoking one already revoked changes nothing."""
    with transaction.atomic():
        document = _lock(document_id)
        if document.status == IntakeStatus.REVOKED:
            return document
        document.revoked_reason = (reason or "").strip()[:MAX_REASON]
        document.parsed = {**document.parsed, "recall": facts}
        _step(
            user,
            document,
            DocumentStep.REVOKE,
            expected_version=None,
            audit=Action.REVOKE,
            details={"reason": document.revoked_reason, "by_sender": facts.get("sender_organ_id")},
        )
        return document


def change_by_sender(
    user: User | None,
    document_id: int,
    changes: dict[str, Any],
    facts: dict[str, Any],
    *,
    replace: bool,
) -> Document:
    """The sender updates or replaces a document it sent us: its fields take the new values,
    its register number stays, the change is kept in its history."""
    with transaction.atomic():
        document = _lock(document_id)
        if (IntakeStatus(document.status), DocumentStep.EDIT) not in DOCUMENT_TRANSITIONS:
            raise IntakeRefused(_refusal(document, DocumentStep.EDIT))
        changed = sorted(
            name for name, value in changes.items() if getattr(document, name) != value
        )
        for name, value in changes.items():
            setattr(document, name, value)
        history = list(document.parsed.get("changes_by_sender") or [])
        history.append({**facts, "fields": changed, "replace": replace})
        document.parsed = {**document.parsed, "changes_by_sender": history}
        _step(
            user,
            document,
            DocumentStep.EDIT,
            expected_version=None,
            audit=Action.DOCUMENT_EDIT,
            details={"fields": changed, "by_sender": facts.get("sender_organ_id")},
        )
        return document
