"""An office's people without the admin pages: invitations by email, roles, disabling an
account, and "Forgot password". Each change is one transaction with the account's row locked
and an audit entry; every email goes through the outbox (a Message row the worker sends), never
SMTP inside the request.

This module sits at the roof (tonghop.views, tonghop.urls): it joins the people of tonghop.orgs
with the audit log, the outbox of tonghop.reminders and the API tokens of tonghop.api.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.api.models import ApiToken
from tonghop.audit.models import Action, AuditEvent
from tonghop.audit.records import record
from tonghop.orgs.models import Membership, Role, Unit, User
from tonghop.orgs.tokens import invitation_tokens
from tonghop.reminders import accounts as mail

# The audit entries of this module, told apart by object_type (throttling counts on it).
RESET_ASKED = "auth.password_reset_asked"
RESET_MAILED = "auth.password_reset_mailed"
MANAGER_ROLES = (Role.ADMIN, Role.HEAD)
PAST_HOUR = dt.timedelta(hours=1)


def normalise_address(address: str) -> str:
    return address.strip().lower()[:254]


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def reset_link(user: User) -> str:
    path = reverse(
        "password-reset-confirm",
        kwargs={"uidb64": _uid(user), "token": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


def invitation_link(user: User) -> str:
    path = reverse(
        "invitation-accept",
        kwargs={"uidb64": _uid(user), "token": invitation_tokens.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


# --- Forgot password --------------------------------------------------------------------


def request_password_reset(address: str, request: HttpRequest | None = None) -> int:
    """Queue a reset link to every active account of this address; returns how many were
    queued (the page says the same whatever it is: nobody learns which addresses exist).

    Throttled per address typed and per account: past TONGHOP_RESET_PER_HOUR in an hour,
    nothing more is queued nor written, so a flood of asks makes neither mail nor log lines.
    """
    address = normalise_address(address)
    if not address:
        return 0
    limit = settings.TONGHOP_RESET_PER_HOUR
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        asked = AuditEvent.objects.filter(
            object_type=RESET_ASKED, object_text=address, at__gte=now - PAST_HOUR
        )
        if asked.count() >= limit:
            return 0
        accounts = list(
            User.objects.select_for_update()
            .filter(email__iexact=address, is_active=True)
            .order_by("pk")
        )
        asked_event = record(
            Action.PERMISSION,
            request=request,
            object_text=address,
            details={"change": "password_reset_asked", "accounts": len(accounts)},
        )
        AuditEvent.objects.filter(pk=asked_event.pk).update(object_type=RESET_ASKED)
        for user in accounts:
            mailed = AuditEvent.objects.filter(
                object_type=RESET_MAILED, subject=user, at__gte=now - PAST_HOUR
            )
            if mailed.count() >= limit:
                continue
            expires_at = now + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
            mail.queue_password_reset(user, reset_link(user), expires_at)
            event = record(
                Action.PERMISSION,
                request=request,
                subject=user,
                obj=user,
                details={"change": "password_reset_mailed", "user": user.get_username()},
            )
            AuditEvent.objects.filter(pk=event.pk).update(object_type=RESET_MAILED)
            queued += 1
    if queued:
        mail.deliver_soon()  # after the commit: the worker sees the rows
    return queued


def password_chosen(user: User, how: str, request: HttpRequest | None = None) -> None:
    """After a person set their own password (reset link, invitation, forced change)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.must_change_password:
            locked.must_change_password = False
            locked.save(update_fields=["must_change_password"])
        user.must_change_password = False
        record(
            Action.PERMISSION,
            request=request,
            actor=locked if request is None or not request.user.is_authenticated else None,
            subject=locked,
            obj=locked,
            details={"change": how, "user": locked.get_username()},
        )


# --- The office's people ----------------------------------------------------------------


def managed_offices(user: User) -> list[Unit]:
    """Offices whose people this person manages (their administrator or head)."""
    if not user.is_active:
        return []
    return list(
        Unit.objects.filter(memberships__user=user, memberships__role__in=MANAGER_ROLES)
        .distinct()
        .order_by("name")
    )


def office_tree(office: Unit) -> list[Unit]:
    return [office, *office.descendants()]


def people_of(office: Unit) -> list[User]:
    units = [u.pk for u in office_tree(office)]
    return list(
        User.objects.filter(memberships__unit_id__in=units)
        .distinct()
        .order_by("full_name", "username")
        .prefetch_related("memberships__unit")
    )


def _check_manager(actor: User, office: Unit) -> None:
    if office not in managed_offices(actor):
        raise errors.NotAllowed(_("Only the office's administrator or head manages its people."))


def _check_person(actor: User, office: Unit, person: User) -> None:
    _check_manager(actor, office)
    units = [u.pk for u in office_tree(office)]
    if not person.memberships.filter(unit_id__in=units).exists():
        raise errors.NotAllowed(_("This person does not work with this office."))
    if person.pk == actor.pk:
        raise errors.Invalid(_("You cannot change your own account here."))
    if person.is_superuser and not actor.is_superuser:
        raise errors.NotAllowed(_("Only a site administrator changes this account."))


USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


def username_from_email(address: str) -> str:
    base = re.sub(r"[^\w.+-]", "", address.split("@")[0])[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _queue_invitation(person: User, office: Unit, actor: User) -> None:
    expires_at = timezone.now() + dt.timedelta(days=settings.TONGHOP_INVITATION_DAYS)
    mail.queue_invitation(
        person, invitation_link(person), office.name, actor.display_name(), expires_at
    )


def invite(
    actor: User,
    office: Unit,
    *,
    email: str,
    full_name: str,
    role: str,
    unit: Unit | None = None,
    username: str = "",
    request: HttpRequest | None = None,
) -> User:
    """A new account with no password, a role in the office (or a unit below it, for a
    reporter), and an email with the link that sets the password."""
    _check_manager(actor, office)
    email = normalise_address(email)
    if role not in Role.values:
        raise errors.Invalid(_("Choose a role."))
    where = office if role != Role.REPORTER else unit
    if where is None or where.pk not in {u.pk for u in office_tree(office)}:
        raise errors.Invalid(_("Choose a unit of this office for the reporter."))
    if User.objects.filter(email__iexact=email).exists():
        raise errors.Invalid(_("An account with this email address exists already."))
    username = username.strip() or username_from_email(email)
    if not USERNAME_RE.match(username):
        raise errors.Invalid(_("A user name has letters, digits and . @ + - _ only."))
    if User.objects.filter(username__iexact=username).exists():
        raise errors.Invalid(_("This user name is taken."))
    with transaction.atomic():
        person = User(username=username, email=email, full_name=full_name.strip()[:200])
        person.set_unusable_password()
        person.invited_at = timezone.now()
        person.save()
        Membership.objects.create(user=person, unit=where, role=role)
        record(
            Action.PERMISSION,
            request=request,
            actor=actor,
            subject=person,
            obj=person,
            details={
                "change": "invited",
                "user": username,
                "email": email,
                "unit": where.code,
                "role": role,
            },
        )
        _queue_invitation(person, office, actor)
    mail.deliver_soon()
    return person


def resend_invitation(
    actor: User, office: Unit, person: User, request: HttpRequest | None = None
) -> None:
    """A new link; the old one stops working (a new unusable password changes the hash)."""
    _check_person(actor, office, person)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if not locked.invitation_pending:
            raise errors.Stale(_("This invitation was used or revoked already."))
        locked.set_unusable_password()
        locked.invited_at = timezone.now()
        locked.save(update_fields=["password", "invited_at"])
        record(
            Action.PERMISSION,
            request=request,
            actor=actor,
            subject=locked,
            obj=locked,
            details={"change": "invitation_resent", "user": locked.get_username()},
        )
        _queue_invitation(locked, office, actor)
    mail.deliver_soon()


def _end_sessions(user: User) -> int:
    """Delete the person's open sessions (the database holds them; a few thousand at most)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id", "")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _revoke_tokens(user: User, actor: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def set_active(
    actor: User, office: Unit, person: User, active: bool, request: HttpRequest | None = None
) -> None:
    """Disable (sessions ended, API tokens revoked, at once) or enable an account. Revoking a
    pending invitation is disabling it: its link dies with a new unusable password."""
    _check_person(actor, office, person)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if locked.is_active == active:
            raise errors.Stale(_("The account is already in this state."))
        details: dict[str, Any] = {"change": "is_active", "user": locked.get_username()}
        details.update({"from": locked.is_active, "to": active})
        if not active and locked.invitation_pending:
            details["invitation_revoked"] = True
        locked.is_active = active
        fields = ["is_active"]
        if not active:
            if not locked.has_usable_password():
                locked.set_unusable_password()
                fields.append("password")
            details["sessions_ended"] = _end_sessions(locked)
            details["tokens_revoked"] = _revoke_tokens(locked, actor)
        locked.save(update_fields=fields)
        record(
            Action.PERMISSION,
            request=request,
            actor=actor,
            subject=locked,
            obj=locked,
            details=details,
        )


def set_office_roles(
    actor: User,
    office: Unit,
    person: User,
    roles: list[str],
    request: HttpRequest | None = None,
) -> None:
    """The person's roles in the office itself (specialist, head, administrator)."""
    _check_person(actor, office, person)
    wanted = set(roles)
    if not wanted <= set(Role.office_roles()):
        raise errors.Invalid(_("Choose office roles only."))
    with transaction.atomic():
        User.objects.select_for_update().get(pk=person.pk)
        current = set(
            Membership.objects.filter(
                user=person, unit=office, role__in=Role.office_roles()
            ).values_list("role", flat=True)
        )
        if Role.ADMIN in current - wanted:
            others = (
                Membership.objects.filter(unit=office, role=Role.ADMIN, user__is_active=True)
                .exclude(user=person)
                .exists()
            )
            if not others:
                raise errors.Invalid(_("The office keeps at least one administrator."))
        for role in sorted(wanted - current):
            Membership.objects.create(user=person, unit=office, role=role)
        Membership.objects.filter(user=person, unit=office, role__in=current - wanted).delete()
        if wanted != current:
            record(
                Action.PERMISSION,
                request=request,
                actor=actor,
                subject=person,
                obj=person,
                details={
                    "change": "roles",
                    "user": person.get_username(),
                    "unit": office.code,
                    "from": sorted(current),
                    "to": sorted(wanted),
                },
            )
