"""Compiling a campaign, and issuing the result: one function for the page, the worker and the
command line each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tonghop.campaigns.models import Campaign
from tonghop.compilation.build import Issue, build_document, collect
from tonghop.compilation.edxml import EdxmlError
from tonghop.compilation.exchange import package_for
from tonghop.compilation.layout import OfficialDocument
from tonghop.compilation.models import Compilation, CompilationStatus, NewsItem
from tonghop.compilation.render_docx import render_docx
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.orgs.models import Role, Unit, User
from tonghop.pki import trust_roots
from tonghop.reminders.models import Message, MessageKind
from tonghop.reminders.outbox import FileRef, Queued, deliver_soon, queue_email

log = logging.getLogger(__name__)


class CompileNotAllowed(Exception):
    pass


class IssueRefused(Exception):
    """Issuing did not happen; nothing was numbered. str() is for the person."""


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


def run(compilation: Compilation) -> Compilation:
    """Build the DOCX and PDF of a requested compilation, recording the outcome on the row."""
    compilation.status = CompilationStatus.RUNNING
    compilation.progress = 10
    compilation.save(update_fields=["status", "progress"])
    try:
        campaign = compilation.campaign
        _totals, rows, missing, _late = collect(campaign)
        compilation.progress = 40
        compilation.save(update_fields=["progress"])
        rendered = render(
            campaign, assessment=compilation.assessment, proposals=compilation.proposals
        )
    except Exception as exc:  # the row must say it failed, whatever broke
        log.exception("compilation %s failed", compilation.pk)
        compilation.status = CompilationStatus.FAILED
        compilation.error = str(exc)[:2000]
        compilation.finished_at = timezone.now()
        compilation.save(update_fields=["status", "error", "finished_at"])
        return compilation
    compilation.units_reported = len(rows)
    compilation.units_expected = len(rows) + len(missing)
    compilation.docx.save("report.docx", ContentFile(rendered.docx), save=False)
    compilation.pdf.save("report.pdf", ContentFile(rendered.pdf), save=False)
    compilation.status = CompilationStatus.DONE
    compilation.progress = 100
    compilation.finished_at = timezone.now()
    compilation.save()
    return compilation


def update_words(user: User, compilation: Compilation, assessment: str, proposals: str) -> None:
    """Save the office's assessment and proposals, and draw the files again with them."""
    from tonghop.compilation.tasks import run_compilation

    if compilation.is_issued:
        raise IssueRefused(_("This report has been issued; it can no longer be changed."))
    if not user.has_office_role(compilation.campaign.office):
        raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
    compilation.assessment = assessment.strip()[:20000]
    compilation.proposals = proposals.strip()[:20000]
    compilation.status = CompilationStatus.QUEUED
    compilation.progress = 0
    compilation.save(update_fields=["assessment", "proposals", "status", "progress"])
    transaction.on_commit(lambda: run_compilation.enqueue(compilation.pk))


def signing_key() -> Path:
    return Path(settings.TONGHOP_SIGNING_P12)


def issue(
    user: User,
    compilation_id: int,
    *,
    passphrase: str,
    p12_path: Path | None = None,
    today: dt.date | None = None,
) -> Compilation:
    """The head issues the report: next outgoing number, final files, PAdES signature, the
    outgoing register entry and the edXML package, all in one transaction.

    If anything fails (wrong passphrase, expired certificate…) the transaction rolls back: no
    number is used up and nothing is half issued.
    """
    from tonghop.compilation.signing import SigningError, sign_pdf, verify_pdf

    today = today or timezone.localdate()
    with transaction.atomic():
        compilation = (
            Compilation.objects.select_for_update()
            .select_related("campaign", "campaign__office")
            .get(pk=compilation_id)
        )
        campaign = compilation.campaign
        if not user.has_office_role(campaign.office, Role.HEAD):
            raise IssueRefused(_("Only the head of the office can sign and issue the report."))
        if compilation.is_issued:
            raise IssueRefused(_("This report has already been issued."))
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
        # The exchange package needs the organ codes of both bodies; without them the report is
        # still issued and signed, and the page says why there is no package.
        try:
            package = package_for(outgoing, signed, campaign)
        except EdxmlError as exc:
            compilation.error = f"edXML: {exc}"
        else:
            compilation.edxml.save("report.edxml", ContentFile(package), save=False)
        compilation.document = outgoing
        compilation.issued_by = user
        compilation.issued_at = timezone.now()
        compilation.status = CompilationStatus.DONE
        compilation.save()
        return compilation


def email_report(user: User, compilation: Compilation, to: str) -> Queued:
    """Queue the issued, signed report (and its edXML package) for the body above.

    The worker sends it through the outbox; `emailed_at` is set when it has really gone. Asking
    twice for the same address queues one message (`Queued.queued` is then False)."""
    with transaction.atomic():
        compilation = (
            Compilation.objects.select_for_update(of=("self",))
            .select_related("campaign__office", "document")
            .get(pk=compilation.pk)
        )
        if not user.has_office_role(compilation.campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        if not compilation.is_issued or not compilation.signed_pdf:
            raise IssueRefused(_("Only an issued report can be sent."))
        document = compilation.document
        assert document is not None
        files = [
            FileRef(str(compilation.signed_pdf.name), document.original_name, "application/pdf")
        ]
        if compilation.edxml:
            files.append(FileRef(str(compilation.edxml.name), "report.edxml", "application/xml"))
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
            campaign=compilation.campaign,
            kind=MessageKind.REPORT,
            object_id=compilation.pk,
            recipient=to,
            subject=f"{document.reference()} {document.subject}"[:250],
            body=body,
            files=files,
            by=user,
            now=now,
        )
        if queued.queued:
            log.info("compilation %s: report queued for %s by %s", compilation.pk, to, user.pk)
            deliver_soon(now)
        return queued


def record_emailed(message: Message, now: dt.datetime) -> None:
    """The outbox sent the report (see CompilationConfig.ready): the page shows to whom, when."""
    if message.object_id is None:
        return
    with transaction.atomic():
        compilation = Compilation.objects.select_for_update().filter(pk=message.object_id).first()
        if compilation is None:
            return
        compilation.emailed_at = now
        compilation.emailed_to = message.recipient[:255]
        compilation.save(update_fields=["emailed_at", "emailed_to"])


def report_emails(compilation: Compilation) -> list[Message]:
    """The report's emails in the outbox, newest first."""
    return list(
        Message.objects.filter(
            campaign_id=compilation.campaign_id, kind=MessageKind.REPORT, object_id=compilation.pk
        ).order_by("-pk")
    )


def save_news(
    user: User,
    compilation: Compilation,
    *,
    title: str,
    summary: str,
    body: str,
    publish: bool,
    item: NewsItem | None = None,
) -> NewsItem:
    """Write or update the news item about a campaign's results; publish only when asked."""
    if not user.has_office_role(compilation.campaign.office):
        raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
    item = item or NewsItem(
        office=compilation.campaign.office, compilation=compilation, created_by=user
    )
    item.title, item.summary, item.body = title.strip(), summary.strip(), body.strip()
    if publish and item.published_at is None:
        item.published_at = timezone.now()
    if not publish:
        item.published_at = None
    item.save()
    return item
