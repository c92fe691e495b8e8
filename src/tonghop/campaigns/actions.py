"""Creating campaigns, their forms and templates, and handing them to units.

Every change here is one function, in one transaction; a refusal is an ActionError whose str()
is a sentence for the person who asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.campaigns import unit_import, unit_table
from tonghop.campaigns.form_models import FormRule, FormTemplate, Indicator
from tonghop.campaigns.models import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignStatus,
    CampaignStep,
    UnitImport,
)
from tonghop.documents.channel import StatusCode, queue_status
from tonghop.documents.models import Document
from tonghop.orgs.models import Unit, UnitKind, User


class ActionError(errors.Refused):
    """A refused change. str() is a sentence for the person who asked for it."""


class StaleCampaign(ActionError, errors.Stale):
    pass


_STEP_AUDIT = {
    CampaignStep.CLOSE: Action.CLOSE,
    CampaignStep.REOPEN: Action.REOPEN,
    CampaignStep.ARCHIVE: Action.ARCHIVE,
}


def change_status(
    user: User, campaign_id: int, step: CampaignStep, *, expected_version: int | None = None
) -> Campaign:
    """Close, reopen or archive a campaign (CAMPAIGN_TRANSITIONS), as the office's staff.

    A closed campaign takes no more submissions or changes of reports (reports.actions), and
    sends no reminders (the reminder scheduler and the outbox check the status before sending)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("office").get(pk=campaign_id)
        if not user.is_active or not user.has_office_role(campaign.office):
            raise ActionError(_("Only the office's staff can close or reopen this campaign."))
        before = CampaignStatus(campaign.status)
        after = CAMPAIGN_TRANSITIONS.get((before, step))
        if after is None:
            raise ActionError(
                _("This is not possible for this campaign now (it is %(state)s).")
                % {"state": before.label.lower()}
            )
        if expected_version is not None and campaign.version != expected_version:
            raise StaleCampaign(
                _(
                    "This campaign changed after you opened it (it is now %(state)s). Nothing "
                    "was done; the page shows the current state."
                )
                % {"state": before.label.lower()}
            )
        campaign.status = after
        campaign.version += 1
        campaign.save(update_fields=["status", "version"])
        record(
            _STEP_AUDIT[step],
            actor=user,
            obj=campaign,
            details={"from": before.value, "to": after.value},
        )
        source = campaign.source_document
        if step == CampaignStep.CLOSE and source is not None and source.exchange_id:
            # The agency that sent the directive learns the office has finished with it.
            queue_status(source, StatusCode.DONE, staff=user)
        return campaign


def close_campaign(
    user: User, campaign_id: int, *, expected_version: int | None = None
) -> Campaign:
    return change_status(user, campaign_id, CampaignStep.CLOSE, expected_version=expected_version)


def reopen_campaign(
    user: User, campaign_id: int, *, expected_version: int | None = None
) -> Campaign:
    return change_status(user, campaign_id, CampaignStep.REOPEN, expected_version=expected_version)


def archive_campaign(
    user: User, campaign_id: int, *, expected_version: int | None = None
) -> Campaign:
    return change_status(user, campaign_id, CampaignStep.ARCHIVE, expected_version=expected_version)


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    label: str
    kind: str
    aggregation: str
    section: str = ""
    unit_of_measure: str = ""
    required: bool = False
    help_text: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    # Attributes of Indicator this class does not name (fields added to the model later):
    # carried as they are, so copying a form or a template loses none of them.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def model_attributes(self) -> dict[str, Any]:
        named = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**self.extra, **named}


@dataclass(frozen=True)
class CampaignSpec:
    slug: str
    title: str
    due_at: dt.datetime
    description: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    report_to: str = ""
    report_to_email: str = ""
    report_to_organ_id: str = ""
    report_symbol: str = ""
    indicators: Sequence[IndicatorSpec] = field(default_factory=tuple)
    # The form's rules across fields, as rule_attributes() writes them.
    rules: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def _indicator_fields() -> dict[str, models.Field[Any, Any]]:
    """The attributes that make an indicator, read from the model: everything but its key,
    its campaign (or any other link, which would point into the old campaign) and its place."""
    return {
        f.name: f
        for f in Indicator._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name != "order"
    }


def indicator_attributes(indicator: Indicator) -> dict[str, Any]:
    return {name: f.value_from_object(indicator) for name, f in _indicator_fields().items()}


def attributes_to_json(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Indicator attributes as JSON can hold them (a template's list)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date | dt.datetime | dt.time):
            return value.isoformat()
        return value

    return {name: plain(value) for name, value in attributes.items()}


def spec_from_attributes(attributes: Mapping[str, Any]) -> IndicatorSpec:
    """An IndicatorSpec from stored attributes, checked as the model checks an indicator.

    Attributes the model no longer has are dropped; missing ones take the model's default.
    Raises ActionError when the item could not be a valid indicator.
    """
    model_fields = _indicator_fields()
    values: dict[str, Any] = {}
    for name, model_field in model_fields.items():
        if name in attributes and attributes[name] is not None:
            try:
                values[name] = model_field.to_python(attributes[name])
            except ValidationError:
                raise _damaged(attributes) from None
        elif model_field.null:
            values[name] = None
        elif model_field.has_default():
            values[name] = model_field.get_default()
        else:
            values[name] = "" if isinstance(model_field, models.CharField) else None
    try:
        Indicator(**values).full_clean(exclude=["campaign"], validate_unique=False)
    except ValidationError:
        raise _damaged(attributes) from None
    named = {f.name for f in fields(IndicatorSpec)} - {"extra"}
    return IndicatorSpec(
        **{name: values[name] for name in named},
        extra={name: value for name, value in values.items() if name not in named},
    )


def _damaged(attributes: Mapping[str, Any]) -> ActionError:
    return ActionError(
        _("The indicator “%(code)s” of this form is damaged and cannot be used.")
        % {"code": str(attributes.get("code", "?"))[:40]}
    )


def specs_from_campaign(campaign: Campaign) -> tuple[IndicatorSpec, ...]:
    """A campaign's form, in order, with every attribute of every indicator."""
    return tuple(
        spec_from_attributes(indicator_attributes(indicator))
        for indicator in campaign.indicators.order_by("order", "pk")
    )


def specs_from_template(template: FormTemplate) -> tuple[IndicatorSpec, ...]:
    items = template.indicators
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ActionError(_("This template's form is damaged and cannot be used."))
    specs = tuple(spec_from_attributes(item) for item in items)
    if len({spec.code for spec in specs}) != len(specs):
        raise ActionError(_("This template's form names one indicator code twice."))
    return specs


def _rule_fields() -> dict[str, models.Field[Any, Any]]:
    """What makes a rule across fields, read from the model: links to indicators are kept as
    the indicators' codes, so the rule can be laid on another campaign's copy of the form."""
    return {
        f.name: f
        for f in FormRule._meta.concrete_fields
        if not f.primary_key and (not f.is_relation or f.related_model is Indicator)
    }


def rule_attributes(rule: FormRule) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, model_field in _rule_fields().items():
        if model_field.is_relation:
            linked = getattr(rule, name)
            found[name] = linked.code if linked is not None else None
        else:
            found[name] = model_field.value_from_object(rule)
    return found


def rules_of(campaign: Campaign) -> tuple[dict[str, Any], ...]:
    return tuple(rule_attributes(rule) for rule in campaign.rules.order_by("order", "pk"))


def rules_of_template(template: FormTemplate) -> tuple[dict[str, Any], ...]:
    items = template.rules
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ActionError(_("This template's form is damaged and cannot be used."))
    return tuple(items)


def _create_rules(campaign: Campaign, rules: Sequence[Mapping[str, Any]]) -> None:
    by_code = {indicator.code: indicator for indicator in campaign.indicators.all()}
    for attributes in rules:
        rule = FormRule(campaign=campaign)
        for name, model_field in _rule_fields().items():
            value = attributes.get(name)
            if model_field.is_relation:
                if value is not None and str(value) not in by_code:
                    raise _damaged_rule()
                setattr(rule, name, by_code.get(str(value)) if value is not None else None)
            elif value is not None:
                try:
                    setattr(rule, model_field.attname, model_field.to_python(value))
                except ValidationError:
                    raise _damaged_rule() from None
        try:
            rule.full_clean()
        except ValidationError:
            raise _damaged_rule() from None
        rule.save()


def _damaged_rule() -> ActionError:
    return ActionError(_("A rule across fields of this form is damaged and cannot be used."))


@transaction.atomic
def new_campaign(
    office: Unit,
    spec: CampaignSpec,
    *,
    by: User | None,
    source_document: Document | None = None,
    status: CampaignStatus = CampaignStatus.OPEN,
) -> Campaign:
    """Create a campaign with its form and rules. Handing it to units is
    tonghop.reports.assigning.create_campaign, which calls this in its transaction."""
    campaign = Campaign.objects.create(
        office=office,
        slug=spec.slug,
        title=spec.title,
        description=spec.description,
        source_document=source_document,
        period_start=spec.period_start,
        period_end=spec.period_end,
        due_at=spec.due_at,
        status=status,
        report_to=spec.report_to,
        report_to_email=spec.report_to_email,
        report_to_organ_id=spec.report_to_organ_id,
        report_symbol=spec.report_symbol,
        created_by=by,
    )
    known = _indicator_fields()
    Indicator.objects.bulk_create(
        Indicator(
            campaign=campaign,
            order=position,
            **{k: v for k, v in item.model_attributes().items() if k in known},
        )
        for position, item in enumerate(spec.indicators, start=1)
    )
    if spec.rules:
        _create_rules(campaign, spec.rules)
    return campaign


def spec_from_form(
    data: dict[str, object],
    indicators: Sequence[IndicatorSpec],
    rules: Sequence[Mapping[str, Any]] = (),
) -> CampaignSpec:
    def text(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    due = data["due_at"]
    assert isinstance(due, dt.datetime)
    start, end = data.get("period_start"), data.get("period_end")
    return CampaignSpec(
        slug=text("slug"),
        title=text("title"),
        due_at=due,
        description=text("description"),
        period_start=start if isinstance(start, dt.date) else None,
        period_end=end if isinstance(end, dt.date) else None,
        report_to=text("report_to"),
        report_to_email=text("report_to_email"),
        report_to_organ_id=text("report_to_organ_id"),
        report_symbol=text("report_symbol"),
        indicators=tuple(indicators),
        rules=tuple(rules),
    )


# --- Form templates ---------------------------------------------------------------------------

MAX_TEMPLATE_NAME = 200


def _check_template_name(office: Unit, name: str, *, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ActionError(_("Give the template a name."))
    if len(name) > MAX_TEMPLATE_NAME:
        raise ActionError(_("The name is too long: at most 200 characters."))
    taken = FormTemplate.objects.active().filter(office=office, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ActionError(_("The office already has a template named “%(name)s”.") % {"name": name})
    return name


@transaction.atomic
def save_template(campaign: Campaign, name: str, description: str, *, by: User) -> FormTemplate:
    """Keep a campaign's form as a template of its office."""
    name = _check_template_name(campaign.office, name)
    template = FormTemplate.objects.create(
        office=campaign.office,
        name=name,
        description=description.strip()[:2000],
        indicators=[
            attributes_to_json(indicator_attributes(indicator))
            for indicator in campaign.indicators.order_by("order", "pk")
        ],
        rules=[attributes_to_json(rule) for rule in rules_of(campaign)],
        created_by=by,
    )
    record(
        Action.DATA,
        actor=by,
        obj=template,
        details={"change": "template saved", "campaign": campaign.slug},
    )
    return template


@transaction.atomic
def rename_template(template_pk: int, name: str, description: str, *, by: User) -> FormTemplate:
    template = FormTemplate.objects.select_for_update().get(pk=template_pk)
    template.name = _check_template_name(template.office, name, exclude=template.pk)
    template.description = description.strip()[:2000]
    template.save(update_fields=["name", "description"])
    record(Action.DATA, actor=by, obj=template, details={"change": "template renamed"})
    return template


@transaction.atomic
def set_template_active(template_pk: int, active: bool, *, by: User) -> FormTemplate:
    """Retire a template (it is no longer offered, but kept) or take it back into use."""
    template = FormTemplate.objects.select_for_update().get(pk=template_pk)
    if active and not template.is_active:
        _check_template_name(template.office, template.name, exclude=template.pk)
    template.is_active = active
    template.save(update_fields=["is_active"])
    change = "template restored" if active else "template retired"
    record(Action.DATA, actor=by, obj=template, details={"change": change})
    return template


# --- The units of an open campaign ------------------------------------------------------------


# --- Unit lists from a file -------------------------------------------------------------------

# A preview not confirmed within this time must be uploaded again.
UNIT_IMPORT_TTL = dt.timedelta(hours=6)


def known_units(office: Unit, codes: Iterable[str]) -> dict[str, unit_import.KnownUnit]:
    """The snapshot a plan needs: the office's whole tree, and any other unit the list names
    (so that a code of another office's tree is refused instead of taken)."""
    tree = [office, *office.descendants()]
    by_pk = {unit.pk: unit for unit in tree}

    def parent_code(unit: Unit) -> str:
        if unit.pk == office.pk or unit.parent_id == office.pk or unit.parent_id is None:
            return ""
        parent = by_pk.get(unit.parent_id)
        return parent.code.lower() if parent is not None else ""

    known = {
        unit.code.lower(): unit_import.KnownUnit(
            code=unit.code.lower(),
            name=unit.name,
            kind=unit.kind,
            parent_code=parent_code(unit),
            email=unit.email,
            contact=unit.contact_name,
            phone=unit.contact_phone,
            is_active=unit.is_active,
        )
        for unit in tree
    }
    outside = set(codes) - set(known)
    for unit in (
        Unit.objects.annotate(lower_code=Lower("code"))
        .filter(lower_code__in=outside)
        .exclude(pk__in=by_pk)
    ):
        known[unit.code.lower()] = unit_import.KnownUnit(
            code=unit.code.lower(), name="", kind=unit.kind, parent_code="", in_tree=False
        )
    return known


def plan_unit_import(unit_list: UnitImport) -> unit_import.Plan:
    """What confirming a stored unit list would do now, against the units as they are now."""
    rows = [unit_table.ImportedRow.from_dict(item) for item in unit_list.rows]
    assigned: set[str] = set()
    if unit_list.campaign_id is not None:
        assigned = {
            code.lower()
            for code in Campaign.objects.get(pk=unit_list.campaign_id)
            .assignments.active()
            .values_list("unit__code", flat=True)
        }
    return unit_import.plan_import(
        rows,
        unit_list.office.code,
        known_units(unit_list.office, unit_import.codes_named(rows)),
        assigned,
        unit_list.ignored_columns,
    )


@transaction.atomic
def store_unit_import(
    office: Unit,
    table: unit_table.Table,
    file_name: str,
    *,
    by: User,
    campaign: Campaign | None = None,
) -> tuple[UnitImport, unit_import.Plan]:
    """Keep a list read from a file until it is confirmed, and plan it."""
    # Old previews are of no use to anyone: clear them as new ones come.
    UnitImport.objects.filter(created_at__lt=timezone.now() - UNIT_IMPORT_TTL).delete()
    unit_list = UnitImport.objects.create(
        office=office,
        campaign=campaign,
        created_by=by,
        file_name=file_name[:255],
        rows=[row.as_dict() for row in table.rows],
        ignored_columns=list(table.ignored),
    )
    plan = plan_unit_import(unit_list)
    unit_list.digest = plan.digest()
    unit_list.save(update_fields=["digest"])
    return unit_list, plan


def usable_unit_import(uid: str, by: User, office: Unit, campaign: Campaign | None) -> UnitImport:
    """The stored list `uid` if this person may confirm it here, else ActionError."""
    try:
        found = UnitImport.objects.filter(
            uid=uid, created_by=by, office=office, campaign=campaign, applied_at__isnull=True
        ).first()
    except ValidationError:  # not a UUID: a page sent back by hand
        found = None
    if found is None or found.created_at < timezone.now() - UNIT_IMPORT_TTL:
        raise ActionError(_("This unit list is no longer available: send the file again."))
    return found


class UnitListChanged(ActionError):
    """The units changed between the preview and the confirmation."""

    def __init__(self, plan: unit_import.Plan) -> None:
        super().__init__(
            _("The units changed since the preview. Check the list again, then confirm.")
        )
        self.plan = plan


def apply_unit_import(
    unit_list: UnitImport, *, by: User | None, expected_digest: str = ""
) -> list[Unit]:
    """Create and update the units of a previewed list; return every unit it names usably.

    The plan is made again against the units as they are now; when it is not the one the
    person saw (`expected_digest`, sent back by the page that showed it; by default the
    digest of the first preview), nothing is done.
    """
    with transaction.atomic():
        locked = UnitImport.objects.select_for_update().get(pk=unit_list.pk)
        if locked.applied_at is not None:
            raise ActionError(_("This unit list was already confirmed."))
        plan = plan_unit_import(locked)
        if plan.digest() != (expected_digest or locked.digest):
            raise UnitListChanged(plan)
        try:
            units = _apply_plan(locked.office, plan)
        except IntegrityError:
            raise ActionError(
                _("A unit with one of these codes was created meanwhile: send the file again.")
            ) from None
        locked.applied_at = timezone.now()
        locked.save(update_fields=["applied_at"])
        created = [row.code for row in plan.usable if row.action == unit_import.RowAction.CREATE]
        updated = [row.code for row in plan.usable if row.action == unit_import.RowAction.UPDATE]
        if created or updated:
            record(
                Action.DATA,
                actor=by,
                obj=locked.office,
                details={
                    "change": "unit list imported",
                    "file": locked.file_name,
                    "created": created,
                    "updated": updated,
                },
            )
    return units


def _levels(pending: Mapping[str, unit_import.PlannedRow]) -> list[list[unit_import.PlannedRow]]:
    """New units by depth below the units that exist already: each level's parents exist once
    the levels before it are written."""
    depth: dict[str, int] = {}
    for row in pending.values():
        chain: list[str] = []
        current: unit_import.PlannedRow | None = row
        while current is not None and current.code not in depth:
            if len(chain) > len(pending):  # the plan refuses loops; never trust that blindly
                raise ActionError(_("The list places units under each other in a loop."))
            chain.append(current.code)
            current = pending.get(current.parent) if current.parent else None
        below = depth[current.code] + 1 if current is not None else 0
        for code in reversed(chain):
            depth[code] = below
            below += 1
    levels: list[list[unit_import.PlannedRow]] = [
        [] for _level in range(max(depth.values(), default=-1) + 1)
    ]
    for code, row in pending.items():
        levels[depth[code]].append(row)
    return levels


FIELD_ATTRIBUTE = {
    "name": "name",
    "kind": "kind",
    "email": "email",
    "contact": "contact_name",
    "phone": "contact_phone",
}


def _apply_plan(office: Unit, plan: unit_import.Plan) -> list[Unit]:
    rows = plan.usable
    codes = {row.code for row in rows} | {row.parent for row in rows if row.parent}
    units = {
        unit.code.lower(): unit
        for unit in Unit.objects.annotate(lower_code=Lower("code")).filter(lower_code__in=codes)
    }
    pending = {row.code: row for row in rows if row.action == unit_import.RowAction.CREATE}
    # New units go in level by level, parents first (a parent may itself be a new unit further
    # down the file): one INSERT per level, so a flat list of 5,000 units is one statement.
    for level in _levels(pending):
        created = Unit.objects.bulk_create(
            Unit(
                code=row.code,
                name=row.name,
                kind=row.kind or UnitKind.OTHER,
                parent=units[row.parent] if row.parent else office,
                email=row.email,
                contact_name=row.contact,
                contact_phone=row.phone,
            )
            for row in level
        )
        if any(unit.pk is None for unit in created):  # a database that returns no keys
            created = list(Unit.objects.filter(code__in=[row.code for row in level]))
        units.update({unit.code: unit for unit in created})
    for row in rows:
        if row.action != unit_import.RowAction.UPDATE:
            continue
        unit = units[row.code]
        for change in row.changes:
            if change.field == "parent":
                unit.parent = units[change.new] if change.new else office
            elif change.field == "is_active":
                unit.is_active = True
            else:
                setattr(unit, FIELD_ATTRIBUTE[change.field], change.new)
        unit.save()
    return [units[row.code] for row in rows]
