"""The directive as a unit sees it through its personal link: its file, and the confirmation
that the unit received it. The link itself is checked by tonghop.reports.links."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tonghop.reminders import directive
from tonghop.reports.links.models import AccessLink
from tonghop.reports.links.views import through_link
from tonghop.reports.models import Assignment
from tonghop.visitors import is_person


def mark_opened_by_link(assignment: Assignment, link_id: int) -> None:
    """What the link's report page records when the unit opens it."""
    directive.mark_opened(assignment, None, link_id=link_id)


@through_link()
@require_POST
def link_confirm_receipt(request: HttpRequest, link: AccessLink, token: str) -> HttpResponse:
    try:
        directive.confirm_receipt(link.assignment, user=None, link_id=link.pk)
    except directive.DirectiveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: your unit's receipt of the directive is recorded."))
    return redirect("links:page", token=token)


@through_link()
@require_safe
def link_directive_document(request: HttpRequest, link: AccessLink, token: str) -> FileResponse:
    """The directive's file as sent to the unit, as on the reporter's page."""
    assignment = link.assignment
    document = assignment.campaign.source_document
    if directive.delivery_for(assignment) is None or document is None or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    if is_person(request):
        directive.mark_opened(assignment, None, link_id=link.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=directive.attachment_name(document),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
