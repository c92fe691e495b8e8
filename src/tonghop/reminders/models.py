"""Reminders: each campaign's schedule, the log of every message, and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Campaign
from tonghop.reminders.schedule import (
    DEFAULT_OFFSETS,
    DEFAULT_REPEAT_DAYS,
    DEFAULT_SEND_HOUR,
    Schedule,
)
from tonghop.reports.models import Assignment


def _default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS)


class ReminderPolicy(models.Model):
    """A campaign's reminder schedule. A campaign without one uses the defaults."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    offsets_days: models.JSONField[list[int]] = models.JSONField(
        _("days relative to the due date"), default=_default_offsets
    )
    repeat_every_days = models.PositiveSmallIntegerField(
        _("then repeat every (days)"), default=DEFAULT_REPEAT_DAYS
    )
    send_hour = models.PositiveSmallIntegerField(_("hour of sending"), default=DEFAULT_SEND_HOUR)
    digest_enabled = models.BooleanField(_("send the office a digest of late units"), default=True)
    is_stopped = models.BooleanField(_("stopped"), default=False)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Slots that fell while the schedule was stopped are not owed when it resumes.
    resumed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.offsets_days} / {self.repeat_every_days}"

    def schedule(self) -> Schedule:
        return Schedule(
            offsets_days=tuple(int(day) for day in self.offsets_days),
            repeat_every_days=self.repeat_every_days,
            send_hour=self.send_hour,
        )


class DirectiveDelivery(models.Model):
    """The directive sent to one unit, and what the unit did with it.

    Written once per assignment, in the same transaction as its messages: the one-to-one key
    is what makes a second "send" skip the unit. The emails themselves (one per address) and
    the in-app line are rows of the Message log, of kind DIRECTIVE, so the worker sends and
    retries them like reminders. Confirmation by a personal link keeps the link's id, not a
    person: the unit had no account.
    """

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="directive_delivery"
    )
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The file name as attached, empty when the campaign had no document to attach.
    attachment_name = models.CharField(_("attached file"), max_length=255, blank=True)
    # The personal link issued to a unit without an account (tonghop.reports.links), if any. An id,
    # not a foreign key: the links app is optional for this one.
    link_id = models.PositiveBigIntegerField(null=True, blank=True)
    first_opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    first_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_opened_via_link = models.PositiveBigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_via_link = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("directive sent to a unit")
        verbose_name_plural = _("directives sent to units")

    def __str__(self) -> str:
        return f"{self.assignment} · {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def via_link(self) -> bool:
        return self.confirmed_via_link is not None
