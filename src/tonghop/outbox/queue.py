"""The one way an email leaves tonghop: a row of the Message log, sent by the worker.

Reminders, digests and the directive write their rows in actions.py and directive.py; any other
email (a submission's receipt, the compiled report sent to the body above) is queued here. The
request only writes the row; `delivery.deliver_queued` (the worker's ticker, and the task that
`deliver_soon` hands it) sends it, tries it again after a failure, and keeps every attempt on
the row, which the reminders page lists.

One message is one (purpose, object, recipient): a retried task or a double click finds its row
already there and sends nothing more. Files go by reference to the file storage, read when the
email is sent, so the database never holds a PDF twice.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


# Attempts of one message before it is given up (and the office told in the app).
MAX_ATTEMPTS = _env_int("TONGHOP_REMINDER_ATTEMPTS", 3)


class AttachmentGone(Exception):
    """A file the message carries is no longer in the storage; sending again cannot help."""


@dataclass(frozen=True)
class FileRef:
    path: str  # the name in the file storage (a FileField's `.name`)
    name: str  # the file name the recipient sees
    mimetype: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "name": self.name, "type": self.mimetype}


@dataclass(frozen=True)
class Queued:
    message: Message
    # False when the same message was already waiting or sent: nothing more will go out.
    queued: bool


def slot_for(kind: str, object_id: int, address: str) -> str:
    return f"{kind}:{object_id}:{address.strip().lower()}"[:300]


def queue_email(
    *,
    campaign: Campaign,
    kind: MessageKind,
    object_id: int,
    recipient: str,
    subject: str,
    body: str,
    assignment_id: int | None = None,
    files: Sequence[FileRef] = (),
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Queued:
    """Queue one email to one address, unless the same one is already queued or sent.

    A message that failed for good, or was cancelled, is queued again for a new round of
    attempts: the person asked again, knowing it had not gone."""
    now = now or timezone.now()
    address = recipient.strip()
    about: dict[str, object] = (
        {"assignment_id": assignment_id}
        if assignment_id is not None
        else {"assignment__isnull": True}
    )
    with transaction.atomic():
        message, created = Message.objects.select_for_update().get_or_create(
            campaign=campaign,
            **about,
            slot=slot_for(kind, object_id, address),
            channel=Channel.EMAIL,
            defaults={
                "kind": kind,
                "object_id": object_id,
                "slot_at": now,
                "created_at": now,
                "created_by": by,
                "recipient": address,
                "subject": subject[:300],
                "body": body,
                "files": [file.as_dict() for file in files],
                "status": MessageStatus.QUEUED,
                "next_attempt_at": now,
            },
        )
        if created:
            return Queued(message, queued=True)
        if message.status not in (MessageStatus.FAILED, MessageStatus.CANCELLED):
            return Queued(message, queued=False)
        message.status = MessageStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = now
        message.lease_until = None
        message.save(update_fields=["status", "attempts", "next_attempt_at", "lease_until"])
        return Queued(message, queued=True)


# The worker's delivery run belongs to tonghop.reminders, which comes after the outbox in the
# order of packages: it registers how to wake it (RemindersConfig.ready), as the owners of
# messages register what to record once one is sent (AFTER_SENT below). Without a waker the
# messages still go, at the worker's next tick.
Wake = Callable[[dt.datetime], None]
_WAKERS: list[Wake] = []


def on_queued(wake: Wake) -> None:
    _WAKERS[:] = [wake]


def deliver_soon(now: dt.datetime) -> None:
    """Ask the worker to send now rather than at its next tick."""
    for wake in _WAKERS:
        wake(now)


# What a message's owner records once it is really sent (the compiled report's "sent to ... at"),
# by kind. The owners come after the outbox in the order of packages, so they register their
# function from their AppConfig.ready and the outbox imports none of them.
AfterSent = Callable[[Message, dt.datetime], None]
AFTER_SENT: dict[str, AfterSent] = {}


def after_sent(kind: MessageKind, record: AfterSent) -> None:
    AFTER_SENT[kind] = record
