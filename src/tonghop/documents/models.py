"""The office's registers of incoming and outgoing documents (ND 30, Appendix IV)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tonghop.dispatch.confidence import CHECK_BELOW
from tonghop.orgs.models import Unit, User


class Direction(models.TextChoices):
    INCOMING = "in", _("Incoming")
    OUTGOING = "out", _("Outgoing")


def _document_path(instance: Document, filename: str) -> str:
    # The stored name never comes from the uploader: only the extension is kept.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    suffix = "".join(ch for ch in suffix if ch.isalnum())[:8] or "bin"
    return f"documents/{instance.office_id}/{instance.direction}/{instance.uid}.{suffix}"


class IntakeStatus(models.TextChoices):
    """A document's state. The stored values predate the workflow and are kept as they are:
    received = READING (the file is kept and queued for reading), read = READ, unreadable =
    FAILED, then REGISTERED and REVOKED."""

    READING = "reading", _("Being read")
    READ = "read", _("Read, to be confirmed")
    FAILED = "failed", _("Could not be read")
    REGISTERED = "registered", _("Registered")
    REVOKED = "revoked", _("Revoked")


class DocumentStep(models.TextChoices):
    READ = "read", _("Read")
    READ_FAILED = "read_failed", _("Could not be read")
    REGISTER = "register", _("Registered")
    EDIT = "edit", _("Edited")
    REVOKE = "revoke", _("Revoked")


# The one table of allowed changes of a document: (state before, step) -> state after; anything
# else is refused by documents.actions. An unreadable file can still be registered by hand; a
# registered one keeps its number when the clerk corrects its fields. Outgoing documents are
# created registered by the issuing action and never edited (see actions.edit).
DOCUMENT_TRANSITIONS: dict[tuple[IntakeStatus, DocumentStep], IntakeStatus] = {
    (IntakeStatus.READING, DocumentStep.READ): IntakeStatus.READ,
    (IntakeStatus.READING, DocumentStep.READ_FAILED): IntakeStatus.FAILED,
    (IntakeStatus.READ, DocumentStep.REGISTER): IntakeStatus.REGISTERED,
    (IntakeStatus.FAILED, DocumentStep.REGISTER): IntakeStatus.REGISTERED,
    (IntakeStatus.REGISTERED, DocumentStep.EDIT): IntakeStatus.REGISTERED,
    (IntakeStatus.REGISTERED, DocumentStep.REVOKE): IntakeStatus.REVOKED,
    # A package from another agency may update or revoke a document the clerk has not
    # registered yet (documents.exchange): the sender's word applies to it as it stands.
    (IntakeStatus.READ, DocumentStep.EDIT): IntakeStatus.READ,
    (IntakeStatus.READ, DocumentStep.REVOKE): IntakeStatus.REVOKED,
}


class Urgency(models.IntegerChoices):
    """Độ khẩn (ND 30 PL I; edXML OtherInfo/Priority)."""

    NORMAL = 0, _("Normal")
    URGENT = 1, _("Urgent")
    VERY_URGENT = 2, _("Very urgent")
    FLASH = 3, _("Flash (hỏa tốc)")


class DocumentQuerySet(models.QuerySet["Document"]):
    def for_office_staff(self, user: User) -> DocumentQuerySet:
        """Documents of the offices where the user holds an office role."""
        return self.filter(office__in=user.office_units())

    def next_register_number(self, office: Unit, direction: str, year: int) -> int:
        """The next number of a register (one sequence per office, direction and year).

        The caller must hold the office row locked (select_for_update) in its transaction:
        that lock is what makes two clerks at the same moment get consecutive numbers.
        """
        last = self.filter(office=office, direction=direction, register_year=year).aggregate(
            last=models.Max("register_number")
        )["last"]
        return int(last or 0) + 1


class Document(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="documents")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    doc_type = models.CharField(_("type"), max_length=60, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    symbol = models.CharField(_("symbol"), max_length=60, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=120, blank=True)
    signer_name = models.CharField(_("signer"), max_length=120, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    file = models.FileField(_("file"), upload_to=_document_path, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    parsed: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.REGISTERED
    )
    error = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # The incoming register's own numbering (số đến), one sequence per office and year.
    register_year = models.PositiveSmallIntegerField(null=True, blank=True)
    register_number = models.PositiveIntegerField(_("register number"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    # Document exchange (edXML): the sender's DocumentId and organ code, which recognise the
    # same document when it comes again and name it in status messages.
    exchange_id = models.CharField(max_length=255, blank=True, db_index=True)
    sender_organ_id = models.CharField(_("sender's organ code"), max_length=40, blank=True)
    # Bumped by every change of state or fields: a form carries the version it was drawn from,
    # and a change from a stale one is refused.
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[DocumentQuerySet] = DocumentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "direction", "register_year", "register_number"],
                condition=models.Q(register_number__isnull=False),
                name="document_register_number_unique",
            )
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.reference()} {self.subject[:60]}".strip()

    def reference(self) -> str:
        """Number and symbol as ND 30 writes them, with the blank a draft leaves."""
        if self.symbol:
            return f"{self.number or '    '}/{self.symbol}"
        return self.number

    def allowed_steps(self) -> list[DocumentStep]:
        return [step for (state, step) in DOCUMENT_TRANSITIONS if state == self.status]

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUTGOING

    @property
    def is_failed(self) -> bool:
        return self.status == IntakeStatus.FAILED

    @property
    def is_registered(self) -> bool:
        return self.status == IntakeStatus.REGISTERED

    @property
    def is_revoked(self) -> bool:
        return self.status == IntakeStatus.REVOKED

    @property
    def findings(self) -> list[dict[str, Any]]:
        found = self.parsed.get("findings") or []
        return [f for f in found if isinstance(f, dict)]

    @property
    def fields_to_check(self) -> frozenset[str]:
        """The form fields whose reading the parser trusts least (below CHECK_BELOW of its
        per-field confidence), for the clerk to check before registering."""
        confidence = self.parsed.get("confidence")
        if self.is_registered or not isinstance(confidence, dict):
            return frozenset()
        return frozenset(
            name
            for name, key in _CONFIDENCE_KEYS.items()
            if isinstance(confidence.get(key), int | float) and confidence[key] < CHECK_BELOW
        )

    @property
    def signatures(self) -> list[dict[str, Any]]:
        found = self.parsed.get("signatures") or []
        return [s for s in found if isinstance(s, dict)]


# Fields of the confirmation form and the parser's confidence key for each.
_CONFIDENCE_KEYS = {
    "doc_type": "doc_type",
    "number": "number",
    "symbol": "symbol",
    "issuer": "issuer",
    "issued_on": "issued_on",
    "subject": "subject",
    "signer_title": "signer.title",
    "signer_name": "signer.name",
}


def _attachment_path(instance: DocumentAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    suffix = "".join(ch for ch in suffix if ch.isalnum())[:8] or "bin"
    return f"documents/{instance.document.office_id}/attachments/{instance.uid}.{suffix}"


class DocumentAttachment(models.Model):
    """A file that came with a document (every attachment of an edXML package), with what
    its content was found to be."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    declared_type = models.CharField(max_length=120, blank=True)
    kind = models.CharField(_("content"), max_length=20, blank=True)
    file = models.FileField(upload_to=_attachment_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    findings: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class MessageState(models.TextChoices):
    """Where an exchange message is: out, queued → sent (delivered to the partner) or failed
    (tried again later, with backoff); in, received → taken (registered, applied, shown) or
    refused."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    RECEIVED = "received", _("Received")
    TAKEN = "taken", _("Taken in")
    REFUSED = "refused", _("Refused")


class MessageStep(models.TextChoices):
    DELIVER = "deliver", _("Delivered")
    FAIL = "fail", _("Delivery failed")
    TAKE = "take", _("Taken in")
    REFUSE = "refuse", _("Refused")
    RETRY = "retry", _("Sent again")


# The one table of allowed changes of an exchange message; documents.channel.change_state is
# the only way through it.
MESSAGE_TRANSITIONS: dict[tuple[MessageState, MessageStep], MessageState] = {
    (MessageState.QUEUED, MessageStep.DELIVER): MessageState.SENT,
    (MessageState.QUEUED, MessageStep.FAIL): MessageState.FAILED,
    (MessageState.FAILED, MessageStep.DELIVER): MessageState.SENT,
    (MessageState.FAILED, MessageStep.FAIL): MessageState.FAILED,
    (MessageState.RECEIVED, MessageStep.TAKE): MessageState.TAKEN,
    (MessageState.RECEIVED, MessageStep.REFUSE): MessageState.REFUSED,
    # A person asks for a failed delivery to be tried now (the exchange page's retry button).
    (MessageState.FAILED, MessageStep.RETRY): MessageState.QUEUED,
}


class MessageKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    STATUS = "status", _("Status message")


def _message_path(instance: ExchangeMessage, filename: str) -> str:
    return f"exchange/{instance.direction}/{instance.message_id}.edxml"


class ExchangeMessage(models.Model):
    """One edXML message sent to or received from a partner agency: a document package or a
    status message. ``message_id`` is the same on both sides, so a message delivered twice is
    taken once."""

    message_id = models.CharField(max_length=64)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="exchange_messages")
    partner = models.CharField(_("partner's organ code"), max_length=40)
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchange_messages",
    )
    payload = models.FileField(upload_to=_message_path)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices)
    status_code = models.CharField(max_length=4, blank=True)
    description = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "message_id"], name="exchange_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.message_id}"
