"""The pages a personal link opens, and the office's buttons to issue and revoke links.

The link page is the reporter's page (reports.views.report_page, with the JSON helpers for
autosave and files) for the link's one assignment. It signs nobody in: the visitor stays
anonymous, every other URL still asks for a password, and every address under /l/<token>/
reaches only the assignment the token names, found again from the token on each request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.reports import attachments
from tonghop.reports.access import get_assignment_for_staff
from tonghop.reports.actions import ActionError
from tonghop.reports.links import actions
from tonghop.reports.links.models import MAX_DAYS, AccessLink, Reason, Unusable, find
from tonghop.reports.models import Assignment, Attachment

# The link's pages are the reporter's (one implementation): this module only finds the link.
from tonghop.reports.views import (
    Form,
    Upload,
    autosave_json,
    remove_json,
    report_page,
    upload_json,
)
from tonghop.visitors import is_person

View = Callable[..., HttpResponseBase]


# Not "no-referrer": under it browsers send `Origin: null` with the page's own POSTs (the form,
# its autosave, the language switch), which Django's CSRF check refuses, so no save would ever
# go through (the test client sends no Origin and cannot see this; tests/links/test_browser.py
# can). "strict-origin" sends the site's origin only, never the path that holds the token, and
# nothing from HTTPS to HTTP.
REFERRER_POLICY = "strict-origin"


# (assignment, link id): what opening the form through a link records beyond the link's use.
LinkOpened = Callable[[Assignment, int], object]


def _private(view: View) -> View:
    """Headers for a page whose URL or body holds a token: no Referer carries the token
    anywhere, no cache (browser or proxy) keeps the page, no search engine lists it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    return wrapped


def _unusable(request: HttpRequest, exc: Unusable) -> HttpResponse:
    # Unknown or tampered: 404, as for any URL that does not exist. Expired or revoked: 410,
    # the link did exist and is gone for good; the page says whom to ask for a new one.
    status = 410 if exc.reason in (Reason.EXPIRED, Reason.REVOKED) else 404
    link = exc.link
    context = {
        "reason": exc.reason.value,
        "link": link,
        "campaign": link.assignment.campaign if link else None,
        "office": link.assignment.campaign.office if link else None,
    }
    return TemplateResponse(request, "links/unusable.html", context, status=status)


def _unusable_json(exc: Unusable) -> JsonResponse:
    # The form's script stops on a 409 and shows the message; it would retry anything else.
    if exc.reason == Reason.UNKNOWN:
        return JsonResponse({"ok": False, "message": _("This link is not valid.")}, status=404)
    message = _("This link is no longer valid. Ask the office for a new one.")
    return JsonResponse(
        {"ok": False, "stale": True, "message": message, "errors": {}, "lists": {}}, status=409
    )


def through_link(*, json: bool = False) -> Callable[[View], View]:
    """Every view under /l/<token>/: the link is found from the token first (refusals as the
    page or, for the form's script, as JSON), then the view gets it in place of the token."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, token: str, *args: object, **kwargs: object
        ) -> HttpResponseBase:
            try:
                link = find(token)
            except Unusable as exc:
                return _unusable_json(exc) if json else _unusable(request, exc)
            return view(request, link, token, *args, **kwargs)

        return _private(wrapped)

    return decorate


def _files_base(token: str) -> str:
    return reverse("links:upload", args=[token])


@dataclass(frozen=True)
class LinkWriter:
    """The unit writing through its personal link, for reports.views.report_page."""

    link: AccessLink
    token: str
    # Records the opening (the directive's delivery, above this package): given by the URL table.
    on_open: LinkOpened
    user: None = None

    @property
    def grant(self) -> AccessLink:
        return self.link

    def save(
        self,
        values: Mapping[str, object],
        narrative: str,
        *,
        expected_version: int,
        submit: bool,
        uploads: Sequence[Upload],
        form: Form,
    ) -> Assignment:
        if uploads:
            # The files and the report in one transaction, the link read again under its lock.
            indicators, rules = form
            return attachments.save_with_files(
                None,
                self.link.assignment_id,
                uploads,
                values,
                narrative,
                expected_version=expected_version,
                submit=submit,
                seen=self.link.assignment,
                indicators=indicators,
                rules=rules,
                hold=actions.LinkHold(self.link),
            )
        return actions.save_via_link(
            self.link, values, narrative, expected_version=expected_version, submit=submit
        )

    def opened(self, request: HttpRequest, assignment: Assignment) -> None:
        if is_person(request):  # a chat app drawing the link's preview is not the unit
            actions.record_use(self.link)
            self.on_open(assignment, self.link.pk)

    def addresses(self) -> dict[str, object]:
        # The shared template uses these addresses in place of the signed-in reporter's.
        return {
            "via_link": True,
            "access_link": self.link,
            "autosave_url": reverse("links:autosave", args=[self.token]),
            "upload_url": _files_base(self.token),
            "files_base": _files_base(self.token),
            "receipt_confirm_url": reverse("links:confirm-receipt", args=[self.token]),
            "receipt_document_url": reverse("links:directive-document", args=[self.token]),
        }


@through_link()
@require_http_methods(["GET", "POST"])
def link_page(
    request: HttpRequest, link: AccessLink, token: str, *, on_open: LinkOpened
) -> HttpResponse:
    """The link is authenticated by through_link; the page is the reporter's own."""
    return report_page(request, link.assignment, LinkWriter(link, token, on_open))


@through_link(json=True)
@require_POST
def link_autosave(request: HttpRequest, link: AccessLink, token: str) -> JsonResponse:
    response = autosave_json(request, link.assignment, user=None, grant=link)
    if response.status_code == 200:
        # Typing saves every few seconds: it shows the link is in use, it is not an opening.
        actions.record_use(link, count=False)
    return response


@through_link(json=True)
@require_POST
def link_upload(request: HttpRequest, link: AccessLink, token: str) -> JsonResponse:
    return upload_json(
        request, link.assignment, user=None, grant=link, files_base=_files_base(token)
    )


@through_link(json=True)
@require_POST
def link_remove_file(
    request: HttpRequest, link: AccessLink, token: str, file_pk: int
) -> JsonResponse:
    return remove_json(
        request, link.assignment, file_pk, user=None, grant=link, files_base=_files_base(token)
    )


def _attachment(link: AccessLink, file_pk: int) -> Attachment:
    """A file of the link's own assignment; any other file is a 404, as one that does not
    exist."""
    return get_object_or_404(
        Attachment.objects.select_related("report"),
        pk=file_pk,
        report__assignment_id=link.assignment_id,
    )


@through_link()
@require_safe
def link_file(request: HttpRequest, link: AccessLink, token: str, file_pk: int) -> FileResponse:
    return attachments.serve_attachment(request, _attachment(link, file_pk), thumbnail=False)


@through_link()
@require_safe
def link_thumb(request: HttpRequest, link: AccessLink, token: str, file_pk: int) -> FileResponse:
    return attachments.serve_attachment(request, _attachment(link, file_pk), thumbnail=True)


def _back(assignment: Assignment) -> HttpResponse:
    url = reverse("campaigns:review", args=[assignment.campaign.slug, assignment.pk])
    return redirect(f"{url}#link")


class IssueForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
    )


def _mailto(assignment: Assignment, url: str) -> str:
    subject = _("Personal link to report: %(campaign)s") % {"campaign": assignment.campaign.title}
    body = _(
        "Dear %(unit)s,\n\nThis link opens your unit's report form for “%(campaign)s” "
        "(due %(due)s), without an account:\n\n%(url)s\n\nPlease do not forward it.\n"
    ) % {
        "unit": assignment.unit.name,
        "campaign": assignment.campaign.title,
        "due": date_format(timezone.localtime(assignment.due_at), "H:i d/m/Y"),
        "url": url,
    }
    address = quote(assignment.unit.email, safe="@")
    return f"mailto:{address}?subject={quote(subject)}&body={quote(body)}"


@login_required
@_private
@require_POST
def issue(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Issue a new link and show it once: only its hash is kept, it cannot be shown again."""
    assignment = get_assignment_for_staff(request, slug, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("days", []) or [_("The form is incomplete.")]:
            messages.error(request, f"{form.fields['days'].label}: {message}")
        return _back(assignment)
    try:
        link, path = actions.issue_link(
            assignment, by=signed_in_user(request), days=form.cleaned_data["days"]
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _back(assignment)
    # The site's public address, as in the emails: the office may be on an internal one.
    url = settings.SITE_URL.rstrip("/") + path
    context = {
        "assignment": assignment,
        "campaign": assignment.campaign,
        "link": link,
        "url": url,
        "qr": segno.make(url, error="m").svg_data_uri(scale=4),
        "mailto": _mailto(assignment, url) if assignment.unit.email else "",
    }
    return TemplateResponse(request, "links/issued.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assignment = get_assignment_for_staff(request, slug, pk)
    link: AccessLink | None = assignment.access_links.unrevoked().first()
    if link is None:
        messages.error(request, _("This unit has no link to revoke."))
        return _back(assignment)
    try:
        actions.revoke_link(link, by=signed_in_user(request))
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The link was revoked; it no longer opens the form."))
    return _back(assignment)
