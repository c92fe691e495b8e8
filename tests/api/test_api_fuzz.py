"""The API fuzzed from its own OpenAPI schema (schemathesis): for every operation, generated
parameters, valid and not, sent with a real token to the real application (WSGI). No answer may
be a server error, and every answer must be one the schema declares, in its declared shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.conftest import World
from tonghop.api import tokens
from tonghop.reports import actions
from tonghop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The token of the test under way; schemathesis sends it, and leaves it out itself where it
# checks that a request without one is refused.
_TOKEN: dict[str, str] = {}


@schema.auth(refresh_interval=None, retry_on=[])
class _Bearer:
    def get(self, case: Any, context: Any) -> str:
        return _TOKEN.get("text", "thk_not-yet")  # asked once while the tests are collected

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Requests through the WSGI application itself would close the test's connection at their
    end (Django's test client holds back the same signal handlers while it runs a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["lan", "hoa"])
def holder(request: Any, world: World, in_test_transaction: None) -> dict[str, str]:
    """Lan (the office) reads everything; Hoa (An Phú's reporter) may also write its report."""
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 3}, "Đã treo pano.", expected_version=0, submit=True
    )
    _TOKEN["text"] = tokens.issue_token(getattr(world, request.param), "fuzz")[1]
    return _TOKEN


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_word(case: Any, holder: dict[str, str]) -> None:
    case.call_and_validate()
