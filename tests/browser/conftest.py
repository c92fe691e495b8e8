"""The reminders' real SMTP server (aiosmtpd), for the browser tests that follow emailed links."""

from tests.reminders.conftest import _smtp_server, inbox  # noqa: F401
