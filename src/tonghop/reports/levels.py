"""Levels in one install: an office that has a duty in a campaign above (the Sở's campaign to
the districts' offices) opens its own campaign below with the same form, and the report it
issues for that campaign is its answer above. Every change is one function, in one
transaction, with the assignment above locked and an event written through reports.actions.

The province's picture (the Sở's view of each district and, read-only, of the units below it)
is read here too: always starting from the Sở's own campaign, so a Sở sees only the districts
it addressed and a district never sees a sibling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec, rules_of, specs_from_campaign
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.campaigns.values import to_number
from tonghop.documents.models import Document
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.outbox.models import Notification
from tonghop.reports import receipts
from tonghop.reports.actions import ActionError, _lock, _transition
from tonghop.reports.assigning import create_campaign
from tonghop.reports.models import (
    SUBMITTED_STATES,
    Assignment,
    AssignmentQuerySet,
    CampaignFigures,
    LevelAnswer,
    LevelLink,
    Report,
    ReportVersion,
    State,
    Step,
    figure_counts,
)

# The due date proposed below: this long before the office's own due date above, so it has
# time to compile, sign and issue.
PROPOSED_MARGIN = dt.timedelta(days=3)
# Roles of the office below that may open its campaign below.
OPENING_ROLES = (Role.SPECIALIST, Role.HEAD, Role.ADMIN)
MAX_LIST_TEXT = 4000


class LevelRefused(ActionError):
    """A refused step between levels; str() is a sentence for the person who asked."""


class LevelNotAllowed(LevelRefused, errors.NotAllowed):
    pass


class DueAfterAbove(LevelRefused):
    """The due date below falls after the one above: refused unless the office confirms it."""


class CodesMismatch(LevelRefused, errors.Invalid):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            _(
                "The indicators of this report do not match the form of the campaign above; "
                "nothing was issued: %(list)s."
            )
            % {"list": "; ".join(problems)}
        )
        self.problems = list(problems)


class LoopInTree(LevelRefused, errors.Invalid):
    pass


def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i d/m/Y")


# --- The office's duties above ---


def duties_above(user: User) -> AssignmentQuerySet:
    """Assignments above addressed to the offices where the user holds an office role."""
    return (
        Assignment.objects.active()
        .filter(unit__in=user.office_units())
        .exclude(campaign__status=CampaignStatus.DRAFT)
        .select_related("campaign", "campaign__office", "unit")
        .order_by("due_at", "pk")
    )


def proposed_due(above: Assignment) -> dt.datetime:
    """The due date proposed below: a few days before the office's own, at the end of the day."""
    day = timezone.localtime(above.due_at - PROPOSED_MARGIN).date()
    end = dt.datetime.combine(day, dt.time(23, 59, 59), timezone.get_current_timezone())
    return min(end, above.due_at)


def link_of(campaign: Campaign) -> LevelLink | None:
    """The assignment above that this campaign answers, if it answers one."""
    return (
        LevelLink.objects.filter(below=campaign)
        .select_related("above", "above__campaign", "above__campaign__office", "above__unit")
        .first()
    )


def _ancestors(unit: Unit) -> list[int]:
    """The units above `unit` in the tree, nearest first; a unit met twice is a loop."""
    seen = [unit.pk]
    parent_id = unit.parent_id
    while parent_id is not None:
        if parent_id in seen:
            raise LoopInTree(
                _("The unit tree has a loop above “%(unit)s”: fix the parent units first.")
                % {"unit": unit.name}
            )
        seen.append(parent_id)
        parent_id = Unit.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return seen[1:]


def units_below(office: Unit) -> list[Unit]:
    """The office's active units, every level down to the next offices: a unit that is an
    office itself (of the office kind, or with staff of its own) is one of them, and the units
    under it are its own to address with its campaign below. One query per level; refused if
    the tree loops back on itself."""
    found: list[Unit] = []
    seen = {office.pk}
    frontier = [office.pk]
    has_staff = Membership.objects.filter(unit=OuterRef("pk"), role__in=Role.office_roles())
    while frontier:
        level = list(
            Unit.objects.filter(parent_id__in=frontier)
            .annotate(has_staff=Exists(has_staff))
            .order_by("pk")
        )
        frontier = []
        for unit in level:
            if unit.pk in seen:
                raise LoopInTree(
                    _("The unit tree has a loop at “%(unit)s”: fix the parent units first.")
                    % {"unit": unit.name}
                )
            seen.add(unit.pk)
            if unit.is_active:
                found.append(unit)
            if unit.kind != UnitKind.OFFICE and not getattr(unit, "has_staff", False):
                frontier.append(unit.pk)
    return found


def _offices_above(above: Assignment) -> list[int]:
    """The offices of the chain of campaigns above, the nearest first."""
    offices: list[int] = []
    campaign: Campaign | None = above.campaign
    while campaign is not None:
        if campaign.office_id in offices:
            raise LoopInTree(_("The campaigns above form a loop: this cannot be answered."))
        offices.append(campaign.office_id)
        link = link_of(campaign)
        campaign = link.above.campaign if link is not None else None
    return offices


def _check_no_loop(office: Unit, above: Assignment, units: Sequence[Unit]) -> None:
    chain = _offices_above(above)
    if office.pk in chain:
        raise LoopInTree(
            _("“%(office)s” is itself above this campaign: a campaign below cannot go back up.")
            % {"office": office.name}
        )
    _ancestors(office)
    back_up = [unit.name for unit in units if unit.pk in chain]
    if back_up:
        raise LoopInTree(
            _("These units are above the office and cannot be its units below: %(list)s.")
            % {"list": ", ".join(back_up)}
        )


@dataclass(frozen=True)
class BelowRequest:
    """What the office chooses when it opens its campaign below."""

    slug: str
    due_at: dt.datetime
    title: str = ""
    local_indicators: Sequence[IndicatorSpec] = ()
    # The office has read the warning that its due date falls after the one above.
    confirm_after_above: bool = False


def open_campaign_below(
    user: User,
    assignment_id: int,
    request: BelowRequest,
    *,
    units: Sequence[Unit] | None = None,
    now: dt.datetime | None = None,
) -> Campaign:
    """Open the office's campaign for its units, answering its assignment above: the same
    form (codes kept, rules kept, the office's own indicators added after them), the same
    period, handed to the office's units (every level down unless `units` are given)."""
    now = now or timezone.now()
    with transaction.atomic():
        above = _lock(assignment_id)
        office = above.unit
        if not user.is_active or not user.has_office_role(office, *OPENING_ROLES):
            raise LevelNotAllowed(
                _("This campaign above is not addressed to your office: you cannot answer it.")
            )
        if not above.is_active or above.campaign.status != CampaignStatus.OPEN:
            raise LevelRefused(
                _("The campaign above is not open: no campaign below can be opened.")
            )
        existing = LevelLink.objects.filter(above=above).select_related("below").first()
        if existing is not None:
            raise LevelRefused(
                _("Your office already answers this campaign with “%(slug)s”.")
                % {"slug": existing.below.slug}
            )
        if request.due_at <= now:
            raise LevelRefused(_("The due date below cannot be in the past."))
        if request.due_at > above.due_at and not request.confirm_after_above:
            raise DueAfterAbove(
                _(
                    "The due date below (%(below)s) falls after your office's own due date "
                    "above (%(above)s): your report would be late. Choose an earlier date, or "
                    "confirm that you want this one."
                )
                % {"below": _local(request.due_at), "above": _local(above.due_at)}
            )
        if Campaign.objects.filter(slug=request.slug).exists():
            raise LevelRefused(
                _("The short name “%(slug)s” is already used by another campaign.")
                % {"slug": request.slug}
            )
        inherited = specs_from_campaign(above.campaign)
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
        _check_no_loop(office, above, chosen)
        source = above.campaign
        spec = CampaignSpec(
            slug=request.slug,
            title=request.title or source.title,
            due_at=request.due_at,
            description=source.description,
            period_start=source.period_start,
            period_end=source.period_end,
            report_to=source.office.name,
            report_to_email=source.office.email,
            report_to_organ_id=source.office.organ_id,
            report_symbol=office.short_name and f"BC-{office.short_name}",
            indicators=(*inherited, *request.local_indicators),
            rules=rules_of(source),
        )
        campaign = create_campaign(office, spec, chosen, by=user)
        LevelLink.objects.create(
            below=campaign,
            above=above,
            created_by=user,
            created_at=now,
            late_confirmed=request.due_at > above.due_at,
        )
        record(
            Action.DATA,
            actor=user,
            obj=campaign,
            details={
                "change": "campaign below opened",
                "above": source.slug,
                "assignment_above": above.pk,
                "local_indicators": [spec.code for spec in request.local_indicators],
            },
        )
        return campaign


# --- The answer above ---


def mismatched_codes(above: Campaign, below: Campaign) -> list[str]:
    """What keeps the form below from answering the form above, one sentence per indicator."""
    mine = {code: kind for code, kind in below.indicators.values_list("code", "kind")}
    problems: list[str] = []
    for code, kind, label in above.indicators.order_by("order", "pk").values_list(
        "code", "kind", "label"
    ):
        if code not in mine:
            problems.append(_("“%(code)s” (%(label)s) is missing") % {"code": code, "label": label})
        elif mine[code] != kind:
            problems.append(
                _("“%(code)s” (%(label)s) is of another kind") % {"code": code, "label": label}
            )
    return problems


@dataclass(frozen=True)
class Answer:
    """What an issued report carries up: a value per code of the form above, the words, and
    the fuller totals (with counts per option) kept beside it."""

    values: Mapping[str, Any]
    narrative: str
    totals: Mapping[str, Any]


def submit_answer(
    user: User,
    below_id: int,
    answer: Answer,
    *,
    document: Document,
    compilation_id: int,
    correction: bool,
    now: dt.datetime | None = None,
) -> LevelAnswer | None:
    """The office's issued report becomes its answer above: the assignment above moves to
    submitted through the transition table (on time or late against its own due time), its
    report holds the totals, and a version keeps each answer. None when the campaign answers
    nothing above. Called inside the clerk's issuing transaction: a refusal undoes the issue."""
    now = now or timezone.now()
    link = LevelLink.objects.filter(below_id=below_id).select_related("below").first()
    if link is None:
        return None
    with transaction.atomic():
        above = _lock(link.above_id)
        below = link.below
        if above.unit_id != below.office_id:
            raise LevelNotAllowed(
                _("The campaign above is not addressed to “%(office)s”: it cannot be answered.")
                % {"office": below.office.name}
            )
        if not user.is_active or not user.has_office_role(below.office, Role.CLERK):
            raise LevelNotAllowed(_("Only the office's clerk can issue the answer above."))
        if not above.is_active:
            raise LevelRefused(_("Your office is no longer among the units of the campaign above."))
        if above.campaign.status != CampaignStatus.OPEN:
            raise LevelRefused(
                _("The campaign above (%(title)s) is closed: the answer cannot be sent.")
                % {"title": above.campaign.title}
            )
        problems = mismatched_codes(above.campaign, below)
        if problems:
            raise CodesMismatch(problems)
        if above.state in SUBMITTED_STATES:
            raise LevelRefused(
                _(
                    "Your answer above is %(state)s: a corrected report can be issued only "
                    "after %(office)s returns it."
                )
                % {
                    "state": State(above.state).label.lower(),
                    "office": above.campaign.office.name,
                }
            )
        details = {
            "answer_from": below.slug,
            "document": document.reference(),
            "correction": correction,
        }
        version = record_answer(user, above, answer, now=now, details=details)
        return LevelAnswer.objects.create(
            link=link,
            compilation_id=compilation_id,
            document=document,
            version=version,
            totals=dict(answer.totals),
            correction=correction,
            issued_by=user,
            issued_at=now,
        )


def record_answer(
    user: User | None,
    above: Assignment,
    answer: Answer,
    *,
    now: dt.datetime,
    details: Mapping[str, Any],
) -> ReportVersion:
    """Submit the locked assignment above with an office's answer, through the transition
    table (on time or late against its own due time): its report holds the values and the
    words, and a new version keeps this answer. The one way an answer lands above, from a
    campaign below in this install or from a district's install (tonghop.report/1)."""
    changes: dict[str, Any] = {"submitted_at": now}
    if above.first_submitted_at is None:
        changes["first_submitted_at"] = now
    _transition(
        user,
        above,
        Step.SUBMIT,
        expected_version=above.version,
        now=now,
        details=dict(details),
        allowed_checked=True,
        changes=changes,
    )
    report, _created = Report.objects.get_or_create(assignment=above)
    report.values = dict(answer.values)
    report.narrative = answer.narrative
    report.updated_by = user
    report.updated_at = now
    report.save()
    version = ReportVersion.objects.create(
        report=report,
        number=report.versions.count() + 1,
        values=dict(answer.values),
        narrative=answer.narrative,
        created_by=user,
        created_at=now,
    )
    version.receipt_number = receipts.receipt_number(version.pk, now)
    version.save(update_fields=["receipt_number"])
    return version


def notify_returned(assignment: Assignment, comment: str, now: dt.datetime) -> None:
    """The office below learns that the level above returned its answer, and why: its staff
    get a notice pointing to the campaign below, whose next issue is a correction."""
    link = LevelLink.objects.filter(above=assignment).select_related("below").first()
    if link is None:
        return
    staff = User.objects.filter(
        memberships__unit_id=assignment.unit_id,
        memberships__role__in=Role.office_roles(),
        is_active=True,
    ).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "%(office)s returned your report for “%(title)s”: %(comment)s. Issue a corrected "
            "report of %(slug)s."
        ) % {
            "office": assignment.campaign.office.name,
            "title": assignment.campaign.title,
            "comment": comment,
            "slug": link.below.slug,
        }
    where = reverse("campaigns:detail", args=[link.below.slug])
    Notification.objects.bulk_create(
        Notification(user=user, text=text[:1000], link=where, created_at=now) for user in staff
    )


# --- The province's picture ---


@dataclass(frozen=True)
class DistrictRow:
    assignment: Assignment
    below: Campaign | None
    figures_below: CampaignFigures | None
    answer: LevelAnswer | None
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Picture:
    rows: list[DistrictRow]
    # Units of the campaigns below, across every district that runs here.
    units_reported: int
    units_expected: int

    @property
    def has_levels(self) -> bool:
        return any(row.below is not None for row in self.rows)


def picture(campaign: Campaign, now: dt.datetime | None = None) -> Picture:
    """Each office of the campaign: its state, its answer's values, and the completeness of its
    own campaign below when it runs in this install. A few queries, whatever the number of
    districts: the links, the reports, the answers and the figures below are read in bulk."""
    now = now or timezone.now()
    assignments = list(campaign.assignments.active().select_related("unit").order_by("unit__name"))
    ids = [a.pk for a in assignments]
    links = {
        link.above_id: link
        for link in LevelLink.objects.filter(above_id__in=ids).select_related("below")
    }
    reports = dict(
        Report.objects.filter(assignment_id__in=ids).values_list("assignment_id", "values")
    )
    answers: dict[int, LevelAnswer] = {}
    for found in LevelAnswer.objects.filter(link__above_id__in=ids).select_related(
        "document", "link"
    ):
        answers[found.link.above_id] = found  # the latest wins: ordered by issue time
    below_ids = [link.below_id for link in links.values()]
    figures: dict[int, CampaignFigures] = {}
    if below_ids:
        rows = (
            Assignment.objects.active()
            .filter(campaign_id__in=below_ids)
            .values("campaign_id")
            .annotate(**figure_counts(now))
        )
        for row in rows:
            figures[int(row["campaign_id"])] = CampaignFigures.from_row(row)
    leaves = leaf_figures(below_ids, now)
    result: list[DistrictRow] = []
    for assignment in assignments:
        link = links.get(assignment.pk)
        below_figures = figures.get(link.below_id) if link is not None else None
        result.append(
            DistrictRow(
                assignment=assignment,
                below=link.below if link is not None else None,
                figures_below=below_figures,
                answer=answers.get(assignment.pk),
                values=reports.get(assignment.pk) or {}
                if assignment.state in SUBMITTED_STATES
                else {},
            )
        )
    return Picture(rows=result, units_reported=leaves.submitted, units_expected=leaves.expected)


def leaf_figures(below_ids: Sequence[int], now: dt.datetime) -> CampaignFigures:
    """Completeness over the base units of whole branches: every campaign below `below_ids`,
    however deep, each assignment counted unless a campaign further below answers it (its own
    units are counted instead). One query per level of depth and one count, whatever the
    number of offices and units."""
    campaigns = set(below_ids)
    frontier = set(below_ids)
    while frontier:
        deeper = set(
            LevelLink.objects.filter(
                above__campaign_id__in=frontier, above__is_active=True
            ).values_list("below_id", flat=True)
        )
        # A campaign already met is not walked again: a loop of campaigns cannot spin here.
        frontier = deeper - campaigns
        campaigns |= frontier
    if not campaigns:
        return CampaignFigures.from_row({})
    return CampaignFigures(
        **Assignment.objects.active()
        .filter(campaign_id__in=campaigns, level_below__isnull=True)
        .aggregate(**figure_counts(now))
    )


def below_for_staff_above(user: User, slug: str, assignment_id: int) -> tuple[Assignment, Campaign]:
    """The campaign below of one office of a campaign of the user's offices, read-only. Raises
    LookupError for anything else (the view turns it into a 404)."""
    above = (
        Assignment.objects.for_office_staff(user)
        .select_related("campaign", "campaign__office", "unit")
        .filter(campaign__slug=slug, pk=assignment_id)
        .first()
    )
    if above is None:
        raise LookupError(slug)
    link = LevelLink.objects.filter(above=above).select_related("below", "below__office").first()
    if link is None:
        raise LookupError(slug)
    return above, link.below


def latest_answer_document(user: User, slug: str, assignment_id: int) -> Document:
    """The signed document of an office's latest answer, for the staff of the campaign above."""
    above = (
        Assignment.objects.for_office_staff(user)
        .filter(campaign__slug=slug, pk=assignment_id)
        .first()
    )
    if above is None:
        raise LookupError(slug)
    found = (
        LevelAnswer.objects.filter(link__above=above)
        .select_related("document")
        .order_by("-issued_at", "-pk")
        .first()
    )
    if found is None or not found.document.file:
        raise LookupError(slug)
    return found.document


def page_context(campaign: Campaign, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the campaign's page shows of levels: the assignment above it answers, and, when its
    units are offices, each office's state, figures and the totals across them."""
    context: dict[str, Any] = {"level_above": link_of(campaign)}
    if not campaign.assignments.active().filter(unit__kind=UnitKind.OFFICE).exists():
        return context
    found = picture(campaign, now)
    indicators = list(campaign.indicators.all())
    rows = []
    sums: dict[str, Decimal] = {}
    for row in found.rows:
        shown = []
        for indicator in indicators:
            value = row.values.get(indicator.code)
            shown.append(indicator.display_value(value) if row.values else "")
            number = to_number(value) if indicator.is_numeric else None
            if number is not None:
                sums[indicator.code] = sums.get(indicator.code, Decimal(0)) + number
        rows.append((row, shown))
    totals = [format(sums[i.code].normalize(), "f") if i.code in sums else "" for i in indicators]
    context |= {
        "levels": found,
        "level_rows": rows,
        "level_indicators": indicators,
        "level_totals": totals,
    }
    return context
