"""The outbox: every message tonghop sends (email, in-app notice), one row each, written before
anything is sent, and the in-app notifications a person reads.

It comes before the packages whose messages it carries (campaigns, reports, reminders,
compilation): it names their campaign and assignment by relation only, and never reads them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    REMINDER = "reminder", _("Scheduled reminder")
    MANUAL = "manual", _("Reminder sent by hand")
    DIGEST = "digest", _("Digest to the office")
    DIRECTIVE = "directive", _("Directive sent to the unit")
    # About a person's account, not a campaign (tonghop.reminders.accounts).
    LOGIN_CODE = "login_code", _("One-time sign-in code")
    LOCK_ALERT = "lock_alert", _("Sign-in lock alert")
    RECEIPT = "receipt", _("Receipt of a submitted report")
    REPORT = "report", _("Compiled report sent to the body above")
    # To the head: a consolidated report waits for signature (tonghop.compilation.notices).
    SIGNATURE = "signature", _("Report submitted for signature")
    PASSWORD_RESET = "reset", _("Password reset link")
    INVITATION = "invitation", _("Invitation to the office")
    MAIL_TEST = "mail_test", _("Test of the mail settings")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    APP = "app", _("In the app")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No address")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    """One message of the log: one channel of one reminder (or digest) to one unit (or office).

    The row is written *before* anything is sent, and the database's unique constraint on
    (assignment, slot, channel) decides which worker sends it: a second worker's insert fails
    and it moves on. The channel is part of the key because one slot reaches a unit twice,
    by email and in the app, each logged on its own.
    """

    # Empty for a message about a person's account (a sign-in code, a lock alert).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_messages",
    )
    # Empty for a digest, which concerns the whole campaign.
    assignment = models.ForeignKey(
        "reports.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_messages",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # "auto:2030-05-02" (a scheduled day), "manual:2030-05-02T09:15" (a minute),
    # "digest:2030-05-06", "report:12:so@example.vn" (purpose, object and address, see
    # outbox.py): what makes a second send of the same thing impossible.
    slot = models.CharField(max_length=300)
    slot_at = models.DateTimeField(_("scheduled for"))
    recipient = models.CharField(_("recipient"), max_length=1000, blank=True)
    subject = models.CharField(_("email subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker that claimed the row for sending owns it until then.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # What a receipt or a compiled report is about (the report version, the compilation): an
    # id read with the kind, since the outbox comes before their packages.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Files sent with the email, by reference to the file storage, never their bytes:
    # [{"path": storage name, "name": file name in the email, "type": MIME type}].
    files: models.JSONField[list[dict[str, str]]] = models.JSONField(default=list, blank=True)

    class Meta:
        # Made when the outbox lived in tonghop.reminders: the table keeps its name.
        db_table = "reminders_message"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "slot", "channel"],
                condition=Q(assignment__isnull=False),
                name="reminder_message_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["campaign", "slot", "channel"],
                condition=Q(assignment__isnull=True),
                name="reminder_digest_once_per_slot",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reminder_msg_due")]
        verbose_name = _("reminder message")
        verbose_name_plural = _("reminder messages")

    def __str__(self) -> str:
        return f"{self.slot} {self.channel} → {self.recipient} ({self.status})"

    @property
    def is_sent(self) -> bool:
        return self.status == MessageStatus.SENT

    @property
    def badge(self) -> str:
        """The class of the status badge, reusing the colours of site.css."""
        return STATUS_BADGES.get(MessageStatus(self.status), "")


STATUS_BADGES = {
    MessageStatus.QUEUED: "draft",
    MessageStatus.SENDING: "draft",
    MessageStatus.SENT: "on_time",
    MessageStatus.FAILED: "returned",
    MessageStatus.NO_ADDRESS: "late",
    MessageStatus.CANCELLED: "not_started",
}


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A line in a person's in-app notifications: text, a link, read or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=1000)
    link = models.CharField(_("link"), max_length=300, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        db_table = "reminders_notification"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text[:60]
