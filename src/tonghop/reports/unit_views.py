"""The units of a campaign already handed out: add units, take off one that has not started,
or bring in a unit list from a file (preview first, then confirm)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.campaigns import actions
from tonghop.campaigns.access import get_campaign_for_staff
from tonghop.campaigns.forms import UnitFileForm, UnitsForm
from tonghop.campaigns.models import Campaign, CampaignStatus, UnitImport
from tonghop.campaigns.unit_import import Plan, preview_rows
from tonghop.campaigns.unit_table import ImportFileError, read_table
from tonghop.reports import assigning

UNITS_PER_PAGE = 100


@login_required
@require_safe
def units(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    return _units_page(request, campaign, UnitsForm(campaign.office))


def _units_page(
    request: HttpRequest, campaign: Campaign, form: UnitsForm, status: int = 200
) -> HttpResponse:
    assignments = campaign.assignments.active().select_related("unit").order_by("unit__name")
    page = Paginator(assignments, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "is_open": campaign.status == CampaignStatus.OPEN,
        "assignments": page,
        "page": page,
        "assigned": set(campaign.assignments.active().values_list("unit_id", flat=True)),
        "form": form,
        "file_form": UnitFileForm(),
    }
    return TemplateResponse(request, "campaigns/units_list.html", context, status=status)


@login_required
@require_POST
def units_add(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    form = UnitsForm(campaign.office, request.POST)
    if not form.is_valid():
        return _units_page(request, campaign, form, status=400)
    chosen = form.chosen_units(campaign.office)
    if not chosen:
        form.add_error("units", _("Choose at least one unit."))
        return _units_page(request, campaign, form, status=400)
    try:
        added = assigning.add_units(campaign.pk, chosen, by=signed_in_user(request))
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(added)s units were added; %(present)s were already in the campaign.")
            % {"added": len(added), "present": len(chosen) - len(added)},
        )
    return redirect("campaigns:units", slug=slug)


@login_required
@require_POST
def units_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    assignment = campaign.assignments.select_related("unit").filter(pk=pk).first()
    if assignment is None:
        raise Http404
    if not assignment.is_active:
        messages.info(request, _("This unit was already taken off the campaign."))
        return redirect("campaigns:units", slug=slug)
    try:
        assigning.remove_unit(campaign.pk, assignment.pk, by=signed_in_user(request))
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(unit)s was taken off the campaign.") % {"unit": assignment.unit.name},
        )
    return redirect("campaigns:units", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def units_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Send a unit list file; it is read and kept on the server, then previewed."""
    campaign = get_campaign_for_staff(request, slug)
    form = UnitFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if campaign.status != CampaignStatus.OPEN:
            form.add_error(None, _("The campaign is not open: its units can no longer change."))
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                table = read_table(upload.read(), upload.name or "")
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                unit_list, _plan = actions.store_unit_import(
                    campaign.office,
                    table,
                    upload.name or "",
                    by=signed_in_user(request),
                    campaign=campaign,
                )
                return redirect("campaigns:units-import-confirm", slug=slug, uid=unit_list.uid)
        status = 400
    context = {"campaign": campaign, "form": form}
    return TemplateResponse(request, "campaigns/units_import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def units_import_confirm(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    """The preview of a stored list (nothing changed yet); confirming applies it."""
    campaign = get_campaign_for_staff(request, slug)
    user = signed_in_user(request)
    try:
        unit_list = actions.usable_unit_import(str(uid), user, campaign.office, campaign)
    except actions.ActionError:
        # Someone else's list, one already applied or expired: nothing to show here.
        if not UnitImport.objects.filter(uid=uid, created_by=user, campaign=campaign).exists():
            raise Http404 from None
        messages.info(request, _("This unit list is no longer available: send the file again."))
        return redirect("campaigns:units", slug=slug)
    plan = actions.plan_unit_import(unit_list)
    status = 200
    if request.method == "POST":
        try:
            found, added = assigning.import_units_into_campaign(
                campaign.pk,
                unit_list,
                by=user,
                expected_digest=request.POST.get("digest", "")[:64] or "-",
            )
        except actions.UnitListChanged as exc:
            messages.error(request, str(exc))
            plan, status = exc.plan, 409
        except actions.ActionError as exc:
            messages.error(request, str(exc))
            return redirect("campaigns:units", slug=slug)
        else:
            messages.success(
                request,
                _(
                    "The unit list was applied: %(units)s units in the list, %(added)s of them "
                    "added to the campaign."
                )
                % {"units": len(found), "added": len(added)},
            )
            return redirect("campaigns:units", slug=slug)
    return _preview_page(request, campaign, unit_list, plan, status)


def _preview_page(
    request: HttpRequest, campaign: Campaign, unit_list: UnitImport, plan: Plan, status: int
) -> HttpResponse:
    context = {
        "campaign": campaign,
        "unit_list": unit_list,
        "plan": plan,
        "rows": preview_rows(plan, campaign.office.name),
    }
    return TemplateResponse(request, "campaigns/units_preview.html", context, status=status)
