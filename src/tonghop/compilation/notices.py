"""Telling the head that a consolidated report waits for signature (trình ký), and the
specialist that it came back: an in-app notice and an email with the link, both through the
outbox of tonghop.reminders, written in the transaction of the step and sent by the worker
(never from the request)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tonghop.compilation.models import Compilation
from tonghop.orgs.models import Role, User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders.texts import absolute, local_text, notify


def _page(compilation: Compilation) -> str:
    return reverse("compilation:detail", args=[compilation.campaign.slug, compilation.uid])


def _queue(
    compilation: Compilation,
    users: list[User],
    subject: str,
    body: str,
    app_text: str,
    now: dt.datetime,
    by: User,
) -> None:
    # One slot per round: the version the step left the report at.
    slot = f"sign:{compilation.pk}:{compilation.version}"[:40]
    # campaign stays empty: a closed campaign's report still goes to the head, and the
    # outbox cancels a campaign's messages once it closes.
    addresses = sorted({user.email for user in users if user.email})
    common = {
        "campaign": None,
        "kind": MessageKind.SIGNATURE,
        "slot": slot,
        "slot_at": now,
        "created_at": now,
        "created_by": by,
        "subject": subject[:300],
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
        recipient=", ".join(user.display_name() for user in users)[:1000],
        body=app_text,
        status=MessageStatus.SENT if users else MessageStatus.NO_ADDRESS,
        sent_at=now if users else None,
    )
    notify(users, app_text, _page(compilation), now, app)


def tell_heads(compilation: Compilation, by: User, now: dt.datetime) -> None:
    """The office's heads: a report waits for their signature."""
    office = compilation.campaign.office
    heads = list(
        User.objects.filter(
            memberships__unit=office, memberships__role=Role.HEAD, is_active=True
        ).distinct()
    )
    title = compilation.campaign.title
    app_text = f"{by.display_name()} trình ký báo cáo tổng hợp: {title}"
    body = (
        f"{by.display_name()} đã trình ký báo cáo tổng hợp “{title}” lúc {local_text(now)}.\n\n"
        f"Xem báo cáo, trả lại kèm ý kiến hoặc ký ban hành tại:\n"
        f"{absolute(_page(compilation))}\n"
    )
    _queue(compilation, heads, f"Trình ký: {title}", body, app_text, now, by)


def tell_specialist(compilation: Compilation, by: User, comment: str, now: dt.datetime) -> None:
    """Whoever drew the report: the head returned it, saying what to change."""
    author = compilation.created_by
    if author is None or not author.is_active:
        return
    title = compilation.campaign.title
    app_text = f"{by.display_name()} trả lại báo cáo tổng hợp: {title}"
    body = (
        f"{by.display_name()} đã trả lại báo cáo tổng hợp “{title}” lúc {local_text(now)} "
        f"với ý kiến:\n\n{comment}\n\nSửa và trình ký lại tại:\n{absolute(_page(compilation))}\n"
    )
    _queue(compilation, [author], f"Trả lại: {title}", body, app_text, now, by)


def deliver_soon() -> None:
    """Hand the email to the worker once the step is committed."""
    from tonghop.reminders.accounts import deliver_soon as enqueue

    enqueue()
