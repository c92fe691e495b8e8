"""Issuing the consolidated report: number, signature, register, exchange, mail, portal."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from pyhanko.pdf_utils.generic import TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.conftest import World, sign_and_issue
from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns.actions import CampaignSpec
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.dispatch.edxml import parse_package
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.issuing.signing import create_demo_authority, verify_pdf
from tonghop.portal.models import NewsItem
from tonghop.reports import actions as report_actions
from tonghop.reports.assigning import create_campaign

PASS = "mat-khau-ky"


@pytest.fixture
def key(settings: Any, tmp_path: Path) -> Path:
    authority = create_demo_authority(
        tmp_path / "pki",
        office_name="Phòng Văn hóa, Khoa học và Thông tin",
        signer_name="Phạm Viết Thạch",
        passphrase=PASS,
    )
    settings.TONGHOP_SIGNING_P12 = str(authority.signing_p12)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(authority.office_p12)
    settings.TONGHOP_DEMO_ROOT = authority.root_certificate
    return authority.root_certificate


def _draft(world: World) -> Compilation:
    """A drawn report the specialist has submitted for signature."""
    return actions.submit_for_signature(world.lan, _ready(world).pk)


def _ready(world: World) -> Compilation:
    """A drawn report, not yet submitted."""
    report_actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "3"},
        "Đã treo pano.",
        expected_version=0,
        submit=True,
    )
    world.campaign.report_to_organ_id = "000.00.21.H99"
    world.campaign.report_to_email = "so@example.vn"
    world.campaign.save()
    world.office.organ_id = "000.30.25.H99"
    world.office.save()
    compilation = Compilation.objects.create(
        campaign=world.campaign, created_by=world.lan, assessment="Các xã làm tốt."
    )
    return actions.run(compilation)


def test_the_head_issues_signs_and_registers(world: World, key: Path) -> None:
    compilation = _draft(world)
    issued = sign_and_issue(world, compilation.pk, passphrase=PASS, today=dt.date(2026, 11, 26))
    document = issued.document
    assert document is not None
    assert (document.direction, document.number, document.register_number) == (
        Direction.OUTGOING,
        "01",
        1,
    )
    assert document.reference() == "01/BC-VHKHTT"
    signed = issued.signed_pdf.read()
    # The head's signature, then the office's: both intact and trusted, the number and date
    # written between them as form filling, which the first allows.
    head, office = verify_pdf(signed, [key])
    assert head["signer"] == "Phạm Viết Thạch" and office["signer"] == world.office.name
    for signature in (head, office):
        assert signature["intact"] and signature["trusted"]
        assert str(signature["signed_at"]).endswith("+07:00")
    assert head["changes_after"] == "form_filling" and head["changes_allowed"]
    assert office["revision"] == office["revisions"]
    package = parse_package(issued.edxml.read())
    assert (package.code_number, package.code_notation) == ("01", "BC-VHKHTT")
    assert package.attachments[0].data == signed
    second = sign_and_issue(
        world,
        _draft_again(world).pk,
        passphrase=PASS,
        today=dt.date(2026, 11, 27),
        correction=True,
        correction_reason="Sửa số liệu xã An Phú",
    )
    assert second.document is not None and second.document.number == "02"


def _draft_again(world: World, campaign: Campaign | None = None) -> Compilation:
    compilation = actions.run(
        Compilation.objects.create(campaign=campaign or world.campaign, created_by=world.lan)
    )
    return actions.submit_for_signature(world.lan, compilation.pk)


def test_a_wrong_passphrase_uses_up_no_number(world: World, key: Path) -> None:
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused, match="Mật khẩu"):
        issuing_actions.sign(world.thach, compilation.pk, passphrase="sai")
    compilation.refresh_from_db()
    assert compilation.state == "submitted" and not compilation.signed_pdf
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    with pytest.raises(actions.IssueRefused, match="Mật khẩu"):
        issuing_actions.issue(world.hang, compilation.pk, passphrase="sai")
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()
    compilation.refresh_from_db()
    assert compilation.document is None and compilation.state == "signed"
    issued = issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert issued.document is not None and issued.document.number == "01"


def test_an_expired_certificate_is_refused(world: World, settings: Any, tmp_path: Path) -> None:
    old = create_demo_authority(
        tmp_path / "old",
        office_name="Phòng",
        signer_name="Phạm Viết Thạch",
        passphrase=PASS,
        now=dt.datetime(2015, 1, 1, tzinfo=dt.UTC),
    )
    settings.TONGHOP_SIGNING_P12 = str(old.signing_p12)
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused, match=r"hết hạn|hiệu lực"):
        issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()


def test_an_expired_office_certificate_uses_up_no_number(
    world: World, key: Path, settings: Any, tmp_path: Path
) -> None:
    old = create_demo_authority(
        tmp_path / "old", office_name="Phòng", signer_name="Phạm Viết Thạch", passphrase=PASS,
        now=dt.datetime(2015, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    compilation = _draft(world)
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(old.office_p12)
    with pytest.raises(actions.IssueRefused, match=r"hết hạn|hiệu lực"):
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()


def test_only_the_head_signs_and_only_the_clerk_issues(world: World, key: Path) -> None:
    compilation = _draft(world)
    for person in (world.lan, world.hoa, world.tu, world.hang):
        with pytest.raises(actions.IssueRefused):
            issuing_actions.sign(person, compilation.pk, passphrase=PASS)
    with pytest.raises(actions.IssueRefused, match="ký"):
        # Not signed yet: the clerk has nothing to issue.
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    for person in (world.lan, world.hoa, world.tu, world.thach):
        with pytest.raises(actions.IssueRefused):
            issuing_actions.issue(person, compilation.pk, passphrase=PASS)
    for name in ("compilation:sign", "compilation:issue"):
        url = reverse(name, args=[world.campaign.slug, compilation.uid])
        for intruder in (world.hoa, world.nam, world.tu):
            assert world.client_for(intruder).post(url, {"passphrase": PASS}).status_code == 404
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()


def test_a_file_changed_after_the_head_signed_is_not_issued(world: World, key: Path) -> None:
    compilation = _draft(world)
    signed = issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    data = signed.signed_pdf.read()
    signed.signed_pdf.close()
    # A byte changed in what the head signed.
    middle = len(data) // 3
    forged = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
    _replace_signed(signed, forged, record_hash=False)
    with pytest.raises(actions.IssueRefused, match="đã bị thay đổi"):
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    # A well-formed update appended after the head's signature, the recorded hash made to
    # match: the signature no longer covers the whole file, so it is refused all the same.
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    _replace_signed(signed, out.getvalue(), record_hash=True)
    with pytest.raises(actions.IssueRefused, match="đã bị thay đổi"):
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()
    # The file as the head signed it is issued.
    _replace_signed(signed, data, record_hash=True)
    issued = issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert issued.document is not None and issued.document.number == "01"


def _replace_signed(compilation: Compilation, data: bytes, *, record_hash: bool) -> None:
    with compilation.signed_pdf.open("wb") as handle:
        handle.write(data)
    if record_hash:
        event = AuditEvent.objects.filter(action=Action.SIGN).latest("pk")
        event.details = {**event.details, "sha256": hashlib.sha256(data).hexdigest()}
        AuditEvent.objects.filter(pk=event.pk).update(details=event.details)


def test_it_signs_and_issues_from_the_page(world: World, key: Path) -> None:
    compilation = _draft(world)
    head = world.client_for(world.thach)
    sign_url = reverse("compilation:sign", args=[world.campaign.slug, compilation.uid])
    page = head.get(head.post(sign_url, {"passphrase": "sai"})["Location"]).content.decode()
    assert "Mật khẩu" in page
    page = head.get(head.post(sign_url, {"passphrase": PASS})["Location"]).content.decode()
    assert 'id="sign"' not in page and 'id="issue"' not in page
    clerk = world.client_for(world.hang)
    page = clerk.get(
        compilation_url := page
        and reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    ).content.decode()
    assert 'id="issue"' in page
    issue_url = reverse("compilation:issue", args=[world.campaign.slug, compilation.uid])
    page = clerk.get(clerk.post(issue_url, {"passphrase": PASS})["Location"]).content.decode()
    assert "01/BC-VHKHTT" in page
    assert compilation_url
    for kind in ("signed", "edxml", "pdf", "docx"):
        response = clerk.get(
            reverse("compilation:download-kind", args=[world.campaign.slug, compilation.uid, kind])
        )
        assert response.status_code == 200, kind


def test_the_assessment_goes_into_the_report(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    import io

    import docx

    compilation = _ready(world)
    client = world.client_for(world.lan)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("compilation:words", args=[world.campaign.slug, compilation.uid]),
            {
                "assessment": "Phong trào lan tỏa mạnh ở các xã.",
                "proposals": "Đề nghị Sở khen thưởng.",
            },
        )
    compilation.refresh_from_db()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(compilation.docx.read())).paragraphs)
    assert "Phong trào lan tỏa mạnh ở các xã." in text
    assert "Đề nghị Sở khen thưởng." in text


def test_two_heads_at_the_same_moment_get_two_numbers(
    world_tx: World, settings: Any, tmp_path: Path
) -> None:
    world = world_tx
    authority = create_demo_authority(
        tmp_path / "pki", office_name="Phòng", signer_name="Phạm Viết Thạch", passphrase=PASS
    )
    settings.TONGHOP_SIGNING_P12 = str(authority.signing_p12)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(authority.office_p12)
    other = create_campaign(
        world.office,
        CampaignSpec(
            slug="chien-dich-khac",
            title="Chiến dịch khác",
            due_at=world.campaign.due_at,
            report_symbol="BC-VHKHTT",
        ),
        [world.an_phu],
        by=world.lan,
    )
    first, second = _draft(world), _draft_again(world, other)
    errors: list[BaseException] = []

    def sign(pk: int) -> None:
        try:
            sign_and_issue(world, pk, passphrase=PASS)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(c.pk,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(  # type: ignore[type-var]
        Document.objects.filter(direction=Direction.OUTGOING).values_list(
            "register_number", flat=True
        )
    )
    assert numbers == [1, 2]


def test_it_refuses_to_email_a_draft(world: World) -> None:
    with pytest.raises(actions.IssueRefused):
        actions.email_report(world.lan, _draft(world), "so@example.vn")


def test_it_publishes_only_what_the_office_chose(world: World, key: Path) -> None:
    compilation = _draft(world)
    client = world.client_for(world.lan)
    url = reverse("compilation:news", args=[world.campaign.slug, compilation.uid])
    client.post(url, {"title": "Bản nháp tin", "summary": "Chưa đăng", "body": ""})
    assert "Bản nháp tin" not in client.get(reverse("news:list")).content.decode()
    assert "Bản nháp tin" not in client.get(reverse("news:feed")).content.decode()
    sign_and_issue(world, compilation.pk, passphrase=PASS)
    client.post(
        url,
        {
            "title": "Kết quả Ngày Sáng tạo",
            "summary": "18 đơn vị đã báo cáo",
            "body": "Chi tiết",
            "publish": "on",
        },
    )
    item = NewsItem.objects.get()
    assert item.published_at is not None
    from django.test import Client

    public = Client()
    assert "Kết quả Ngày Sáng tạo" in public.get(reverse("news:list")).content.decode()
    feed = public.get(reverse("news:feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Kết quả Ngày Sáng tạo" in feed.content.decode()
    assert public.get(reverse("news:item", args=[item.uid])).status_code == 200
    assert world.client_for(world.tu).post(url, {"title": "x", "summary": "y"}).status_code == 404


def test_the_verify_page_reports_each_signature(world: World, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    signed = issued.signed_pdf.read()
    client = world.client_for(world.hoa)
    page = client.post(reverse("verify"), {"file": SimpleUploadedFile("a.pdf", signed)})
    body = page.content.decode()
    assert "Phạm Viết Thạch" in body and "✔" in body
    tampered = signed + b"\n1 0 obj\n<< >>\nendobj\n"
    changed = client.post(reverse("verify"), {"file": SimpleUploadedFile("b.pdf", tampered)})
    assert changed.status_code == 200
    junk = client.post(reverse("verify"), {"file": SimpleUploadedFile("c.pdf", b"not a pdf")})
    assert junk.status_code == 400
    assert "không phải" in junk.content.decode().lower()


def test_an_edxml_package_comes_in_as_an_incoming_document(world: World, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    client = world.client_for(world.lan)
    url = reverse("documents:import-edxml")
    bad = client.post(
        url, {"office": world.office.pk, "file": SimpleUploadedFile("x.edxml", b"<foo/>")}
    )
    assert bad.status_code == 400
    assert "edXML" in bad.content.decode()
    response = client.post(
        url,
        {
            "office": world.office.pk,
            "forwarded": "on",
            "file": SimpleUploadedFile("r.edxml", issued.edxml.read()),
        },
    )
    assert response.status_code == 302
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert (incoming.number, incoming.symbol) == ("01", "BC-VHKHTT")
    assert incoming.signatures and incoming.signatures[0]["intact"]


def test_the_issued_report_stays_in_the_outgoing_register(world: World, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    document = issued.document
    assert document is not None
    client = world.client_for(world.lan)
    listing = client.get(reverse("documents:list") + "?direction=out&q=BC-VHKHTT")
    assert "01/BC-VHKHTT" in listing.content.decode()
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert 'id="signatures"' in page
    client.post(reverse("documents:detail", args=[document.uid]), {"subject": "Sửa trộm"})
    document.refresh_from_db()
    assert document.subject != "Sửa trộm"
    original = client.get(reverse("documents:original", args=[document.uid]))
    assert b"".join(original.streaming_content) == issued.signed_pdf.read()  # type: ignore[attr-defined]
