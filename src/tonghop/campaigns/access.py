"""The only ways a view reaches a campaign or a form template: through the signed-in user's own
offices. Anything else is a 404, as for an address that does not exist. Every package's views
take these; none keeps a copy (assignments: tonghop.reports.access)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from tonghop.access import signed_in_user
from tonghop.campaigns.form_models import FormTemplate
from tonghop.campaigns.models import Campaign


def get_campaign_for_staff(request: HttpRequest, slug: str, *related: str) -> Campaign:
    """A campaign of the user's offices; `related` are further relations the page reads."""
    queryset = Campaign.objects.for_office_staff(signed_in_user(request))
    return get_object_or_404(queryset.select_related("office", *related), slug=slug)


def get_template_for_staff(request: HttpRequest, pk: int) -> FormTemplate:
    """A form template of the user's offices."""
    queryset = FormTemplate.objects.for_office_staff(signed_in_user(request))
    return get_object_or_404(queryset.select_related("office", "created_by"), pk=pk)
