"""Compile a campaign, edit the office's words, issue and sign, send, publish, verify."""

from __future__ import annotations

import io
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
from tonghop.compilation.citations import (
    DIRECTIVE,
    RELAY,
    Citation,
    citations_for,
    derived_citations,
    has_directive,
)
from tonghop.compilation.forms import (
    CitationForm,
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
from tonghop.pdfium_lock import PDFIUM_LOCK

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
        "office_form": OfficeKeyForm(
            appendices=appendix_choices(compilation)
            if compilation.can(CompilationStep.ISSUE)
            and user.has_office_role(campaign.office, Role.CLERK)
            else []
        ),
        "separate_files": list(compilation.attachments.all()) if compilation.is_issued else [],
        "return_form": ReturnForm(),
        "issued_before": campaign.compilations.filter(state__in=ISSUED_STATES)
        .exclude(pk=compilation.pk)
        .exists(),
        "can": {step.value: compilation.can(step) for step in CompilationStep},
        "email_form": EmailForm(initial={"to": campaign.report_to_email}),
        "report_emails": actions.report_emails(compilation) if compilation.is_issued else [],
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
    context.update(_citation_context(campaign))
    context.update(_review_context(compilation))
    template = "compilation/detail.html"
    if request.headers.get("HX-Request"):
        if not context["pending"]:
            # Finished: the whole page changes (files, signing, news), so reload it.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        template += "#status"
    return TemplateResponse(request, template, context)


def appendix_choices(compilation: Compilation) -> list[str]:
    """The report's appendices as the clerk chooses which to issue as separate files: the
    document as it will be issued (the appendices do not depend on the number)."""
    from tonghop.compilation.build import build_document
    from tonghop.compilation.layout import appendix_label, appendix_title

    doc = build_document(
        compilation.campaign, assessment=compilation.assessment, proposals=compilation.proposals
    )
    count = len(doc.appendices)
    return [
        f"{appendix_label(i, count)}: {appendix_title(a).capitalize()}"
        for i, a in enumerate(doc.appendices)
    ]


@login_required
def attachment(request: HttpRequest, slug: str, uid: str, position: int) -> FileResponse:
    """An appendix issued as a file of its own, signed by the office."""
    compilation = get_compilation_for_staff(request, slug, uid)
    kept = compilation.attachments.filter(position=position).first()
    if kept is None or not kept.file:
        raise Http404
    response = FileResponse(
        kept.file.open("rb"),
        as_attachment=True,
        filename=f"{compilation.campaign.slug}-{kept.filename}",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _citation_context(
    campaign: Campaign, posted: dict[str, CitationForm] | None = None
) -> dict[str, Any]:
    """What the opening will cite, and the forms to change it: the kept or suggested citation
    of each role, empty forms where there is none."""
    cited = citations_for(campaign)
    suggested = {c.role: c for c in derived_citations(campaign)}
    forms = posted or {}
    for role in (DIRECTIVE, RELAY):
        if role in forms:
            continue
        current = next((c for c in cited if c.role == role), None)
        initial = current or suggested.get(role)
        forms[role] = CitationForm(
            prefix=role,
            initial={
                "cite": current is not None,
                **(
                    {k: v for k, v in initial.as_dict().items() if k != "issued_on"}
                    if initial
                    else {}
                ),
                "issued_on": initial.issued_on if initial else None,
            },
        )
    return {
        "citations": [c.sentence() for c in cited],
        "citations_missing": not has_directive(cited),
        "citation_forms": [
            (forms[DIRECTIVE], _("The directive answered (from the level above)")),
            (forms[RELAY], _("The office's own letter relaying it")),
        ],
    }


# Pages shown on the review page: a province's appendix of thousands of units is read in the
# PDF itself, not as a hundred images.
PREVIEW_PAGES = 30
PAGE_WIDTH_PX = 1000


def _page_count(compilation: Compilation) -> int:
    import pypdfium2

    if not compilation.pdf:
        return 0
    try:
        with compilation.pdf.open("rb") as handle:
            data = handle.read()
    except OSError:
        return 0  # a file gone from the storage: the page goes without the preview
    with PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return 0  # damaged: the page goes without the preview
        try:
            return len(pdf)
        finally:
            pdf.close()


def _review_context(compilation: Compilation) -> dict[str, Any]:
    """What the head reads before signing: the report's pages, the figures each sentence of
    section I and III is counted from, and every round of trình ký."""
    from tonghop.campaigns.values import format_number
    from tonghop.compilation.build import Status, collect, percent_vi
    from tonghop.compilation.build import _returned as returned_units

    context: dict[str, Any] = {"rounds": actions.rounds(compilation)}
    if not compilation.is_done:
        return context
    count = _page_count(compilation)
    context["preview_pages"] = list(range(1, min(count, PREVIEW_PAGES) + 1))
    context["pages_left_out"] = max(0, count - PREVIEW_PAGES)
    totals, rows, missing, late = collect(compilation.campaign)
    status = Status(rows, missing, late, returned_units(compilation.campaign))
    context["facts"] = {
        "expected": status.expected,
        "reported": len(rows),
        "share": percent_vi(len(rows), status.expected),
        "on_time": status.on_time,
        "late": late,
        "missing": missing,
        "returned": status.returned,
        "totals": [
            (t.indicator.label, t.indicator.unit_of_measure, format_number(t.value), t.answered)
            for t in totals.totals
            if t.indicator.is_numeric
        ],
    }
    return context


@login_required
def page(request: HttpRequest, slug: str, uid: str, number: int) -> HttpResponse:
    """One page of the drawn report as a PNG, readable on a phone's screen."""
    import pypdfium2

    compilation = get_compilation_for_staff(request, slug, uid)
    if not compilation.pdf or not 1 <= number <= PREVIEW_PAGES:
        raise Http404
    try:
        with compilation.pdf.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise Http404 from None  # gone from the storage: no page to show
    # The review page asks for its pages at once, each in a thread of its own.
    with PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            raise Http404 from None  # damaged: no page to show
        try:
            if number > len(pdf):
                raise Http404
            sheet = pdf[number - 1]
            scale = PAGE_WIDTH_PX / sheet.get_width()
            bitmap = sheet.render(scale=scale)
            image = bitmap.to_pil().copy()
            bitmap.close()
        finally:
            pdf.close()
    # Encoding the PNG, the slow part, needs no lock.
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def citations(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    forms = {role: CitationForm(request.POST, prefix=role) for role in (DIRECTIVE, RELAY)}
    if not all(form.is_valid() for form in forms.values()):
        for form in forms.values():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        return redirect("compilation:detail", slug=slug, uid=uid)
    chosen = [
        Citation(
            role=role,
            doc_type=form.cleaned_data["doc_type"],
            number=form.cleaned_data["number"],
            symbol=form.cleaned_data["symbol"],
            issued_on=form.cleaned_data["issued_on"],
            issuer=form.cleaned_data["issuer"],
            subject=form.cleaned_data["subject"],
        )
        for role, form in forms.items()
        if form.cleaned_data["cite"]
    ]
    try:
        actions.set_citations(signed_in_user(request), compilation.campaign_id, chosen)
    except actions.CompilationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Saved; the report cites these documents when it is drawn again.")
        )
    return redirect("compilation:detail", slug=slug, uid=uid)


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
    to = form.cleaned_data["to"]
    try:
        queued = actions.email_report(
            signed_in_user(request), compilation, to, expected_version=posted_version(request)
        )
    except actions.CompilationError as exc:
        messages.error(request, str(exc))
    else:
        if queued.queued:
            messages.success(request, _("Queued for sending to %(to)s.") % {"to": to})
        elif queued.message.sent_at is not None:
            messages.info(request, _("Already sent to %(to)s; not sent again.") % {"to": to})
        else:
            messages.info(request, _("Already queued for sending to %(to)s.") % {"to": to})
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
def download(request: HttpRequest, slug: str, uid: str, kind: str = "docx") -> FileResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    if kind not in FILES:
        raise Http404
    field, content_type, _name = FILES[kind]
    stored = getattr(compilation, field)
    if not stored:
        raise Http404
    filename = compilation.download_name(kind)
    response = FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
