"""A civil servant's day in a real Chromium: Vietnamese typed in the site's font, a refused save
on a phone that shows its error, a compact menu shaped by the person's role, and no date on
any page written the ISO way (2024-11-07) instead of as Vietnamese read it (07/11/2024)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.browser.visible_text import iso_dates
from tests.conftest import World, browser_login
from tonghop.dispatch import parse_text
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.portal.models import NewsItem

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SEED_TEXT = """UBND HUYỆN MINH HÒA
PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN
Số: 118/VHKHTT
V/v hưởng ứng Ngày Sáng tạo
Minh Hòa, ngày 06 tháng 11 năm 2024
Kính gửi: Các đơn vị
Thực hiện văn bản số 542/SKHCN-CN&ĐMST ngày 21/10/2024 của Sở Khoa học và Công nghệ.
Tổ chức hoạt động từ ngày 15/4/2024 đến ngày 26/4/2024; gửi báo cáo trước ngày 06/5/2025.
Nơi nhận:
- Như trên;
- Lưu: VT.
TRƯỞNG PHÒNG
Phạm Viết Thạch
"""


def _read_document(world: World) -> Document:
    """An incoming document as the reader left it: dates, periods and a signing time in ISO."""
    parsed = parse_text(SEED_TEXT, signatures=[{"signed_at": "2024-11-06T08:49:06+07:00"}])
    parsed["signatures"] = [
        {"signer": "Phạm Viết Thạch", "signed_at": "2024-11-06T01:49:06+00:00", "intact": True}
    ]
    return Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        status=IntakeStatus.READ,
        original_name="cv-118.txt",
        subject="Hưởng ứng Ngày Sáng tạo",
        text=SEED_TEXT,
        parsed=parsed,
    )


def _monospace_controls(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('textarea, input:not([type=hidden])')]
                .filter(e => /mono/i.test(getComputedStyle(e).fontFamily))
                .map(e => (e.name || e.id || e.type) + ': ' + getComputedStyle(e).fontFamily)"""
        )
    )


def test_no_textarea_or_input_of_the_main_forms_is_monospace(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    base = live_server.url
    document = _read_document(world)
    pages = {
        "hoa": [reverse("reports:form", args=[world.a_an_phu.pk])],
        "lan": [
            reverse("campaigns:new"),
            reverse("documents:detail", args=[document.uid]),
            reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk]),
            reverse("campaigns:form", args=[world.campaign.slug]),
        ],
    }
    found = []
    for person, urls in pages.items():
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(15000)
        browser_login(page, base, person)
        for url in urls:
            page.goto(base + url)
            assert page.locator("textarea").count() > 0 or "campaigns" in url, url
            found += [f"{url} {control}" for control in _monospace_controls(page)]
        context.close()
    assert found == []


def test_a_refused_save_on_a_phone_shows_its_error_and_the_receipt_at_the_top(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, base, "hoa")
    page.goto(base + reverse("reports:form", args=[world.a_an_phu.pk]))
    page.fill("#id_narrative", "Tổ chức tuyên truyền Ngày Sáng tạo thế giới. " * 30)
    page.fill("#id_luot_nguoi", "nhiều")
    page.get_by_role("button", name="Lưu nháp").last.click()
    page.wait_for_load_state()
    alert = page.locator("[data-form-alert]")
    assert alert.get_attribute("role") == "alert"
    # On the screen, without scrolling, and where the keyboard and a screen reader are.
    box = alert.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert page.evaluate("document.activeElement.hasAttribute('data-form-alert')")
    # The field's own error sits beside it.
    assert page.locator("[data-field=luot_nguoi] .errorlist").count() == 1

    page.fill("#id_pano", "17")
    page.fill("#id_luot_nguoi", "1.250")
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_load_state()
    message = page.locator(".messages li.success")
    text = message.inner_text()
    world.a_an_phu.refresh_from_db()
    version = world.a_an_phu.report.versions.order_by("-number").first()
    assert version is not None and version.receipt_number
    assert version.receipt_number in text
    box = message.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    context.close()


def test_a_reporter_gets_a_compact_menu_of_its_own_things(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, base, "hoa")
    header = page.locator("header.top")
    box = header.bounding_box()
    assert box is not None and box["height"] <= 60, box
    page.get_by_text("Danh mục").click()
    menu = header.inner_text()
    assert "Báo cáo của đơn vị" in menu and "Thông báo" in menu and "Trần Thị Hoa" in menu
    for staff_tool in ("Xác thực hai bước", "Mã truy cập API", "Kiểm tra chữ ký số"):
        assert staff_tool not in menu
    # Still there for whoever wants them: on the account page.
    page.get_by_role("link", name="Trần Thị Hoa").click()
    tools = page.locator("#account-tools").inner_text()
    assert "Xác thực hai bước" in tools and "Mã truy cập API" in tools
    context.close()

    # The specialist on a desktop sees the office's tools without opening anything.
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    browser_login(page, base, "lan")
    assert page.get_by_role("link", name="Văn bản", exact=True).is_visible()
    assert page.get_by_role("link", name="Kiểm tra chữ ký số").is_visible()
    context.close()


def test_no_page_of_any_role_shows_an_iso_date(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    base = live_server.url
    document = _read_document(world)
    NewsItem.objects.create(
        office=world.office,
        title="Kết quả hưởng ứng Ngày Sáng tạo",
        summary="Các đơn vị đã treo 120 pano.",
        body="Các đơn vị đã treo 120 pano.",
        published_at=world.campaign.created_at,
    )
    slug = world.campaign.slug
    pages: dict[str | None, list[str]] = {
        "hoa": [
            reverse("reports:mine"),
            reverse("reports:form", args=[world.a_an_phu.pk]),
            reverse("reminders:notifications"),
            reverse("account"),
        ],
        "lan": [
            reverse("campaigns:list"),
            reverse("campaigns:new"),
            reverse("documents:list"),
            reverse("documents:detail", args=[document.uid]),
            reverse("campaigns:form", args=[slug]),
            reverse("verify"),
        ],
        "thach": [reverse("campaigns:list"), reverse("account")],
        None: [reverse("news:list")],
    }
    leaks = []
    for person, urls in pages.items():
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(15000)
        if person is not None:
            browser_login(page, base, person)
        for url in urls:
            page.goto(base + url)
            leaks += [f"{person} {url}: {found}" for found in iso_dates(page)]
        context.close()
    assert leaks == []
