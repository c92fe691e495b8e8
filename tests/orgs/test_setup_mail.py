"""The office's SMTP server set on /setup/: saved only once a test message really went through
a real SMTP server (aiosmtpd, asking for a password), then used by the outbox for every email
in place of the environment's settings."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.urls import reverse

from tests.conftest import World
from tests.reminders.conftest import Inbox, _free_port
from tests.security.twofactor_app import vi
from tonghop.audit.models import AuditEvent
from tonghop.orgs.models import User
from tonghop.outbox import smtp
from tonghop.outbox.models import Message, MessageKind
from tonghop.reminders import accounts

SECRET = "mat-khau-smtp-2026"
# The test server asks for a password without TLS, which aiosmtpd warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"vhkhtt@dongson.gov.vn"
        and data.password == SECRET.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def office_server() -> Iterator[tuple[Inbox, int]]:
    """The office's own SMTP server: it asks for a user name and password."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def site(settings: Any, tmp_path: Path) -> Path:
    """An install whose environment points at a server nobody answers on."""
    settings.DATA_DIR = tmp_path / "du-lieu"
    settings.DATA_DIR.mkdir(mode=0o700)
    settings.MAILERS = {
        "default": {
            "BACKEND": smtp.BACKEND,
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "tonghop@localhost"
    settings.SITE_URL = "https://baocao.example.gov.vn"
    path: Path = settings.DATA_DIR
    return path


def _fields(port: int, **changes: str) -> dict[str, str]:
    return {
        "smtp-host": "127.0.0.1",
        "smtp-port": str(port),
        "smtp-security": "none",
        "smtp-username": "vhkhtt@dongson.gov.vn",
        "smtp-password": SECRET,
        "smtp-from_address": "vhkhtt@dongson.gov.vn",
        "smtp-test_address": "quan@vhkhtt.example.vn",
        "save-smtp": "1",
        **changes,
    }


def test_smtp_settings_are_saved_only_after_a_test_message_went(
    world: World, admin: User, site: Path, office_server: tuple[Inbox, int]
) -> None:
    inbox, port = office_server
    client = world.client_for(admin)
    url = reverse("setup:office")
    assert 'id="smtp-form"' in client.get(url).content.decode()
    # A wrong password: the server's answer shown, nothing saved.
    refused = client.post(url, _fields(port, **{"smtp-password": "sai"}))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "535" in page
    assert vi("The test message was not sent, nothing is saved: %(error)s").split("%")[0] in page
    assert not smtp.settings_path().exists()
    assert Message.objects.get(kind=MessageKind.MAIL_TEST).status == "failed"
    # No server on that port: the same.
    nobody = client.post(url, _fields(_free_port()))
    assert nobody.status_code == 400 and not smtp.settings_path().exists()
    # Hostile and malformed input: refused by the form, nothing saved.
    for bad in (
        {"smtp-host": "mail.example.vn\r\nRCPT TO:<x@y>"},
        {"smtp-port": "70000"},
        {"smtp-security": "plain"},
        {"smtp-from_address": "khong-phai-email"},
        {"smtp-host": "x" * 300},
    ):
        assert client.post(url, _fields(port, **bad)).status_code == 400
    assert not smtp.settings_path().exists() and inbox.received == []
    # Right: the test message goes, then the settings are saved, private to the account.
    saved = client.post(url, _fields(port))
    assert saved.status_code == 302
    assert len(inbox.to("quan@vhkhtt.example.vn")) == 1
    mode = stat.S_IMODE(smtp.settings_path().stat().st_mode)
    assert mode == 0o600
    assert SECRET in smtp.settings_path().read_text(encoding="utf-8")
    event = AuditEvent.objects.get(details__change="smtp")
    assert SECRET not in str(event.details)
    page = client.get(url).content.decode()
    assert SECRET not in page and 'data-status="sent"' in page
    # The outbox now sends through them, from the saved address, though the environment's
    # server does not answer.
    accounts.queue_test_message("hoa@anphu.example.vn", world.office.name)
    accounts.deliver_soon()
    delivered = inbox.to("hoa@anphu.example.vn")
    assert len(delivered) == 1 and delivered[0]["From"] == "vhkhtt@dongson.gov.vn"
    # Saved again without the password: the saved one is kept (it is never shown back).
    again = client.post(url, _fields(port, **{"smtp-password": ""}))
    assert again.status_code == 302
    found = smtp.saved()
    assert found is not None and found.password == SECRET


def test_a_refusing_server_saves_nothing_as_working(
    world: World, admin: User, inbox: Inbox, settings: Any, tmp_path: Path
) -> None:
    port = int(settings.MAILERS["default"]["OPTIONS"]["port"])  # the session's aiosmtpd
    settings.DATA_DIR = tmp_path
    settings.MAILERS = {
        "default": {"BACKEND": smtp.BACKEND, "OPTIONS": {"host": "127.0.0.1", "port": 1}}
    }
    inbox.refuse = True
    client = world.client_for(admin)
    answer = client.post(
        reverse("setup:office"), _fields(port, **{"smtp-username": "", "smtp-password": ""})
    )
    assert answer.status_code == 400 and "550" in answer.content.decode()
    assert smtp.saved() is None and not smtp.settings_path().exists()
    page = client.get(reverse("setup:office")).content.decode()
    assert 'data-status="failed"' in page


def test_only_the_offices_managers_set_the_mail(
    world: World, admin: User, site: Path, office_server: tuple[Inbox, int]
) -> None:
    inbox, port = office_server
    for user in (world.lan, world.hoa, world.tu):
        answer = world.client_for(user).post(reverse("setup:office"), _fields(port))
        assert answer.status_code == 404
    assert not smtp.settings_path().exists() and inbox.received == []
