"""Pages of the levels in one install: an office's duties in campaigns above (with the button
that opens its campaign below), and, for the staff of a campaign above, one office's campaign
below read-only and the signed report it answered with. Access starts from the signed-in
person's own offices; anything else is a 404."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop import errors
from tonghop.access import signed_in_user
from tonghop.campaigns.access import get_campaign_for_staff
from tonghop.campaigns.models import Campaign
from tonghop.documents.models import Direction, Document
from tonghop.forms import CleanInputForm
from tonghop.reports import levels, remote
from tonghop.reports.models import Assignment, LevelLink, Report


class BelowForm(CleanInputForm, forms.Form):
    slug = forms.SlugField(label=gettext_lazy("Short name of the campaign below"), max_length=80)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    due_at = forms.DateTimeField(
        label=gettext_lazy("Due date for your units"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    confirm_after_above = forms.BooleanField(
        label=gettext_lazy("I know this date is after our own due date above"), required=False
    )


def _duty(request: HttpRequest, pk: int) -> Assignment:
    return get_object_or_404(levels.duties_above(signed_in_user(request)), pk=pk)


@login_required
@require_safe
def duties_above(request: HttpRequest) -> HttpResponse:
    """The assignments above addressed to the user's offices, each with its campaign below."""
    duties = list(levels.duties_above(signed_in_user(request)))
    links = {
        link.above_id: link
        for link in LevelLink.objects.filter(above__in=duties).select_related("below")
    }
    rows = []
    for duty in duties:
        returned = (
            duty.events.filter(step="return").order_by("-at", "-pk").first()
            if duty.is_returned
            else None
        )
        rows.append((duty, links.get(duty.pk), returned))
    return TemplateResponse(request, "campaigns/duties_above.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def open_below(request: HttpRequest, pk: int) -> HttpResponse:
    """One step: the office's campaign below, with the form above and a due date before its
    own; a date after it is warned about and needs the box ticked."""
    duty = _duty(request, pk)
    if request.method == "POST":
        form = BelowForm(request.POST)
        opened = _open_below(
            request,
            form,
            lambda wanted: levels.open_campaign_below(signed_in_user(request), duty.pk, wanted),
        )
        if opened is not None:
            return opened
    else:
        due = levels.proposed_due(duty)
        form = BelowForm(
            initial={
                "slug": f"{duty.campaign.slug}-{duty.unit.code}"[:80],
                "title": duty.campaign.title,
                "due_at": timezone.localtime(due).strftime("%Y-%m-%dT%H:%M"),
            }
        )
    return TemplateResponse(request, "campaigns/open_below.html", {"duty": duty, "form": form})


def _open_below(
    request: HttpRequest, form: BelowForm, open_below: Callable[[levels.BelowRequest], Campaign]
) -> HttpResponse | None:
    """The form's campaign below opened by ``open_below`` (from a duty above in this install or
    from a directive received by edXML): the redirect to it, or None with the refusal on the
    form."""
    if not form.is_valid():
        return None
    try:
        campaign = open_below(
            levels.BelowRequest(
                slug=form.cleaned_data["slug"],
                title=form.cleaned_data["title"],
                due_at=form.cleaned_data["due_at"],
                confirm_after_above=form.cleaned_data["confirm_after_above"],
            )
        )
    except levels.DueAfterAbove as exc:
        form.add_error("confirm_after_above", str(exc))
        return None
    except errors.Refused as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(
        request,
        _("The campaign below is open and handed to %(n)s units.")
        % {"n": campaign.assignments.count()},
    )
    return redirect("campaigns:detail", slug=campaign.slug)


@login_required
@require_http_methods(["GET", "POST"])
def open_from_directive(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from a directive received by edXML with its form (tonghop.campaign/1): the
    office's campaign below, the form copied, its report carried back to the other install."""
    user = signed_in_user(request)
    document = get_object_or_404(
        Document.objects.filter(
            direction=Direction.INCOMING,
            office__in=user.office_units(),
        ),
        pk=pk,
    )
    summary = remote.directive_summary(document)
    if summary is None or not user.has_office_role(document.office, *levels.OPENING_ROLES):
        raise Http404
    if request.method == "POST":
        form = BelowForm(request.POST)
        opened = _open_below(
            request,
            form,
            lambda wanted: remote.open_campaign_from_directive(user, document.pk, wanted),
        )
        if opened is not None:
            return opened
    else:
        due = timezone.localtime(summary["due_at"] - levels.PROPOSED_MARGIN)
        form = BelowForm(
            initial={
                "slug": f"{summary['campaign']['slug']}-{document.office.code}"[:80],
                "title": summary["campaign"]["title"],
                "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            }
        )
    return TemplateResponse(request, "campaigns/open_below.html", {"duty": summary, "form": form})


@login_required
@require_safe
def below(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One office's campaign below, read-only, for the staff of the campaign above."""
    try:
        above, campaign = levels.below_for_staff_above(signed_in_user(request), slug, pk)
    except LookupError:
        raise Http404 from None
    indicators = list(campaign.indicators.all())
    assignments = list(campaign.assignments.active().select_related("unit").order_by("unit__name"))
    reports = dict(
        Report.objects.filter(assignment__in=assignments).values_list("assignment_id", "values")
    )
    rows = [
        (
            a,
            [
                i.display_value((reports.get(a.pk) or {}).get(i.code)) if a.is_submitted else ""
                for i in indicators
            ],
        )
        for a in assignments
    ]
    context = {
        "above": above,
        "campaign": campaign,
        "indicators": indicators,
        "rows": rows,
        "figures": campaign.assignments.figures(),
    }
    return TemplateResponse(request, "campaigns/below.html", context)


@login_required
@require_safe
def answer_pdf(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The signed report an office answered with, for the staff of the campaign above."""
    try:
        document = levels.latest_answer_document(signed_in_user(request), slug, pk)
    except LookupError:
        raise Http404 from None
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.original_name or "bao-cao.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def send_campaign(request: HttpRequest, slug: str) -> HttpResponse:
    """The Sở's button: its campaign, with the directive chosen from its register, queued to
    the offices of the campaign on other installs (tonghop.campaign/1)."""
    campaign = get_campaign_for_staff(request, slug)
    try:
        offices = remote.send_from_register(
            signed_in_user(request), campaign, request.POST.get("directive", "")
        )
    except levels.LevelNotAllowed:
        raise PermissionDenied from None  # the office's clerk: not theirs to send
    except levels.LevelRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "The campaign and its directive are queued for %(offices)s; the exchange "
                "carries them at its next run."
            )
            % {"offices": ", ".join(f"{o.name} ({o.organ_id})" for o in offices)},
        )
    return redirect("campaigns:detail", slug=campaign.slug)
