"""A document's life: received (being read) → read | unreadable → registered → revoked, every
step through documents.actions, under a lock, checked against the table, recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.documents.test_intake import SEED, _upload
from tonghop.audit.models import Action, AuditEvent
from tonghop.documents import actions
from tonghop.documents.models import (
    DOCUMENT_TRANSITIONS,
    Direction,
    Document,
    DocumentStep,
    IntakeStatus,
)

FIELDS = {"subject": "Hưởng ứng Ngày Sáng tạo", "received_on": dt.date(2026, 11, 26)}


def _document(world: World, status: IntakeStatus, direction: str = Direction.INCOMING) -> Document:
    return Document.objects.create(
        office=world.office, direction=direction, status=status, subject="Công văn gốc"
    )


def test_reading_registering_and_revoking_are_recorded(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    _response, document = _upload(client, "cv.txt", SEED, django_capture_on_commit_callbacks)
    assert document is not None and document.status == IntakeStatus.READ
    read = AuditEvent.objects.get(action=Action.DOCUMENT_READ)
    assert read.actor is None and read.details["to"] == "read"
    registered = actions.register(world.lan, document.pk, FIELDS, expected_version=1)
    assert (registered.status, registered.register_number) == (IntakeStatus.REGISTERED, 1)
    event = AuditEvent.objects.get(action=Action.REGISTER)
    assert event.actor == world.lan and event.details["register_number"] == 1
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert 'id="revoke"' in page and "Thu hồi văn bản này" in page
    url = reverse("documents:revoke", args=[document.uid])
    assert world.client_for(world.tu).post(url, {"reason": "x"}).status_code == 404
    assert world.client_for(world.hoa).post(url, {"reason": "x"}).status_code == 404
    refused = client.get(client.post(url, {"reason": "   ", "version": "2"})["Location"])
    assert "lý do thu hồi" in refused.content.decode()
    client.post(url, {"reason": "Gửi nhầm đơn vị", "version": "2"})
    document.refresh_from_db()
    assert document.status == IntakeStatus.REVOKED
    assert document.register_number == 1 and document.revoked_reason == "Gửi nhầm đơn vị"
    revoke = AuditEvent.objects.get(action=Action.REVOKE)
    assert revoke.actor == world.lan and revoke.details["reason"] == "Gửi nhầm đơn vị"
    page = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert "Gửi nhầm đơn vị" in page and 'id="revoke"' not in page
    with pytest.raises(actions.IntakeRefused, match="thu hồi"):
        actions.edit(world.lan, document.pk, {"subject": "Sửa"})


def test_editing_an_outgoing_document_is_refused_by_the_action(world: World) -> None:
    outgoing = _document(world, IntakeStatus.REGISTERED, Direction.OUTGOING)
    with pytest.raises(actions.IntakeRefused, match="ban hành"):
        actions.edit(world.lan, outgoing.pk, {"subject": "Sửa trộm"})
    with pytest.raises(actions.IntakeRefused):
        actions.register(world.lan, outgoing.pk, {"subject": "Sửa trộm"})
    outgoing.refresh_from_db()
    assert outgoing.subject == "Công văn gốc" and outgoing.version == 0


def test_a_document_being_read_cannot_be_edited_or_registered(world: World) -> None:
    reading = _document(world, IntakeStatus.READING)
    for change in (actions.edit, actions.register):
        with pytest.raises(actions.IntakeRefused, match="đang được đọc"):
            change(world.lan, reading.pk, {"subject": "Sửa"})
    reading.refresh_from_db()
    assert reading.subject == "Công văn gốc" and reading.register_number is None


def test_a_stale_version_is_refused(world: World) -> None:
    document = _document(world, IntakeStatus.READ)
    actions.register(world.lan, document.pk, FIELDS, expected_version=0)
    with pytest.raises(actions.StaleDocument):
        actions.edit(world.lan, document.pk, {"subject": "Cũ"}, expected_version=0)
    with pytest.raises(actions.StaleDocument):
        actions.revoke(world.lan, document.pk, "Lý do", expected_version=0)
    document.refresh_from_db()
    assert (document.status, document.subject) == (IntakeStatus.REGISTERED, FIELDS["subject"])
    edited = actions.edit(world.lan, document.pk, {"subject": "Mới"}, expected_version=1)
    assert edited.subject == "Mới" and edited.register_number == 1
    event = AuditEvent.objects.get(action=Action.DOCUMENT_EDIT)
    assert event.details["fields"] == ["subject"]


def test_every_step_not_in_the_table_is_refused(world: World) -> None:
    steps: dict[DocumentStep, Callable[[int], object]] = {
        DocumentStep.REGISTER: lambda pk: actions.register(world.lan, pk, FIELDS),
        DocumentStep.EDIT: lambda pk: actions.edit(world.lan, pk, FIELDS),
        DocumentStep.REVOKE: lambda pk: actions.revoke(world.lan, pk, "Lý do"),
    }
    for state in IntakeStatus:
        for step, call in steps.items():
            document = _document(world, state)
            if (state, step) in DOCUMENT_TRANSITIONS:
                call(document.pk)
                document.refresh_from_db()
                assert document.status == DOCUMENT_TRANSITIONS[(state, step)]
                continue
            with pytest.raises(actions.IntakeRefused):
                call(document.pk)
            document.refresh_from_db()
            assert document.status == state and document.version == 0, (state, step)


def test_only_the_office_changes_its_documents(world: World) -> None:
    document = _document(world, IntakeStatus.REGISTERED)
    for person in (world.hoa, world.tu):
        with pytest.raises(actions.IntakeRefused):
            actions.revoke(person, document.pk, "Lý do")
        with pytest.raises(actions.IntakeRefused):
            actions.edit(person, document.pk, {"subject": "x"})
    with pytest.raises(actions.IntakeRefused):
        actions.revoke(world.lan, document.pk, "x" * 5000)
    document.refresh_from_db()
    assert document.status == IntakeStatus.REGISTERED and document.version == 0
