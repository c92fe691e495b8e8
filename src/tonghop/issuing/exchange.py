"""An issued document as an edXML package (QCVN 102:2016) for the receiving agencies."""

from __future__ import annotations

from tonghop.campaigns.models import Campaign
from tonghop.dispatch.edxml import (
    Attachment,
    DocumentType,
    EdxmlDocument,
    Organ,
    SignerInfo,
    build_package,
)
from tonghop.documents.models import Document


def package_for(document: Document, signed_pdf: bytes, campaign: Campaign | None) -> bytes:
    """The outgoing document as an edXML package, the signed PDF attached, addressed to the
    body the campaign reports to."""
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
    assert document.issued_on is not None
    package = EdxmlDocument(
        sender=Organ(
            organ_id=office.organ_id,
            organization_in_charge=office.parent_body,
            organ_name=office.name,
            email=office.email,
        ),
        receivers=receivers,
        code_number=document.number,
        code_notation=document.symbol,
        promulgation_date=document.issued_on,
        place=office.place,
        subject=document.subject,
        # The reference packages only show the code of a công văn (1, detail 0); the type is
        # carried by its name until the other codes are confirmed against QCVN 102:2016.
        document_type=DocumentType(type_name=document.doc_type),
        signer=SignerInfo(position=document.signer_title, full_name=document.signer_name),
        to_places=tuple(document.recipients),
        attachments=(
            Attachment(
                name=document.original_name or "van-ban.pdf",
                content_type="application/pdf",
                data=signed_pdf,
            ),
        ),
    )
    return build_package(package)
