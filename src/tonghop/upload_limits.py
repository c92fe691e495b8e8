"""The largest request body each address takes, refused before a byte of it is read.

Django reads a multipart body when a view (or the CSRF check) first touches request.POST, and
writes every file part past 2.5 MB to a temporary file whatever its size: the per-file limits of
the views (reports.attachments, documents, the unit list, /verify/) only apply once the whole
body is on disk. So the body's declared length (Content-Length) is checked here, from the
address's own limit, before the CSRF middleware or the view reads anything; a body without a
length (Transfer-Encoding: chunked under gunicorn, which Django would read as empty) is refused
unread too. A body longer than it declares is never read past its declared length (Django's
LimitedStream), so no body larger than the address's limit is read, spooled or parsed.

This does not rely on a proxy in front: the laptop install serves straight from gunicorn or
waitress. waitress reads a whole body before calling the application, so `tonghop serve` also
gives it the largest of these limits (MAX_BODY_BYTES) as its own ceiling.

The refusal is 413 with a sentence in the person's language: JSON for the report form's script
and the API, a page otherwise. Nothing is saved by a refused request; what was saved before stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

MB = 1024 * 1024
# Room for the multipart boundaries and headers and the form's other fields beside the file.
FORM_ALLOWANCE = 1 * MB
# Addresses whose client is the report form's script: it shows the JSON `errors`.
_JSON_VIEWS = frozenset({"reports:upload", "links:upload"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _file_limits() -> dict[str, int]:
    """The largest file each upload address takes, by URL name."""
    from tonghop.campaigns.unit_table import MAX_BYTES as UNIT_LIST_BYTES
    from tonghop.issuing.views import MAX_VERIFY_BYTES

    attachment = settings.TONGHOP_ATTACHMENT_MAX_BYTES
    document = settings.TONGHOP_MAX_UPLOAD_BYTES
    return {
        # A report's files, from the form (no script) or sent by its script one at a time.
        "reports:form": attachment,
        "reports:upload": attachment,
        "links:page": attachment,
        "links:upload": attachment,
        # Incoming documents and edXML packages.
        "documents:upload": document,
        "documents:import-edxml": document,
        # The unit list, with a new campaign or for an open one.
        "campaigns:new": UNIT_LIST_BYTES,
        "campaigns:units-import": UNIT_LIST_BYTES,
        "verify": MAX_VERIFY_BYTES,
    }


def body_limit(view_name: str) -> int:
    """The largest body, in bytes, a request to this address may declare."""
    file_limit = _file_limits().get(view_name)
    if file_limit is None:  # no file expected: the form fields Django takes, and a margin
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + FORM_ALLOWANCE
    return file_limit + FORM_ALLOWANCE


def max_body_bytes() -> int:
    """The largest body any address takes: the server's own ceiling (waitress)."""
    return max(body_limit(name) for name in [*_file_limits(), ""])


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class UploadLimitMiddleware:
    """Refuse a body larger than its address takes, or of unknown length, before reading it.

    Put before CsrfViewMiddleware, whose process_view reads request.POST: process_view runs in
    the order of MIDDLEWARE, and there the address (request.resolver_match) is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method not in _BODY_METHODS:
            return None
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        limit = body_limit(view_name)
        declared = _declared_length(request)
        if declared is None:
            if "HTTP_TRANSFER_ENCODING" not in request.META:
                return None  # no body at all
            message = _(
                "What you sent did not state its size, so it was not received. Send it again "
                "from the form; what was saved before is kept."
            )
            return _refusal(request, view_name, message, status=411)
        if declared <= limit:
            return None
        message = _(
            "Too large to send: at most %(mb)s MB at a time. Nothing of it was received; what "
            "was saved before is kept."
        ) % {"mb": (limit - FORM_ALLOWANCE) // MB or 1}
        if view_name in _JSON_VIEWS or view_name in ("reports:form", "links:page"):
            message += " " + _("Send large files one at a time.")
        return _refusal(request, view_name, message, status=413)


def _refusal(request: HttpRequest, view_name: str, message: str, *, status: int) -> HttpResponse:
    accept = request.META.get("HTTP_ACCEPT", "")
    response: HttpResponse
    if (
        view_name in _JSON_VIEWS
        or request.path_info.startswith("/api/")
        or "application/json" in accept
    ):
        response = JsonResponse(
            {"ok": False, "message": message, "errors": {"": [message]}, "lists": {}},
            status=status,
        )
    else:
        response = TemplateResponse(
            request, "upload_refused.html", {"message": message}, status=status
        )
    return response
