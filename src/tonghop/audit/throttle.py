"""Sign-in throttling: too many failed sign-ins for one account from one address, or for many
accounts from one address, lock that pair or that address.

After `TONGHOP_LOGIN_ATTEMPTS` failures for a user name from one address, sign-in to that
account *from that address* is refused for `TONGHOP_LOGIN_LOCK_MINUTES` after the last failure;
the owner elsewhere is not touched, so nobody can lock a person out by guessing their user name.
After failures for `TONGHOP_LOGIN_IP_ACCOUNTS` different user names from one address within the
same time, that address is locked for every account (password spraying). Refused attempts are
not counted as failures, so a lock always ends on time; they are counted on the lock's row
(LoginLock) instead of one row each. A successful sign-in deletes the failures of that account
from that address. The failures are rows in the database, so several app servers share one
count (two attempts at the very same moment may both get through: the lock is a brake on
guessing, not a transaction).

A lock is a brake on guessing passwords, so the right password with a second factor passes it
(tonghop.twofactor.actions: the authenticator app's code, or a one-time code sent by email).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tonghop.audit.models import LockPassCode, LockScope, LoginFailure, LoginLock

# The emailed one-time code: eight digits, valid this long, spent after this many wrong tries.
PASS_CODE_DIGITS = 8
PASS_CODE_MINUTES = 10
PASS_CODE_TRIES = 5
# Lock rows are kept this long after their end (the audit log keeps the count for good).
LOCK_ROWS_KEPT = dt.timedelta(days=2)


@dataclass(frozen=True)
class Lock:
    until: dt.datetime
    by: str  # LockScope: "account" (this account from this address) or "address"
    username: str = ""  # normalised; empty for an address's lock
    ip: str = ""


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


def _lock_of(times: list[dt.datetime], limit: int, now: dt.datetime) -> dt.datetime | None:
    """The end of the lock, when the last `limit` times (newest first) fall within one window."""
    window = _window()
    if len(times) < limit:
        return None
    last, first = times[0], times[limit - 1]
    if last - first > window or now >= last + window:
        return None
    return last + window


def _pair(username: str, ip: str | None) -> QuerySet[LoginFailure]:
    failures = LoginFailure.objects.filter(username=normalise(username))
    return failures.filter(ip=ip) if ip else failures.filter(ip__isnull=True)


def check(username: str, ip: str | None, now: dt.datetime | None = None) -> Lock | None:
    """The lock in force for this account from this address, if any."""
    now = now or timezone.now()
    since = now - 2 * _window()
    limit = settings.TONGHOP_LOGIN_ATTEMPTS
    times = list(
        _pair(username, ip)
        .filter(at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    until = _lock_of(times, limit, now)
    if until is not None:
        return Lock(until, LockScope.ACCOUNT, normalise(username), ip or "")
    if ip:
        # Many accounts from one address: each user name counts once, at its latest failure.
        limit = settings.TONGHOP_LOGIN_IP_ACCOUNTS
        latest = (
            LoginFailure.objects.filter(ip=ip, at__gt=since)
            .values("username")
            .annotate(last=Max("at"))
            .order_by("-last")
            .values_list("last", flat=True)[:limit]
        )
        until = _lock_of(list(latest), limit, now)
        if until is not None:
            return Lock(until, LockScope.ADDRESS, "", ip)
    return None


def _lock_row(lock: Lock, now: dt.datetime) -> LoginLock:
    """The row of this lock period, made by whoever meets it first."""
    key = {"scope": lock.by, "username": lock.username, "ip": lock.ip, "until": lock.until}
    found = LoginLock.objects.filter(**key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return LoginLock.objects.create(started_at=now, **key)
    except IntegrityError:  # another request made it at the same moment
        return LoginLock.objects.get(**key)


def record_failure(username: str, ip: str | None) -> Lock | None:
    """Count one failure; the lock it starts, if it is the one too many."""
    now = timezone.now()
    # Failures older than any window still matters are of no use: keep the table small.
    LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()
    LoginLock.objects.filter(until__lt=now - LOCK_ROWS_KEPT).delete()
    LoginFailure.objects.create(at=now, username=normalise(username), ip=ip)
    lock = check(username, ip, now)
    if lock is not None:
        _lock_row(lock, now)
    return lock


def locked_row(lock: Lock) -> LoginLock:
    """The row of this lock period, locked until the caller's transaction ends (the refused
    attempts are counted on it)."""
    row = _lock_row(lock, timezone.now())
    return LoginLock.objects.select_for_update().get(pk=row.pk)


def clear(username: str, ip: str | None) -> None:
    """A successful sign-in: this account's failures from this address no longer count."""
    _pair(username, ip).delete()


# ---------------------------------------------------------------------------------------------
# The one-time code emailed to pass a lock (accounts without two-step verification).


def _digest(user_id: int, code: str) -> str:
    mac = salted_hmac("tonghop.lock-pass-code", f"{user_id}:{code}", algorithm="sha256")
    return mac.hexdigest()


def live_pass_code(user_id: int, now: dt.datetime | None = None) -> LockPassCode | None:
    """The person's code that still works (unused, unexpired, tries left), if any."""
    now = now or timezone.now()
    return (
        LockPassCode.objects.filter(
            user_id=user_id, used_at__isnull=True, expires_at__gt=now, tries__lt=PASS_CODE_TRIES
        )
        .order_by("-pk")
        .first()
    )


def new_pass_code(user_id: int, ip: str | None) -> tuple[LockPassCode, str] | None:
    """A new code for the person, or None while one sent before still works (so nobody can
    fill their mailbox: at most one code per validity period)."""
    now = timezone.now()
    with transaction.atomic():
        if live_pass_code(user_id, now) is not None:
            return None
        LockPassCode.objects.filter(user_id=user_id, expires_at__lt=now - LOCK_ROWS_KEPT).delete()
        code = "".join(secrets.choice("0123456789") for _ in range(PASS_CODE_DIGITS))
        row = LockPassCode.objects.create(
            user_id=user_id,
            digest=_digest(user_id, code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=PASS_CODE_MINUTES),
            ip=ip,
        )
    return row, code


def use_pass_code(user_id: int, code: str) -> bool:
    """Whether the code is the person's live one; it then works never again. A wrong code
    spends one of the code's tries."""
    now = timezone.now()
    with transaction.atomic():
        live = live_pass_code(user_id, now)
        if live is None:
            return False
        live = LockPassCode.objects.select_for_update().get(pk=live.pk)
        if live.used_at is not None or live.tries >= PASS_CODE_TRIES:
            return False
        if not hmac.compare_digest(live.digest, _digest(user_id, code)):
            live.tries += 1
            live.save(update_fields=["tries"])
            return False
        live.used_at = now
        live.save(update_fields=["used_at"])
        return True
