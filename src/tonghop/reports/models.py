"""A unit's report: the values it gives for a campaign's indicators, and every version of them."""

from __future__ import annotations

from typing import Any

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

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"
