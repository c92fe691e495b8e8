"""edXML packages (QCVN 102:2016) into the incoming register: the exchange inbox."""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.dispatch.edxml import EdxmlError, parse_package
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.inputs import clean_text
from tonghop.orgs.models import Unit, User


class ImportRefused(errors.Invalid):
    """The package was not taken; str() is for the clerk."""


def _safe_name(name: str) -> str:
    # The sender chooses attachment names: keep letters, digits and a few marks, never a path.
    cleaned = re.sub(r"[^\w.\-]+", "-", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return cleaned.strip(".-")[:120] or "tep-dinh-kem"


def _line(text: str) -> str:
    return clean_text(text).strip()


@transaction.atomic
def import_package(user: User, office: Unit, data: bytes) -> Document:
    """Take an edXML package into the incoming register, its main attachment as the file."""
    if not user.has_office_role(office):
        raise ImportRefused(_("Only the office's staff can register documents."))
    try:
        package = parse_package(data)
    except EdxmlError as exc:
        raise ImportRefused(str(exc)) from exc
    attachment = next(
        (a for a in package.attachments if a.content_type == "application/pdf"),
        package.attachments[0] if package.attachments else None,
    )
    parsed: dict[str, object] = {
        "schema": "tonghop.edxml",
        "document_id": package.document_id,
        "sender_organ_id": package.sender.organ_id,
        "attachments": [a.name for a in package.attachments],
        "findings": [],
        "signatures": [],
    }
    if attachment is not None and attachment.content_type == "application/pdf":
        from tonghop.dispatch.signatures import UnreadablePdf, read_signatures
        from tonghop.pki import trust_roots

        try:
            parsed["signatures"] = read_signatures(attachment.data, trust_roots())
        except UnreadablePdf:
            # Kept and registered, but the clerk must not read "no signature" into it.
            parsed["findings"] = [
                {
                    "code": "unreadable-pdf",
                    "severity": "error",
                    "message": _(
                        "The file could not be read as a PDF: it is damaged, cut short or not "
                        "a PDF at all, so its digital signatures cannot be checked."
                    ),
                    "text": attachment.name,
                }
            ]
    document = Document(
        office=office,
        direction=Direction.INCOMING,
        status=IntakeStatus.READ,
        # Text from another agency enters here as a form's would (tonghop.inputs): XML lets
        # line breaks and tabs through, and only the subject may keep its lines.
        doc_type=_line(package.document_type.type_name),
        number=_line(package.code_number)[:20],
        symbol=_line(package.code_notation)[:60],
        issuer=_line(package.sender.organ_name or package.sender.organ_id)[:255],
        issued_on=package.promulgation_date,
        subject=clean_text(package.subject, multiline=True).strip(),
        signer_title=_line(package.signer.position)[:120],
        signer_name=_line(package.signer.full_name)[:120],
        recipients=[_line(place) for place in package.to_places],
        received_on=timezone.localdate(),
        parsed=parsed,
        created_by=user,
    )
    if attachment is not None:
        document.original_name = _safe_name(attachment.name)
        document.sha256 = hashlib.sha256(attachment.data).hexdigest()
        document.size = len(attachment.data)
        document.file.save(document.original_name, ContentFile(attachment.data), save=False)
    document.save()
    return document
