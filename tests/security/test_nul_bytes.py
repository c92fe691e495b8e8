"""A NUL byte in any query parameter a page reads: PostgreSQL refuses to compare text with one,
so a page passing it to a query would fail with a server error. Every page × every parameter
name the views read, as the office and as a reporter: no answer is a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.test_permissions import LAN, ROWS, Extra, _client

# Every name a view reads from the query string (grep request.GET), and a few a form reads.
PARAMS = (
    "q",
    "page",
    "status",
    "state",
    "sort",
    "format",
    "next",
    "log_page",
    "document",
    "copy",
    "direction",
    "backup",
    "user",
    "action",
    "username",
    "since",
    "until",
    "object_type",
)
HOSTILE = "a\x00b"


@pytest.mark.parametrize("person", [LAN, "hoa"])
def test_no_page_fails_on_a_nul_byte(world: World, settings: Any, person: str) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    extra = Extra(world)
    client = _client(world, extra, person)
    client.raise_request_exception = False  # a server error is counted, not raised
    failed = []
    for name, row in sorted(ROWS.items()):
        if row.get_only_post or person not in row.get:
            continue
        url = reverse(name, kwargs=row.kwargs(world, extra))
        response = client.get(url, {param: HOSTILE for param in PARAMS})
        if response.status_code >= 500:
            failed.append(f"{name}: {response.status_code}")
    assert failed == []


def test_a_nul_byte_typed_into_the_report_is_refused_in_vietnamese(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:autosave", args=[world.a_an_phu.pk])
    response = client.post(url, {"version": 0, "pano": "1", "khau_hieu": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["errors"]["khau_hieu"] == ["Không được chứa ký tự rỗng (NUL)."]
    form = client.post(
        reverse("reports:form", args=[world.a_an_phu.pk]),
        {"version": 0, "action": "save", "pano": "1", "narrative": "n\x00"},
    )
    assert form.status_code == 400
    assert "Không được chứa ký tự rỗng (NUL)." in form.content.decode()
    assert not world.a_an_phu.events.exists()  # nothing saved
