"""Campaigns: what a directive asks of units, by when, and the unit lists read for them. The
form's models (indicators, rules, versions, templates) are in form_models.py; each unit's
assignment and its life are in tonghop.reports."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The form's models live in form_models.py; importing it here registers them with the app.
from tonghop.campaigns import form_models  # noqa: F401
from tonghop.documents.models import Document
from tonghop.orgs.models import Unit, User


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class CampaignStep(models.TextChoices):
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    ARCHIVE = "archive", _("Archived")


# The one table of allowed changes of a campaign's status, used by campaigns.actions. A draft
# is opened when it is created (create_campaign); closing stops submissions and reminders;
# archiving is final.
CAMPAIGN_TRANSITIONS: dict[tuple[CampaignStatus, CampaignStep], CampaignStatus] = {
    (CampaignStatus.OPEN, CampaignStep.CLOSE): CampaignStatus.CLOSED,
    (CampaignStatus.CLOSED, CampaignStep.REOPEN): CampaignStatus.OPEN,
    (CampaignStatus.CLOSED, CampaignStep.ARCHIVE): CampaignStatus.ARCHIVED,
}

# Statuses in which nothing can be submitted or changed any more.
ENDED_STATUSES = (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_office_staff(self, user: User) -> CampaignQuerySet:
        """Campaigns of the offices where the user holds an office role."""
        return self.filter(office__in=user.office_units())


class Campaign(models.Model):
    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what units must do"), blank=True)
    source_document = models.ForeignKey(
        Document,
        verbose_name=_("directive"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    # What the consolidated report needs: to whom it goes and the symbol it will carry.
    report_to = models.CharField(_("report to"), max_length=255, blank=True)
    report_to_email = models.EmailField(_("email of the body reported to"), blank=True)
    report_to_organ_id = models.CharField(
        _("organ code of the body reported to"), max_length=40, blank=True
    )
    report_symbol = models.CharField(_("report symbol"), max_length=60, blank=True)
    # Bumped by every change of status: a page carries the version it was drawn from.
    version = models.PositiveIntegerField(default=0)
    # A new value at every change of the form (campaigns.formedit): the key under which each
    # server process keeps the form it has read (reports.actions.read_form). A random value,
    # not a counter, so that a campaign whose row was rolled back and whose key was taken
    # again never meets the form of the one before.
    form_key = models.UUIDField(default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[CampaignQuerySet] = CampaignQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES

    def allowed_steps(self) -> list[CampaignStep]:
        return [step for (state, step) in CAMPAIGN_TRANSITIONS if state == self.status]


# --- Form templates ---
# Kept at the end of the file, in one block: the form templates an office keeps, and the unit
# lists read from a file while the office checks their preview.
import uuid  # noqa: E402


class UnitImport(models.Model):
    """A unit list read from a file, kept between its preview and its confirmation.

    The rows are stored here, keyed by a random id and bound to the person who uploaded them,
    so the confirmation never trusts data sent back by the browser. The plan is computed again
    on confirmation; `digest` tells whether it still is what the person saw.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    # The open campaign the units go to; empty while the campaign is still being created.
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255, blank=True)
    rows: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list)
    ignored_columns: models.JSONField[list[str]] = models.JSONField(default=list)
    digest = models.CharField(max_length=64, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
