"""Background work of the reminders app, run by `tonghop worker`."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db import DatabaseBackend


@task()
def deliver_reminders(not_before: str | None = None) -> int:
    """Send what an office action (remind now, digest) queued; returns how many went out.

    `not_before` is when the action happened: a worker's clock is never behind it, and a test
    whose clock was moved forward is honoured.
    """
    from tonghop.reminders.accounts import queue_lock_alerts
    from tonghop.reminders.delivery import deliver_queued

    now = timezone.now()
    if not_before:
        now = max(now, dt.datetime.fromisoformat(not_before))
    queue_lock_alerts(now)
    return deliver_queued(now).sent


def wake_delivery(now: dt.datetime) -> None:
    """Ask the worker to send now rather than at its next tick (tonghop.outbox.queue).

    With the database queue the task is a row written in the caller's transaction: it exists if
    and only if the messages do. Any other backend may run the task at once (`immediate` sends
    in place): that waits until the caller's transaction is committed, so a mail server that is
    down never undoes what the person did."""
    if isinstance(deliver_reminders.get_backend(), DatabaseBackend):
        deliver_reminders.enqueue(now.isoformat())
    else:
        transaction.on_commit(partial(deliver_reminders.enqueue, now.isoformat()), robust=True)
