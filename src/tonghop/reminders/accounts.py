"""Emails about a person's account, through the same outbox as reminders (a Message row, sent
by the worker, never by the request): the one-time code that passes a sign-in lock, and the
alert to the owner of an account whose sign-in is locked somewhere.

The texts are in the site's language, as every email that leaves the app.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop.audit import throttle
from tonghop.audit.models import LockScope, LoginLock
from tonghop.orgs.models import User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders.texts import local_text

# A lock whose alert could not be queued within this time (no worker running) is not told late.
ALERT_WITHIN = dt.timedelta(days=1)


def account_message_stale(message: Message) -> str:
    """Empty if this account message is still worth sending; else why it is cancelled."""
    if message.kind == MessageKind.LOGIN_CODE:
        expires = message.created_at + dt.timedelta(minutes=throttle.PASS_CODE_MINUTES)
        if timezone.now() >= expires:
            return "the code has expired"
    if message.kind == MessageKind.PASSWORD_RESET:
        expires = message.created_at + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        if timezone.now() >= expires:
            return "the link has expired"
    if message.kind == MessageKind.INVITATION:
        expires = message.created_at + dt.timedelta(days=settings.TONGHOP_INVITATION_DAYS)
        if timezone.now() >= expires:
            return "the invitation has expired"
    return ""


def _queue(user: User, kind: MessageKind, slot: str, subject: str, body: str) -> Message:
    now = timezone.now()
    return Message.objects.create(
        campaign=None,
        kind=kind,
        channel=Channel.EMAIL,
        slot=slot[:40],
        slot_at=now,
        recipient=user.email,
        subject=subject[:300],
        body=body,
        status=MessageStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )


def deliver_soon() -> None:
    """Hand the sending to the worker, so that the page never waits on a mail server."""
    from tonghop.reminders.tasks import deliver_reminders

    deliver_reminders.enqueue(timezone.now().isoformat())


def queue_pass_code(user: User, code: str, expires_at: dt.datetime, ip: str | None) -> Message:
    """The one-time code to the account's address. The person typed the right password to get
    it, so an unasked code means the password is known to someone else: the email says so."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("One-time sign-in code for %(username)s") % {"username": user.username}
        body = (
            "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": user.display_name()},
                    _(
                        "Sign-in to your account %(username)s from the address %(ip)s is locked "
                        "after failed attempts. To sign in now, type this one-time code on the "
                        "sign-in page:"
                    )
                    % {"username": user.username, "ip": ip or _("unknown")},
                    f"    {code}",
                    _("It works once, until %(time)s.") % {"time": local_text(expires_at)},
                    _(
                        "The code is sent only after the right password. If it was not you "
                        "who signed in, someone knows your password: change it at once and "
                        "tell the office's administrator."
                    ),
                ]
            )
            + "\n"
        )
    slot = f"code:{timezone.now():%Y%m%d%H%M%S%f}"
    return _queue(user, MessageKind.LOGIN_CODE, slot, subject, body)


def _alert_text(user: User, lock: LoginLock) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Sign-in to your account %(username)s is locked from one address") % {
            "username": user.username
        }
        body = (
            "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": user.display_name()},
                    _(
                        "There were %(count)s failed sign-in attempts to your account "
                        "%(username)s from the address %(ip)s. Sign-in to this account from "
                        "that address is locked until %(time)s."
                    )
                    % {
                        "count": settings.TONGHOP_LOGIN_ATTEMPTS,
                        "username": user.username,
                        "ip": lock.ip or _("unknown"),
                        "time": local_text(lock.until),
                    },
                    _(
                        "You can still sign in from anywhere else as usual. From that address, "
                        "your password with a second code signs you in too: the code of your "
                        "authenticator app or, without two-step verification, a one-time code "
                        "sent to this email address."
                    ),
                    _(
                        "If it was not you, nothing needs doing now. If someone may know your "
                        "password, change it and turn on two-step verification."
                    ),
                ]
            )
            + "\n"
        )
    return subject, body


def queue_lock_alerts(now: dt.datetime | None = None) -> int:
    """Queue one alert per lock period of an account, to its owner; returns how many. Each
    lock is claimed by one worker (a conditional UPDATE), so it is told once, however many
    attempts it refused and however many workers run."""
    now = now or timezone.now()
    queued = 0
    waiting = LoginLock.objects.filter(
        scope=LockScope.ACCOUNT, notified_at__isnull=True, started_at__gte=now - ALERT_WITHIN
    ).order_by("pk")
    for lock in waiting:
        with transaction.atomic():
            if not LoginLock.objects.filter(pk=lock.pk, notified_at__isnull=True).update(
                notified_at=now
            ):
                continue  # another worker told them
            user = (
                User.objects.filter(username__iexact=lock.username, is_active=True)
                .exclude(email="")
                .first()
            )
            if user is None:
                continue  # no such account, or nowhere to write to
            subject, body = _alert_text(user, lock)
            _queue(user, MessageKind.LOCK_ALERT, f"lock:{lock.pk}", subject, body)
            queued += 1
    return queued


def queue_password_reset(user: User, link: str, expires_at: dt.datetime) -> Message:
    """The link of "Forgot password" to the account's address (tonghop.people)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reset the password of %(username)s") % {"username": user.username}
        body = (
            "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": user.display_name()},
                    _(
                        "Someone asked to reset the password of your account %(username)s. "
                        "To choose a new password, open this link:"
                    )
                    % {"username": user.username},
                    f"    {link}",
                    _("It works once, until %(time)s.") % {"time": local_text(expires_at)},
                    _(
                        "If you did not ask for it, do nothing: your password stays as it is. "
                        "If this happens again, tell the office's administrator."
                    ),
                ]
            )
            + "\n"
        )
    slot = f"reset:{timezone.now():%Y%m%d%H%M%S%f}"
    return _queue(user, MessageKind.PASSWORD_RESET, slot, subject, body)


def queue_invitation(
    user: User, link: str, office_name: str, inviter: str, expires_at: dt.datetime
) -> Message:
    """The invitation to an office's new person: the link that sets their password."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("You are invited to %(office)s on tonghop") % {"office": office_name}
        body = (
            "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": user.display_name()},
                    _(
                        "%(inviter)s invites you to work with %(office)s on tonghop. Your user "
                        "name is %(username)s. To choose your password, open this link:"
                    )
                    % {"inviter": inviter, "office": office_name, "username": user.username},
                    f"    {link}",
                    _("It works once, until %(time)s.") % {"time": local_text(expires_at)},
                    _("If you do not expect this invitation, do nothing."),
                ]
            )
            + "\n"
        )
    slot = f"invite:{timezone.now():%Y%m%d%H%M%S%f}"
    return _queue(user, MessageKind.INVITATION, slot, subject, body)


def test_message_texts(office_name: str) -> tuple[str, str]:
    """The subject and text of a message that checks the mail settings."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Test message from tonghop of %(office)s") % {"office": office_name}
        body = (
            _("This message checks that tonghop of %(office)s can send email. Nothing needs doing.")
            % {"office": office_name}
            + "\n"
        )
    return subject, body


def queue_test_message(address: str, office_name: str) -> Message:
    """A message that checks the mail settings: its state says whether they work."""
    now = timezone.now()
    subject, body = test_message_texts(office_name)
    return Message.objects.create(
        campaign=None,
        kind=MessageKind.MAIL_TEST,
        channel=Channel.EMAIL,
        slot=f"test:{now:%Y%m%d%H%M%S%f}",
        slot_at=now,
        recipient=address,
        subject=subject[:300],
        body=body,
        status=MessageStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
