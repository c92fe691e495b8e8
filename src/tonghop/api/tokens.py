"""Making, revoking and checking API tokens: one function each, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.api.models import ApiToken
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.orgs.models import User

PREFIX = "thk_"
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 365
MAX_LIVE_PER_PERSON = 20
# last_used_at is written at most this often per token: a program polling every second must not
# turn every read into a write.
USE_RESOLUTION = dt.timedelta(minutes=1)


class TokenRefused(errors.Refused):
    """str() says why, in the person's words."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    user: User,
    name: str,
    *,
    days: int = DEFAULT_DAYS,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`, with the user's own rights; the token text, shown only now."""
    now = now or timezone.now()
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused(_("Give the token a name that says which program will use it."))
    if len(name) > 100:
        raise TokenRefused(_("The name is too long: at most 100 characters."))
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(_("A token lasts from 1 to %(most)s days.") % {"most": MAX_DAYS})
    if not user.is_active:
        raise TokenRefused(_("Your account is disabled."))
    with transaction.atomic():
        # Locks the person's row: two requests at once cannot both pass the count.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if user.api_tokens.live(now).count() >= MAX_LIVE_PER_PERSON:
            raise TokenRefused(
                _("You already have %(most)s tokens in use: revoke one you no longer need.")
                % {"most": MAX_LIVE_PER_PERSON}
            )
        text = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            digest=_digest(text),
            hint=text[-4:],
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record(
            Action.PERMISSION,
            request=request,
            actor=user,
            subject=user,
            obj=token,
            details={"api_token": "issued", "expires_at": token.expires_at.isoformat()},
        )
    return token, text


def revoke_token(
    user: User,
    pk: int,
    *,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
    by: User | None = None,
) -> ApiToken:
    """End one of `user`'s tokens at once; another person's token is not found. `by` is the
    administrator who revokes it from the administration pages, when it is not its owner."""
    actor = by or user
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=pk, user=user)
        if token.revoked_at is None:
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                Action.PERMISSION,
                request=request,
                actor=actor,
                subject=user,
                obj=token,
                details={"api_token": "revoked"},
            )
    return token


def user_for(text: str, now: dt.datetime | None = None) -> User | None:
    """The person a token stands for, or None: unknown, revoked, expired, or account disabled."""
    if not text.startswith(PREFIX) or len(text) > 200:
        return None
    now = now or timezone.now()
    token = ApiToken.objects.live(now).select_related("user").filter(digest=_digest(text)).first()
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
