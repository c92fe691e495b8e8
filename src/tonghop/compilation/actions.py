"""Compiling a campaign, and issuing the result: one function for the page, the worker and the
command line each.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.campaigns.models import Campaign
from tonghop.compilation import notices
from tonghop.compilation.build import Issue, build_document, collect
from tonghop.compilation.citations import DIRECTIVE, RELAY, Citation
from tonghop.compilation.layout import OfficialDocument
from tonghop.compilation.models import (
    ISSUED_STATES,
    TRANSITIONS,
    Compilation,
    CompilationState,
    CompilationStatus,
    CompilationStep,
    ReportCitation,
)
from tonghop.compilation.render_docx import render_docx
from tonghop.orgs.models import Role, User
from tonghop.outbox.models import Message, MessageKind
from tonghop.outbox.queue import FileRef, Queued, deliver_soon, queue_email

log = logging.getLogger(__name__)


class CompilationError(errors.Refused):
    """A refused change of a compilation. str() is a sentence for the person who asked."""


class CompileNotAllowed(CompilationError, errors.NotAllowed):
    pass


class IssueRefused(CompilationError):
    """A step refused in the report's present state; when issuing, nothing was numbered."""


class StaleCompilation(IssueRefused, errors.Stale):
    pass


@dataclass(frozen=True)
class Rendered:
    document: OfficialDocument
    docx: bytes
    pdf: bytes


def render(
    campaign: Campaign, *, assessment: str = "", proposals: str = "", issue: Issue | None = None
) -> Rendered:
    """DOCX and PDF from one description of the document, so the two never disagree."""
    from tonghop.compilation.render_pdf import render_pdf

    document = build_document(campaign, assessment=assessment, proposals=proposals, issue=issue)
    return Rendered(document, render_docx(document), render_pdf(document))


def render_campaign_docx(campaign: Campaign) -> bytes:
    return render_docx(build_document(campaign))


def request_compilation(user: User, campaign: Campaign) -> Compilation:
    """Record the request and hand it to the worker; the page follows its progress."""
    from tonghop.compilation.tasks import run_compilation

    if not user.has_office_role(campaign.office):
        raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
    previous = campaign.compilations.exclude(assessment="", proposals="").first()
    first = not campaign.compilations.exists()
    compilation = Compilation.objects.create(
        campaign=campaign,
        created_by=user,
        # A new draft keeps the office's words written on the last one.
        assessment=previous.assessment if previous else "",
        proposals=previous.proposals if previous else "",
    )
    source = campaign.source_document
    if first and source is not None and source.exchange_id:
        # The agency that sent the directive learns its answer is being drawn up (đang xử lý).
        from tonghop.documents.channel import StatusCode, queue_status

        queue_status(source, StatusCode.PROCESSING, staff=user)
    # Enqueue after commit, so the worker never looks for a row it cannot see yet.
    transaction.on_commit(lambda: run_compilation.enqueue(compilation.pk))
    return compilation


def lock_compilation(compilation_id: int) -> Compilation:
    """The compilation row, locked until the end of the transaction (call inside one)."""
    return (
        Compilation.objects.select_for_update()
        .select_related("campaign", "campaign__office")
        .get(pk=compilation_id)
    )


def refusal_for(compilation: Compilation, step: CompilationStep) -> str:
    """Why this step cannot be taken now, in the person's words."""
    state = CompilationState(compilation.state)
    if state in ISSUED_STATES and step in (CompilationStep.REDRAW, CompilationStep.SUBMIT):
        return _("This report has been issued; it can no longer be changed.")
    if state in ISSUED_STATES and step == CompilationStep.ISSUE:
        return _("This report has already been issued.")
    if step in (CompilationStep.EMAIL, CompilationStep.PUBLISH):
        return _("Only an issued report can be sent or published.")
    if step == CompilationStep.ISSUE and state == CompilationState.SUBMITTED:
        return _("The head must sign the report before the clerk issues it.")
    if step == CompilationStep.ISSUE:
        return _("The report must be submitted for signature and signed before it is issued.")
    if step == CompilationStep.SIGN and state == CompilationState.SIGNED:
        return _("The head has already signed this report; the clerk issues it.")
    if step == CompilationStep.SIGN:
        return _("The report must be submitted for signature before the head signs it.")
    if state == CompilationState.DRAFTING:
        return _("The report is still being drawn; wait until it is ready.")
    if state == CompilationState.SUBMITTED and step == CompilationStep.REDRAW:
        return _("The report is with the head for signature; it can be changed once returned.")
    return _("This step is not possible now (%(state)s).") % {"state": state.label}


def change_state(
    user: User | None,
    compilation: Compilation,
    step: CompilationStep,
    *,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    audit: Action | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the locked compilation one step of TRANSITIONS, saving only the fields this step
    owns, and write the audit entry. `expected_version` None: the caller works from the row it
    has just locked (the worker, the command line)."""
    before = CompilationState(compilation.state)
    after = TRANSITIONS.get((before, step))
    if after is None:
        raise IssueRefused(refusal_for(compilation, step))
    if expected_version is not None and compilation.version != expected_version:
        raise StaleCompilation(
            _(
                "This report changed after you opened it (it is now “%(state)s”). Nothing was "
                "done; the page shows the current version."
            )
            % {"state": before.label}
        )
    compilation.state = after
    compilation.version += 1
    for name, value in (changes or {}).items():
        setattr(compilation, name, value)
    compilation.save(update_fields=["state", "version", *(changes or {})])
    if audit is not None:
        record(
            audit,
            actor=user,
            obj=compilation,
            details={"from": before.value, "to": after.value, **(details or {})},
        )


def run(compilation: Compilation) -> Compilation:
    """Build the DOCX and PDF of a requested compilation, recording the outcome on the row.

    Rendering takes seconds and holds no lock. Before it writes, the worker locks the row
    again and gives up if the report moved on meanwhile (its words changed and a newer drawing
    was requested, or it was submitted or issued): it never writes back a row it read earlier,
    and saves only the fields the drawing owns."""
    with transaction.atomic():
        row = lock_compilation(compilation.pk)
        if row.state != CompilationState.DRAFTING or row.status == CompilationStatus.DONE:
            log.info("compilation %s: nothing to draw (%s)", row.pk, row.state)
            return row
        started = row.version
        row.status = CompilationStatus.RUNNING
        row.progress = 10
        row.save(update_fields=["status", "progress"])
    try:
        campaign = row.campaign
        _totals, rows, missing, _late = collect(campaign)
        Compilation.objects.filter(pk=row.pk, version=started).update(progress=40)
        rendered = render(campaign, assessment=row.assessment, proposals=row.proposals)
    except Exception as exc:  # the row must say it failed, whatever broke
        log.exception("compilation %s failed", row.pk)
        with transaction.atomic():
            row = lock_compilation(row.pk)
            if row.version == started:
                row.status = CompilationStatus.FAILED
                row.error = str(exc)[:2000]
                row.finished_at = timezone.now()
                row.save(update_fields=["status", "error", "finished_at"])
        return row
    with transaction.atomic():
        row = lock_compilation(row.pk)
        if row.version != started or row.state != CompilationState.DRAFTING:
            log.info("compilation %s moved on while drawn; drawing dropped", row.pk)
            return row
        row.docx.save("report.docx", ContentFile(rendered.docx), save=False)
        row.pdf.save("report.pdf", ContentFile(rendered.pdf), save=False)
        change_state(
            None,
            row,
            CompilationStep.DRAWN,
            expected_version=started,
            changes={
                "docx": row.docx,
                "pdf": row.pdf,
                "units_reported": len(rows),
                "units_expected": len(rows) + len(missing),
                "status": CompilationStatus.DONE,
                "progress": 100,
                "error": "",
                "finished_at": timezone.now(),
            },
        )
        return row


def update_words(
    user: User,
    compilation: Compilation,
    assessment: str,
    proposals: str,
    *,
    expected_version: int | None = None,
) -> Compilation:
    """Save the office's assessment and proposals, and draw the files again with them."""
    from tonghop.compilation.tasks import run_compilation

    with transaction.atomic():
        row = lock_compilation(compilation.pk)
        if not user.has_office_role(row.campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        change_state(
            user,
            row,
            CompilationStep.REDRAW,
            expected_version=expected_version,
            changes={
                "assessment": assessment.strip()[:20000],
                "proposals": proposals.strip()[:20000],
                "status": CompilationStatus.QUEUED,
                "progress": 0,
            },
        )
    transaction.on_commit(lambda: run_compilation.enqueue(row.pk))
    return row


def submit_for_signature(
    user: User, compilation_id: int, *, expected_version: int | None = None
) -> Compilation:
    """The specialist hands the drawn report to the head (trình ký)."""
    with transaction.atomic():
        row = lock_compilation(compilation_id)
        if not user.has_office_role(row.campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        change_state(
            user,
            row,
            CompilationStep.SUBMIT,
            expected_version=expected_version,
            audit=Action.SUBMIT_FOR_SIGNATURE,
        )
        # The head's notice and email are written with the step, and sent by the worker.
        notices.tell_heads(row, user, timezone.now())
    transaction.on_commit(notices.deliver_soon)
    return row


MAX_COMMENT = 5000


def set_citations(user: User, campaign_id: int, citations: list[Citation]) -> None:
    """Keep on the campaign the documents its report cites, as the specialist confirmed or
    corrected them; a role left out is kept as "cite nothing" so the register's suggestion does
    not come back. Draws already made keep their words until drawn again."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("office").get(pk=campaign_id)
        if not user.has_office_role(campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        ReportCitation.objects.filter(campaign=campaign).delete()
        given = {c.role for c in citations}
        rows = [
            ReportCitation(
                campaign=campaign,
                position=position,
                role=c.role,
                doc_type=c.doc_type,
                number=c.number,
                symbol=c.symbol,
                issued_on=c.issued_on,
                issuer=c.issuer,
                subject=c.subject,
            )
            for position, c in enumerate(citations)
        ]
        rows += [
            ReportCitation(campaign=campaign, position=99, role=role, omitted=True)
            for role in (DIRECTIVE, RELAY)
            if role not in given
        ]
        ReportCitation.objects.bulk_create(rows)
        record(
            Action.DATA,
            actor=user,
            obj=campaign,
            details={"citations": [c.as_dict() for c in citations]},
        )


def return_to_specialist(
    user: User, compilation_id: int, comment: str, *, expected_version: int | None = None
) -> Compilation:
    """The head sends the report back, saying what to change; the specialist sees the comment."""
    comment = (comment or "").strip()
    if not comment:
        raise IssueRefused(_("Say what must be changed in the report."))
    if len(comment) > MAX_COMMENT:
        raise IssueRefused(_("Too long: at most %(limit)s characters.") % {"limit": MAX_COMMENT})
    with transaction.atomic():
        row = lock_compilation(compilation_id)
        if not user.has_office_role(row.campaign.office, Role.HEAD):
            raise CompileNotAllowed(_("Only the head of the office can return the report."))
        change_state(
            user,
            row,
            CompilationStep.RETURN,
            expected_version=expected_version,
            changes={"head_comment": comment},
            audit=Action.RETURN,
            details={"comment": comment},
        )
        notices.tell_specialist(row, user, comment, timezone.now())
    transaction.on_commit(notices.deliver_soon)
    return row


def rounds(compilation: Compilation) -> list[dict[str, Any]]:
    """Every submission and return of this report, then the head's signature and the clerk's
    issue, oldest first, with the head's comments: the history of trình ký the page shows
    (head_comment keeps only the last)."""
    from tonghop.audit.models import AuditEvent

    kinds = {
        Action.SUBMIT_FOR_SIGNATURE: "submitted",
        Action.RETURN: "returned",
        Action.SIGN: "signed",
        Action.ISSUE: "issued",
    }
    events = AuditEvent.objects.filter(
        object_type="compilation.compilation",
        object_id=str(compilation.pk),
        action__in=tuple(kinds),
    ).order_by("at", "pk")
    return [
        {
            "at": event.at,
            "kind": kinds[Action(event.action)],
            "returned": event.action == Action.RETURN,
            "by": event.actor.display_name() if event.actor else event.username,
            "comment": str((event.details or {}).get("comment") or ""),
            "reference": str((event.details or {}).get("reference") or ""),
        }
        for event in events.select_related("actor")
    ]


def email_report(
    user: User, compilation: Compilation, to: str, *, expected_version: int | None = None
) -> Queued:
    """Queue the issued, signed report (and its edXML package) for the body above.

    Checked under the row's lock; the worker sends it through the outbox, and the compilation
    becomes "sent" (record_emailed) once it has really gone. Asking twice for the same address
    queues one message (`Queued.queued` is then False)."""
    with transaction.atomic():
        row = lock_compilation(compilation.pk)
        if not row.can(CompilationStep.EMAIL) or not row.signed_pdf:
            raise IssueRefused(_("Only an issued report can be sent."))
        if not user.has_office_role(row.campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        if expected_version is not None and row.version != expected_version:
            raise StaleCompilation(
                _(
                    "This report changed after you opened it (it is now “%(state)s”). Nothing "
                    "was done; the page shows the current version."
                )
                % {"state": CompilationState(row.state).label}
            )
        document = row.document
        assert document is not None
        files = [FileRef(str(row.signed_pdf.name), document.original_name, "application/pdf")]
        # Appendices issued as files of their own go with it (ND 30 PL I, II.8.b).
        files += [
            FileRef(str(a.file.name), a.filename, "application/pdf") for a in row.attachments.all()
        ]
        if row.edxml:
            files.append(
                FileRef(str(row.edxml.name), row.download_name("edxml"), "application/xml")
            )
        with translation.override(settings.LANGUAGE_CODE):
            body = _(
                "%(office)s sends the attached report no. %(reference)s dated %(date)s "
                "(digitally signed)."
            ) % {
                "office": document.issuer,
                "reference": document.reference(),
                "date": document.issued_on.strftime("%d/%m/%Y") if document.issued_on else "",
            }
        now = timezone.now()
        queued = queue_email(
            campaign=row.campaign,
            kind=MessageKind.REPORT,
            object_id=row.pk,
            recipient=to,
            subject=f"{document.reference()} {document.subject}"[:250],
            body=body,
            files=files,
            by=user,
            now=now,
        )
        if queued.queued:
            log.info("compilation %s: report queued for %s by %s", row.pk, to, user.pk)
            deliver_soon(now)
        return queued


def record_emailed(message: Message, now: dt.datetime) -> None:
    """The outbox sent the report (see CompilationConfig.ready): the compilation is "sent", the
    page shows to whom and when, and the audit log names who asked for it."""
    if message.object_id is None:
        return
    with transaction.atomic():
        row = Compilation.objects.select_for_update().filter(pk=message.object_id).first()
        if row is None or not row.can(CompilationStep.EMAIL):
            return
        document = row.document
        change_state(
            message.created_by,
            row,
            CompilationStep.EMAIL,
            expected_version=None,
            changes={"emailed_at": now, "emailed_to": message.recipient[:255]},
            audit=Action.EMAIL,
            details={
                "to": message.recipient,
                "reference": document.reference() if document else "",
                "message": message.pk,
            },
        )


def report_emails(compilation: Compilation) -> list[Message]:
    """The report's emails in the outbox, newest first."""
    return list(
        Message.objects.filter(
            campaign_id=compilation.campaign_id, kind=MessageKind.REPORT, object_id=compilation.pk
        ).order_by("-pk")
    )
