"""Template tags that let other apps' pages show the directive without changing their views."""

from __future__ import annotations

from django import template
from django.utils import timezone

from tonghop.campaigns.models import Campaign
from tonghop.reminders.directive import delivery_for
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reminders.receipts import ReceiptCounts, receipt_counts
from tonghop.reports.models import Assignment

register = template.Library()


@register.simple_tag
def directive_delivery_for(assignment: Assignment) -> DirectiveDelivery | None:
    """The directive sent to this assignment's unit, if the office has sent it."""
    return delivery_for(assignment)


@register.simple_tag
def directive_summary(campaign: Campaign) -> ReceiptCounts:
    return receipt_counts(campaign, timezone.now())
