"""A line break where no mail header may carry one: the campaign's title is made one line where it
is typed, and a message that cannot be built fails alone while the rest of the run goes out."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests.conftest import VN, World
from tests.reminders.conftest import Inbox
from tests.reminders.test_actions import AN_PHU, BINH_MINH, at, emails, prepare
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.outbox.models import MessageStatus, Notification
from tonghop.reminders import actions


def test_a_title_typed_with_a_line_break_is_one_line_in_the_reminders(
    world: World, inbox: Inbox
) -> None:
    prepare(world)
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.CLOSED)
    response = world.client_for(world.lan).post(
        reverse("campaigns:new"),
        {
            "office": world.office.pk,
            "title": "Ngày hội\r\nSáng tạo",
            "due_date": "2031-01-31",
            "due_time": "17:00",
            "preset": "narrative",
            "unit_kinds": ["commune"],
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug__startswith="ngay-hoi")
    assert campaign.title == "Ngày hội Sáng tạo"
    actions.run_due_reminders(now=dt.datetime(2031, 1, 28, 9, tzinfo=VN))
    sent = emails(assignment__campaign=campaign)
    assert [m.status for m in sent] == [MessageStatus.SENT, MessageStatus.SENT]
    [to_an_phu] = inbox.to(AN_PHU)
    assert "“Ngày hội Sáng tạo”" in str(to_an_phu["Subject"])
    assert len(inbox.to(BINH_MINH)) == 1


def test_a_message_that_cannot_be_built_fails_alone(world: World, inbox: Inbox) -> None:
    prepare(world)
    # An address kept with a line break (typed before addresses were cleaned): it cannot go
    # into a mail header. It comes first in the run.
    world.an_phu.email = f"{AN_PHU}\nBcc: ai-do@example.vn"
    world.an_phu.save()
    report = actions.run_due_reminders(now=at(2, 9))
    [broken] = emails(assignment=world.a_an_phu)
    [fine] = emails(assignment=world.a_binh_minh)
    assert broken.pk < fine.pk
    assert (broken.status, fine.status) == (MessageStatus.FAILED, MessageStatus.SENT)
    assert "ValueError" in broken.last_error
    assert (report.sent, report.failed) == (1, 1)
    assert len(inbox.to(BINH_MINH)) == 1
    assert inbox.to("ai-do@example.vn") == [] and inbox.to(AN_PHU) == []
    # The office is told at once, not left with a row "sending" failed later as a double.
    [alert] = Notification.objects.filter(user=world.lan, message=broken)
    assert "UBND xã An Phú" in alert.text
    # Nothing is sent again on the next run.
    actions.run_due_reminders(now=at(2, 10))
    assert len(inbox.received) == 1
