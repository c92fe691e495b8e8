"""A unit's report: the values it gives for a campaign's indicators, and every version of them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Assignment


class Report(models.Model):
    """The current values of one assignment's report. Submissions are copied to versions."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="report")
    # Indicator code -> value (int, decimal string or text). Kept as JSON so a form can gain
    # indicators without a schema change; totals are computed exactly from these values.
    values: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return str(self.assignment)

    def current_attachments(self) -> list[Attachment]:
        """The files the unit has attached and not removed, oldest first."""
        return list(self.attachments.present().select_related("uploaded_by"))

    def is_blank(self) -> bool:
        """Nothing typed and no file kept: a report row made for a file the unit then removed
        is still "not started" to the office."""
        typed = any(value not in (None, "", []) for value in self.values.values())
        return not typed and not self.narrative and not self.attachments.present().exists()

    def file_values(self, codes: list[str]) -> dict[str, list[int] | None]:
        """The value of each FILE indicator: the ids of its files present, or None if none."""
        values: dict[str, list[int] | None] = dict.fromkeys(codes)
        if self.pk is None or not codes:
            return values
        present = self.attachments.present().filter(indicator_code__in=codes).order_by("pk")
        for pk, code in present.values_list("pk", "indicator_code"):
            values[code] = [*(values[code] or []), pk]
        return values


class ReportVersion(models.Model):
    """An immutable copy of a report as it was submitted: nothing submitted is ever overwritten."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    values: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    narrative = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The ids of the attachments present at submission, so the history shows what was sent even
    # after the unit removes a file while correcting a returned report.
    attachments: models.JSONField[list[int]] = models.JSONField(default=list, blank=True)
    # The receipt given on submission (BN-2025-000123, see reports.receipts): derived from the
    # primary key, so two submissions at the same instant can never share one. Versions made
    # before receipts existed have none.
    receipt_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    # The receipt's email: when it left, to whom, and the last failure while it has not.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_to = models.CharField(max_length=500, blank=True)
    receipt_attempts = models.PositiveSmallIntegerField(default=0)
    receipt_error = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"


class ReceiptMail(models.TextChoices):
    """Where a receipt's email stands, as the reporter's page shows it."""

    SENT = "sent", _("Sent")
    PENDING = "pending", _("Being sent")
    RETRYING = "retrying", _("Not sent yet; it will be tried again")
    FAILED = "failed", _("Could not be sent")
    NO_ADDRESS = "no_address", _("No email address to send it to")


def receipt_mail_state(version: ReportVersion, max_attempts: int) -> ReceiptMail:
    if version.receipt_sent_at is not None:
        return ReceiptMail.SENT
    if version.receipt_attempts == 0:
        return ReceiptMail.NO_ADDRESS if version.receipt_error else ReceiptMail.PENDING
    if version.receipt_attempts >= max_attempts:
        return ReceiptMail.FAILED
    return ReceiptMail.RETRYING


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def present(self) -> AttachmentQuerySet:
        """Not removed by the unit."""
        return self.filter(removed_at__isnull=True)


IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class Attachment(models.Model):
    """A file a unit attached to its report: a photo of the banners, its own signed PDF report.

    The file is stored under a random name (see reports.attachments); the name it came with is
    kept only as text to show. Removing it while the report is editable hides it; the file stays
    on disk while a submitted version refers to it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    # The FILE indicator it answers, or blank for a general attachment of the report.
    indicator_code = models.CharField(max_length=40, blank=True)
    file = models.FileField(max_length=200)
    original_name = models.CharField(_("file name"), max_length=150)
    # Read from the bytes at upload, never from the name or the browser.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    thumbnail = models.FileField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The unit's personal link it came through, when nobody was signed in.
    via_link_id = models.PositiveBigIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[AttachmentQuerySet] = AttachmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def kind_label(self) -> str:
        """A short word for the type, shown where there is no thumbnail."""
        return {
            "application/pdf": "PDF",
            "image/jpeg": "JPEG",
            "image/png": "PNG",
            "image/webp": "WebP",
        }.get(self.content_type, "DOCX" if "wordprocessing" in self.content_type else "XLSX")

    def in_a_submission(self) -> bool:
        """Whether a submitted version lists this file: then it is kept, and still served."""
        return any(
            self.pk in (ids or [])
            for ids in self.report.versions.values_list("attachments", flat=True)
        )
