"""An administrator of the office, a clock and a specialist with two-step verification on, for
the security tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, World
from tests.security.twofactor_app import Clock, turn_on
from tonghop.orgs.models import Membership, Role, User


@pytest.fixture
def admin(world: World) -> User:
    """Quản, the office's administrator (not a superuser): reads the audit log of the office."""
    user = User.objects.create_user(username="quan", password=PASSWORD, full_name="Vũ Văn Quản")
    Membership.objects.create(user=user, unit=world.office, role=Role.ADMIN)
    return user


@pytest.fixture
def superuser(world: World) -> User:
    return User.objects.create_superuser(
        username="root", password=PASSWORD, email="root@example.org", full_name="Quản trị"
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def lan_on(world: World) -> tuple[Any, list[str]]:
    """Lan, the specialist, with two-step verification on: her device and backup codes."""
    return turn_on(world.lan)


# The reminders' real SMTP server (aiosmtpd): sign-in codes and lock alerts go through the same
# outbox.
from tests.reminders.conftest import _smtp_server, inbox  # noqa: E402, F401
