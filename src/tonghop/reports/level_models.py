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
        on_delete=models.PROTECT,
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
        "reports.ReportVersion", on_delete=models.PROTECT, related_name="level_answers"
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
