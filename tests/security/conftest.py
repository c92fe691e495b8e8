"""An administrator of the office, for the security tests."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, World
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
