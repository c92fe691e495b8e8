"""Who reads the audit log: superusers all of it, an office's administrators their people's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tonghop.audit.models import AuditEvent, AuditEventQuerySet
from tonghop.orgs.models import Role, Unit, User


def administered_units(user: User) -> list[Unit]:
    """The units an office administrator answers for: the office and every unit below it."""
    offices = list(Unit.objects.filter(memberships__user=user, memberships__role=Role.ADMIN))
    units = {unit.pk: unit for unit in offices}
    for office in offices:
        units.update({unit.pk: unit for unit in office.descendants()})
    return list(units.values())


def can_see_audit_log(user: Any) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or user.memberships.filter(role=Role.ADMIN).exists()


def events_for(user: User) -> AuditEventQuerySet | None:
    """The events this person may read, or None when they may read none."""
    if not can_see_audit_log(user):
        return None
    events = AuditEvent.objects.all()
    if user.is_superuser:
        return events
    people = User.objects.filter(memberships__unit__in=administered_units(user))
    return events.filter(Q(actor__in=people) | Q(subject__in=people))
