"""The office's pages: its campaigns, who has reported, and the review of one report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tonghop.campaigns.models import Assignment, Campaign, DisplayStatus
from tonghop.orgs.models import User
from tonghop.reports import actions
from tonghop.reports.forms import ReturnForm, VersionForm
from tonghop.reports.models import Report


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get_campaign_for_staff(request: HttpRequest, slug: str) -> Campaign:
    """The only way an office view reaches a campaign: through the user's own offices."""
    queryset = Campaign.objects.for_office_staff(_user(request)).select_related("office")
    return get_object_or_404(queryset, slug=slug)


def _get_assignment_for_staff(request: HttpRequest, slug: str, pk: int) -> Assignment:
    campaign = _get_campaign_for_staff(request, slug)
    queryset = Assignment.objects.for_office_staff(_user(request)).select_related(
        "campaign", "unit"
    )
    return get_object_or_404(queryset, campaign=campaign, pk=pk)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.for_office_staff(_user(request)).select_related("office")
    rows = [(campaign, campaign.figures()) for campaign in campaigns]
    return TemplateResponse(request, "campaigns/campaign_list.html", {"rows": rows})


@login_required
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _get_campaign_for_staff(request, slug)
    wanted = request.GET.get("status", "")
    assignments = list(campaign.assignments.active().select_related("unit").order_by("unit__name"))
    counts: dict[str, int] = {status.value: 0 for status in DisplayStatus}
    for assignment in assignments:
        counts[assignment.display_status.value] += 1
    if wanted in counts:
        assignments = [a for a in assignments if a.display_status.value == wanted]
    context = {
        "campaign": campaign,
        "figures": campaign.figures(),
        "assignments": assignments,
        "status_counts": [(s, counts[s.value]) for s in DisplayStatus],
        "wanted": wanted,
        "now": timezone.now(),
        "compilations": campaign.compilations.all()[:5],
    }
    return TemplateResponse(request, "campaigns/campaign_detail.html", context)


@login_required
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assignment = _get_assignment_for_staff(request, slug, pk)
    report = Report.objects.filter(assignment=assignment).first()
    indicators = list(assignment.campaign.indicators.all())
    values = report.values if report else {}
    rows = [(indicator, values.get(indicator.code)) for indicator in indicators]
    context = {
        "assignment": assignment,
        "campaign": assignment.campaign,
        "report": report,
        "rows": rows,
        "events": assignment.events.select_related("actor"),
        "versions": report.versions.all() if report else [],
        "return_form": ReturnForm(initial={"version": assignment.version}),
        "accept_form": VersionForm(initial={"version": assignment.version}),
    }
    return TemplateResponse(request, "campaigns/review.html", context)


@login_required
@require_POST
def review_step(request: HttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    assignment = _get_assignment_for_staff(request, slug, pk)
    form: VersionForm | ReturnForm
    # The URL admits only "accept" and "return"; anything else never reaches this view.
    form = ReturnForm(request.POST) if step == "return" else VersionForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("comment", []) or [_("The form is incomplete.")]:
            messages.error(request, str(message))
        return redirect("campaigns:review", slug=slug, pk=pk)
    try:
        if step == "return":
            actions.return_report(
                _user(request),
                assignment.pk,
                form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("The report was returned to the unit."))
        else:
            actions.accept_report(
                _user(request), assignment.pk, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, _("The report was accepted."))
    except actions.InvalidValues as exc:
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:review", slug=slug, pk=pk)
