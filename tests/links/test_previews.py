"""A personal link pasted into a chat is fetched by the chat app for its preview card before
anyone taps it: the page is served, but the office must not see the unit as having opened it."""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import PHONE_BROWSER, World
from tests.links.conftest import attach_directive_document
from tests.reminders.conftest import Inbox
from tonghop.reminders import directive
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reports.links.models import AccessLink
from tonghop.visitors import is_person

ZALO_IN_APP = (
    "Mozilla/5.0 (Linux; Android 13; 23021RAAEG Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.100 Mobile Safari/537.36 "
    "Zalo android/12100566 ZaloTheme/light ZaloLanguage/vi"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/15.6.6 Mobile/15E148 Safari/604.1"
)
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 12; CUBOT P60) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
PREVIEWERS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "WhatsApp/2.23.20.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; ZaloBot/1.0)",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "",
]


def _request(agent: str, method: str = "GET", **headers: str) -> HttpRequest:
    request = RequestFactory().generic(method, "/l/x/")
    request.META.update({"HTTP_USER_AGENT": agent, **headers})
    return request


@pytest.mark.parametrize("agent", [PHONE_BROWSER, ZALO_IN_APP, IPHONE_SAFARI, CUBOT_PHONE])
def test_a_browser_is_a_person(agent: str) -> None:
    assert is_person(_request(agent))


@pytest.mark.parametrize("agent", PREVIEWERS)
def test_a_preview_fetcher_is_not(agent: str) -> None:
    assert not is_person(_request(agent))


def test_a_head_request_or_an_announced_prefetch_is_not() -> None:
    assert not is_person(_request(PHONE_BROWSER, "HEAD"))
    assert not is_person(_request(PHONE_BROWSER, "POST"))
    for header, value in [
        ("HTTP_SEC_PURPOSE", "prefetch;prerender"),
        ("HTTP_PURPOSE", "prefetch"),
        ("HTTP_X_MOZ", "prefetch"),
    ]:
        assert not is_person(_request(PHONE_BROWSER, **{header: value}))


def test_previews_of_a_sent_link_are_not_an_opening(world: World, inbox: Inbox) -> None:
    world.school.email = "thcs-anphu@minhhoa.edu.vn"
    world.school.save()
    attach_directive_document(world)
    directive.send_directive(world.campaign, by=world.lan, base_url="http://testserver/")
    [mail] = inbox.to("thcs-anphu@minhhoa.edu.vn")
    found = re.search(r"http://testserver(/l/[^\s/]+/)", inbox.body(mail))
    assert found
    path = found.group(1)
    token = path.removeprefix("/l/").removesuffix("/")
    document_url = reverse("links:directive-document", args=[token])
    link = AccessLink.objects.get(assignment=world.a_school)

    # The chat apps draw their cards; a monitor asks for the headers; nothing is counted.
    for agent in PREVIEWERS:
        page = Client(headers={"User-Agent": agent}).get(path)
        assert page.status_code == 200  # the preview still gets the page's title
        assert Client(headers={"User-Agent": agent}).get(document_url).status_code == 200
    head = Client(headers={"User-Agent": PHONE_BROWSER}).head(document_url)
    assert head.status_code == 200
    prefetch = Client(headers={"User-Agent": PHONE_BROWSER, "Sec-Purpose": "prefetch"})
    assert prefetch.get(path).status_code == 200
    delivery = DirectiveDelivery.objects.get(assignment=world.a_school)
    assert delivery.first_opened_at is None
    link.refresh_from_db()
    assert link.use_count == 0 and link.last_used_at is None

    # The school's clerk taps the link in Zalo: that is the opening, counted once.
    assert Client(headers={"User-Agent": ZALO_IN_APP}).get(path).status_code == 200
    delivery.refresh_from_db()
    assert delivery.first_opened_at is not None
    assert delivery.first_opened_via_link == link.pk
    link.refresh_from_db()
    assert link.use_count == 1
