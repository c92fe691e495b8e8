"""The reminder tests' real SMTP server, for the directive sent with a personal link."""

from tests.reminders.conftest import _smtp_server, inbox  # noqa: F401
