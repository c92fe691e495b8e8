"""In a real Chromium, the pages of the main flows break no rule of the Content Security Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.campaigns.test_views import _submit
from tests.conftest import World, browser_login

pytestmark = pytest.mark.browser


def test_no_page_breaks_the_policy(browser: Any, world_tx: World, live_server: Any) -> None:
    world = world_tx
    _submit(world, world.a_an_phu)
    base = live_server.url
    slug = world.campaign.slug
    violations: list[str] = []
    for username, paths in (
        ("hoa", ["/reports/", f"/reports/{world.a_an_phu.pk}/"]),
        (
            "lan",
            [
                "/campaigns/",
                f"/campaigns/{slug}/",
                f"/campaigns/{slug}/missing/",
                f"/reminders/campaign/{slug}/",
                "/documents/",
                "/verify/",
            ],
        ),
    ):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        browser_login(page, base, username)
        page.wait_for_load_state("networkidle")
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            if path == f"/campaigns/{slug}/":
                # The chart is drawn (presentation attributes are not inline style).
                assert page.locator("#chart svg polyline").count() == 1
                box = page.locator("#chart svg").bounding_box()
                assert box is not None and box["width"] <= 681
        context.close()
    assert violations == []
