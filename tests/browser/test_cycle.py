"""A reporter submits, the specialist accepts and compiles, the DOCX holds the figure.

Drives Debian's Chromium through Playwright against the real server thread, as people would.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from tests.conftest import World, browser_login

pytestmark = pytest.mark.browser


def test_it_walks_the_cycle_from_report_to_compiled_docx(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)

    # The reporter of An Phú, on a phone-sized screen.
    browser_login(page, base, "hoa")
    page.get_by_role("link", name=world.campaign.title).click()
    page.fill("#id_pano", "-2")
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert "Số liệu không được âm." in page.content()
    page.fill("#id_pano", "17")
    page.fill("#id_luot_nguoi", "1.250")
    page.fill("#id_narrative", "Treo 17 pano tại trụ sở xã và nhà văn hóa các thôn.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert "Đã gửi báo cáo (số biên nhận" in page.content()
    assert page.locator("#status").inner_text() == "Gửi đúng hạn"
    # On a phone the top bar's links are folded into its menu.
    page.get_by_text("Danh mục").click()
    page.get_by_role("button", name="Đăng xuất").click()

    # The office specialist reviews and accepts, then compiles.
    context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, base, "lan")
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
