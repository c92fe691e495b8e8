"""Everything reminders do goes through here: claim a slot, then hand it to delivery.

Two phases, so that several workers (threads, processes, machines) can run at once:

1. *Claim* (this module): for each unit owed a reminder, insert the log rows (email and
   in-app) and the in-app notifications in one transaction. The unique constraint on
   (assignment, slot, channel) lets exactly one worker's insert through; the others get an
   IntegrityError and move on. Nothing is sent in this phase.
2. *Deliver* (delivery.py): each queued email is taken by one worker and sent, retried, or
   reported as failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.orgs.models import User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders.accounts import queue_lock_alerts
from tonghop.reminders.delivery import TickReport, deliver_queued
from tonghop.reminders.models import ReminderPolicy
from tonghop.reminders.schedule import Schedule, slot_to_send
from tonghop.reminders.texts import (
    SUBMITTED_STATES,
    digest_texts,
    late_assignments,
    local_tz,
    not_before,
    notify,
    office_page,
    policy_for,
    reminder_texts,
    reporters_of,
    staff_of,
)
from tonghop.reports.models import Assignment

# Re-exported: the worker and the tests reach everything through actions.
__all__ = ["TickReport", "deliver_queued"]


class ReminderError(errors.Refused):
    """A refused request. str() is a sentence for the person who asked."""


class NotAllowed(ReminderError, errors.NotAllowed):
    pass


class CampaignClosed(ReminderError):
    pass


@dataclass
class RemindResult:
    reminded: list[Assignment] = field(default_factory=list)
    already: list[Assignment] = field(default_factory=list)
    submitted: list[Assignment] = field(default_factory=list)


# -- claims -----------------------------------------------------------------------------


def _claim_reminder(
    assignment_id: int,
    kind: MessageKind,
    slot: str,
    slot_at: dt.datetime,
    now: dt.datetime,
    by: User | None = None,
) -> bool:
    """Write one unit's reminder (email row, in-app row, notifications); False if not owed.

    The unique constraint makes this safe to call from any number of workers at once.
    """
    try:
        with transaction.atomic():
            # Read again inside the transaction: the unit may have just submitted, or the
            # office closed the campaign, since the caller looked.
            assignment = (
                Assignment.objects.active()
                .select_related("campaign", "campaign__office", "unit")
                .filter(pk=assignment_id)
                .first()
            )
            if (
                assignment is None
                or assignment.is_submitted
                or assignment.campaign.status != CampaignStatus.OPEN
            ):
                return False
            subject, body, app_text = reminder_texts(assignment, now)
            unit = assignment.unit
            common = {
                "campaign": assignment.campaign,
                "assignment": assignment,
                "kind": kind,
                "slot": slot,
                "slot_at": slot_at,
                "created_at": now,
                "created_by": by,
            }
            Message.objects.create(
                **common,
                channel=Channel.EMAIL,
                recipient=unit.email,
                subject=subject,
                body=body,
                status=MessageStatus.QUEUED if unit.email else MessageStatus.NO_ADDRESS,
                next_attempt_at=now if unit.email else None,
            )
            reporters = list(reporters_of(unit))
            app = Message.objects.create(
                **common,
                channel=Channel.APP,
                recipient=", ".join(user.display_name() for user in reporters),
                subject=subject,
                body=app_text,
                status=MessageStatus.SENT if reporters else MessageStatus.NO_ADDRESS,
                sent_at=now if reporters else None,
            )
            link = reverse("reports:form", args=[assignment.pk])
            notify(reporters, app_text, link, now, app)
            if not unit.email:
                _tell_office_no_address(assignment, now)
    except IntegrityError:
        # Another worker (or a double click) claimed this slot first: it sends, we do not.
        return False
    return True


def _tell_office_no_address(assignment: Assignment, now: dt.datetime) -> None:
    """Once per unit and campaign: the office must add an address, or phone the unit."""
    earlier = Message.objects.filter(
        assignment=assignment, channel=Channel.EMAIL, status=MessageStatus.NO_ADDRESS
    )
    if earlier.count() > 1:
        return
    campaign = assignment.campaign
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "%(unit)s has no email address: reminders for “%(title)s” reach it only in the "
            "app. Add an address to the unit or contact it another way."
        ) % {"unit": assignment.unit.name, "title": campaign.title}
    notify(staff_of(campaign.office), text, office_page(campaign, "no_address"), now)


def _claim_scheduled_reminders(campaign: Campaign, policy: ReminderPolicy, now: dt.datetime) -> int:
    schedule = policy.schedule()
    since = not_before(campaign, policy)
    owed = list(campaign.assignments.active().exclude(state__in=SUBMITTED_STATES))
    last_done = dict(
        Message.objects.filter(
            assignment__in=owed, kind=MessageKind.REMINDER, channel=Channel.EMAIL
        )
        .values("assignment")
        .annotate(last=Max("slot_at"))
        .values_list("assignment", "last")
    )
    claimed = 0
    for assignment in owed:
        slot = slot_to_send(
            assignment.due_at,
            schedule,
            local_tz(),
            now,
            last_done=last_done.get(assignment.pk),
            not_before=since,
        )
        if slot is not None and _claim_reminder(
            assignment.pk, MessageKind.REMINDER, slot.key, slot.at, now
        ):
            claimed += 1
    return claimed


def _claim_digest(
    campaign: Campaign,
    slot: str,
    slot_at: dt.datetime,
    now: dt.datetime,
    *,
    by: User | None,
    scheduled: bool,
) -> bool:
    try:
        with transaction.atomic():
            fresh = Campaign.objects.select_related("office").get(pk=campaign.pk)
            if fresh.status != CampaignStatus.OPEN:
                return False
            late = late_assignments(fresh, now)
            if scheduled and not late:
                return False
            subject, body, app_text = digest_texts(fresh, late, now)
            staff = list(staff_of(fresh.office))
            addresses = sorted({user.email for user in staff if user.email})
            if fresh.office.email and fresh.office.email not in addresses:
                addresses.insert(0, fresh.office.email)
            common = {
                "campaign": fresh,
                "kind": MessageKind.DIGEST,
                "slot": slot,
                "slot_at": slot_at,
                "created_at": now,
                "created_by": by,
                "subject": subject,
            }
            Message.objects.create(
                **common,
                channel=Channel.EMAIL,
                recipient=", ".join(addresses),
                body=body,
                status=MessageStatus.QUEUED if addresses else MessageStatus.NO_ADDRESS,
                next_attempt_at=now if addresses else None,
            )
            app = Message.objects.create(
                **common,
                channel=Channel.APP,
                recipient=", ".join(user.display_name() for user in staff),
                body=app_text,
                status=MessageStatus.SENT if staff else MessageStatus.NO_ADDRESS,
                sent_at=now if staff else None,
            )
            notify(staff, app_text, reverse("campaigns:detail", args=[fresh.slug]), now, app)
    except IntegrityError:
        return False
    return True


def _claim_scheduled_digest(campaign: Campaign, policy: ReminderPolicy, now: dt.datetime) -> bool:
    """The office hears who is late on the days units are chased after the campaign's due date."""
    last = Message.objects.filter(
        campaign=campaign, assignment=None, slot__startswith="digest:", channel=Channel.EMAIL
    ).aggregate(last=Max("slot_at"))["last"]
    slot = slot_to_send(
        campaign.due_at,
        policy.schedule(),
        local_tz(),
        now,
        last_done=last,
        not_before=not_before(campaign, policy),
    )
    if slot is None or slot.day_offset < 1:
        return False
    key = f"digest:{slot.at.date().isoformat()}"
    return _claim_digest(campaign, key, slot.at, now, by=None, scheduled=True)


def run_due_reminders(now: dt.datetime | None = None) -> TickReport:
    """One tick of the worker: claim every reminder and digest owed by `now`, then send."""
    now = now or timezone.now()
    report = TickReport()
    campaigns = Campaign.objects.filter(status=CampaignStatus.OPEN).select_related(
        "office", "reminder_policy"
    )
    for campaign in campaigns:
        policy = policy_for(campaign)
        if policy.is_stopped:
            continue
        report.claimed += _claim_scheduled_reminders(campaign, policy, now)
        if policy.digest_enabled and _claim_scheduled_digest(campaign, policy, now):
            report.digests += 1
    queue_lock_alerts(now)
    return deliver_queued(now, report)


def _check_staff(user: User, campaign: Campaign) -> None:
    if not user.has_office_role(campaign.office):
        raise NotAllowed(_("Only the office's staff can do this."))


def _deliver_soon(now: dt.datetime) -> None:
    """Hand the sending to the worker, so that a page never waits on a slow mail server."""
    from tonghop.reminders.tasks import deliver_reminders

    deliver_reminders.enqueue(now.isoformat())


def _minute(now: dt.datetime) -> str:
    # A double click within the same minute claims the same slot, so it cannot send twice.
    return now.astimezone(local_tz()).strftime("%Y-%m-%dT%H:%M")


def remind_now(
    user: User,
    campaign: Campaign,
    assignment_ids: Iterable[int],
    now: dt.datetime | None = None,
) -> RemindResult:
    """The office's "remind now" for chosen units that have not submitted."""
    now = now or timezone.now()
    _check_staff(user, campaign)
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignClosed(_("This campaign is closed; no reminder is sent."))
    result = RemindResult()
    chosen = (
        campaign.assignments.active().filter(pk__in=list(assignment_ids)).select_related("unit")
    )
    slot = f"manual:{_minute(now)}"
    for assignment in chosen:
        if assignment.is_submitted:
            result.submitted.append(assignment)
        elif _claim_reminder(assignment.pk, MessageKind.MANUAL, slot, now, now, by=user):
            result.reminded.append(assignment)
        else:
            result.already.append(assignment)
    if result.reminded:
        _deliver_soon(now)
    return result


def send_digest(
    campaign: Campaign, now: dt.datetime | None = None, *, by: User | None = None
) -> bool:
    """Send the office the list of late units now (the button on the reminders page)."""
    now = now or timezone.now()
    if by is not None:
        _check_staff(by, campaign)
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignClosed(_("This campaign is closed; no reminder is sent."))
    claimed = _claim_digest(
        campaign, f"digest-manual:{_minute(now)}", now, now, by=by, scheduled=False
    )
    if claimed:
        _deliver_soon(now)
    return claimed


@dataclass(frozen=True)
class PolicyChange:
    offsets_days: tuple[int, ...]
    repeat_every_days: int
    send_hour: int
    digest_enabled: bool


def update_policy(
    user: User, campaign: Campaign, change: PolicyChange, now: dt.datetime | None = None
) -> ReminderPolicy:
    now = now or timezone.now()
    _check_staff(user, campaign)
    Schedule(change.offsets_days, change.repeat_every_days, change.send_hour)  # validates
    with transaction.atomic():
        policy, _created = ReminderPolicy.objects.select_for_update().get_or_create(
            campaign=campaign
        )
        policy.offsets_days = sorted(change.offsets_days)
        policy.repeat_every_days = change.repeat_every_days
        policy.send_hour = change.send_hour
        policy.digest_enabled = change.digest_enabled
        policy.updated_by = user
        policy.updated_at = now
        policy.save()
        return policy


def set_stopped(
    user: User, campaign: Campaign, stopped: bool, now: dt.datetime | None = None
) -> ReminderPolicy:
    """Stop the campaign's scheduled reminders, or resume them from now on."""
    now = now or timezone.now()
    _check_staff(user, campaign)
    with transaction.atomic():
        policy, _created = ReminderPolicy.objects.select_for_update().get_or_create(
            campaign=campaign
        )
        if policy.is_stopped == stopped:
            return policy
        policy.is_stopped = stopped
        if stopped:
            policy.stopped_at = now
        else:
            policy.resumed_at = now
        policy.updated_by = user
        policy.updated_at = now
        policy.save()
        if stopped:
            # Emails already claimed but not yet sent are dropped too.
            Message.objects.filter(
                campaign=campaign, kind=MessageKind.REMINDER, status=MessageStatus.QUEUED
            ).update(status=MessageStatus.CANCELLED, last_error="stopped by the office")
        return policy
