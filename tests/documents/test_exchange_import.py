"""edXML in: what a clerk can trust of a package taken into the incoming register."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.dispatch.edxml import (
    ICT,
    Attachment,
    Business,
    BusinessType,
    EdxmlDocument,
    EdxmlError,
    Organ,
    Priority,
    ResponseFor,
    SignerInfo,
    TraceHeader,
    build_package,
    document_type_for,
    parse_package,
)
from tonghop.documents.exchange import ImportRefused, receive
from tonghop.documents.models import Direction, Document, DocumentAttachment, IntakeStatus

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "edxml"
OURS = "000.30.25.H99"
SO = "000.00.21.H99"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def _sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"mẫu edXML {path} không có")
    return path.read_bytes()


@pytest.fixture
def office(world: World) -> World:
    world.office.organ_id = OURS
    world.office.save()
    return world


def _directive(**changes: object) -> EdxmlDocument:
    doc = EdxmlDocument(
        sender=Organ(organ_id=SO, organ_name="Sở Khoa học và Công nghệ"),
        receivers=(Organ(organ_id=OURS, organ_name="Phòng VHKHTT"),),
        code_number="542",
        code_notation="SKHCN-CN&ĐMST",
        promulgation_date=dt.date(2025, 4, 10),
        document_type=document_type_for("Công văn"),
        subject="Tổ chức Ngày Sáng tạo và Đổi mới sáng tạo thế giới",
        signer=SignerInfo("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Văn Bình"),
        due_date=dt.date(2025, 5, 6),
        priority=Priority.FLASH,
        to_places=("Các phòng VHTT huyện",),
        trace=(TraceHeader(SO, dt.datetime(2025, 4, 10, 9, 0, tzinfo=ICT)),),
        attachments=(
            Attachment("542.pdf", "application/pdf", PDF, "Công văn 542"),
            Attachment("phu-luc.txt", "text/plain", "Phụ lục".encode(), "Phụ lục"),
        ),
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def _post(world: World, data: bytes, client: Client | None = None, **extra: str) -> Any:
    client = client or world.client_for(world.lan)
    return client.post(
        reverse("documents:import-edxml"),
        {"office": world.office.pk, "file": SimpleUploadedFile("p.edxml", data), **extra},
    )


def test_a_package_keeps_urgency_due_date_and_every_attachment(office: World) -> None:
    result = receive(office.lan, office.office, build_package(_directive()))
    document = result.document
    assert result.status == "received"
    assert (document.urgency, document.due_on) == (Priority.FLASH, dt.date(2025, 5, 6))
    assert document.exchange_id == f"{SO},2025/04/10,542/SKHCN-CN&ĐMST"
    assert [(a.name, a.kind) for a in document.attachments.all()] == [
        ("542.pdf", "pdf"),
        ("phu-luc.txt", "txt"),
    ]
    assert document.attachments.get(name="phu-luc.txt").file.read() == "Phụ lục".encode()
    page = office.client_for(office.lan).get(reverse("documents:detail", args=[document.uid]))
    body = page.content.decode()
    assert 'id="urgency"' in body and "06/05/2025" in body and "phu-luc.txt" in body


def test_a_package_for_another_agency_is_refused_with_the_reason(office: World) -> None:
    other = _directive(receivers=(Organ(organ_id="000.00.99.H99"),))
    with pytest.raises(ImportRefused, match=r"000\.00\.99\.H99") as refused:
        receive(office.lan, office.office, build_package(other))
    assert OURS in str(refused.value)
    response = _post(office, build_package(other))
    assert response.status_code == 400
    assert "000.00.99.H99" in response.content.decode()
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()
    # Taken in on purpose, it comes in marked as forwarded.
    forwarded = receive(office.lan, office.office, build_package(other), forwarded=True)
    assert forwarded.status == "received" and forwarded.document.parsed["forwarded"] is True


def test_the_same_document_twice_is_already_received(office: World) -> None:
    first = receive(office.lan, office.office, build_package(_directive())).document
    client = office.client_for(office.lan)
    again = _post(office, build_package(_directive()), client)
    assert again.status_code == 302
    assert again["Location"] == reverse("documents:detail", args=[first.uid])
    # The same number, symbol, date and sender under another DocumentId is the same document.
    renamed = _directive(document_id=f"{SO},2025/04/10,542/khac")
    assert receive(office.lan, office.office, build_package(renamed)).status == "duplicate"
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    page = client.get(again["Location"])
    assert "Đã nhận" in page.content.decode()


def test_update_replace_and_revoke_apply_to_the_document_they_name(office: World) -> None:
    original = receive(office.lan, office.office, build_package(_directive())).document
    update = _directive(
        subject="Tổ chức Ngày Sáng tạo (sửa thời hạn)",
        due_date=dt.date(2025, 5, 9),
        document_id=f"{SO},2025/04/12,542/SKHCN-CN&ĐMST",
        business=Business(
            doc_type=BusinessType.UPDATE,
            reason="Cập nhật thời hạn",
            document_id=original.exchange_id,
        ),
    )
    applied = receive(office.lan, office.office, build_package(update))
    assert applied.status == "applied" and applied.document.pk == original.pk
    original.refresh_from_db()
    assert original.due_on == dt.date(2025, 5, 9)
    assert original.subject.endswith("(sửa thời hạn)")
    replace = dataclasses.replace(
        update,
        attachments=(Attachment("542-moi.pdf", "application/pdf", PDF + b"%new"),),
        business=dataclasses.replace(update.business, doc_type=BusinessType.REPLACE),
    )
    assert receive(office.lan, office.office, build_package(replace)).status == "applied"
    assert [a.name for a in original.attachments.all()] == ["542-moi.pdf"]
    revoke = dataclasses.replace(
        update,
        business=Business(
            doc_type=BusinessType.REVOKE,
            reason="Thu hồi do sai sót",
            document_id=original.exchange_id,
        ),
    )
    assert receive(office.lan, office.office, build_package(revoke)).status == "applied"
    original.refresh_from_db()
    assert original.status == IntakeStatus.REVOKED
    assert original.revoked_reason == "Thu hồi do sai sót"
    assert original.parsed["recall"]["sender_organ_id"] == SO
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    page = office.client_for(office.lan).get(reverse("documents:detail", args=[original.uid]))
    assert 'id="recall"' in page.content.decode()


def test_a_change_for_a_document_never_received_is_refused(office: World) -> None:
    for kind in (BusinessType.REVOKE, BusinessType.UPDATE):
        package = _directive(business=Business(doc_type=kind, document_id=f"{SO},2020/01/01,1/X"))
        with pytest.raises(ImportRefused, match=r"never received|chưa từng nhận"):
            receive(office.lan, office.office, build_package(package))
    assert not Document.objects.exists()


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("attachment", "message"),
    [
        (Attachment("a.pdf", "application/pdf", _zip(x=b"1")), "PDF"),
        (Attachment("a.pdf", "application/pdf", b"MZ\x90\x00program"), "chương trình|program"),
        (Attachment("a.html", "text/html", b"<html><script>x</script>"), "trang web|web page"),
    ],
)
def test_an_attachment_whose_content_is_not_what_it_says_is_refused(
    office: World, attachment: Attachment, message: str
) -> None:
    with pytest.raises(ImportRefused, match=message):
        receive(office.lan, office.office, build_package(_directive(attachments=(attachment,))))
    assert not Document.objects.exists() and not DocumentAttachment.objects.exists()


def test_empty_and_oversized_attachments_are_refused_before_decoding() -> None:
    empty = build_package(_directive(attachments=(Attachment("a.pdf", "application/pdf", b""),)))
    with pytest.raises(EdxmlError, match="rỗng"):
        parse_package(empty)
    big = build_package(
        _directive(attachments=(Attachment("a.pdf", "application/pdf", PDF * 40_000),))
    )
    with pytest.raises(EdxmlError, match="quá lớn"):
        parse_package(big, max_attachment_bytes=1024 * 1024)


def test_a_zip_holding_another_package_is_read_and_said(office: World) -> None:
    inner = build_package(_directive(code_number="7806", subject="Văn bản lồng bên trong"))
    nested = Attachment("cv.doc", "application/zip", _zip(**{"x.edxml": inner}))
    document = receive(
        office.lan, office.office, build_package(_directive(attachments=(nested,)))
    ).document
    [kept] = document.attachments.all()
    codes = [f["code"] for f in kept.findings]
    assert codes == ["name-mismatch", "nested-edxml"]
    assert "7806/SKHCN-CN&ĐMST" in kept.findings[1]["message"]


def test_the_reference_packages_come_in_as_they_should(world: World) -> None:
    world.office.organ_id = "000.00.01.A53"
    world.office.save()
    new = receive(world.lan, world.office, _sample("edoc_new.edxml"))
    assert new.status == "received"
    assert (new.document.number, new.document.symbol) == ("2491", "STC-BCTC")
    [kept] = new.document.attachments.all()
    # Its .doc is a zip holding another edXML package, itself malformed: said, not hidden.
    assert kept.size == 270823
    assert [f["code"] for f in kept.findings] == ["name-mismatch", "nested-edxml-unreadable"]
    assert receive(world.lan, world.office, _sample("edoc_new.edxml")).status == "duplicate"
    # The update names 7806/VPCP-TTĐT of the Government Office, which never came here.
    world.office.organ_id = "000.00.00.H53"
    world.office.save()
    with pytest.raises(ImportRefused, match="7806"):
        receive(world.lan, world.office, _sample("edoc_update.edxml"))
    assert Document.objects.count() == 1


def test_a_revoked_directive_flags_its_campaign(office: World) -> None:
    original = receive(office.lan, office.office, build_package(_directive())).document
    office.campaign.source_document = original
    office.campaign.save()
    revoke = _directive(
        business=Business(
            doc_type=BusinessType.REVOKE, reason="Thu hồi để sửa", document_id=original.exchange_id
        )
    )
    receive(office.lan, office.office, build_package(revoke))
    client = office.client_for(office.lan)
    campaign_page = client.get(reverse("campaigns:detail", args=[office.campaign.slug]))
    assert 'id="directive-revoked"' in campaign_page.content.decode()
    assert "Thu hồi để sửa" in campaign_page.content.decode()
    document_page = client.get(reverse("documents:detail", args=[original.uid]))
    assert 'class="revoked-campaign"' in document_page.content.decode()


def test_an_answer_is_linked_to_our_document_on_both_pages(office: World) -> None:
    """ResponseFor names our outgoing document: the answer links to it, and it to the answer."""
    ours = Document.objects.create(
        office=office.office,
        direction=Direction.OUTGOING,
        status=IntakeStatus.REGISTERED,
        doc_type="Báo cáo",
        number="01",
        symbol="BC-VHKHTT",
        issued_on=dt.date(2026, 12, 6),
        subject="Báo cáo kết quả",
    )
    reply = _directive(
        code_number="610",
        document_id="",
        response_for=(
            ResponseFor(
                OURS, "01/BC-VHKHTT", dt.date(2026, 12, 6), f"{OURS},2026/12/06,01/BC-VHKHTT"
            ),
        ),
    )
    document = receive(office.lan, office.office, build_package(reply)).document
    assert document.parsed["answers"] == ours.pk
    client = office.client_for(office.lan)
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert 'class="response-for"' in page and reverse("documents:detail", args=[ours.uid]) in page
    back = client.get(reverse("documents:detail", args=[ours.uid])).content.decode()
    assert (
        'class="answered-by"' in back and reverse("documents:detail", args=[document.uid]) in back
    )
    # A ResponseFor naming another agency's document links to nothing.
    elsewhere = _directive(
        code_number="611",
        document_id="",
        response_for=(ResponseFor(SO, "01/BC-VHKHTT", dt.date(2026, 12, 6), ""),),
    )
    other = receive(office.lan, office.office, build_package(elsewhere)).document
    assert "answers" not in other.parsed
