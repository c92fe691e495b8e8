"""Closing a campaign: open → closed → archived (and closed → open again), by the office's
staff from the campaign page; a closed campaign takes no submissions and sends no reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.conftest import VN, World
from tests.reminders.conftest import Inbox, _smtp_server, inbox
from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns import actions
from tonghop.campaigns.models import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignStatus,
    CampaignStep,
)
from tonghop.outbox.models import Channel, Message, MessageStatus
from tonghop.reminders import actions as reminders
from tonghop.reports import actions as report_actions

__all__ = ["_smtp_server", "inbox"]  # fixtures, used by name


def _page(world: World) -> str:
    url = reverse("campaigns:detail", args=[world.campaign.slug])
    return world.client_for(world.lan).get(url).content.decode()


def test_the_office_closes_the_campaign_from_its_page(world: World) -> None:
    assert 'id="campaign-close"' in _page(world)
    url = reverse("campaigns:change-status", args=[world.campaign.slug, "close"])
    for outsider in (world.tu, world.hoa):
        assert world.client_for(outsider).post(url, {"version": "0"}).status_code == 404
    world.campaign.refresh_from_db()
    assert world.campaign.status == CampaignStatus.OPEN
    response = world.client_for(world.lan).post(url, {"version": "0"})
    assert response.status_code == 302
    world.campaign.refresh_from_db()
    assert (world.campaign.status, world.campaign.version) == (CampaignStatus.CLOSED, 1)
    event = AuditEvent.objects.get(action=Action.CLOSE)
    assert event.actor == world.lan and event.object_id == str(world.campaign.pk)
    assert event.details == {"from": "open", "to": "closed"}
    page = _page(world)
    assert "Đã kết thúc" in page
    assert 'id="campaign-reopen"' in page and 'id="campaign-archive"' in page
    bad = reverse("campaigns:change-status", args=[world.campaign.slug, "explode"])
    assert world.client_for(world.lan).post(bad).status_code == 404


def test_a_closed_campaign_takes_no_submission(world: World) -> None:
    actions.close_campaign(world.lan, world.campaign.pk)
    with pytest.raises(report_actions.NotAllowed, match="Đợt báo cáo đã đóng"):
        report_actions.save_report(
            world.hoa, world.a_an_phu.pk, {"pano": "3"}, "", expected_version=0, submit=True
        )
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == "not_started" and world.a_an_phu.version == 0
    actions.reopen_campaign(world.lan, world.campaign.pk)
    report_actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": "3"}, "", expected_version=0, submit=True
    )
    assert AuditEvent.objects.filter(action=Action.REOPEN, actor=world.lan).count() == 1


def test_a_closed_campaign_sends_no_reminder(world: World, inbox: Inbox) -> None:
    world.an_phu.email = "vanphong@anphu.gov.vn"
    world.an_phu.save()
    first = dt.datetime(2030, 5, 2, 9, 0, tzinfo=VN)
    reminders.run_due_reminders(now=first)
    assert len(inbox.to("vanphong@anphu.gov.vn")) == 1
    # A reminder claimed but not yet sent when the office closes the campaign is dropped.
    Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.SENT).update(
        status=MessageStatus.QUEUED
    )
    actions.close_campaign(world.lan, world.campaign.pk)
    reminders.run_due_reminders(now=first + dt.timedelta(days=4))
    reminders.run_due_reminders(now=first + dt.timedelta(days=10))
    assert len(inbox.to("vanphong@anphu.gov.vn")) == 1
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert not emails.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENT]).exists()
    [dropped] = emails.filter(status=MessageStatus.CANCELLED)
    assert dropped.last_error == "campaign closed"


def test_a_stale_version_is_refused(world: World) -> None:
    actions.close_campaign(world.lan, world.campaign.pk, expected_version=0)
    actions.reopen_campaign(world.lan, world.campaign.pk, expected_version=1)
    with pytest.raises(actions.StaleCampaign, match="đã thay đổi"):
        actions.close_campaign(world.lan, world.campaign.pk, expected_version=0)
    world.campaign.refresh_from_db()
    assert world.campaign.status == CampaignStatus.OPEN


def test_every_step_not_in_the_table_is_refused(world: World) -> None:
    for state in CampaignStatus:
        for step in CampaignStep:
            Campaign.objects.filter(pk=world.campaign.pk).update(status=state)
            if (state, step) in CAMPAIGN_TRANSITIONS:
                done = actions.change_status(world.lan, world.campaign.pk, step)
                assert done.status == CAMPAIGN_TRANSITIONS[(state, step)]
                continue
            with pytest.raises(actions.ActionError):
                actions.change_status(world.lan, world.campaign.pk, step)
            world.campaign.refresh_from_db()
            assert world.campaign.status == state, (state, step)
    with pytest.raises(actions.ActionError):
        actions.change_status(world.hoa, world.campaign.pk, CampaignStep.CLOSE)


def test_an_archived_campaign_stays_closed_to_units(world: World) -> None:
    actions.close_campaign(world.lan, world.campaign.pk)
    actions.archive_campaign(world.lan, world.campaign.pk)
    with pytest.raises(report_actions.NotAllowed):
        report_actions.save_report(
            world.hoa, world.a_an_phu.pk, {"pano": "3"}, "", expected_version=0, submit=False
        )
    with pytest.raises(actions.ActionError):
        actions.reopen_campaign(world.lan, world.campaign.pk)
