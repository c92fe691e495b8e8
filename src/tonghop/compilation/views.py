"""Compile a campaign from its page, follow the progress, download the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation, CompilationStatus
from tonghop.orgs.models import User

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get_compilation_for_staff(request: HttpRequest, slug: str, uid: str) -> Compilation:
    campaigns = Campaign.objects.for_office_staff(_user(request))
    return get_object_or_404(
        Compilation.objects.select_related("campaign"),
        campaign__in=campaigns,
        campaign__slug=slug,
        uid=uid,
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.for_office_staff(_user(request)), slug=slug)
    try:
        compilation = actions.request_compilation(_user(request), campaign)
    except actions.CompileNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:detail", slug=slug)
    return redirect("compilation:detail", slug=slug, uid=compilation.uid)


@login_required
def detail(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
    context = {
        "compilation": compilation,
        "campaign": compilation.campaign,
        "pending": compilation.status in (CompilationStatus.QUEUED, CompilationStatus.RUNNING),
    }
    template = "compilation/detail.html"
    if request.headers.get("HX-Request"):
        template += "#status"
    return TemplateResponse(request, template, context)


@login_required
def download(request: HttpRequest, slug: str, uid: str) -> FileResponse:
    compilation = _get_compilation_for_staff(request, slug, uid)
    if compilation.status != CompilationStatus.DONE or not compilation.docx:
        raise Http404
    return FileResponse(
        compilation.docx.open("rb"),
        as_attachment=True,
        filename=compilation.filename,
        content_type=DOCX,
    )
