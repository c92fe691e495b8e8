"""Compile a campaign, edit the office's words, issue and sign, send, publish, verify."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tonghop.access import posted_version, signed_in_user
from tonghop.campaigns.access import get_campaign_for_staff
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.forms import (
    EmailForm,
    IssueForm,
    NewsForm,
    OfficeKeyForm,
    ReturnForm,
    WordsForm,
)
from tonghop.compilation.models import (
    ISSUED_STATES,
    Compilation,
    CompilationStatus,
    CompilationStep,
)
from tonghop.orgs.models import Role

FILES = {
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "report.docx",
    ),
    "pdf": ("pdf", "application/pdf", "report.pdf"),
    "signed": ("signed_pdf", "application/pdf", "report.signed.pdf"),
    "edxml": ("edxml", "application/xml", "report.edxml"),
}


def get_compilation_for_staff(request: HttpRequest, slug: str, uid: str) -> Compilation:
    campaigns = Campaign.objects.for_office_staff(signed_in_user(request))
    return get_object_or_404(
        Compilation.objects.select_related("campaign", "campaign__office", "document"),
        campaign__in=campaigns,
        campaign__slug=slug,
        uid=uid,
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    try:
        compilation = actions.request_compilation(signed_in_user(request), campaign)
    except actions.CompileNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:detail", slug=slug)
    return redirect("compilation:detail", slug=slug, uid=compilation.uid)


@login_required
def detail(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    user = signed_in_user(request)
    news = compilation.news.first()
    campaign = compilation.campaign
    context: dict[str, Any] = {
        "compilation": compilation,
        "campaign": campaign,
        "pending": compilation.status in (CompilationStatus.QUEUED, CompilationStatus.RUNNING),
        "words_form": WordsForm(
            initial={"assessment": compilation.assessment, "proposals": compilation.proposals}
        ),
        "is_head": user.has_office_role(campaign.office, Role.HEAD),
        "is_clerk": user.has_office_role(campaign.office, Role.CLERK),
        "issue_form": IssueForm(),
        "office_form": OfficeKeyForm(),
        "return_form": ReturnForm(),
        "issued_before": campaign.compilations.filter(state__in=ISSUED_STATES)
        .exclude(pk=compilation.pk)
        .exists(),
        "can": {step.value: compilation.can(step) for step in CompilationStep},
        "email_form": EmailForm(initial={"to": campaign.report_to_email}),
        "news": news,
        "news_form": NewsForm(
            initial={
                "title": news.title
                if news
                else f"Kết quả {campaign.title[:1].lower()}{campaign.title[1:]}",
                "summary": news.summary if news else _news_summary(compilation),
                "body": news.body if news else "",
                "publish": bool(news and news.published_at),
            }
        ),
    }
    template = "compilation/detail.html"
    if request.headers.get("HX-Request"):
        if not context["pending"]:
            # Finished: the whole page changes (files, signing, news), so reload it.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        template += "#status"
    return TemplateResponse(request, template, context)


def _news_summary(compilation: Compilation) -> str:
    return (
        f"{compilation.campaign.office.name} đã tổng hợp báo cáo của "
        f"{compilation.units_reported}/{compilation.units_expected} đơn vị về "
        f"{compilation.campaign.title[:1].lower()}{compilation.campaign.title[1:]}."
    )


@login_required
@require_POST
def words(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    form = WordsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The text is too long."))
    else:
        try:
            actions.update_words(
                signed_in_user(request),
                compilation,
                form.cleaned_data["assessment"],
                form.cleaned_data["proposals"],
                expected_version=posted_version(request),
            )
            messages.success(request, _("Saved; the report is being drawn again."))
        except actions.CompilationError as exc:
            messages.error(request, str(exc))
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def submit(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    try:
        actions.submit_for_signature(
            signed_in_user(request), compilation.pk, expected_version=posted_version(request)
        )
    except actions.CompilationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Submitted to the head for signature."))
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def send_back(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what must be changed in the report."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        actions.return_to_specialist(
            signed_in_user(request),
            compilation.pk,
            form.cleaned_data["comment"],
            expected_version=posted_version(request),
        )
    except actions.CompilationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Returned to the specialist."))
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def email(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        actions.email_report(
            signed_in_user(request),
            compilation,
            form.cleaned_data["to"],
            expected_version=posted_version(request),
        )
    except actions.CompilationError as exc:
        messages.error(request, str(exc))
    except OSError as exc:  # SMTP refused, unreachable or timed out
        messages.error(
            request,
            _("The mail server did not accept the message (%(error)s); try again later.")
            % {"error": exc.__class__.__name__},
        )
    else:
        messages.success(request, _("Sent to %(to)s.") % {"to": form.cleaned_data["to"]})
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
def download(request: HttpRequest, slug: str, uid: str, kind: str = "docx") -> FileResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    if kind not in FILES:
        raise Http404
    field, content_type, name = FILES[kind]
    stored = getattr(compilation, field)
    if not stored:
        raise Http404
    filename = f"{compilation.campaign.slug}-{name}"
    if kind == "docx":
        filename = compilation.filename
    response = FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
