"""Certificates are checked as a validator checks them before anything is signed or numbered:
validity at the signing time, non-repudiation, no SHA-1; refused in Vietnamese."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.compilation.test_issue import PASS, _draft, key
from tests.conftest import World
from tonghop.compilation import actions
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions

__all__ = ["key"]  # a fixture, used by name


def _sha1_p12(path: Path) -> Path:
    """A certificate signed with SHA-1, made with OpenSSL (cryptography no longer signs it)."""
    key, cert = path.with_suffix(".key"), path.with_suffix(".pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-sha1", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-subj", "/CN=Pham Viet Thach", "-days", "30",
         "-addext", "keyUsage=critical,digitalSignature,nonRepudiation"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", path,
         "-passout", f"pass:{PASS}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def _p12(
    path: Path,
    *,
    non_repudiation: bool = True,
    start: datetime | None = None,
) -> Path:
    now = start or datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Viết Thạch")])
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=non_repudiation, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"k", key, cert, None, serialization.BestAvailableEncryption(PASS.encode())
        )
    )
    return path


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (_sha1_p12, "SHA-1"),
        (lambda p: _p12(p, non_repudiation=False), "chống chối bỏ"),
        (lambda p: _p12(p, start=datetime.now(UTC) + timedelta(days=10)), "hiệu lực"),
    ],
    ids=["sha1", "no-non-repudiation", "not-yet-valid"],
)
def test_a_certificate_a_validator_refuses_is_refused_and_uses_up_no_number(
    world: World, key: Path, settings: Any, tmp_path: Path, build: Any, says: str
) -> None:
    compilation = _draft(world)
    settings.TONGHOP_SIGNING_P12 = str(build(tmp_path / "head.p12"))
    with pytest.raises(actions.IssueRefused, match=says):
        issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    issuing_actions.sign(
        world.thach, compilation.pk, passphrase=PASS, p12_path=key.parent / "office-signing.p12"
    )
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(build(tmp_path / "office.p12"))
    with pytest.raises(actions.IssueRefused, match=says):
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()
