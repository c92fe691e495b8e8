"""A unit's duty in a campaign (its assignment, with its states and the one table of allowed
changes) and its report: the values it gives for the campaign's indicators, and every version."""

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

from tonghop.campaigns.form_models import FormVersion
from tonghop.campaigns.formedit import version_for
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.orgs.models import Role, Unit, User


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


# Lateness, defined once: a report is on time or late by its latest submission against its due
# time, whether or not the office has accepted it since. The figures, the status chips and
# their filters all count with these, so the "Late" figure and the "Submitted late" chip agree.
SUBMITTED_ON_TIME = Q(state__in=SUBMITTED_STATES, submitted_at__lte=F("due_at"))
SUBMITTED_LATE = Q(state__in=SUBMITTED_STATES, submitted_at__gt=F("due_at"))


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
        "on_time": Count("pk", filter=SUBMITTED_ON_TIME),
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

    def figures(self, now: dt.datetime | None = None) -> CampaignFigures:
        """Completeness figures of these assignments, live, in one query."""
        return CampaignFigures(**self.active().aggregate(**figure_counts(now or timezone.now())))

    def for_reporter(self, user: User) -> AssignmentQuerySet:
        """Assignments of the units the user reports for, in open or closed campaigns."""
        return self.active().filter(
            unit__in=user.reporting_units(), campaign__status__in=_VISIBLE_TO_UNITS
        )

    def for_office_staff(self, user: User) -> AssignmentQuerySet:
        return self.active().filter(campaign__office__in=user.office_units())

    def with_display_status(self, status: DisplayStatus) -> AssignmentQuerySet:
        """Those the office's chip `status` lists: on time and late count every submission,
        accepted or not (SUBMITTED_LATE); the other chips are states."""
        if status == DisplayStatus.ON_TIME:
            return self.filter(SUBMITTED_ON_TIME)
        if status == DisplayStatus.LATE:
            return self.filter(SUBMITTED_LATE)
        return self.filter(state=status.value)

    def visible_to(self, user: User) -> AssignmentQuerySet:
        """Everything the user may read: own units' assignments and own offices' campaigns."""
        return self.active().filter(
            Q(unit__in=user.reporting_units(), campaign__status__in=_VISIBLE_TO_UNITS)
            | Q(campaign__office__in=user.office_units())
        )


_VISIBLE_TO_UNITS = [CampaignStatus.OPEN, CampaignStatus.CLOSED, CampaignStatus.ARCHIVED]


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
    # Not a column: the version a submission just wrote, left on the row save_report returns,
    # so the page's thanks can give its receipt number without reading it back.
    submitted_version: ReportVersion | None = None

    objects: ClassVar[AssignmentQuerySet] = AssignmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        # The table was made when assignments lived in tonghop.campaigns; it keeps its name.
        db_table = "campaigns_assignment"
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

    def next_awaiting_review(self) -> Assignment | None:
        """The campaign's next report waiting for review, in the office table's order (unit
        name) after this one, wrapping round to the first; None when no other one waits."""
        waiting = (
            Assignment.objects.active()
            .filter(campaign_id=self.campaign_id, state=State.SUBMITTED)
            .exclude(pk=self.pk)
            .select_related("unit")
            .order_by("unit__name", "pk")
        )
        name = self.unit.name
        after = waiting.filter(Q(unit__name__gt=name) | Q(unit__name=name, pk__gt=self.pk))
        return after.first() or waiting.first()

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
        db_table = "campaigns_assignmentevent"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.step}"


class Report(models.Model):
    """The current values of one assignment's report. Submissions are copied to versions."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="report")
    # Indicator code -> value (int, decimal string or text). Kept as JSON so a form can gain
    # indicators without a schema change; totals are computed exactly from these values.
    values: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return str(self.assignment)

    def current_attachments(self) -> list[Attachment]:
        """The files the unit has attached and not removed, oldest first."""
        return list(self.attachments.present().select_related("uploaded_by"))

    def is_blank(self) -> bool:
        """Nothing typed and no file kept: a report row made for a file the unit then removed
        is still "not started" to the office."""
        typed = any(value not in (None, "", []) for value in self.values.values())
        return not typed and not self.narrative and not self.attachments.present().exists()

    def file_values(self, codes: list[str]) -> dict[str, list[int] | None]:
        """The value of each FILE indicator: the ids of its files present, or None if none."""
        if self.pk is None or not codes:
            return dict.fromkeys(codes)
        present = self.attachments.present().filter(indicator_code__in=codes).order_by("pk")
        return file_values_of(codes, list(present.values_list("pk", "indicator_code")))


def file_values_of(codes: list[str], present: list[tuple[int, str]]) -> dict[str, list[int] | None]:
    """The value of each FILE indicator of `codes` from the files present, as (id, indicator
    code) in the order they were added: the ids of its files, or None if none."""
    values: dict[str, list[int] | None] = dict.fromkeys(codes)
    for pk, code in present:
        if code in values:
            values[code] = [*(values[code] or []), pk]
    return values


class ReportVersion(models.Model):
    """An immutable copy of a report as it was submitted: nothing submitted is ever overwritten."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    values: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    narrative = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The ids of the attachments present at submission, so the history shows what was sent even
    # after the unit removes a file while correcting a returned report.
    attachments: models.JSONField[list[int]] = models.JSONField(default=list, blank=True)
    # The receipt given on submission (BN-2025-000123, see reports.receipts): derived from the
    # primary key, so two submissions at the same instant can never share one. Versions made
    # before receipts existed have none.
    receipt_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    # The receipt's email: when it left, to whom, and the last failure while it has not.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_to = models.CharField(max_length=500, blank=True)
    receipt_attempts = models.PositiveSmallIntegerField(default=0)
    receipt_error = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    def form_version(self) -> FormVersion | None:
        """The version of the campaign's form this submission was written against."""
        return version_for(self.report.assignment.campaign, self.created_at)


class ReceiptMail(models.TextChoices):
    """Where a receipt's email stands, as the reporter's page shows it."""

    SENT = "sent", _("Sent")
    PENDING = "pending", _("Being sent")
    RETRYING = "retrying", _("Not sent yet; it will be tried again")
    FAILED = "failed", _("Could not be sent")
    NO_ADDRESS = "no_address", _("No email address to send it to")


def receipt_mail_state(version: ReportVersion, max_attempts: int) -> ReceiptMail:
    if version.receipt_sent_at is not None:
        return ReceiptMail.SENT
    if version.receipt_attempts == 0:
        return ReceiptMail.NO_ADDRESS if version.receipt_error else ReceiptMail.PENDING
    if version.receipt_attempts >= max_attempts:
        return ReceiptMail.FAILED
    return ReceiptMail.RETRYING


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def present(self) -> AttachmentQuerySet:
        """Not removed by the unit."""
        return self.filter(removed_at__isnull=True)


IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class Attachment(models.Model):
    """A file a unit attached to its report: a photo of the banners, its own signed PDF report.

    The file is stored under a random name (see reports.attachments); the name it came with is
    kept only as text to show. Removing it while the report is editable hides it; the file stays
    on disk while a submitted version refers to it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    # The FILE indicator it answers, or blank for a general attachment of the report.
    indicator_code = models.CharField(max_length=40, blank=True)
    file = models.FileField(max_length=200)
    original_name = models.CharField(_("file name"), max_length=150)
    # Read from the bytes at upload, never from the name or the browser.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    thumbnail = models.FileField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The unit's personal link it came through, when nobody was signed in.
    via_link_id = models.PositiveBigIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[AttachmentQuerySet] = AttachmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["uploaded_at", "pk"]
        # The sweep of stray files asks, a batch of names at a time, which ones a row names.
        indexes = [
            models.Index(fields=["file"], name="attachment_file"),
            models.Index(fields=["thumbnail"], name="attachment_thumbnail"),
        ]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def kind_label(self) -> str:
        """A short word for the type, shown where there is no thumbnail."""
        return {
            "application/pdf": "PDF",
            "image/jpeg": "JPEG",
            "image/png": "PNG",
            "image/webp": "WebP",
        }.get(self.content_type, "DOCX" if "wordprocessing" in self.content_type else "XLSX")

    def in_a_submission(self) -> bool:
        """Whether a submitted version lists this file: then it is kept, and still served."""
        return any(
            self.pk in (ids or [])
            for ids in self.report.versions.values_list("attachments", flat=True)
        )


# The levels of one install (a campaign below answering an assignment above): their models live
# in level_models.py; importing them here registers them with the app.
from tonghop.reports.level_models import LevelAnswer as LevelAnswer  # noqa: E402
from tonghop.reports.level_models import LevelLink as LevelLink  # noqa: E402
from tonghop.reports.level_models import RemoteAbove as RemoteAbove  # noqa: E402
