"""Background work of the reminders app, run by `tonghop worker`."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone


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
