"""Texts of reminders and digests, and the small helpers every part of reminders shares.

The texts are rendered in the site's language (Vietnamese) whatever the language of the
person who caused them: they leave the app, for units that read Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import Role, Unit, User
from tonghop.outbox.models import Message, Notification
from tonghop.reminders.models import ReminderPolicy
from tonghop.reports.models import Assignment, State

SUBMITTED_STATES = (State.SUBMITTED, State.ACCEPTED)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_text(moment: dt.datetime) -> str:
    """A time as offices write it in Vietnam time: 23:59 05/05/2030."""
    return moment.astimezone(local_tz()).strftime("%H:%M %d/%m/%Y")


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def policy_for(campaign: Campaign) -> ReminderPolicy:
    """The campaign's policy, or an unsaved one with the defaults."""
    try:
        return campaign.reminder_policy
    except ReminderPolicy.DoesNotExist:
        return ReminderPolicy(campaign=campaign)


def not_before(campaign: Campaign, policy: ReminderPolicy) -> dt.datetime:
    """Slots earlier than this were never owed: before the campaign, or while stopped."""
    if policy.resumed_at and policy.resumed_at > campaign.created_at:
        return policy.resumed_at
    return campaign.created_at


def reporters_of(unit: Unit) -> QuerySet[User]:
    return User.objects.filter(
        memberships__unit=unit, memberships__role=Role.REPORTER, is_active=True
    ).distinct()


def staff_of(office: Unit) -> QuerySet[User]:
    return User.objects.filter(
        memberships__unit=office, memberships__role__in=Role.office_roles(), is_active=True
    ).distinct()


def notify(
    users: Iterable[User], text: str, link: str, now: dt.datetime, message: Message | None = None
) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, text=text[:1000], link=link, message=message, created_at=now)
        for user in users
    )


def office_page(campaign: Campaign, status: str = "") -> str:
    path = reverse("reminders:campaign", args=[campaign.slug])
    return f"{path}?status={status}" if status else path


def reminder_texts(assignment: Assignment, now: dt.datetime) -> tuple[str, str, str]:
    """Subject and body of the email, and the in-app line, for one unit."""
    campaign = assignment.campaign
    values = {
        "title": campaign.title,
        "unit": assignment.unit.name,
        "due": local_text(assignment.due_at),
        "link": absolute(reverse("reports:form", args=[assignment.pk])),
        "office": campaign.office.name,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: report for “%(title)s” due %(due)s") % values
        lines = [_("Dear %(unit)s,") % values, ""]
        if now > assignment.due_at:
            lines.append(
                _("Your report for “%(title)s” was due at %(due)s and has not been received.")
                % values
            )
            app_text = _("Overdue: the report for “%(title)s” (%(unit)s) was due at %(due)s.")
        else:
            lines.append(
                _("Your unit has not yet sent its report for “%(title)s”. It is due at %(due)s.")
                % values
            )
            app_text = _("Reminder: the report for “%(title)s” (%(unit)s) is due at %(due)s.")
        if assignment.state == State.RETURNED:
            lines.append(
                _("The office returned your report for correction; correct it and send it again.")
            )
        lines += [
            "",
            _("Fill in and send the report here: %(link)s") % values,
            "",
            values["office"],
            "",
            _("This message was sent by tonghop. It is repeated until the report is received.")
            % values,
        ]
        return subject, "\n".join(lines), app_text % values


def late_assignments(campaign: Campaign, now: dt.datetime) -> list[Assignment]:
    return list(
        campaign.assignments.active()
        .exclude(state__in=SUBMITTED_STATES)
        .filter(due_at__lt=now)
        .select_related("unit")
        .order_by("unit__name")
    )


def digest_texts(
    campaign: Campaign, late: list[Assignment], now: dt.datetime
) -> tuple[str, str, str]:
    values: dict[str, object] = {
        "title": campaign.title,
        "due": local_text(campaign.due_at),
        "now": local_text(now),
        "count": len(late),
        "link": absolute(reverse("campaigns:detail", args=[campaign.slug])),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Late reports for “%(title)s”: %(count)s unit(s)") % values
        lines = [_("Units that have not reported for “%(title)s” as of %(now)s:") % values, ""]
        for assignment in late:
            unit = assignment.unit
            address = unit.email or _("no email address")
            contact = " ".join(part for part in (unit.contact_name, unit.contact_phone) if part)
            line = _("- %(unit)s · due %(due)s · %(state)s · %(address)s") % {
                "unit": unit.name,
                "due": local_text(assignment.due_at),
                "state": State(assignment.state).label,
                "address": address,
            }
            lines.append(f"{line} · {contact}" if contact else line)
        if not late:
            lines.append(_("No unit is late."))
        lines += ["", _("The campaign: %(link)s") % values]
        app_text = _("Digest: %(count)s unit(s) late for “%(title)s”.") % values
        return subject, "\n".join(lines), app_text
