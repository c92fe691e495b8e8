"""The only ways a view reaches an assignment: through the signed-in user's own offices (staff)
or own units (reporters). Anything else is a 404, as for an address that does not exist."""

from __future__ import annotations

import functools

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from tonghop.access import signed_in_user
from tonghop.db.prepared import PreparedRead
from tonghop.orgs.models import User
from tonghop.reports.models import Assignment


def get_assignment_for_staff(request: HttpRequest, slug: str, pk: int) -> Assignment:
    """One unit's assignment in a campaign of the user's offices."""
    queryset = Assignment.objects.for_office_staff(signed_in_user(request)).select_related(
        "campaign", "campaign__office", "unit"
    )
    return get_object_or_404(queryset, campaign__slug=slug, pk=pk)


def _for_reporter(assignment_id: int, user_id: int, *, with_document: bool) -> QuerySet[Assignment]:
    related = ["campaign", "campaign__office", "unit"]
    if with_document:
        related.append("campaign__source_document")
    return (
        Assignment.objects.for_reporter(User(pk=user_id))
        .select_related(*related)
        .filter(pk=assignment_id)
    )


# Every page and form a reporter opens reads its assignment this way: compiled once.
_FOR_REPORTER = {
    with_document: PreparedRead(
        functools.partial(_for_reporter, with_document=with_document),
        assignment_id=int,
        user_id=int,
    )
    for with_document in (False, True)
}


def get_assignment_for_reporter(
    request: HttpRequest, pk: int, *, with_document: bool = True
) -> Assignment:
    """An assignment of one of the user's own units; `with_document`: with the campaign's
    directive, which the pages show (a form sent that is answered by a redirect needs none,
    and the directive's row carries its whole text)."""
    found = _FOR_REPORTER[with_document].run(assignment_id=pk, user_id=signed_in_user(request).pk)
    if not found:
        raise Http404("No Assignment matches the given query.")
    return found[0]
