"""A compilation: one run of building a campaign's consolidated report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Campaign


class CompilationStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Compiling")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def _compilation_path(instance: Compilation, filename: str) -> str:
    return f"compilations/{instance.campaign_id}/{instance.uid}/{filename}"


class Compilation(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="compilations")
    status = models.CharField(
        max_length=10, choices=CompilationStatus.choices, default=CompilationStatus.QUEUED
    )
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

    def __str__(self) -> str:
        return f"{self.campaign} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def filename(self) -> str:
        return f"bao-cao-tong-hop-{self.campaign.slug}.docx"

    @property
    def is_done(self) -> bool:
        return self.status == CompilationStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == CompilationStatus.FAILED

    @property
    def is_issued(self) -> bool:
        return self.document_id is not None


class NewsItem(models.Model):
    """A news item about a campaign's results, for the portal (Trang TTĐT) and its feed.

    Only what the office writes and chooses to publish appears: nothing is published by itself.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="news")
    compilation = models.ForeignKey(
        Compilation, null=True, blank=True, on_delete=models.SET_NULL, related_name="news"
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=2000)
    body = models.TextField(_("text"), blank=True, max_length=50000)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.title
