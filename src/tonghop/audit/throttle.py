"""Sign-in throttling: too many failed sign-ins for one user name, or from one address, lock.

After `TONGHOP_LOGIN_ATTEMPTS` failures for a user name (`TONGHOP_LOGIN_IP_ATTEMPTS` from an
address) within `TONGHOP_LOGIN_LOCK_MINUTES`, sign-in is refused for that many minutes after
the last failure. Refused attempts are not counted, so a lock always ends on time. A successful
sign-in deletes the person's failures. The failures are rows in the database, so several app
servers share one count (two attempts at the very same moment may both get through: the lock
is a brake on guessing, not a transaction).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tonghop.audit.models import LoginFailure


@dataclass(frozen=True)
class Lock:
    until: dt.datetime
    by: str  # "username" or "ip"


def normalise(username: str) -> str:
    """One count for `Lan`, `lan` and ` lan `."""
    return username.strip().casefold()[:150]


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from; behind a proxy, the one the proxy saw."""
    if request is None:
        return None
    raw = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "TONGHOP_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the only one to trust.
        if forwarded:
            raw = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.TONGHOP_LOGIN_LOCK_MINUTES)


def _lock_of(failures: QuerySet[LoginFailure], limit: int, now: dt.datetime) -> dt.datetime | None:
    """The end of the lock, when the last `limit` failures fall within one window."""
    window = _window()
    times = list(failures.filter(at__gt=now - 2 * window).order_by("-at").values_list("at")[:limit])
    if len(times) < limit:
        return None
    last, first = times[0][0], times[-1][0]
    if last - first > window or now >= last + window:
        return None
    until: dt.datetime = last + window
    return until


def check(username: str, ip: str | None, now: dt.datetime | None = None) -> Lock | None:
    now = now or timezone.now()
    until = _lock_of(
        LoginFailure.objects.filter(username=normalise(username)),
        settings.TONGHOP_LOGIN_ATTEMPTS,
        now,
    )
    if until is not None:
        return Lock(until, "username")
    if ip:
        until = _lock_of(
            LoginFailure.objects.filter(ip=ip), settings.TONGHOP_LOGIN_IP_ATTEMPTS, now
        )
        if until is not None:
            return Lock(until, "ip")
    return None


def record_failure(username: str, ip: str | None) -> Lock | None:
    """Count one failure; the lock it starts, if it is the one too many."""
    now = timezone.now()
    # Failures older than any window still matters are of no use: keep the table small.
    LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()
    LoginFailure.objects.create(at=now, username=normalise(username), ip=ip)
    return check(username, ip, now)


def clear(username: str) -> None:
    """A successful sign-in: the person's failures no longer count, for the name or the address."""
    LoginFailure.objects.filter(username=normalise(username)).delete()
