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

from tonghop.documents.intake import IntakeError, analyse_in_child
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.orgs.models import Unit, User
from tonghop.pki import trust_roots


class IntakeRefused(Exception):
    """An upload refused before anything is stored; str() is for the clerk."""


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
    """Read the stored file and keep the fields and the text beside it."""
    try:
        analysis = analyse_in_child(
            Path(document.file.path),
            trust_roots=trust_roots(),
            timeout=settings.TONGHOP_INTAKE_TIMEOUT,
            memory_mb=settings.TONGHOP_INTAKE_MEMORY_MB,
        )
    except IntakeError as exc:
        document.status = IntakeStatus.FAILED
        document.error = str(exc)
        document.save(update_fields=["status", "error"])
        return document
    fields = analysis.fields
    document.parsed = fields
    document.text = analysis.text
    document.status = IntakeStatus.READ
    document.error = ""
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
    document.save()
    return document


@transaction.atomic
def register(user: User, document_id: int, changes: dict[str, Any]) -> Document:
    """Save the clerk's confirmed fields and give the next number of the incoming register.

    The office row is locked while the number is taken, so two clerks registering at the same
    moment get consecutive numbers; the unique constraint is the last guard.
    """
    document = Document.objects.select_for_update().get(pk=document_id)
    office = Unit.objects.select_for_update().get(pk=document.office_id)
    if not user.has_office_role(office):
        raise IntakeRefused(_("Only the office's staff can register documents."))
    for name, value in changes.items():
        setattr(document, name, value)
    if document.register_number is None:
        year = (document.received_on or timezone.localdate()).year
        document.register_year = year
        document.register_number = Document.objects.next_register_number(
            office, document.direction, year
        )
    document.status = IntakeStatus.REGISTERED
    document.save()
    return document
