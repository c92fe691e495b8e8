"""A forged signed report, as the /verify/ page, the received document's page, the edXML
import and the ``tonghop verify`` command show it.

The report is issued and signed with the office's key; an attacker then replaces a page's
content and signs the result with a certificate of their own carrying the head's name.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.compilation.test_issue import PASS, _draft
from tests.conftest import World, sign_and_issue
from tests.forgery import forge, identity, sign
from tonghop.dispatch.edxml import build_package, parse_package
from tonghop.documents.models import Direction, Document
from tonghop.issuing import verify_cli
from tonghop.issuing.signing import create_demo_authority

HEAD = "Phạm Viết Thạch"
CANNOT_READ = "Không đọc được tệp này như một tệp PDF"


@pytest.fixture
def key(settings: Any, tmp_path: Path) -> Path:
    authority = create_demo_authority(
        tmp_path / "pki",
        office_name="Phòng Văn hóa, Khoa học và Thông tin",
        signer_name=HEAD,
        passphrase=PASS,
    )
    settings.TONGHOP_SIGNING_P12 = str(authority.signing_p12)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(authority.office_p12)
    settings.TONGHOP_DEMO_ROOT = authority.root_certificate
    settings.TONGHOP_TRUST_ROOTS = []
    return authority.root_certificate


@pytest.fixture
def issued(world: World, key: Path) -> Any:
    return sign_and_issue(world, _draft(world).pk, passphrase=PASS)


def _text(response: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, blanks collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def _rows(response: Any) -> list[str]:
    table = re.search(r'<table[^>]*id="signatures".*?</table>', response.content.decode(), re.S)
    assert table is not None
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1], re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))) for row in rows]


def _assert_forgery_shown(response: Any) -> None:
    # The head's signature and the office's, then the forger's.
    *genuine, forger = _rows(response)
    assert len(genuine) == 2
    for row in genuine:
        assert "✔" not in row.split("Tin cậy")[0]  # nothing in the row says intact
        assert "chữ ký chỉ bảo đảm phiên bản " in row
        assert "Tài liệu đã bị sửa đổi sau khi ký." in row
        assert "Thay đổi được ký bởi: " in row and f"{HEAD} (không tin cậy)" in row
        assert f"Thay đổi sau đó do {HEAD} ký: KHÔNG tin cậy" in row
        assert "được chữ ký sau bảo đảm" not in row
    assert HEAD in forger and "Chứng thư số không thuộc danh sách tin cậy" in forger


def test_the_verify_page_shows_a_forged_report_as_changed_and_untrusted(
    world: World, issued: Any
) -> None:
    forged = forge(issued.signed_pdf.read(), HEAD)
    client = world.client_for(world.lan)
    page = client.post(reverse("verify"), {"file": SimpleUploadedFile("b.pdf", forged)})
    assert page.status_code == 200
    _assert_forgery_shown(page)


def test_an_edxml_package_carrying_a_forged_report_shows_it_on_the_document_page(
    world: World, issued: Any
) -> None:
    package = parse_package(issued.edxml.read())
    attachment = package.attachments[0]
    forged = forge(attachment.data, HEAD, "page")
    tampered = dataclasses.replace(
        package, attachments=(dataclasses.replace(attachment, data=forged),)
    )
    client = world.client_for(world.lan)
    response = client.post(
        reverse("documents:import-edxml"),
        {
            "office": world.office.pk,
            "forwarded": "on",
            "file": SimpleUploadedFile("r.edxml", build_package(tampered)),
        },
    )
    assert response.status_code == 302
    incoming = Document.objects.get(direction=Direction.INCOMING)
    first, office, second = incoming.signatures
    assert (first["intact"], first["trusted"], first["revision_intact"]) == (False, False, True)
    assert (office["intact"], office["trusted"], office["revision_intact"]) == (False, False, True)
    assert {"signer": HEAD, "trusted": False} in first["later_signers"]
    assert office["later_signers"] == [{"signer": HEAD, "trusted": False}]
    assert (second["intact"], second["trusted"]) == (True, False)
    _assert_forgery_shown(client.get(reverse("documents:detail", args=[incoming.uid])))


def test_the_verify_page_tells_a_backdated_expired_signature_from_a_trusted_one(
    world: World, settings: Any, tmp_path: Path
) -> None:
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 12, 31, tzinfo=UTC)
    old_root = identity("CA cũ", ca=True, start=start, end=end)
    leaf = identity(HEAD, issuer=old_root, start=start, end=end)
    (tmp_path / "old.pem").write_bytes(old_root.pem())
    settings.TONGHOP_TRUST_ROOTS = [str(tmp_path / "old.pem")]
    settings.TONGHOP_DEMO_ROOT = tmp_path / "none.pem"
    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    blank = io.BytesIO()
    document.save(blank)
    backdated = sign(
        blank.getvalue(), leaf, field="Signature1", when=datetime(2020, 6, 1, tzinfo=UTC)
    )
    client = world.client_for(world.lan)
    page = client.post(reverse("verify"), {"file": SimpleUploadedFile("c.pdf", backdated)})
    [row] = _rows(page)
    assert "✔ có ✘ không" in row  # intact, not trusted
    assert "do người ký tự ghi, không có dấu thời gian tin cậy chứng minh" in row
    assert "2021-12-31" in row


@pytest.mark.parametrize("cut", ["garbage", "truncated"])
def test_the_verify_page_says_a_broken_pdf_cannot_be_read(
    world: World, issued: Any, cut: str
) -> None:
    signed = issued.signed_pdf.read()
    data = (
        b"%PDF-1.7\n" + b"\x8f garbage " * 200 if cut == "garbage" else signed[: len(signed) // 2]
    )
    client = world.client_for(world.lan)
    page = client.post(reverse("verify"), {"file": SimpleUploadedFile("d.pdf", data)})
    assert page.status_code == 400
    text = _text(page)
    assert CANNOT_READ in text
    assert "không có chữ ký số" not in text.lower()


def test_an_edxml_package_with_an_unreadable_pdf_says_so(world: World, issued: Any) -> None:
    package = parse_package(issued.edxml.read())
    broken = dataclasses.replace(package.attachments[0], data=b"%PDF-1.7\n broken")
    client = world.client_for(world.lan)
    client.post(
        reverse("documents:import-edxml"),
        {
            "office": world.office.pk,
            "forwarded": "on",
            "file": SimpleUploadedFile(
                "r.edxml", build_package(dataclasses.replace(package, attachments=(broken,)))
            ),
        },
    )
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.signatures == []
    page = _text(client.get(reverse("documents:detail", args=[incoming.uid])))
    assert CANNOT_READ in page


def test_the_verify_command_refuses_the_forgery_and_says_why(
    issued: Any, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(forge(issued.signed_pdf.read(), HEAD))
    assert verify_cli.main([str(forged), "--trust-root", str(key)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "Chữ ký" in line]
    *genuine, second = lines
    assert len(genuine) == 2  # the head's and the office's
    for first in genuine:
        assert "đã bị sửa đổi sau khi ký" in first and "chỉ bảo đảm phiên bản " in first
        assert f"{HEAD} (không tin cậy)" in first
    assert "nguyên vẹn — không tin cậy" in second
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    assert verify_cli.main([str(broken)]) == 2
    assert "không đọc được" in capsys.readouterr().err.lower()
