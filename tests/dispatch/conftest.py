"""tonghop.dispatch is pure Python: its tests run without Django's settings or database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    # Replaces the project-wide autouse fixture, which needs pytest-django's `settings`.
    yield
