"""The XML signature of an edXML package: written with the office's key on issue, checked on
import (a broken one refuses the package, nothing registered), and re-checked by an independent
verifier (xmlsec1) when the machine has it."""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tests.compilation.test_edxml_export import _issued, _sample
from tests.compilation.test_issue import PASS, key  # noqa: F401  (fixture)
from tests.conftest import World
from tests.documents.test_exchange_import import _directive, office  # noqa: F401
from tonghop.dispatch.edxml import build_package, parse_package
from tonghop.dispatch.xmldsig import XmlSignatureError, sign_package, verify_package
from tonghop.documents.exchange import ImportRefused, receive
from tonghop.documents.models import Direction, Document


def _certificate(name: str) -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(private, hashes.SHA256())
    )
    return private, cert.public_bytes(Encoding.DER)


def _signed(package: bytes, name: str = "Sở Khoa học và Công nghệ") -> bytes:
    private, der = _certificate(name)
    return sign_package(
        package, der, lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    )


def test_a_signed_package_reads_the_same_and_its_signature_holds() -> None:
    plain = build_package(_directive())
    signed = _signed(plain)
    assert parse_package(signed) == parse_package(plain)
    facts = verify_package(signed)
    assert facts is not None and facts.checked
    assert facts.subject == "CN=Sở Khoa học và Công nghệ" and facts.algorithm == "rsa-sha256"
    # Where the samples put it: the last child of edXMLHeader, after the trace headers.
    header = signed.split(b"<edXML:edXMLHeader>")[1].split(b"</edXML:edXMLHeader>")[0]
    assert header.rstrip().endswith(b"</Signature>")
    assert header.index(b"</edXML:TraceHeaderList>") < header.index(b"<Signature")


def _swap_certificate(data: bytes) -> bytes:
    _private, other = _certificate("Kẻ mạo danh")
    return re.sub(
        rb"<X509Certificate>[^<]*<",
        b"<X509Certificate>" + base64.b64encode(other) + b"<",
        data,
    )


def _flip_attachment(data: bytes) -> bytes:
    head, rest = data.split(b"<edXML:ContentTransferEncoded", 1)
    opening, content = rest.split(b">", 1)
    flipped = b"Q" + content[1:] if content[:1] != b"Q" else b"R" + content[1:]
    return head + b"<edXML:ContentTransferEncoded" + opening + b">" + flipped


BROKEN: list[tuple[str, Callable[[bytes], bytes], str]] = [
    (
        "subject",
        lambda d: d.replace("Tổ chức Ngày".encode(), "Hủy bỏ Ngày".encode()),
        "đã bị thay đổi sau khi ký",
    ),
    ("attachment", _flip_attachment, "đã bị thay đổi sau khi ký"),
    (
        "value",
        lambda d: re.sub(rb"<SignatureValue>....", b"<SignatureValue>AAAA", d),
        "không khớp với chứng thư số",
    ),
    ("certificate", _swap_certificate, "không khớp với chứng thư số"),
    (
        "not-base64",
        lambda d: re.sub(rb"<X509Certificate>", b"<X509Certificate>@@", d),
        "chứng thư số không phải base64",
    ),
    (
        "part-only",
        lambda d: d.replace(b'<Reference URI="">', b'<Reference URI="#x">'),
        "không phủ toàn bộ gói",
    ),
    (
        "weak-transform",
        lambda d: d.replace(b"xmldsig#enveloped-signature", b"xmldsig#base64"),
        "không phải chữ ký bao",
    ),
    (
        "md5",
        lambda d: d.replace(b"xmlenc#sha256", b"xmldsig-more#md5"),
        "thuật toán băm không được hỗ trợ",
    ),
    (
        "two",
        lambda d: d.replace(
            b"    </edXML:edXMLHeader>",
            re.search(rb"      <Signature .*?</Signature>\n", d, re.S)[0]  # type: ignore[index]
            + b"    </edXML:edXMLHeader>",
        ),
        "nhiều hơn một chữ ký",
    ),
]


@pytest.mark.parametrize(
    ("spoil", "reason"), [(b[1], b[2]) for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_signature_refuses_the_package(
    office: World,  # noqa: F811
    spoil: Callable[[bytes], bytes],
    reason: str,
) -> None:
    spoilt = spoil(_signed(build_package(_directive())))
    with pytest.raises(XmlSignatureError, match=reason):
        verify_package(spoilt)
    with pytest.raises(ImportRefused, match="Chữ ký số XML của gói edXML không hợp lệ"):
        receive(office.lan, office.office, spoilt)
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()


def test_a_good_signature_is_said_on_the_document(office: World) -> None:  # noqa: F811
    document = receive(office.lan, office.office, _signed(build_package(_directive()))).document
    codes = [f["code"] for f in document.findings]
    assert "xml-signature" in codes and "xml-signature-untrusted" in codes
    assert document.parsed["xml_signature"]["subject"] == "CN=Sở Khoa học và Công nghệ"


def test_the_samples_signature_block_is_said_unchecked_not_refused() -> None:
    for name in ("edoc_new.edxml", "edoc_update.edxml"):
        facts = verify_package(_sample(name))
        assert facts is not None and not facts.checked


@pytest.mark.usefixtures("key")
def test_the_issued_report_is_signed_with_the_office_key(world: World, tmp_path: Path) -> None:
    compilation = _issued(world)
    data = compilation.edxml.read()
    facts = verify_package(data)
    assert facts is not None and facts.checked
    # The office's own certificate (its PKCS#12), not the head's.
    from cryptography.hazmat.primitives.serialization import pkcs12
    from django.conf import settings

    office_p12 = Path(settings.TONGHOP_OFFICE_SIGNING_P12).read_bytes()
    _key, office_cert, _chain = pkcs12.load_key_and_certificates(office_p12, PASS.encode())
    assert office_cert is not None
    assert facts.certificate == office_cert.public_bytes(Encoding.DER)
    # Trusted here: issued by the install's (demo) root.
    taken = receive(world.lan, world.office, data, forwarded=True).document
    codes = [f["code"] for f in taken.findings]
    assert "xml-signature" in codes and "xml-signature-untrusted" not in codes
    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        pytest.skip("xmlsec1 không có trên máy: bỏ qua kiểm tra độc lập")
    path = tmp_path / "report.edxml"
    path.write_bytes(data)
    checked = subprocess.run(
        [xmlsec, "--verify", "--insecure", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    path.write_bytes(data.replace(b"<edXML:PageAmount>", b"<edXML:PageAmount>1"))
    spoilt = subprocess.run(
        [xmlsec, "--verify", "--insecure", str(path)], capture_output=True, text=True, check=False
    )
    assert spoilt.returncode != 0
