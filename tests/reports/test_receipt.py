"""The receipt of a submission: a number, the time, on screen and by email (real SMTP)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import task_backends
from django.urls import reverse

from tests.conftest import VN, World
from tests.reminders import conftest as smtp
from tests.reminders.conftest import Inbox
from tests.reports.test_attachments import english, pdf, png
from tonghop.outbox.models import Message, MessageKind, MessageStatus
from tonghop.outbox.queue import MAX_ATTEMPTS
from tonghop.reminders.delivery import deliver_queued
from tonghop.reports import actions, attachments, receipts
from tonghop.reports.models import ReceiptMail, ReportVersion, State

# The reminders' real SMTP server (aiosmtpd), and a server that accepts and never answers.
_smtp_server = smtp._smtp_server
inbox = smtp.inbox
silent_smtp = smtp.silent_smtp

NUMBER = re.compile(r"^BN-(\d{4})-(\d{6})$")


def number(version: ReportVersion) -> str:
    assert version.receipt_number is not None
    return version.receipt_number


def submit(world: World, assignment: Any, user: Any, **values: Any) -> ReportVersion:
    assignment.refresh_from_db()
    actions.save_report(
        user,
        assignment.pk,
        {"pano": 12, "luot_nguoi": 300, **values},
        "Đã treo 12 pano tại trụ sở.",
        expected_version=assignment.version,
        submit=True,
    )
    return ReportVersion.objects.filter(report__assignment=assignment).latest("number")


def test_each_submission_gets_its_own_number(world: World) -> None:
    first = submit(world, world.a_an_phu, world.hoa)
    world.a_an_phu.refresh_from_db()
    actions.return_report(
        world.lan, world.a_an_phu.pk, "Bổ sung ảnh", expected_version=world.a_an_phu.version
    )
    second = submit(world, world.a_an_phu, world.hoa, pano=13)
    third = submit(world, world.a_binh_minh, world.nam)
    numbers = [v.receipt_number for v in (first, second, third)]
    assert len(set(numbers)) == 3
    for version in (first, second, third):
        assert version.receipt_number is not None
        match = NUMBER.match(version.receipt_number)
        assert match, version.receipt_number
        assert int(match.group(1)) == version.created_at.astimezone(VN).year
        assert int(match.group(2)) == version.pk


def test_the_year_is_the_submissions_in_vietnam_time() -> None:
    # 17:30 UTC on 31 December is already the new year in Vietnam.
    moment = dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC)
    assert receipts.receipt_number(123, moment) == "BN-2026-000123"
    assert receipts.receipt_number(1234567, moment) == "BN-2026-1234567"


def test_the_number_and_time_are_shown_after_submitting(world: World) -> None:
    client = english(world.client_for(world.hoa))
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    response = client.post(url, {"version": 0, "action": "submit", "pano": "5", "narrative": ""})
    assert response.status_code == 302
    version = ReportVersion.objects.get()
    page = client.get(url).content.decode()
    time = version.created_at.astimezone(VN).strftime("%H:%M %d/%m/%Y")
    assert f"Receipt no. {version.receipt_number} at {time}" in page
    assert 'id="submission-receipt"' in page
    # The history shows it too, and the office's review page.
    assert f"receipt {version.receipt_number}" in page[page.index('id="versions"') :]
    review = world.client_for(world.lan).get(
        reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    )
    assert number(version) in review.content.decode()


def test_the_receipt_is_emailed_to_the_reporter_and_the_unit(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    world.hoa.email = "hoa@anphu.gov.vn"
    world.hoa.save()
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()
    attachments.add_attachment(
        world.hoa, world.a_an_phu.pk, SimpleUploadedFile("Ảnh pano.png", png())
    )
    attachments.add_attachment(
        world.hoa, world.a_an_phu.pk, SimpleUploadedFile("Báo cáo ký số.pdf", pdf())
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = submit(world, world.a_an_phu, world.hoa, ty_le="2,5")
    assert len(callbacks) == 1
    # One message of the outbox per address, each logged with the version it is about.
    assert sorted(rcpt for rcpt, _message in inbox.received) == [
        ["hoa@anphu.gov.vn"],
        ["ubnd@anphu.gov.vn"],
    ]
    [message] = inbox.to("hoa@anphu.gov.vn")
    assert number(version) in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    body = inbox.body(message)
    assert number(version) in body
    assert "UBND xã An Phú" in body and world.campaign.title in body
    assert "Pano đã treo: 12 cái" in body
    assert "Lượt người tham gia: 300 lượt" in body
    assert "Tỷ lệ: 2,5 %" in body
    assert "Ảnh pano.png" in body and "Báo cáo ký số.pdf" in body
    assert "Trần Thị Hoa" in body
    assert f"/reports/{world.a_an_phu.pk}/" in body
    assert version.created_at.astimezone(VN).strftime("%H:%M %d/%m/%Y") in body
    logged = Message.objects.filter(kind=MessageKind.RECEIPT, object_id=version.pk)
    assert {m.status for m in logged} == {MessageStatus.SENT} and logged.count() == 2
    assert receipts.mail_state(version) == ReceiptMail.SENT
    assert receipts.sent_to(version) == "hoa@anphu.gov.vn, ubnd@anphu.gov.vn"
    # Delivered once: queueing it again (a retried task) and another run send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert receipts.queue_receipt(version.pk) == 0
    deliver_queued()
    assert len(inbox.received) == 2 and logged.count() == 2


def test_the_receipt_waits_in_the_outbox_for_the_delivery_run(
    world: World, settings: Any, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    """The submission only queues; the worker's delivery run sends."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()
    with django_capture_on_commit_callbacks(execute=True):
        version = submit(world, world.a_an_phu, world.hoa)
    assert inbox.received == []
    assert receipts.mail_state(version) == ReceiptMail.PENDING
    [queued] = task_backends["default"].results  # type: ignore[attr-defined]
    assert queued.task.name == "deliver_reminders"
    assert deliver_queued().sent == 1
    [(rcpt, message)] = inbox.received
    assert rcpt == ["ubnd@anphu.gov.vn"] and number(version) in message["Subject"]
    assert receipts.mail_state(version) == ReceiptMail.SENT


def test_a_mail_server_that_is_down_does_not_lose_the_submission(
    world: World, silent_smtp: int, django_capture_on_commit_callbacks: Any
) -> None:
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()
    client = english(world.client_for(world.hoa))
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"version": 0, "action": "submit", "pano": "7"})
    assert response.status_code == 302
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.SUBMITTED
    version = ReportVersion.objects.get()
    assert version.receipt_number and version.values["pano"] == 7
    [message] = receipts.messages(version)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "timed out" in message.last_error.lower()
    # The worker's next runs try again: the page says so.
    assert receipts.mail_state(version) == ReceiptMail.RETRYING
    page = client.get(url).content.decode()
    assert number(version) in page
    assert 'data-state="retrying"' in page and "it will be tried again" in page


def test_a_failed_receipt_is_tried_again_later(
    world: World, settings: Any, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    """A failure is tried again by the delivery run after 5 minutes, then 10."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()
    inbox.refuse = True
    start = dt.datetime(2030, 4, 20, 8, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        version = submit(world, world.a_an_phu, world.hoa)
    assert deliver_queued(start).retried == 1
    [message] = receipts.messages(version)
    assert message.attempts == 1 and "550" in message.last_error
    assert message.next_attempt_at == start + dt.timedelta(minutes=5)
    assert receipts.mail_state(version) == ReceiptMail.RETRYING
    # Not due yet: nothing is tried.
    assert not deliver_queued(start + dt.timedelta(minutes=4))
    assert deliver_queued(start + dt.timedelta(minutes=5)).retried == 1
    message.refresh_from_db()
    assert message.next_attempt_at == start + dt.timedelta(minutes=15)
    # The server is back: the next attempt goes through.
    inbox.refuse = False
    assert deliver_queued(start + dt.timedelta(minutes=15)).sent == 1
    assert len(inbox.received) == 1
    message.refresh_from_db()
    assert message.attempts == 3 and message.status == MessageStatus.SENT
    assert receipts.mail_state(version) == ReceiptMail.SENT


def test_after_the_last_attempt_it_is_reported_failed(
    world: World, settings: Any, inbox: Inbox
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()
    inbox.refuse = True
    version = submit(world, world.a_an_phu, world.hoa)
    moment = dt.datetime(2030, 4, 20, 8, 0, tzinfo=dt.UTC)
    for _attempt in range(MAX_ATTEMPTS):
        deliver_queued(moment)
        moment += dt.timedelta(days=1)
    [message] = receipts.messages(version)
    assert message.status == MessageStatus.FAILED and message.attempts == MAX_ATTEMPTS
    assert receipts.mail_state(version) == ReceiptMail.FAILED
    # No further attempt after the last; the office is told in the app.
    assert not deliver_queued(moment + dt.timedelta(days=1))
    assert world.lan.notifications.filter(message=message).exists()


def test_a_unit_without_any_address_is_told_so(world: World, inbox: Inbox) -> None:
    version = submit(world, world.a_an_phu, world.hoa)
    assert receipts.messages(version) == []
    deliver_queued()
    version.refresh_from_db()
    assert receipts.mail_state(version) == ReceiptMail.NO_ADDRESS
    assert inbox.received == []


def test_a_submission_through_the_personal_link_is_receipted_to_the_unit(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    from tonghop.reports.links.actions import issue_link, save_via_link

    world.binh_minh.email = "ubnd@binhminh.gov.vn"
    world.binh_minh.save()
    link, _path = issue_link(world.a_binh_minh, by=world.lan)
    with django_capture_on_commit_callbacks(execute=True):
        save_via_link(link, {"pano": 3}, "", expected_version=0, submit=True)
    [(rcpt, message)] = inbox.received
    assert rcpt == ["ubnd@binhminh.gov.vn"]
    version = ReportVersion.objects.get()
    assert version.created_by is None
    assert number(version) in inbox.body(message)


def test_with_the_database_queue_the_receipt_is_part_of_the_submission(
    world: World, settings: Any
) -> None:
    """Queued inside the submission's transaction, in the outbox and the task queue: undone
    with it, there with it, and written before anything runs after commit (no receipt for a
    lost submission)."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    world.an_phu.email = "ubnd@anphu.gov.vn"
    world.an_phu.save()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        submit(world, world.a_an_phu, world.hoa)
        assert DBTaskResult.objects.count() == 1
        raise Undo
    assert not ReportVersion.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not Message.objects.exists()
    # No on-commit callback is run here (the test's transaction never commits): the row is
    # there all the same, written with the version it names.
    version = submit(world, world.a_an_phu, world.hoa)
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "tonghop.reminders.tasks.deliver_reminders"
    [message] = receipts.messages(version)
    assert message.status == MessageStatus.QUEUED


def test_a_failed_submission_gets_no_receipt(world: World) -> None:
    with pytest.raises(actions.InvalidValues):
        submit(world, world.a_an_phu, world.hoa, pano="")
    assert not ReportVersion.objects.exists()


def test_concurrent_submissions_never_share_a_number(world_tx: World, settings: Any) -> None:
    """Units submitting at the same instant, each in its own connection and transaction."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    world = world_tx
    people = [(world.a_an_phu, world.hoa), (world.a_binh_minh, world.nam)]
    from tonghop.orgs.models import Membership, Role

    Membership.objects.create(user=world.hoa, unit=world.school, role=Role.REPORTER)
    people.append((world.a_school, world.hoa))
    barrier = threading.Barrier(len(people))
    failures: list[BaseException] = []

    def run(assignment: Any, user: Any) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            actions.save_report(
                user, assignment.pk, {"pano": 1}, "", expected_version=0, submit=True
            )
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    numbers = list(ReportVersion.objects.values_list("receipt_number", flat=True))
    assert len(numbers) == 3 and len(set(numbers)) == 3
    assert all(NUMBER.match(str(n)) for n in numbers)
