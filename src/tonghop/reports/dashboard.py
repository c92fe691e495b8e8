"""The office's view of a campaign: live figures by group and subtree, submissions over time.

Every figure is computed from the assignments when the page is asked for, in a fixed number of
queries whatever the number of units: aggregates in the database, the unit tree in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import Unit, UnitKind
from tonghop.reports.models import (
    SUBMITTED_LATE,
    SUBMITTED_ON_TIME,
    Assignment,
    CampaignFigures,
    DisplayStatus,
    State,
    figure_counts,
)

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


# The chart's drawing box (SVG user units) and its labels' font, kept in one place with the
# template (campaigns/campaign_detail.html) that draws them.
CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_LEFT = -40  # the viewBox starts here: room for the figures of the y axis
CHART_RIGHT = CHART_WIDTH + 20
# An upper bound of one character's advance at the labels' 11-unit font (a digit or a
# Vietnamese letter with its marks is narrower): label boxes are reckoned with it, so two
# labels placed apart by this rule never touch however the font draws them.
LABEL_CHAR = 7.0
LABEL_GAP = 6.0
LABEL_ROWS = (178.0, 194.0)
# After the due date the chart keeps a linear scale for this long (at least a week, or a
# quarter of the time before the due date); later submissions sit in a narrow band past a
# break in the axis, so one report arriving months late does not squash the whole curve.
LATE_SHARE = 0.15


@dataclass(frozen=True)
class ChartLabel:
    x: float  # left edge (drawn with text-anchor="start")
    y: float
    text: str
    kind: str

    @property
    def right(self) -> float:
        return self.x + len(self.text) * LABEL_CHAR


@dataclass(frozen=True)
class Timeline:
    days: list[tuple[dt.date, int, int]]  # day, submitted that day, cumulative
    due: dt.date
    expected: int

    def svg_points(self, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> str:
        """Polyline points of the cumulative curve, scaled to the chart box."""
        if not self.days:
            return ""
        top = max(self.expected, 1)
        points = [(0.0, float(height))]
        for day, _count, cumulative in self.days:
            points.append((self.x_of(day, width), height - cumulative / top * height))
        points.append((float(width), points[-1][1]))
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)

    def due_x(self, width: int = CHART_WIDTH) -> float:
        return self.x_of(self.due, width)

    def break_x(self, width: int = CHART_WIDTH) -> float | None:
        """Where the axis breaks before the band of very late days; None when it does not."""
        return width * (1 - LATE_SHARE) if self._cut() is not None else None

    def x_of(self, day: dt.date, width: int = CHART_WIDTH) -> float:
        first, last = self._span()
        cut = self._cut()
        if cut is None:
            return (day - first).days / max((last - first).days, 1) * width
        main = width * (1 - LATE_SHARE)
        if day <= cut:
            return (day - first).days / max((cut - first).days, 1) * main
        # Past the break: the very late days spread evenly over the band, in order.
        late = sorted({d for d, _n, _c in self.days if d > cut})
        band = width - main - LABEL_GAP
        return main + LABEL_GAP + (late.index(day) + 1) / len(late) * band

    def labels(self, due_word: str, width: int = CHART_WIDTH) -> list[ChartLabel]:
        """The x axis' labels (the due date first, then the first and last day), each on the
        first row where its box clears every other label by LABEL_GAP; one that fits on no row
        is left out. Boxes stay inside the chart's viewBox."""
        first, last = self._span()
        wanted = [(self.due_x(width), f"{due_word} {self.due:%d/%m}", "due")]
        if first != self.due:
            wanted.append((0.0, f"{first:%d/%m}", "start"))
        if last != self.due:
            wanted.append((float(width), f"{last:%d/%m}", "end"))
        placed: list[ChartLabel] = []
        for x, text, kind in wanted:
            size = len(text) * LABEL_CHAR
            left = min(max(x - size / 2, CHART_LEFT), CHART_RIGHT - size)
            for y in LABEL_ROWS:
                label = ChartLabel(left, y, text, kind)
                if all(
                    other.y != y
                    or label.right + LABEL_GAP <= other.x
                    or other.right + LABEL_GAP <= label.x
                    for other in placed
                ):
                    placed.append(label)
                    break
        return placed

    def _span(self) -> tuple[dt.date, dt.date]:
        first = min(self.days[0][0], self.due) if self.days else self.due
        last = max(self.days[-1][0], self.due) if self.days else self.due
        return first, last

    def _cut(self) -> dt.date | None:
        """The last day of the linear scale, when later days are far enough to need a break."""
        first, last = self._span()
        cut = self.due + max(dt.timedelta(days=7), (self.due - first) / 4)
        return cut if last > cut else None


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
    row = campaign.assignments.active().aggregate(
        **{
            DisplayStatus.NOT_STARTED: Count("pk", filter=Q(state=State.NOT_STARTED)),
            DisplayStatus.DRAFT: Count("pk", filter=Q(state=State.DRAFT)),
            DisplayStatus.ON_TIME: Count("pk", filter=SUBMITTED_ON_TIME),
            DisplayStatus.LATE: Count("pk", filter=SUBMITTED_LATE),
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
