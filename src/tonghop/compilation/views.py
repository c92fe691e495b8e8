"""Compile a campaign, edit the office's words, issue and sign, send, publish, verify."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tonghop.access import signed_in_user
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.forms import EmailForm, IssueForm, NewsForm, VerifyForm, WordsForm
from tonghop.compilation.models import Compilation, CompilationStatus, NewsItem
from tonghop.orgs.models import Role
from tonghop.pki import trust_roots

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


def _get_compilation_for_staff(request: HttpRequest, slug: str, uid: str) -> Compilation:
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
    campaign = get_object_or_404(
        Campaign.objects.for_office_staff(signed_in_user(request)), slug=slug
    )
    try:
        compilation = actions.request_compilation(signed_in_user(request), campaign)
    except actions.CompileNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:detail", slug=slug)
    return redirect("compilation:detail", slug=slug, uid=compilation.uid)


@login_required
def detail(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
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
        "issue_form": IssueForm(),
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
    compilation = _get_compilation_for_staff(request, slug, uid)
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
            )
            messages.success(request, _("Saved; the report is being drawn again."))
        except (actions.IssueRefused, actions.CompileNotAllowed) as exc:
            messages.error(request, str(exc))
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def issue(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the passphrase of the signing key."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        done = actions.issue(
            signed_in_user(request), compilation.pk, passphrase=form.cleaned_data["passphrase"]
        )
    except actions.IssueRefused as exc:
        messages.error(request, str(exc))
    else:
        assert done.document is not None
        messages.success(
            request,
            _("Signed and issued as no. %(reference)s.") % {"reference": done.document.reference()},
        )
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def email(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    to = form.cleaned_data["to"]
    try:
        queued = actions.email_report(signed_in_user(request), compilation, to)
    except (actions.IssueRefused, actions.CompileNotAllowed) as exc:
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
@require_POST
def news(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
    form = NewsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("compilation:detail", slug=slug, uid=uid)
    item = actions.save_news(
        signed_in_user(request),
        compilation,
        title=form.cleaned_data["title"],
        summary=form.cleaned_data["summary"],
        body=form.cleaned_data["body"],
        publish=form.cleaned_data["publish"],
        item=compilation.news.first(),
    )
    messages.success(
        request, _("Published on the portal.") if item.published_at else _("Saved, not published.")
    )
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
def download(request: HttpRequest, slug: str, uid: str, kind: str = "docx") -> FileResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
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


MAX_VERIFY_BYTES = 50 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check every signature of an uploaded PDF: who, when, intact, trusted."""
    from tonghop.compilation.signing import verification_lines, verify_pdf

    form = VerifyForm(request.POST or None, request.FILES or None)
    results = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_VERIFY_BYTES:
                form.add_error("file", _("The file is too large: at most %(mb)s MB.") % {"mb": 50})
                status = 400
            else:
                data = upload.read()
                if not data.startswith(b"%PDF"):
                    form.add_error("file", _("This is not a PDF file."))
                    status = 400
                else:
                    results = verify_pdf(data, trust_roots())
        else:
            status = 400
    context = {
        "form": form,
        "results": results,
        "lines": verification_lines(results) if results else [],
    }
    return TemplateResponse(request, "compilation/verify.html", context, status=status)


def news_list(request: HttpRequest) -> HttpResponse:
    """The public page the portal links to: only what offices chose to publish."""
    items = NewsItem.objects.filter(published_at__isnull=False).select_related("office")[:50]
    return TemplateResponse(request, "compilation/news_list.html", {"items": items})


def news_item(request: HttpRequest, uid: str) -> HttpResponse:
    item = get_object_or_404(NewsItem, uid=uid, published_at__isnull=False)
    return TemplateResponse(request, "compilation/news_item.html", {"item": item})


class NewsFeed(Feed[NewsItem, None]):
    feed_type = Atom1Feed
    title = "tonghop: tin kết quả báo cáo"
    subtitle = "Tin về kết quả tổng hợp báo cáo do cơ quan chọn đăng."
    description = subtitle

    def link(self) -> str:
        return reverse("news:list")

    def items(self) -> list[NewsItem]:
        return list(
            NewsItem.objects.filter(published_at__isnull=False).select_related("office")[:50]
        )

    def item_title(self, item: NewsItem) -> str:
        return item.title

    def item_description(self, item: NewsItem) -> str:
        return item.summary

    def item_link(self, item: NewsItem) -> str:
        return reverse("news:item", args=[item.uid])

    def item_pubdate(self, item: NewsItem) -> Any:
        return item.published_at

    def item_updateddate(self, item: NewsItem) -> Any:
        return item.updated_at

    def item_author_name(self, item: NewsItem) -> str:
        return item.office.name
