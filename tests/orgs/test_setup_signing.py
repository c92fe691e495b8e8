"""Signing set on /setup/: a PKCS#12 file kept only once it opened with its passphrase and its
certificate passed the checks signing makes; the checklist says "done" only for a key that
opened. A key on a real SoftHSM token is chosen in tests/compilation/test_token.py, beside the
session's token."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.test import Client
from django.urls import reverse

from tests.compilation.test_issue import PASS
from tests.conftest import World
from tonghop.audit.models import AuditEvent
from tonghop.issuing import actions as issuing_actions
from tonghop.issuing.keys import FileKey
from tonghop.issuing.signing import create_demo_authority
from tonghop.orgs.models import User


@pytest.fixture
def site(settings: Any, tmp_path: Path) -> Path:
    data = tmp_path / "du-lieu"
    data.mkdir(mode=0o700)
    settings.DATA_DIR = data
    settings.TONGHOP_SIGNING_P12 = str(data / "pki" / "office-signing.p12")
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(data / "pki" / "office-seal.p12")
    return data


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("keys")
    good = create_demo_authority(
        folder / "good", office_name="Phòng VHKHTT", signer_name="Phạm Viết Thạch", passphrase=PASS
    )
    old = create_demo_authority(
        folder / "old",
        office_name="Phòng VHKHTT",
        signer_name="Phạm Viết Thạch",
        passphrase=PASS,
        now=dt.datetime(2015, 1, 1, tzinfo=dt.UTC),
    )
    # A certificate for encryption, not for signing: no non-repudiation.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Máy chủ thư")])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=True,
        data_encipherment=False, key_agreement=False, key_cert_sign=False,
        crl_sign=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=300))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    tls = pkcs12.serialize_key_and_certificates(
        b"tls", key, cert, None, BestAvailableEncryption(PASS.encode())
    )
    assert good.office_p12 is not None
    return {
        "head": good.signing_p12.read_bytes(),
        "office": good.office_p12.read_bytes(),
        "expired": old.signing_p12.read_bytes(),
        "no-usage": tls,
    }


def _upload(client: Client, data: bytes, passphrase: str = PASS, which: str = "head") -> Any:
    upload = io.BytesIO(data)
    upload.name = "khoa-ky.p12"
    return client.post(
        reverse("setup:office"),
        {
            "p12-which": which,
            "p12-file": upload,
            "p12-passphrase": passphrase,
            "install-p12": "1",
        },
    )


def opens(client: Client, which: str) -> bool:
    page = client.get(reverse("setup:office")).content.decode()
    return f'id="{which}-key" data-opens="1"' in page


def test_a_p12_is_kept_only_when_it_opens_and_its_certificate_signs(
    world: World, admin: User, site: Path, keys: dict[str, bytes]
) -> None:
    # Nobody but the office's managers: the clerk, a specialist, a reporter, another office.
    for user in (world.hang, world.lan, world.hoa, world.tu):
        assert _upload(world.client_for(user), keys["head"]).status_code == 404
    assert not (site / "pki").exists()
    client = world.client_for(admin)
    target = site / "pki" / "office-signing.p12"
    # A file merely present is not a key that opens.
    target.parent.mkdir(mode=0o700)
    target.write_bytes(keys["head"])
    assert not opens(client, "head")
    target.unlink()
    refusals = [
        (b"%PDF-1.7\n" + b"x" * 500, PASS, "không phải tệp chứng thư số PKCS#12"),
        (keys["head"], "sai-mat-khau", "Mật khẩu của tệp chứng thư số không đúng."),
        (keys["expired"], PASS, "Chứng thư số chỉ có hiệu lực từ"),
        (keys["no-usage"], PASS, "chống chối bỏ"),
        (b"\x30" * (300 * 1024), PASS, "KB"),
        (b"", PASS, ""),
    ]
    for data, passphrase, says in refusals:
        answer = _upload(client, data, passphrase)
        assert answer.status_code == 400, says
        assert says in answer.content.decode()
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no trial left behind
    assert not opens(client, "head")
    assert _upload(client, keys["head"]).status_code == 302
    assert target.read_bytes() == keys["head"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert PASS not in (site / "pki" / "head-key-check.json").read_text(encoding="utf-8")
    assert opens(client, "head") and not opens(client, "office")
    source = issuing_actions.head_key()
    assert source == FileKey(target)
    source.open(PASS, dt.datetime.now(dt.UTC))  # the key signing will use
    event = AuditEvent.objects.get(details__change="signing_key")
    assert event.details["which"] == "head" and PASS not in str(event.details)
    assert _upload(client, keys["office"], which="office").status_code == 302
    assert opens(client, "office")
    # Another file put in place by hand: not the key that was checked.
    target.write_bytes(keys["expired"])
    assert not opens(client, "head")
