"""Issuing, revoking and using personal links: one transaction each.

Issuing and revoking are kept twice, on purpose. The link's own fields (issued by/at, revoked
by/at, last used, times used) are the state of a unit's access and its history, since links are
never deleted. A line in the audit log (a permission change: a link is access given to someone
without an account) puts the same fact where administrators already look for who gave access
to whom, with the rest of the permission changes, filterable and exportable. AssignmentEvent is
not used: its steps are the report's state table, and a link changes no state.

Locks are always taken in the same order, assignment then link, so that issuing, revoking and
saving through a link on the same assignment queue instead of deadlocking on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.orgs.models import User
from tonghop.reports.actions import ActionError, NotAllowed, save_report
from tonghop.reports.links.models import (
    DEFAULT_DAYS_AFTER_DUE,
    MAX_DAYS,
    AccessLink,
    hash_secret,
    make_token,
    new_secret,
)
from tonghop.reports.models import Assignment


class LinkError(ActionError):
    """A refused issue or revocation. str() is a sentence for the office."""


def _check_office(by: User | None, assignment: Assignment) -> None:
    """Only the staff of the campaign's office hand out or take back a unit's link.

    `by` is None when the system itself acts (e.g. the directive's emails sent by the worker);
    views always pass the signed-in person."""
    if by is None:
        return
    if not by.is_active:
        raise NotAllowed(_("Your account is disabled."))
    if not by.has_office_role(assignment.campaign.office):
        raise NotAllowed(_("You are not allowed to do this for this unit."))


def _lock_assignment(pk: int) -> Assignment:
    return (
        Assignment.objects.select_for_update()
        .select_related("campaign", "campaign__office", "unit")
        .get(pk=pk)
    )


def default_expiry(assignment: Assignment, now: dt.datetime) -> dt.datetime:
    """The due time plus 30 days, leaving room for late reports and corrections; counted from
    now when the link is issued after the due time (e.g. for a returned report)."""
    return max(assignment.due_at, now) + dt.timedelta(days=DEFAULT_DAYS_AFTER_DUE)


def _describe(assignment: Assignment) -> str:
    return f"{assignment.unit.name} · {assignment.campaign.title}"


def issue_link(
    assignment: Assignment,
    *,
    by: User | None,
    days: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[AccessLink, str]:
    """A new personal link for one unit's assignment, and its path `/l/<token>/`.

    The path is returned once and never again (only a hash of its secret is kept). Any earlier
    link of the assignment is revoked: one live link per assignment. `days` counts from now;
    without it the link lasts until 30 days after the due time."""
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS
    ):
        raise LinkError(_("A link lasts from 1 to %(max)s days.") % {"max": MAX_DAYS})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_assignment(assignment.pk)
        _check_office(by, locked)
        if not locked.is_active:
            raise LinkError(_("This unit no longer has a duty in this campaign."))
        if locked.campaign.is_ended:
            raise LinkError(_("This campaign is closed; reports can no longer be changed."))
        replaced = list(
            AccessLink.objects.filter(assignment=locked).unrevoked().values_list("pk", flat=True)
        )
        if replaced:
            AccessLink.objects.filter(pk__in=replaced).update(revoked_at=now, revoked_by=by)
        expires = now + dt.timedelta(days=days) if days is not None else default_expiry(locked, now)
        secret = new_secret()
        link = AccessLink.objects.create(
            assignment=locked,
            token_hash=hash_secret(secret),
            created_by=by,
            created_at=now,
            expires_at=expires,
        )
        record(
            Action.PERMISSION,
            actor=by,
            obj=link,
            object_text=_describe(locked),
            details={
                "link": "issued",
                "assignment": locked.pk,
                "expires_at": expires.isoformat(),
                "replaced": replaced,
            },
        )
    return link, reverse("links:page", args=[make_token(link.pk, secret)])


def revoke_link(link: AccessLink, *, by: User | None, now: dt.datetime | None = None) -> AccessLink:
    """Take a link back at once: the next request through it gets the "revoked" page."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _lock_assignment(link.assignment_id)
        locked = AccessLink.objects.select_for_update().get(pk=link.pk)
        _check_office(by, assignment)
        if locked.revoked_at is not None:
            raise LinkError(_("This link was already revoked."))
        locked.revoked_at = now
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            Action.PERMISSION,
            actor=by,
            obj=locked,
            object_text=_describe(assignment),
            details={"link": "revoked", "assignment": assignment.pk},
        )
    return locked


def record_use(link: AccessLink, now: dt.datetime | None = None, *, count: bool = True) -> None:
    """Note one use: the office sees whether and when the unit used its link. Openings and
    saves are counted; `count=False` (the form's autosave) only moves the time."""
    fields: dict[str, Any] = {"last_used_at": now or timezone.now()}
    if count:
        fields["use_count"] = F("use_count") + 1
    AccessLink.objects.filter(pk=link.pk).update(**fields)


def save_via_link(
    link: AccessLink,
    data: Mapping[str, object],
    narrative: str,
    *,
    expected_version: int,
    submit: bool,
    now: dt.datetime | None = None,
) -> Assignment:
    """Save or submit the report of the link's one assignment, as its unit, with no account.

    The link is read again under lock, so a link revoked a moment ago writes nothing; the rules
    of the report (state, version, closed campaign, values) are save_report's."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _lock_assignment(link.assignment_id)
        fresh = LinkHold(link).lock(assignment)
        saved = save_report(
            None,
            fresh.assignment_id,
            data,
            narrative,
            expected_version=expected_version,
            submit=submit,
            now=now,
            grant=fresh,
        )
        record_use(fresh, now)
    return saved


@dataclass(frozen=True)
class LinkHold:
    """The link a form with files was sent through, held within the save's one transaction
    (reports.attachments.save_with_files): read again under its lock, its use noted."""

    link: AccessLink

    def lock(self, assignment: Assignment) -> AccessLink:
        """The link read again under its lock, once its assignment is locked; a unit taken out
        of the campaign meanwhile can no longer write through it."""
        fresh = AccessLink.objects.select_for_update().get(pk=self.link.pk)
        if not assignment.is_active:
            raise NotAllowed(_("This link is no longer valid. Ask the office for a new one."))
        return fresh

    def used(self, now: dt.datetime) -> None:
        record_use(self.link, now)


def lengthen_links(
    assignment: Assignment, new_due: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """For reports.actions.extend_due, inside its transaction: the unit's personal link must not
    run out before its new due time, so a live one is lengthened to what a link issued now
    would get. An expired or revoked one stays so. The details for the extension's event."""
    link_until = new_due + dt.timedelta(days=DEFAULT_DAYS_AFTER_DUE)
    links = AccessLink.objects.filter(assignment=assignment).live(now)
    lengthened = list(links.filter(expires_at__lt=link_until).values_list("pk", flat=True))
    if not lengthened:
        return {}
    AccessLink.objects.filter(pk__in=lengthened).update(expires_at=link_until)
    return {"links_lengthened": lengthened, "link_until": link_until.isoformat()}
