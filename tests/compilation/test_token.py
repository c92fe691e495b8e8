"""Signing from a PKCS#11 token: a real SoftHSM token holding the head's key and certificate,
loaded with softhsm2-util and OpenSC's pkcs11-tool as an office would load a USB token."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import Client
from django.urls import reverse

from tests.compilation.test_issue import PASS, _draft
from tests.conftest import World
from tests.orgs.test_setup_signing import opens as setup_opens
from tonghop.compilation import actions
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.issuing.keys import FileKey, TokenKey, key_from_environment, pin_message
from tonghop.issuing.signing import create_demo_authority, verify_pdf

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
MODULE = next((m for m in MODULES if Path(m).exists()), "")
PIN = "246810"
LABEL = "tonghop-thu"

pytestmark = pytest.mark.skipif(
    not MODULE or not shutil.which("softhsm2-util") or not shutil.which("pkcs11-tool"),
    reason="softhsm2 and opensc are needed (apt-get install softhsm2 opensc)",
)


# Tokens pulled out mid-signing, one per test that pulls one (SoftHSM lists its tokens once
# per process, and a token moved away stays broken for that process even when put back).
REMOVED = ("tonghop-rut-1", "tonghop-rut-2")


@dataclass(frozen=True)
class Token:
    root: Path
    office_p12: Path
    folders: dict[str, Path]


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    """One SoftHSM token for the session (a PKCS#11 module is loaded once per process)."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    authority = create_demo_authority(
        folder / "pki",
        office_name="Phòng Văn hóa, Khoa học và Thông tin",
        signer_name="Phạm Viết Thạch",
        passphrase=PASS,
    )
    key, cert, _chain = pkcs12.load_key_and_certificates(
        authority.signing_p12.read_bytes(), PASS.encode()
    )
    assert key is not None and cert is not None
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "cert.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    _run("softhsm2-util", "--init-token", "--free", "--label", LABEL, "--so-pin", "135790",
         "--pin", PIN)  # fmt: skip
    _run("softhsm2-util", "--import", folder / "key.pem", "--token", LABEL, "--label", "head",
         "--id", "01", "--pin", PIN)  # fmt: skip
    _run("pkcs11-tool", "--module", MODULE, "--token-label", LABEL, "--login", "--pin", PIN,
         "--write-object", folder / "cert.der", "--type", "cert", "--label", "head",
         "--id", "01")  # fmt: skip
    # A key alone, without its certificate.
    _run("pkcs11-tool", "--module", MODULE, "--token-label", LABEL, "--login", "--pin", PIN,
         "--keypairgen", "--key-type", "rsa:2048", "--label", "orphan", "--id", "02")  # fmt: skip
    folders = {}
    for label in REMOVED:
        before = set((folder / "tokens").iterdir())
        _run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "135790",
             "--pin", PIN)  # fmt: skip
        (folders[label],) = set((folder / "tokens").iterdir()) - before
        _run("softhsm2-util", "--import", folder / "key.pem", "--token", label, "--label",
             "head", "--id", "01", "--pin", PIN)  # fmt: skip
        _run("pkcs11-tool", "--module", MODULE, "--token-label", label, "--login", "--pin", PIN,
             "--write-object", folder / "cert.der", "--type", "cert", "--label", "head",
             "--id", "01")  # fmt: skip
    assert authority.office_p12 is not None
    yield Token(authority.root_certificate, authority.office_p12, folders)


@pytest.fixture
def on_token(token: Token, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Token:
    monkeypatch.setenv("TONGHOP_PKCS11_MODULE", MODULE)
    monkeypatch.setenv("TONGHOP_PKCS11_TOKEN", LABEL)
    monkeypatch.setenv("TONGHOP_PKCS11_KEY", "head")
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(token.office_p12)
    settings.TONGHOP_DEMO_ROOT = token.root
    return token


def test_the_environment_chooses_the_token(on_token: Token) -> None:
    assert key_from_environment("TONGHOP", Path("x.p12")) == TokenKey(MODULE, LABEL, "head")
    assert key_from_environment("TONGHOP_OFFICE", Path("x.p12")) == FileKey(Path("x.p12"))


def test_the_head_signs_with_the_token(world: World, on_token: Token) -> None:
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused, match="PIN"):
        issuing_actions.sign(world.thach, compilation.pk, passphrase="000000")
    compilation.refresh_from_db()
    assert compilation.state == "submitted"
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PIN)
    issued = issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    head, office = verify_pdf(issued.signed_pdf.read(), [on_token.root])
    assert head["signer"] == "Phạm Viết Thạch"
    assert all(s["intact"] and s["trusted"] for s in (head, office))


@pytest.mark.parametrize(
    ("token_label", "key_label", "module", "says"),
    [
        ("khong-co", "head", MODULE, "thiết bị ký số"),
        (LABEL, "khong-co", MODULE, "không có khóa và chứng thư"),
        (LABEL, "orphan", MODULE, "không có khóa và chứng thư"),
        (LABEL, "head", "/khong/co/module.so", "thư viện PKCS#11"),
    ],
    ids=["token-removed", "no-such-key", "key-without-certificate", "no-module"],
)
def test_a_token_that_cannot_sign_uses_up_nothing(
    world: World, on_token: Token, token_label: str, key_label: str, module: str, says: str
) -> None:
    compilation = _draft(world)
    key = TokenKey(module=module, token=token_label, key=key_label)
    with pytest.raises(actions.IssueRefused, match=says):
        issuing_actions.sign(world.thach, compilation.pk, passphrase=PIN, key=key)
    compilation.refresh_from_db()
    assert compilation.state == "submitted" and not compilation.signed_pdf
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()


@dataclass(frozen=True)
class PulledOut:
    """A real token key that is pulled out (its SoftHSM folder moved away) once the key and
    its certificate were found, before anything is signed: what happens when a USB token is
    removed while the page signs."""

    key: TokenKey
    folder: Path

    def open(self, passphrase: str, moment: dt.datetime) -> Any:
        signer = self.key.open(passphrase, moment)
        self.folder.rename(self.folder.with_name(self.folder.name + "-rut-ra"))
        return signer


def test_a_token_removed_mid_signing_fails_clearly_and_uses_no_number(
    world: World, on_token: Token
) -> None:
    compilation = _draft(world)
    says = "Mất kết nối với thiết bị ký số trong khi ký"
    # The head's token pulled out as he signs: refused in Vietnamese, nothing signed.
    head_removed = PulledOut(TokenKey(MODULE, REMOVED[0], "head"), on_token.folders[REMOVED[0]])
    with pytest.raises(actions.IssueRefused, match=says) as refused:
        issuing_actions.sign(world.thach, compilation.pk, passphrase=PIN, key=head_removed)
    assert "không số văn bản nào bị dùng" in str(refused.value)
    compilation.refresh_from_db()
    assert compilation.state == "submitted" and not compilation.signed_pdf
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PIN)

    # The office's token pulled out as the clerk issues: no number taken, still signed only.
    office_removed = PulledOut(TokenKey(MODULE, REMOVED[1], "head"), on_token.folders[REMOVED[1]])
    with pytest.raises(actions.IssueRefused, match=says):
        issuing_actions.issue(world.hang, compilation.pk, passphrase=PIN, key=office_removed)
    compilation.refresh_from_db()
    assert compilation.state == "signed" and compilation.document is None
    assert not Document.objects.filter(direction=Direction.OUTGOING).exists()
    # Issued with the office's key afterwards, it takes the first number: none was used.
    issued = issuing_actions.issue(world.hang, compilation.pk, passphrase=PASS)
    assert issued.document is not None and issued.document.number == "01"


def test_a_wrong_pin_says_what_the_real_token_reports(world: World, on_token: Token) -> None:
    """SoftHSM 2 raises CKF_USER_PIN_COUNT_LOW after a wrong PIN and clears it after a right
    one; it never sets FINAL_TRY or LOCKED (it does not lock), so those are checked below."""
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused) as refused:
        issuing_actions.sign(world.thach, compilation.pk, passphrase="000000")
    assert str(refused.value) == (
        "Mã PIN của thiết bị ký số không đúng. Số lần thử còn lại đã ít; thiết bị sẽ khóa nếu "
        "sai tiếp."
    )
    import pkcs11

    flags = _flags(LABEL)
    assert flags & pkcs11.TokenFlag.USER_PIN_COUNT_LOW
    assert not flags & (pkcs11.TokenFlag.USER_PIN_FINAL_TRY | pkcs11.TokenFlag.USER_PIN_LOCKED)
    issuing_actions.sign(world.thach, compilation.pk, passphrase=PIN)
    assert not _flags(LABEL) & pkcs11.TokenFlag.USER_PIN_COUNT_LOW


def _flags(label: str) -> int:
    """The token's flags as the module reports them now (slot by slot: a token pulled out by
    another test fails to answer)."""
    import pkcs11

    for slot in pkcs11.lib(MODULE).get_slots(token_present=True):
        try:
            token = slot.get_token()
        except pkcs11.exceptions.PKCS11Error:
            continue
        if token.label == label:
            return int(token.flags)
    raise AssertionError(label)


def test_the_tries_left_as_the_token_flags_say() -> None:
    import pkcs11

    flag = pkcs11.TokenFlag
    base = int(flag.LOGIN_REQUIRED | flag.TOKEN_INITIALIZED | flag.USER_PIN_INITIALIZED)
    assert pin_message(base) == "Mã PIN của thiết bị ký số không đúng."
    assert "đã ít" in pin_message(base | flag.USER_PIN_COUNT_LOW)
    final = pin_message(base | flag.USER_PIN_COUNT_LOW | flag.USER_PIN_FINAL_TRY)
    assert "Chỉ còn một lần thử" in final
    locked = pin_message(base | flag.USER_PIN_COUNT_LOW | flag.USER_PIN_LOCKED)
    assert "đã bị khóa" in locked and "Chỉ còn" not in locked


# --- Chosen on the setup page -------------------------------------------------------------


def _choose(client: Client, **changes: str) -> Any:
    fields = {
        "token-which": "head",
        "token-module": MODULE,
        "token-token": LABEL,
        "token-key": "head",
        "token-pin": PIN,
        "choose-token": "1",
        **changes,
    }
    return client.post(reverse("setup:office"), fields)


def test_a_key_on_a_token_is_chosen_once_it_opens_with_the_pin(
    world: World, token: Token, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The setup page keeps the token's labels (never the PIN) once the key opened with it."""
    for name in ("MODULE", "TOKEN", "KEY"):
        monkeypatch.delenv(f"TONGHOP_PKCS11_{name}", raising=False)
    site = tmp_path / "du-lieu"
    settings.DATA_DIR = site
    client = world.client_for(world.thach)  # the head manages the office
    for bad, says in (
        ({"token-pin": "000000"}, "PIN"),
        ({"token-key": "orphan"}, "không có khóa và chứng thư"),
        ({"token-token": "khong-co"}, "thiết bị ký số"),
        ({"token-module": "/usr/lib/khong-co.so"}, "PKCS#11"),
        ({"token-module": "libsofthsm2.so"}, ""),
    ):
        answer = _choose(client, **bad)
        assert answer.status_code == 400 and says in answer.content.decode()
    assert not (site / "pki" / "tonghop-pkcs11.json").exists()
    assert not setup_opens(client, "head")
    assert _choose(client).status_code == 302
    saved = (site / "pki" / "tonghop-pkcs11.json").read_text(encoding="utf-8")
    assert PIN not in saved
    assert key_from_environment("TONGHOP", Path("x.p12")) == TokenKey(MODULE, LABEL, "head")
    assert setup_opens(client, "head")
