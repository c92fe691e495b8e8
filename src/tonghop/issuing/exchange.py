"""An issued document as an edXML package (QCVN 102:2016) for the receiving agencies.

Every header field of the reference packages is filled from the data: the sender's trace
header, the page count of the signed PDF, the document type's code from the catalogue, the
report's appendices, the clerk who sends it, the body in charge of each side, and ToPlaces from
the real recipients only (never the archive copy "Lưu: VT" nor a purpose like "(b/c)").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pypdfium2 as pdfium
from django.utils import timezone

from tonghop.campaigns.models import Campaign
from tonghop.compilation.layout import OfficialDocument
from tonghop.dispatch.edxml import (
    Attachment,
    Business,
    EdxmlDocument,
    EdxmlError,
    Organ,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    build_package,
    document_type_for,
    make_document_id,
    to_places_from,
)
from tonghop.documents.channel import partners, queue_package
from tonghop.documents.models import Direction, Document
from tonghop.orgs.models import Unit, User
from tonghop.pdfium_lock import PDFIUM_LOCK

SPHERE = "Liên thông văn bản"


def page_count(pdf: bytes) -> int:
    """Pages of the signed PDF (OtherInfo/PageAmount)."""
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            raise EdxmlError("Không lập được gói edXML: tệp PDF đã ký không đọc được.") from None
        try:
            return len(doc)
        finally:
            doc.close()


def office_organ(office: Unit) -> Organ:
    """The office as the From of a package or a status message."""
    return Organ(
        organ_id=office.organ_id,
        organization_in_charge=office.parent_body,
        organ_name=office.name,
        organ_add=office.place,
        email=office.email,
        telephone=office.contact_phone,
    )


def staff_info(office: Unit, user: User | None) -> StaffInfo:
    """StaffInfo: the person who sends the package, reachable at the office."""
    if user is None:
        return StaffInfo(department=office.name, email=office.email, mobile=office.contact_phone)
    return StaffInfo(
        department=office.name,
        staff=user.display_name(),
        email=user.email or office.email,
        mobile=user.phone or office.contact_phone,
    )


def responses_for(campaign: Campaign | None) -> tuple[ResponseFor, ...]:
    """ResponseFor: the directive(s) the campaign cites, which the report answers. Each is looked
    up in the office's incoming register: a directive received by exchange gives its sender's
    organ code and DocumentId as they came; one registered from paper or email is taken to come
    from the body the report goes to (the level above that asked for it), and its DocumentId is
    built as the standard spells it. A citation whose issuer cannot be named by code, or with no
    date, is left out rather than guessed."""
    from tonghop.compilation.citations import DIRECTIVE, citations_for

    if campaign is None:
        return ()
    found: list[ResponseFor] = []
    for citation in citations_for(campaign):
        if citation.role != DIRECTIVE or not citation.number:
            continue
        registered = (
            Document.objects.filter(
                office_id=campaign.office_id,
                direction=Direction.INCOMING,
                number=citation.number,
                symbol=citation.symbol,
            )
            .filter(issued_on=citation.issued_on)
            .order_by("pk")
            .first()
            if citation.issued_on is not None
            else None
        )
        organ = (registered.sender_organ_id if registered else "") or campaign.report_to_organ_id
        if not organ or citation.issued_on is None:
            continue
        code = citation.reference()
        document_id = (registered.exchange_id if registered else "") or make_document_id(
            organ, citation.issued_on, citation.number, citation.symbol
        )
        found.append(ResponseFor(organ, code, citation.issued_on, document_id))
    return tuple(found)


def package_for(
    document: Document,
    signed_pdf: bytes,
    campaign: Campaign | None,
    *,
    issued: OfficialDocument | None = None,
    staff: User | None = None,
    now: dt.datetime | None = None,
    further: tuple[Attachment, ...] = (),
    xml_signer: Any = None,
) -> bytes:
    """The outgoing document as an edXML package, the signed PDF attached, addressed to the
    body the campaign reports to. ``issued`` (the document as drawn) gives the signer's
    authority and the appendices; ``staff`` is who sends it (default: who registered it);
    ``further`` are attachments issued in files of their own, after the document."""
    office = document.office
    receivers: tuple[Organ, ...] = ()
    if campaign is not None and campaign.report_to_organ_id:
        receivers = (
            Organ(
                organ_id=campaign.report_to_organ_id,
                organ_name=campaign.report_to,
                email=campaign.report_to_email,
            ),
        )
    if document.issued_on is None:
        raise EdxmlError("Không lập được gói edXML: văn bản chưa có ngày ban hành.")
    signer = SignerInfo(position=document.signer_title, full_name=document.signer_name)
    appendixes: tuple[str, ...] = ()
    if issued is not None:
        authority = " ".join(
            part for part in (issued.signer.authority, issued.signer.authority_of) if part
        )
        signer = SignerInfo(
            competence=authority, position=issued.signer.title, full_name=document.signer_name
        )
        appendixes = tuple(
            " ".join(section.heading.split()) for section in issued.appendices if section.heading
        )
    # "Như trên" in the Nơi nhận is the Kính gửi list: the drawn document's, else the body the
    # campaign reports to.
    addressees: tuple[str, ...] = tuple(issued.addressees) if issued is not None else ()
    if not addressees and campaign is not None and campaign.report_to:
        addressees = (campaign.report_to,)
    reference = document.reference()
    kind = document.doc_type or "Công văn"
    package = EdxmlDocument(
        sender=office_organ(office),
        receivers=receivers,
        code_number=document.number,
        code_notation=document.symbol,
        promulgation_date=document.issued_on,
        place=office.place,
        document_type=document_type_for(kind),
        subject=document.subject,
        content=document.subject,
        signer=signer,
        sphere_of_promulgation=SPHERE,
        typer_notation=office.short_name,
        promulgation_amount=max(1, len(document.recipients)),
        page_amount=page_count(signed_pdf),
        appendixes=appendixes,
        response_for=responses_for(campaign),
        steering_type=0,
        to_places=to_places_from(list(document.recipients), addressees),
        trace=(TraceHeader(office.organ_id, now or timezone.now()),),
        business=Business(staff=staff_info(office, staff or document.created_by)),
        attachments=(
            Attachment(
                name=document.original_name or "van-ban.pdf",
                content_type="application/pdf",
                data=signed_pdf,
                description=f"{kind} số {reference} (bản điện tử đã ký số)",
            ),
            *further,
        ),
    )
    data = build_package(package)
    return data if xml_signer is None else xml_sign(data, xml_signer)


def xml_sign(package: bytes, signer: Any) -> bytes:
    """The package with its XML signature (dispatch.xmldsig) made with the office's key, the
    pyHanko signer issuing opened for the PDF: a PKCS#12 file's key or a token's, the same
    key and certificate that signed the PDF inside."""
    import asyncio

    from tonghop.dispatch.xmldsig import sign_package

    mechanism = signer.get_signature_mechanism_for_digest("sha256").signature_algo
    if mechanism not in ("rsassa_pkcs1v15", "sha256_rsa", "ecdsa", "sha256_ecdsa"):
        raise EdxmlError(
            f"Không ký được gói edXML: khóa của cơ quan ký theo {mechanism}, "
            "chữ ký XML cần RSA hoặc ECDSA."
        )

    def sign_raw(data: bytes) -> bytes:
        raw: bytes = asyncio.run(signer.async_sign_raw(data, "sha256"))
        return raw

    return sign_package(package, signer.signing_cert.dump(), sign_raw, ec_key="ecdsa" in mechanism)


def send_package(document: Document, package: bytes, campaign: Campaign | None) -> None:
    """Queue the package in the exchange outbox when the body reported to is a configured
    partner (documents.channel); otherwise it is downloaded and sent by hand."""
    to = campaign.report_to_organ_id if campaign is not None else ""
    if to and to in partners():
        queue_package(document, package, to)
