"""The office's registers: upload an incoming document, confirm what was read, register it."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tonghop.access import posted_version, signed_in_user
from tonghop.documents import actions
from tonghop.documents.forms import ConfirmForm, UploadForm
from tonghop.documents.models import Direction, Document, IntakeStatus


def _get_document_for_staff(request: HttpRequest, uid: str) -> Document:
    """The only way a register view reaches a document: through the user's own offices."""
    queryset = Document.objects.for_office_staff(signed_in_user(request)).select_related("office")
    return get_object_or_404(queryset, uid=uid)


def _require_staff(request: HttpRequest) -> None:
    if not signed_in_user(request).office_units().exists():
        raise Http404


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    direction = request.GET.get("direction", Direction.INCOMING)
    if direction not in Direction.values:
        direction = Direction.INCOMING
    # NUL bytes out: PostgreSQL cannot compare text holding one (and nobody types it).
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    documents = Document.objects.for_office_staff(signed_in_user(request)).filter(
        direction=direction
    )
    if query:
        documents = documents.filter(
            Q(subject__icontains=query)
            | Q(number__icontains=query)
            | Q(symbol__icontains=query)
            | Q(issuer__icontains=query)
            | Q(original_name__icontains=query)
        )
    context = {
        "documents": documents[:200],
        "direction": direction,
        "directions": Direction.choices,
        "query": query,
    }
    return TemplateResponse(request, "documents/register.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    offices = signed_in_user(request).office_units()
    form = UploadForm(offices, request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = actions.receive_upload(
                    signed_in_user(request), form.cleaned_data["office"], form.cleaned_data["file"]
                )
            except actions.IntakeRefused as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("documents:detail", uid=document.uid)
        status = 400
    return TemplateResponse(request, "documents/upload.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    document = _get_document_for_staff(request, uid)
    form = ConfirmForm(request.POST or None, instance=document)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            user = signed_in_user(request)
            try:
                if document.status == IntakeStatus.REGISTERED:
                    document = actions.edit(
                        user, document.pk, changes, expected_version=posted_version(request)
                    )
                    messages.success(request, _("Saved."))
                else:
                    document = actions.register(
                        user, document.pk, changes, expected_version=posted_version(request)
                    )
                    messages.success(
                        request,
                        _("Registered as incoming document no. %(number)s/%(year)s.")
                        % {"number": document.register_number, "year": document.register_year},
                    )
            except actions.DocumentError as exc:
                messages.error(request, str(exc))
            return redirect("documents:detail", uid=document.uid)
        status = 400
    from tonghop.documents.exchange import answers_to

    template = "documents/detail.html"
    answers = (document.parsed or {}).get("answers")
    context = {
        # ResponseFor both ways: the outgoing document this one answers, the answers to it.
        "answers": Document.objects.filter(office=document.office, pk=answers).first()
        if isinstance(answers, int)
        else None,
        "answered_by": list(answers_to(document)) if document.is_outgoing else [],
        "document": document,
        "form": form,
        "reading": document.status == IntakeStatus.READING,
        "findings": document.findings,
        "signatures": document.signatures,
        "fields": document.parsed,
    }
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_POST
def revoke(request: HttpRequest, uid: str) -> HttpResponse:
    document = _get_document_for_staff(request, uid)
    try:
        actions.revoke(
            signed_in_user(request),
            document.pk,
            request.POST.get("reason", "")[: actions.MAX_REASON + 1],
            expected_version=posted_version(request),
        )
    except actions.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The document was revoked."))
    return redirect("documents:detail", uid=document.uid)


@login_required
def original(request: HttpRequest, uid: str) -> FileResponse:
    document = _get_document_for_staff(request, uid)
    if not document.file:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name or str(document.file.name).rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_edxml(request: HttpRequest) -> HttpResponse:
    """Take an edXML package (QCVN 102:2016) into the incoming register."""
    from tonghop.documents.channel import take_in
    from tonghop.documents.exchange import ImportRefused
    from tonghop.documents.forms import EdxmlUploadForm

    _require_staff(request)
    offices = signed_in_user(request).office_units()
    form = EdxmlUploadForm(offices, request.POST or None, request.FILES or None)
    form.fields["file"].widget.attrs["accept"] = ".edxml,.xml"
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.TONGHOP_MAX_UPLOAD_BYTES:
                form.add_error(
                    "file",
                    _("The file is too large: at most %(mb)s MB.")
                    % {"mb": settings.TONGHOP_MAX_UPLOAD_BYTES // (1024 * 1024)},
                )
            else:
                try:
                    result = take_in(
                        signed_in_user(request),
                        form.cleaned_data["office"],
                        upload.read(),
                        forwarded=form.cleaned_data["forwarded"],
                    )
                except ImportRefused as exc:
                    form.add_error("file", str(exc))
                else:
                    document = result.document
                    if result.status == "duplicate":
                        messages.warning(
                            request,
                            _(
                                "Already received: this package is document %(reference)s, "
                                "taken in on %(day)s. Nothing new was registered."
                            )
                            % {
                                "reference": document.reference(),
                                "day": f"{document.received_on:%d/%m/%Y}"
                                if document.received_on
                                else "",
                            },
                        )
                    elif result.status == "applied":
                        messages.success(
                            request,
                            _("The sender's change was applied to document %(reference)s.")
                            % {"reference": document.reference()},
                        )
                    else:
                        messages.success(request, _("The edXML package was received."))
                    return redirect("documents:detail", uid=document.uid)
        status = 400
    return TemplateResponse(
        request, "documents/upload.html", {"form": form, "edxml": True}, status=status
    )


@csrf_exempt
@require_http_methods(["POST"])
def exchange_endpoint(request: HttpRequest) -> HttpResponse:
    """Where partner installs deliver edXML messages (documents.channel, HTTP adapter). No
    session: the message's MAC under the partner's shared secret is its credential."""
    from tonghop.documents.channel import MAX_MESSAGE_BYTES, ChannelRefused, accept
    from tonghop.documents.exchange import ImportRefused

    message_id = request.headers.get("X-Tonghop-Message-Id", "")
    sender = request.headers.get("X-Tonghop-Sender", "")
    given = request.headers.get("X-Tonghop-Mac", "")
    if not re.fullmatch(r"[0-9A-Za-z_-]{8,64}", message_id) or not sender or not given:
        return JsonResponse({"status": "refused", "reason": "missing headers"}, status=400)
    if int(request.headers.get("Content-Length") or 0) > MAX_MESSAGE_BYTES:
        return JsonResponse({"status": "refused", "reason": "too large"}, status=413)
    try:
        outcome, document = accept(message_id, sender, request.body, given_mac=given)
    except ChannelRefused as exc:
        return JsonResponse({"status": "refused", "reason": str(exc)}, status=403)
    except ImportRefused as exc:
        return JsonResponse({"status": "refused", "reason": str(exc)}, status=422)
    return JsonResponse(
        {"status": outcome, "document": str(document.uid) if document is not None else None}
    )


@login_required
def exchange_overview(request: HttpRequest) -> HttpResponse:
    """Exchange messages of the user's offices, both directions: queued, delivered, failed (with
    a retry button), received, taken in, refused."""
    from tonghop.documents.channel import messages_for
    from tonghop.documents.models import MessageState

    _require_staff(request)
    state = request.GET.get("state", "")
    rows = messages_for(signed_in_user(request)).order_by("-changed_at", "-pk")
    if state in MessageState.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    counts = {
        value: messages_for(signed_in_user(request)).filter(state=value).count()
        for value in MessageState.values
    }
    context = {
        "rows": rows[:300],
        "state": state,
        "states": [(value, label, counts[value]) for value, label in MessageState.choices],
        "failed": MessageState.FAILED,
    }
    return TemplateResponse(request, "documents/exchange.html", context)


@login_required
@require_POST
def exchange_retry(request: HttpRequest, pk: int) -> HttpResponse:
    from tonghop import errors
    from tonghop.documents.channel import messages_for, retry

    _require_staff(request)
    message = get_object_or_404(messages_for(signed_in_user(request)), pk=pk)
    try:
        retry(signed_in_user(request), message.pk, expected_version=posted_version(request))
    except errors.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The message will be sent again at the worker's next pass."))
    return redirect("documents:exchange")
