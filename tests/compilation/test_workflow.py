"""The consolidated report's life: drafting → ready → submitted → returned | issued → sent, each
step through one action, under a lock, against the version the page was drawn from."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.compilation.test_issue import PASS, _draft, _draft_again, _ready, key
from tests.conftest import World, sign_and_issue
from tests.reminders import conftest as smtp
from tests.reminders.conftest import Inbox
from tonghop.audit.models import Action, AuditEvent
from tonghop.compilation import actions
from tonghop.compilation.models import (
    TRANSITIONS,
    Compilation,
    CompilationState,
    CompilationStatus,
    CompilationStep,
)
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.portal.actions import save_news
from tonghop.portal.models import NewsItem
from tonghop.reminders.delivery import deliver_queued

__all__ = ["key", "smtp"]  # fixtures, used by name


def _outgoing_numbers() -> list[int | None]:
    return list(
        Document.objects.filter(direction=Direction.OUTGOING)
        .order_by("register_number")
        .values_list("register_number", flat=True)
    )


def test_the_worker_never_undoes_an_issued_report(
    world_tx: World, key: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drawing requested by changed words is held between its rendering and its save; a
    newer drawing finishes, the head issues; then the held one resumes. It must not write back
    the row it read before: the report stays issued with one number in the register."""
    world = world_tx
    compilation = _ready(world)
    # The words change twice: two drawings are requested; the worker is driven by hand below.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    actions.update_words(world.lan, compilation, "Lần một.", "")
    actions.update_words(world.lan, compilation, "Lần hai.", "")
    rendered, release = threading.Event(), threading.Event()
    real_render = actions.render
    held: list[threading.Thread] = []

    def slow_render(*args: Any, **kwargs: Any) -> actions.Rendered:
        result = real_render(*args, **kwargs)
        if threading.current_thread() in held:
            rendered.set()
            assert release.wait(60), "the test never released the held drawing"
        return result

    monkeypatch.setattr(actions, "render", slow_render)
    errors: list[BaseException] = []

    def old_drawing() -> None:
        try:
            actions.run(Compilation.objects.get(pk=compilation.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=old_drawing)
    held.append(worker)
    worker.start()
    try:
        assert rendered.wait(60), "the held drawing never rendered"
        newer = actions.run(Compilation.objects.get(pk=compilation.pk))
        assert newer.state == CompilationState.READY
        actions.submit_for_signature(world.lan, compilation.pk)
        issued = sign_and_issue(world, compilation.pk, passphrase=PASS)
        assert issued.document is not None
    finally:
        release.set()
        worker.join(60)
    assert errors == []
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.ISSUED
    assert compilation.document_id == issued.document.pk
    assert compilation.signed_pdf and compilation.issued_at is not None
    assert _outgoing_numbers() == [1]
    with pytest.raises(actions.IssueRefused):
        sign_and_issue(world, compilation.pk, passphrase=PASS)
    assert _outgoing_numbers() == [1]


def test_a_drawing_of_a_report_that_moved_on_is_dropped(world: World) -> None:
    compilation = _draft(world)
    before = compilation.version
    Compilation.objects.filter(pk=compilation.pk).update(status=CompilationStatus.QUEUED)
    actions.run(compilation)
    compilation.refresh_from_db()
    assert (compilation.state, compilation.version) == (CompilationState.SUBMITTED, before)


def test_a_second_issue_of_the_campaign_is_refused(world: World, key: Path) -> None:
    first = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    assert first.document is not None
    second = _draft_again(world)
    with pytest.raises(actions.IssueRefused, match=r"01/BC-VHKHTT.*đính chính"):
        sign_and_issue(world, second.pk, passphrase=PASS)
    with pytest.raises(actions.IssueRefused, match="lý do"):
        sign_and_issue(world, second.pk, passphrase=PASS, correction=True)
    assert _outgoing_numbers() == [1]
    second.refresh_from_db()
    assert second.state == CompilationState.SUBMITTED and second.document is None
    # The database refuses it too, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Compilation.objects.filter(pk=second.pk).update(state=CompilationState.ISSUED)
    corrected = sign_and_issue(
        world,
        second.pk,
        passphrase=PASS,
        correction=True,
        correction_reason="Sửa số liệu của xã An Phú",
    )
    assert corrected.correction and corrected.state == CompilationState.ISSUED
    assert _outgoing_numbers() == [1, 2]
    event = AuditEvent.objects.filter(action=Action.ISSUE).order_by("pk").last()
    assert event is not None and event.actor == world.hang
    assert event.details["correction"] is True
    assert event.details["reason"] == "Sửa số liệu của xã An Phú"
    assert event.details["corrects"] == "01/BC-VHKHTT"


def test_a_correction_needs_a_report_to_correct(world: World, key: Path) -> None:
    compilation = _draft(world)
    with pytest.raises(actions.IssueRefused):
        sign_and_issue(
            world, compilation.pk, passphrase=PASS, correction=True, correction_reason="x"
        )
    assert _outgoing_numbers() == []


def test_a_stale_version_is_refused(world: World, key: Path) -> None:
    compilation = _ready(world)
    opened = compilation.version
    actions.submit_for_signature(world.lan, compilation.pk, expected_version=opened)
    with pytest.raises(actions.StaleCompilation):
        actions.return_to_specialist(world.thach, compilation.pk, "Sửa", expected_version=opened)
    with pytest.raises(actions.StaleCompilation):
        sign_and_issue(world, compilation.pk, passphrase=PASS, expected_version=opened)
    assert _outgoing_numbers() == []
    client = world.client_for(world.thach)
    url = reverse("compilation:sign", args=[world.campaign.slug, compilation.uid])
    for version in (str(opened), "abc"):
        page = client.get(client.post(url, {"passphrase": PASS, "version": version})["Location"])
        assert "đã thay đổi" in page.content.decode()
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.SUBMITTED
    client.post(url, {"passphrase": PASS, "version": str(compilation.version)})
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.SIGNED
    # The clerk, with the page opened before the head signed, is refused too.
    clerk = world.client_for(world.hang)
    url = reverse("compilation:issue", args=[world.campaign.slug, compilation.uid])
    page = clerk.get(clerk.post(url, {"passphrase": PASS, "version": opened})["Location"])
    assert "đã thay đổi" in page.content.decode()
    assert _outgoing_numbers() == []
    clerk.post(url, {"passphrase": PASS, "version": str(compilation.version)})
    assert _outgoing_numbers() == [1]


def _put_in(compilation: Compilation, state: CompilationState) -> Compilation:
    Compilation.objects.filter(pk=compilation.pk).update(state=state, status=CompilationStatus.DONE)
    compilation.refresh_from_db()
    return compilation


def test_every_step_not_in_the_table_is_refused(world: World, key: Path) -> None:
    compilation = _ready(world)
    compilation.signed_pdf.save("x.pdf", compilation.pdf, save=True)
    steps: dict[CompilationStep, Callable[[], object]] = {
        CompilationStep.REDRAW: lambda: actions.update_words(world.lan, compilation, "a", "b"),
        CompilationStep.SUBMIT: lambda: actions.submit_for_signature(world.lan, compilation.pk),
        CompilationStep.RETURN: lambda: actions.return_to_specialist(
            world.thach, compilation.pk, "Sửa lại"
        ),
        CompilationStep.SIGN: lambda: issuing_actions.sign(
            world.thach, compilation.pk, passphrase=PASS
        ),
        CompilationStep.ISSUE: lambda: issuing_actions.issue(
            world.hang, compilation.pk, passphrase=PASS
        ),
        CompilationStep.EMAIL: lambda: actions.email_report(
            world.lan, compilation, "so@example.vn"
        ),
        CompilationStep.PUBLISH: lambda: save_news(
            world.lan, compilation, title="t", summary="s", body="", publish=True
        ),
    }
    for state in CompilationState:
        for step, call in steps.items():
            if (state, step) in TRANSITIONS:
                continue
            _put_in(compilation, state)
            with pytest.raises(actions.IssueRefused):
                call()
            compilation.refresh_from_db()
            assert compilation.state == state, (state, step)
    assert _outgoing_numbers() == []
    assert not NewsItem.objects.filter(published_at__isnull=False).exists()


def test_the_head_returns_the_report_and_the_specialist_sees_why(world: World) -> None:
    compilation = _draft(world)
    with pytest.raises(actions.CompileNotAllowed):
        actions.return_to_specialist(world.lan, compilation.pk, "Tự trả")
    with pytest.raises(actions.IssueRefused):
        actions.return_to_specialist(world.thach, compilation.pk, "   ")
    client = world.client_for(world.thach)
    url = reverse("compilation:return", args=[world.campaign.slug, compilation.uid])
    client.post(url, {"comment": "Bổ sung số liệu xã Bình Minh.", "version": compilation.version})
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.RETURNED
    page = world.client_for(world.lan).get(
        reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    )
    body = page.content.decode()
    assert "Bổ sung số liệu xã Bình Minh." in body
    assert "Lãnh đạo trả lại" in body
    assert 'id="submit-for-signature"' in body
    event = AuditEvent.objects.get(action=Action.RETURN)
    assert (
        event.actor == world.thach and event.details["comment"] == "Bổ sung số liệu xã Bình Minh."
    )
    assert event.object_id == str(compilation.pk)


def test_the_page_shows_the_state_and_the_buttons_for_it(world: World) -> None:
    compilation = _ready(world)
    url = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    body = world.client_for(world.lan).get(url).content.decode()
    assert "Sẵn sàng trình ký" in body and 'id="submit-for-signature"' in body
    assert 'id="issue"' not in body
    world.client_for(world.lan).post(
        reverse("compilation:submit", args=[world.campaign.slug, compilation.uid]),
        {"version": compilation.version},
    )
    head_page = world.client_for(world.thach).get(url).content.decode()
    assert "Đã trình ký" in head_page
    assert 'id="sign"' in head_page and 'id="return"' in head_page
    assert 'id="issue"' not in head_page
    assert 'id="submit-for-signature"' not in head_page
    event = AuditEvent.objects.get(action=Action.SUBMIT_FOR_SIGNATURE)
    assert event.actor == world.lan and event.details == {"from": "ready", "to": "submitted"}
    # Someone of another office sees nothing and changes nothing.
    outsider = world.client_for(world.tu)
    submit_url = reverse("compilation:submit", args=[world.campaign.slug, compilation.uid])
    assert outsider.get(url).status_code == 404
    assert outsider.post(submit_url).status_code == 404


_smtp_server = smtp._smtp_server
inbox = smtp.inbox


def test_issue_email_and_publish_are_recorded(world: World, key: Path, inbox: Inbox) -> None:
    compilation = _draft(world)
    sign_and_issue(world, compilation.pk, passphrase=PASS, today=dt.date(2026, 11, 26))
    queued = actions.email_report(world.lan, compilation, "so@example.vn")
    assert queued.queued and inbox.received == []
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.ISSUED  # queued, not yet gone
    deliver_queued(timezone.now() + dt.timedelta(minutes=1))
    compilation.refresh_from_db()
    assert compilation.state == CompilationState.SENT and len(inbox.received) == 1
    item = save_news(
        world.lan, compilation, title="Kết quả", summary="Tóm tắt", body="", publish=True
    )
    signing = AuditEvent.objects.get(action=Action.SIGN)
    assert signing.actor == world.thach
    assert (signing.details["from"], signing.details["to"]) == ("submitted", "signed")
    issue = AuditEvent.objects.get(action=Action.ISSUE)
    assert issue.actor == world.hang
    assert issue.details["reference"] == "01/BC-VHKHTT"
    assert (issue.details["from"], issue.details["to"]) == ("signed", "issued")
    email = AuditEvent.objects.get(action=Action.EMAIL)
    assert email.actor == world.lan and email.details["to"] == "so@example.vn"
    publish = AuditEvent.objects.get(action=Action.PUBLISH)
    assert publish.actor == world.lan and publish.details["published"] is True
    assert publish.object_id == str(item.pk)
    page = world.client_for(world.lan).get(
        reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    )
    assert "Đã gửi" in page.content.decode()
