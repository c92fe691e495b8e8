"""Levels across installs: a campaign above that arrives by edXML with its form
(``tonghop.campaign/1``), the campaign below opened from it, and the district's issued report
taken in on the Sở's install as its answer (``tonghop.report/1``). Both are JSON attachments
of the edXML package, described in the README ("Levels across installs").

On the Sở's install the channel calls ``apply_report`` for every package it takes in from a
partner (registered in ReportsConfig.ready): a package that carries a report is applied to the
assignment of the sender's organ code in one transaction with the package, or refused whole
(the channel answers status 02 with the reason)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop.audit.models import Action, AuditEvent
from tonghop.audit.records import record
from tonghop.campaigns.actions import (
    ActionError as FormError,
)
from tonghop.campaigns.actions import (
    CampaignSpec,
    IndicatorSpec,
    attributes_to_json,
    indicator_attributes,
    rules_of,
    spec_from_attributes,
)
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.campaigns.values import to_number
from tonghop.dispatch.edxml import Attachment, EdxmlDocument, Organ, TraceHeader, build_package
from tonghop.documents.channel import StatusCode, partners, queue_package, queue_status
from tonghop.documents.exchange import ImportRefused, Received
from tonghop.documents.models import Direction, Document, ExchangeMessage
from tonghop.orgs.models import Role, Unit, User
from tonghop.outbox.models import Notification
from tonghop.reports.actions import _lock
from tonghop.reports.assigning import create_campaign
from tonghop.reports.levels import (
    OPENING_ROLES,
    Answer,
    BelowRequest,
    DueAfterAbove,
    LevelNotAllowed,
    LevelRefused,
    _local,
    record_answer,
    units_below,
)
from tonghop.reports.models import (
    SUBMITTED_STATES,
    Assignment,
    AssignmentEvent,
    RemoteAbove,
    State,
    Step,
)

CAMPAIGN_FORMAT = "tonghop.campaign/1"
REPORT_FORMAT = "tonghop.report/1"
CAMPAIGN_FILE = "tonghop-campaign.json"
REPORT_FILE = "tonghop-report.json"
JSON_TYPE = "application/json"
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_INDICATORS = 500
MAX_NARRATIVE = 20000


def _json_bytes(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


# ------------------------------------------------------------------ the campaign above, out


def campaign_content(campaign: Campaign, assignment: Assignment | None = None) -> dict[str, Any]:
    """``tonghop.campaign/1``: the campaign as an office below needs it to open its own, the
    form with every attribute of every indicator (codes, kinds, units of measure) and, when it
    goes to one office, the assignment the answer must name."""
    office = campaign.office
    content: dict[str, Any] = {
        "format": CAMPAIGN_FORMAT,
        "campaign": {
            "slug": campaign.slug,
            "title": campaign.title,
            "description": campaign.description,
            "period_start": campaign.period_start.isoformat() if campaign.period_start else None,
            "period_end": campaign.period_end.isoformat() if campaign.period_end else None,
            "due_at": _moment(campaign.due_at),
        },
        "office": {"organ_id": office.organ_id, "name": office.name, "email": office.email},
        "indicators": [
            attributes_to_json(indicator_attributes(indicator))
            for indicator in campaign.indicators.order_by("order", "pk")
        ],
        "rules": [attributes_to_json(rule) for rule in rules_of(campaign)],
    }
    if assignment is not None:
        content["assignment"] = {
            "id": assignment.pk,
            "organ_id": assignment.unit.organ_id,
            "due_at": _moment(assignment.due_at),
        }
    return content


def campaign_attachment(campaign: Campaign, assignment: Assignment | None = None) -> Attachment:
    """The campaign's form as an attachment of the directive's edXML package."""
    return Attachment(
        name=CAMPAIGN_FILE,
        content_type=JSON_TYPE,
        data=_json_bytes(campaign_content(campaign, assignment)),
        description=f"Biểu mẫu và thông tin đợt báo cáo ({CAMPAIGN_FORMAT})",
    )


SENT_CHANGE = "campaign sent by exchange"
# The directives offered on the campaign's page: the newest of the office's register.
DIRECTIVE_CHOICES = 50
MAX_ID = 2**63 - 1  # past the database's integers: no such document


def _may_send(user: User, campaign: Campaign) -> bool:
    return user.is_active and user.has_office_role(campaign.office, *OPENING_ROLES)


def directive_choices(campaign: Campaign) -> QuerySet[Document]:
    """The documents of the office's register that can carry the campaign to the offices
    below (the ones ``send_campaign`` takes): issued outgoing documents with their file,
    newest first."""
    return (
        Document.objects.filter(
            office_id=campaign.office_id, direction=Direction.OUTGOING, issued_on__isnull=False
        )
        .exclude(file="")
        .order_by("-issued_on", "-pk")
    )


def partner_units(campaign: Campaign) -> list[Unit]:
    """The campaign's units that are exchange partners of this install (offices on their own
    install): those ``send_campaign`` queues the directive for."""
    known = partners()
    if not known:
        return []
    return list(
        Unit.objects.filter(
            pk__in=campaign.assignments.active().values("unit_id"), organ_id__in=list(known)
        ).order_by("name")
    )


def send_panel(user: User, campaign: Campaign) -> dict[str, Any]:
    """What the campaign's page shows to send the campaign to offices on other installs: for
    the office's specialist, head or administrator, when some of its units are partners, the
    partners and the directives to choose from; nothing otherwise."""
    if not _may_send(user, campaign):
        return {}
    offices = partner_units(campaign)
    if not offices:
        return {}
    return {
        "send_offices": offices,
        "send_directives": list(directive_choices(campaign)[:DIRECTIVE_CHOICES]),
    }


def _already_sent(campaign: Campaign, directive: Document) -> set[str]:
    """The organ codes this campaign was already queued for with this directive."""
    sent: set[str] = set()
    for details in AuditEvent.objects.filter(
        object_type=f"{Campaign._meta.app_label}.{Campaign._meta.model_name}",
        object_id=str(campaign.pk),
        details__change=SENT_CHANGE,
        details__directive=directive.pk,
    ).values_list("details", flat=True):
        sent.update(str(organ) for organ in details.get("to", []))
    return sent


def send_campaign(user: User, campaign: Campaign, directive: Document) -> list[str]:
    """Queue the Sở's directive (an outgoing document of its register, its file the signed
    PDF) to each office of the campaign that is an exchange partner, with the campaign's form
    and that office's assignment attached (``tonghop.campaign/1``). Returns the organ codes it
    was queued for; the others get the directive by hand. An office it was already queued
    for with this directive is not sent it again (a second click, a second command)."""
    if not _may_send(user, campaign):
        raise LevelNotAllowed(_("Only the office's staff can send this campaign."))
    if (
        directive.office_id != campaign.office_id
        or directive.direction != Direction.OUTGOING
        or directive.issued_on is None
        or not directive.file
    ):
        raise LevelRefused(
            _("Choose an issued outgoing document of your office, with its file, as the directive.")
        )
    with directive.file.open("rb") as handle:
        pdf = handle.read()
    office = campaign.office
    known = partners()
    queued: list[str] = []
    with transaction.atomic():
        # Two clicks at once take turns here; the second finds what the first queued.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        sent = _already_sent(campaign, directive)
        for assignment in campaign.assignments.active().select_related("unit").order_by("pk"):
            organ = assignment.unit.organ_id
            if not organ or organ not in known or organ in sent:
                continue
            package = EdxmlDocument(
                sender=Organ(
                    organ_id=office.organ_id,
                    organization_in_charge=office.parent_body,
                    organ_name=office.name,
                    email=office.email,
                ),
                receivers=(Organ(organ_id=organ, organ_name=assignment.unit.name),),
                code_number=directive.number,
                code_notation=directive.symbol,
                promulgation_date=directive.issued_on,
                subject=directive.subject,
                content=directive.subject,
                due_date=timezone.localtime(assignment.due_at).date(),
                trace=(TraceHeader(office.organ_id, timezone.now()),),
                attachments=(
                    Attachment(
                        name=directive.original_name or "van-ban.pdf",
                        content_type="application/pdf",
                        data=pdf,
                        description=directive.subject[:200],
                    ),
                    campaign_attachment(campaign, assignment),
                ),
            )
            queue_package(directive, build_package(package), organ)
            queued.append(organ)
        if not queued and sent:
            raise LevelRefused(
                _(
                    "%(reference)s was already queued with this campaign for %(list)s: it is "
                    "not sent again."
                )
                % {"reference": directive.reference(), "list": ", ".join(sorted(sent))}
            )
        if not queued:
            # Nothing would leave: say so rather than record a sending that reached no one.
            raise LevelRefused(
                _(
                    "No office of this campaign is an exchange partner of this install: send "
                    "the directive by hand, or add the offices to partners.json."
                )
            )
        record(
            Action.DATA,
            actor=user,
            obj=campaign,
            details={"change": SENT_CHANGE, "to": queued, "directive": directive.pk},
        )
    return queued


def send_from_register(user: User, campaign: Campaign, directive_id: object) -> list[Unit]:
    """The campaign page's button: ``send_campaign`` with the directive chosen by its id in
    the office's register. Returns the offices it was queued for."""
    if not _may_send(user, campaign):
        raise LevelNotAllowed(_("Only the office's staff can send this campaign."))
    try:
        pk = int(str(directive_id).strip())
    except ValueError:  # not a number, or thousands of digits
        pk = 0
    directive = (
        Document.objects.filter(pk=pk, office_id=campaign.office_id).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if directive is None:
        raise LevelRefused(
            _("Your office's register has no such document: choose the directive from the list.")
        )
    queued = send_campaign(user, campaign, directive)
    return list(
        Unit.objects.filter(
            pk__in=campaign.assignments.active().values("unit_id"), organ_id__in=queued
        ).order_by("name")
    )


# ---------------------------------------------------------------- reading a format's JSON


def _load(data: bytes, name: str, current: str) -> dict[str, Any]:
    if len(data) > MAX_JSON_BYTES:
        raise ImportRefused(_("The attachment “%(name)s” is too large.") % {"name": name})
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ImportRefused(
            _("The attachment “%(name)s” is not valid JSON; the package is refused.")
            % {"name": name}
        ) from None
    if not isinstance(content, dict):
        raise ImportRefused(
            _("The attachment “%(name)s” is not a %(format)s object.")
            % {"name": name, "format": current}
        )
    found = content.get("format")
    if found != current:
        raise ImportRefused(
            _(
                "The attachment “%(name)s” has the format “%(found)s”; this install reads "
                "%(format)s."
            )
            % {"name": name, "found": str(found)[:40], "format": current}
        )
    return content


def _carried(
    attachments: Sequence[tuple[str, str, bytes]], filename: str, prefix: str, current: str
) -> dict[str, Any] | None:
    """The attachment of a tonghop format among (name, type, bytes): found by its file name, or
    a JSON object whose "format" starts with the prefix. None when the package has none."""
    for name, _type, data in attachments:
        if name.lower() == filename:
            return _load(data, name, current)
    for name, content_type, data in attachments:
        if content_type.split(";")[0].strip().lower() != JSON_TYPE and not name.lower().endswith(
            ".json"
        ):
            continue
        try:
            content = json.loads(data[:MAX_JSON_BYTES].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            continue  # some other file: not ours to judge
        if isinstance(content, dict) and str(content.get("format", "")).startswith(prefix):
            return _load(data, name, current)
    return None


def _text(content: Mapping[str, Any], key: str, limit: int = 255, *, required: bool = True) -> str:
    value = content.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.") % {"field": key}
        )
    return value.strip()


def _section(content: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = content.get(key)
    if not isinstance(value, dict):
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.") % {"field": key}
        )
    return value


def _when(content: Mapping[str, Any], key: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(_text(content, key, 40))
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.") % {"field": key}
        )
    return moment


def _day(content: Mapping[str, Any], key: str) -> dt.date | None:
    value = content.get(key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.") % {"field": key}
        ) from None


# ------------------------------------------------------------------- the campaign above, in


def directive_campaign(document: Document) -> dict[str, Any] | None:
    """The ``tonghop.campaign/1`` a received directive carries, None when it has none."""
    attachments = []
    for attachment in document.attachments.all():
        if not attachment.name.lower().endswith(".json") and attachment.declared_type != JSON_TYPE:
            continue
        with attachment.file.open("rb") as handle:
            attachments.append((attachment.name, attachment.declared_type, handle.read()))
    return _carried(attachments, CAMPAIGN_FILE, "tonghop.campaign/", CAMPAIGN_FORMAT)


def _form(content: Mapping[str, Any]) -> tuple[IndicatorSpec, ...]:
    items = content.get("indicators")
    if not isinstance(items, list) or not items or len(items) > MAX_INDICATORS:
        raise ImportRefused(_("The attached form has no indicators, or too many."))
    specs: list[IndicatorSpec] = []
    for item in items:
        if not isinstance(item, dict):
            raise ImportRefused(_("The attached form is damaged."))
        try:
            specs.append(spec_from_attributes(item))
        except FormError as exc:
            raise ImportRefused(str(exc)) from exc
    if len({spec.code for spec in specs}) != len(specs):
        raise ImportRefused(_("The attached form names one indicator code twice."))
    return tuple(specs)


def open_campaign_from_directive(
    user: User,
    document_id: int,
    request: BelowRequest,
    *,
    units: Sequence[Unit] | None = None,
    now: dt.datetime | None = None,
) -> Campaign:
    """Open the office's campaign below from a directive received by edXML with its form
    (``tonghop.campaign/1``), in one step: the same indicators with their codes, kinds and
    units of measure, the office's own added after them, the period, the office above as the
    body it reports to; its issued report carries ``tonghop.report/1`` back up."""
    now = now or timezone.now()
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .select_related("office")
            .filter(pk=document_id, direction=Direction.INCOMING)
            .first()
        )
        if document is None or not user.is_active:
            raise LevelNotAllowed(_("This directive is not addressed to your office."))
        office = document.office
        if not user.has_office_role(office, *OPENING_ROLES):
            raise LevelNotAllowed(_("This directive is not addressed to your office."))
        existing = RemoteAbove.objects.filter(directive=document).select_related("below").first()
        if existing is not None:
            raise LevelRefused(
                _("Your office already answers this campaign with “%(slug)s”.")
                % {"slug": existing.below.slug}
            )
        try:
            content = directive_campaign(document)
        except ImportRefused as exc:
            raise LevelRefused(str(exc)) from exc
        if content is None:
            raise LevelRefused(
                _("This directive carries no form of a campaign: open the campaign by hand.")
            )
        try:
            above = _section(content, "campaign")
            sender = _section(content, "office")
            organ_id = _text(sender, "organ_id", 40)
            if organ_id != document.sender_organ_id:
                raise ImportRefused(
                    _("The attached campaign names another office than the directive's sender.")
                )
            duty = content.get("assignment")
            assignment_id: int | None = None
            due_above = _when(above, "due_at")
            if duty is not None:
                if not isinstance(duty, dict) or _text(duty, "organ_id", 40) != office.organ_id:
                    raise ImportRefused(_("The attached campaign is addressed to another office."))
                raw_id = duty.get("id")
                if not isinstance(raw_id, int) or isinstance(raw_id, bool) or raw_id <= 0:
                    raise ImportRefused(
                        _("The field “%(field)s” of the attached data is missing or wrong.")
                        % {"field": "id"}
                    )
                assignment_id = raw_id
                due_above = _when(duty, "due_at")
            inherited = _form(content)
            above_slug = _text(above, "slug", 100)
            title = _text(above, "title", 500)
            description = _text(above, "description", 20000, required=False)
            period_start = _day(above, "period_start")
            period_end = _day(above, "period_end")
            sender_name = _text(sender, "name", 255, required=False)
            sender_email = _text(sender, "email", 254, required=False)
            rules = content.get("rules", [])
            if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
                raise ImportRefused(_("The attached form is damaged."))
        except ImportRefused as exc:
            raise LevelRefused(str(exc)) from exc
        if request.due_at <= now:
            raise LevelRefused(_("The due date below cannot be in the past."))
        if request.due_at > due_above and not request.confirm_after_above:
            raise DueAfterAbove(
                _(
                    "The due date below (%(below)s) falls after your office's own due date "
                    "above (%(above)s): your report would be late. Choose an earlier date, or "
                    "confirm that you want this one."
                )
                % {"below": _local(request.due_at), "above": _local(due_above)}
            )
        if Campaign.objects.filter(slug=request.slug).exists():
            raise LevelRefused(
                _("The short name “%(slug)s” is already used by another campaign.")
                % {"slug": request.slug}
            )
        codes = {spec.code for spec in inherited}
        clashing = sorted({spec.code for spec in request.local_indicators} & codes)
        if clashing:
            raise LevelRefused(
                _(
                    "These codes belong to the form above; give your own indicators other "
                    "codes: %(list)s."
                )
                % {"list": ", ".join(clashing)}
            )
        chosen = list(units) if units is not None else units_below(office)
        spec = CampaignSpec(
            slug=request.slug,
            title=request.title or title,
            due_at=request.due_at,
            description=description,
            period_start=period_start,
            period_end=period_end,
            report_to=sender_name or document.issuer,
            report_to_email=sender_email,
            report_to_organ_id=organ_id,
            report_symbol=office.short_name and f"BC-{office.short_name}",
            indicators=(*inherited, *request.local_indicators),
            rules=tuple(rules),
        )
        try:
            # A registered directive is cited (the report's ResponseFor names it) and its
            # sender learns it was handed to units (04).
            campaign = create_campaign(
                office,
                spec,
                chosen,
                by=user,
                source_document=document if document.is_registered else None,
            )
        except FormError as exc:
            raise LevelRefused(str(exc)) from exc
        RemoteAbove.objects.create(
            below=campaign,
            directive=document,
            organ_id=organ_id,
            organ_name=spec.report_to[:255],
            slug=above_slug,
            assignment=assignment_id,
            form=[{"code": s.code, "kind": s.kind} for s in inherited],
            due_at=due_above,
            created_by=user,
            created_at=now,
        )
        record(
            Action.DATA,
            actor=user,
            obj=campaign,
            details={
                "change": "campaign below opened from a directive",
                "directive": document.reference(),
                "above": f"{organ_id}/{above_slug}",
                "local_indicators": [s.code for s in request.local_indicators],
            },
        )
        return campaign


def directive_summary(document: Document) -> dict[str, Any] | None:
    """What the page that opens the campaign below shows of a directive's campaign above
    (title, office, period, the district's due date above), None when it carries none or the
    attachment cannot be read."""
    try:
        content = directive_campaign(document)
        if content is None:
            return None
        above = _section(content, "campaign")
        duty = content.get("assignment")
        due = _when(duty, "due_at") if isinstance(duty, dict) else _when(above, "due_at")
        return {
            "campaign": {
                "slug": _text(above, "slug", 100),
                "title": _text(above, "title", 500),
                "office": {"name": _text(_section(content, "office"), "name", 255)},
                "period_start": _day(above, "period_start"),
                "period_end": _day(above, "period_end"),
            },
            "due_at": due,
        }
    except ImportRefused:
        return None


def remote_of(campaign: Campaign) -> RemoteAbove | None:
    return RemoteAbove.objects.filter(below=campaign).first()


# ------------------------------------------------------------------------ the report, out


def report_content(
    remote: RemoteAbove,
    answer: Answer,
    *,
    document: Document,
    parts: Mapping[str, str],
    correction: bool,
) -> dict[str, Any]:
    """``tonghop.report/1``: the issued report as the answer to the campaign above."""
    office = document.office
    return {
        "format": REPORT_FORMAT,
        "campaign": {
            "slug": remote.slug,
            "organ_id": remote.organ_id,
            "assignment": remote.assignment,
        },
        "from": {"organ_id": office.organ_id, "name": office.name, "campaign": remote.below.slug},
        "document": {
            "number": document.number,
            "symbol": document.symbol,
            "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        },
        "correction": correction,
        "codes": [item["code"] for item in remote.form],
        "values": dict(answer.values),
        "totals": dict(answer.totals),
        "narrative": {key: value for key, value in parts.items() if value},
    }


def report_attachment(
    remote: RemoteAbove,
    answer: Answer,
    *,
    document: Document,
    parts: Mapping[str, str],
    correction: bool,
) -> Attachment:
    content = report_content(remote, answer, document=document, parts=parts, correction=correction)
    return Attachment(
        name=REPORT_FILE,
        content_type=JSON_TYPE,
        data=_json_bytes(content),
        description=f"Số liệu báo cáo số {document.reference()} ({REPORT_FORMAT})",
    )


# ------------------------------------------------------------------------- the report, in


def _value(indicator_kind: str, numeric: bool, code: str, value: Any) -> Any:
    if value is None:
        return None
    if numeric:
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise ImportRefused(_("The value of “%(code)s” is not a number.") % {"code": code})
        number = to_number(value)
        if number is None or not number.is_finite():
            raise ImportRefused(_("The value of “%(code)s” is not a number.") % {"code": code})
        return int(number) if number == number.to_integral_value() else str(number)
    if isinstance(value, bool | str):
        return value[:MAX_NARRATIVE] if isinstance(value, str) else value
    if isinstance(value, int | float | Decimal):
        return value
    raise ImportRefused(_("The value of “%(code)s” cannot be read.") % {"code": code})


def apply_report(user: User | None, office: Unit, received: Received) -> None:
    """A package taken in from a partner: when it carries ``tonghop.report/1``, submit it as
    the answer of the sender's office to this office's campaign. Anything that does not fit (a
    campaign this office does not run, a sender not among its units, other codes, damaged data)
    raises ImportRefused: the package is refused whole, nothing is saved."""
    package = received.package
    content = _carried(
        [(a.name, a.content_type, a.data) for a in package.attachments],
        REPORT_FILE,
        "tonghop.report/",
        REPORT_FORMAT,
    )
    if content is None:
        return
    above = _section(content, "campaign")
    slug = _text(above, "slug", 100)
    organ_id = _text(above, "organ_id", 40)
    sender = package.sender.organ_id
    origin = _section(content, "from")
    if _text(origin, "organ_id", 40) != sender:
        raise ImportRefused(
            _("The attached report names another office than the package's sender.")
        )
    issued = _section(content, "document")
    if (_text(issued, "number", 20), _text(issued, "symbol", 100)) != (
        package.code_number,
        package.code_notation,
    ):
        raise ImportRefused(_("The attached report names another document than the package."))
    campaign = (
        Campaign.objects.filter(slug=slug, office=office).first()
        if organ_id == office.organ_id
        else None
    )
    if campaign is None:
        raise ImportRefused(
            _("The report answers a campaign “%(slug)s” that %(office)s does not run.")
            % {"slug": slug, "office": office.name}
        )
    if campaign.status != CampaignStatus.OPEN:
        raise ImportRefused(
            _("The campaign “%(title)s” is closed: the report cannot be taken.")
            % {"title": campaign.title}
        )
    duty = (
        Assignment.objects.active()
        .filter(campaign=campaign, unit__organ_id=sender)
        .values_list("pk", flat=True)
        .first()
        if sender
        else None
    )
    if duty is None:
        raise ImportRefused(
            _("%(organ)s is not among the units of the campaign “%(title)s”.")
            % {"organ": package.sender.organ_name or sender, "title": campaign.title}
        )
    named = above.get("assignment")
    if named is not None and named != duty:
        raise ImportRefused(
            _("The report names another assignment than the one of %(organ)s.")
            % {"organ": package.sender.organ_name or sender}
        )
    indicators = list(campaign.indicators.order_by("order", "pk"))
    codes = content.get("codes")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.")
            % {"field": "codes"}
        )
    values = content.get("values")
    if not isinstance(values, dict):
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.")
            % {"field": "values"}
        )
    expected = [indicator.code for indicator in indicators]
    problems = [
        _("“%(code)s” is missing") % {"code": code} for code in expected if code not in codes
    ]
    problems += [
        _("“%(code)s” is not in the form") % {"code": code[:40]}
        for code in [*codes, *values]
        if code not in expected
    ]
    if problems:
        raise ImportRefused(
            _(
                "The indicators of the report do not match the form of the campaign "
                "“%(title)s”: %(list)s."
            )
            % {"title": campaign.title, "list": "; ".join(dict.fromkeys(problems))}
        )
    clean = {
        indicator.code: _value(
            indicator.kind, indicator.is_numeric, indicator.code, values.get(indicator.code)
        )
        for indicator in indicators
        if indicator.code in values
    }
    parts = content.get("narrative") or {}
    if not isinstance(parts, dict) or not all(isinstance(v, str) for v in parts.values()):
        raise ImportRefused(
            _("The field “%(field)s” of the attached data is missing or wrong.")
            % {"field": "narrative"}
        )
    narrative = "\n\n".join(v.strip() for v in parts.values() if v.strip())[:MAX_NARRATIVE]
    totals = content.get("totals") if isinstance(content.get("totals"), dict) else {}
    document = received.document
    with transaction.atomic():
        assignment = _lock(duty)
        if assignment.state in SUBMITTED_STATES:
            raise ImportRefused(
                _(
                    "The answer of %(organ)s is already %(state)s: a corrected report is taken "
                    "only after it is returned."
                )
                % {
                    "organ": assignment.unit.name,
                    "state": State(assignment.state).label.lower(),
                }
            )
        record_answer(
            user,
            assignment,
            Answer(values=clean, narrative=narrative, totals=totals or {}),
            now=timezone.now(),
            details={
                "answer_from": sender,
                "document": document.reference(),
                "format": REPORT_FORMAT,
                "correction": bool(content.get("correction")),
                # The received package in the register: its signed PDF, and whom to tell
                # when the answer is returned.
                "document_id": document.pk,
            },
        )


# ------------------------------------------------------------- the answer returned, both ways

# The hub has no status code for "returned for correction": 02 (từ chối tiếp nhận, the answer
# is not accepted) is the closest, and its description says it is a return and why.
RETURNED_PREFIX = "Trả lại báo cáo để sửa"


def answer_document(assignment: Assignment) -> Document | None:
    """The received document (in this office's register) whose tonghop.report/1 is the
    assignment's latest answer; None when the answer was not taken in from another install."""
    event = (
        assignment.events.filter(step=Step.SUBMIT, details__format=REPORT_FORMAT)
        .order_by("-at", "-pk")
        .first()
    )
    if event is None or not isinstance(event.details.get("document_id"), int):
        return None
    return Document.objects.filter(
        pk=event.details["document_id"],
        office_id=assignment.campaign.office_id,
        direction=Direction.INCOMING,
    ).first()


def answer_documents(assignments: Sequence[Assignment]) -> dict[int, Document]:
    """answer_document for many assignments (the campaign page), in two queries."""
    latest: dict[int, int] = {}
    for assignment_id, details in (
        AssignmentEvent.objects.filter(
            assignment__in=assignments, step=Step.SUBMIT, details__format=REPORT_FORMAT
        )
        .order_by("at", "pk")
        .values_list("assignment_id", "details")
    ):
        if isinstance(details.get("document_id"), int):
            latest[assignment_id] = details["document_id"]
    documents = Document.objects.in_bulk(set(latest.values()))
    return {assignment_id: documents[pk] for assignment_id, pk in latest.items() if pk in documents}


def tell_returned(user: User, assignment: Assignment, comment: str) -> None:
    """The Sở returned an answer that came by tonghop.report/1: a status message to the
    district's install, on the package it answered, carrying the comment. Called in the
    return's transaction."""
    document = answer_document(assignment)
    if document is None:
        return
    queue_status(document, StatusCode.REFUSED, f"{RETURNED_PREFIX}: {comment}", user)


def status_taken(document: Document, message: ExchangeMessage) -> None:
    """On the district's install: the Sở's status 02 about the district's issued report of a
    campaign below (a return, or a refusal at the door) reaches the office's staff with its
    words; the next issue of that campaign is a correction."""
    if message.status_code != StatusCode.REFUSED:
        return
    campaign = Campaign.objects.filter(compilations__document=document).first()
    if campaign is None or remote_of(campaign) is None:
        return
    staff = User.objects.filter(
        memberships__unit_id=document.office_id,
        memberships__role__in=Role.office_roles(),
        is_active=True,
    ).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "%(organ)s sent back your report %(reference)s for “%(title)s”: %(words)s. Issue a "
            "corrected report of %(slug)s."
        ) % {
            "organ": message.partner,
            "reference": document.reference(),
            "title": campaign.title,
            "words": message.description,
            "slug": campaign.slug,
        }
    where = reverse("documents:detail", args=[document.uid])
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(user=user, text=text[:1000], link=where, created_at=now) for user in staff
    )
    record(
        Action.DATA,
        actor=None,
        obj=campaign,
        details={
            "change": "report returned by the office above",
            "document": document.reference(),
            "status": message.status_code,
        },
    )
