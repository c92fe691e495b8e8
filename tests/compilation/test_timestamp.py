"""PAdES B-T: the signatures carry an RFC 3161 timestamp of a real local TSA (OpenSSL)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.compilation.test_issue import PASS, _draft, key
from tests.conftest import World, sign_and_issue
from tests.tsa import TSA_NAME, LocalTsa, local_tsa, openssl_available
from tonghop.compilation import actions
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.issuing import verify_cli
from tonghop.issuing.signing import (
    create_demo_authority,
    demo_crl_path,
    verification_lines,
    verify_pdf,
)

__all__ = ["key"]  # a fixture, used by name
pytestmark = pytest.mark.skipif(not openssl_available(), reason="openssl is needed")


@pytest.fixture
def tsa(tmp_path: Path, settings: Any, key: Path) -> Iterator[LocalTsa]:
    with local_tsa(tmp_path / "tsa") as running:
        settings.TONGHOP_TSA_URL = running.url
        settings.TONGHOP_TRUST_ROOTS = [str(running.root)]
        yield running


def test_with_a_tsa_both_signatures_reach_b_t(world: World, tsa: LocalTsa, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    head, office = verify_pdf(issued.signed_pdf.read(), [key, tsa.root])
    for facts in (head, office):
        assert facts["intact"] and facts["trusted"] and facts["time_proven"]
        assert facts["level"] == "B-T"
        assert facts["timestamp_authority"] == TSA_NAME
        assert str(facts["timestamp_at"]).endswith("+07:00")
    line = verification_lines([head])[0]
    assert "B-T" in line and TSA_NAME in line


def test_without_a_tsa_the_level_is_b_b(world: World, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    head, office = verify_pdf(issued.signed_pdf.read(), [key])
    assert head["level"] == office["level"] == "B-B"
    assert "B-B" in verification_lines([head])[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_tsa_that_is_down_stops_signing_unless_allowed(
    world: World, key: Path, settings: Any
) -> None:
    settings.TONGHOP_TSA_URL = f"http://127.0.0.1:{_closed_port()}/tsa"
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused, match="dấu thời gian"):
        issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    compilation.refresh_from_db()
    assert compilation.state == "submitted" and not compilation.signed_pdf
    # The office allows signing without: B-B, said so in the log.
    settings.TONGHOP_TSA_OPTIONAL = True
    issued = sign_and_issue(world, compilation.pk, passphrase=PASS)
    assert issued.document is not None
    assert verify_pdf(issued.signed_pdf.read(), [key])[0]["level"] == "B-B"


def test_a_slow_tsa_fails_clearly_and_uses_up_no_number(
    world: World, key: Path, settings: Any, tmp_path: Path
) -> None:
    compilation = _draft(world)
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PASS)
    with local_tsa(tmp_path / "slow", delay=20) as slow:
        settings.TONGHOP_TSA_URL = slow.url
        settings.TONGHOP_TSA_TIMEOUT = 1
        with pytest.raises(actions.IssueRefused, match="dấu thời gian"):
            issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()


def test_the_verify_page_and_command_name_the_level_and_the_timestamp(
    world: World, tsa: LocalTsa, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    data = issued.signed_pdf.read()
    page = world.client_for(world.lan).post(
        reverse("verify"), {"file": SimpleUploadedFile("r.pdf", data)}
    )
    body = page.content.decode()
    assert body.count("PAdES B-T") == 2 and TSA_NAME in body
    (tmp_path / "r.pdf").write_bytes(data)
    roots = ["--trust-root", str(key), "--trust-root", str(tsa.root)]
    assert verify_cli.main([str(tmp_path / "r.pdf"), *roots]) == 0
    out = capsys.readouterr().out
    assert out.count("mức PAdES B-T (dấu thời gian ") == 2 and f"do {TSA_NAME} cấp" in out


def test_a_changed_byte_reads_changed_alone(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    data = issued.signed_pdf.read()
    middle = len(data) // 4  # inside what both signatures cover
    tampered = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
    (tmp_path / "t.pdf").write_bytes(tampered)
    assert verify_cli.main([str(tmp_path / "t.pdf"), "--trust-root", str(key)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "Chữ ký" in line]
    assert len(lines) == 2
    for line in lines:
        assert line.endswith("— đã bị sửa đổi"), line
        assert "tin cậy" not in line.split("ký lúc")[1].replace("dấu thời gian tin cậy", "")
    page = world.client_for(world.lan).post(
        reverse("verify"), {"file": SimpleUploadedFile("t.pdf", tampered)}
    )
    body = page.content.decode()
    assert "danh sách tin cậy" not in body and "✔" not in body


class _CrlHandler(BaseHTTPRequestHandler):
    crl = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(self.crl)))
        self.end_headers()
        self.wfile.write(self.crl)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_with_a_reachable_crl_the_level_is_b_lt(
    world: World, tsa: LocalTsa, settings: Any, tmp_path: Path
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CrlHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}/pki/demo-ca.crl"
    authority = create_demo_authority(
        tmp_path / "crl-pki", office_name=world.office.name, signer_name="Phạm Viết Thạch",
        passphrase=PASS, crl_url=url,
    )  # fmt: skip
    _CrlHandler.crl = demo_crl_path(tmp_path / "crl-pki").read_bytes()
    settings.TONGHOP_SIGNING_P12 = str(authority.signing_p12)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(authority.office_p12)
    settings.TONGHOP_DEMO_ROOT = authority.root_certificate
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    finally:
        server.shutdown()
        server.server_close()
    head, office = verify_pdf(issued.signed_pdf.read(), [authority.root_certificate, tsa.root])
    assert head["intact"] and office["intact"] and head["trusted"] and office["trusted"]
    assert office["level"] == "B-LT", office
    # The demo serves its own list at the address its certificates name.
    settings.TONGHOP_DEMO_ROOT = authority.root_certificate
    response = world.client_for(world.hoa).get("/pki/demo-ca.crl")
    assert response.status_code == 200 and response.content == _CrlHandler.crl
