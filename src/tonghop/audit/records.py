"""Writing the audit log: one small function per kind of event.

Sign-ins, failures and sign-outs come from Django's auth signals (they are not the core flow, and
every way of signing in sends them); permission and data changes made in the admin come from the
admin classes (tonghop.audit.admin_site, tonghop.orgs.admin). The core actions keep their own
records (AssignmentEvent).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models, transaction
from django.http import HttpRequest

from tonghop.audit import throttle
from tonghop.audit.backends import LOCK_ATTRIBUTE, REFUSED_ATTRIBUTE
from tonghop.audit.models import Action, AuditEvent
from tonghop.audit.throttle import Lock


def _user_or_none(user: Any) -> Any:
    return user if user is not None and getattr(user, "pk", None) is not None else None


def record(
    action: Action,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    username: str = "",
    subject: Any = None,
    obj: models.Model | None = None,
    object_text: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    actor = _user_or_none(actor)
    if actor is None and request is not None:
        actor = _user_or_none(getattr(request, "user", None))
        actor = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        action=action,
        actor=actor,
        username=(username or (actor.get_username() if actor is not None else ""))[:150],
        subject=_user_or_none(subject),
        details=details or {},
        ip=throttle.client_ip(request),
    )
    if obj is not None:
        event.object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
        event.object_id = str(obj.pk if obj.pk is not None else "")[:64]
        event.object_text = (object_text or str(obj))[:255]
    else:
        event.object_text = object_text[:255]
    event.save()
    return event


def _lock_details(lock: Lock | None) -> dict[str, Any]:
    return {} if lock is None else {"locked_until": lock.until.isoformat(), "locked_by": lock.by}


def refused(
    lock: Lock,
    *,
    request: HttpRequest | None = None,
    username: str = "",
    subject: Any = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An attempt refused by a lock: the first of the lock period writes one audit row, the
    next ones only count on it ("refused"), so a flood of attempts cannot fill the log."""
    with transaction.atomic():
        row = throttle.locked_row(lock)
        row.refused += 1
        if row.event_id is None:
            full = {**(details or {}), **_lock_details(lock), "refused": row.refused}
            row.event = record(
                Action.LOCKED, request=request, username=username, subject=subject, details=full
            )
        else:
            # The one audit row that changes: the count of its lock period, nothing else.
            event = AuditEvent.objects.filter(pk=row.event_id).first()
            if event is not None:
                event.details = {**event.details, "refused": row.refused}
                event.save(update_fields=["details"])
        row.save(update_fields=["refused", "event"])


# Set on the request by a sign-in that has more to tell before it calls login() (two-step
# verification: which second step was used).
SIGN_IN_DETAILS_ATTRIBUTE = "tonghop_sign_in_details"


def signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    details = getattr(request, SIGN_IN_DETAILS_ATTRIBUTE, None)
    record(Action.SIGN_IN, request=request, actor=user, subject=user, details=details)


def signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.SIGN_OUT, request=request, actor=user, subject=user)


def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    user_model = get_user_model()
    subject = user_model._default_manager.filter(username=username).first() if username else None
    lock = getattr(request, LOCK_ATTRIBUTE, None) if request is not None else None
    if lock is not None and request is not None and getattr(request, REFUSED_ATTRIBUTE, False):
        refused(lock, request=request, username=username, subject=subject)
        return
    record(
        Action.SIGN_IN_FAILED,
        request=request,
        username=username,
        subject=subject,
        details=_lock_details(lock),
    )


def connect_auth_signals() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="tonghop.audit.signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="tonghop.audit.signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="tonghop.audit.sign_in_failed")


def admin_change(request: HttpRequest, obj: models.Model, change: str, message: Any) -> None:
    """A change made through the admin: the copy of Django's LogEntry in the audit log."""
    details: dict[str, Any] = {"admin": change}
    if message:
        details["message"] = message
    subject = obj if isinstance(obj, get_user_model()) else None
    # A group is a bundle of permissions: changing it changes what its members may do.
    action = Action.PERMISSION if isinstance(obj, Group) else Action.DATA
    record(action, request=request, obj=obj, subject=subject, details=details)


def permission_change(
    request: HttpRequest, subject: Any, obj: models.Model, details: dict[str, Any]
) -> None:
    record(Action.PERMISSION, request=request, obj=obj, subject=subject, details=details)
