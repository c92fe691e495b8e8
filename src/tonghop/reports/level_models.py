"""Levels in one install: a campaign below (an office's campaign to its units) answering the
office's assignment in a campaign above (the Sở's campaign to the districts' offices), and each
issued report that answered it. Imported into reports.models, where the rest finds them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LevelLink(models.Model):
    """The campaign below and the assignment above it answers: one each way, so an office
    answers one duty above with one campaign of its own."""

    below = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign below"),
        on_delete=models.CASCADE,
        related_name="level_above",
    )
    above = models.OneToOneField(
        "reports.Assignment",
        verbose_name=_("assignment above"),
        # RESTRICT, not PROTECT: the assignment above stays while a campaign below answers it,
        # but both may go in one deletion (an office's data removed whole).
        on_delete=models.RESTRICT,
        related_name="level_below",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The due date was set after the one above on purpose (the office confirmed the warning).
    late_confirmed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("campaign below")
        verbose_name_plural = _("campaigns below")

    def __str__(self) -> str:
        return f"{self.below_id} → {self.above_id}"


class LevelAnswer(models.Model):
    """One issued report of a campaign below, given as the answer above: what was carried up
    (totals by code, the words) and the signed document. Corrections add rows; none is changed."""

    link = models.ForeignKey(LevelLink, on_delete=models.CASCADE, related_name="answers")
    # The compilation that was issued (compilation sits above reports: kept as its id).
    compilation_id = models.PositiveBigIntegerField()
    document = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="level_answers"
    )
    version = models.ForeignKey(
        "reports.ReportVersion", on_delete=models.RESTRICT, related_name="level_answers"
    )
    totals: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    correction = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.link} · {self.document_id}"


class RemoteAbove(models.Model):
    """A campaign below whose campaign above lives on another install: opened from the
    directive that came by edXML with the form attached (tonghop.campaign/1). What the issued
    report must name to be taken as the answer there (tonghop.report/1) is kept here: the
    campaign's slug, the organ code of the office above, the assignment it addressed to this
    office, and the form's codes and kinds."""

    below = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign below"),
        on_delete=models.CASCADE,
        related_name="remote_above",
    )
    directive = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="remote_campaigns"
    )
    organ_id = models.CharField(max_length=40)
    organ_name = models.CharField(max_length=255, blank=True)
    slug = models.CharField(max_length=100)
    # The assignment's id on the install above, as the campaign named it (None: not named).
    assignment = models.PositiveBigIntegerField(null=True, blank=True)
    # The indicators of the form above: [{"code": ..., "kind": ...}, ...], in order.
    form: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list)
    due_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign above on another install")
        verbose_name_plural = _("campaigns above on other installs")

    def __str__(self) -> str:
        return f"{self.below_id} → {self.organ_id}/{self.slug}"
