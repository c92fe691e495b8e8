"""Two-step verification: turning it on and off, resetting it, and the second step of sign-in.

Every change is one function here, in one transaction, writing the audit log. A refusal is an
exception whose str() is a sentence for the person.

The devices are django-otp's: a TOTP device is the authenticator app, a static device holds the
backup codes. A person "has two-step verification" when any confirmed device of theirs exists.
A six-digit code is checked against the app only, a backup code against the backup codes only,
so that a wrong code never slows down the other device (django-otp counts failures per device
and makes each next try wait longer: 1, 2, 4, 8… seconds). A TOTP code once accepted is never
accepted again: django-otp keeps the time step of the last code used (`last_t`) and only takes
later ones. The app's secret is stored sealed and the backup codes as keyed digests (sealing.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import (
    StaticDevice,
    StaticToken,
)

from tonghop import errors
from tonghop.audit import records, throttle
from tonghop.audit.models import Action, LockScope
from tonghop.orgs.models import User
from tonghop.reminders import accounts
from tonghop.twofactor import pending, sealing
from tonghop.twofactor.models import SealedTOTPDevice as TOTPDevice

BACKUP_CODE_COUNT = 10
TOTP_CODE = re.compile(r"[0-9]{6}")
# StaticToken.random_token(): five random bytes in lower-case base32.
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")
EMAIL_CODE = re.compile(rf"[0-9]{{{throttle.PASS_CODE_DIGITS}}}")
APP, BACKUP, MALFORMED, EMAILED = "app", "backup_code", "malformed", "email_code"


class TwoFactorError(errors.Refused):
    """A refusal; str() is a sentence for the person."""


class NotOn(TwoFactorError):
    """A step that needs two-step verification on, asked by someone who has it off."""

    def __init__(self) -> None:
        super().__init__(_("Two-step verification is not on."))


class WrongCode(TwoFactorError):
    def __str__(self) -> str:
        return (
            self.args[0]
            if self.args
            else _(
                "The code is not correct, or it has already been used. Type the code your app "
                "shows now, or one of your backup codes."
            )
        )


class TooSoon(TwoFactorError):
    """django-otp's own brake after wrong codes: the next try must wait. The code is not tried."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(until)
        self.until = until

    def __str__(self) -> str:
        time = formats.time_format(timezone.localtime(self.until), "H:i:s")
        return _("Too many wrong codes. Wait until %(time)s, then try again.") % {"time": time}


class Locked(TwoFactorError):
    """The sign-in throttle (tonghop.audit.throttle) locks this user name or address."""

    def __init__(self, lock: throttle.Lock) -> None:
        super().__init__(lock)
        self.lock = lock

    def __str__(self) -> str:
        until = formats.time_format(timezone.localtime(self.lock.until), "H:i")
        if self.lock.by == LockScope.ADDRESS:
            return _(
                "Too many failed sign-in attempts from your address, for several accounts. "
                "Sign-in from this address is locked until %(time)s."
            ) % {"time": until}
        return _(
            "Too many failed sign-in attempts for this account from your address. Sign-in to "
            "it from this address is locked until %(time)s; from anywhere else it works as "
            "usual."
        ) % {"time": until}


class PassRefused(TwoFactorError):
    """A password and code that do not pass the lock. Said alike whatever was wrong, so the
    page never tells whether the password was right."""

    def __str__(self) -> str:
        return _(
            "The password or the code is not correct, or the code has been used or has "
            "expired. Type your password again with the code your app shows now, or the "
            "code in the email."
        )


@dataclass(frozen=True)
class Status:
    on: bool
    since: dt.datetime | None
    backup_codes_left: int
    # The app being set up: turned on, not yet confirmed with a code.
    setting_up: Any


def status(user: User) -> Status:
    app = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    left = backup.token_set.count() if backup is not None else 0
    since = app.created_at if app is not None else backup.created_at if backup else None
    setting_up = None
    if app is None and backup is None:
        setting_up = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return Status(
        on=app is not None or backup is not None,
        since=since,
        backup_codes_left=left,
        setting_up=setting_up,
    )


def has_second_step(user: User) -> bool:
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def required_for(user: User) -> bool:
    """Whether this person must have two-step verification (office staff, when configured)."""
    return bool(settings.TONGHOP_REQUIRE_2FA_FOR_STAFF) and user.office_units().exists()


def setup_device(user: User) -> Any:
    """The app being set up, whose secret may still be shown (never a confirmed one's)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def normalise(code: str) -> str:
    # Apps show "123 456"; backup codes get copied with spaces or dashes, sometimes in capitals.
    return re.sub(r"[\s-]", "", code).lower()


def _device_for(user: User, code: str) -> tuple[str, Any]:
    if TOTP_CODE.fullmatch(code):
        return APP, TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if BACKUP_CODE.fullmatch(code):
        return BACKUP, StaticDevice.objects.filter(user=user, confirmed=True).first()
    return MALFORMED, None


@dataclass(frozen=True)
class _Outcome:
    device: Any  # the device that took the code, or None
    wait_until: dt.datetime | None = None


def _verify(device: Any, code: str) -> _Outcome:
    """Try the code on the device, locked for the time of the check (two tabs racing the same
    code: one wins). Returns rather than raises, so the failure count django-otp writes is
    committed."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().filter(pk=device.pk).first()
        if device is None:
            return _Outcome(None)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until") or timezone.now()
            return _Outcome(None, wait_until=until)
        try:
            accepted = device.verify_token(code)
        except sealing.SealError:
            # Sealed under another secret key: no code can match; an administrator resets it.
            device.throttle_increment(commit=True)
            accepted = False
        return _Outcome(device if accepted else None)


def _check_code(request: HttpRequest, user: User, code: str, during: str) -> tuple[str, Any]:
    """The device that accepts the code; a wrong code counts as a failed sign-in."""
    kind, device = _device_for(user, code)
    # Backup codes are stored as keyed digests: the digest is what django-otp looks up.
    given = sealing.code_digest(code) if kind == BACKUP else code
    outcome = _verify(device, given) if device is not None else _Outcome(None)
    if outcome.wait_until is not None:
        # Not tried, so not counted: django-otp's brake already holds this device.
        raise TooSoon(outcome.wait_until)
    if outcome.device is None:
        _fail(request, user, {"second_factor": kind, "during": during})
    return kind, outcome.device


def _fail(request: HttpRequest, user: User, details: dict[str, Any]) -> NoReturn:
    """Count a failure towards the sign-in lock, log it, and raise the refusal."""
    username = user.get_username()
    lock = throttle.record_failure(username, throttle.client_ip(request))
    if lock is not None:
        details = {**details, "locked_until": lock.until.isoformat(), "locked_by": lock.by}
    records.record(
        Action.SIGN_IN_FAILED, request=request, username=username, subject=user, details=details
    )
    if lock is not None:
        raise Locked(lock)
    if details.get("second_factor") == "password":
        raise TwoFactorError(_("The password is not correct."))
    raise WrongCode()


def _refuse_if_locked(request: HttpRequest, user: User, during: str) -> None:
    lock = throttle.check(user.get_username(), throttle.client_ip(request))
    if lock is not None:
        records.refused(
            lock,
            request=request,
            username=user.get_username(),
            subject=user,
            details={"during": during},
        )
        raise Locked(lock)


def sign_in(request: HttpRequest, half: pending.Pending, code: str) -> None:
    """The second step: with a good code, the half-login becomes a sign-in."""
    user = half.user
    _refuse_if_locked(request, user, "sign_in")
    kind, device = _check_code(request, user, normalise(code), "sign_in")
    details: dict[str, Any] = {"second_factor": kind}
    if kind == BACKUP:
        details["backup_codes_left"] = device.token_set.count()
    # Read by the audit log's sign-in record (tonghop.audit.records.signed_in).
    setattr(request, records.SIGN_IN_DETAILS_ATTRIBUTE, details)
    with transaction.atomic():
        pending.clear(request)
        auth.login(request, user, backend=half.backend)
        otp_login(request, device)
        request.session[pending.CHECKED_KEY] = "code"
    throttle.clear(user.get_username(), throttle.client_ip(request))


def start_lock_pass(request: HttpRequest, user: User | None) -> None:
    """A password typed while sign-in is locked; `user` is the person when it was right, else
    None, and the page that follows is the same either way. Without two-step verification,
    the person (right password only) gets a one-time code by email, through the outbox; at
    most one code is live at a time. Nothing is kept in the session: a flood of attempts
    writes nothing."""
    if user is None or has_second_step(user) or not user.email:
        return
    ip = throttle.client_ip(request)
    issued = throttle.new_pass_code(user.pk, ip)
    if issued is None:
        return
    row, code = issued
    accounts.queue_pass_code(user, code, row.expires_at, ip)
    accounts.deliver_soon()


def _second_factor(user: User, code: str) -> tuple[str, Any] | None:
    """The kind of second factor the code is for this person, and the device that took it
    (None for an emailed code); None if it is not good. django-otp's brake refuses like a
    wrong code here: saying "wait" would tell that the password was right."""
    if has_second_step(user):
        kind, device = _device_for(user, code)
        if device is None:
            return None
        outcome = _verify(device, code)
        return (kind, outcome.device) if outcome.device is not None else None
    if EMAIL_CODE.fullmatch(code) and throttle.use_pass_code(user.pk, code):
        return EMAILED, None
    return None


def pass_lock(request: HttpRequest, username: str, password: str, code: str) -> None:
    """The right password and a second factor: signed in, the lock notwithstanding. The
    password is checked again here (nothing was kept from the first try); a wrong password or
    code is counted on the lock, not logged one row each, and never counts as a failure."""
    found = None
    # Django's own check, not the throttled backend's: this is the way past its lock.
    user = ModelBackend().authenticate(request, username=username, password=password)
    if isinstance(user, User):
        found = _second_factor(user, normalise(code))
    if not isinstance(user, User) or found is None:
        lock = throttle.check(username, throttle.client_ip(request))
        if lock is not None:
            records.refused(
                lock,
                request=request,
                username=username,
                subject=user,
                details={"during": "lock_pass"},
            )
        raise PassRefused()
    kind, device = found
    details: dict[str, Any] = {"second_factor": kind, "through_lock": True}
    if kind == BACKUP:
        details["backup_codes_left"] = device.token_set.count()
    setattr(request, records.SIGN_IN_DETAILS_ATTRIBUTE, details)
    with transaction.atomic():
        pending.clear(request)
        auth.login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        if device is not None:
            otp_login(request, device)
            request.session[pending.CHECKED_KEY] = "code"
        else:
            # An emailed code is a way past the lock, not a second step the person turned on.
            request.session[pending.CHECKED_KEY] = "password"


def start_setup(user: User) -> Any:
    """Turn on, first half: a new secret for the app, not used until confirmed with a code."""
    with transaction.atomic():
        if has_second_step(user):
            raise TwoFactorError(_("Two-step verification is already on."))
        # A setup started before and left is replaced: only the newest secret is ever shown.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


def confirm_setup(request: HttpRequest, user: User, code: str) -> list[str]:
    """Turn on, second half: the app's current code proves it holds the secret. Returns the
    backup codes, to be shown once. The session counts as verified from then on."""
    code = normalise(code)
    if not TOTP_CODE.fullmatch(code):
        raise WrongCode(_("Type the 6 digits that the app shows."))
    with transaction.atomic():
        if has_second_step(user):
            raise TwoFactorError(_("Two-step verification is already on."))
        device = setup_device(user)
        if device is None:
            raise TwoFactorError(_("This setup is no longer current. Press “Turn on” again."))
        outcome = _verify(device, code)
        if outcome.device is not None:
            device = outcome.device
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(user)
            records.record(
                Action.PERMISSION,
                request=request,
                subject=user,
                obj=device,
                object_text=user.get_username(),
                details={"change": "two_factor", "to": "on", "backup_codes": len(codes)},
            )
            otp_login(request, device)
            request.session[pending.CHECKED_KEY] = "code"
            return codes
    # Outside the transaction, so that django-otp's count of wrong codes is kept.
    if outcome.wait_until is not None:
        raise TooSoon(outcome.wait_until)
    raise WrongCode(_("The code is not correct. Type the code the app shows now."))


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=sealing.code_digest(c)) for c in sorted(codes)
    )
    return sorted(codes)


def _prove(request: HttpRequest, user: User, password: str, code: str, during: str) -> str:
    """The password and a current code (or a backup code), for a change to the second step
    itself; a wrong one counts towards the sign-in lock. Returns the kind of code given."""
    if not has_second_step(user):
        raise NotOn()
    _refuse_if_locked(request, user, during)
    if not user.check_password(password):
        _fail(request, user, {"second_factor": "password", "during": during})
    kind, _device = _check_code(request, user, normalise(code), during)
    return kind


def turn_off(request: HttpRequest, user: User, password: str, code: str) -> None:
    """Turn off: only with the password and a current code (or a backup code), so a session
    left open on a shared computer cannot take the second step away."""
    kind = _prove(request, user, password, code, "turn_off")
    with transaction.atomic():
        removed = _delete_devices(user)
        records.record(
            Action.PERMISSION,
            request=request,
            subject=user,
            object_text=user.get_username(),
            details={"change": "two_factor", "to": "off", "devices": removed, "code": kind},
        )
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[pending.CHECKED_KEY] = "password"


def renew_backup_codes(request: HttpRequest, user: User, password: str, code: str) -> list[str]:
    """New backup codes in place of the old ones (used up, or seen by someone else), shown
    once. With the password and a current code, as turning off: an open session alone is not
    enough to read a fresh set of ways in."""
    kind = _prove(request, user, password, code, "new_backup_codes")
    with transaction.atomic():
        codes = _new_backup_codes(user)
        records.record(
            Action.PERMISSION,
            request=request,
            subject=user,
            object_text=user.get_username(),
            details={
                "change": "two_factor",
                "to": "new_backup_codes",
                "backup_codes": len(codes),
                "code": kind,
            },
        )
    return codes


def reset(request: HttpRequest, user: User) -> int:
    """An administrator takes away a person's second step (a lost phone): they sign in with
    the password alone until they turn it on again. Returns the number of devices removed."""
    with transaction.atomic():
        removed = _delete_devices(user)
        records.record(
            Action.PERMISSION,
            request=request,
            subject=user,
            object_text=user.get_username(),
            details={"change": "two_factor", "to": "reset", "devices": removed},
        )
    return removed


def _delete_devices(user: User) -> int:
    apps: int = TOTPDevice.objects.filter(user=user).count()
    backups: int = StaticDevice.objects.filter(user=user).count()
    # Deleting a backup device deletes its codes too (a cascade), hence the counts first.
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return apps + backups
