"""The receipt a unit gets when it submits: a number, the time, and a copy by email.

The number reads BN-<year>-<sequence>, the sequence being the submitted version's primary key:
the database hands out keys one at a time on SQLite and PostgreSQL alike, so two submissions at
the same instant never share a number, and there is no counter row to lock. The year is the
submission's, in Vietnam time.

The email goes through the outbox (tonghop.outbox.queue): one message per address, written
in the submission's transaction, so it exists if and only if the submission does, and sent by
the worker after commit; a mail server that is down never makes a submission fail or wait. A
failed send is logged on the message, tried again after 5 then 10 minutes, and the reporter's
page says where it stands.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind, format_value
from tonghop.outbox.models import Message, MessageKind, MessageStatus
from tonghop.outbox.queue import MAX_ATTEMPTS, deliver_soon, queue_email
from tonghop.reports.models import Attachment, ReceiptMail, ReportVersion
from tonghop.reports.models import receipt_mail_state as _state

PREFIX = "BN"
NO_ADDRESS = "no email address"


def receipt_number(pk: int, at: dt.datetime) -> str:
    return f"{PREFIX}-{timezone.localtime(at):%Y}-{pk:06d}"


def next_version_key() -> RawSQL | None:
    """The key the next submitted version will get, read within the query that locks its
    assignment, so that the version is inserted with its receipt number (no second UPDATE to
    write it once the key is known). None where there is no such read (another database): the
    number is then written after the insert.

    PostgreSQL: the table's own sequence, taken (nextval), so no one else gets it. SQLite: what
    AUTOINCREMENT would give, one more than the highest key ever given (sqlite_sequence) or
    present; a submission's transaction holds SQLite's write lock from its start (tonghop.db:
    BEGIN IMMEDIATE), so no one else can insert a version before this one."""
    table = ReportVersion._meta.db_table
    if connection.vendor == "postgresql":
        return RawSQL("nextval(pg_get_serial_sequence(%s, 'id'))", (table,))
    if connection.vendor == "sqlite":
        return RawSQL(
            "MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            "COALESCE((SELECT MAX(id) FROM reports_reportversion), 0)) + 1",
            (table,),
        )
    return None


def messages(version: ReportVersion) -> list[Message]:
    """The receipt's emails in the outbox, one per address."""
    return list(
        Message.objects.filter(
            assignment_id=version.report.assignment_id,
            kind=MessageKind.RECEIPT,
            object_id=version.pk,
        ).order_by("pk")
    )


def mail_state(version: ReportVersion) -> ReceiptMail:
    """Where the receipt's email stands, read from the outbox."""
    found = messages(version)
    if not found:
        # No address to send it to, or a receipt from before the outbox (its own columns).
        return _state(version, MAX_ATTEMPTS)
    waiting = [m for m in found if m.status in (MessageStatus.QUEUED, MessageStatus.SENDING)]
    if waiting:
        return ReceiptMail.RETRYING if any(m.attempts for m in waiting) else ReceiptMail.PENDING
    if any(m.status == MessageStatus.SENT for m in found):
        return ReceiptMail.SENT
    return ReceiptMail.FAILED


def sent_to(version: ReportVersion) -> str:
    found = [m.recipient for m in messages(version) if m.status == MessageStatus.SENT]
    return ", ".join(found) if found else version.receipt_sent_to


def queue_receipt(
    version: int | ReportVersion,
    now: dt.datetime | None = None,
    *,
    indicators: list[Indicator] | None = None,
) -> int:
    """Queue the receipt's emails, from inside the submission's transaction; how many.

    One message per address in the outbox, written with the submission: undone with it, and
    never written twice for one version (the outbox's key). `version` is its key, or the version
    just inserted with its report, assignment, unit, campaign and author at hand (no query to
    read them again); `indicators`, the campaign's form when the caller has it."""
    now = now or timezone.now()
    if isinstance(version, int):
        version = ReportVersion.objects.select_related(
            "created_by", "report__assignment__unit", "report__assignment__campaign"
        ).get(pk=version)
    to = recipients(version)
    if not to:
        # Written with the version's insert when the caller knew (see no_address).
        if version.receipt_error != NO_ADDRESS:
            version.receipt_error = NO_ADDRESS
            version.save(update_fields=["receipt_error"])
        return 0
    subject, body = compose(version, indicators)
    assignment = version.report.assignment
    queued = 0
    for address in to:
        queued += queue_email(
            campaign=assignment.campaign,
            assignment_id=assignment.pk,
            kind=MessageKind.RECEIPT,
            object_id=version.pk,
            recipient=address,
            subject=subject,
            body=body,
            by=version.created_by,
            now=now,
        ).queued
    if queued:
        deliver_soon(now)
    return queued


def no_address(version: ReportVersion) -> str:
    """The receipt_error of a version about to be inserted: NO_ADDRESS when its receipt has no
    one to go to, so the insert writes it rather than an UPDATE after."""
    return "" if recipients(version) else NO_ADDRESS


def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i d/m/Y")


def recipients(version: ReportVersion) -> list[str]:
    """The reporter who submitted (when signed in) and the unit's own address, if known."""
    found: list[str] = []
    author = version.created_by
    if author is not None and author.is_active and author.email:
        found.append(author.email)
    unit_email = version.report.assignment.unit.email
    if unit_email and unit_email.lower() not in {a.lower() for a in found}:
        found.append(unit_email)
    return found


def compose(version: ReportVersion, indicators: list[Indicator] | None = None) -> tuple[str, str]:
    """The receipt's subject and text, in the site's language whoever submitted. `indicators`:
    the campaign's form when the caller has it (else read here)."""
    assignment = version.report.assignment
    campaign = assignment.campaign
    files = {a.pk: a for a in Attachment.objects.filter(pk__in=version.attachments).order_by("pk")}
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("%(unit)s has submitted its report for “%(campaign)s”.")
            % {"unit": assignment.unit.name, "campaign": campaign.title},
            "",
            _("Receipt number: %(number)s") % {"number": version.receipt_number},
            _("Received at: %(time)s") % {"time": _local(version.created_at)},
            _("Due: %(time)s") % {"time": _local(assignment.due_at)},
        ]
        if version.created_by is not None:
            lines.append(_("Submitted by: %(name)s") % {"name": version.created_by.display_name()})
        else:
            lines.append(_("Submitted through the unit's personal link."))
        lines += ["", _("Figures reported:")]
        for indicator in campaign.indicators.all() if indicators is None else indicators:
            value = version.values.get(indicator.code)
            if indicator.kind == IndicatorKind.FILE:
                ids = value if isinstance(value, list) else []
                shown = ", ".join(files[i].original_name for i in ids if i in files) or "-"
            else:
                shown = format_value(value, indicator.kind)
                if indicator.unit_of_measure and shown != "-":
                    shown = f"{shown} {indicator.unit_of_measure}"
            lines.append(f"- {indicator.label}: {shown}")
        if version.narrative:
            narrative = version.narrative
            if len(narrative) > 1000:
                narrative = narrative[:1000].rstrip() + " …"
            lines += ["", _("Narrative:"), narrative]
        lines += ["", _("Attachments:")]
        lines += [f"- {f.original_name}" for f in files.values()] or [_("(none)")]
        link = settings.SITE_URL.rstrip("/") + reverse("reports:form", args=[assignment.pk])
        lines += ["", _("The report: %(link)s") % {"link": link}]
        subject = _("Receipt %(number)s: report of %(unit)s") % {
            "number": version.receipt_number,
            "unit": assignment.unit.name,
        }
    return subject[:250], "\n".join(lines) + "\n"
