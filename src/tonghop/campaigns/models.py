"""Campaigns (what a directive asks of units), their forms, and each unit's assignment."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tonghop.documents.models import Document
from tonghop.orgs.models import Role, Unit, User


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_office_staff(self, user: User) -> CampaignQuerySet:
        """Campaigns of the offices where the user holds an office role."""
        return self.filter(office__in=user.office_units())


class Campaign(models.Model):
    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what units must do"), blank=True)
    source_document = models.ForeignKey(
        Document,
        verbose_name=_("directive"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    # What the consolidated report needs: to whom it goes and the symbol it will carry.
    report_to = models.CharField(_("report to"), max_length=255, blank=True)
    report_to_email = models.EmailField(_("email of the body reported to"), blank=True)
    report_to_organ_id = models.CharField(
        _("organ code of the body reported to"), max_length=40, blank=True
    )
    report_symbol = models.CharField(_("report symbol"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[CampaignQuerySet] = CampaignQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.title

    def figures(self) -> CampaignFigures:
        """Completeness figures, live from the assignments, in one query."""
        row = self.assignments.active().aggregate(**figure_counts(timezone.now()))
        return CampaignFigures(**row)


@dataclass(frozen=True)
class CampaignFigures:
    expected: int
    not_started: int
    draft: int
    returned: int
    accepted: int
    submitted: int
    on_time: int
    overdue: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CampaignFigures:
        return cls(**{name: int(row.get(name) or 0) for name in cls.__dataclass_fields__})

    def __add__(self, other: CampaignFigures) -> CampaignFigures:
        return CampaignFigures(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in self.__dataclass_fields__
            }
        )

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def reporting_percent(self) -> int:
        return round(100 * self.reporting_rate)

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.on_time_rate)

    @property
    def reporting_rate(self) -> float:
        return self.submitted / self.expected if self.expected else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.expected if self.expected else 0.0


class IndicatorKind(models.TextChoices):
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    COUNT = "count", _("Count of units answering")
    AVERAGE = "average", _("Average")
    LIST = "list", _("List")


class Indicator(models.Model):
    """One figure or answer each unit reports; the campaign's form is its indicators in order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="indicators")
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
        _("how it is totalled"), max_length=10, choices=Aggregation.choices
    )
    order = models.PositiveIntegerField(_("order"), default=0)

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
        return self.kind in (IndicatorKind.INTEGER, IndicatorKind.DECIMAL)

    # Largest figure accepted: far above any real count, far below what breaks a DOCX table.
    MAX_NUMBER = Decimal("1e12")

    def clean_value(self, raw: object) -> int | str | None:
        """Turn what a person typed into the stored value, or raise a ValidationError.

        Numbers are stored as int (whole) or as a decimal string, never as float, so that
        totals are exact.
        """
        text = "" if raw is None else str(raw).strip()
        if text == "":
            if self.required:
                raise ValidationError(_("This figure is required."), code="required")
            return None
        if not self.is_numeric:
            limit = 20000 if self.kind == IndicatorKind.LONG_TEXT else 1000
            if len(text) > limit:
                raise ValidationError(
                    _("Too long: at most %(limit)s characters.") % {"limit": limit},
                    code="too_long",
                )
            return text
        normalised = _normalise_number(text)
        try:
            number = Decimal(normalised)
        except InvalidOperation:
            raise ValidationError(
                _("“%(value)s” is not a number.") % {"value": text[:40]}, code="not_a_number"
            ) from None
        if not number.is_finite() or abs(number) >= self.MAX_NUMBER:
            raise ValidationError(_("This number is too large."), code="too_large")
        if self.kind == IndicatorKind.INTEGER and number != number.to_integral_value():
            raise ValidationError(_("Enter a whole number."), code="not_whole")
        low = self.min_value if self.min_value is not None else Decimal(0)
        if number < low:
            if low == 0:
                raise ValidationError(_("This figure cannot be negative."), code="negative")
            raise ValidationError(
                _("At least %(low)s.") % {"low": low.normalize()}, code="too_small"
            )
        if self.max_value is not None and number > self.max_value:
            raise ValidationError(
                _("At most %(high)s.") % {"high": self.max_value.normalize()}, code="too_big"
            )
        if self.kind == IndicatorKind.INTEGER:
            return int(number)
        return format(number.normalize(), "f")


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")


def _normalise_number(text: str) -> str:
    """Read a number as Vietnamese write it: 1.250 (thousands dots), 2,5 (decimal comma).

    A dot followed by groups of exactly three digits is a thousands separator; any other single
    dot or comma is the decimal mark, so "92.5" typed on an English keyboard still reads 92,5.
    """
    compact = text.replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(compact):
        return compact.replace(".", "").replace(",", ".")
    return compact.replace(",", ".")


class State(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")


class Step(models.TextChoices):
    SAVE = "save", _("Saved a draft")
    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned for correction")
    ACCEPT = "accept", _("Accepted")
    # Not a change of state: the office moves the assignment's due time (see actions.extend_due).
    EXTEND = "extend", _("Extended the due time")


# The one table of allowed changes: (state before, step) -> state after. Anything not here is
# refused by actions.transition(). A returned report stays "returned" while the unit corrects
# it, so the office can tell corrections in progress from new drafts.
TRANSITIONS: dict[tuple[State, Step], State] = {
    (State.NOT_STARTED, Step.SAVE): State.DRAFT,
    (State.DRAFT, Step.SAVE): State.DRAFT,
    (State.RETURNED, Step.SAVE): State.RETURNED,
    (State.NOT_STARTED, Step.SUBMIT): State.SUBMITTED,
    (State.DRAFT, Step.SUBMIT): State.SUBMITTED,
    (State.RETURNED, Step.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Step.RETURN): State.RETURNED,
    (State.SUBMITTED, Step.ACCEPT): State.ACCEPTED,
}

# Who may take each step: the unit's reporters write, the office's staff review.
STEP_ROLES: dict[Step, tuple[Role, ...]] = {
    Step.SAVE: (Role.REPORTER,),
    Step.SUBMIT: (Role.REPORTER,),
    Step.RETURN: Role.office_roles(),
    Step.ACCEPT: Role.office_roles(),
    Step.EXTEND: Role.office_roles(),
}


SUBMITTED_STATES = (State.SUBMITTED, State.ACCEPTED)


def figure_counts(now: dt.datetime) -> dict[str, Count]:
    """The aggregates behind CampaignFigures, for .aggregate() or .values().annotate()."""
    submitted = Q(state__in=SUBMITTED_STATES)
    return {
        "expected": Count("pk"),
        "not_started": Count("pk", filter=Q(state=State.NOT_STARTED)),
        "draft": Count("pk", filter=Q(state=State.DRAFT)),
        "returned": Count("pk", filter=Q(state=State.RETURNED)),
        "accepted": Count("pk", filter=Q(state=State.ACCEPTED)),
        "submitted": Count("pk", filter=submitted),
        "on_time": Count("pk", filter=submitted & Q(submitted_at__lte=models.F("due_at"))),
        "overdue": Count("pk", filter=~submitted & Q(due_at__lt=now)),
    }


class DisplayStatus(models.TextChoices):
    """What the office's table shows: the state, with submissions split by timeliness."""

    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> AssignmentQuerySet:
        return self.filter(is_active=True)

    def for_reporter(self, user: User) -> AssignmentQuerySet:
        """Assignments of the units the user reports for, in open or closed campaigns."""
        return self.active().filter(
            unit__in=user.reporting_units(), campaign__status__in=_VISIBLE_TO_UNITS
        )

    def for_office_staff(self, user: User) -> AssignmentQuerySet:
        return self.active().filter(campaign__office__in=user.office_units())

    def visible_to(self, user: User) -> AssignmentQuerySet:
        """Everything the user may read: own units' assignments and own offices' campaigns."""
        return self.active().filter(
            Q(unit__in=user.reporting_units(), campaign__status__in=_VISIBLE_TO_UNITS)
            | Q(campaign__office__in=user.office_units())
        )


_VISIBLE_TO_UNITS = [CampaignStatus.OPEN, CampaignStatus.CLOSED]


class Assignment(models.Model):
    """One unit's duty in one campaign: its own due time, its state, its report."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NOT_STARTED
    )
    is_active = models.BooleanField(default=True)
    # The time of the latest submission: on-time or late is judged on it against due_at.
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # Bumped by every change: a form carries the version it was drawn from, and a save from a
    # stale form (the report was returned or changed meanwhile) is refused instead of lost.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[AssignmentQuerySet] = AssignmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=Q(is_active=True),
                name="assignment_one_open_per_unit",
            )
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.unit} · {self.campaign}"

    @property
    def is_submitted(self) -> bool:
        return self.state in (State.SUBMITTED, State.ACCEPTED)

    @property
    def is_late(self) -> bool:
        if self.submitted_at is None:
            return False
        return self.submitted_at > self.due_at

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return not self.is_submitted and (now or timezone.now()) > self.due_at

    @property
    def display_status(self) -> DisplayStatus:
        if self.state == State.SUBMITTED:
            return DisplayStatus.LATE if self.is_late else DisplayStatus.ON_TIME
        return DisplayStatus(self.state)

    @property
    def is_editable_by_unit(self) -> bool:
        return self.campaign.status == CampaignStatus.OPEN and (
            (State(self.state), Step.SUBMIT) in TRANSITIONS
        )

    def allowed_steps(self) -> list[Step]:
        return [step for (state, step) in TRANSITIONS if state == self.state]


class AssignmentEvent(models.Model):
    """The audit trail: who took which step on an assignment, when, and why."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    step = models.CharField(max_length=10, choices=Step.choices)
    from_state = models.CharField(max_length=12, choices=State.choices)
    to_state = models.CharField(max_length=12, choices=State.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    details: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.step}"
