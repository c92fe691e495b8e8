"""The audit log: who signed in, who changed whose permissions, who changed what data."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    LOCKED = "locked", _("Sign-in refused: locked")
    PERMISSION = "permission", _("Permission change")
    DATA = "data", _("Data change")
    # Changes of state of the core objects (documents, campaigns, compilations): each one is
    # made by one function of its package's actions.py, which writes the entry.
    DOCUMENT_READ = "document_read", _("Document read")
    REGISTER = "register", _("Document registered")
    DOCUMENT_EDIT = "document_edit", _("Document edited")
    REVOKE = "revoke", _("Document revoked")
    CLOSE = "close", _("Campaign closed")
    REOPEN = "reopen", _("Campaign reopened")
    ARCHIVE = "archive", _("Campaign archived")
    SUBMIT_FOR_SIGNATURE = "submit_signature", _("Submitted for signature")
    RETURN = "return", _("Returned by the head")
    SIGN = "sign", _("Report signed")
    ISSUE = "issue", _("Report issued")
    EMAIL = "email", _("Report emailed")
    PUBLISH = "publish", _("News published")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def newest_first(self) -> AuditEventQuerySet:
        return self.order_by("-at", "-pk")


class AuditEvent(models.Model):
    """One line of the audit log. Written once, never changed (but for the count of attempts
    refused during one sign-in lock, kept on that lock's single row); people are kept by name
    too."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # Who did it: empty for a failed or refused sign-in (the person is not known then).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The user name typed (sign-in) or the actor's, kept when the account is deleted.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    # The person the event is about: who tried to sign in, whose permissions changed.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_text = models.CharField(_("object"), max_length=255, blank=True)
    details: models.JSONField[Any] = models.JSONField(
        _("details"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["action", "at"], name="audit_action_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.username}"


class LoginFailure(models.Model):
    """A failed sign-in, counted by tonghop.audit.throttle; deleted when the person signs in."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.ip}"


class LockScope(models.TextChoices):
    ACCOUNT = "account", _("one account from one address")
    ADDRESS = "address", _("one address, for every account")


class LoginLock(models.Model):
    """One lock period of the sign-in throttle (tonghop.audit.throttle), written when it starts.

    Attempts refused while it holds are counted here (and on its single audit row), never one
    row each, so a flood cannot fill the tables. The owner of a locked account is told once,
    when the worker claims `notified_at`.
    """

    scope = models.CharField(max_length=8, choices=LockScope.choices)
    # The normalised user name for an account's lock, empty for an address's.
    username = models.CharField(max_length=150, blank=True)
    # Empty when the address is not known (a sign-in without a request).
    ip = models.CharField(max_length=45, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(db_index=True)
    refused = models.PositiveIntegerField(default=0)
    event = models.ForeignKey(
        AuditEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "username", "ip", "until"], name="login_lock_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.username} {self.ip} → {self.until:%Y-%m-%d %H:%M:%S}"


class LockPassCode(models.Model):
    """A one-time code emailed to the owner of an account without two-step verification, so
    that the right password and this code pass a sign-in lock once. Only its HMAC is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes typed against it; past the limit it is spent.
    tries = models.PositiveSmallIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="lock_pass_code_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M:%S}"
