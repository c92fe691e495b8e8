"""The package of an issued report, compared element by element with the reference packages and
re-read by an independent parser (lxml): what a receiving system (iOffice, VOffice, eDoc, the
national hub) reads from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from lxml import etree  # type: ignore[import-untyped]

from tests.compilation.test_issue import PASS, _draft, key  # noqa: F401  (fixture)
from tests.conftest import World, sign_and_issue
from tonghop.compilation.citations import DIRECTIVE, citations_for
from tonghop.compilation.models import Compilation
from tonghop.dispatch.edxml import (
    NAMESPACE,
    EdxmlDocument,
    ResponseFor,
    parse_package,
    to_places_from,
)
from tonghop.documents.models import Direction, Document
from tonghop.issuing.exchange import responses_for

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "edxml"
NS = {"e": NAMESPACE}
SIGNATURE = "Signature"


def _sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"mẫu edXML {path} không có")
    return path.read_bytes()


def _issued(world: World) -> Compilation:
    # The office's contact details, as an administrator fills them in.
    world.office.email = "vhkhtt@dongson.gov.vn"
    world.office.contact_phone = "0237 3690 123"
    world.office.short_name = world.office.short_name or "VHKHTT"
    world.office.save()
    return sign_and_issue(world, _draft(world).pk, passphrase=PASS, today=dt.date(2026, 12, 6))


def _tree(data: bytes) -> Any:
    # An independent parser, as hardened as ours: no entities, no network, no DTD.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(data, parser)


def _paths(el: Any, prefix: str = "") -> list[str]:
    """Element paths in document order, local names, repeated siblings collapsed."""
    out: list[str] = []
    for child in el:
        if not isinstance(child.tag, str) or etree.QName(child).localname == SIGNATURE:
            continue
        path = f"{prefix}/{etree.QName(child).localname}"
        if not out or out[-1] != path:
            out.append(path)
        out.extend(p for p in _paths(child, path) if p not in out)
    return out


def _value(root: Any, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert found, path
    return str(found[0].text or "")


@pytest.mark.usefixtures("key")
def test_the_issued_report_has_every_field_of_the_reference(world: World) -> None:
    # The campaign answers the Sở's directive, received by exchange.
    world.campaign.source_document = Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        doc_type="Công văn",
        number="542",
        symbol="SKHCN-CN&ĐMST",
        issuer="Sở Khoa học và Công nghệ",
        issued_on=dt.date(2025, 4, 21),
        subject="V/v hưởng ứng Ngày Sáng tạo",
        sender_organ_id="000.00.21.H99",
        exchange_id="000.00.21.H99,2025/04/21,542/SKHCN-CN&ĐMST",
    )
    world.campaign.save()
    compilation = _issued(world)
    data = compilation.edxml.read()
    ours, reference = _tree(data), _tree(_sample("edoc_new.edxml"))
    # Element by element: the reference's structure, ours has no element it lacks except
    # what the update sample shows (none here), and nothing of it is missing.
    # ResponseFor, which edoc_new lacks, has the shape the status sample gives it.
    assert [p for p in _paths(ours) if "/ResponseFor" not in p] == _paths(reference)
    header = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader"
    status = _tree(_sample("status_processing_05.edxml"))
    shape = [
        etree.QName(c).localname for c in status.xpath(f"{header}/e:ResponseFor/*", namespaces=NS)
    ]
    assert [
        etree.QName(c).localname for c in ours.xpath(f"{header}/e:ResponseFor/*", namespaces=NS)
    ] == shape
    # The report answers the directive the campaign cites: the Sở's 542/SKHCN-CN&ĐMST.
    directive = next(c for c in citations_for(world.campaign) if c.role == DIRECTIVE)
    assert directive.issued_on is not None
    assert _value(ours, f"{header}/e:ResponseFor/e:Code") == directive.reference()
    assert _value(ours, f"{header}/e:ResponseFor/e:OrganId") == "000.00.21.H99"
    when = f"{directive.issued_on:%Y/%m/%d}"
    assert _value(ours, f"{header}/e:ResponseFor/e:PromulgationDate") == when
    assert _value(ours, f"{header}/e:ResponseFor/e:DocumentId") == (
        f"000.00.21.H99,{when},{directive.reference()}"
    )
    assert when == "2025/04/21"
    signed = compilation.signed_pdf.read()
    pdf = pdfium.PdfDocument(signed)
    pages = len(pdf)
    pdf.close()
    assert pages > 1
    assert _value(ours, f"{header}/e:OtherInfo/e:PageAmount") == str(pages)
    assert _value(ours, f"{header}/e:PromulgationInfo/e:PromulgationDate") == "06/12/2026"
    assert [_value(ours, f"{header}/e:DocumentType/e:{t}") for t in ("Type", "TypeName")] == [
        "1",
        "Báo cáo",
    ]
    assert _value(ours, f"{header}/e:DocumentType/e:TypeDetail") != "0"  # 0 is Công văn
    appendixes = [
        a.text for a in ours.xpath(f"{header}/e:OtherInfo/e:Appendixes/e:Appendix", namespaces=NS)
    ]
    assert len(appendixes) >= 1 and all(a and a.startswith("PHỤ LỤC") for a in appendixes)
    places = [p.text for p in ours.xpath(f"{header}/e:ToPlaces/e:Place", namespaces=NS)]
    # "Như trên" is the addressee (Kính gửi); the others follow, without their purpose.
    assert places[0] == world.campaign.report_to and len(places) == len(set(places))
    assert not any("Lưu" in p or "b/c" in p for p in places)
    trace = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList"
    assert _value(ours, f"{trace}/e:TraceHeader/e:OrganId") == world.office.organ_id
    assert _value(ours, f"{trace}/e:TraceHeader/e:Timestamp").startswith("2")
    # The clerk who issues and sends it.
    assert _value(ours, f"{trace}/e:Bussiness/e:StaffInfo/e:Staff") == world.hang.display_name()
    assert _value(ours, f"{header}/e:From/e:OrganizationInCharge") == world.office.parent_body
    assert world.office.parent_body
    description = _value(ours, "/e:edXML/e:AttachmentEncoded/e:Attachment/e:Description")
    assert "01/BC-VHKHTT" in description
    # Every element the reference fills, ours fills too (the reference leaves signer and due
    # date empty; a report has no due date).
    for path in _paths(reference):
        if path.endswith(("DueDate", "Fax", "Website", "Appendix", "Competence")) or "/To/" in path:
            continue
        xpath = "/e:edXML" + path.replace("/", "/e:")
        filled_ref = any((el.text or "").strip() for el in reference.xpath(xpath, namespaces=NS))
        filled_ours = any((el.text or "").strip() for el in ours.xpath(xpath, namespaces=NS))
        if filled_ref and "AttachmentEncoded" not in path:
            assert filled_ours, path
    # And our own reader agrees with lxml.
    package: EdxmlDocument = parse_package(data)
    assert package.page_amount == pages
    assert package.attachments[0].data == signed


def test_to_places_hold_the_bodies_only() -> None:
    assert to_places_from(
        ["- Như trên;", "- Sở Khoa học và Công nghệ (b/c);", "- UBND huyện (để báo cáo);",
         "- Lưu: VT, VHKHTT.", "Trang TTĐT huyện (để đăng tải)"]
    ) == ("Sở Khoa học và Công nghệ", "UBND huyện", "Trang TTĐT huyện")  # fmt: skip


def test_a_directive_from_paper_is_answered_with_the_body_reported_to(world: World) -> None:
    """A directive registered from paper has no sender code: the report answers the body it
    goes to (the level above that asked), its DocumentId built as the standard spells it."""
    world.campaign.source_document = Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        number="542",
        symbol="SKHCN-CN&ĐMST",
        issuer="Sở Khoa học và Công nghệ",
        issued_on=dt.date(2025, 4, 21),
    )
    world.campaign.report_to_organ_id = "000.00.21.H99"
    world.campaign.save()
    assert responses_for(world.campaign) == (
        ResponseFor(
            "000.00.21.H99",
            "542/SKHCN-CN&ĐMST",
            dt.date(2025, 4, 21),
            "000.00.21.H99,2025/04/21,542/SKHCN-CN&ĐMST",
        ),
    )
    # Without a code for the body reported to, nothing is guessed.
    world.campaign.report_to_organ_id = ""
    world.campaign.save()
    assert responses_for(world.campaign) == ()
    assert responses_for(None) == ()
