"""Sending the directive itself to the units of a campaign, and their confirmation of receipt.

Starting a campaign, the office sends every unit the directive (the signed document attached,
the link to the unit's form) by email and in the app; Nghị định 30/2020/NĐ-CP, Art. 21 wants
the unit to confirm receipt the same day. The flow copies the reminders' two phases:

1. *Claim* (`send_directive`): in one transaction, one DirectiveDelivery per unit not yet sent,
   its Message rows (one email per address, one in-app line) and the notifications. The
   one-to-one key makes a second run skip the units already sent; nothing is sent here.
2. *Deliver* (delivery.py, the worker): each queued email is sent with the document attached,
   retried, or reported as failed, exactly like a reminder.

The document is read and checked before anything is claimed, so a file missing from disk stops
the whole send with a sentence for the clerk instead of leaving half the units without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.documents.models import Document
from tonghop.orgs.models import Membership, Role, Unit, User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reminders.texts import local_text, notify
from tonghop.reports.actions import ActionError
from tonghop.reports.models import Assignment

# The slot of every directive row in the Message log: the unique (assignment, slot, channel)
# then allows one in-app line and one email per address, never two.
SLOT = "directive"
# Where the worker puts a unit's personal link in the email's text (see personal_body).
LINK_MARK = "[[tonghop:personal-link]]"
UNIT_ADDRESS_SLOT = "directive:unit"
OCTET_STREAM = "application/octet-stream"


class DirectiveError(errors.Refused):
    """A refused request. str() is a sentence for the person who asked."""


class NotAllowed(DirectiveError, errors.NotAllowed):
    pass


class CampaignNotOpen(DirectiveError):
    pass


class NotSent(DirectiveError):
    pass


class AlreadySending(DirectiveError):
    pass


class LinkRefused(DirectiveError):
    pass


class DocumentUnreadable(DirectiveError):
    """The directive's file is gone from storage or differs from the one received."""


# -- the document -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    mimetype: str


def _safe_file_name(name: str) -> str:
    """The original name, minus folders and control characters (it goes into a mail header)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "van-ban"


def attachment_name(document: Document | None) -> str:
    """The name the unit sees: the name the office received the file under."""
    if document is None or not document.file:
        return ""
    return _safe_file_name(document.original_name or str(document.file.name))


def _missing(document: Document, name: str) -> DocumentUnreadable:
    return DocumentUnreadable(
        _(
            "The directive's file “%(name)s” (%(reference)s) is missing from the server's "
            "storage. Nothing was sent. Upload the document again, or ask the administrator "
            "to restore the file."
        )
        % {"name": name, "reference": document.reference() or document.subject[:60]}
    )


def _changed(document: Document, name: str) -> DocumentUnreadable:
    return DocumentUnreadable(
        _(
            "The directive's file “%(name)s” (%(reference)s) has changed on the server since "
            "it was received, so its signature may no longer hold. Nothing was sent. Upload "
            "the document again, or ask the administrator to restore the file."
        )
        % {"name": name, "reference": document.reference() or document.subject[:60]}
    )


def read_attachment(campaign: Campaign) -> Attachment | None:
    """The campaign's directive as it was received, or None when there is no file to attach.

    Raises DocumentUnreadable when the file is missing from storage or its bytes are not those
    recorded when it was received: a signed PDF must reach the units exactly as signed.
    """
    document = campaign.source_document
    if document is None or not document.file:
        return None
    name = attachment_name(document)
    try:
        with document.file.open("rb") as handle:
            content = handle.read()
    except OSError:
        raise _missing(document, name) from None
    if document.sha256 and hashlib.sha256(content).hexdigest() != document.sha256:
        raise _changed(document, name)
    mimetype = mimetypes.guess_type(name)[0] or OCTET_STREAM
    if mimetype.startswith("text/"):
        # Django decodes text attachments and encodes them again; the bytes must not change.
        mimetype = OCTET_STREAM
    return Attachment(name=name, content=content, mimetype=mimetype)


def document_problem(campaign: Campaign) -> str:
    """Empty if the document can be attached (or there is none); else what is wrong.

    For the confirmation page: checks that the file is there without reading it all.
    """
    document = campaign.source_document
    if document is None or not document.file:
        return ""
    name = attachment_name(document)
    if not document.file.storage.exists(document.file.name or ""):
        return str(_missing(document, name))
    return ""


# -- who gets what ------------------------------------------------------------------------


class Reach:
    EMAIL = "email"
    APP = "app"
    NONE = "none"


@dataclass
class UnitPlan:
    """What one unit not yet sent will get."""

    assignment: Assignment
    reporters: list[User]
    # (slot, address): the unit's own address first, then each reporter's, without doubles.
    addresses: list[tuple[str, str]]

    @property
    def unit(self) -> Unit:
        return self.assignment.unit

    @property
    def needs_link(self) -> bool:
        """A unit without an account can only reach its form by a personal link."""
        return not self.reporters

    @property
    def reach(self) -> str:
        if self.addresses:
            return Reach.EMAIL
        return Reach.APP if self.reporters else Reach.NONE


@dataclass
class DirectivePlan:
    """What a press of "send" would do now: shown on the confirmation page, then done."""

    campaign: Campaign
    to_send: list[UnitPlan]
    already_sent: int
    to_retry: int
    attachment_name: str
    document_problem: str

    def _reaching(self, reach: str) -> list[UnitPlan]:
        return [plan for plan in self.to_send if plan.reach == reach]

    @property
    def by_email(self) -> list[UnitPlan]:
        return self._reaching(Reach.EMAIL)

    @property
    def app_only(self) -> list[UnitPlan]:
        return self._reaching(Reach.APP)

    @property
    def unreachable(self) -> list[UnitPlan]:
        return self._reaching(Reach.NONE)

    @property
    def has_work(self) -> bool:
        return bool(self.to_send or self.to_retry) and not self.document_problem


def _failed_emails(campaign: Campaign) -> QuerySet[Message]:
    return Message.objects.filter(
        campaign=campaign,
        kind=MessageKind.DIRECTIVE,
        channel=Channel.EMAIL,
        status=MessageStatus.FAILED,
        assignment__is_active=True,
    )


def plan_directive(campaign: Campaign) -> DirectivePlan:
    """Who would get the directive now, by which way, in a constant number of queries."""
    pending = list(
        campaign.assignments.active()
        .filter(directive_delivery__isnull=True)
        .select_related("unit")
        .order_by("unit__name")
    )
    reporters: dict[int, list[User]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            unit__in=[a.unit_id for a in pending], role=Role.REPORTER, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )
    for membership in memberships:
        reporters[membership.unit_id].append(membership.user)
    plans = []
    for assignment in pending:
        people = reporters.get(assignment.unit_id, [])
        plans.append(UnitPlan(assignment, people, _addresses(assignment.unit, people)))
    return DirectivePlan(
        campaign=campaign,
        to_send=plans,
        already_sent=campaign.assignments.active().filter(directive_delivery__isnull=False).count(),
        to_retry=_failed_emails(campaign).count(),
        attachment_name=attachment_name(campaign.source_document),
        document_problem=document_problem(campaign),
    )


def _addresses(unit: Unit, reporters: list[User]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    candidates = [(UNIT_ADDRESS_SLOT, unit.email)]
    candidates += [(f"{SLOT}:user:{user.pk}", user.email) for user in reporters]
    for slot, address in candidates:
        address = address.strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            found.append((slot, address))
    return found


# -- texts --------------------------------------------------------------------------------


def directive_texts(
    assignment: Assignment, link: str, attached: str, document: Document | None
) -> tuple[str, str, str]:
    """Subject and body of the email, and the in-app line, in the site's language.

    `link` is the full address of the unit's form (empty when it has none); `attached` the
    name of the attached file (empty when nothing is attached).
    """
    campaign = assignment.campaign
    values = {
        "title": campaign.title,
        "unit": assignment.unit.name,
        "due": local_text(assignment.due_at),
        "office": campaign.office.name,
        "link": link,
        "file": attached,
        "reference": document.reference() if document else "",
        "subject": document.subject if document else "",
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Directive: “%(title)s”, report due %(due)s") % values
        lines = [_("Dear %(unit)s,") % values, ""]
        if document is not None and document.reference():
            lines.append(
                _("%(office)s sends your unit its directive %(reference)s: %(subject)s") % values
            )
        else:
            lines.append(_("%(office)s sends your unit its directive “%(title)s”.") % values)
        if attached:
            lines.append(_("The document is attached to this email: %(file)s") % values)
        else:
            lines.append(
                _("The document itself is not attached; ask the office if you need a copy.")
            )
        lines += ["", _("Your unit's report is due at %(due)s.") % values]
        if link:
            lines.append(_("Fill in and send the report here: %(link)s") % values)
            lines += [
                "",
                _(
                    "Please confirm receipt today (Decree 30/2020/ND-CP, Art. 21): open the "
                    "link and press “%(button)s”."
                )
                # The button's own words, so the two read the same once translated.
                % {"button": _("Confirm receipt of the directive")},
            ]
        else:
            lines.append(
                _(
                    "Your unit has no account on the reporting site yet: please reply to "
                    "confirm receipt today, and the office will send you a link to the form."
                )
            )
        lines += ["", values["office"], "", _("This message was sent by tonghop.")]
        app_text = (
            _("New directive for “%(title)s” (%(unit)s): report due %(due)s. Confirm receipt.")
            % values
        )
        return subject, "\n".join(lines), app_text


# -- sending ------------------------------------------------------------------------------


def personal_body(message: Message, now: dt.datetime) -> str:
    """The email's text with a fresh personal link in place of LINK_MARK, for the worker.

    The link is issued when the email goes, not when it is queued: the links app keeps only
    a hash of a link's secret, and the message log must not hold a live one. Each attempt
    issues a new link, which revokes the one of a failed attempt that nobody received. A unit
    without an account has exactly one address (its own), so one email carries the link.
    """
    body = message.body
    if LINK_MARK not in body or message.assignment is None:
        return body
    from tonghop.reports.links.actions import issue_link

    try:
        access_link, path = issue_link(message.assignment, by=None, now=now)
    except ActionError as exc:
        raise LinkRefused(str(exc)) from exc
    DirectiveDelivery.objects.filter(assignment=message.assignment).update(
        link_id=int(access_link.pk)
    )
    return body.replace(LINK_MARK, path.lstrip("/"))


@dataclass
class DirectiveResult:
    sent: list[UnitPlan] = field(default_factory=list)
    emails: int = 0
    retried: int = 0
    attachment_name: str = ""

    @property
    def app_only(self) -> list[UnitPlan]:
        return [plan for plan in self.sent if plan.reach == Reach.APP]

    @property
    def unreachable(self) -> list[UnitPlan]:
        return [plan for plan in self.sent if plan.reach == Reach.NONE]


def _claim_unit(
    plan: UnitPlan,
    *,
    by: User | None,
    base_url: str,
    attached: str,
    now: dt.datetime,
) -> int:
    """Write one unit's delivery, messages and notifications. Returns the number of emails."""
    assignment = plan.assignment
    campaign = assignment.campaign
    form_path = reverse("reports:form", args=[assignment.pk])
    # A personal link is issued by the worker as the email goes (see personal_body).
    link = f"{base_url}/{LINK_MARK}" if plan.needs_link else base_url + form_path
    DirectiveDelivery.objects.create(
        assignment=assignment, sent_at=now, sent_by=by, attachment_name=attached
    )
    subject, body, app_text = directive_texts(assignment, link, attached, campaign.source_document)
    common = {
        "campaign": campaign,
        "assignment": assignment,
        "kind": MessageKind.DIRECTIVE,
        "slot_at": now,
        "created_at": now,
        "created_by": by,
        "subject": subject,
    }
    Message.objects.bulk_create(
        Message(
            **common,
            slot=slot,
            channel=Channel.EMAIL,
            recipient=address,
            body=body,
            status=MessageStatus.QUEUED,
            next_attempt_at=now,
        )
        for slot, address in plan.addresses
    )
    app = Message.objects.create(
        **common,
        slot=SLOT,
        channel=Channel.APP,
        recipient=", ".join(user.display_name() for user in plan.reporters),
        body=app_text,
        status=MessageStatus.SENT if plan.reporters else MessageStatus.NO_ADDRESS,
        sent_at=now if plan.reporters else None,
    )
    notify(plan.reporters, app_text, form_path, now, app)
    return len(plan.addresses)


def send_directive(
    campaign: Campaign, *, by: User | None, base_url: str, now: dt.datetime | None = None
) -> DirectiveResult:
    """Send the directive to every unit of the campaign that has not had it yet.

    Idempotent: a unit already sent is skipped. Resumable: emails that failed for good are
    queued again. `base_url` is the site's address, for the links in the emails. `by` is None
    when the system sends (e.g. right after creating a campaign).
    """
    now = now or timezone.now()
    if by is not None and not by.has_office_role(campaign.office):
        raise NotAllowed(_("Only the office's staff can do this."))
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignNotOpen(_("This campaign is not open; the directive cannot be sent."))
    # Read (and check) before claiming anything: a missing file stops the whole send.
    attachment = read_attachment(campaign)
    attached = attachment.name if attachment else ""
    base_url = base_url.rstrip("/")
    result = DirectiveResult(attachment_name=attached)
    try:
        _claim_all(campaign, result, by=by, base_url=base_url, now=now)
    except IntegrityError:
        # The campaign lock makes this rare (a database without row locks, a unit claimed
        # by hand meanwhile); the transaction is rolled back, so nothing was half-sent.
        raise AlreadySending(
            _("Someone else is sending the directive right now; look at the receipts shortly.")
        ) from None
    if result.emails or result.retried:
        _deliver_soon(now)
    return result


def _claim_all(
    campaign: Campaign,
    result: DirectiveResult,
    *,
    by: User | None,
    base_url: str,
    now: dt.datetime,
) -> None:
    attached = result.attachment_name
    with transaction.atomic():
        # The campaign row is the lock: two presses at once send each unit once.
        locked = (
            # Only the campaign's row: PostgreSQL refuses to lock the nullable document's side.
            Campaign.objects.select_for_update(of=("self",))
            .select_related("office", "source_document")
            .get(pk=campaign.pk)
        )
        if locked.status != CampaignStatus.OPEN:
            raise CampaignNotOpen(_("This campaign is not open; the directive cannot be sent."))
        plan = plan_directive(locked)
        for unit_plan in plan.to_send:
            unit_plan.assignment.campaign = locked
            result.emails += _claim_unit(
                unit_plan, by=by, base_url=base_url, attached=attached, now=now
            )
            result.sent.append(unit_plan)
        result.retried = _failed_emails(locked).update(
            status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now, lease_until=None
        )


def _deliver_soon(now: dt.datetime) -> None:
    """Hand the sending to the worker, so that the page never waits on a slow mail server."""
    from tonghop.reminders.tasks import deliver_reminders

    deliver_reminders.enqueue(now.isoformat())


# -- the unit's side ----------------------------------------------------------------------


def delivery_for(assignment: Assignment) -> DirectiveDelivery | None:
    return DirectiveDelivery.objects.filter(assignment=assignment).first()


def mark_opened(
    assignment: Assignment,
    user: User | None,
    *,
    link_id: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record the first time the unit opened its form after the directive was sent.

    The caller has already checked that `user` (or the link) belongs to the unit. One
    conditional UPDATE: only the first opening is kept, however many tabs open at once.
    """
    return bool(
        DirectiveDelivery.objects.filter(
            assignment=assignment, first_opened_at__isnull=True
        ).update(
            first_opened_at=now or timezone.now(),
            first_opened_by=user,
            first_opened_via_link=link_id,
        )
    )


def _is_reporter(user: User, unit: Unit) -> bool:
    return user.is_active and user.memberships.filter(unit=unit, role=Role.REPORTER).exists()


def confirm_receipt(
    assignment: Assignment,
    *,
    user: User | None,
    link_id: int | None,
    now: dt.datetime | None = None,
) -> DirectiveDelivery:
    """The unit confirms it received the directive; a second confirmation changes nothing.

    By a reporter of the unit (`user`), or through the unit's personal link (`link_id`, the
    caller having checked the link): then nobody is recorded, the link is.
    """
    now = now or timezone.now()
    if user is None and link_id is None:
        raise NotAllowed(_("Only the unit can confirm receipt of its directive."))
    if user is not None and not _is_reporter(user, assignment.unit):
        raise NotAllowed(_("Only the unit can confirm receipt of its directive."))
    with transaction.atomic():
        delivery = DirectiveDelivery.objects.select_for_update().filter(assignment=assignment)
        found = delivery.first()
        if found is None:
            raise NotSent(_("The office has not sent the directive to your unit yet."))
        if found.confirmed_at is not None:
            return found
        found.confirmed_at = now
        found.confirmed_by = user
        found.confirmed_via_link = link_id if user is None else None
        fields = ["confirmed_at", "confirmed_by", "confirmed_via_link"]
        if found.first_opened_at is None:
            found.first_opened_at = now
            found.first_opened_by = user
            found.first_opened_via_link = link_id if user is None else None
            fields += ["first_opened_at", "first_opened_by", "first_opened_via_link"]
        found.save(update_fields=fields)
        return found
