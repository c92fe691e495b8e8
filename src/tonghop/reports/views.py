"""A unit reporter's pages: what the unit owes, and the report form."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.campaigns.form_models import FormRule, Indicator
from tonghop.orgs.models import User
from tonghop.reports import actions, attachments, filecheck, receipts
from tonghop.reports.access import get_assignment_for_reporter
from tonghop.reports.actions import Grant
from tonghop.reports.forms import ReportForm
from tonghop.reports.history import history
from tonghop.reports.models import Assignment, Attachment, Report, Step

# Records that the unit opened its form (reminders.directive.mark_opened, given by the URL
# table: this package does not import the directive's).
OnOpen = Callable[[Assignment, User | None], object]
# A file sent with the form: the FILE indicator it answers ("" for a general file), the file.
Upload = tuple[str, UploadedFile[bytes]]
# The campaign's form: its indicators in order, its rules (actions.read_form).
Form = tuple[list[Indicator], list[FormRule]]


@login_required
def my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = (
        Assignment.objects.for_reporter(signed_in_user(request))
        .select_related("campaign", "unit")
        .order_by("due_at", "unit__name")
    )
    return TemplateResponse(request, "reports/my_assignments.html", {"assignments": assignments})


def _initial(assignment: Assignment) -> dict[str, object]:
    report = Report.objects.filter(assignment=assignment).first()
    initial: dict[str, object] = {"version": assignment.version}
    if report is not None:
        initial["narrative"] = report.narrative
        for code, value in report.values.items():
            initial[code] = "" if value is None else value
    return initial


class Writer(Protocol):
    """Who writes the report through the page: the signed-in reporter, or the unit's
    personal link (links.views). The page's logic is the same for both; only this differs."""

    @property
    def user(self) -> User | None: ...

    @property
    def grant(self) -> Grant | None: ...

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
        """Attach `uploads` and save the report (attachments.FilesRefused: some files were
        refused, the others attached, nothing else saved). `form`: the campaign's indicators
        and rules, as the page read them."""

    def opened(self, request: HttpRequest, assignment: Assignment) -> None:
        """The unit opened its form (a GET): what the caller records of it."""

    def addresses(self) -> dict[str, object]:
        """The addresses the page and its script use (autosave_url, upload_url, ...), and
        anything else the template shows for this kind of visitor."""


@dataclass(frozen=True)
class ReporterWriter:
    """The signed-in reporter; `on_open` records the opening (the directive's delivery, whose
    package sits above this one and is handed in by the URL table)."""

    user: User
    assignment: Assignment
    on_open: OnOpen
    grant: Grant | None = None

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
        indicators, rules = form
        if uploads:
            # The files and the report in one transaction (the busiest request there is).
            return attachments.save_with_files(
                self.user,
                self.assignment.pk,
                uploads,
                values,
                narrative,
                expected_version=expected_version,
                submit=submit,
                seen=self.assignment,
                indicators=indicators,
                rules=rules,
            )
        return actions.save_report(
            self.user,
            self.assignment.pk,
            values,
            narrative,
            expected_version=expected_version,
            submit=submit,
            # The form report_page read: not read again.
            indicators=indicators,
            rules=rules,
        )

    def opened(self, request: HttpRequest, assignment: Assignment) -> None:
        self.on_open(assignment, self.user)

    def addresses(self) -> dict[str, object]:
        return {
            "autosave_url": reverse("reports:autosave", args=[self.assignment.pk]),
            "upload_url": reverse("reports:upload", args=[self.assignment.pk]),
        }


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, pk: int, *, on_open: OnOpen) -> HttpResponse:
    """The signed-in reporter's route to the report page. `on_open` is given by the URL table."""
    # A form sent is mostly answered by a redirect: the directive shown on the page is read
    # only when the page is drawn again (a refusal).
    assignment = get_assignment_for_reporter(request, pk, with_document=request.method != "POST")
    writer = ReporterWriter(signed_in_user(request), assignment, on_open)
    return report_page(request, assignment, writer)


def report_page(request: HttpRequest, assignment: Assignment, writer: Writer) -> HttpResponse:
    """The one report page (reports/report_form.html), for whoever `writer` is: the form, its
    files, its refusals, the history. A POST that succeeds redirects to the page itself."""
    # The form and its rules, read once per request.
    indicators, rules = actions.read_form(assignment.campaign)
    status = 200
    file_errors: dict[str, list[str]] = {}
    values_refused = False
    if request.method == "POST":
        form = ReportForm(indicators, request.POST)
        submit = request.POST.get("action") == "submit"
        valid = form.is_valid()
        uploads = attachments.uploads_in(
            request.FILES, attachments.file_codes(assignment, indicators)
        )
        try:
            # Files first: a FILE indicator's value is its list of files, and a removal or an
            # upload does not wait for the figures to be right. With the figures right, the
            # files go with them (writer.save).
            file_errors = _remove_file(request, writer.user, assignment, grant=writer.grant)
            if file_errors or not valid:
                added = attachments.add_uploads(
                    writer.user,
                    assignment.pk,
                    uploads,
                    grant=writer.grant,
                    seen=assignment,
                    indicators=indicators,
                )
                for code, refused in added.items():
                    file_errors.setdefault(code, []).extend(refused)
        except (actions.InvalidStep, actions.NotAllowed) as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        if file_errors or not valid:
            # The figures typed stay in the form, the report saved before stays as it was.
            status = 400
        else:
            try:
                saved = writer.save(
                    {i.code: form.cleaned_data.get(i.code) for i in indicators},
                    form.cleaned_data["narrative"],
                    expected_version=form.cleaned_data["version"],
                    submit=submit,
                    uploads=uploads,
                    form=(indicators, rules),
                )
            except attachments.FilesRefused as exc:
                file_errors = exc.errors
                status = 400
            except actions.InvalidValues as exc:
                codes = attachments.file_codes(assignment, indicators)
                for code, errors in exc.errors.items():
                    if code in codes:
                        # A FILE indicator has no form field: its error goes beside its files.
                        file_errors.setdefault(code, []).extend(errors)
                        values_refused = True
                        continue
                    for error in errors:
                        form.add_error(code if code in form.fields else None, error)
                status = 400
            except (actions.StaleForm, actions.InvalidStep, actions.NotAllowed) as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            else:
                if submit:
                    messages.success(request, _submitted_message(saved))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect(request.path)
    else:
        form = ReportForm(indicators, initial=_initial(assignment))
        writer.opened(request, assignment)
    report = Report.objects.filter(assignment=assignment).first()
    editable = assignment.is_editable_by_unit
    context = {
        "assignment": assignment,
        "campaign": assignment.campaign,
        "form": form,
        "editable": editable,
        "report": report,
        "last_return": assignment.events.filter(step=Step.RETURN).order_by("-at").first(),
        "history": history(assignment, indicators),
        **form_files_context(
            assignment,
            form,
            report,
            file_errors,
            accepts_files=editable,
            files_refused=not values_refused and bool(file_errors),
        ),
        **writer.addresses(),
    }
    return TemplateResponse(request, "reports/report_form.html", context, status=status)


def _submitted_message(assignment: Assignment) -> str:
    """The thanks at the top of the page carry the receipt number: on a phone the receipt card
    further down is below the screen. ``assignment`` is the one save_report returned, which
    carries the version it wrote."""
    version = assignment.submitted_version
    if version is None or not version.receipt_number:
        return str(_("Your report was submitted. Thank you."))
    return str(
        _("Your report was submitted (receipt no. %(number)s). Thank you.")
        % {"number": version.receipt_number}
    )


def _remove_file(
    request: HttpRequest, user: User | None, assignment: Assignment, *, grant: Grant | None
) -> dict[str, list[str]]:
    """The removal asked by a file's button; its refusal under "" (general files).
    Cannot-change-now refusals are raised."""
    removal = request.POST.get("remove", "")
    if not removal:
        return {}
    try:
        attachments.remove_attachment(user, assignment.pk, int(removal), grant=grant)
    except ValueError:
        return {"": [_("This file is no longer attached to the report.")]}
    except attachments.AttachmentRefused as exc:
        return {"": [str(exc)]}
    return {}


def form_files_context(
    assignment: Assignment,
    form: ReportForm,
    report: Report | None,
    file_errors: dict[str, list[str]],
    *,
    accepts_files: bool,
    files_refused: bool,
) -> dict[str, object]:
    """What report_form.html needs to show the attachments: the general files, the files and
    errors of each FILE indicator (by code), the limits, the receipt of the last submission.

    `file_errors` are by indicator code ("" for general files); `files_refused` says they are
    refused uploads rather than a FILE value refused on submission. With `accepts_files` the
    page offers file inputs and remove buttons, and with `files_base` in the writer's
    addresses the files are linked under that address."""
    present = report.current_attachments() if report is not None else []
    errors = file_errors
    groups: dict[str, list[Attachment]] = {}
    for attachment in present:
        groups.setdefault(attachment.indicator_code, []).append(attachment)
    version = report.versions.order_by("-number").first() if report is not None else None
    receipt = version if version is not None and version.receipt_number else None
    return {
        "accepts_files": accepts_files,
        "file_groups": groups,
        "file_error_groups": errors,
        "general_files": groups.get("", []),
        "general_file_errors": errors.get("", []),
        "files_refused": files_refused,
        "file_value_errors": any(errors.values()) and not files_refused,
        "file_accept": filecheck.ACCEPT_ATTRIBUTE,
        "attachment_limits": {
            "mb": settings.TONGHOP_ATTACHMENT_MAX_BYTES // (1024 * 1024),
            "count": settings.TONGHOP_ATTACHMENTS_PER_REPORT,
        },
        "receipt": receipt,
        "receipt_mail": receipts.mail_state(receipt) if receipt is not None else None,
        "receipt_sent_to": receipts.sent_to(receipt) if receipt is not None else "",
    }


# The form's own script (static/tonghop/report-form.js): autosave, and files sent as they are
# chosen. Each answers JSON; a refusal is never a 403, and a report that cannot be changed now
# (submitted meanwhile, returned, campaign closed) or a stale form is a 409 the script stops on.


def _json_refusal(exc: actions.ActionError) -> JsonResponse:
    return JsonResponse({"ok": False, "stale": True, "message": str(exc), "errors": {}}, status=409)


def autosave_json(
    request: HttpRequest, assignment: Assignment, *, user: User | None, grant: Grant | None
) -> JsonResponse:
    """Save the posted form as a draft; {ok, version, saved_at, message, errors}.

    Values that are not valid leave the saved report untouched, as a draft saved by hand: the
    answer carries their errors (400). The personal-link page can answer its script with this."""
    indicators = list(assignment.campaign.indicators.all())
    form = ReportForm(indicators, request.POST)
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        if "version" in errors:
            return _json_refusal(actions.StaleForm(_("The form is incomplete; reload the page.")))
        return JsonResponse(
            {"ok": False, "message": _("Not saved: see the marked fields."), "errors": errors},
            status=400,
        )
    now = timezone.now()
    try:
        saved = actions.save_report(
            user,
            assignment.pk,
            {i.code: form.cleaned_data.get(i.code) for i in indicators},
            form.cleaned_data["narrative"],
            expected_version=form.cleaned_data["version"],
            submit=False,
            now=now,
            grant=grant,
            autosave=True,
        )
    except actions.InvalidValues as exc:
        return JsonResponse(
            {"ok": False, "message": _("Not saved: see the marked fields."), "errors": exc.errors},
            status=400,
        )
    except (actions.StaleForm, actions.InvalidStep, actions.NotAllowed) as exc:
        return _json_refusal(exc)
    local = timezone.localtime(now)
    return JsonResponse(
        {
            "ok": True,
            "version": saved.version,
            "saved_at": local.isoformat(),
            "message": _("Draft saved at %(time)s") % {"time": date_format(local, "H:i")},
            "errors": {},
        }
    )


def _file_lists(
    request: HttpRequest,
    assignment: Assignment,
    groups: list[str],
    removable: bool,
    files_base: str = "",
) -> dict[str, str]:
    """Each group's list of files as the form shows it, for the script to put in place."""
    report = Report.objects.filter(assignment=assignment).first()
    present = report.current_attachments() if report is not None else []
    return {
        group: render_to_string(
            "reports/_attachments.html",
            {
                "assignment": assignment,
                "files": [a for a in present if a.indicator_code == group],
                "group": group,
                "removable": removable,
                "files_base": files_base,
            },
            request=request,
        )
        for group in groups
    }


def upload_json(
    request: HttpRequest,
    assignment: Assignment,
    *,
    user: User | None,
    grant: Grant | None,
    files_base: str = "",
) -> JsonResponse:
    """Attach the posted files; {ok, errors: {group: [..]}, lists: {group: html}}."""
    codes = attachments.file_codes(assignment)
    uploads = attachments.uploads_in(request.FILES, codes)
    if not uploads:
        return JsonResponse(
            {"ok": False, "errors": {"": [_("Choose a file to attach.")]}, "lists": {}},
            status=400,
        )
    try:
        errors = attachments.add_uploads(user, assignment.pk, uploads, grant=grant)
    except (actions.InvalidStep, actions.NotAllowed) as exc:
        return _json_refusal(exc)
    groups = sorted({code for code, _upload in uploads})
    return JsonResponse(
        {
            "ok": not errors,
            "errors": errors,
            "lists": _file_lists(request, assignment, groups, True, files_base),
        },
        status=400 if errors else 200,
    )


def remove_json(
    request: HttpRequest,
    assignment: Assignment,
    attachment_id: int,
    *,
    user: User | None,
    grant: Grant | None,
    files_base: str = "",
) -> JsonResponse:
    try:
        removed = attachments.remove_attachment(user, assignment.pk, attachment_id, grant=grant)
    except attachments.AttachmentRefused as exc:
        return JsonResponse({"ok": False, "message": str(exc), "lists": {}}, status=400)
    except (actions.InvalidStep, actions.NotAllowed) as exc:
        return _json_refusal(exc)
    group = removed.indicator_code
    return JsonResponse(
        {
            "ok": True,
            "message": _("“%(name)s” was removed.") % {"name": removed.original_name},
            "lists": _file_lists(request, assignment, [group], True, files_base),
        }
    )


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    assignment = get_assignment_for_reporter(request, pk)
    return autosave_json(request, assignment, user=signed_in_user(request), grant=None)


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> JsonResponse:
    assignment = get_assignment_for_reporter(request, pk)
    return upload_json(request, assignment, user=signed_in_user(request), grant=None)


@login_required
@require_POST
def remove_file(request: HttpRequest, pk: int, file_pk: int) -> JsonResponse:
    assignment = get_assignment_for_reporter(request, pk)
    return remove_json(request, assignment, file_pk, user=signed_in_user(request), grant=None)


def _get_attachment(request: HttpRequest, pk: int, file_pk: int) -> Attachment:
    """A file of an assignment the person may read: its unit's reporters and the staff of the
    campaign's office. Everyone else, signed in or not, gets a 404, as for a file that does
    not exist."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise Http404
    assignment = get_object_or_404(Assignment.objects.visible_to(user), pk=pk)
    return get_object_or_404(
        Attachment.objects.select_related("report"), pk=file_pk, report__assignment=assignment
    )


@require_safe
def attachment_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    return attachments.serve_attachment(
        request, _get_attachment(request, pk, file_pk), thumbnail=False
    )


@require_safe
def attachment_thumb(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    return attachments.serve_attachment(
        request, _get_attachment(request, pk, file_pk), thumbnail=True
    )
