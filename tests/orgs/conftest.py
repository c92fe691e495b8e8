"""The office's administrator, and the reminders' real SMTP server (aiosmtpd): invitations and
password-reset links go through the same outbox."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, World
from tonghop.orgs.models import Membership, Role, User


@pytest.fixture
def admin(world: World) -> User:
    """Quản, the office's administrator (not a superuser)."""
    user = User.objects.create_user(
        username="quan", password=PASSWORD, full_name="Vũ Văn Quản", email="quan@vhkhtt.example.vn"
    )
    Membership.objects.create(user=user, unit=world.office, role=Role.ADMIN)
    return user


from tests.reminders.conftest import _smtp_server, inbox  # noqa: E402, F401
