"""Reminders through a real SMTP server, with the clock moved by hand (`now=`).

The campaign of the World is due at 23:59:59 on 05/5/2030; reminders go at 08:00 on 02/5,
05/5, 06/5, then every 2 days. An Phú (Hoa) and Bình Minh (Nam) have an email address; the
school has none and its reporter is Sơn.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tests.conftest import VN, World
from tests.reminders.conftest import Inbox
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.orgs.models import Membership, Role, User
from tonghop.outbox.models import Channel, Message, MessageKind, MessageStatus, Notification
from tonghop.reminders import actions, worker
from tonghop.reports.actions import return_report, save_report

AN_PHU = "vanphong@anphu.gov.vn"
BINH_MINH = "vanphong@binhminh.gov.vn"
REPO = Path(__file__).resolve().parents[2]


def at(day: int, hour: int = 8, minute: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=VN)


def prepare(world: World) -> User:
    """Addresses for two units and the office's people; a reporter for the school."""
    world.an_phu.email = AN_PHU
    world.an_phu.save()
    world.binh_minh.email = BINH_MINH
    world.binh_minh.save()
    world.lan.email = "lan@vhkhtt.gov.vn"
    world.lan.save()
    world.thach.email = "thach@vhkhtt.gov.vn"
    world.thach.save()
    son = User.objects.create_user(username="son", full_name="Vũ Văn Sơn")
    Membership.objects.create(user=son, unit=world.school, role=Role.REPORTER)
    return son


def submit(world: World, user: User, assignment_pk: int, now: dt.datetime) -> None:
    version = world.campaign.assignments.get(pk=assignment_pk).version
    save_report(
        user, assignment_pk, {"pano": "3"}, "", expected_version=version, submit=True, now=now
    )


def emails(**filters: Any) -> list[Message]:
    return list(Message.objects.filter(channel=Channel.EMAIL, **filters).order_by("pk"))


def test_it_follows_the_default_schedule(world: World, inbox: Inbox) -> None:
    prepare(world)
    moment = at(1, 0)
    while moment < at(12, 23):
        actions.run_due_reminders(now=moment)
        moment += dt.timedelta(hours=6)
    sent = emails(assignment=world.a_binh_minh, status=MessageStatus.SENT)
    assert [m.slot_at for m in sent] == [at(2), at(5), at(6), at(8), at(10), at(12)]
    assert len(inbox.to(BINH_MINH)) == 6
    assert len(inbox.to(AN_PHU)) == 6


def reminders_to(inbox: Inbox, address: str) -> list[Any]:
    """What reached `address` apart from a submission's receipt, which leaves by the same run."""
    return [m for m in inbox.to(address) if not str(m["Subject"]).startswith("Biên nhận BN-")]


def test_it_reminds_only_units_that_have_not_submitted(world: World, inbox: Inbox) -> None:
    prepare(world)
    submit(world, world.hoa, world.a_an_phu.pk, at(1))
    actions.run_due_reminders(now=at(2, 9))
    assert reminders_to(inbox, AN_PHU) == []
    # The same run sent the unit its receipt, through the same outbox.
    assert len(inbox.to(AN_PHU)) == 1
    assert len(inbox.to(BINH_MINH)) == 1
    assert not Notification.objects.filter(user=world.hoa).exists()
    assert Notification.objects.filter(user=world.nam).count() == 1


def test_a_returned_report_counts_as_not_submitted(world: World, inbox: Inbox) -> None:
    prepare(world)
    submit(world, world.hoa, world.a_an_phu.pk, at(1))
    version = world.campaign.assignments.get(pk=world.a_an_phu.pk).version
    return_report(world.lan, world.a_an_phu.pk, "Thiếu số liệu", expected_version=version)
    actions.run_due_reminders(now=at(2, 9))
    [message] = reminders_to(inbox, AN_PHU)
    assert "returned" in inbox.body(message) or "trả lại" in inbox.body(message)


def test_the_email_names_the_campaign_the_due_time_and_the_link(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    [message] = inbox.to(BINH_MINH)
    body = inbox.body(message)
    assert "Hưởng ứng Ngày Sáng tạo" in str(message["Subject"])
    assert "23:59 05/05/2030" in str(message["Subject"])
    assert "Hưởng ứng Ngày Sáng tạo" in body
    assert "23:59 05/05/2030" in body
    assert f"https://baocao.example.gov.vn/reports/{world.a_binh_minh.pk}/" in body
    assert "UBND xã Bình Minh" in body
    assert message["Auto-Submitted"] == "auto-generated"
    [note] = Notification.objects.filter(user=world.nam)
    assert "23:59 05/05/2030" in note.text
    assert note.link == f"/reports/{world.a_binh_minh.pk}/"


def test_it_never_sends_a_slot_twice(world: World, inbox: Inbox) -> None:
    prepare(world)
    for minute in (0, 1, 30):
        actions.run_due_reminders(now=at(2, 9, minute))
    actions.run_due_reminders(now=at(4, 20))
    assert len(inbox.to(BINH_MINH)) == 1
    assert Notification.objects.filter(user=world.nam).count() == 1


def test_a_second_claim_of_the_same_slot_loses(world: World, inbox: Inbox) -> None:
    # Two workers that both decided to send the same slot: the database lets one through.
    prepare(world)
    claim = (world.a_binh_minh.pk, MessageKind.REMINDER, "auto:2030-05-02", at(2), at(2, 9))
    assert actions._claim_reminder(*claim) is True
    assert actions._claim_reminder(*claim) is False
    actions.deliver_queued(now=at(2, 9))
    actions.deliver_queued(now=at(2, 9))
    assert len(inbox.to(BINH_MINH)) == 1
    assert Message.objects.filter(assignment=world.a_binh_minh).count() == 2  # email, app


def test_after_an_outage_the_missed_reminder_goes_out_late_once(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    # The worker is down from 02/5 to 09/5 10:00: the slots of 05/5, 06/5 and 08/5 passed.
    actions.run_due_reminders(now=at(9, 10))
    actions.run_due_reminders(now=at(9, 10, 1))
    sent = emails(assignment=world.a_binh_minh)
    assert [m.slot_at for m in sent] == [at(2), at(8)]
    assert sent[1].sent_at == at(9, 10)
    assert len(inbox.to(BINH_MINH)) == 2
    assert "đã hết hạn" in inbox.body(inbox.to(BINH_MINH)[1]) or "was due" in inbox.body(
        inbox.to(BINH_MINH)[1]
    )


def test_a_unit_without_an_address_is_logged_and_shown_to_the_office(
    world: World, inbox: Inbox
) -> None:
    son = prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    actions.run_due_reminders(now=at(5, 9))
    rows = emails(assignment=world.a_school)
    assert [m.status for m in rows] == [MessageStatus.NO_ADDRESS] * 2
    # The school's reporter still hears it in the app; the office is told once, not daily.
    assert Notification.objects.filter(user=son).count() == 2
    for person in (world.lan, world.thach):
        [alert] = Notification.objects.filter(user=person)
        assert "Trường THCS An Phú" in alert.text
        assert alert.link.endswith("?status=no_address")


def test_a_refusing_server_is_retried_then_reported(world: World, inbox: Inbox) -> None:
    prepare(world)
    world.an_phu.email = ""
    world.an_phu.save()
    inbox.refuse = True
    actions.run_due_reminders(now=at(2, 9))
    [message] = emails(assignment=world.a_binh_minh)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "550" in message.last_error
    assert message.next_attempt_at == at(2, 9, 5)
    actions.run_due_reminders(now=at(2, 9, 4))  # too early for the retry
    actions.run_due_reminders(now=at(2, 9, 5))
    actions.run_due_reminders(now=at(2, 9, 15))
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    [alert] = Notification.objects.filter(user=world.lan, message=message)
    assert "550" in alert.text
    assert BINH_MINH in alert.text
    inbox.refuse = False
    actions.run_due_reminders(now=at(2, 12))
    assert inbox.received == []


def test_a_server_that_never_answers_is_retried_then_reported(
    world: World, silent_smtp: int
) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    # The first timeout holds the rest of the queue until the next tick: one wait, not many.
    statuses = sorted(m.attempts for m in emails(status=MessageStatus.QUEUED))
    assert statuses == [0, 1]
    moment = at(2, 9)
    for _tick in range(8):
        moment += dt.timedelta(minutes=30)
        actions.run_due_reminders(now=moment)
    failed = emails(status=MessageStatus.FAILED)
    assert len(failed) == 2
    assert all(m.attempts == 3 for m in failed)
    assert all("timed out" in m.last_error or "Disconnected" in m.last_error for m in failed)
    assert Notification.objects.filter(user=world.thach, message__in=failed).count() == 2


def test_a_closed_campaign_sends_nothing(world: World, inbox: Inbox) -> None:
    prepare(world)
    inbox.refuse = True
    actions.run_due_reminders(now=at(2, 9))  # queued again for a retry
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.CLOSED)
    inbox.refuse = False
    for day in (2, 5, 6, 8):
        actions.run_due_reminders(now=at(day, 12))
    assert inbox.received == []
    assert {m.status for m in emails(kind=MessageKind.REMINDER, assignment__isnull=False)} == {
        MessageStatus.CANCELLED,
        MessageStatus.NO_ADDRESS,
    }
    world.campaign.refresh_from_db()
    with pytest.raises(actions.CampaignClosed):
        actions.remind_now(world.lan, world.campaign, [world.a_binh_minh.pk], now=at(8, 12))
    with pytest.raises(actions.CampaignClosed):
        actions.send_digest(world.campaign, now=at(8, 12), by=world.lan)


def test_a_stopped_schedule_resumes_without_a_burst(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.set_stopped(world.lan, world.campaign, True, now=at(1))
    actions.run_due_reminders(now=at(6, 9))
    assert inbox.received == []
    actions.set_stopped(world.lan, world.campaign, False, now=at(6, 10))
    actions.run_due_reminders(now=at(6, 11))
    assert inbox.received == []  # the slots of 02/5, 05/5 and 06/5 fell while stopped
    actions.run_due_reminders(now=at(8, 9))
    assert len(inbox.to(BINH_MINH)) == 1


def test_the_office_changes_the_schedule(world: World, inbox: Inbox) -> None:
    prepare(world)
    change = actions.PolicyChange((-1,), 0, 14, digest_enabled=False)
    actions.update_policy(world.lan, world.campaign, change)
    actions.run_due_reminders(now=at(4, 13))
    assert inbox.received == []
    actions.run_due_reminders(now=at(4, 14))
    actions.run_due_reminders(now=at(20, 14))
    assert [m.slot_at for m in emails(assignment=world.a_binh_minh)] == [at(4, 14)]
    with pytest.raises(actions.NotAllowed):
        actions.update_policy(world.tu, world.campaign, change)


def test_remind_now_sends_to_the_chosen_units_once(world: World, inbox: Inbox) -> None:
    prepare(world)
    submit(world, world.hoa, world.a_an_phu.pk, at(1))
    chosen = [world.a_an_phu.pk, world.a_binh_minh.pk, world.a_school.pk]
    result = actions.remind_now(world.lan, world.campaign, chosen, now=at(3, 10))
    assert {a.unit for a in result.reminded} == {world.binh_minh, world.school}
    assert [a.unit for a in result.submitted] == [world.an_phu]
    assert len(inbox.to(BINH_MINH)) == 1  # sent by the task, at once in tests
    again = actions.remind_now(world.lan, world.campaign, chosen, now=at(3, 10))
    assert len(again.already) == 2
    assert len(inbox.to(BINH_MINH)) == 1
    [row] = emails(assignment=world.a_binh_minh, kind=MessageKind.MANUAL)
    assert row.created_by == world.lan
    with pytest.raises(actions.NotAllowed):
        actions.remind_now(world.tu, world.campaign, chosen, now=at(3, 11))
    with pytest.raises(actions.NotAllowed):
        actions.remind_now(world.hoa, world.campaign, chosen, now=at(3, 11))


def test_the_office_gets_a_digest_of_late_units(world: World, inbox: Inbox) -> None:
    prepare(world)
    submit(world, world.hoa, world.a_an_phu.pk, at(1))
    actions.run_due_reminders(now=at(5, 9))
    assert inbox.to("lan@vhkhtt.gov.vn") == []  # nobody is late yet
    actions.run_due_reminders(now=at(6, 9))
    [digest] = inbox.to("lan@vhkhtt.gov.vn")
    assert inbox.to("thach@vhkhtt.gov.vn") == [digest]
    body = inbox.body(digest)
    assert "UBND xã Bình Minh" in body
    assert "Trường THCS An Phú" in body
    assert "UBND xã An Phú ·" not in body
    assert "2" in str(digest["Subject"])
    assert Notification.objects.filter(user=world.thach, link__contains="/campaigns/").exists()
    actions.run_due_reminders(now=at(6, 18))
    assert len(inbox.to("lan@vhkhtt.gov.vn")) == 1
    assert actions.send_digest(world.campaign, now=at(6, 19), by=world.lan) is True
    assert len(inbox.to("lan@vhkhtt.gov.vn")) == 2
    with pytest.raises(actions.NotAllowed):
        actions.send_digest(world.campaign, now=at(6, 20), by=world.nam)


def test_a_send_cut_short_by_a_dying_worker_is_reported_not_repeated(
    world: World, inbox: Inbox
) -> None:
    prepare(world)
    inbox.refuse = True
    actions.run_due_reminders(now=at(2, 9))
    # As if a worker took the row, then died before it could write the outcome.
    stuck = emails(assignment=world.a_binh_minh)[0]
    Message.objects.filter(pk=stuck.pk).update(
        status=MessageStatus.SENDING, lease_until=at(2, 9, 10)
    )
    inbox.refuse = False
    actions.run_due_reminders(now=at(2, 9, 30))
    stuck.refresh_from_db()
    assert stuck.status == MessageStatus.FAILED
    assert inbox.to(BINH_MINH) == []
    assert Notification.objects.filter(user=world.lan, message=stuck).count() == 1


def test_the_worker_reads_its_interval_and_names_a_bad_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TONGHOP_REMINDER_INTERVAL", raising=False)
    assert worker.interval_from_env() == 60
    monkeypatch.setenv("TONGHOP_REMINDER_INTERVAL", "2.5")
    assert worker.interval_from_env() == 2.5
    for bad in ("0", "-1", "soon"):
        monkeypatch.setenv("TONGHOP_REMINDER_INTERVAL", bad)
        with pytest.raises(ImproperlyConfigured, match="TONGHOP_REMINDER_INTERVAL"):
            worker.interval_from_env()


# -- several workers at once ----------------------------------------------------------------

POPULATE = """
import datetime as dt, os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
import django
django.setup()
from django.utils import timezone
from tests.conftest import World
from tonghop.campaigns.models import Campaign
world = World()
for unit in (world.an_phu, world.binh_minh, world.school):
    unit.email = unit.code + "@example.gov.vn"
    unit.save()
now = timezone.now()
world.campaign.assignments.update(due_at=now - dt.timedelta(days=1))
Campaign.objects.filter(pk=world.campaign.pk).update(created_at=now - dt.timedelta(days=10))
"""


def _database_url() -> str | None:
    if connection.vendor != "postgresql":
        return None
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_two_worker_processes_racing_send_each_reminder_once(
    transactional_db: None, inbox: Inbox, tmp_path: Path, _smtp_server: tuple[Inbox, int]
) -> None:
    """Two `tonghop worker --batch` at once, on a SQLite file or the PostgreSQL test database."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TONGHOP_DATA_DIR": str(tmp_path / "data"),
        "TONGHOP_SMTP_HOST": "127.0.0.1",
        "TONGHOP_SMTP_PORT": str(_smtp_server[1]),
        "TONGHOP_LOG_LEVEL": "WARNING",
    }
    url = _database_url()
    if url:
        env["DATABASE_URL"] = url  # the test database, already migrated
    else:
        cmd = [sys.executable, "-m", "tonghop", "migrate"]
        subprocess.run(cmd, env=env, cwd=REPO, check=True, timeout=120)
    subprocess.run([sys.executable, "-c", POPULATE], env=env, cwd=REPO, check=True, timeout=60)
    worker = [sys.executable, "-m", "tonghop", "worker", "--batch", "--interval", "0.1"]
    racers = [
        subprocess.Popen(worker, env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [racer.communicate(timeout=120)[1] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], errors
    assert "Traceback" not in "".join(errors)
    received = sorted(address for rcpt, _message in inbox.received for address in rcpt)
    assert received == [
        "thcs-an-phu@example.gov.vn",
        "xa-an-phu@example.gov.vn",
        "xa-binh-minh@example.gov.vn",
    ]


def test_two_ticks_racing_in_threads_send_each_reminder_once(world_tx: World, inbox: Inbox) -> None:
    prepare(world_tx)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def tick() -> None:
        start.wait()
        try:
            actions.run_due_reminders(now=at(2, 9))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    racers = [threading.Thread(target=tick) for _ in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert errors == []
    assert len(inbox.to(BINH_MINH)) == 1
    assert len(inbox.to(AN_PHU)) == 1
    assert Notification.objects.filter(user=world_tx.nam).count() == 1
    assert Message.objects.filter(channel=Channel.EMAIL).count() == 3
