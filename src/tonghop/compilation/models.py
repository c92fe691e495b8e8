"""A compilation: one run of building a campaign's consolidated report."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Campaign
from tonghop.campaigns.values import ascii_slug


class CompilationStatus(models.TextChoices):
    """The rendering job's status (the `status` field), kept apart from the report's state: a
    report being drafted is drawn again each time its words change, and the job's waiting,
    running or failed says nothing about where the report stands in trình ký."""

    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Compiling")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CompilationState(models.TextChoices):
    """Where the consolidated report stands (the `state` field)."""

    DRAFTING = "drafting", _("Being drafted")
    READY = "ready", _("Ready to submit")
    SUBMITTED = "submitted", _("Submitted for signature")
    RETURNED = "returned", _("Returned by the head")
    SIGNED = "signed", _("Signed")
    ISSUED = "issued", _("Signed and issued")
    SENT = "sent", _("Sent")


class CompilationStep(models.TextChoices):
    DRAWN = "drawn", _("Drawn")
    REDRAW = "redraw", _("Words changed, drawn again")
    SUBMIT = "submit", _("Submitted for signature")
    RETURN = "return", _("Returned")
    SIGN = "sign", _("Signed")
    ISSUE = "issue", _("Issued")
    EMAIL = "email", _("Sent by email")
    PUBLISH = "publish", _("News published")


# The one table of allowed changes: (state before, step) -> state after; compilation.actions
# refuses anything else. The head signs (SIGN), then the clerk numbers, dates and issues it
# with the office's signature (ISSUE), as ND 30 orders them. Sending again and publishing the
# news leave the state as it is.
TRANSITIONS: dict[tuple[CompilationState, CompilationStep], CompilationState] = {
    (CompilationState.DRAFTING, CompilationStep.DRAWN): CompilationState.READY,
    (CompilationState.DRAFTING, CompilationStep.REDRAW): CompilationState.DRAFTING,
    (CompilationState.READY, CompilationStep.REDRAW): CompilationState.DRAFTING,
    (CompilationState.RETURNED, CompilationStep.REDRAW): CompilationState.DRAFTING,
    (CompilationState.READY, CompilationStep.SUBMIT): CompilationState.SUBMITTED,
    (CompilationState.RETURNED, CompilationStep.SUBMIT): CompilationState.SUBMITTED,
    (CompilationState.SUBMITTED, CompilationStep.RETURN): CompilationState.RETURNED,
    (CompilationState.SUBMITTED, CompilationStep.SIGN): CompilationState.SIGNED,
    (CompilationState.SIGNED, CompilationStep.ISSUE): CompilationState.ISSUED,
    (CompilationState.ISSUED, CompilationStep.EMAIL): CompilationState.SENT,
    (CompilationState.SENT, CompilationStep.EMAIL): CompilationState.SENT,
    (CompilationState.ISSUED, CompilationStep.PUBLISH): CompilationState.ISSUED,
    (CompilationState.SENT, CompilationStep.PUBLISH): CompilationState.SENT,
}

# An issued report: the states in which it holds a number of the outgoing register.
ISSUED_STATES = (CompilationState.ISSUED, CompilationState.SENT)


def _compilation_path(instance: Compilation, filename: str) -> str:
    return f"compilations/{instance.campaign_id}/{instance.uid}/{filename}"


class Compilation(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="compilations")
    # The rendering job (see CompilationStatus) and the report's state (see TRANSITIONS).
    status = models.CharField(
        max_length=10, choices=CompilationStatus.choices, default=CompilationStatus.QUEUED
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CompilationState.choices,
        default=CompilationState.DRAFTING,
    )
    # Bumped by every change of state or words: a page carries the version it was drawn from,
    # and the worker gives up a drawing when the row moved on while it rendered.
    version = models.PositiveIntegerField(default=0)
    # The head's comment when returning the draft, shown to the specialist.
    head_comment = models.TextField(blank=True)
    # A second issued report of the same campaign is refused unless the office issues a
    # correction on purpose, saying why.
    correction = models.BooleanField(default=False)
    correction_reason = models.TextField(blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    docx = models.FileField(upload_to=_compilation_path, blank=True)
    pdf = models.FileField(upload_to=_compilation_path, blank=True)
    signed_pdf = models.FileField(upload_to=_compilation_path, blank=True)
    edxml = models.FileField(upload_to=_compilation_path, blank=True)
    # The office's own words, which the specialist writes before the head issues the report.
    assessment = models.TextField(_("assessment"), blank=True)
    proposals = models.TextField(_("proposals"), blank=True)
    # Set when the head issues it: the entry in the outgoing register.
    document = models.OneToOneField(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compilation",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_compilations",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    units_reported = models.PositiveIntegerField(default=0)
    units_expected = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(state__in=ISSUED_STATES, correction=False),
                name="compilation_one_issued_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.created_at:%Y-%m-%d %H:%M}"

    def allowed_steps(self) -> list[CompilationStep]:
        return [step for (state, step) in TRANSITIONS if state == self.state]

    def can(self, step: CompilationStep) -> bool:
        return (CompilationState(self.state), step) in TRANSITIONS

    @property
    def filename(self) -> str:
        return self.download_name("docx")

    def download_name(self, kind: str) -> str:
        """The name a downloaded file gets, from the document: its number and symbol once the
        clerk has issued it (01-BC-VHKHTT.pdf), before that the campaign's ASCII slug
        (bao-cao-tong-hop-sang-tao-2025.pdf). `kind` is docx, pdf, signed or edxml."""
        document = self.document if self.document_id is not None else None
        reference = ""
        if document is not None and document.number:
            reference = ascii_slug(f"{document.number}-{document.symbol}", upper=True)
        base = reference or f"bao-cao-tong-hop-{self.campaign.slug}"
        if kind == "signed":
            return f"{base}.pdf" if reference else f"{base}-da-ky.pdf"
        if kind == "pdf" and reference:
            # The issued document is the signed PDF; this one is its unsigned print.
            return f"{base}-ban-in.pdf"
        return f"{base}.{kind}"

    @property
    def is_done(self) -> bool:
        return self.status == CompilationStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == CompilationStatus.FAILED

    @property
    def is_returned(self) -> bool:
        return self.state == CompilationState.RETURNED

    @property
    def is_issued(self) -> bool:
        return self.document_id is not None


def _attachment_path(instance: IssuedAttachment, filename: str) -> str:
    return _compilation_path(instance.compilation, f"attachments/{filename}")


class IssuedAttachment(models.Model):
    """An appendix the clerk issued as a file of its own, with the office's signature at the
    top right of its first page (ND 30 PL I, II.8.b); it goes with the report in the edXML
    package. The appendix stays in the signed report too: the head signed it whole."""

    compilation = models.ForeignKey(
        Compilation, on_delete=models.CASCADE, related_name="attachments"
    )
    # The appendix's place among the report's (0 for Phụ lục I).
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=500)
    file = models.FileField(upload_to=_attachment_path)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["compilation", "position"], name="issued_attachment_one_per_appendix"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return f"phu-luc-{self.position + 1:02d}.pdf"


class ReportCitation(models.Model):
    """A document the campaign's consolidated report cites in its opening, as the specialist
    confirmed or corrected it (compilation.citations reads the register until then). A row
    marked ``omitted`` keeps the choice of citing nothing from that role."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="citations")
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=10)  # compilation.citations.DIRECTIVE or RELAY
    doc_type = models.CharField(_("type"), max_length=60, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    symbol = models.CharField(_("symbol"), max_length=60, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    omitted = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.number}/{self.symbol}"

    def citation(self) -> Any:
        from tonghop.compilation.citations import Citation

        return Citation(
            role=self.role,
            doc_type=self.doc_type,
            number=self.number,
            symbol=self.symbol,
            issued_on=self.issued_on,
            issuer=self.issuer,
            subject=self.subject,
        )
