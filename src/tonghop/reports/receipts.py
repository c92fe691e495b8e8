"""The receipt a unit gets when it submits: a number, the time, and a copy by email.

The number reads BN-<year>-<sequence>, the sequence being the submitted version's primary key:
the database hands out keys one at a time on SQLite and PostgreSQL alike, so two submissions at
the same instant never share a number, and there is no counter row to lock. The year is the
submission's, in Vietnam time.

The email leaves after the submission is committed, through the task queue (`tonghop worker`),
so a mail server that is down never makes a submission fail or wait. A failed send is logged,
kept on the version (the reporter's page says so) and, where the task backend can defer a task,
tried again after 5 then 10 minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks_db import DatabaseBackend

from tonghop.campaigns.kinds import IndicatorKind, format_value
from tonghop.reports.models import Attachment, ReceiptMail, ReportVersion
from tonghop.reports.models import receipt_mail_state as _state

logger = logging.getLogger(__name__)

PREFIX = "BN"
MAX_ATTEMPTS = 3
RETRY_DELAY = dt.timedelta(minutes=5)  # doubled after each failed attempt
# The mail server's own errors, and the network's (refused, unreachable, timed out).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def receipt_number(pk: int, at: dt.datetime) -> str:
    return f"{PREFIX}-{timezone.localtime(at):%Y}-{pk:06d}"


def mail_state(version: ReportVersion) -> ReceiptMail:
    # Without a backend that defers tasks there is no retry: the first failure is the last.
    retries = send_receipt.get_backend().supports_defer
    return _state(version, MAX_ATTEMPTS if retries else 1)


def queue_receipt(version_id: int) -> None:
    """Hand the receipt's email to the task queue, from inside the submission's transaction.

    With the database queue the task is a row written in that transaction: it exists if and only
    if the submission does, and costs no second write (on SQLite, a second turn at the lock).
    Any other backend may run the task at once (`immediate` sends the mail in place): that waits
    until the submission is committed, so a mail server that is down cannot undo it."""
    if isinstance(send_receipt.get_backend(), DatabaseBackend):
        send_receipt.enqueue(version_id)
    else:
        transaction.on_commit(partial(send_receipt.enqueue, version_id), robust=True)


@task()
def send_receipt(version_id: int) -> str:
    return deliver_receipt(version_id)


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


def compose(version: ReportVersion, to: list[str]) -> EmailMessage:
    """The receipt as an email, in the site's language whoever submitted."""
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
        for indicator in campaign.indicators.all():
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
    return EmailMessage(
        subject=subject[:250],
        body="\n".join(lines) + "\n",
        to=to,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Tonghop-Receipt": str(version.receipt_number),
        },
    )


def deliver_receipt(version_id: int, now: dt.datetime | None = None) -> str:
    """Send one receipt's email unless it has gone; what happened, for the worker's log."""
    now = now or timezone.now()
    version = ReportVersion.objects.select_related(
        "created_by", "report__assignment__unit", "report__assignment__campaign"
    ).get(pk=version_id)
    if version.receipt_sent_at is not None:
        return "sent"
    to = recipients(version)
    if not to:
        version.receipt_error = "no email address"
        version.save(update_fields=["receipt_error"])
        return "no address"
    try:
        compose(version, to).send()
    except MAIL_ERRORS as exc:
        version.receipt_attempts += 1
        version.receipt_error = f"{type(exc).__name__}: {exc}"[:2000]
        version.save(update_fields=["receipt_attempts", "receipt_error"])
        logger.warning(
            "receipt %s: email to %s failed (attempt %s of %s): %s",
            version.receipt_number,
            ", ".join(to),
            version.receipt_attempts,
            MAX_ATTEMPTS,
            version.receipt_error,
        )
        if version.receipt_attempts < MAX_ATTEMPTS and send_receipt.get_backend().supports_defer:
            delay = RETRY_DELAY * 2 ** (version.receipt_attempts - 1)
            send_receipt.using(run_after=now + delay).enqueue(version_id)
        return "failed"
    version.receipt_attempts += 1
    version.receipt_sent_at = now
    version.receipt_sent_to = ", ".join(to)[:500]
    version.receipt_error = ""
    version.save(
        update_fields=["receipt_attempts", "receipt_sent_at", "receipt_sent_to", "receipt_error"]
    )
    return "sent"
