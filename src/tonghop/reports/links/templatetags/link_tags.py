"""The office's panel of a unit's personal link, on the review page of the unit's report."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone

from tonghop.reports.links.models import AccessLink
from tonghop.reports.models import Assignment

register = template.Library()

RECENT = 5


@dataclass(frozen=True)
class LinkPanel:
    # "live", "expired" (not revoked but past its time) or "none".
    state: str
    current: AccessLink | None
    recent: list[AccessLink]

    @property
    def is_live(self) -> bool:
        return self.state == "live"

    @property
    def is_expired(self) -> bool:
        return self.state == "expired"


@register.simple_tag
def link_panel(assignment: Assignment) -> LinkPanel:
    recent = list(
        assignment.access_links.select_related("created_by", "revoked_by").order_by(
            "-created_at", "-pk"
        )[:RECENT]
    )
    current = next((link for link in recent if link.revoked_at is None), None)
    if current is None:
        return LinkPanel("none", None, recent)
    state = "expired" if current.is_expired(timezone.now()) else "live"
    return LinkPanel(state, current, recent)
