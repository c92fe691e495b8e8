"""Personal links: a unit without an account reaches its one report form through a URL.

The URL is `/l/<token>/`. The token is a value signed with the site's secret key (salt
"tonghop.links") carrying the link's id and a random secret of 256 bits; the database keeps only
the sha256 of the secret. Reading a token therefore takes two independent proofs: the signature
(a token the site did not make is refused without touching the database) and the secret (a copy
of the database, or of the secret key alone, is not enough to make a working link).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from enum import StrEnum
from typing import ClassVar

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tonghop import errors
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports.models import Assignment

SALT = "tonghop.links"  # signs live tokens: must never change
SECRET_BYTES = 32
# A real token is about 90 characters; anything much longer is not worth an HMAC.
MAX_TOKEN_LENGTH = 200
DEFAULT_DAYS_AFTER_DUE = 30
MAX_DAYS = 365


class AccessLinkQuerySet(models.QuerySet["AccessLink"]):
    def unrevoked(self) -> AccessLinkQuerySet:
        return self.filter(revoked_at__isnull=True)

    def live(self, now: dt.datetime) -> AccessLinkQuerySet:
        return self.unrevoked().filter(expires_at__gt=now)


class AccessLink(models.Model):
    """One unit's personal link to one assignment's form. Never deleted: revoking sets
    revoked_at, issuing a new link adds a row, so the rows are the history of who gave access
    to whom and when."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="access_links",
    )
    # sha256 (hex) of the secret inside the token; the secret itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("times used"), default=0)

    objects: ClassVar[AccessLinkQuerySet] = AccessLinkQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live link per assignment, held by the database itself: issuing a new link
            # must revoke the old one in the same transaction.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(revoked_at__isnull=True),
                name="accesslink_one_unrevoked_per_assignment",
            )
        ]
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")

    def __str__(self) -> str:
        return f"#{self.pk} · {self.assignment}"

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def is_usable(self, now: dt.datetime) -> bool:
        """The Grant protocol of tonghop.reports.actions: not revoked, not expired."""
        return not self.is_revoked() and not self.is_expired(now)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def make_token(link_id: int, secret: str) -> str:
    # "<id>.<secret>:<signature>": every character is URL-safe, none is a slash.
    return _signer().sign(f"{link_id}.{secret}")


def read_token(token: str) -> tuple[int, str] | None:
    """The link id and secret of a token the site signed, or None. Touches no database."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    link_id, dot, secret = value.partition(".")
    # Only this site signs tokens, so these hold for every real one; checked all the same.
    if not dot or not secret or not link_id.isascii() or not link_id.isdigit():
        return None
    if len(link_id) > 18:  # beyond a 64-bit primary key
        return None
    return int(link_id), secret


class Reason(StrEnum):
    """Why a token opens nothing: unknown (404, never ours or tampered), or gone (410)."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_OPEN = "not_open"


class Unusable(errors.NotAllowed):
    def __init__(self, reason: Reason, link: AccessLink | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.link = link


def find(token: str, now: dt.datetime | None = None) -> AccessLink:
    """The usable link a token names, with its assignment, campaign, office and unit loaded.

    Raises Unusable. A forged or damaged token costs no query; a well-signed one costs one
    lookup by primary key, whatever the outcome."""
    parsed = read_token(token)
    if parsed is None:
        raise Unusable(Reason.UNKNOWN)
    link_id, secret = parsed
    link = (
        AccessLink.objects.select_related(
            "assignment__campaign__office",
            "assignment__campaign__source_document",
            "assignment__unit",
        )
        .filter(pk=link_id)
        .first()
    )
    if link is None or not hmac.compare_digest(link.token_hash, hash_secret(secret)):
        raise Unusable(Reason.UNKNOWN)
    now = now or timezone.now()
    # A unit taken off the campaign has lost its duty, and with it the link.
    if link.is_revoked() or not link.assignment.is_active:
        raise Unusable(Reason.REVOKED, link)
    if link.is_expired(now):
        raise Unusable(Reason.EXPIRED, link)
    if link.assignment.campaign.status == CampaignStatus.DRAFT:
        raise Unusable(Reason.NOT_OPEN, link)
    return link
