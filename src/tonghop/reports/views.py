"""A unit reporter's pages: what the unit owes, and the report form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tonghop.access import signed_in_user
from tonghop.campaigns.models import Assignment
from tonghop.reports import actions
from tonghop.reports.forms import ReportForm
from tonghop.reports.history import history
from tonghop.reports.models import Report


def _get_assignment_for_reporter(request: HttpRequest, pk: int) -> Assignment:
    """The only way a reporter's view reaches an assignment: through the user's own units."""
    queryset = Assignment.objects.for_reporter(signed_in_user(request)).select_related(
        "campaign", "campaign__office", "unit"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
def my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = (
        Assignment.objects.for_reporter(signed_in_user(request))
        .select_related("campaign", "unit")
        .order_by("due_at", "unit__name")
    )
    return TemplateResponse(request, "reports/my_assignments.html", {"assignments": assignments})


def _initial(assignment: Assignment) -> dict[str, object]:
    report = Report.objects.filter(assignment=assignment).first()
    initial: dict[str, object] = {"version": assignment.version}
    if report is not None:
        initial["narrative"] = report.narrative
        for code, value in report.values.items():
            initial[code] = "" if value is None else value
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _get_assignment_for_reporter(request, pk)
    indicators = list(assignment.campaign.indicators.all())
    status = 200
    if request.method == "POST":
        form = ReportForm(indicators, request.POST)
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                actions.save_report(
                    signed_in_user(request),
                    assignment.pk,
                    {i.code: form.cleaned_data.get(i.code) for i in indicators},
                    form.cleaned_data["narrative"],
                    expected_version=form.cleaned_data["version"],
                    submit=submit,
                )
            except actions.InvalidValues as exc:
                for code, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(code if code in form.fields else None, error)
                status = 400
            except (actions.StaleForm, actions.InvalidStep, actions.NotAllowed) as exc:
                messages.error(request, str(exc))
                return redirect("reports:form", pk=assignment.pk)
            else:
                if submit:
                    messages.success(request, _("Your report was submitted. Thank you."))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect("reports:form", pk=assignment.pk)
        else:
            status = 400
    else:
        form = ReportForm(indicators, initial=_initial(assignment))
    last_return = assignment.events.filter(step="return").order_by("-at").first()
    context = {
        "assignment": assignment,
        "campaign": assignment.campaign,
        "form": form,
        "editable": assignment.is_editable_by_unit,
        "report": Report.objects.filter(assignment=assignment).first(),
        "last_return": last_return,
        "history": history(assignment),
    }
    return TemplateResponse(request, "reports/report_form.html", context, status=status)
