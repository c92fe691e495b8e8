"""The reminder pages: the office's page per campaign, and everyone's notifications."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.reminders.conftest import Inbox
from tests.reminders.test_actions import BINH_MINH, at, prepare
from tonghop.outbox.models import Message, MessageKind, MessageStatus, Notification
from tonghop.reminders import actions

SLUG = "sang-tao-test"


def _page(name: str, *args: object) -> str:
    return reverse(f"reminders:{name}", args=[SLUG, *args])


def test_it_shows_the_office_its_units_the_schedule_and_the_log(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    response = world.client_for(world.lan).get(_page("campaign"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="owed"' in body
    for unit in ("UBND xã An Phú", "UBND xã Bình Minh", "Trường THCS An Phú"):
        assert unit in body
    # The school has no address: flagged in its own box, not silently skipped.
    flagged = body.split('id="no-address"')[1].split("</div>")[0]
    assert 'data-unit="thcs-an-phu"' in flagged
    assert 'data-unit="xa-binh-minh"' not in flagged
    assert BINH_MINH in body
    assert "-3, 0, +1" in body
    assert body.count('data-status="sent"') == 5  # 2 emails; Hoa, Nam, Sơn in the app
    assert body.count('data-status="no_address"') == 1


def test_it_filters_the_log_by_status(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    body = world.client_for(world.thach).get(_page("campaign") + "?status=no_address")
    text = body.content.decode()
    assert text.count('data-status="no_address"') == 1
    assert 'data-status="sent"' not in text


def test_the_log_is_paged_and_the_filter_kept_across_pages(
    world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tonghop.reminders import views

    monkeypatch.setattr(views, "LOG_ROWS", 2)
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))  # 6 messages: 5 sent, 1 with no address
    client = world.client_for(world.lan)
    seen: list[str] = []
    for number in (1, 2, 3):
        text = client.get(_page("campaign") + f"?log_page={number}").content.decode()
        log = text.split('id="log"')[1].split("</table>")[0]
        seen += re.findall(r'<tr data-status="(\w+)"', log)
        assert f"Trang {number}/3" in text
        if number < 3:
            assert f'href="?log_page={number + 1}#log"' in text
    assert sorted(seen) == ["no_address"] + ["sent"] * 5
    # Past the end or not a number: the last or the first page, never an error.
    for query in ("?log_page=999", "?log_page=abc", "?log_page=-1"):
        assert client.get(_page("campaign") + query).status_code == 200
    # The filter stays in the pager's links.
    text = client.get(_page("campaign") + "?status=sent&log_page=2").content.decode()
    assert 'href="?status=sent&amp;log_page=3#log"' in text
    assert 'data-status="no_address"' not in text.split('id="log"')[1]


def test_remind_now_from_the_page(world: World, inbox: Inbox) -> None:
    prepare(world)
    client = world.client_for(world.lan)
    response = client.post(
        _page("remind"), {"assignment": [world.a_binh_minh.pk, world.a_school.pk, "x"]}
    )
    assert response.status_code == 302
    assert len(inbox.to(BINH_MINH)) == 1
    manual = Message.objects.filter(kind=MessageKind.MANUAL, channel="email")
    assert {m.status for m in manual} == {MessageStatus.SENT, MessageStatus.NO_ADDRESS}
    assert client.post(_page("remind"), {}).status_code == 302
    assert Message.objects.filter(kind=MessageKind.MANUAL).count() == 4


def test_the_office_edits_stops_and_resumes_the_schedule(world: World) -> None:
    client = world.client_for(world.lan)
    data = {"offsets": "-2, 0", "repeat_every_days": "3", "send_hour": "9", "digest_enabled": ""}
    assert client.post(_page("policy"), data).status_code == 302
    policy = world.campaign.reminder_policy
    policy.refresh_from_db()
    assert (policy.offsets_days, policy.repeat_every_days, policy.send_hour) == ([-2, 0], 3, 9)
    assert policy.digest_enabled is False
    bad = client.post(_page("policy"), {**data, "offsets": "ba ngày"})
    assert bad.status_code == 400
    assert "errorlist" in bad.content.decode()
    policy.refresh_from_db()
    assert policy.offsets_days == [-2, 0]
    client.post(_page("policy-state", "stop"))
    policy.refresh_from_db()
    assert policy.is_stopped
    client.post(_page("policy-state", "resume"))
    policy.refresh_from_db()
    assert not policy.is_stopped and policy.resumed_at is not None


def test_the_digest_button(world: World, inbox: Inbox) -> None:
    prepare(world)
    response = world.client_for(world.thach).post(_page("digest"))
    assert response.status_code == 302
    assert len(inbox.to("thach@vhkhtt.gov.vn")) == 1


def test_a_specialist_of_another_office_gets_404(world: World, inbox: Inbox) -> None:
    prepare(world)
    client = world.client_for(world.tu)
    assert client.get(_page("campaign")).status_code == 404
    assert client.post(_page("remind"), {"assignment": [world.a_binh_minh.pk]}).status_code == 404
    assert client.post(_page("digest")).status_code == 404
    assert client.post(_page("policy-state", "stop")).status_code == 404
    assert client.post(_page("policy"), {"offsets": "0"}).status_code == 404
    assert not Message.objects.exists()
    assert inbox.received == []


def test_a_unit_reporter_gets_404_on_the_office_page(world: World) -> None:
    client = world.client_for(world.hoa)
    assert client.get(_page("campaign")).status_code == 404
    assert client.post(_page("remind"), {"assignment": [world.a_binh_minh.pk]}).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(world: World) -> None:
    for url in (_page("campaign"), reverse("reminders:notifications")):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert Client().post(_page("remind"), {"assignment": [world.a_an_phu.pk]}).status_code == 302
    assert not Message.objects.exists()


def test_a_reporter_sees_and_reads_only_her_notifications(world: World, inbox: Inbox) -> None:
    prepare(world)
    actions.run_due_reminders(now=at(2, 9))
    hoa = world.client_for(world.hoa)
    response = hoa.get(reverse("reminders:notifications"))
    assert response.status_code == 200
    assert response.context["unread_notifications"] == 1
    body = response.content.decode()
    assert "UBND xã An Phú" in body
    assert "UBND xã Bình Minh" not in body
    mine = Notification.objects.get(user=world.hoa)
    nams = Notification.objects.get(user=world.nam)
    # Nam cannot mark Hoa's notification, nor see it.
    nam = world.client_for(world.nam)
    read_hoas = reverse("reminders:notification-read", args=[mine.pk])
    assert nam.post(read_hoas).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
    assert hoa.post(read_hoas).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert hoa.get(reverse("reminders:notifications")).context["unread_notifications"] == 0
    assert nam.post(reverse("reminders:notifications-read-all")).status_code == 302
    nams.refresh_from_db()
    assert nams.read_at is not None


def test_anonymous_pages_count_no_notifications(world: World) -> None:
    response = Client().get(reverse("login"))
    assert response.context["unread_notifications"] == 0
