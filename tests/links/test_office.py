"""The office's panel of a unit's personal link: issue (shown once), revoke, see its use."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PHONE_BROWSER, World
from tonghop.audit.models import Action, AuditEvent
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports.links import actions
from tonghop.reports.links.models import AccessLink

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
URL_SHOWN = re.compile(r'id="link-url"[^>]*value="([^"]+)"')


def _review(world: World) -> str:
    return reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])


def _issue_url(world: World, assignment: Any = None) -> str:
    a = assignment or world.a_an_phu
    return reverse("campaigns:link-issue", args=[world.campaign.slug, a.pk])


def _revoke_url(world: World, assignment: Any = None) -> str:
    a = assignment or world.a_an_phu
    return reverse("campaigns:link-revoke", args=[world.campaign.slug, a.pk])


def _state(body: str) -> str:
    match = re.search(r'class="badge (\w+)" id="link-state"', body)
    assert match, "the panel shows the link's state"
    return match.group(1)


def test_the_review_page_shows_the_panel_without_a_link(world: World) -> None:
    body = world.client_for(world.lan).get(_review(world)).content.decode()
    assert 'id="link"' in body
    assert _state(body) == "not_started"
    assert _issue_url(world) in body
    assert _revoke_url(world) not in body
    assert not INLINE_SCRIPT.search(body)
    assert not STYLE_ATTRIBUTE.search(body)


def test_the_office_issues_a_link_shown_once_that_opens_the_form(
    world: World, settings: Any
) -> None:
    settings.SITE_URL = "https://baocao.minhhoa.gov.vn/"
    world.an_phu.email = "anphu@minhhoa.gov.vn"
    world.an_phu.save()
    client = world.client_for(world.lan)
    response = client.post(_issue_url(world), {"days": ""})
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    match = URL_SHOWN.search(body)
    assert match
    url = match.group(1)
    assert url.startswith("https://baocao.minhhoa.gov.vn/l/")
    path = urlsplit(url).path
    assert 'src="data:image/svg+xml' in body  # the QR code
    assert 'href="mailto:anphu@minhhoa.gov.vn?subject=' in body
    assert not INLINE_SCRIPT.search(body)
    assert not STYLE_ATTRIBUTE.search(body)
    # The link works for someone with no account.
    page = Client().get(path, headers={"User-Agent": PHONE_BROWSER})
    assert page.status_code == 200
    assert 'name="narrative"' in page.content.decode()
    # The review page tells that a live link exists, never the link itself.
    review = client.get(_review(world)).content.decode()
    assert _state(review) == "on_time"
    assert path not in review
    assert "(1 " in review  # used once
    assert world.lan.full_name in review
    assert AuditEvent.objects.filter(action=Action.PERMISSION, actor=world.lan).count() == 1


def test_a_new_link_replaces_the_old_one(world: World) -> None:
    client = world.client_for(world.thach)
    first = URL_SHOWN.search(client.post(_issue_url(world)).content.decode())
    second = URL_SHOWN.search(client.post(_issue_url(world), {"days": "7"}).content.decode())
    assert first and second and first.group(1) != second.group(1)
    anonymous = Client()
    assert anonymous.get(urlsplit(first.group(1)).path).status_code == 410
    assert anonymous.get(urlsplit(second.group(1)).path).status_code == 200
    assert AccessLink.objects.unrevoked().count() == 1


def test_the_office_revokes_the_link(world: World) -> None:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    client = world.client_for(world.thach)
    response = client.post(_revoke_url(world))
    assert response.status_code == 302
    assert response["Location"] == _review(world) + "#link"
    assert Client().get(path).status_code == 410
    link = AccessLink.objects.get()
    assert link.revoked_by == world.thach
    review = client.get(_review(world)).content.decode()
    assert _state(review) == "not_started"
    assert 'class="link-history"' in review
    # Nothing left to revoke: said, and nothing changes.
    response = client.post(_revoke_url(world))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == world.thach


def test_an_expired_link_is_shown_as_expired(world: World) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan, days=1)
    AccessLink.objects.filter(pk=link.pk).update(expires_at=link.created_at)
    body = world.client_for(world.lan).get(_review(world)).content.decode()
    assert _state(body) == "late"
    assert _revoke_url(world) in body


@pytest.mark.parametrize(
    "days", ["abc", "0", "-3", "366", "9" * 40, "1e3", "7.5", " ", "1; DROP TABLE"]
)
def test_bad_days_are_refused_and_nothing_is_issued(world: World, days: str) -> None:
    client = world.client_for(world.lan)
    response = client.post(_issue_url(world), {"days": days})
    assert response.status_code == 302
    assert response["Location"] == _review(world) + "#link"
    assert not AccessLink.objects.exists()


def test_no_link_for_a_closed_campaign(world: World) -> None:
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    response = world.client_for(world.lan).post(_issue_url(world))
    assert response.status_code == 302
    assert not AccessLink.objects.exists()


@pytest.mark.parametrize("person", ["hoa", "nam", "tu"])
def test_others_can_neither_issue_nor_revoke(world: World, person: str) -> None:
    link, _path = actions.issue_link(world.a_an_phu, by=world.lan)
    client = world.client_for(getattr(world, person))
    assert client.post(_issue_url(world)).status_code == 404
    assert client.post(_revoke_url(world)).status_code == 404
    assert AccessLink.objects.get() == link
    link.refresh_from_db()
    assert link.revoked_at is None
    assert client.get(_review(world)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    actions.issue_link(world.a_an_phu, by=world.lan)
    for url in (_issue_url(world), _revoke_url(world)):
        response = Client().post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert AccessLink.objects.get().revoked_at is None
    assert AccessLink.objects.count() == 1


def test_the_buttons_take_only_post(world: World) -> None:
    client = world.client_for(world.lan)
    assert client.get(_issue_url(world)).status_code == 405
    assert client.get(_revoke_url(world)).status_code == 405
    assert not AccessLink.objects.exists()


def test_a_unit_of_another_campaign_cannot_be_named(world: World) -> None:
    # The slug and the assignment must agree: no issuing through another campaign's URL.
    url = reverse("campaigns:link-issue", args=["khong-co", world.a_an_phu.pk])
    assert world.client_for(world.lan).post(url).status_code == 404
    assert not AccessLink.objects.exists()
