"""Sending the directive to units through a real SMTP server, and their receipt.

The World's campaign gets a directive: a signed PDF received as “Công văn 542-SKHCN.pdf”. An Phú
(Hoa, who has an address too) and Bình Minh (Nam) have addresses; the school's reporter Sơn has
none, so the school is reached in the app only. Cẩm Hà has an address but no account (a personal
link), Thôn Xa has neither (it cannot be reached: the clerk phones it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import VN, World
from tests.reminders.conftest import Inbox, mailers
from tests.reminders.test_actions import AN_PHU, BINH_MINH, prepare
from tonghop.campaigns.models import CampaignStatus
from tonghop.documents.models import Direction, Document
from tonghop.orgs.models import Unit, UnitKind, User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus, Notification
from tonghop.reminders import actions, delivery, directive
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reports.models import Assignment

SITE = "https://baocao.example.gov.vn"
FILE_NAME = "Công văn 542-SKHCN.pdf"
HOA_MAIL = "hoa@anphu.gov.vn"
CAM_HA = "vanphong@camha.gov.vn"
# Bytes a mail system would love to "fix": every byte value, bare CR and LF, a long line, and
# trailing spaces. A signed PDF must arrive exactly as signed.
SIGNED_PDF = (
    b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\n"
    + bytes(range(256))
    + b"\r\rline  \n"
    + b"x" * 3000
    + b"\n/ByteRange [0 1 2 3] /Contents <3082>\n%%EOF\n"
)
NOW = dt.datetime(2030, 4, 20, 9, 0, tzinfo=VN)


def the_directive(world: World, content: bytes = SIGNED_PDF) -> Document:
    document = Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        number="542",
        symbol="SKHCN-CN&ĐMST",
        subject="V/v hưởng ứng Ngày Sáng tạo và Đổi mới Thế giới",
        original_name=FILE_NAME,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    document.file.save(FILE_NAME, ContentFile(content), save=True)
    world.campaign.source_document = document
    world.campaign.save()
    return document


def unit_in_campaign(world: World, code: str, name: str, email: str = "") -> Assignment:
    unit = Unit.objects.create(
        code=code,
        name=name,
        kind=UnitKind.COMMUNE,
        parent=world.office,
        email=email,
        contact_name="Chị Mai",
        contact_phone="0912 345 678",
    )
    return Assignment.objects.create(
        campaign=world.campaign, unit=unit, due_at=world.campaign.due_at
    )


def setup(world: World) -> tuple[User, Assignment, Assignment]:
    """The World with addresses, Sơn for the school, Cẩm Hà and Thôn Xa, and the document."""
    son = prepare(world)
    world.hoa.email = HOA_MAIL
    world.hoa.save()
    world.office.email = "vhkhtt@minhhoa.gov.vn"
    world.office.save()
    cam_ha = unit_in_campaign(world, "xa-cam-ha", "UBND xã Cẩm Hà", CAM_HA)
    thon_xa = unit_in_campaign(world, "xa-thon-xa", "UBND xã Thôn Xa")
    the_directive(world)
    return son, cam_ha, thon_xa


def send(world: World, now: dt.datetime = NOW) -> directive.DirectiveResult:
    world.campaign.refresh_from_db()
    return directive.send_directive(world.campaign, by=world.lan, base_url=SITE + "/", now=now)


def attachments(message: EmailMessage) -> list[tuple[str | None, bytes, str]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found.append((part.get_filename(), payload, part.get_content_type()))
    return found


# -- sending ------------------------------------------------------------------------------


def test_it_sends_each_unit_the_signed_document_and_its_link(world: World, inbox: Inbox) -> None:
    setup(world)
    result = send(world)
    assert {p.unit.code for p in result.sent} == {
        "xa-an-phu",
        "xa-binh-minh",
        "thcs-an-phu",
        "xa-cam-ha",
        "xa-thon-xa",
    }
    assert result.attachment_name == FILE_NAME
    # An Phú: its own address and Hoa's, each its own email; Bình Minh its address.
    for address, assignment in (
        (AN_PHU, world.a_an_phu),
        (HOA_MAIL, world.a_an_phu),
        (BINH_MINH, world.a_binh_minh),
    ):
        [mail] = inbox.to(address)
        [(name, content, mimetype)] = attachments(mail)
        assert name == FILE_NAME
        assert content == SIGNED_PDF
        assert mimetype == "application/pdf"
        body = inbox.body(mail)
        assert f"{SITE}/reports/{assignment.pk}/" in body
        assert "23:59 05/05/2030" in body
        assert world.campaign.title in mail["Subject"]
        assert "542/SKHCN-CN&ĐMST" in body
        assert mail["Reply-To"] == "vhkhtt@minhhoa.gov.vn"
    # The units never see each other's links.
    assert f"/reports/{world.a_binh_minh.pk}/" not in inbox.body(inbox.to(AN_PHU)[0])
    emails = Message.objects.filter(kind=MessageKind.DIRECTIVE, channel=Channel.EMAIL)
    assert {m.status for m in emails if m.recipient != CAM_HA} == {MessageStatus.SENT}
    delivered = DirectiveDelivery.objects.get(assignment=world.a_an_phu)
    assert delivered.sent_at == NOW
    assert delivered.sent_by == world.lan
    assert delivered.attachment_name == FILE_NAME
    assert delivered.first_opened_at is None and delivered.confirmed_at is None


def test_it_tells_reporters_in_the_app(world: World, inbox: Inbox) -> None:
    son, _cam_ha, _thon_xa = setup(world)
    send(world)
    for user, assignment in (
        (world.hoa, world.a_an_phu),
        (world.nam, world.a_binh_minh),
        (son, world.a_school),
    ):
        [note] = Notification.objects.filter(user=user)
        assert note.link == f"/reports/{assignment.pk}/"
        assert world.campaign.title in note.text
        assert note.message is not None and note.message.kind == MessageKind.DIRECTIVE
    # The school is reached in the app only; the office's people get nothing.
    assert not Message.objects.filter(assignment=world.a_school, channel=Channel.EMAIL).exists()
    assert not Notification.objects.filter(user__in=[world.lan, world.thach, world.tu]).exists()
    app = Message.objects.get(assignment=world.a_school, channel=Channel.APP)
    assert app.status == MessageStatus.SENT and app.recipient == "Vũ Văn Sơn"


def test_running_it_again_sends_nothing_new(world: World, inbox: Inbox) -> None:
    setup(world)
    send(world)
    received, rows = len(inbox.received), Message.objects.count()
    notes = Notification.objects.count()
    again = send(world, NOW + dt.timedelta(minutes=3))
    assert again.sent == [] and again.emails == 0 and again.retried == 0
    assert len(inbox.received) == received
    assert Message.objects.count() == rows
    assert Notification.objects.count() == notes
    assert DirectiveDelivery.objects.count() == 5
    # The scheduled reminders later still go (a different slot), and the directive not again.
    actions.run_due_reminders(now=dt.datetime(2030, 5, 2, 8, 30, tzinfo=VN))
    assert len([m for m in inbox.to(AN_PHU) if attachments(m)]) == 1


def test_a_unit_added_later_gets_it_alone(world: World, inbox: Inbox) -> None:
    setup(world)
    send(world)
    late = unit_in_campaign(world, "xa-moi", "UBND xã Mới", "vanphong@moi.gov.vn")
    again = send(world, NOW + dt.timedelta(hours=2))
    assert [p.assignment for p in again.sent] == [late]
    assert len(inbox.to("vanphong@moi.gov.vn")) == 1
    assert len(inbox.to(AN_PHU)) == 1


def test_units_that_reported_and_inactive_assignments(world: World, inbox: Inbox) -> None:
    """A unit that already reported still gets the document; one taken off the campaign not."""
    setup(world)
    world.a_binh_minh.is_active = False
    world.a_binh_minh.save()
    world.a_an_phu.state = "submitted"
    world.a_an_phu.save()
    result = send(world)
    assert world.a_binh_minh not in [p.assignment for p in result.sent]
    assert inbox.to(BINH_MINH) == []
    assert len(inbox.to(AN_PHU)) == 1


def test_unreachable_units_are_recorded_for_the_clerk(world: World, inbox: Inbox) -> None:
    _son, _cam_ha, thon_xa = setup(world)
    plan = directive.plan_directive(world.campaign)
    assert [p.assignment for p in plan.unreachable] == [thon_xa]
    assert [p.unit.code for p in plan.app_only] == ["thcs-an-phu"]
    assert {p.unit.code for p in plan.by_email} == {"xa-an-phu", "xa-binh-minh", "xa-cam-ha"}
    result = send(world)
    assert [p.assignment for p in result.unreachable] == [thon_xa]
    app = Message.objects.get(assignment=thon_xa, channel=Channel.APP)
    assert app.status == MessageStatus.NO_ADDRESS


def test_the_plan_costs_a_constant_number_of_queries(world: World) -> None:
    setup(world)
    with CaptureQueriesContext(connection) as few:
        directive.plan_directive(world.campaign)
    for number in range(20):
        unit_in_campaign(world, f"xa-{number}", f"Xã {number}", f"x{number}@example.vn")
    with CaptureQueriesContext(connection) as many:
        plan = directive.plan_directive(world.campaign)
    assert len(plan.to_send) == 25
    assert len(many) == len(few)


# -- bad input ----------------------------------------------------------------------------


def test_without_a_document_it_sends_without_attachment_and_says_so(
    world: World, inbox: Inbox
) -> None:
    prepare(world)
    result = send(world)
    assert result.attachment_name == ""
    [mail] = inbox.to(AN_PHU)
    assert attachments(mail) == []
    with translation.override("vi"):
        said = gettext("The document itself is not attached; ask the office if you need a copy.")
    assert said in inbox.body(mail)
    assert f"{SITE}/reports/{world.a_an_phu.pk}/" in inbox.body(mail)
    assert DirectiveDelivery.objects.get(assignment=world.a_an_phu).attachment_name == ""


def test_a_document_whose_record_has_no_file_is_like_none(world: World, inbox: Inbox) -> None:
    prepare(world)
    document = Document.objects.create(
        office=world.office, direction=Direction.INCOMING, number="7", subject="Không có tệp"
    )
    world.campaign.source_document = document
    world.campaign.save()
    assert directive.document_problem(world.campaign) == ""
    assert send(world).attachment_name == ""
    assert attachments(inbox.to(AN_PHU)[0]) == []


def _nothing_written() -> None:
    assert not DirectiveDelivery.objects.exists()
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_a_file_missing_from_disk_stops_everything(world: World, inbox: Inbox) -> None:
    setup(world)
    document = world.campaign.source_document
    assert document is not None
    Path(document.file.path).unlink()
    world.campaign.refresh_from_db()
    problem = directive.document_problem(world.campaign)
    assert FILE_NAME in problem and "542/SKHCN-CN&ĐMST" in problem
    with pytest.raises(directive.DocumentUnreadable) as refused:
        send(world)
    assert FILE_NAME in str(refused.value)
    _nothing_written()
    assert inbox.received == []


def test_a_file_changed_on_disk_is_refused(world: World, inbox: Inbox) -> None:
    setup(world)
    document = world.campaign.source_document
    assert document is not None
    Path(document.file.path).write_bytes(SIGNED_PDF.replace(b"0 1 2 3", b"0 9 9 9"))
    with pytest.raises(directive.DocumentUnreadable, match="542"):
        send(world)
    _nothing_written()
    assert inbox.received == []


def test_a_file_lost_before_the_worker_sends_fails_clearly(
    world: World, inbox: Inbox, settings: Any
) -> None:
    setup(world)
    # A queue nobody runs: the emails are claimed, then the file goes before the worker comes.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    send(world)
    document = world.campaign.source_document
    assert document is not None
    Path(document.file.path).unlink()
    report = delivery.deliver_queued(NOW + dt.timedelta(minutes=1))
    assert report.failed == 4 and report.sent == 0
    failed = Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.FAILED)
    assert failed.count() == 4
    assert all(FILE_NAME in m.last_error for m in failed)
    assert inbox.received == []
    # The office hears of it in the app.
    assert Notification.objects.filter(user=world.lan, text__contains=FILE_NAME).exists()


def test_only_the_office_may_send_and_only_an_open_campaign(world: World, inbox: Inbox) -> None:
    setup(world)
    for person in (world.nam, world.hoa, world.tu):
        with pytest.raises(directive.NotAllowed):
            directive.send_directive(world.campaign, by=person, base_url=SITE)
    for status in (CampaignStatus.CLOSED, CampaignStatus.DRAFT):
        world.campaign.status = status
        world.campaign.save()
        with pytest.raises(directive.CampaignNotOpen):
            send(world)
    _nothing_written()
    assert inbox.received == []


def test_hostile_names_and_addresses(world: World, inbox: Inbox) -> None:
    """A file name with folders and a header break, a unit name with markup: harmless."""
    prepare(world)
    world.an_phu.name = '<script>alert(1)</script> "An Phú"\r\nBcc: x@evil.example'
    world.an_phu.save()
    document = the_directive(world)
    document.original_name = "../../etc/passwd\r\nBcc: x@evil.example.pdf"
    document.save()
    send(world)
    [mail] = inbox.to(AN_PHU)
    [(name, content, _mimetype)] = attachments(mail)
    assert name == "passwdBcc: x@evil.example.pdf"
    assert content == SIGNED_PDF
    assert all("evil" not in rcpt for rcpts, _m in inbox.received for rcpt in rcpts)
    assert mail["Bcc"] is None


# -- failures and retries -----------------------------------------------------------------


def test_a_down_server_marks_failures_and_the_worker_retries(
    world: World, silent_smtp: int, _smtp_server: tuple[Inbox, int], settings: Any
) -> None:
    setup(world)
    send(world)
    waiting = Message.objects.filter(kind=MessageKind.DIRECTIVE, channel=Channel.EMAIL)
    assert waiting.count() == 4
    # The first one timed out; the rest wait for the next tick instead of timing out each.
    first = waiting.exclude(attempts=0).get()
    assert first.status == MessageStatus.QUEUED and "timed out" in first.last_error.lower()
    # The server comes back; the worker's next ticks send everything, each once.
    inbox, port = _smtp_server
    inbox.received.clear()
    settings.MAILERS = mailers(port)
    delivery.deliver_queued(NOW + dt.timedelta(minutes=6))
    assert {m.status for m in waiting.all()} == {MessageStatus.SENT}
    assert len(inbox.received) == 4
    assert all(attachments(mail)[0][1] == SIGNED_PDF for _rcpt, mail in inbox.received)


def test_failed_for_good_then_sent_again_by_a_later_run(
    world: World, silent_smtp: int, _smtp_server: tuple[Inbox, int], settings: Any
) -> None:
    setup(world)
    send(world)
    moment = NOW
    for _attempt in range(30):
        moment += dt.timedelta(minutes=30)
        delivery.deliver_queued(moment)
    emails = Message.objects.filter(kind=MessageKind.DIRECTIVE, channel=Channel.EMAIL)
    assert {m.status for m in emails} == {MessageStatus.FAILED}
    # The office was told, and the plan offers to send them again.
    assert Notification.objects.filter(user=world.lan).exists()
    assert directive.plan_directive(world.campaign).to_retry == 4
    inbox, port = _smtp_server
    inbox.received.clear()
    settings.MAILERS = mailers(port)
    again = send(world, moment)
    assert again.sent == [] and again.retried == 4
    assert {m.status for m in emails.all()} == {MessageStatus.SENT}
    assert sorted(r for rcpts, _m in inbox.received for r in rcpts) == sorted(
        [AN_PHU, HOA_MAIL, BINH_MINH, CAM_HA]
    )
    assert send(world, moment).retried == 0


# -- personal links -----------------------------------------------------------------------


def _link_path(body: str) -> str:
    found = re.search(re.escape(SITE) + r"(/l/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def test_a_unit_without_account_gets_a_personal_link(world: World, inbox: Inbox) -> None:
    from tonghop.reports.links.models import AccessLink

    _son, cam_ha, thon_xa = setup(world)
    send(world)
    [mail] = inbox.to(CAM_HA)
    path = _link_path(inbox.body(mail))
    assert "/reports/" not in inbox.body(mail)
    assert attachments(mail)[0][1] == SIGNED_PDF
    [link] = AccessLink.objects.filter(assignment=cam_ha)
    assert DirectiveDelivery.objects.get(assignment=cam_ha).link_id == link.pk
    # The log keeps a mark, never the live secret (the links app keeps only its hash).
    [logged] = Message.objects.filter(assignment=cam_ha, channel=Channel.EMAIL)
    assert directive.LINK_MARK in logged.body and path not in logged.body
    # Units with an account get their form; a unit nobody can reach gets no link at all.
    assert DirectiveDelivery.objects.get(assignment=world.a_an_phu).link_id is None
    assert not AccessLink.objects.filter(assignment=thon_xa).exists()
    # The link opens the unit's page, which asks for and records the receipt: the link, not
    # a person, confirmed.
    visitor = Client()
    page = visitor.get(path).content.decode()
    assert 'id="receipt"' in page
    confirm = re.search(r'id="receipt".*?<form method="post" action="([^"]+)"', page, re.S)
    assert confirm is not None
    visitor.post(confirm.group(1))
    confirmed = DirectiveDelivery.objects.get(assignment=cam_ha)
    assert confirmed.confirmed_at is not None and confirmed.confirmed_by is None
    assert confirmed.via_link and confirmed.confirmed_via_link == link.pk
    assert confirmed.first_opened_via_link == link.pk


def test_a_retried_email_carries_a_new_link_and_the_unsent_one_is_revoked(
    world: World, silent_smtp: int, _smtp_server: tuple[Inbox, int], settings: Any
) -> None:
    from tonghop.reports.links.models import AccessLink

    cam_ha = unit_in_campaign(world, "xa-cam-ha", "UBND xã Cẩm Hà", CAM_HA)
    the_directive(world)
    send(world)
    [first] = AccessLink.objects.filter(assignment=cam_ha)  # issued, then the server timed out
    inbox, port = _smtp_server
    inbox.received.clear()
    settings.MAILERS = mailers(port)
    delivery.deliver_queued(NOW + dt.timedelta(minutes=6))
    [mail] = inbox.to(CAM_HA)
    live = AccessLink.objects.filter(assignment=cam_ha).unrevoked().get()
    assert live.pk != first.pk
    assert AccessLink.objects.get(pk=first.pk).revoked_at is not None
    assert DirectiveDelivery.objects.get(assignment=cam_ha).link_id == live.pk
    assert Client().get(_link_path(inbox.body(mail))).status_code == 200


# -- the unit's receipt -------------------------------------------------------------------


def test_a_reporter_confirms_receipt_once(world: World, inbox: Inbox) -> None:
    setup(world)
    send(world)
    later = NOW + dt.timedelta(hours=1)
    confirmed = directive.confirm_receipt(world.a_an_phu, user=world.hoa, link_id=None, now=later)
    assert confirmed.confirmed_at == later and confirmed.confirmed_by == world.hoa
    assert not confirmed.via_link
    # Confirming counts as opening when the form was never opened.
    assert confirmed.first_opened_at == later and confirmed.first_opened_by == world.hoa
    again = directive.confirm_receipt(
        world.a_an_phu, user=world.hoa, link_id=None, now=later + dt.timedelta(hours=3)
    )
    assert again.confirmed_at == later


def test_others_cannot_confirm_for_the_unit(world: World, inbox: Inbox) -> None:
    setup(world)
    send(world)
    for person in (world.nam, world.tu, world.lan):
        with pytest.raises(directive.NotAllowed):
            directive.confirm_receipt(world.a_an_phu, user=person, link_id=None)
    with pytest.raises(directive.NotAllowed):
        directive.confirm_receipt(world.a_an_phu, user=None, link_id=None)
    world.hoa.is_active = False
    world.hoa.save()
    with pytest.raises(directive.NotAllowed):
        directive.confirm_receipt(world.a_an_phu, user=world.hoa, link_id=None)
    assert not DirectiveDelivery.objects.filter(confirmed_at__isnull=False).exists()


def test_nothing_to_confirm_before_it_is_sent(world: World) -> None:
    with pytest.raises(directive.NotSent):
        directive.confirm_receipt(world.a_an_phu, user=world.hoa, link_id=None)
    assert directive.mark_opened(world.a_an_phu, world.hoa) is False
    assert not DirectiveDelivery.objects.exists()


def test_opening_is_recorded_once(world: World, inbox: Inbox) -> None:
    setup(world)
    send(world)
    first = NOW + dt.timedelta(minutes=5)
    assert directive.mark_opened(world.a_an_phu, world.hoa, now=first) is True
    assert not directive.mark_opened(world.a_an_phu, None, link_id=9, now=first + dt.timedelta(1))
    delivered = DirectiveDelivery.objects.get(assignment=world.a_an_phu)
    assert delivered.first_opened_at == first and delivered.first_opened_by == world.hoa
    assert delivered.first_opened_via_link is None
