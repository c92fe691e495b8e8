"""The specialist's campaign page in a real browser: the chips swap the table where the reader
is, the chart's labels do not touch, reminders can all be chosen at once, and the printed lists
carry the table without the site's header.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import VN, World, browser_login
from tonghop.reports import actions
from tonghop.reports.models import Assignment

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _submit(assignment: Assignment, user: Any, when: dt.datetime) -> None:
    actions.save_report(
        user, assignment.pk, {"pano": "3"}, "Đã treo.", expected_version=0, submit=True, now=when
    )


def test_a_chip_swaps_the_table_in_place_and_keeps_the_address(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    _submit(world.a_an_phu, world.hoa, dt.datetime(2030, 5, 1, 9, tzinfo=VN))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, live_server.url, "lan")
    page.goto(live_server.url + reverse("campaigns:detail", args=[world.campaign.slug]))
    page.evaluate("window.notReloaded = true")
    page.click("#units-section a[href^='?status=on_time']")
    expect(page.locator("#units tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/\?status=on_time(#units-section)?$"))
    # The same document (no reload), the address shareable, and the table on the screen.
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#units tr[data-unit='xa-an-phu']").count() == 1
    top = page.evaluate("document.querySelector('#units-section').getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"]
    assert page.get_attribute("#units-section a[aria-current]", "href") == (
        "?status=on_time#units-section"
    )
    # The unit's link inside the table still opens its page, not a swap.
    page.click("#units a[href*='/units/']")
    page.wait_for_selector("h1")
    assert "/units/" in page.url and page.locator("#units-section").count() == 0
    # Opened afresh, the shared address shows the same list.
    page.goto(
        live_server.url
        + reverse("campaigns:detail", args=[world.campaign.slug])
        + "?status=on_time"
    )
    assert page.locator("#units tbody tr").count() == 1
    context.close()


def test_the_charts_labels_do_not_touch(browser: Any, world_tx: World, live_server: Any) -> None:
    world = world_tx
    # The case: a first report a week before the due date, one long after it.
    _submit(world.a_an_phu, world.hoa, dt.datetime(2030, 4, 28, 9, tzinfo=VN))
    _submit(world.a_binh_minh, world.nam, dt.datetime(2030, 11, 20, 9, tzinfo=VN))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, live_server.url, "lan")
    page.goto(live_server.url + reverse("campaigns:detail", args=[world.campaign.slug]))
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#chart svg text')].map(t => {
            const b = t.getBoundingClientRect();
            return {
                text: t.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom,
            };
        })"""
    )
    svg = page.evaluate(
        """(() => {
            const b = document.querySelector('#chart svg').getBoundingClientRect();
            return [b.left, b.right];
        })()"""
    )
    texts = [b["text"] for b in boxes]
    assert any(t.startswith("hạn báo cáo 05/05") for t in texts), texts
    assert "28/04" in texts and "20/11" in texts
    for i, a in enumerate(boxes):
        assert svg[0] <= a["left"] and a["right"] <= svg[1], a
        for b in boxes[i + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, (a, b)
    context.close()


def test_choose_all_ticks_every_unit_to_remind(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, live_server.url, "lan")
    page.goto(live_server.url + reverse("reminders:campaign", args=[world_tx.campaign.slug]))
    boxes = page.locator("#owed input[name=assignment]")
    assert boxes.count() == 3
    page.check("#choose-all")
    assert all(boxes.nth(i).is_checked() for i in range(3))
    boxes.nth(0).uncheck()
    assert page.evaluate("document.getElementById('choose-all').indeterminate") is True
    page.check("#choose-all")
    page.click("#remind-now")
    page.wait_for_selector(".messages li.success")
    assert "3" in page.inner_text(".messages li.success")
    context.close()


def test_the_printed_pages_show_the_table_without_the_site(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    world.binh_minh.contact_name = "Lê Văn Nam"
    world.binh_minh.contact_phone = "0912 345 678"
    world.binh_minh.save()
    _submit(world.a_an_phu, world.hoa, dt.datetime(2030, 5, 1, 9, tzinfo=VN))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, live_server.url, "lan")
    page.emulate_media(media="print")
    slug = world.campaign.slug
    page.goto(live_server.url + reverse("campaigns:missing", args=[slug]))
    assert not page.is_visible("header.top")
    assert not page.is_visible("a.button")
    assert page.is_visible("#missing")
    assert page.is_visible("#missing thead")  # a real table, not the phone's cards
    assert "0912 345 678" in page.inner_text("#missing")
    assert world.campaign.title in page.inner_text("main")
    page.goto(live_server.url + reverse("campaigns:review", args=[slug, world.a_an_phu.pk]))
    assert not page.is_visible("header.top")
    assert page.is_visible("main table.data")
    assert not page.is_visible("#extend") and not page.is_visible("#link")
    assert not page.is_visible("button")
    page.emulate_media(media="screen")
    assert page.is_visible("header.top") and page.is_visible("#extend")
    context.close()
