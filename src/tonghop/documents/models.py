"""The office's registers of incoming and outgoing documents (ND 30, Appendix IV)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tonghop.orgs.models import Unit


class Direction(models.TextChoices):
    INCOMING = "in", _("Incoming")
    OUTGOING = "out", _("Outgoing")


def _document_path(instance: Document, filename: str) -> str:
    # The stored name never comes from the uploader: only the extension is kept.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    suffix = "".join(ch for ch in suffix if ch.isalnum())[:8] or "bin"
    return f"documents/{instance.office_id}/{instance.direction}/{instance.uid}.{suffix}"


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.reference()} {self.subject[:60]}".strip()

    def reference(self) -> str:
        """Number and symbol as ND 30 writes them, with the blank a draft leaves."""
        if self.symbol:
            return f"{self.number or '    '}/{self.symbol}"
        return self.number
