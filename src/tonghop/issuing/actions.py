"""Signing and issuing the report, in the order of ND 30/2020: the head signs the draft
(personal signature at ô 7c); the clerk (văn thư) then gives it the next outgoing number and
the date, adds the office's signature (seal at ô 8), registers it and prepares the edXML
package. Each step is one transaction: a refused step leaves nothing behind, and a number of
the outgoing register is taken only when the clerk issues."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns.models import Campaign
from tonghop.compilation.actions import (
    IssueRefused,
    StaleCompilation,
    change_state,
    lock_compilation,
    refusal_for,
    render,
)
from tonghop.compilation.build import Issue, build_document
from tonghop.compilation.layout import OfficialDocument, appendix_label, appendix_title
from tonghop.compilation.models import (
    ISSUED_STATES,
    Compilation,
    CompilationState,
    CompilationStep,
    IssuedAttachment,
)
from tonghop.compilation.render_pdf import (
    FIELD_ATTACHMENT,
    FIELD_DAY,
    FIELD_MONTH,
    FIELD_NUMBER,
    FIELD_OFFICE,
    FIELD_SIGNER,
    render_appendix_pdf,
)
from tonghop.dispatch.edxml import Attachment, EdxmlError
from tonghop.dispatch.signatures import VIETNAM
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.issuing.answers import answer_above, report_for_above
from tonghop.issuing.exchange import package_for, send_package
from tonghop.issuing.keys import KeySource, key_from_environment, release
from tonghop.issuing.signing import (
    SigningError,
    TimestampUnavailable,
    fill_fields,
    sign_pdf,
    signature_field_names,
    verify_pdf,
)
from tonghop.orgs.models import Role, Unit, User
from tonghop.pki import trust_roots

log = logging.getLogger(__name__)


def _signed(pdf: bytes, **kwargs: Any) -> bytes:
    """:func:`sign_pdf` with the install's time-stamping authority, when it has one; without
    it (or when it is down and the office allows it) the signature is PAdES B-B."""
    url = str(getattr(settings, "TONGHOP_TSA_URL", "") or "")
    timeout = float(getattr(settings, "TONGHOP_TSA_TIMEOUT", 15))
    try:
        if url:
            try:
                # B-LT when the chain's revocation data can be fetched now.
                return sign_pdf(
                    pdf,
                    timestamp_url=url,
                    timestamp_timeout=timeout,
                    validation_roots=trust_roots(),
                    **kwargs,
                )
            except TimestampUnavailable:
                raise
            except SigningError:
                log.warning("Validation data could not be gathered; signing at B-T")
        return sign_pdf(pdf, timestamp_url=url, timestamp_timeout=timeout, **kwargs)
    except TimestampUnavailable:
        if not getattr(settings, "TONGHOP_TSA_OPTIONAL", False):
            raise
        log.warning("Time-stamping authority %s unreachable; signing without a timestamp", url)
        return sign_pdf(pdf, **kwargs)


def signing_key() -> Path:
    return Path(settings.TONGHOP_SIGNING_P12)


def office_signing_key() -> Path:
    return Path(settings.TONGHOP_OFFICE_SIGNING_P12)


def head_key(p12_path: Path | None = None) -> KeySource:
    return key_from_environment("TONGHOP", p12_path or signing_key())


def office_key(p12_path: Path | None = None) -> KeySource:
    return key_from_environment("TONGHOP_OFFICE", p12_path or office_signing_key())


MAX_REASON = 2000


def _earlier_issued(campaign: Campaign, compilation: Compilation) -> Compilation | None:
    return (
        campaign.compilations.filter(state__in=ISSUED_STATES)
        .exclude(pk=compilation.pk)
        .select_related("document")
        .first()
    )


def _check_correction(earlier: Compilation | None, correction: bool) -> None:
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


def _check_version(compilation: Compilation, expected_version: int | None) -> None:
    if expected_version is not None and compilation.version != expected_version:
        raise StaleCompilation(
            _(
                "This report changed after you opened it (it is now “%(state)s”). Nothing "
                "was done; the page shows the current version."
            )
            % {"state": CompilationState(compilation.state).label}
        )


def _draft_pdf(campaign: Campaign, compilation: Compilation) -> tuple[bytes, bool]:
    """The PDF the head read, with the places for number, date and signatures; drawn again
    (and saved, second value True) only when it was drawn before those places existed."""
    if compilation.pdf:
        with compilation.pdf.open("rb") as handle:
            pdf = handle.read()
        try:
            places = signature_field_names(pdf)
        except SigningError:
            places = []
        if FIELD_SIGNER in places and FIELD_OFFICE in places:
            return pdf, False
    rendered = render(campaign, assessment=compilation.assessment, proposals=compilation.proposals)
    compilation.docx.save("report.docx", ContentFile(rendered.docx), save=False)
    compilation.pdf.save("report.pdf", ContentFile(rendered.pdf), save=False)
    return rendered.pdf, True


def sign(
    user: User,
    compilation_id: int,
    *,
    passphrase: str,
    p12_path: Path | None = None,
    key: KeySource | None = None,
    expected_version: int | None = None,
    correction: bool = False,
    correction_reason: str = "",
    when: dt.datetime | None = None,
) -> Compilation:
    """The head signs the report submitted for signature (ô 7c): his personal signature, with
    his signature image or, without one, his name and the time in text. No number is taken:
    the clerk gives it when issuing. A certificate that fails its checks is refused here and
    nothing changes."""
    correction_reason = (correction_reason or "").strip()
    if correction and not correction_reason:
        raise IssueRefused(_("Give the reason for the correction."))
    if len(correction_reason) > MAX_REASON:
        raise IssueRefused(_("Too long: at most %(limit)s characters.") % {"limit": MAX_REASON})
    moment = (when or timezone.now()).astimezone(VIETNAM)
    with transaction.atomic():
        campaign_id = Compilation.objects.values_list("campaign_id", flat=True).get(
            pk=compilation_id
        )
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        compilation = lock_compilation(compilation_id)
        if not user.has_office_role(campaign.office, Role.HEAD):
            raise IssueRefused(_("Only the head of the office can sign the report."))
        if not compilation.can(CompilationStep.SIGN):
            raise IssueRefused(refusal_for(compilation, CompilationStep.SIGN))
        _check_correction(_earlier_issued(campaign, compilation), correction)
        _check_version(compilation, expected_version)
        office = campaign.office
        pdf, drawn_again = _draft_pdf(campaign, compilation)
        signer = None
        try:
            signer = (key or head_key(p12_path)).open(passphrase, moment)
            signed = _signed(
                pdf,
                p12_path=Path(),
                passphrase="",
                signer=signer,
                signer_name=user.display_name(),
                body=office.name,
                location=office.place,
                reason="Ký duyệt",
                when=moment,
                field=FIELD_SIGNER,
                image=bytes(user.signature_png) or None,
            )
        except SigningError as exc:
            raise IssueRefused(str(exc)) from exc
        finally:
            release(signer)
        compilation.signed_pdf.save("report.signed.pdf", ContentFile(signed), save=False)
        changes: dict[str, Any] = {
            "signed_pdf": compilation.signed_pdf,
            "correction": correction,
            "correction_reason": correction_reason,
            "error": "",
        }
        if drawn_again:
            changes |= {"docx": compilation.docx, "pdf": compilation.pdf}
        change_state(
            user,
            compilation,
            CompilationStep.SIGN,
            expected_version=None,
            changes=changes,
            audit=Action.SIGN,
            details={"sha256": hashlib.sha256(signed).hexdigest()},
        )
        return compilation


def _head_signature(compilation: Compilation) -> tuple[bytes, AuditEvent]:
    """The file the head signed, refused when it changed since (or the signature fails)."""
    event = (
        AuditEvent.objects.filter(
            action=Action.SIGN,
            object_type=Compilation._meta.label_lower,
            object_id=str(compilation.pk),
        )
        .order_by("-at", "-pk")
        .first()
    )
    changed = _(
        "The file the head signed has changed since it was signed: it cannot be issued. "
        "Ask the head to sign it again."
    )
    if event is None or not compilation.signed_pdf:
        raise IssueRefused(changed)
    with compilation.signed_pdf.open("rb") as handle:
        signed = handle.read()
    if hashlib.sha256(signed).hexdigest() != event.details.get("sha256"):
        raise IssueRefused(changed)
    facts = verify_pdf(signed, trust_roots())
    if (
        len(facts) != 1
        or not facts[0].get("intact")
        # Only validation data (B-LT) may have been added after it, nothing else.
        or facts[0].get("changes_after") not in (None, "lta")
    ):
        raise IssueRefused(changed)
    return signed, event


# Number and symbol, then the signing time in ISO 8601 with +07:00 (PL I, II.8.b).
ATTACHMENT_STAMP_TEXT = "Số: %(reference)s\nThời gian ký: %(signed_at)s"


@dataclass(frozen=True)
class _SignedAttachment:
    position: int
    title: str
    pdf: bytes


def _separate_files(
    doc: OfficialDocument,
    separate: tuple[int, ...],
    reference: str,
    sign: Callable[[bytes, str], bytes],
) -> list[_SignedAttachment]:
    """Each chosen appendix as a file of its own, signed by the office at the top right of its
    first page; an appendix the report does not have is refused (nothing is then issued)."""
    count = len(doc.appendices)
    for position in separate:
        if not 0 <= position < count:
            raise IssueRefused(
                _("The report has no appendix no. %(number)s to issue as a separate file.")
                % {"number": position + 1}
            )
    out = []
    for position in sorted(set(separate)):
        appendix = doc.appendices[position]
        title = f"{appendix_label(position, count)}: {appendix_title(appendix).capitalize()}"
        # pyHanko fills the stamp with %-formatting: a % in the symbol stays a %.
        text = ATTACHMENT_STAMP_TEXT.replace("%(reference)s", reference.replace("%", "%%"))
        out.append(
            _SignedAttachment(position, title, sign(render_appendix_pdf(doc, position), text))
        )
    return out


def issue(
    user: User,
    compilation_id: int,
    *,
    passphrase: str,
    p12_path: Path | None = None,
    key: KeySource | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
    when: dt.datetime | None = None,
    separate: tuple[int, ...] = (),
) -> Compilation:
    """The clerk issues the report the head signed: the next outgoing number and the date
    written into the blanks left for them (form filling, which the head's signature allows),
    the office's signature with its seal over the head's signature (ô 8), the outgoing
    register entry and the edXML package, all in one transaction.

    ``separate`` lists the appendices (0 for Phụ lục I) also issued as files of their own, each
    with the office's signature at the top right of its first page (PL I, II.8.b), kept with
    the compilation and added to the edXML package.

    If anything fails (wrong passphrase, expired certificate, the signed file changed…) the
    transaction rolls back: no number is used up and nothing is half issued. The campaign row
    is locked first, so two drafts of one campaign cannot both be issued.
    """
    moment = (when or timezone.now()).astimezone(VIETNAM)
    today = today or moment.date()
    with transaction.atomic():
        campaign_id = Compilation.objects.values_list("campaign_id", flat=True).get(
            pk=compilation_id
        )
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        compilation = lock_compilation(compilation_id)
        if not user.has_office_role(campaign.office, Role.CLERK):
            raise IssueRefused(_("Only the office's clerk can issue the signed report."))
        if not compilation.can(CompilationStep.ISSUE):
            raise IssueRefused(refusal_for(compilation, CompilationStep.ISSUE))
        earlier = _earlier_issued(campaign, compilation)
        _check_correction(earlier, compilation.correction)
        _check_version(compilation, expected_version)
        signed_by_head, signing = _head_signature(compilation)
        head = signing.actor
        office = Unit.objects.select_for_update().get(pk=campaign.office_id)
        try:
            # The office's key is opened before a number is taken: a wrong passphrase or a
            # refused certificate uses up nothing.
            signer = (key or office_key(p12_path)).open(passphrase, moment)
        except SigningError as exc:
            raise IssueRefused(str(exc)) from exc
        try:
            number = Document.objects.next_register_number(office, Direction.OUTGOING, today.year)
            doc = build_document(
                campaign,
                assessment=compilation.assessment,
                proposals=compilation.proposals,
                issue=Issue(number=f"{number:02d}", issued_on=today),
            )
            month = f"{today.month:02d}" if today.month <= 2 else str(today.month)
            numbered = fill_fields(
                signed_by_head,
                {FIELD_NUMBER: f"{number:02d}", FIELD_DAY: f"{today.day:02d}", FIELD_MONTH: month},
            )
            signed = _signed(
                numbered,
                p12_path=Path(),
                passphrase="",
                signer=signer,
                signer_name=office.name,
                body=office.name,
                location=office.place,
                reason=f"Ban hành văn bản số {number:02d}/{doc.symbol}",
                when=moment,
                field=FIELD_OFFICE,
                image=bytes(office.seal_png) or None,
            )

            def sign_attachment(pdf: bytes, text: str) -> bytes:
                return _signed(
                    pdf,
                    p12_path=Path(),
                    passphrase="",
                    signer=signer,
                    signer_name=office.name,
                    body=office.name,
                    location=office.place,
                    reason=f"Ban hành kèm theo văn bản số {number:02d}/{doc.symbol}",
                    when=moment,
                    field=FIELD_ATTACHMENT,
                    stamp_text=text,
                )

            attachments = _separate_files(
                doc, separate, f"{number:02d}/{doc.symbol}", sign_attachment
            )
        except SigningError as exc:
            release(signer)
            raise IssueRefused(str(exc)) from exc
        except BaseException:
            release(signer)
            raise
        head_name = head.display_name() if head is not None else signing.username
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
            signer_name=head_name,
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
        # A campaign below answers its office's assignment above: the issued report goes up.
        answer_above(user, campaign, compilation, outgoing, now=moment)
        compilation.signed_pdf.save("report.signed.pdf", ContentFile(signed), save=False)
        changes: dict[str, Any] = {
            "signed_pdf": compilation.signed_pdf,
            "document": outgoing,
            "issued_by": user,
            "issued_at": timezone.now(),
            "error": "",
        }
        # The exchange package needs the organ codes of both bodies; without them the report is
        # still issued and signed, and the page says why there is no package.
        for attachment in attachments:
            kept = IssuedAttachment(
                compilation=compilation,
                position=attachment.position,
                title=attachment.title[:500],
                sha256=hashlib.sha256(attachment.pdf).hexdigest(),
            )
            kept.file.save(kept.filename, ContentFile(attachment.pdf), save=False)
            kept.save()
        further = tuple(
            Attachment(
                name=f"{number:02d}-{doc.symbol}-phu-luc-{a.position + 1:02d}.pdf",
                content_type="application/pdf",
                data=a.pdf,
                description=f"{a.title} (kèm theo văn bản số {outgoing.reference()})",
            )
            for a in attachments
        )
        # A campaign above on another install takes the answer from the package's data.
        further += report_for_above(campaign, compilation, outgoing)
        try:
            # The package's XML signature is made with the same office key, still open.
            package = package_for(
                outgoing,
                signed,
                campaign,
                issued=doc,
                staff=user,
                further=further,
                xml_signer=signer,
            )
        except EdxmlError as exc:
            changes["error"] = f"edXML: {exc}"
        else:
            compilation.edxml.save("report.edxml", ContentFile(package), save=False)
            send_package(outgoing, package, campaign)
            changes["edxml"] = compilation.edxml
        finally:
            release(signer)
        details: dict[str, Any] = {"reference": outgoing.reference(), "register_number": number}
        if attachments:
            details["separate_files"] = [a.title for a in attachments]
        if compilation.correction:
            details |= {"correction": True, "reason": compilation.correction_reason}
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


def sign_and_issue(
    head: User,
    clerk: User,
    compilation_id: int,
    *,
    passphrase: str,
    office_passphrase: str,
    today: dt.date | None = None,
    correction: bool = False,
    correction_reason: str = "",
) -> Compilation:
    """Both steps one after the other, for scripts and the command line."""
    sign(
        head,
        compilation_id,
        passphrase=passphrase,
        correction=correction,
        correction_reason=correction_reason,
    )
    return issue(clerk, compilation_id, passphrase=office_passphrase, today=today)
