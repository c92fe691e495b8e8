"""Changing a campaign's form: its indicators and its rules across fields.

Every change is one transaction on the locked campaign, by a specialist, head or administrator
of the campaign's office. A change that would break a report already saved or submitted is
refused with a sentence saying why: removing a field that has answers, changing its kind,
removing or renaming an option in use, bounds that an answer falls outside. Once any report is
saved, every change writes a new FormVersion (version 1, the form as the campaign started, is
written first), so what a unit answered can always be read against the form it saw.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.campaigns import kinds
from tonghop.campaigns.form_models import FormRule, FormVersion, Indicator, loose
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import User

Direction = Literal["up", "down"]

# Kind changes that keep every stored answer valid and its meaning: allowed even with answers.
WIDENINGS = {
    (IndicatorKind.INTEGER.value, IndicatorKind.DECIMAL.value),
    (IndicatorKind.TEXT.value, IndicatorKind.LONG_TEXT.value),
}
# What a change to these attributes of a field is called in a version's summary.
DESCRIBED = (
    "label",
    "section",
    "kind",
    "unit_of_measure",
    "required",
    "min_value",
    "max_value",
    "help_text",
    "aggregation",
    "choices",
)


class FormChangeRefused(errors.Refused):
    """A refused change of the form. str() is a sentence for the person who asked for it."""


class NotAllowed(FormChangeRefused, errors.NotAllowed):
    pass


class InvalidDefinition(FormChangeRefused, errors.Invalid):
    """The new definition does not hold together; `errors` maps form fields to sentences."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("The form has errors; nothing was changed. See the marked fields."))
        self.errors = errors


@dataclass(frozen=True)
class IndicatorFields:
    """What the office sets on a field of the form (its code is set once, when it is added)."""

    label: str
    kind: str
    aggregation: str
    section: str = ""
    unit_of_measure: str = ""
    required: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    help_text: str = ""
    choices: Sequence[str] = ()


@dataclass(frozen=True)
class RuleFields:
    """A rule as the office writes it: fields by code, values as typed (read by each field's
    kind: "1.250", "có", "05/5/2025")."""

    then_code: str
    then_op: str
    message: str
    then_value: str = ""
    then_other_code: str = ""
    if_code: str = ""
    if_op: str = ""
    if_value: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a change did: the version it wrote (None before any report is in) and what the
    office should know about it."""

    summary: str
    version: FormVersion | None = None
    notices: tuple[str, ...] = field(default_factory=tuple)


# Access and versions.


def _lock(user: User, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().select_related("office").get(pk=campaign_id)
    if not user.is_active or not user.has_office_role(campaign.office):
        raise NotAllowed(_("You are not allowed to change this form."))
    if campaign.is_ended:
        raise FormChangeRefused(_("This campaign is closed; its form can no longer be changed."))
    return campaign


def _campaign_of(model: type[Indicator] | type[FormRule], pk: int) -> int:
    found = model.objects.filter(pk=pk).values_list("campaign_id", flat=True).first()
    return _gone_if_none(found)


def _gone_if_none[T](found: T | None) -> T:
    if found is None:
        raise FormChangeRefused(
            _("This was removed meanwhile; the page shows the form as it is now.")
        )
    return found


def _is_versioned(campaign: Campaign) -> bool:
    """Whether changes are versioned: once any report is saved (and ever after)."""
    return (
        campaign.assignments.filter(report__isnull=False).exists()
        or FormVersion.objects.filter(campaign=campaign).exists()
    )


def snapshot(campaign: Campaign) -> dict[str, Any]:
    """The form as it stands: its indicators and rules, as plain JSON."""
    indicators = [
        {
            "code": i.code,
            "label": i.label,
            "section": i.section,
            "kind": i.kind,
            "unit_of_measure": i.unit_of_measure,
            "required": i.required,
            "min_value": _decimal_text(i.min_value),
            "max_value": _decimal_text(i.max_value),
            "help_text": i.help_text,
            "aggregation": i.aggregation,
            "choices": list(i.choices or []),
            "order": i.order,
        }
        for i in campaign.indicators.order_by("order", "pk")
    ]
    rules = [
        {
            "if": rule.if_indicator.code if rule.if_indicator else None,
            "if_op": rule.if_op,
            "if_value": rule.if_value,
            "then": rule.then_indicator.code,
            "then_op": rule.then_op,
            "then_value": rule.then_value,
            "then_other": rule.then_other.code if rule.then_other else None,
            "message": rule.message,
            "text": rule.describe(),
        }
        for rule in _rules(campaign)
    ]
    return {"indicators": indicators, "rules": rules}


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _rules_query(campaign: Campaign) -> QuerySet[FormRule]:
    return FormRule.objects.filter(campaign=campaign).select_related(
        "if_indicator", "then_indicator", "then_other"
    )


def _rules(campaign: Campaign) -> list[FormRule]:
    return list(_rules_query(campaign))


def _write_first_version(campaign: Campaign, start: dict[str, Any]) -> None:
    """Version 1, the form as the campaign started. It carries the campaign's creation time, so
    every submission made before the first change finds it."""
    FormVersion.objects.create(
        campaign=campaign,
        number=1,
        snapshot=start,
        summary=_("The form as the campaign started."),
        created_by=campaign.created_by,
        created_at=campaign.created_at,
    )


def _record(campaign: Campaign, user: User, summary: str, now: dt.datetime) -> FormVersion:
    latest = FormVersion.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0
    return FormVersion.objects.create(
        campaign=campaign,
        number=latest + 1,
        snapshot=snapshot(campaign),
        summary=summary,
        created_by=user,
        created_at=now,
    )


class _Change:
    """The frame of every change: lock and check, take the form as it stands if version 1 is
    still to be written, change, then write version 1 and the new version (only for a change
    that changed something, once reports are in)."""

    def __init__(self, user: User, campaign_id: int, now: dt.datetime | None) -> None:
        self.user = user
        self.campaign = _lock(user, campaign_id)
        self.now = now or timezone.now()
        self.versioned = _is_versioned(self.campaign)
        self.start: dict[str, Any] | None = None
        if self.versioned and not FormVersion.objects.filter(campaign=self.campaign).exists():
            self.start = snapshot(self.campaign)

    def done(self, summary: str, notices: Sequence[str] = ()) -> Outcome:
        # Every server process keeps the form it read under this key: a new one retires it.
        Campaign.objects.filter(pk=self.campaign.pk).update(form_key=uuid.uuid4())
        if not self.versioned:
            return Outcome(summary, None, tuple(notices))
        if self.start is not None:
            _write_first_version(self.campaign, self.start)
        version = _record(self.campaign, self.user, summary, self.now)
        return Outcome(summary, version, tuple(notices))


def version_for(campaign: Campaign, moment: dt.datetime) -> FormVersion | None:
    """The form version a report submitted at `moment` was written against: the latest version
    created at or before it. None when the form never changed after reports came in (the
    current form is then the one every unit saw)."""
    versions = FormVersion.objects.filter(campaign=campaign)
    return versions.at(moment) or versions.order_by("number").first()


# What reports already hold.


def _answers(campaign: Campaign, code: str) -> Iterator[tuple[int, Any]]:
    """(report id, answer) for every non-blank answer to `code`, in the current reports and in
    every submitted version. Read as plain values: a province's campaign has 10,000 reports."""
    # Through the campaign's assignments: the reports are tonghop.reports' models, read here
    # by their relations only.
    current = campaign.assignments.filter(report__isnull=False).values_list(
        "report__pk", "report__values"
    )
    submitted = campaign.assignments.filter(report__versions__isnull=False).values_list(
        "report__pk", "report__versions__values"
    )
    for queryset in (current, submitted):
        for report_id, values in queryset.iterator(chunk_size=2000):
            if isinstance(values, dict) and not kinds.is_blank(values.get(code)):
                yield report_id, values[code]


def _check_answers_still_fit(indicator: Indicator, old_kind: str) -> None:
    """Refuse the new definition if any answer already saved would no longer be accepted."""
    answers = list(_answers(indicator.campaign, indicator.code))
    if not answers:
        return
    reports = len({report_id for report_id, _value in answers})
    if indicator.kind != old_kind and (old_kind, indicator.kind) not in WIDENINGS:
        raise FormChangeRefused(
            _(
                "“%(label)s” already has answers in %(count)s reports, so its kind cannot be "
                "changed. Add a new field instead."
            )
            % {"label": indicator.label, "count": reports}
        )
    # Checked as a draft is: the required flag applies to later submissions only.
    definition = loose(indicator, keep_bounds=True)
    misfits = []
    for _report_id, value in answers:
        try:
            kinds.clean(definition, value)
        except ValidationError:
            misfits.append(value)
        else:
            # An answer stores the option's exact label: "triển lãm" renamed "Triển Lãm" would
            # still read, but no longer be counted under its option.
            if indicator.kind == IndicatorKind.CHOICE and value not in indicator.choices:
                misfits.append(value)
    if not misfits:
        return
    if indicator.kind == IndicatorKind.CHOICE:
        options = sorted({str(value) for value in misfits})
        raise FormChangeRefused(
            _(
                "The option “%(option)s” of “%(label)s” is already chosen in reports; an "
                "option in use cannot be removed or renamed."
            )
            % {"option": options[0], "label": indicator.label}
        )
    if indicator.is_numeric:
        numbers = [kinds.comparable(IndicatorKind.DECIMAL, value) for value in misfits]
        found = sorted(n for n in numbers if isinstance(n, Decimal))
        if found:
            raise FormChangeRefused(
                _(
                    "%(count)s answers already saved for “%(label)s” fall outside the new "
                    "bounds (from %(lowest)s to %(highest)s); keep the bounds wide enough."
                )
                % {
                    "count": len(misfits),
                    "label": indicator.label,
                    "lowest": format(found[0].normalize(), "f"),
                    "highest": format(found[-1].normalize(), "f"),
                }
            )
    raise FormChangeRefused(
        _("%(count)s answers already saved for “%(label)s” would no longer be accepted.")
        % {"count": len(misfits), "label": indicator.label}
    )


def _check_rules_still_hold(campaign: Campaign, indicator: Indicator) -> None:
    for rule in _rules(campaign):
        if indicator.pk not in (rule.if_indicator_id, rule.then_indicator_id, rule.then_other_id):
            continue
        try:
            rule.full_clean()
        except ValidationError:
            raise FormChangeRefused(
                _(
                    "The rule “%(rule)s” would no longer make sense after this change; change "
                    "or remove the rule first."
                )
                % {"rule": rule.describe()}
            ) from None


def _validate(obj: Indicator | FormRule) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise InvalidDefinition(
            {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
        ) from None


# Indicators.


def suggest_code(campaign: Campaign, label: str) -> str:
    """A code for a new field from its label: "Lượt người tham gia" -> luot_nguoi_tham_gia."""
    text = unicodedata.normalize("NFC", label).replace("đ", "d").replace("Đ", "D")
    base = slugify(text).replace("-", "_")[:36].strip("_") or "chi_tieu"
    taken = set(campaign.indicators.values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _apply(indicator: Indicator, fields: IndicatorFields) -> None:
    indicator.label = fields.label.strip()
    indicator.kind = fields.kind
    indicator.aggregation = fields.aggregation
    indicator.section = fields.section.strip()
    indicator.unit_of_measure = fields.unit_of_measure.strip()
    indicator.required = fields.required
    indicator.min_value = fields.min_value
    indicator.max_value = fields.max_value
    indicator.help_text = fields.help_text.strip()
    indicator.choices = list(fields.choices)


def _verbose_name(name: str) -> str:
    model_field = Indicator._meta.get_field(name)
    return str(getattr(model_field, "verbose_name", name))


def _required_notice(indicator: Indicator) -> str:
    return _(
        "“%(label)s” is required from now on: this applies to later submissions; reports "
        "already submitted are not changed."
    ) % {"label": indicator.label}


def add_indicator(
    user: User,
    campaign_id: int,
    code: str,
    fields: IndicatorFields,
    *,
    now: dt.datetime | None = None,
) -> Outcome:
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        campaign = change.campaign
        code = (code or "").strip() or suggest_code(campaign, fields.label)
        if campaign.indicators.filter(code=code).exists():
            raise InvalidDefinition(
                {
                    "code": [
                        _("Another field of this form has the code “%(code)s”.") % {"code": code}
                    ]
                }
            )
        last = campaign.indicators.aggregate(n=Max("order"))["n"] or 0
        indicator = Indicator(campaign=campaign, code=code, order=last + 1)
        _apply(indicator, fields)
        _validate(indicator)
        indicator.save()
        notices = [_required_notice(indicator)] if change.versioned and indicator.required else []
        return change.done(_("Added the field “%(label)s”.") % {"label": indicator.label}, notices)


def change_indicator(
    user: User, indicator_id: int, fields: IndicatorFields, *, now: dt.datetime | None = None
) -> Outcome:
    campaign_id = _campaign_of(Indicator, indicator_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        indicator = _gone_if_none(change.campaign.indicators.filter(pk=indicator_id).first())
        before = {name: getattr(indicator, name) for name in DESCRIBED}
        _apply(indicator, fields)
        _validate(indicator)
        changed = [name for name in DESCRIBED if getattr(indicator, name) != before[name]]
        if not changed:
            return Outcome(_("Nothing was changed."))
        if {"kind", "min_value", "max_value", "choices"} & set(changed):
            _check_answers_still_fit(indicator, str(before["kind"]))
        indicator.save()
        _check_rules_still_hold(change.campaign, indicator)
        notices = []
        if change.versioned and indicator.required and not before["required"]:
            notices.append(_required_notice(indicator))
        what = ", ".join(_verbose_name(name) for name in changed)
        summary = _("Changed the field “%(label)s”: %(what)s.") % {
            "label": indicator.label,
            "what": what,
        }
        return change.done(summary, notices)


def _move[T: (Indicator, FormRule)](items: list[T], pk: int, direction: Direction) -> T | None:
    """Move one item a place up or down and number them all again; None at the edge."""
    index = next(i for i, item in enumerate(items) if item.pk == pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return None
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items[other]


def _renumber(items: Sequence[Indicator | FormRule]) -> None:
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])


def move_indicator(
    user: User, indicator_id: int, direction: Direction, *, now: dt.datetime | None = None
) -> Outcome:
    campaign_id = _campaign_of(Indicator, indicator_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        moved = _move(list(change.campaign.indicators.all()), indicator_id, direction)
        if moved is None:
            return Outcome(_("Nothing was changed."))
        template = (
            _("Moved the field “%(label)s” up.")
            if direction == "up"
            else _("Moved the field “%(label)s” down.")
        )
        return change.done(template % {"label": moved.label})


def remove_indicator(user: User, indicator_id: int, *, now: dt.datetime | None = None) -> Outcome:
    campaign_id = _campaign_of(Indicator, indicator_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        indicator = _gone_if_none(change.campaign.indicators.filter(pk=indicator_id).first())
        reports = {report_id for report_id, _value in _answers(change.campaign, indicator.code)}
        if reports:
            raise FormChangeRefused(
                _("“%(label)s” already has answers in %(count)s reports; it cannot be removed.")
                % {"label": indicator.label, "count": len(reports)}
            )
        for rule in _rules(change.campaign):
            if indicator.pk in (rule.if_indicator_id, rule.then_indicator_id, rule.then_other_id):
                raise FormChangeRefused(
                    _("The rule “%(rule)s” uses “%(label)s”; remove or change the rule first.")
                    % {"rule": rule.describe(), "label": indicator.label}
                )
        label = indicator.label
        indicator.delete()
        _renumber(list(change.campaign.indicators.all()))
        return change.done(_("Removed the field “%(label)s”.") % {"label": label})


# Rules across fields.


def _field(campaign: Campaign, code: str, form_field: str) -> Indicator | None:
    if not code:
        return None
    found = campaign.indicators.filter(code=code).first()
    if found is None:
        raise InvalidDefinition({form_field: [_("Choose a field of this form.")]})
    return found


def _constant(indicator: Indicator | None, text: str, form_field: str) -> object:
    """A value typed in a rule, read as the field reads an answer (without its bounds)."""
    if indicator is None or not text.strip():
        return None
    try:
        return kinds.clean(loose(indicator), text)
    except ValidationError as exc:
        raise InvalidDefinition({form_field: [str(m) for m in exc.messages]}) from None


def _apply_rule(rule: FormRule, campaign: Campaign, fields: RuleFields) -> None:
    rule.if_indicator = _field(campaign, fields.if_code, "if_indicator")
    then = _field(campaign, fields.then_code, "then_indicator")
    if then is None:
        raise InvalidDefinition({"then_indicator": [_("Choose the field the rule requires.")]})
    rule.then_indicator = then
    rule.then_other = _field(campaign, fields.then_other_code, "then_other")
    rule.if_op = fields.if_op if rule.if_indicator is not None else ""
    rule.then_op = fields.then_op
    rule.if_value = (
        _constant(rule.if_indicator, fields.if_value, "if_value")
        if rule.if_op not in kinds.PRESENCE_OPS
        else None
    )
    rule.then_value = (
        _constant(then, fields.then_value, "then_value")
        if fields.then_op not in kinds.PRESENCE_OPS
        else None
    )
    rule.message = fields.message.strip()


def _rule_notices(change: _Change) -> list[str]:
    if not change.versioned:
        return []
    return [
        _("Rules are checked when a unit submits; reports already submitted are not checked again.")
    ]


def add_rule(
    user: User, campaign_id: int, fields: RuleFields, *, now: dt.datetime | None = None
) -> Outcome:
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        last = FormRule.objects.filter(campaign=change.campaign).aggregate(n=Max("order"))["n"]
        rule = FormRule(campaign=change.campaign, order=(last or 0) + 1)
        _apply_rule(rule, change.campaign, fields)
        _validate(rule)
        rule.save()
        summary = _("Added the rule: %(rule)s.") % {"rule": rule.describe()}
        return change.done(summary, _rule_notices(change))


def change_rule(
    user: User, rule_id: int, fields: RuleFields, *, now: dt.datetime | None = None
) -> Outcome:
    campaign_id = _campaign_of(FormRule, rule_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        rule = _gone_if_none(_rules_query(change.campaign).filter(pk=rule_id).first())
        before = (rule.describe(), rule.message)
        _apply_rule(rule, change.campaign, fields)
        _validate(rule)
        if (rule.describe(), rule.message) == before:
            return Outcome(_("Nothing was changed."))
        rule.save()
        summary = _("Changed the rule: %(rule)s.") % {"rule": rule.describe()}
        return change.done(summary, _rule_notices(change))


def move_rule(
    user: User, rule_id: int, direction: Direction, *, now: dt.datetime | None = None
) -> Outcome:
    campaign_id = _campaign_of(FormRule, rule_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        moved = _move(_rules(change.campaign), rule_id, direction)
        if moved is None:
            return Outcome(_("Nothing was changed."))
        return change.done(_("Moved the rule: %(rule)s.") % {"rule": moved.describe()})


def remove_rule(user: User, rule_id: int, *, now: dt.datetime | None = None) -> Outcome:
    campaign_id = _campaign_of(FormRule, rule_id)
    with transaction.atomic():
        change = _Change(user, campaign_id, now)
        rule = _gone_if_none(_rules_query(change.campaign).filter(pk=rule_id).first())
        text = rule.describe()
        rule.delete()
        _renumber(_rules(change.campaign))
        return change.done(_("Removed the rule: %(rule)s.") % {"rule": text})
