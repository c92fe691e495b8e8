"""The demo's chain up the levels, in the browser: the district compiles the seed campaign, the
head signs and the clerk issues it; the Sở's page then shows Minh Hòa submitted with the same
totals, the Sở returns it with a comment, the district's people read the comment, the district
re-issues it as a correction, and the Sở accepts it and compiles its own report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tonghop.campaigns.models import Campaign
from tonghop.compilation.models import Compilation, CompilationState
from tonghop.demo.scenario import DEMO_PASSWORD, SEED_SLUG, SO_SLUG, load_scenario
from tonghop.issuing.signing import create_demo_authority
from tonghop.orgs.models import Role
from tonghop.reports.models import State

pytestmark = pytest.mark.browser

KEY_PASS = "mat-khau-ky-demo"
COMMENT = "Số pano của huyện chưa khớp với báo cáo của các xã, đề nghị rà soát lại."
REASON = "Rà soát lại số liệu theo ý kiến của Sở."
DISTRICT = "phong-vhkhtt"


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    logout = page.get_by_role("button", name="Đăng xuất")
    logout.wait_for()
    assert logout.count() == 1


def _district_totals(page: Any) -> dict[str, str]:
    """The totals on the compilation's page, by indicator label (without its unit)."""
    totals: dict[str, str] = {}
    for row in page.locator("#facts + table tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        totals[cells[0].split(" (")[0]] = cells[1]
    return totals


def _minh_hoa_on_the_so_page(page: Any) -> tuple[str, dict[str, str]]:
    """Minh Hòa's state and figures on the Sở's page, by indicator label."""
    labels = [h.strip() for h in page.locator("#level-rows thead th").all_inner_texts()]
    row = page.locator(f'#level-rows tr[data-office="{DISTRICT}"]')
    assert row.count() == 1
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    figures = dict(zip(labels[2:-1], cells[2:-1], strict=True))
    return cells[1], figures


def _compile_submit_sign_issue(
    page: Any, base: str, campaign_page: str, *, correction: bool
) -> tuple[str, dict[str, str]]:
    _login(page, base, "chuyenvien")
    page.goto(campaign_page)
    page.get_by_role("button", name="Tổng hợp báo cáo (DOCX)").click()
    page.wait_for_selector("#submit-for-signature")
    detail = page.url
    # 18 units had reported in the demo; the unit that reports in this test makes 19.
    assert "19/28 đơn vị đã báo cáo" in page.locator("#facts").inner_text()
    totals = _district_totals(page)
    page.locator("#submit-for-signature").click()
    assert page.locator("#compilation-state").inner_text() == "Đã trình ký"

    _login(page, base, "truongphong")
    page.goto(detail)
    correction_box = page.locator("#id_correction")
    if correction:
        # The report was issued before: the second one goes out only as a correction.
        correction_box.check()
        page.fill("#id_correction_reason", REASON)
    else:
        assert correction_box.count() == 0
    page.fill("#id_passphrase", KEY_PASS)
    page.locator("#sign").click()
    assert page.locator("#compilation-state").inner_text() == "Đã ký"

    _login(page, base, "vanthu")
    page.goto(detail)
    page.fill("#id_passphrase", KEY_PASS)
    page.locator("#issue").click()
    assert page.locator("#compilation-state").inner_text() == "Đã ký, ban hành"
    return page.locator("#compilation-status").inner_text(), totals


def test_the_demo_chain_runs_up_to_the_so_and_back(
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
    seed_page = base + reverse("campaigns:detail", args=[SEED_SLUG])
    so_page = base + reverse("campaigns:detail", args=[SO_SLUG])
    duty = Campaign.objects.get(slug=SO_SLUG).assignments.get(unit__code=DISTRICT)
    review_page = base + reverse("campaigns:review", args=[SO_SLUG, duty.pk])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60000)

    # Before the district issues anything, the Sở sees Minh Hòa not started.
    _login(page, base, "so-chuyenvien")
    page.goto(so_page)
    state, _figures = _minh_hoa_on_the_so_page(page)
    assert state == "Chưa thực hiện"

    # A unit that had not reported sends its report, late.
    pending = (
        Campaign.objects.get(slug=SEED_SLUG)
        .assignments.filter(state=State.NOT_STARTED)
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    assert pending is not None
    reporter = pending.unit.memberships.filter(role=Role.REPORTER).first()
    assert reporter is not None
    _login(page, base, reporter.user.username)
    page.goto(base + reverse("reports:form", args=[pending.pk]))
    page.fill("#id_pano", "6")
    page.fill("#id_narrative", "Đơn vị treo 6 pano hưởng ứng tại trụ sở và nhà văn hóa.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    # Half a report is refused with the fields to fill, and nothing is sent.
    assert "Chỉ tiêu này bắt buộc phải nhập." in page.locator("main").inner_text()
    assert page.locator("#status").inner_text() == "Chưa thực hiện"
    for code, value in (
        ("bang_ron", "3"),
        ("ap_phich", "10"),
        ("bai_viet", "2"),
        ("hoat_dong", "4"),
        ("luot_nguoi", "350"),
    ):
        page.fill(f"#id_{code}", value)
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert "Đã gửi báo cáo (số biên nhận" in page.content()
    assert page.locator("#status").inner_text() == "Gửi chậm"

    # The district compiles, the head signs, the clerk issues: that is its answer to the Sở.
    status, totals = _compile_submit_sign_issue(page, base, seed_page, correction=False)
    assert "01/BC-VHKHTT" in status
    assert totals and all(value not in ("", "—") for value in totals.values()), totals

    # The Sở's page shows Minh Hòa submitted, with the very totals of the district's report.
    _login(page, base, "so-chuyenvien")
    page.goto(so_page)
    state, figures = _minh_hoa_on_the_so_page(page)
    assert state == "Gửi chậm", state  # the Sở's due date was in 2025
    shared = set(figures) & set(totals)
    assert shared, (figures, totals)
    assert {label: figures[label] for label in shared} == {label: totals[label] for label in shared}
    assert "01/BC-VHKHTT" in page.locator(f'#level-rows tr[data-office="{DISTRICT}"]').inner_text()

    # The Sở returns it with a comment.
    page.goto(review_page)
    page.fill("#id_comment", COMMENT)
    page.get_by_role("button", name="Trả lại để sửa").click()
    assert page.locator("#status").inner_text() == "Bị trả lại"

    # The district's specialist finds the comment among the notices.
    _login(page, base, "chuyenvien")
    page.goto(base + reverse("reminders:notifications"))
    notice = page.locator("#notifications tbody tr", has_text="đã trả lại báo cáo")
    assert notice.count() >= 1
    assert COMMENT in notice.first.inner_text()

    # The district compiles again and issues a correction, numbered anew.
    status, totals = _compile_submit_sign_issue(page, base, seed_page, correction=True)
    assert "02/BC-VHKHTT" in status
    assert REASON in page.locator("#compilation-status").inner_text()

    # The Sở sees it submitted again, as a correction, and accepts it.
    _login(page, base, "so-chuyenvien")
    page.goto(so_page)
    state, figures = _minh_hoa_on_the_so_page(page)
    assert state == "Gửi chậm", state  # the Sở's due date was in 2025
    row_text = page.locator(f'#level-rows tr[data-office="{DISTRICT}"]').inner_text()
    assert "02/BC-VHKHTT" in row_text and "đính chính" in row_text.lower()
    shared = set(figures) & set(totals)
    assert {label: figures[label] for label in shared} == {label: totals[label] for label in shared}
    page.goto(review_page)
    page.get_by_role("button", name="Chấp nhận báo cáo").click()
    assert page.locator("#status").inner_text() == "Đã chấp nhận"

    # The Sở compiles its own report from the districts' answers.
    page.goto(so_page)
    page.get_by_role("button", name="Tổng hợp báo cáo (DOCX)").click()
    page.wait_for_selector("#submit-for-signature")
    facts = page.locator("#facts").inner_text()
    assert "2/3" in facts, facts
    assert "Phòng Văn hóa và Thông tin huyện Đông Sơn" in facts
    so_totals = _district_totals(page)
    assert so_totals, facts

    # The district's people do not read the Sở's page; another district's clerk does not read
    # Minh Hòa's answer.
    _login(page, base, "chuyenvien")
    assert page.goto(so_page).status == 404
    _login(page, base, "phong-vhtt-an-lac-vanthu")
    assert page.goto(review_page).status == 404
    context.close()

    duty.refresh_from_db()
    assert duty.state == State.ACCEPTED
    issued = Compilation.objects.filter(campaign__slug=SEED_SLUG, state=CompilationState.ISSUED)
    assert [c.correction for c in issued.order_by("created_at")] == [False, True]
    assert Compilation.objects.filter(campaign__slug=SO_SLUG).count() == 1
