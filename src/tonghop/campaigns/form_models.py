"""A campaign's form: its indicators (the fields), the rules across them, its versions, and the
templates an office keeps to start forms from. Imported into campaigns.models, where the rest of
the code finds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns import kinds
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.values import format_typed
from tonghop.orgs.models import Unit, User


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    COUNT = "count", _("Count of units answering")
    AVERAGE = "average", _("Average")
    LIST = "list", _("List")


class Indicator(models.Model):
    """One figure or answer each unit reports; the campaign's form is its indicators in order.

    What each kind accepts and stores is in kinds.py; change the form through formedit.py, which
    refuses changes that would break reports already in and keeps the versions."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=300)
    section = models.CharField(_("section"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=40, blank=True)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.DecimalField(
        _("minimum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    aggregation = models.CharField(
        _("how it is totalled"),
        max_length=10,
        choices=Aggregation.choices,
        help_text=_(
            "For yes/no, “count” is the number of units answering yes; for a choice, the "
            "number of units per option; for files, the number of files."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    # The options of a choice, in the order shown. The stored answer is the option's label, so
    # an option in use can be neither removed nor renamed (formedit refuses it).
    choices: models.JSONField[list[str]] = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="indicator_unique_code")
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.kind in kinds.NUMERIC_KINDS

    @property
    def is_file(self) -> bool:
        return self.kind == IndicatorKind.FILE

    MAX_NUMBER = kinds.MAX_NUMBER

    @property
    def bounds_text(self) -> str:
        """The bounds as the form page shows them ("≥ 1 ≤ 100"), empty when there are none."""
        bounds = (("≥", self.min_value), ("≤", self.max_value))
        return " ".join(
            f"{sign} {format(v.normalize(), 'f')}" for sign, v in bounds if v is not None
        )

    def clean(self) -> None:
        """The definition holds together: the totalling fits the kind, a choice has options,
        only numbers have bounds."""
        errors: dict[str, list[str]] = {}
        allowed = kinds.AGGREGATIONS.get(self.kind, ())
        if self.kind and self.aggregation and self.aggregation not in allowed:
            errors["aggregation"] = [
                gettext(
                    "A field of kind “%(kind)s” cannot be totalled as “%(how)s”; "
                    "choose: %(allowed)s."
                )
                % {
                    "kind": self.get_kind_display(),
                    "how": self.get_aggregation_display(),
                    "allowed": ", ".join(str(Aggregation(a).label) for a in allowed),
                }
            ]
        if self.kind == IndicatorKind.CHOICE:
            raw = self.choices if isinstance(self.choices, list) else []
            try:
                options = kinds.clean_options([str(item) for item in raw])
            except ValidationError as exc:
                errors["choices"] = list(exc.messages)
            else:
                if len(options) < 2:
                    errors["choices"] = [gettext("Give at least two options, one per line.")]
                self.choices = options
        else:
            # Options of a kind that has none would only confuse the snapshot and the export.
            self.choices = []
        if not self.is_numeric:
            if self.min_value is not None or self.max_value is not None:
                errors["min_value"] = [gettext("Only numbers have a minimum and a maximum.")]
        elif (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = [gettext("The maximum is below the minimum.")]
        if errors:
            raise ValidationError(errors)

    def clean_value(self, raw: object) -> kinds.Answer:
        """Turn what a person typed into the stored value, or raise a ValidationError.

        Numbers are stored as int (whole) or as a decimal string, never as float, so that
        totals are exact; see kinds.clean for the other kinds.
        """
        return kinds.clean(self, raw)

    def display_value(self, value: object) -> str:
        """An answer as a person reads it on a page: Có/Không, dd/mm/yyyy, a count of files."""
        if kinds.is_blank(value):
            return "-"
        if self.kind == IndicatorKind.YES_NO and isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if self.kind == IndicatorKind.DATE:
            try:
                return kinds.parse_date(str(value)).strftime("%d/%m/%Y")
            except ValidationError:
                return str(value)
        if self.kind in (IndicatorKind.INTEGER, IndicatorKind.DECIMAL):
            # As Vietnamese write figures (1.250; 68,5), every digit kept.
            return format_typed(value)
        if self.kind == IndicatorKind.FILE and isinstance(value, list):
            return ngettext("%(count)s file", "%(count)s files", len(value)) % {"count": len(value)}
        return str(value)


class RuleOp(models.TextChoices):
    EQ = kinds.EQ, "="
    NE = kinds.NE, "≠"
    GT = kinds.GT, ">"
    GE = kinds.GE, "≥"
    LT = kinds.LT, "<"
    LE = kinds.LE, "≤"
    FILLED = kinds.FILLED, _("is filled in")
    EMPTY = kinds.EMPTY, _("is left empty")


class FormRule(models.Model):
    """A rule across fields, checked when a unit submits (a draft may break it):

        if <field> <op> <value>, then <field> <op> <value or other field>

    Kept as structured fields and compared by kinds.holds, never evaluated as code. Without a
    condition the requirement always applies. The message is shown on the requirement's field.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="rules"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    # RESTRICT: a field a rule names cannot be deleted, except with its whole campaign.
    if_indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("if the field"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    if_op = models.CharField(_("condition"), max_length=8, choices=RuleOp.choices, blank=True)
    # Constants are stored as the field's own answers are (int, decimal string, bool, ...).
    if_value = models.JSONField(_("value"), null=True, blank=True)
    then_indicator = models.ForeignKey(
        Indicator, verbose_name=_("then the field"), on_delete=models.RESTRICT, related_name="+"
    )
    then_op = models.CharField(_("requirement"), max_length=8, choices=RuleOp.choices)
    then_value = models.JSONField(_("value"), null=True, blank=True)
    then_other = models.ForeignKey(
        Indicator,
        verbose_name=_("or the field"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    message = models.CharField(_("message shown to the unit"), max_length=300)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("rule across fields")
        verbose_name_plural = _("rules across fields")

    def __str__(self) -> str:
        return self.describe()

    def clean(self) -> None:
        """Refuse a rule that could never be checked: fields of another campaign, a comparison
        the kind does not have, a value the field would not accept."""
        errors: dict[str, list[str]] = {}

        def refuse(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        then = self.then_indicator if self.then_indicator_id else None
        fields = [f for f in (self.if_indicator, then, self.then_other) if f is not None]
        if any(f.campaign_id != self.campaign_id for f in fields):
            refuse("then_indicator", gettext("A rule can only name fields of this form."))
        if self.if_indicator is None:
            if self.if_op or self.if_value is not None:
                refuse("if_indicator", gettext("Choose the field of the condition."))
        else:
            if then is not None and self.if_indicator.pk == then.pk:
                refuse(
                    "if_indicator",
                    gettext("The condition and the requirement must name different fields."),
                )
            self._check_side("if", self.if_indicator, self.if_op, self.if_value, None, refuse)
        if then is not None:
            self._check_side("then", then, self.then_op, self.then_value, self.then_other, refuse)
        if not (self.message or "").strip():
            refuse("message", gettext("Write the message the unit sees when the rule is broken."))
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _check_side(
        side: str,
        field: Indicator,
        op: str,
        value: object,
        other: Indicator | None,
        refuse: Callable[[str, str], None],
    ) -> None:
        if op not in kinds.ops_for(field.kind):
            refuse(
                f"{side}_op",
                gettext("“%(op)s” cannot be used with a field of kind “%(kind)s”.")
                % {
                    "op": RuleOp(op).label if op in RuleOp.values else op or "-",
                    "kind": field.get_kind_display(),
                },
            )
            return
        if op in kinds.PRESENCE_OPS:
            if value is not None or other is not None:
                refuse(
                    f"{side}_value", gettext("“Is filled in” and “is left empty” take no value.")
                )
            return
        if other is not None:
            if value is not None:
                refuse(f"{side}_value", gettext("Compare with a value or with a field, not both."))
            elif other.pk == field.pk:
                refuse("then_other", gettext("Compare the field with another field."))
            elif not kinds.same_footing(field.kind, other.kind):
                refuse("then_other", gettext("These two fields cannot be compared."))
            return
        if kinds.is_blank(value):
            refuse(f"{side}_value", gettext("Give the value to compare with."))
            return
        try:
            kinds.clean(loose(field), value)
        except ValidationError as exc:
            refuse(f"{side}_value", " ".join(exc.messages))

    def applies(self, values: Mapping[str, object]) -> bool:
        if self.if_indicator is None:
            return True
        kind = self.if_indicator.kind
        return kinds.holds(
            self.if_op,
            kinds.comparable(kind, values.get(self.if_indicator.code)),
            kinds.comparable(kind, self.if_value),
        )

    def is_met(self, values: Mapping[str, object]) -> bool:
        kind = self.then_indicator.kind
        left = kinds.comparable(kind, values.get(self.then_indicator.code))
        if self.then_other is not None:
            right = kinds.comparable(self.then_other.kind, values.get(self.then_other.code))
        else:
            right = kinds.comparable(kind, self.then_value)
        return kinds.holds(self.then_op, left, right)

    def is_broken(self, values: Mapping[str, object]) -> bool:
        return self.applies(values) and not self.is_met(values)

    def describe(self) -> str:
        """The rule in words: “If Events held > 0, then People reached ≥ 1”."""
        then = self.then_indicator
        requirement = f"{then.label} {RuleOp(self.then_op).label}"
        if self.then_other is not None:
            requirement += f" {self.then_other.label}"
        elif self.then_op not in kinds.PRESENCE_OPS:
            requirement += f" {then.display_value(self.then_value)}"
        if self.if_indicator is None:
            return gettext("Always: %(requirement)s") % {"requirement": requirement}
        condition = f"{self.if_indicator.label} {RuleOp(self.if_op).label}"
        if self.if_op not in kinds.PRESENCE_OPS:
            condition += f" {self.if_indicator.display_value(self.if_value)}"
        return gettext("If %(condition)s, then %(requirement)s") % {
            "condition": condition,
            "requirement": requirement,
        }


@dataclass(frozen=True)
class _Loose:
    """A field's kind and options without its bounds or required flag: how a rule's constant
    is read ("reached > 0" is a fine rule on a field whose minimum is 1)."""

    kind: str
    choices: Sequence[str]
    required: bool = False
    min_value: Decimal | None = -kinds.MAX_NUMBER
    max_value: Decimal | None = None


def loose(field: Indicator, *, keep_bounds: bool = False) -> _Loose:
    """The field's definition with the required flag off, and without bounds unless kept."""
    if keep_bounds:
        return _Loose(
            field.kind, tuple(field.choices or ()), False, field.min_value, field.max_value
        )
    return _Loose(field.kind, tuple(field.choices or ()))


class FormVersionQuerySet(models.QuerySet["FormVersion"]):
    def at(self, moment: dt.datetime) -> FormVersion | None:
        """The version in force at `moment`: the latest created at or before it."""
        return self.filter(created_at__lte=moment).order_by("-number").first()


class FormVersion(models.Model):
    """The form as it stood after a change made once reports were in: its indicators and rules.

    Version 1 is the form as the campaign started (written, with the campaign's creation time,
    just before the first such change). A submission records nothing new: the version it was
    written against is the latest created before it (formedit.version_for)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="form_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    summary = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[FormVersionQuerySet] = FormVersionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="form_version_unique")
        ]
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")

    def __str__(self) -> str:
        return f"{self.campaign} · v{self.number}"


class FormTemplateQuerySet(models.QuerySet["FormTemplate"]):
    def for_office_staff(self, user: User) -> FormTemplateQuerySet:
        """Templates of the offices where the user holds an office role."""
        return self.filter(office__in=user.office_units())

    def active(self) -> FormTemplateQuerySet:
        return self.filter(is_active=True)


class FormTemplate(models.Model):
    """A form an office keeps to start campaigns from: its indicators as a JSON list.

    Each item holds the attributes of one Indicator (code, label, kind, ...) in order, written
    by campaigns.actions.indicator_attributes, so attributes added to Indicator later are kept;
    the form's rules across fields are kept the same way.
    The built-in forms of presets.py are not rows here: they come with the code.
    """

    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="form_templates")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    indicators: models.JSONField[list[dict[str, Any]]] = models.JSONField(
        _("indicators"), default=list, blank=True
    )
    # The rules across fields, each naming its fields by indicator code (actions.rule_attributes).
    rules: models.JSONField[list[dict[str, Any]]] = models.JSONField(
        _("rules across fields"), default=list, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A retired template is no longer offered for new campaigns; it is kept, not deleted.
    is_active = models.BooleanField(_("in use"), default=True)

    objects: ClassVar[FormTemplateQuerySet] = FormTemplateQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"],
                condition=Q(is_active=True),
                name="form_template_unique_active_name",
            )
        ]
        verbose_name = _("form template")
        verbose_name_plural = _("form templates")

    def __str__(self) -> str:
        return self.name
