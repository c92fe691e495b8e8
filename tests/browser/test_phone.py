"""Every page a reporter or the office opens fits a phone's width: nothing runs off the right
edge so that the whole page must be scrolled sideways (a wide table scrolls inside its own box).

A real Chromium at 390 px lays the pages out; the document's width is what it measures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, browser_login
from tonghop.reminders import directive
from tonghop.reports import actions

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _too_wide(page: Any, url: str) -> str | None:
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    # Name the culprit: the outermost element past the edge that is not inside a scrolling box.
    culprit = page.evaluate(
        """(edge) => {
            for (const e of document.querySelectorAll('body *')) {
                if (e.getBoundingClientRect().right <= edge + 1) continue;
                let boxed = false;
                for (let a = e.parentElement; a; a = a.parentElement) {
                    const o = getComputedStyle(a).overflowX;
                    if (o === 'auto' || o === 'scroll') { boxed = true; break; }
                }
                if (!boxed) return e.outerHTML.slice(0, 160);
            }
            return '';
        }""",
        PHONE["width"],
    )
    return f"{url}: {width} px wide, {culprit}"


def test_the_pages_fit_a_phone(browser: Any, world_tx: World, live_server: Any) -> None:
    world = world_tx
    base = live_server.url
    # Sent two days ago and confirmed by nobody: the campaign page then says, in a badge, how
    # many units did not confirm on the day (a long sentence on a small screen).
    directive.send_directive(
        world.campaign,
        by=world.lan,
        base_url=base + "/",
        now=timezone.now() - dt.timedelta(days=2),
    )
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 17, "luot_nguoi": 1250},
        "Treo 17 pano tại trụ sở xã và nhà văn hóa các thôn.",
        expected_version=world.a_an_phu.version,
        submit=True,
    )
    slug = world.campaign.slug
    pages = {
        "hoa": [
            reverse("reports:mine"),
            reverse("reports:form", args=[world.a_an_phu.pk]),
            reverse("reminders:notifications"),
        ],
        "lan": [
            reverse("campaigns:list"),
            reverse("campaigns:detail", args=[slug]),
            reverse("campaigns:review", args=[slug, world.a_an_phu.pk]),
            reverse("campaigns:units", args=[slug]),
            reverse("campaigns:form", args=[slug]),
            reverse("campaigns:missing", args=[slug]),
            reverse("campaigns:new"),
            reverse("reminders:campaign", args=[slug]),
            reverse("reminders:receipts", args=[slug]),
            reverse("documents:list"),
            reverse("documents:upload"),
        ],
    }
    problems = []
    for person, urls in pages.items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(15000)
        browser_login(page, base, person)
        for url in urls:
            if (problem := _too_wide(page, base + url)) is not None:
                problems.append(problem)
        context.close()
    assert problems == []
