"""Issuing the report the head signs: the next outgoing number, the final files, the PAdES
signature, the outgoing register's entry and the edXML package, in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.models import Action
from tonghop.campaigns.models import Campaign
from tonghop.compilation.actions import (
    IssueRefused,
    StaleCompilation,
    change_state,
    lock_compilation,
    refusal_for,
    render,
)
from tonghop.compilation.build import Issue
from tonghop.compilation.models import (
    ISSUED_STATES,
    Compilation,
    CompilationState,
    CompilationStep,
)
from tonghop.dispatch.edxml import EdxmlError
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.issuing.exchange import package_for, send_package
from tonghop.issuing.signing import SigningError, sign_pdf, verify_pdf
from tonghop.orgs.models import Role, Unit, User
from tonghop.pki import trust_roots


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
            raise IssueRefused(refusal_for(compilation, CompilationStep.ISSUE))
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
            package = package_for(outgoing, signed, campaign, issued=doc, staff=user)
        except EdxmlError as exc:
            changes["error"] = f"edXML: {exc}"
        else:
            compilation.edxml.save("report.edxml", ContentFile(package), save=False)
            send_package(outgoing, package, campaign)
            changes["edxml"] = compilation.edxml
        details: dict[str, Any] = {"reference": outgoing.reference(), "register_number": number}
        if correction:
            details |= {"correction": True, "reason": correction_reason}
            if earlier is not None and earlier.document is not None:
                details["corrects"] = earlier.document.reference()
        change_state(
            user,
            compilation,
            CompilationStep.ISSUE,
            expected_version=None,
            changes=changes,
            audit=Action.ISSUE,
            details=details,
        )
        return compilation
