"""A reporter submits, the specialist accepts and compiles, the DOCX holds the figure.

Drives Debian's Chromium through Playwright against the real server thread, as people would.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from django.db import connections

from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium() -> str:
    path = os.environ.get("TONGHOP_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page steps are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            # While Playwright's loop runs, Django keeps this thread's connections apart from
            # the ones it sees afterwards: closed here, or the test database cannot be dropped.
            connections.close_all()
            instance.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_it_walks_the_cycle_from_report_to_compiled_docx(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)

    # The reporter of An Phú, on a phone-sized screen.
    _login(page, base, "hoa")
    page.get_by_role("link", name=world.campaign.title).click()
    page.fill("#id_pano", "-2")
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert "Số liệu không được âm." in page.content()
    page.fill("#id_pano", "17")
    page.fill("#id_luot_nguoi", "1.250")
    page.fill("#id_narrative", "Treo 17 pano tại trụ sở xã và nhà văn hóa các thôn.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert "Đã gửi báo cáo. Xin cảm ơn." in page.content()
    assert page.locator("#status").inner_text() == "Gửi đúng hạn"
    page.get_by_role("button", name="Đăng xuất").click()

    # The office specialist reviews and accepts, then compiles.
    context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, base, "lan")
    page.get_by_role("link", name=world.campaign.title).click()
    row = page.locator('tr[data-unit="xa-an-phu"]')
    assert "Gửi đúng hạn" in row.inner_text()
    row.get_by_role("link", name="UBND xã An Phú").click()
    page.get_by_role("button", name="Chấp nhận báo cáo").click()
    assert "Đã chấp nhận báo cáo." in page.content()
    assert page.locator("#status").inner_text() == "Đã chấp nhận"
    page.get_by_role("link", name=f"← {world.campaign.title}").click()
    page.get_by_role("button", name="Tổng hợp báo cáo (DOCX)").click()
    with page.expect_download() as caught:
        page.locator("#download").click()
    download = caught.value
    assert download.suggested_filename.endswith(".docx")
    document = docx.Document(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["1", "Pano đã treo", "cái", "17", "1"] in cells
    assert any(r[:2] == ["", "Tổng cộng"] and r[2] == "17" for r in cells)
    context.close()
