"""Campaigns (what a directive asks of units) and each unit's assignment. The form's models
(indicators, rules, versions, templates) are in form_models.py: import them from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The form's models live in form_models.py; importing it here registers them with the app.
from tonghop.campaigns import form_models  # noqa: F401
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

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN

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

    def with_display_status(self, status: DisplayStatus) -> AssignmentQuerySet:
        """Those the office's table shows with `status` (a submission on time or late)."""
        if status == DisplayStatus.ON_TIME:
            return self.filter(state=State.SUBMITTED, submitted_at__lte=F("due_at"))
        if status == DisplayStatus.LATE:
            return self.filter(state=State.SUBMITTED, submitted_at__gt=F("due_at"))
        return self.filter(state=status.value)

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
    def is_not_started(self) -> bool:
        return self.state == State.NOT_STARTED

    @property
    def is_awaiting_review(self) -> bool:
        return self.state == State.SUBMITTED

    @property
    def is_accepted(self) -> bool:
        return self.state == State.ACCEPTED

    @property
    def is_returned(self) -> bool:
        return self.state == State.RETURNED

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
        return self.campaign.is_open and ((State(self.state), Step.SUBMIT) in TRANSITIONS)


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


# --- Form templates ---
# Kept at the end of the file, in one block: the form templates an office keeps, and the unit
# lists read from a file while the office checks their preview.
import uuid  # noqa: E402


class UnitImport(models.Model):
    """A unit list read from a file, kept between its preview and its confirmation.

    The rows are stored here, keyed by a random id and bound to the person who uploaded them,
    so the confirmation never trusts data sent back by the browser. The plan is computed again
    on confirmation; `digest` tells whether it still is what the person saw.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    # The open campaign the units go to; empty while the campaign is still being created.
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255, blank=True)
    rows: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list)
    ignored_columns: models.JSONField[list[str]] = models.JSONField(default=list)
    digest = models.CharField(max_length=64, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
