"""Compiling a campaign, and issuing the result: one function for the page, the worker and the
command line each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.campaigns.models import Campaign
from tonghop.compilation.build import Issue, build_document, collect
from tonghop.compilation.layout import OfficialDocument
from tonghop.compilation.models import (
    ISSUED_STATES,
    TRANSITIONS,
    Compilation,
    CompilationState,
    CompilationStatus,
    CompilationStep,
)
from tonghop.compilation.render_docx import render_docx
from tonghop.dispatch.edxml import EdxmlError
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.issuing.exchange import package_for
from tonghop.orgs.models import Role, Unit, User
from tonghop.pki import trust_roots

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
    compilation = Compilation.objects.create(
        campaign=campaign,
        created_by=user,
        # A new draft keeps the office's words written on the last one.
        assessment=previous.assessment if previous else "",
        proposals=previous.proposals if previous else "",
    )
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


def _refusal(compilation: Compilation, step: CompilationStep) -> str:
    """Why this step cannot be taken now, in the person's words."""
    state = CompilationState(compilation.state)
    if state in ISSUED_STATES and step in (CompilationStep.REDRAW, CompilationStep.SUBMIT):
        return _("This report has been issued; it can no longer be changed.")
    if state in ISSUED_STATES and step == CompilationStep.ISSUE:
        return _("This report has already been issued.")
    if step in (CompilationStep.EMAIL, CompilationStep.PUBLISH):
        return _("Only an issued report can be sent or published.")
    if step == CompilationStep.ISSUE:
        return _("The report must be submitted for signature before the head issues it.")
    if state == CompilationState.DRAFTING:
        return _("The report is still being drawn; wait until it is ready.")
    if state == CompilationState.SUBMITTED and step == CompilationStep.REDRAW:
        return _("The report is with the head for signature; it can be changed once returned.")
    return _("This step is not possible now (%(state)s).") % {"state": state.label}


def _step(
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
        raise IssueRefused(_refusal(compilation, step))
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
        _step(
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
        _step(
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
        _step(
            user,
            row,
            CompilationStep.SUBMIT,
            expected_version=expected_version,
            audit=Action.SUBMIT_FOR_SIGNATURE,
        )
        return row


MAX_COMMENT = 5000


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
        _step(
            user,
            row,
            CompilationStep.RETURN,
            expected_version=expected_version,
            changes={"head_comment": comment},
            audit=Action.RETURN,
            details={"comment": comment},
        )
        return row


def signing_key() -> Path:
    return Path(settings.TONGHOP_SIGNING_P12)


MAX_REASON = 2000


def issue(
    user: User,
    compilation_id: int,
    *,
    passphrase: str,
    p12_path: Path | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
    correction: bool = False,
    correction_reason: str = "",
) -> Compilation:
    """The head signs and issues the report submitted for signature: next outgoing number,
    final files, PAdES signature, the outgoing register entry and the edXML package, all in one
    transaction.

    If anything fails (wrong passphrase, expired certificate…) the transaction rolls back: no
    number is used up and nothing is half issued. A campaign's report is issued once; another
    one only as a correction the office asks for on purpose, with its reason. The campaign row
    is locked first, so two heads issuing two drafts of one campaign cannot both pass.
    """
    from tonghop.issuing.signing import SigningError, sign_pdf, verify_pdf

    today = today or timezone.localdate()
    correction_reason = (correction_reason or "").strip()
    if correction and not correction_reason:
        raise IssueRefused(_("Give the reason for the correction."))
    if len(correction_reason) > MAX_REASON:
        raise IssueRefused(_("Too long: at most %(limit)s characters.") % {"limit": MAX_REASON})
    with transaction.atomic():
        campaign_id = Compilation.objects.values_list("campaign_id", flat=True).get(
            pk=compilation_id
        )
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        compilation = lock_compilation(compilation_id)
        if not user.has_office_role(campaign.office, Role.HEAD):
            raise IssueRefused(_("Only the head of the office can sign and issue the report."))
        if not compilation.can(CompilationStep.ISSUE):
            raise IssueRefused(_refusal(compilation, CompilationStep.ISSUE))
        earlier = (
            campaign.compilations.filter(state__in=ISSUED_STATES)
            .exclude(pk=compilation.pk)
            .select_related("document")
            .first()
        )
        if earlier is not None and not correction:
            raise IssueRefused(
                _(
                    "This campaign's report was already issued as no. %(reference)s. To issue "
                    "another one, mark it as a correction and give the reason."
                )
                % {"reference": earlier.document.reference() if earlier.document else ""}
            )
        if earlier is None and correction:
            raise IssueRefused(_("No report of this campaign has been issued: nothing to correct."))
        if expected_version is not None and compilation.version != expected_version:
            raise StaleCompilation(
                _(
                    "This report changed after you opened it (it is now “%(state)s”). Nothing "
                    "was done; the page shows the current version."
                )
                % {"state": CompilationState(compilation.state).label}
            )
        office = Unit.objects.select_for_update().get(pk=campaign.office_id)
        number = Document.objects.next_register_number(office, Direction.OUTGOING, today.year)
        rendered = render(
            campaign,
            assessment=compilation.assessment,
            proposals=compilation.proposals,
            issue=Issue(number=f"{number:02d}", issued_on=today),
        )
        try:
            signed = sign_pdf(
                rendered.pdf,
                p12_path=p12_path or signing_key(),
                passphrase=passphrase,
                signer_name=user.display_name(),
                body=office.name,
                location=office.place,
            )
        except SigningError as exc:
            raise IssueRefused(str(exc)) from exc
        doc = rendered.document
        outgoing = Document(
            office=office,
            direction=Direction.OUTGOING,
            status=IntakeStatus.REGISTERED,
            doc_type="Báo cáo",
            number=f"{number:02d}",
            symbol=doc.symbol,
            issuer=office.name,
            issued_on=today,
            subject=doc.subject,
            signer_title=doc.signer.title.capitalize(),
            signer_name=user.display_name(),
            recipients=list(doc.recipients),
            register_year=today.year,
            register_number=number,
            original_name=f"{number:02d}-{doc.symbol}.pdf",
            sha256=hashlib.sha256(signed).hexdigest(),
            size=len(signed),
            created_by=user,
            # The register shows the signature like any document's: read back from the file.
            parsed={"findings": [], "signatures": verify_pdf(signed, trust_roots())},
        )
        outgoing.file.save(outgoing.original_name, ContentFile(signed), save=False)
        outgoing.save()
        compilation.docx.save("report.docx", ContentFile(rendered.docx), save=False)
        compilation.pdf.save("report.pdf", ContentFile(rendered.pdf), save=False)
        compilation.signed_pdf.save("report.signed.pdf", ContentFile(signed), save=False)
        changes: dict[str, Any] = {
            "docx": compilation.docx,
            "pdf": compilation.pdf,
            "signed_pdf": compilation.signed_pdf,
            "document": outgoing,
            "issued_by": user,
            "issued_at": timezone.now(),
            "correction": correction,
            "correction_reason": correction_reason,
            "error": "",
        }
        # The exchange package needs the organ codes of both bodies; without them the report is
        # still issued and signed, and the page says why there is no package.
        try:
            package = package_for(outgoing, signed, campaign)
        except EdxmlError as exc:
            changes["error"] = f"edXML: {exc}"
        else:
            compilation.edxml.save("report.edxml", ContentFile(package), save=False)
            changes["edxml"] = compilation.edxml
        details: dict[str, Any] = {"reference": outgoing.reference(), "register_number": number}
        if correction:
            details |= {"correction": True, "reason": correction_reason}
            if earlier is not None and earlier.document is not None:
                details["corrects"] = earlier.document.reference()
        _step(
            user,
            compilation,
            CompilationStep.ISSUE,
            expected_version=None,
            changes=changes,
            audit=Action.ISSUE,
            details=details,
        )
        return compilation


def email_report(
    user: User, compilation: Compilation, to: str, *, expected_version: int | None = None
) -> Compilation:
    """Send the issued, signed report to the body above by email.

    The row is checked under its lock, the message sent with no lock held (a slow mail server
    must not block the page), and the sending recorded once it was accepted."""
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
    message = EmailMessage(
        subject=f"{document.reference()} {document.subject}"[:250],
        body=_(
            "%(office)s sends the attached report no. %(reference)s dated %(date)s "
            "(digitally signed)."
        )
        % {
            "office": document.issuer,
            "reference": document.reference(),
            "date": document.issued_on.strftime("%d/%m/%Y") if document.issued_on else "",
        },
        to=[to],
    )
    with row.signed_pdf.open("rb") as handle:
        message.attach(document.original_name, handle.read(), "application/pdf")
    if row.edxml:
        with row.edxml.open("rb") as handle:
            message.attach("report.edxml", handle.read(), "application/xml")
    message.send()
    with transaction.atomic():
        row = lock_compilation(compilation.pk)
        # Issued stays issued: nothing can move the row out of ISSUED or SENT meanwhile.
        _step(
            user,
            row,
            CompilationStep.EMAIL,
            expected_version=None,
            changes={"emailed_at": timezone.now(), "emailed_to": to},
            audit=Action.EMAIL,
            details={"to": to, "reference": document.reference()},
        )
        return row
