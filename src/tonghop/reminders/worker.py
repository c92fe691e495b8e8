"""The tickers that run beside the task queue in `tonghop worker`, so one worker does all the
background work.

Every TONGHOP_REMINDER_INTERVAL seconds (default 60) one claims and sends the reminders that are
due; every TONGHOP_EXCHANGE_INTERVAL seconds (default 30) another moves the document exchange's
outbox and inbox (documents.channel.run_once: what partners dropped in a directory is taken in,
what is due is sent); every TONGHOP_SWEEP_INTERVAL seconds (default 3600) a third removes the
attachment files that a request stored and never attached (reports.attachments.sweep_strays).
Any number of workers may tick at once: the claims in reminders/actions.py, the locked,
once-only message rows of the channel, and the sweep's check of each name right before removing
make that safe.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


def interval_from_env(name: str = "TONGHOP_REMINDER_INTERVAL", default: str = "60") -> float:
    raw = os.environ.get(name, "") or default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ImproperlyConfigured(f"{name} must be a number of seconds above 0, not {raw!r}")
    return seconds


def _once(what: str, work: Callable[[], None]) -> None:
    """Run `work` once in this thread; an error is logged as `what`'s and the next tick tries
    again, the worker goes on."""
    try:
        # Inside the try: with the database away, even dropping a stale connection can fail.
        close_old_connections()
        work()
    except Exception:
        logger.exception("%s: the run failed; trying again at the next tick", what)
    finally:
        # This thread's connection is its own: do not keep it open between ticks.
        try:
            connection.close()
        except Exception:  # a connection the database dropped may fail to close; it is gone
            logger.debug("%s: closing a broken connection failed", what, exc_info=True)


def tick() -> None:
    """Send the reminders that are due, once."""
    from tonghop.reminders.actions import run_due_reminders

    def work() -> None:
        report = run_due_reminders()
        if report:
            logger.info("nhắc việc: %s", report)

    _once("reminders", work)


def exchange_tick() -> None:
    """Move the exchange outbox and inbox once."""
    from tonghop.documents.channel import run_once

    def work() -> None:
        moved = run_once()
        if any(moved.values()):
            logger.info("exchange: %s", moved)

    _once("exchange", work)


def sweep_tick() -> None:
    """Remove stray attachment files once (sweep_strays logs its own counts)."""
    from tonghop.reports.attachments import sweep_strays

    def work() -> None:
        sweep_strays()

    _once("attachments sweep", work)


class Ticker(threading.Thread):
    def __init__(
        self, interval: float, work: Callable[[], None] = tick, name: str = "tonghop-reminders"
    ) -> None:
        # A daemon: when db_worker exits on SIGTERM, the process ends without waiting for us.
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self.work = work
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.work()
            except Exception:  # tick logs its own errors; nothing may end the thread silently
                logger.exception("reminders: the tick failed; trying again at the next one")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
