"""The office's pages: its campaigns, who has reported, and the review of one report."""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import posted_version, signed_in_user
from tonghop.audit.spreadsheet import safe_cell
from tonghop.campaigns import actions as campaign_actions
from tonghop.campaigns.access import get_campaign_for_staff, get_template_for_staff
from tonghop.campaigns.actions import ActionError, IndicatorSpec, UnitListChanged, spec_from_form
from tonghop.campaigns.form_models import FormTemplate
from tonghop.campaigns.forms import (
    CampaignForm,
    TemplateForm,
    form_for,
    initial_from_campaign,
    initial_from_document,
)
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign, CampaignStep, UnitImport
from tonghop.campaigns.presets import PRESETS
from tonghop.campaigns.unit_import import Plan, preview_rows
from tonghop.campaigns.unit_table import MAX_BYTES, ImportFileError, read_table
from tonghop.documents.models import Document
from tonghop.forms import CleanInputForm
from tonghop.orgs.models import Unit
from tonghop.reports import actions, dashboard, export, levels, remote
from tonghop.reports.access import get_assignment_for_staff
from tonghop.reports.assigning import create_campaign
from tonghop.reports.forms import ReturnForm, VersionForm
from tonghop.reports.history import history
from tonghop.reports.models import Assignment, AssignmentQuerySet, DisplayStatus, Report


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
    campaign = get_campaign_for_staff(request, slug)
    now = timezone.now()
    wanted = request.GET.get("status", "")
    assignments: AssignmentQuerySet = (
        campaign.assignments.active().select_related("unit").order_by("unit__name")
    )
    figures = campaign.assignments.figures()
    counts = dashboard.display_counts(campaign)
    if wanted in DisplayStatus.values:
        assignments = assignments.with_display_status(DisplayStatus(wanted))
    page = Paginator(assignments, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # An answer taken in from a district's install: its signed PDF is in the register.
    received = remote.answer_documents(rows)
    for row in rows:
        row.remote_answer = received.get(row.pk)  # type: ignore[attr-defined]
    page.object_list = rows
    context = {
        "campaign": campaign,
        "figures": figures,
        "assignments": page,
        "page": page,
        "pager_query": urlencode({"status": wanted}) if wanted else "",
        "status_counts": [(s, counts[s.value]) for s in DisplayStatus],
        "wanted": wanted,
        "now": now,
    }
    if request.headers.get("HX-Target") == "units-section":
        # A chip or a page of the units' table: only the table is drawn and swapped in. The
        # same address answers the whole page too, so caches must tell the two apart.
        part = TemplateResponse(request, "campaigns/campaign_detail.html#units-section", context)
        patch_vary_headers(part, ["HX-Target"])
        return part
    timeline = dashboard.timeline(campaign)
    context |= {
        "by_group": dashboard.by_group(campaign, now),
        "by_subtree": dashboard.by_subtree(campaign, now),
        "timeline": timeline,
        "chart_labels": timeline.labels(_("due")),
        "compilations": campaign.compilations.all()[:5],
        **levels.page_context(campaign, now),
        **remote.send_panel(signed_in_user(request), campaign),
    }
    return TemplateResponse(request, "campaigns/campaign_detail.html", context)


_STATUS_DONE = {
    CampaignStep.CLOSE: gettext_lazy(
        "The campaign is closed: units can no longer submit, and no reminders are sent."
    ),
    CampaignStep.REOPEN: gettext_lazy("The campaign is open again."),
    CampaignStep.ARCHIVE: gettext_lazy("The campaign is archived."),
}


@login_required
@require_POST
def change_status(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    if step not in CampaignStep.values:
        raise Http404
    try:
        campaign_actions.change_status(
            signed_in_user(request),
            campaign.pk,
            CampaignStep(step),
            expected_version=posted_version(request),
        )
    except campaign_actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(_STATUS_DONE[CampaignStep(step)]))
    return redirect("campaigns:detail", slug=slug)


@login_required
def missing_units(request: HttpRequest, slug: str) -> HttpResponse:
    """Units still owing their report, with contacts: sortable, and as a CSV file."""
    campaign = get_campaign_for_staff(request, slug)
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
        cells = [
            a.unit.code,
            a.unit.name,
            a.unit.get_kind_display(),
            timezone.localtime(a.due_at).strftime("%H:%M %d/%m/%Y"),
            a.display_status.label,
            a.unit.contact_name,
            a.unit.contact_phone,
            a.unit.email,
        ]
        writer.writerow([safe_cell(str(cell)) for cell in cells])
    return response


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
    assignment = get_assignment_for_staff(request, slug, pk)
    report = Report.objects.filter(assignment=assignment).first()
    indicators = list(assignment.campaign.indicators.all())
    values = report.values if report else {}
    rows = [(i, i.display_value(values.get(i.code))) for i in indicators]
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
        "next_review": assignment.next_awaiting_review(),
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
    assignment = get_assignment_for_staff(request, slug, pk)
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
    """A campaign from scratch, pre-filled from a registered document (?document=UID), or as a
    copy of another (?copy=SLUG). Its units come from the picker and, if the office wishes,
    from a unit list file, previewed on this same page before anything changes.

    The page posts to itself with the button pressed as `action`; each action has its own view
    below (a file sent with the page is always previewed first, whatever the button)."""
    user = signed_in_user(request)
    offices = user.office_units()
    if not offices.exists():
        raise Http404
    document = _document_from(request)
    copy_of = _copy_from(request)
    initial: dict[str, object] = {}
    notes: list[str] = []
    if document is not None and not document.is_registered:
        messages.error(
            request,
            _("Register the document first: a campaign can start only from a registered document."),
        )
        return redirect("documents:detail", uid=document.uid)
    if document is not None:
        initial, notes = initial_from_document(document)
    elif copy_of is not None:
        initial, notes = initial_from_campaign(copy_of)
    page = _NewPage(request, document, copy_of, notes)
    if request.method != "POST":
        return page.render(CampaignForm(user, offices, initial=initial, copy_of=copy_of))
    action = request.POST.get("action", "create")
    if action == "discard-list":
        return _new_discard_list(page)
    if action == "preview" or request.FILES.get("unit_file"):
        return _preview_unit_list(request, page)
    if action == "check":
        return _new_check(page)
    return _new_create(page)


def _new_discard_list(page: _NewPage) -> HttpResponse:
    """The "remove the list" button: the page again, as typed, without the unit list."""
    user = signed_in_user(page.request)
    data = page.request.POST
    kept = {**CampaignForm.initial_from(data), "unit_list": "", "unit_list_digest": ""}
    return page.render(CampaignForm(user, user.office_units(), initial=kept, copy_of=page.copy_of))


@dataclass
class _Checked:
    """A new campaign's page that passed every check: what creating it needs."""

    form: CampaignForm
    office: Unit
    unit_list: UnitImport | None
    plan: Plan | None
    units: list[Unit]
    indicators: tuple[IndicatorSpec, ...]
    rules: tuple[dict[str, Any], ...]


def _new_checked(page: _NewPage) -> _Checked | HttpResponse:
    """The posted page checked as creating it would check it: the form, the unit list kept
    on the server, the form's preset, at least one unit. The page with its errors otherwise."""
    request = page.request
    user = signed_in_user(request)
    form = CampaignForm(
        user, user.office_units(), request.POST, request.FILES, copy_of=page.copy_of
    )
    if not form.is_valid():
        return page.render(form, plan=_posted_plan(request, form), status=400)
    office = form.cleaned_data["office"]
    unit_list = None
    if form.cleaned_data.get("unit_list"):
        try:
            unit_list = campaign_actions.usable_unit_import(
                str(form.cleaned_data["unit_list"]), user, office, None
            )
        except ActionError as exc:
            form.add_error("unit_file", str(exc))
            return page.render(form, status=400)
    plan = campaign_actions.plan_unit_import(unit_list) if unit_list else None
    units = form.chosen_units(office)
    indicators: tuple[IndicatorSpec, ...] = ()
    rules: tuple[dict[str, Any], ...] = ()
    try:
        indicators, rules = form_for(form.cleaned_data["preset"], user)
    except ActionError as exc:
        form.add_error("preset", str(exc))
    if not units and not (plan and plan.usable):
        form.add_error("units", _("Choose at least one unit, or import a unit list."))
    if not form.is_valid():
        return page.render(form, plan=plan, status=400)
    return _Checked(form, office, unit_list, plan, units, indicators, rules)


def _new_check(page: _NewPage) -> HttpResponse:
    """The "check" button (and Enter in a field): the page with the units that would be
    handed the campaign, nothing created."""
    checked = _new_checked(page)
    if isinstance(checked, _Checked):
        return page.render(checked.form, plan=checked.plan, chosen=checked.units)
    # The count does not wait for the rest of the page (a due date already past): the units
    # chosen are counted all the same, beside the page's errors.
    request = page.request
    user = signed_in_user(request)
    form = CampaignForm(
        user, user.office_units(), request.POST, request.FILES, copy_of=page.copy_of
    )
    form.is_valid()
    office = form.cleaned_data.get("office")
    if not isinstance(office, Unit) or form.has_error("units") or form.has_error("subtrees"):
        return checked
    return page.render(
        form, plan=_posted_plan(request, form), chosen=form.chosen_units(office), status=400
    )


def _new_create(page: _NewPage) -> HttpResponse:
    """The "create" button: the campaign, its form and its units, then the directive's page."""
    checked = _new_checked(page)
    if not isinstance(checked, _Checked):
        return checked
    request, form = page.request, checked.form
    user = signed_in_user(request)
    try:
        campaign = create_campaign(
            checked.office,
            spec_from_form(form.cleaned_data, checked.indicators, checked.rules),
            checked.units,
            by=user,
            source_document=page.document,
            unit_list=checked.unit_list,
            expected_digest=form.cleaned_data.get("unit_list_digest") or "",
        )
    except UnitListChanged as exc:
        # Show the list as it would now be applied, with the digest of what is shown.
        data = request.POST.copy()
        data["unit_list_digest"] = exc.plan.digest()
        form = CampaignForm(user, user.office_units(), data, copy_of=page.copy_of)
        form.is_valid()
        form.add_error(None, str(exc))
        return page.render(form, plan=exc.plan, status=409)
    except ActionError as exc:
        form.add_error(None, str(exc))
        return page.render(form, plan=checked.plan, status=400)
    count = campaign.assignments.count()
    messages.success(
        request,
        _(
            "The campaign was created and handed to %(count)s units. Check who can be reached, "
            "then send them the directive."
        )
        % {"count": count},
    )
    # Starting a campaign means sending the directive (ND 30 Art. 21): the next page shows who
    # gets it by email, in the app only, or must be phoned, before anything is sent.
    return redirect("reminders:directive", slug=campaign.slug)


class _NewPage:
    """The new-campaign page, drawn with whatever the step produced."""

    def __init__(
        self,
        request: HttpRequest,
        document: Document | None,
        copy_of: Campaign | None,
        notes: list[str],
    ) -> None:
        self.request, self.document, self.copy_of, self.notes = request, document, copy_of, notes

    def render(
        self,
        form: CampaignForm,
        *,
        plan: Plan | None = None,
        chosen: list[Unit] | None = None,
        list_error: str = "",
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "form": form,
            "document": self.document,
            "copy_of": self.copy_of,
            "notes": self.notes,
            "plan": plan,
            "rows": preview_rows(plan, _office_name(form)) if plan else [],
            "chosen": chosen,
            "chosen_count": _chosen_count(chosen, plan),
            "list_error": list_error,
        }
        return TemplateResponse(self.request, "campaigns/campaign_new.html", context, status=status)


def _office_name(form: CampaignForm) -> str:
    office = form.cleaned_data.get("office") if hasattr(form, "cleaned_data") else None
    if isinstance(office, Unit):
        return office.name
    offices = form.picker_offices
    wanted = str(form["office"].value() or "")
    return next((o.name for o in offices if str(o.pk) == wanted), offices[0].name)


def _chosen_count(chosen: list[Unit] | None, plan: Plan | None) -> int:
    codes = {unit.code.lower() for unit in chosen or []}
    codes.update(row.code for row in (plan.usable if plan else []))
    return len(codes)


def _document_from(request: HttpRequest) -> Document | None:
    uid = request.GET.get("document") or request.POST.get("document") or ""
    if not uid:
        return None
    try:
        return Document.objects.for_office_staff(signed_in_user(request)).get(uid=uid)
    except (Document.DoesNotExist, ValidationError):
        raise Http404 from None


def _copy_from(request: HttpRequest) -> Campaign | None:
    slug = request.GET.get("copy") or request.POST.get("copy") or ""
    if not slug:
        return None
    return get_campaign_for_staff(request, slug)


def _posted_plan(request: HttpRequest, form: CampaignForm) -> Plan | None:
    """The preview of the unit list a page carries, to draw it again beside the errors."""
    uid, office = form.cleaned_data.get("unit_list"), form.cleaned_data.get("office")
    if not uid or office is None:
        return None
    try:
        found = campaign_actions.usable_unit_import(str(uid), signed_in_user(request), office, None)
    except ActionError:
        return None
    return campaign_actions.plan_unit_import(found)


def _preview_unit_list(request: HttpRequest, page: _NewPage) -> HttpResponse:
    """Read the unit list sent with the page, keep it on the server, show what it would do."""
    user = signed_in_user(request)
    offices = user.office_units()
    kept = CampaignForm.initial_from(request.POST)
    form = CampaignForm(user, offices, initial=kept, copy_of=page.copy_of)
    office = offices.filter(pk=_int(request.POST.get("office"))).first()
    upload = request.FILES.get("unit_file")
    if office is None:
        return page.render(form, list_error=_("Choose the office first."), status=400)
    if upload is None:
        return page.render(form, list_error=_("Choose a file first."), status=400)
    if upload.size is not None and upload.size > MAX_BYTES:
        return page.render(form, list_error=_("The file is too large: at most 2 MB."), status=400)
    try:
        table = read_table(upload.read(MAX_BYTES + 1), upload.name or "")
    except ImportFileError as exc:
        return page.render(form, list_error=str(exc), status=400)
    unit_list, plan = campaign_actions.store_unit_import(office, table, upload.name or "", by=user)
    form.initial.update(unit_list=str(unit_list.uid), unit_list_digest=plan.digest())
    return page.render(form, plan=plan)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


# --- Form templates ---------------------------------------------------------------------------


@login_required
@require_safe
def template_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.office_units().exists():
        raise Http404
    templates = list(
        FormTemplate.objects.for_office_staff(user).select_related("office", "created_by")
    )
    context = {
        "builtins": [(name, items) for name, items in PRESETS.values()],
        "templates": [t for t in templates if t.is_active],
        "retired": [t for t in templates if not t.is_active],
    }
    return TemplateResponse(request, "campaigns/template_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One template: its indicators; rename it, retire it or take it back into use."""
    template = get_template_for_staff(request, pk)
    user = signed_in_user(request)
    form = TemplateForm(
        request.POST if request.POST.get("action") == "rename" else None,
        initial={"name": template.name, "description": template.description},
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("retire", "restore"):
                campaign_actions.set_template_active(template.pk, action == "restore", by=user)
                messages.success(
                    request,
                    _("The template is back in use.")
                    if action == "restore"
                    else _("The template was retired: it is no longer offered."),
                )
                return redirect("campaigns:template", pk=template.pk)
            if action == "rename" and form.is_valid():
                campaign_actions.rename_template(
                    template.pk,
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                    by=user,
                )
                messages.success(request, _("The template was saved."))
                return redirect("campaigns:template", pk=template.pk)
        except ActionError as exc:
            messages.error(request, str(exc))
        status = 400
    kinds = dict(IndicatorKind.choices)
    try:
        specs, damaged = campaign_actions.specs_from_template(template), ""
    except ActionError as exc:
        specs, damaged = (), str(exc)
    indicators = [(spec, kinds.get(spec.kind, spec.kind)) for spec in specs]
    context = {"template": template, "indicators": indicators, "damaged": damaged, "form": form}
    return TemplateResponse(request, "campaigns/template_detail.html", context, status=status)


@login_required
@require_POST
def template_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep this campaign's form as a template of its office."""
    campaign = get_campaign_for_staff(request, slug)
    form = TemplateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("campaigns:detail", slug=slug)
    try:
        template = campaign_actions.save_template(
            campaign,
            form.cleaned_data["name"],
            form.cleaned_data["description"],
            by=signed_in_user(request),
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:detail", slug=slug)
    messages.success(
        request, _("The form was saved as the template “%(name)s”.") % {"name": template.name}
    )
    return redirect("campaigns:template", pk=template.pk)


EXPORT_FORMATS = ("csv", "xlsx")


@login_required
@require_safe
def export_reports(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """Every report of a campaign as one table: CSV streamed as it is read, Excel written to a
    temporary file first (a workbook is a zip, finished only at the end) and sent from it."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    campaign = get_campaign_for_staff(request, slug)
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


class ExtendForm(CleanInputForm, forms.Form):
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
def extend(request: HttpRequest, slug: str, pk: int, *, lengthen: actions.Lengthen) -> HttpResponse:
    """Extend one unit's due time; `lengthen` (the unit's personal links) is given by the URL
    table, links being a package above this one."""
    assignment = get_assignment_for_staff(request, slug, pk)
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
            lengthen=lengthen,
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
