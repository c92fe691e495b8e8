"""The SMTP server the office set on its setup page, kept in the data folder.

The environment (TONGHOP_SMTP_*) gives the first settings; once an administrator saves others on
/setup/ (only after a test message really went through them), they take precedence: the
``OfficeSMTPBackend`` of settings.MAILERS reads them each time a connection is made, so a change
needs no restart. The file is private to the account that runs tonghop (it holds the SMTP
password), and is never shown back on a page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from tonghop import datadir

log = logging.getLogger(__name__)

SECURITY = ("none", "starttls", "ssl")
BACKEND = "tonghop.outbox.smtp.OfficeSMTPBackend"
TIMEOUT = 20


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str = ""
    password: str = ""
    security: str = "none"  # one of SECURITY
    from_address: str = ""

    def options(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "use_tls": self.security == "starttls",
            "use_ssl": self.security == "ssl",
        }


def settings_path() -> Path:
    return Path(settings.DATA_DIR) / "smtp.json"


def saved() -> SmtpSettings | None:
    """The settings saved on the setup page, or None (then the environment's are used)."""
    path = settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = SmtpSettings(
            host=str(raw["host"]),
            port=int(raw["port"]),
            username=str(raw.get("username", "")),
            password=str(raw.get("password", "")),
            security=str(raw.get("security", "none")),
            from_address=str(raw.get("from_address", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A damaged file must not stop the mail: the environment's settings still work.
        log.warning("the saved SMTP settings %s are unreadable and ignored: %s", path, exc)
        return None
    return found if found.security in SECURITY else None


def save(values: SmtpSettings) -> None:
    path = settings_path()
    datadir.make_folder(path.parent)
    datadir.write_private(path, json.dumps(asdict(values), ensure_ascii=False).encode("utf-8"))


def in_use() -> bool:
    """True when the site's mailer is the one that reads the saved settings."""
    return bool(settings.MAILERS.get("default", {}).get("BACKEND") == BACKEND)


def from_address() -> str:
    """The sender of every email: the saved one when the saved settings are in use."""
    found = saved() if in_use() else None
    if found is not None and found.from_address:
        return found.from_address
    return str(settings.DEFAULT_FROM_EMAIL)


def send_test(values: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send one message through ``values`` now, not through the queue: raises what the server
    or the network answered (smtplib.SMTPException, OSError) when it does not go."""
    backend = EmailBackend(alias="setup-test", timeout=TIMEOUT, **values.options())
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=values.from_address or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    sent = backend.send_messages([message])
    if sent != 1:
        raise OSError("the server took no message")


class OfficeSMTPBackend(EmailBackend):
    """Django's SMTP backend, with the settings saved on the setup page over the environment's."""

    def __init__(self, **kwargs: Any) -> None:
        found = saved()
        if found is not None:
            kwargs.update(found.options())
        super().__init__(**kwargs)
