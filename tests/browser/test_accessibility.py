"""Every page of each role passes axe-core (WCAG 2.1 AA) at a phone's and a desktop's width,
with no serious or critical violation, and the reporter's form can be finished by keyboard alone.

A real Chromium lays the pages out; axe-core comes from node_modules (`npm ci`). Each page is
also saved as a screenshot under test-results/screens/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.axe import require_axe, violations
from tests.conftest import PASSWORD, World, browser_login
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.models import Compilation
from tonghop.reminders import directive
from tonghop.reports import actions
from tonghop.reports.links.actions import issue_link

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"


def _scene(world: World, base: str) -> dict[str, list[str]]:
    """A campaign in the middle of its cycle, and the pages each role opens in it."""
    directive.send_directive(
        world.campaign, by=world.lan, base_url=base + "/", now=timezone.now() - dt.timedelta(days=1)
    )
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 17, "luot_nguoi": 1250},
        "Treo 17 pano tại trụ sở xã và nhà văn hóa các thôn.",
        expected_version=world.a_an_phu.version,
        submit=True,
    )
    _, link = issue_link(world.a_school, by=world.lan)
    compilation = compilation_actions.run(
        Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    )
    compilation_actions.submit_for_signature(world.lan, compilation.pk)
    slug = world.campaign.slug
    drawn = reverse("compilation:detail", args=[slug, compilation.uid])
    return {
        "anonymous": [
            reverse("login"),
            reverse("password-forgot"),
            reverse("news:list"),
            reverse("verify"),
        ],
        "link": [link],
        "hoa": [
            reverse("home"),
            reverse("reports:mine"),
            reverse("reports:form", args=[world.a_an_phu.pk]),
            reverse("reminders:notifications"),
            reverse("password-change"),
            reverse("twofactor:setup"),
        ],
        "lan": [
            reverse("home"),
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
            reverse("documents:exchange"),
            reverse("campaigns:templates"),
            reverse("campaigns:above"),
            reverse("tokens:list"),
            reverse("signing-images"),
            drawn,
        ],
        "thach": [
            reverse("home"),
            reverse("campaigns:detail", args=[slug]),
            drawn,
            reverse("people:list"),
            reverse("setup:office"),
            reverse("setup:units"),
        ],
        "hang": [reverse("home"), reverse("documents:list"), drawn],
    }


def _name(url: str) -> str:
    return url.strip("/").replace("/", "_")[:60] or "home"


def test_no_page_of_any_role_has_a_serious_accessibility_violation(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    require_axe()
    base = live_server.url
    pages = _scene(world_tx, base)
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width, viewport in WIDTHS.items():
        for person, urls in pages.items():
            context = browser.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(15000)
            if person not in ("anonymous", "link"):
                browser_login(page, base, person)
            for url in urls:
                response = page.goto(base + url)
                assert response is not None and response.status < 400, (url, person)
                page.screenshot(
                    path=str(SCREENS / f"{person}-{_name(url)}-{width}.png"), full_page=True
                )
                problems.extend(f"{person} {width}: {v}" for v in violations(page))
            context.close()
    assert problems == [], "\n".join(problems)


def test_a_reporter_completes_the_form_by_keyboard_alone(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    """Sign in and submit with Tab, typing and Enter only: every field and button is reached
    in order, and nothing needs a mouse."""
    base = live_server.url
    context = browser.new_context(viewport=WIDTHS["phone"])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/")

    def tab_to(selector: str, limit: int = 80) -> None:
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return  # already there (the login form puts the cursor in the user name)
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reaches {selector} on {page.url}")

    tab_to("#id_username")
    page.keyboard.type("hoa")
    tab_to("#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(base + reverse("reports:form", args=[world_tx.a_an_phu.pk]))
    # The first stop of Tab offers to skip the header, and is seen when it has the focus.
    tab_to("a.skip", limit=1)
    assert page.is_visible("a.skip")
    box = page.evaluate("document.activeElement.getBoundingClientRect().left")
    assert box >= 0
    typed = {"pano": "17", "luot_nguoi": "1250", "narrative": "Treo 17 pano tại trụ sở xã."}
    for name, value in typed.items():
        tab_to(f"[name={name}]")
        page.keyboard.type(value)
    tab_to("button[value=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submission-receipt")
    world_tx.a_an_phu.refresh_from_db()
    assert world_tx.a_an_phu.state == "submitted"
    context.close()
