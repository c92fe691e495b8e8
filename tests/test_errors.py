"""One root for every refusal (tonghop.errors), turned into what the person sees in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django.test import Client

import tonghop
from tests.conftest import World
from tonghop import errors

SENTENCE = "Đơn vị này đã nộp báo cáo; không thay đổi gì."


@pytest.fixture
def refusing(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.refusal_urls"


def _modules() -> list[Any]:
    found = []
    for info in pkgutil.walk_packages(tonghop.__path__, "tonghop."):
        if ".migrations" in info.name or info.name.endswith(("__main__", "wsgi")):
            continue
        found.append(importlib.import_module(info.name))
    return found


def test_every_refusal_of_the_packages_has_the_one_root() -> None:
    # Not refusals to a person: a damaged seal, a file gone from the storage, a partner's
    # server that failed or refused a delivery are matters between servers.
    internal = {"SealError", "AttachmentGone", "DeliveryFailed", "DeliveryRefused"}
    strays = sorted(
        f"{cls.__module__}.{name}"
        for module in _modules()
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and issubclass(cls, Exception)
        and not issubclass(cls, errors.Refused)
        and name not in internal
    )
    assert strays == []


@pytest.mark.parametrize(
    ("kind", "status"), [("stale", 409), ("not-allowed", 403), ("invalid", 422)]
)
def test_a_refusal_a_view_lets_through_is_a_message_on_the_page_it_came_from(
    world: World, refusing: None, kind: str, status: int
) -> None:
    client = world.client_for(world.lan)
    response = client.post(f"/refuse/{kind}/", HTTP_REFERER="http://testserver/campaigns/")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/campaigns/"
    page = client.get(response["Location"]).content.decode()
    assert SENTENCE in page
    # A script gets the sentence as JSON, with the kind's status.
    answer = client.post(f"/refuse/{kind}/", HTTP_ACCEPT="application/json")
    assert answer.status_code == status
    assert answer.json() == {"error": SENTENCE}
    # Reading a page that refuses shows the sentence, in the site's layout.
    shown = client.get(f"/refuse/{kind}/")
    assert shown.status_code == status
    assert SENTENCE in shown.content.decode() and 'id="refused"' in shown.content.decode()


def test_a_referer_of_another_site_is_never_followed(world: World, refusing: None) -> None:
    client = world.client_for(world.lan)
    response = client.post("/refuse/stale/", HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 302
    assert response["Location"] == "/refuse/stale/"


def test_a_refusal_is_never_a_server_error_even_signed_out(refusing: None) -> None:
    response = Client().post("/refuse/invalid/", HTTP_ACCEPT="application/json")
    assert response.status_code == 422
