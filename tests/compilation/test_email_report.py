"""The compiled report goes to the body above through the outbox (real SMTP, aiosmtpd).

The request only queues; the worker's delivery run sends it, with the signed PDF attached,
tries it again after a failure, and a double request sends one message.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.storage import default_storage
from django.urls import reverse

from tests.compilation.test_issue import PASS, _draft, key
from tests.conftest import World, sign_and_issue
from tests.reminders import conftest as smtp
from tests.reminders.conftest import Inbox
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.outbox.models import Message, MessageKind, MessageStatus
from tonghop.reminders.delivery import deliver_queued

_smtp_server = smtp._smtp_server
inbox = smtp.inbox
__all__ = ["_smtp_server", "inbox", "key"]

TO = "so@example.vn"


def _issued(world: World) -> Compilation:
    return sign_and_issue(world, _draft(world).pk, passphrase=PASS)


def _url(world: World, compilation: Compilation) -> str:
    return reverse("compilation:email", args=[world.campaign.slug, compilation.uid])


def _page(world: World, compilation: Compilation) -> str:
    url = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
    return world.client_for(world.lan).get(url).content.decode()


def _outbox() -> list[Message]:
    return list(Message.objects.filter(kind=MessageKind.REPORT))


def test_the_report_waits_in_the_outbox_and_the_delivery_run_sends_it(
    world: World, key: Path, inbox: Inbox
) -> None:
    issued = _issued(world)
    client = world.client_for(world.lan)
    response = client.post(_url(world, issued), {"to": TO}, follow=True)
    assert "Đã xếp hàng để gửi đến so@example.vn." in response.content.decode()
    # The request only queued it: nothing has left, and the page does not say it was sent.
    assert inbox.received == []
    issued.refresh_from_db()
    assert issued.emailed_at is None
    [message] = _outbox()
    assert message.status == MessageStatus.QUEUED and message.recipient == TO
    assert message.created_by == world.lan and message.object_id == issued.pk
    # The PDF is referred to by its place in the storage, not copied into the database.
    assert message.files[0] == {
        "path": issued.signed_pdf.name,
        "name": "01-BC-VHKHTT.pdf",
        "type": "application/pdf",
    }
    assert 'data-email-status="queued"' in _page(world, issued)

    moment = dt.datetime(2030, 5, 6, 8, 0, tzinfo=dt.UTC)
    assert deliver_queued(moment).sent == 1
    [(rcpt, email)] = inbox.received
    assert rcpt == [TO]
    files = {part.get_filename(): part for part in email.iter_attachments()}
    assert set(files) == {"01-BC-VHKHTT.pdf", "01-BC-VHKHTT.edxml"}
    with issued.signed_pdf.open("rb") as handle:
        assert files["01-BC-VHKHTT.pdf"].get_content() == handle.read()
    assert files["01-BC-VHKHTT.pdf"].get_content_type() == "application/pdf"
    assert "01/BC-VHKHTT" in inbox.body(email)
    issued.refresh_from_db()
    assert issued.emailed_at == moment and issued.emailed_to == TO
    page = _page(world, issued)
    assert "so@example.vn · " in page and "data-email-status" not in page


def test_a_double_request_sends_one_message(world: World, key: Path, inbox: Inbox) -> None:
    issued = _issued(world)
    client = world.client_for(world.lan)
    client.post(_url(world, issued), {"to": TO})
    again = client.post(_url(world, issued), {"to": " SO@example.vn"}, follow=True)
    assert "xếp hàng" in again.content.decode()
    assert not actions.email_report(world.thach, issued, TO).queued
    assert len(_outbox()) == 1
    deliver_queued()
    deliver_queued()
    assert len(inbox.received) == 1
    # Asked again once it has gone: not sent a second time.
    after = client.post(_url(world, issued), {"to": TO}, follow=True)
    assert "không gửi lại" in after.content.decode()
    deliver_queued()
    assert len(inbox.received) == 1 and len(_outbox()) == 1
    # Another address is another message.
    client.post(_url(world, issued), {"to": "vanthu@example.vn"})
    deliver_queued()
    assert [rcpt for rcpt, _email in inbox.received] == [[TO], ["vanthu@example.vn"]]


def test_a_failed_delivery_is_tried_again(world: World, key: Path, inbox: Inbox) -> None:
    issued = _issued(world)
    actions.email_report(world.lan, issued, TO)
    inbox.refuse = True
    start = dt.datetime(2030, 5, 6, 8, 0, tzinfo=dt.UTC)
    assert deliver_queued(start).retried == 1
    [message] = _outbox()
    assert message.status == MessageStatus.QUEUED and "550" in message.last_error
    issued.refresh_from_db()
    assert issued.emailed_at is None
    page = _page(world, issued)
    assert 'data-email-status="queued"' in page and "550" in page
    inbox.refuse = False
    assert not deliver_queued(start + dt.timedelta(minutes=4))
    assert deliver_queued(start + dt.timedelta(minutes=5)).sent == 1
    assert len(inbox.received) == 1
    issued.refresh_from_db()
    assert issued.emailed_at == start + dt.timedelta(minutes=5)


def test_a_report_whose_file_is_gone_fails_and_the_office_is_told(
    world: World, key: Path, inbox: Inbox
) -> None:
    issued = _issued(world)
    actions.email_report(world.lan, issued, TO)
    default_storage.delete(str(issued.signed_pdf.name))
    assert deliver_queued().failed == 1
    [message] = _outbox()
    assert message.status == MessageStatus.FAILED and "01-BC-VHKHTT.pdf" in message.last_error
    assert inbox.received == []
    assert world.lan.notifications.filter(message=message).exists()
    # Asked again, it is queued for a new round (and fails again while the file is gone).
    assert actions.email_report(world.lan, issued, TO).queued
    assert len(_outbox()) == 1


def test_people_outside_the_office_queue_nothing(world: World, key: Path, inbox: Inbox) -> None:
    issued = _issued(world)
    for person in (world.hoa, world.tu):
        response = world.client_for(person).post(_url(world, issued), {"to": TO})
        assert response.status_code == 404
    assert _outbox() == []


def test_bad_addresses_queue_nothing(world: World, key: Path, inbox: Inbox) -> None:
    issued = _issued(world)
    client = world.client_for(world.lan)
    for bad in ("", "khong-phai-email", "a@b@c.vn", "x" * 300 + "@example.vn", "a@ex\nample.vn"):
        response = client.post(_url(world, issued), {"to": bad}, follow=True)
        assert "Vui lòng nhập địa chỉ thư điện tử hợp lệ." in response.content.decode(), bad
    assert _outbox() == []
    deliver_queued()
    assert inbox.received == []
