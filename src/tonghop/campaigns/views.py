"""The office's pages: its campaigns, who has reported, and the review of one report."""

from __future__ import annotations

import csv
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.campaigns import dashboard
from tonghop.campaigns.actions import create_campaign, spec_from_form
from tonghop.campaigns.forms import CampaignForm, initial_from_document
from tonghop.campaigns.models import Assignment, Campaign, DisplayStatus, State
from tonghop.campaigns.presets import PRESETS
from tonghop.documents.models import Document
from tonghop.reports import actions, export
from tonghop.reports.forms import ReturnForm, VersionForm
from tonghop.reports.history import history
from tonghop.reports.models import Report


def _get_campaign_for_staff(request: HttpRequest, slug: str) -> Campaign:
    """The only way an office view reaches a campaign: through the user's own offices."""
    queryset = Campaign.objects.for_office_staff(signed_in_user(request)).select_related("office")
    return get_object_or_404(queryset, slug=slug)


def _get_assignment_for_staff(request: HttpRequest, slug: str, pk: int) -> Assignment:
    campaign = _get_campaign_for_staff(request, slug)
    queryset = Assignment.objects.for_office_staff(signed_in_user(request)).select_related(
        "campaign", "unit"
    )
    return get_object_or_404(queryset, campaign=campaign, pk=pk)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(
        Campaign.objects.for_office_staff(signed_in_user(request)).select_related("office")
    )
    figures = dashboard.overview(campaigns)
    rows = [(campaign, figures[campaign.pk]) for campaign in campaigns]
    return TemplateResponse(request, "campaigns/campaign_list.html", {"rows": rows})


UNITS_PER_PAGE = 100


@login_required
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _get_campaign_for_staff(request, slug)
    now = timezone.now()
    wanted = request.GET.get("status", "")
    assignments: QuerySet[Assignment] = (
        campaign.assignments.active().select_related("unit").order_by("unit__name")
    )
    figures = campaign.figures()
    counts = dashboard.display_counts(campaign)
    if wanted in DisplayStatus.values:
        assignments = _filter_status(assignments, DisplayStatus(wanted))
    page = Paginator(assignments, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "figures": figures,
        "assignments": page,
        "page": page,
        "status_counts": [(s, counts[s.value]) for s in DisplayStatus],
        "wanted": wanted,
        "now": now,
        "by_group": dashboard.by_group(campaign, now),
        "by_subtree": dashboard.by_subtree(campaign, now),
        "timeline": dashboard.timeline(campaign),
        "compilations": campaign.compilations.all()[:5],
    }
    return TemplateResponse(request, "campaigns/campaign_detail.html", context)


def _filter_status(
    assignments: QuerySet[Assignment], status: DisplayStatus
) -> QuerySet[Assignment]:
    if status == DisplayStatus.ON_TIME:
        return assignments.filter(state=State.SUBMITTED, submitted_at__lte=F("due_at"))
    if status == DisplayStatus.LATE:
        return assignments.filter(state=State.SUBMITTED, submitted_at__gt=F("due_at"))
    return assignments.filter(state=status.value)


@login_required
def missing_units(request: HttpRequest, slug: str) -> HttpResponse:
    """Units still owing their report, with contacts: sortable, and as a CSV file."""
    campaign = _get_campaign_for_staff(request, slug)
    order = request.GET.get("sort", "unit")
    rows = dashboard.missing(campaign, order)
    if request.GET.get("format") == "csv":
        return _missing_csv(campaign, rows)
    context = {"campaign": campaign, "rows": rows, "order": order, "now": timezone.now()}
    return TemplateResponse(request, "campaigns/missing.html", context)


def _missing_csv(campaign: Campaign, rows: list[Assignment]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chua-bao-cao-{campaign.slug}.csv"'
    # The byte-order mark makes Excel open the Vietnamese text as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            "Mã đơn vị",
            "Đơn vị",
            "Loại",
            "Hạn báo cáo",
            "Trạng thái",
            "Người liên hệ",
            "Điện thoại",
            "Thư điện tử",
        ]
    )
    for a in rows:
        writer.writerow(
            [
                a.unit.code,
                _safe_cell(a.unit.name),
                a.unit.get_kind_display(),
                timezone.localtime(a.due_at).strftime("%H:%M %d/%m/%Y"),
                a.display_status.label,
                _safe_cell(a.unit.contact_name),
                _safe_cell(a.unit.contact_phone),
                a.unit.email,
            ]
        )
    return response


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
def unit_duties(request: HttpRequest, code: str) -> HttpResponse:
    """What one unit owes across the office's campaigns, and when."""
    assignments = (
        Assignment.objects.for_office_staff(signed_in_user(request))
        .filter(unit__code=code)
        .select_related("campaign", "unit")
        .order_by("-due_at")
    )
    rows = list(assignments)
    if not rows:
        raise Http404
    context = {"unit": rows[0].unit, "assignments": rows, "now": timezone.now()}
    return TemplateResponse(request, "campaigns/unit_duties.html", context)


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
        "history": history(assignment),
        "extend_form": ExtendForm(
            initial={
                "version": assignment.version,
                "due_at": timezone.localtime(assignment.due_at),
            },
            auto_id="extend_%s",
        ),
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
                signed_in_user(request),
                assignment.pk,
                form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("The report was returned to the unit."))
        else:
            actions.accept_report(
                signed_in_user(request),
                assignment.pk,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("The report was accepted."))
    except actions.InvalidValues as exc:
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:review", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """A campaign from scratch, or pre-filled from a registered document (?document=UID)."""
    user = signed_in_user(request)
    offices = user.office_units()
    if not offices.exists():
        raise Http404
    document: Document | None = None
    uid = request.GET.get("document") or request.POST.get("document") or ""
    if uid:
        try:
            document = Document.objects.for_office_staff(user).get(uid=uid)
        except (Document.DoesNotExist, ValidationError):
            raise Http404 from None
    initial: dict[str, object] = {}
    notes: list[str] = []
    if document is not None:
        initial, notes = initial_from_document(document)
    form = CampaignForm(offices, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _name, indicators = PRESETS[form.cleaned_data["preset"]]
            units = form.units()
            if not units:
                form.add_error("unit_kinds", _("No unit of these kinds in the office's tree."))
            else:
                campaign = create_campaign(
                    form.cleaned_data["office"],
                    spec_from_form(form.cleaned_data, indicators),
                    units,
                    by=user,
                    source_document=document,
                )
                messages.success(
                    request,
                    _("The campaign was created and handed to %(count)s units.")
                    % {"count": len(units)},
                )
                return redirect("campaigns:detail", slug=campaign.slug)
        status = 400
    context = {"form": form, "document": document, "notes": notes}
    return TemplateResponse(request, "campaigns/campaign_new.html", context, status=status)


EXPORT_FORMATS = ("csv", "xlsx")


@login_required
@require_safe
def export_reports(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """Every report of a campaign as one table: CSV streamed as it is read, Excel written to a
    temporary file first (a workbook is a zip, finished only at the end) and sent from it."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    campaign = _get_campaign_for_staff(request, slug)
    name = export.filename(campaign, fmt)
    if fmt == "csv":
        streamed = StreamingHttpResponse(
            export.iter_csv(campaign), content_type="text/csv; charset=utf-8"
        )
        streamed["Content-Disposition"] = f'attachment; filename="{name}"'
        return streamed
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        export.write_xlsx(campaign, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(
        handle, as_attachment=True, filename=name, content_type=export.XLSX_CONTENT_TYPE
    )


class ExtendForm(forms.Form):
    """The office moves one unit's due time, with the reason kept in the history."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    due_at = forms.DateTimeField(
        label=gettext_lazy("New due time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the extension"),
        max_length=actions.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
@require_POST
def extend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assignment = _get_assignment_for_staff(request, slug, pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for message in errors:
                label = form.fields[field].label if field in form.fields else None
                messages.error(request, f"{label}: {message}" if label else str(message))
        return redirect("campaigns:review", slug=slug, pk=pk)
    try:
        changed = actions.extend_due(
            signed_in_user(request),
            assignment.pk,
            form.cleaned_data["due_at"],
            form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except actions.InvalidValues as exc:
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The due time was extended to %(due)s.")
            % {"due": timezone.localtime(changed.due_at).strftime("%H:%M %d/%m/%Y")},
        )
    return redirect("campaigns:review", slug=slug, pk=pk)
