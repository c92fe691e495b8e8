"""Trình ký on the demo's seed campaign, in the browser: the specialist submits the compiled
report, the head reads its pages and returns it with a comment, the specialist edits and
submits again, the head signs and the clerk (văn thư) issues it; every step stays in the
compilation's history on its page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tonghop.compilation.models import Compilation, CompilationState
from tonghop.demo.scenario import DEMO_PASSWORD, SEED_SLUG, load_scenario
from tonghop.issuing.signing import create_demo_authority

pytestmark = pytest.mark.browser

KEY_PASS = "mat-khau-ky-demo"
COMMENT = "Phần đánh giá cần nêu rõ số đơn vị chưa báo cáo."
ASSESSMENT = "Còn 9 đơn vị chưa báo cáo; Phòng đã đôn đốc và sẽ báo cáo bổ sung."


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    # Waits for the page after the sign-in's redirect before counting.
    logout = page.get_by_role("button", name="Đăng xuất")
    logout.wait_for()
    assert logout.count() == 1


def _history(page: Any) -> list[str]:
    return [line.strip() for line in page.locator("#rounds li").all_inner_texts()]


def test_trinh_ky_round_on_the_seed_campaign(
    browser: Any, transactional_db: None, live_server: Any, tmp_path: Path
) -> None:
    authority = create_demo_authority(
        tmp_path / "pki",
        office_name="Phòng Văn hóa, Khoa học và Thông tin",
        signer_name="Phạm Viết Thạch",
        passphrase=KEY_PASS,
    )
    settings.TONGHOP_SIGNING_P12 = str(authority.signing_p12)
    settings.TONGHOP_OFFICE_SIGNING_P12 = str(authority.office_p12)
    settings.TONGHOP_DEMO_ROOT = authority.root_certificate
    assert load_scenario() is True
    base = live_server.url
    campaign_page = base + reverse("campaigns:detail", args=[SEED_SLUG])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60000)

    # The specialist compiles the seed campaign and submits the report for signature.
    _login(page, base, "chuyenvien")
    page.goto(campaign_page)
    page.get_by_role("button", name="Tổng hợp báo cáo (DOCX)").click()
    page.wait_for_selector("#submit-for-signature")
    detail = page.url
    page.locator("#submit-for-signature").click()
    assert page.locator("#compilation-state").inner_text() == "Đã trình ký"
    assert _history(page)[-1].endswith("Nguyễn Thị Lan trình ký")

    # The head sees the notice, follows it, reads the report's pages and returns it.
    _login(page, base, "truongphong")
    assert page.locator("#unread").inner_text() == "1"
    page.goto(base + reverse("reminders:notifications"))
    notice = page.locator("#notifications a", has_text="trình ký báo cáo tổng hợp")
    assert notice.count() == 1
    notice.click()
    assert page.url == detail
    pages = page.locator("#report-pages img")
    assert pages.count() >= 2
    pages.first.scroll_into_view_if_needed()
    # The first page is drawn as an image of the PDF, wide enough to read.
    for _ in range(60):
        if pages.first.evaluate("img => img.complete && img.naturalWidth") >= 1000:
            break
        page.wait_for_timeout(500)
    assert pages.first.evaluate("img => img.naturalWidth") >= 1000
    assert "18/28 đơn vị đã báo cáo" in page.locator("#facts").inner_text()
    page.fill("#id_comment", COMMENT)
    page.locator("#return").click()
    assert page.locator("#compilation-state").inner_text() == "Lãnh đạo trả lại"

    # The specialist sees the comment, writes the assessment and submits again.
    _login(page, base, "chuyenvien")
    page.goto(detail)
    assert COMMENT in page.locator("#head-comment").inner_text()
    page.fill("#id_assessment", ASSESSMENT)
    page.get_by_role("button", name="Lưu và lập lại báo cáo").click()
    page.wait_for_selector("#submit-for-signature")
    page.locator("#submit-for-signature").click()
    assert page.locator("#compilation-state").inner_text() == "Đã trình ký"

    # The head signs with his passphrase on the page; a wrong one is refused first.
    _login(page, base, "truongphong")
    page.goto(detail)
    page.fill("#id_passphrase", "sai-mat-khau")
    page.locator("#sign").click()
    assert page.locator("#compilation-state").inner_text() == "Đã trình ký"
    page.fill("#id_passphrase", KEY_PASS)
    page.locator("#sign").click()
    assert page.locator("#compilation-state").inner_text() == "Đã ký"

    # The clerk numbers and issues it with the office's key.
    _login(page, base, "vanthu")
    page.goto(detail)
    page.fill("#id_passphrase", KEY_PASS)
    page.locator("#issue").click()
    assert page.locator("#compilation-state").inner_text() == "Đã ký, ban hành"
    assert "01/BC-VHKHTT" in page.locator("#compilation-status").inner_text()

    history = _history(page)
    context.close()
    assert len(history) == 5, history
    assert "Nguyễn Thị Lan trình ký" in history[0]
    assert "Phạm Viết Thạch trả lại" in history[1] and COMMENT in history[1]
    assert "Nguyễn Thị Lan trình ký" in history[2]
    assert "Phạm Viết Thạch đã ký" in history[3]
    assert "Lê Thị Hằng đã cấp số và ban hành, số 01/BC-VHKHTT" in history[4]
    row = Compilation.objects.get(campaign__slug=SEED_SLUG)
    assert row.state == CompilationState.ISSUED
    assert row.assessment == ASSESSMENT
