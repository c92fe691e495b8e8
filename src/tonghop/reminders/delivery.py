"""Phase 2 of reminders, and of every email (see outbox.py): send the queued emails, each
taken by exactly one worker.

A queued row is taken with a conditional UPDATE (queued → sending) that only one worker can
win, then sent over SMTP outside any transaction. A failure puts it back in the queue with a
growing delay; after MAX_ATTEMPTS it is marked failed and the office is told in the app.

A worker that dies in the middle of an SMTP exchange leaves a row in "sending". When its
lease runs out it is marked failed, not sent again: nobody can know whether the server took
it, and the office would rather phone one unit than have every unit receive doubles.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop.campaigns.models import CampaignStatus
from tonghop.inputs import clean_text
from tonghop.outbox import smtp
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.outbox.queue import AFTER_SENT, MAX_ATTEMPTS, AttachmentGone
from tonghop.reminders.accounts import account_message_stale
from tonghop.reminders.directive import (
    Attachment,
    DirectiveError,
    personal_body,
    read_attachment,
)
from tonghop.reminders.texts import notify, office_page, policy_for, staff_of

logger = logging.getLogger(__name__)


RETRY_DELAY = dt.timedelta(minutes=5)  # doubled after each failed attempt
LEASE = dt.timedelta(minutes=10)  # far longer than any SMTP timeout
BATCH = 500
# Errors about this one message; anything else (timeout, refused connection, dropped
# connection) means the server is unreachable, and the rest of the queue waits for next tick.
PER_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


@dataclass
class TickReport:
    """What one run did, for the worker's log and the tests."""

    claimed: int = 0
    digests: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())

    def __str__(self) -> str:
        # The worker's log line, read by the office's operator.
        return (
            f"đến hạn {self.claimed}, tổng hợp {self.digests}, đã gửi {self.sent}, "
            f"gửi lại {self.retried}, lỗi {self.failed}, huỷ {self.cancelled}"
        )


# Owed whatever the campaign has become since: the receipt of a submission made, the report
# the office chose to send.
_ALWAYS_WANTED = (MessageKind.RECEIPT, MessageKind.REPORT)


def _why_not_send(message: Message) -> str:
    """Empty if the message is still wanted; else why it is cancelled."""
    if message.kind in _ALWAYS_WANTED:
        return ""
    campaign = message.campaign
    if campaign is None:
        return account_message_stale(message)
    if campaign.status != CampaignStatus.OPEN:
        return "campaign closed"
    if message.kind == MessageKind.REMINDER and policy_for(campaign).is_stopped:
        return "reminders stopped by the office"
    assignment = message.assignment
    if assignment is not None and not assignment.is_active:
        return "the unit is no longer in the campaign"
    # The directive is the office's document: the unit gets it even if it reported already.
    if assignment is not None and assignment.is_submitted and message.kind != MessageKind.DIRECTIVE:
        return "the unit has reported"
    return ""


Attachments = dict[int, Attachment | None]


def _send_email(message: Message, attachments: Attachments, now: dt.datetime) -> None:
    """Send one row; a directive carries its document, read once per run and campaign.

    Raises DirectiveError when the directive's file is gone or changed since it was read, or
    the unit's personal link cannot be issued.
    """
    email = EmailMessage(
        # One line: a subject queued before titles were cleaned may hold a line break, which
        # no mail header may carry.
        subject=clean_text(message.subject).strip(),
        body=message.body,
        from_email=smtp.from_address(),
        to=[address.strip() for address in message.recipient.split(",") if address.strip()],
        headers={"Auto-Submitted": "auto-generated", "X-Tonghop-Message": str(message.pk)},
    )
    if message.kind == MessageKind.DIRECTIVE:
        campaign = message.campaign
        assert campaign is not None
        if campaign.pk not in attachments:
            attachments[campaign.pk] = read_attachment(campaign)
        attachment = attachments[campaign.pk]
        if attachment is not None:
            email.attach(attachment.name, attachment.content, attachment.mimetype)
        if campaign.office.email:
            email.reply_to = [campaign.office.email]
        email.body = personal_body(message, now)
    if message.kind == MessageKind.REPORT and message.campaign and message.campaign.office.email:
        email.reply_to = [message.campaign.office.email]
    for file in message.files:
        try:
            with default_storage.open(file["path"], "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise AttachmentGone(f"the attached file {file['name']} is gone") from exc
        email.attach(file["name"], content, file["type"])
    email.send(using="default")


def _record_sent(message: Message, now: dt.datetime) -> None:
    """Let the message's owner note it went; a failure there does not unsend it."""
    record = AFTER_SENT.get(message.kind)
    if record is None:
        return
    try:
        record(message, now)
    except Exception:
        logger.exception("message %s was sent, but recording it failed", message.pk)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__


def _fail(message: Message, error: str, now: dt.datetime) -> None:
    """Mark failed for good and tell the office in the app."""
    updated = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.FAILED, last_error=error, next_attempt_at=None, lease_until=None
    )
    if not updated:
        return
    campaign = message.campaign
    if campaign is None:
        # About a person's account: no office to tell; the log keeps it.
        logger.warning("account email %s to %s failed: %s", message.pk, message.recipient, error)
        return
    target = message.assignment.unit.name if message.assignment else campaign.office.name
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "The email for “%(title)s” to %(unit)s (%(address)s) could not be sent after "
            "%(attempts)s attempt(s): %(error)s"
        ) % {
            "title": campaign.title,
            "unit": target,
            "address": message.recipient,
            "attempts": message.attempts,
            "error": error,
        }
    notify(staff_of(campaign.office), text, office_page(campaign, "failed"), now, message)


def _expire_leases(now: dt.datetime, report: TickReport) -> None:
    stale = Message.objects.filter(status=MessageStatus.SENDING, lease_until__lt=now)
    for message in stale.select_related("campaign", "campaign__office", "assignment__unit"):
        _fail(message, "the worker stopped while sending; not sent again to avoid a double", now)
        report.failed += 1


def deliver_queued(now: dt.datetime | None = None, report: TickReport | None = None) -> TickReport:
    """Send the queued emails that are due, each taken by exactly one worker."""
    now = now or timezone.now()
    report = report if report is not None else TickReport()
    _expire_leases(now, report)
    due = (
        Message.objects.filter(
            channel=Channel.EMAIL, status=MessageStatus.QUEUED, next_attempt_at__lte=now
        )
        .select_related(
            "campaign",
            "campaign__office",
            "campaign__reminder_policy",
            "campaign__source_document",
            "assignment__unit",
        )
        .order_by("next_attempt_at", "pk")
    )
    attachments: Attachments = {}
    for message in due[:BATCH]:
        reason = _why_not_send(message)
        if reason:
            report.cancelled += Message.objects.filter(
                pk=message.pk, status=MessageStatus.QUEUED
            ).update(status=MessageStatus.CANCELLED, last_error=reason, next_attempt_at=None)
            continue
        taken = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
        if not taken:
            continue  # another worker is sending it
        message.attempts += 1
        try:
            _send_email(message, attachments, now)
        except (DirectiveError, AttachmentGone) as exc:
            # Trying again would not bring the file back, nor allow the link: the office acts.
            _fail(message, str(exc), now)
            report.failed += 1
            continue
        except (smtplib.SMTPException, OSError) as exc:
            error = _error_text(exc)
            logger.warning(
                "message %s (%s) to %s failed: %s",
                message.pk,
                message.kind,
                message.recipient,
                error,
            )
            if message.attempts >= MAX_ATTEMPTS:
                _fail(message, error, now)
                report.failed += 1
            else:
                delay = RETRY_DELAY * 2 ** (message.attempts - 1)
                Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                    status=MessageStatus.QUEUED,
                    last_error=error,
                    next_attempt_at=now + delay,
                    lease_until=None,
                )
                report.retried += 1
            if not isinstance(exc, PER_MESSAGE_ERRORS):
                break  # the server is unreachable: do not wait out a timeout per message
            continue
        except Exception as exc:
            # This message cannot be built (an address with a line break, say): trying again
            # would fail the same way. It fails alone; the rest of the run is delivered, and
            # none is left "sending" to be marked failed later.
            logger.exception("reminder %s to %s cannot be sent", message.pk, message.recipient)
            _fail(message, _error_text(exc), now)
            report.failed += 1
            continue
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT, sent_at=now, lease_until=None
        )
        message.status, message.sent_at = MessageStatus.SENT, now
        logger.info("message %s (%s) sent to %s", message.pk, message.kind, message.recipient)
        _record_sent(message, now)
        report.sent += 1
    return report
