"""The intake page marks the fields the parser trusts least, for the clerk to check."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.documents.models import Document, IntakeStatus
from tonghop.orgs.models import Unit

CRAFT = Path(__file__).resolve().parents[1] / "dispatch" / "craft"


def _upload(client: Client, name: str, capture: Callable[..., Any]) -> Document:
    with capture(execute=True):
        client.post(
            reverse("documents:upload"),
            {
                "file": SimpleUploadedFile(name, (CRAFT / name).read_bytes()),
                "office": Unit.objects.get(code="phong-vhkhtt").pk,
            },
        )
    document = Document.objects.order_by("-pk").get()
    assert document.status == IntakeStatus.READ
    return document


def _flagged(page: str) -> set[str]:
    return set(re.findall(r'class=" to-check"><label for="id_(\w+)"', page))


def test_the_doubtful_fields_are_marked_for_the_clerk(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    document = _upload(client, "signer_place.txt", django_capture_on_commit_callbacks)
    # `Lâm Đồng` below the title is the place, not the signer: no name, to be entered.
    assert document.signer_name == ""
    assert document.parsed["confidence"]["signer.name"] == 0.0
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert _flagged(page) == {"signer_name"}
    assert "cần kiểm tra" in page
    form = {
        "doc_type": "Công văn",
        "number": "1234",
        "symbol": "UBND-KGVX",
        "issuer": document.issuer,
        "issued_on": "2025-05-20",
        "subject": document.subject,
        "signer_title": "Chủ tịch",
        "signer_name": "Trần Hồng Thái",
        "received_on": "2025-05-21",
    }
    response = client.post(reverse("documents:detail", args=[document.uid]), form)
    assert response.status_code == 302
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert _flagged(page) == set()  # checked and registered: nothing left to mark
    assert "cần kiểm tra" not in page


def test_a_clean_reading_marks_nothing(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    document = _upload(client, "signer_after_stamp.txt", django_capture_on_commit_callbacks)
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert _flagged(page) == set()
    assert "cần kiểm tra" not in page


def test_people_outside_the_office_see_no_marks(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    document = _upload(
        world.client_for(world.lan), "signer_place.txt", django_capture_on_commit_callbacks
    )
    for outsider in (world.hoa, world.tu):  # a commune's reporter, another office's staff
        response = world.client_for(outsider).get(reverse("documents:detail", args=[document.uid]))
        assert response.status_code in (403, 404)
        assert "cần kiểm tra" not in response.content.decode()
