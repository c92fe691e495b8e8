"""A real SMTP server (aiosmtpd) for the reminder tests, and servers that misbehave."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the SMTP server received; `refuse` makes it answer 550 to every message."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 Message refused by policy"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.received if address in rcpt]

    def body(self, message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        content = part.get_content()
        assert isinstance(content, str)
        return content


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mailers(port: int, timeout: float = 5) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[tuple[Inbox, int]]:
    # aiosmtpd logs every SMTP command at INFO; a failing test's output needs none of it.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(_smtp_server: tuple[Inbox, int], settings: Any) -> Iterator[Inbox]:
    """A fresh inbox on the session's SMTP server, which the site's mailer now points at."""
    shared, port = _smtp_server
    with shared.lock:
        shared.received.clear()
    shared.refuse = False
    settings.MAILERS = mailers(port)
    settings.SITE_URL = "https://baocao.example.gov.vn"
    yield shared
    shared.refuse = False


@pytest.fixture
def silent_smtp(settings: Any) -> Iterator[int]:
    """A server that accepts connections and never says a word, with a short timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    port: int = listener.getsockname()[1]
    settings.MAILERS = mailers(port, timeout=0.3)
    yield port
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()
