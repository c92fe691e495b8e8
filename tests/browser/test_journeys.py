"""Each role walks its main journey on a phone (390 px) and a desktop (1366 px): no step shows
an ISO date, and each step is saved as a screenshot under test-results/screens/journey-*.

A real Chromium against the live server thread, as people use the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.visible_text import iso_dates
from tests.conftest import World, browser_login
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.models import Compilation
from tonghop.reports import actions
from tonghop.reports.links.actions import issue_link
from tonghop.reports.models import Assignment

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"


class Walk:
    """One person's walk at one width: each step saved and checked for ISO dates."""

    def __init__(self, browser: Any, role: str, width: str) -> None:
        self.context = browser.new_context(viewport=WIDTHS[width])
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.name = f"journey-{role}-{width}"
        self.steps = 0
        self.leaks: list[str] = []
        SCREENS.mkdir(parents=True, exist_ok=True)

    def step(self, what: str) -> None:
        self.steps += 1
        self.page.wait_for_load_state()
        shot = SCREENS / f"{self.name}-{self.steps:02d}-{what}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        self.leaks += [f"{self.name} {what}: {d}" for d in iso_dates(self.page)]

    def close(self) -> list[str]:
        self.context.close()
        return self.leaks


def _submit(assignment: Assignment, values: dict[str, object]) -> None:
    assignment.refresh_from_db()
    reporter = assignment.unit.memberships.get().user
    actions.save_report(
        reporter,
        assignment.pk,
        values,
        "Treo pano tại trụ sở và nhà văn hóa các thôn.",
        expected_version=assignment.version,
        submit=True,
    )


def _fill_and_submit(page: Any) -> None:
    page.fill("#id_pano", "17")
    page.fill("#id_luot_nguoi", "1.250")
    page.fill("#id_narrative", "Treo 17 pano tại trụ sở xã và nhà văn hóa các thôn.")
    page.get_by_role("button", name="Gửi báo cáo").click()


def test_a_reporter_by_link_opens_the_form_and_submits(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world, leaks = world_tx, []
    for width in WIDTHS:
        # A fresh link each time: the school's reporter opens it on the device at hand.
        _, path = issue_link(world.a_school, by=world.lan)
        walk = Walk(browser, "link", width)
        walk.page.goto(live_server.url + path)
        walk.step("form")
        if width == "phone":
            _fill_and_submit(walk.page)
            assert "Đã gửi báo cáo (số biên nhận" in walk.page.content()
            walk.step("submitted")
        leaks += walk.close()
    world.a_school.refresh_from_db()
    assert world.a_school.state == "submitted"
    assert leaks == [], "\n".join(leaks)


def test_a_reporter_signs_in_finds_the_campaign_and_submits(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world, leaks = world_tx, []
    people = {"phone": ("hoa", world.a_an_phu), "desktop": ("nam", world.a_binh_minh)}
    for width, (username, assignment) in people.items():
        walk = Walk(browser, "reporter", width)
        browser_login(walk.page, live_server.url, username)
        walk.step("home")
        walk.page.get_by_role("link", name=world.campaign.title).first.click()
        walk.step("form")
        _fill_and_submit(walk.page)
        assert "Đã gửi báo cáo (số biên nhận" in walk.page.content()
        walk.step("submitted")
        walk.page.goto(live_server.url + reverse("reminders:notifications"))
        walk.step("notices")
        leaks += walk.close()
        assignment.refresh_from_db()
        assert assignment.state == "submitted"
    assert leaks == [], "\n".join(leaks)


def test_the_specialist_reviews_accepts_and_finds_the_missing_units(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world, leaks = world_tx, []
    _submit(world.a_an_phu, {"pano": 17, "luot_nguoi": 1250})
    _submit(world.a_binh_minh, {"pano": 4})
    units = {"phone": "UBND xã An Phú", "desktop": "UBND xã Bình Minh"}
    for width, unit in units.items():
        walk = Walk(browser, "specialist", width)
        browser_login(walk.page, live_server.url, "lan")
        walk.step("home")
        walk.page.get_by_role("link", name=world.campaign.title).first.click()
        walk.step("campaign")
        walk.page.get_by_role("link", name=unit).first.click()
        walk.step("review")
        walk.page.get_by_role("button", name="Chấp nhận báo cáo").click()
        assert "Đã chấp nhận báo cáo." in walk.page.content()
        walk.step("accepted")
        walk.page.goto(live_server.url + reverse("campaigns:missing", args=[world.campaign.slug]))
        walk.step("missing")
        leaks += walk.close()
    for assignment in (world.a_an_phu, world.a_binh_minh):
        assignment.refresh_from_db()
        assert assignment.state == "accepted"
    assert leaks == [], "\n".join(leaks)


def _drawn(world: World) -> str:
    """The compiled report, handed to the head for signature."""
    _submit(world.a_an_phu, {"pano": 17, "luot_nguoi": 1250})
    compilation = compilation_actions.run(
        Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    )
    compilation_actions.submit_for_signature(world.lan, compilation.pk)
    return reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])


def test_the_head_opens_the_campaign_and_the_report_to_sign(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world, leaks = world_tx, []
    drawn = _drawn(world)
    for width in WIDTHS:
        walk = Walk(browser, "head", width)
        browser_login(walk.page, live_server.url, "thach")
        walk.step("home")
        walk.page.get_by_role("link", name=world.campaign.title).first.click()
        walk.step("campaign")
        walk.page.goto(live_server.url + drawn)
        assert "Ký số" in walk.page.content()
        walk.step("to-sign")
        leaks += walk.close()
    assert leaks == [], "\n".join(leaks)


def test_the_clerk_opens_the_register_and_the_report_to_issue(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world, leaks = world_tx, []
    drawn = _drawn(world)
    for width in WIDTHS:
        walk = Walk(browser, "clerk", width)
        browser_login(walk.page, live_server.url, "hang")
        walk.step("home")
        walk.page.goto(live_server.url + reverse("documents:list"))
        walk.step("register")
        walk.page.goto(live_server.url + drawn)
        walk.step("report")
        leaks += walk.close()
    assert leaks == [], "\n".join(leaks)
