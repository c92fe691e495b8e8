"""The office's view of a campaign: live figures by group and subtree, submissions over time.

Every figure is computed from the assignments when the page is asked for, in a fixed number of
queries whatever the number of units: aggregates in the database, the unit tree in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import Unit, UnitKind
from tonghop.reports.models import Assignment, CampaignFigures, DisplayStatus, State, figure_counts

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Breakdown:
    label: str
    figures: CampaignFigures


def by_group(campaign: Campaign, now: dt.datetime | None = None) -> list[Breakdown]:
    """Figures per kind of unit (communes, schools, agencies), in one grouped query."""
    rows = (
        campaign.assignments.active()
        .values("unit__kind")
        .annotate(**figure_counts(now or timezone.now()))
        .order_by("unit__kind")
    )
    labels = dict(UnitKind.choices)
    return [
        Breakdown(
            str(labels.get(row["unit__kind"], row["unit__kind"])), CampaignFigures.from_row(row)
        )
        for row in rows
    ]


def by_subtree(campaign: Campaign, now: dt.datetime | None = None) -> list[Breakdown]:
    """Figures per branch of the tree directly under the office (e.g. all schools under the
    education office), from per-unit aggregates summed along the tree."""
    per_unit = {
        row["unit_id"]: CampaignFigures.from_row(row)
        for row in campaign.assignments.active()
        .values("unit_id")
        .annotate(**figure_counts(now or timezone.now()))
        .order_by()
    }
    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    names = dict(Unit.objects.filter(parent_id=campaign.office_id).values_list("pk", "name"))
    totals: dict[int, CampaignFigures] = {}
    for unit_id, figures in per_unit.items():
        branch = _branch(unit_id, campaign.office_id, parents)
        if branch is None:
            continue
        totals[branch] = totals[branch] + figures if branch in totals else figures
    # A branch with a single unit says nothing the unit table does not: keep real subtrees.
    return sorted(
        (
            Breakdown(names.get(branch, "?"), figures)
            for branch, figures in totals.items()
            if figures.expected > 1
        ),
        key=lambda b: b.label,
    )


def _branch(unit_id: int, office_id: int, parents: Mapping[int, int | None]) -> int | None:
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = parents.get(current)
        if parent == office_id:
            return current
        current = parent
    return None


@dataclass(frozen=True)
class Timeline:
    days: list[tuple[dt.date, int, int]]  # day, submitted that day, cumulative
    due: dt.date
    expected: int

    def svg_points(self, width: int = 600, height: int = 160) -> str:
        """Polyline points of the cumulative curve, scaled to the chart box."""
        if not self.days:
            return ""
        first, last = self._span()
        span = max((last - first).days, 1)
        top = max(self.expected, 1)
        points = [(0.0, float(height))]
        for day, _count, cumulative in self.days:
            x = (day - first).days / span * width
            points.append((x, height - cumulative / top * height))
        points.append((width, points[-1][1]))
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)

    def due_x(self, width: int = 600) -> float:
        first, last = self._span()
        return (self.due - first).days / max((last - first).days, 1) * width

    def _span(self) -> tuple[dt.date, dt.date]:
        first = min(self.days[0][0], self.due) if self.days else self.due
        last = max(self.days[-1][0], self.due) if self.days else self.due
        return first, last


def timeline(campaign: Campaign) -> Timeline:
    """First submissions per day (Vietnam days) against the campaign's due date."""
    rows = (
        campaign.assignments.active()
        .filter(first_submitted_at__isnull=False)
        .annotate(day=TruncDate("first_submitted_at", tzinfo=VN))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    days: list[tuple[dt.date, int, int]] = []
    running = 0
    for row in rows:
        running += row["n"]
        days.append((row["day"], row["n"], running))
    return Timeline(
        days, timezone.localtime(campaign.due_at, VN).date(), campaign.assignments.active().count()
    )


def display_counts(campaign: Campaign) -> dict[str, int]:
    """How many units show each status of the office's table, in one query."""
    submitted = Q(state=State.SUBMITTED)
    in_time = Q(submitted_at__lte=F("due_at"))
    row = campaign.assignments.active().aggregate(
        **{
            DisplayStatus.NOT_STARTED: Count("pk", filter=Q(state=State.NOT_STARTED)),
            DisplayStatus.DRAFT: Count("pk", filter=Q(state=State.DRAFT)),
            DisplayStatus.ON_TIME: Count("pk", filter=submitted & in_time),
            DisplayStatus.LATE: Count("pk", filter=submitted & ~in_time),
            DisplayStatus.RETURNED: Count("pk", filter=Q(state=State.RETURNED)),
            DisplayStatus.ACCEPTED: Count("pk", filter=Q(state=State.ACCEPTED)),
        }
    )
    return {str(key): int(value or 0) for key, value in row.items()}


MISSING_ORDER = {
    "unit": ("unit__name",),
    "kind": ("unit__kind", "unit__name"),
    "due": ("due_at", "unit__name"),
    "state": ("state", "unit__name"),
    "contact": ("unit__contact_name", "unit__name"),
}


def missing(campaign: Campaign, order: str = "unit") -> list[Assignment]:
    """Units that have not submitted, with their contact people."""
    return list(
        campaign.assignments.active()
        .exclude(state__in=["submitted", "accepted"])
        .select_related("unit")
        .order_by(*MISSING_ORDER.get(order, MISSING_ORDER["unit"]))
    )


def overview(
    campaigns: list[Campaign], now: dt.datetime | None = None
) -> dict[int, CampaignFigures]:
    """Figures of many campaigns in one grouped query."""
    rows = (
        Assignment.objects.active()
        .filter(campaign__in=campaigns)
        .values("campaign_id")
        .annotate(**figure_counts(now or timezone.now()))
        .order_by()
    )
    found = {row["campaign_id"]: CampaignFigures.from_row(row) for row in rows}
    empty = CampaignFigures.from_row({})
    return {c.pk: found.get(c.pk, empty) for c in campaigns}
