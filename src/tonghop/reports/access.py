"""The only ways a view reaches an assignment: through the signed-in user's own offices (staff)
or own units (reporters). Anything else is a 404, as for an address that does not exist."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from tonghop.access import signed_in_user
from tonghop.reports.models import Assignment


def get_assignment_for_staff(request: HttpRequest, slug: str, pk: int) -> Assignment:
    """One unit's assignment in a campaign of the user's offices."""
    queryset = Assignment.objects.for_office_staff(signed_in_user(request)).select_related(
        "campaign", "campaign__office", "unit"
    )
    return get_object_or_404(queryset, campaign__slug=slug, pk=pk)


def get_assignment_for_reporter(
    request: HttpRequest, pk: int, *, with_document: bool = True
) -> Assignment:
    """An assignment of one of the user's own units; `with_document`: with the campaign's
    directive, which the pages show (a form sent that is answered by a redirect needs none,
    and the directive's row carries its whole text)."""
    related = ["campaign", "campaign__office", "unit"]
    if with_document:
        related.append("campaign__source_document")
    queryset = Assignment.objects.for_reporter(signed_in_user(request)).select_related(*related)
    return get_object_or_404(queryset, pk=pk)
