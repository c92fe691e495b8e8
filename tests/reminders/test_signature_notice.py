"""Trình ký through the outbox: the head is told in the app and by email (sent by the worker
to a real SMTP server), reads the report's pages and the figures on the page, returns it with
a comment the specialist is told of; every round stays on the page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.reminders.conftest import Inbox
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.outbox.models import Message, MessageKind, Notification
from tonghop.reminders.delivery import deliver_queued


def _drawn(world: World) -> Compilation:
    compilation = Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    return actions.run(compilation)


def test_the_head_is_told_reads_the_report_and_returns_it(world: World, inbox: Inbox) -> None:
    world.thach.email = "thach@minhhoa.example.vn"
    world.thach.save()
    world.lan.email = "lan@minhhoa.example.vn"
    world.lan.save()
    compilation = _drawn(world)
    page = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])

    actions.submit_for_signature(world.lan, compilation.pk)
    (notice,) = Notification.objects.filter(user=world.thach)
    assert notice.link == page and "trình ký" in notice.text
    assert not Notification.objects.filter(user__in=[world.hoa, world.tu]).exists()
    assert Message.objects.filter(kind=MessageKind.SIGNATURE, channel="email").count() == 1
    deliver_queued(timezone.now() + dt.timedelta(minutes=1))
    (mail,) = inbox.to("thach@minhhoa.example.vn")
    assert page in inbox.body(mail) and mail["Subject"].startswith("Trình ký:")

    head = world.client_for(world.thach)
    body = head.get(page).content.decode()
    assert 'id="review"' in body and 'id="facts"' in body
    assert reverse("compilation:page", args=[world.campaign.slug, compilation.uid, 1]) in body
    image = head.get(reverse("compilation:page", args=[world.campaign.slug, compilation.uid, 1]))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    for bad in (0, 31, 999):
        url = reverse("compilation:page", args=[world.campaign.slug, compilation.uid, bad])
        assert head.get(url).status_code == 404
    # A reporter and another office's specialist see neither the page nor its images.
    for person in (world.hoa, world.tu):
        other = world.client_for(person)
        assert other.get(page).status_code == 404
        url = reverse("compilation:page", args=[world.campaign.slug, compilation.uid, 1])
        assert other.get(url).status_code == 404

    compilation.refresh_from_db()
    actions.return_to_specialist(world.thach, compilation.pk, "Bổ sung đánh giá.")
    assert Notification.objects.filter(user=world.lan, text__contains="trả lại").exists()
    actions.submit_for_signature(world.lan, compilation.pk)
    actions.return_to_specialist(world.thach, compilation.pk, "Sửa kiến nghị <b>gửi Sở</b>.")
    deliver_queued(timezone.now() + dt.timedelta(minutes=2))
    assert len(inbox.to("lan@minhhoa.example.vn")) == 2
    assert len(inbox.to("thach@minhhoa.example.vn")) == 2
    rounds = actions.rounds(compilation)
    assert [r["returned"] for r in rounds] == [False, True, False, True]
    body = world.client_for(world.lan).get(page).content.decode()
    assert "Bổ sung đánh giá." in body and "Sửa kiến nghị &lt;b&gt;gửi Sở&lt;/b&gt;." in body
