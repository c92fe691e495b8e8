"""Creating campaigns and handing them to units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from tonghop.campaigns.models import Assignment, Campaign, CampaignStatus, Indicator
from tonghop.documents.models import Document
from tonghop.orgs.models import Unit, User


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


@transaction.atomic
def create_campaign(
    office: Unit,
    spec: CampaignSpec,
    units: Iterable[Unit],
    *,
    by: User | None,
    source_document: Document | None = None,
    status: CampaignStatus = CampaignStatus.OPEN,
) -> Campaign:
    """Create a campaign with its form and one assignment per unit, all due at the same time."""
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
    Indicator.objects.bulk_create(
        Indicator(
            campaign=campaign,
            order=position,
            code=item.code,
            label=item.label,
            kind=item.kind,
            aggregation=item.aggregation,
            section=item.section,
            unit_of_measure=item.unit_of_measure,
            required=item.required,
            help_text=item.help_text,
            min_value=item.min_value,
            max_value=item.max_value,
        )
        for position, item in enumerate(spec.indicators, start=1)
    )
    Assignment.objects.bulk_create(
        Assignment(campaign=campaign, unit=unit, due_at=spec.due_at) for unit in units
    )
    return campaign


def spec_from_form(data: dict[str, object], indicators: Sequence[IndicatorSpec]) -> CampaignSpec:
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
        report_symbol=text("report_symbol"),
        indicators=tuple(indicators),
    )
