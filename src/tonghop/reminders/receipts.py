"""The office's view of the directive: which units have it, opened it, confirmed receipt.

Nghị định 30/2020/NĐ-CP, Art. 21 asks a unit to confirm receipt of a document the day it
arrives; a unit that has not done so by the end of the day it was sent (Vietnam time) is
flagged, as is one that confirmed on a later day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Campaign
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reminders.texts import local_tz
from tonghop.reports.models import Assignment


class ReceiptState(models.TextChoices):
    NOT_SENT = "not_sent", _("Not sent")
    SENT = "sent", _("Sent, not opened")
    OPENED = "opened", _("Opened, not confirmed")
    CONFIRMED = "confirmed", _("Receipt confirmed")


class EmailState(models.TextChoices):
    NONE = "none", _("No email address")
    PENDING = "pending", _("Email waiting to be sent")
    RETRYING = "retrying", _("Email failed, being retried")
    FAILED = "failed", _("Email failed")
    DELIVERED = "delivered", _("Email handed to the mail server")


# The colours of site.css's badges, so the states read like the rest of the site.
STATE_BADGES = {
    ReceiptState.NOT_SENT: "not_started",
    ReceiptState.SENT: "draft",
    ReceiptState.OPENED: "on_time",
    ReceiptState.CONFIRMED: "accepted",
}
EMAIL_BADGES = {
    EmailState.NONE: "late",
    EmailState.PENDING: "draft",
    EmailState.RETRYING: "late",
    EmailState.FAILED: "returned",
    EmailState.DELIVERED: "on_time",
}
# Filters of the receipts page besides the states.
LATE = "late"
FAILED = "failed"


def _start_of_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(local_tz())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _with_days(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    tz = local_tz()
    return queryset.annotate(
        sent_day=TruncDate("directive_delivery__sent_at", tzinfo=tz),
        confirmed_day=TruncDate("directive_delivery__confirmed_at", tzinfo=tz),
    )


def _late_q(now: dt.datetime) -> Q:
    """Sent, and not confirmed on the day it was sent (whether confirmed later or not yet)."""
    return Q(
        directive_delivery__isnull=False,
        directive_delivery__confirmed_at__isnull=True,
        directive_delivery__sent_at__lt=_start_of_day(now),
    ) | Q(confirmed_day__gt=F("sent_day"))


def _failed_email() -> Exists:
    return Exists(
        Message.objects.filter(
            assignment=OuterRef("pk"),
            kind=MessageKind.DIRECTIVE,
            channel=Channel.EMAIL,
            status=MessageStatus.FAILED,
        )
    )


_STATE_Q = {
    ReceiptState.NOT_SENT: Q(directive_delivery__isnull=True),
    ReceiptState.SENT: Q(
        directive_delivery__isnull=False,
        directive_delivery__first_opened_at__isnull=True,
        directive_delivery__confirmed_at__isnull=True,
    ),
    ReceiptState.OPENED: Q(
        directive_delivery__first_opened_at__isnull=False,
        directive_delivery__confirmed_at__isnull=True,
    ),
    ReceiptState.CONFIRMED: Q(directive_delivery__confirmed_at__isnull=False),
}


@dataclass(frozen=True)
class ReceiptCounts:
    units: int
    sent: int
    opened: int
    confirmed: int
    late: int
    failed: int

    @property
    def not_sent(self) -> int:
        return self.units - self.sent

    @property
    def waiting(self) -> int:
        """Sent, receipt not yet confirmed."""
        return self.sent - self.confirmed

    # One count per state of ReceiptState, matching the page's filters. Confirming also
    # records the first opening, so the confirmed are among the opened.
    @property
    def sent_only(self) -> int:
        return self.sent - self.opened

    @property
    def opened_only(self) -> int:
        return self.opened - self.confirmed


def receipt_counts(campaign: Campaign, now: dt.datetime) -> ReceiptCounts:
    """The figures at the top of the page and on the campaign page: two queries."""
    row = (
        _with_days(campaign.assignments.active())
        .annotate(has_failed_email=_failed_email())
        .aggregate(
            units=Count("pk"),
            sent=Count("pk", filter=Q(directive_delivery__isnull=False)),
            opened=Count("pk", filter=Q(directive_delivery__first_opened_at__isnull=False)),
            confirmed=Count("pk", filter=Q(directive_delivery__confirmed_at__isnull=False)),
            late=Count("pk", filter=_late_q(now)),
            failed=Count("pk", filter=Q(has_failed_email=True)),
        )
    )
    return ReceiptCounts(**row)


def filtered(campaign: Campaign, wanted: str, now: dt.datetime) -> QuerySet[Assignment]:
    """The campaign's units in one of the page's filters (all of them for an unknown one)."""
    queryset = _with_days(campaign.assignments.active()).select_related(
        "unit",
        "directive_delivery",
        "directive_delivery__first_opened_by",
        "directive_delivery__confirmed_by",
    )
    if wanted in ReceiptState.values:
        queryset = queryset.filter(_STATE_Q[ReceiptState(wanted)])
    elif wanted == LATE:
        queryset = queryset.filter(_late_q(now))
    elif wanted == FAILED:
        queryset = queryset.filter(_failed_email())
    return queryset.order_by("unit__name", "pk")


@dataclass
class ReceiptRow:
    assignment: Assignment
    delivery: DirectiveDelivery | None
    emails: list[Message]
    app: Message | None
    late: bool

    @property
    def state(self) -> ReceiptState:
        delivery = self.delivery
        if delivery is None:
            return ReceiptState.NOT_SENT
        if delivery.confirmed_at is not None:
            return ReceiptState.CONFIRMED
        if delivery.first_opened_at is not None:
            return ReceiptState.OPENED
        return ReceiptState.SENT

    @property
    def state_badge(self) -> str:
        return STATE_BADGES[self.state]

    @property
    def email_state(self) -> EmailState:
        statuses = {message.status for message in self.emails}
        if not statuses:
            return EmailState.NONE
        if MessageStatus.FAILED in statuses:
            return EmailState.FAILED
        waiting = [
            m for m in self.emails if m.status in (MessageStatus.QUEUED, MessageStatus.SENDING)
        ]
        if any(message.attempts for message in waiting):
            return EmailState.RETRYING
        if waiting:
            return EmailState.PENDING
        return EmailState.DELIVERED

    @property
    def email_badge(self) -> str:
        return EMAIL_BADGES[self.email_state]

    @property
    def unreachable(self) -> bool:
        """Sent, but to nobody: no address, no account. The office must phone the unit."""
        return (
            self.delivery is not None
            and not self.emails
            and (self.app is None or self.app.status == MessageStatus.NO_ADDRESS)
        )


def rows_for(assignments: list[Assignment], now: dt.datetime) -> list[ReceiptRow]:
    """One row per assignment (fetched by `filtered`), with its directive messages."""
    messages: dict[int, list[Message]] = defaultdict(list)
    found = Message.objects.filter(
        assignment__in=[a.pk for a in assignments], kind=MessageKind.DIRECTIVE
    ).order_by("pk")
    for message in found:
        assert message.assignment_id is not None
        messages[message.assignment_id].append(message)
    today = _start_of_day(now).date()
    rows = []
    for assignment in assignments:
        delivery = getattr(assignment, "directive_delivery", None)
        own = messages.get(assignment.pk, [])
        sent_day = getattr(assignment, "sent_day", None)
        confirmed_day = getattr(assignment, "confirmed_day", None)
        late = sent_day is not None and (
            (confirmed_day is None and sent_day < today)
            or (confirmed_day is not None and confirmed_day > sent_day)
        )
        rows.append(
            ReceiptRow(
                assignment=assignment,
                delivery=delivery,
                emails=[m for m in own if m.channel == Channel.EMAIL],
                app=next((m for m in own if m.channel == Channel.APP), None),
                late=late,
            )
        )
    return rows
