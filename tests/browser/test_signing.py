"""The head signs and the clerk issues, in the browser: two signatures, both intact and
trusted, the head's image between his title and name and the office's seal over it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.compilation.test_issue import PASS, _ready, key
from tests.conftest import World, browser_login
from tonghop.compilation.models import Compilation, CompilationState
from tonghop.demo.scenario import demo_seal_png, demo_signature_png
from tonghop.issuing.signing import verify_pdf

pytestmark = pytest.mark.browser
__all__ = ["key"]  # a fixture, used by name


def test_the_head_signs_and_the_clerk_issues(
    browser: Any, world_tx: World, live_server: Any, key: Path, tmp_path: Path
) -> None:
    world = world_tx
    compilation = _ready(world)
    detail = live_server.url + reverse(
        "compilation:detail", args=[world.campaign.slug, compilation.uid]
    )
    images = live_server.url + reverse("signing-images")
    (tmp_path / "chu-ky.png").write_bytes(demo_signature_png())
    (tmp_path / "con-dau.png").write_bytes(demo_seal_png())
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)

    browser_login(page, live_server.url, "lan")
    page.goto(detail)
    page.locator("#submit-for-signature").click()
    assert page.locator("#compilation-state").inner_text() == "Đã trình ký"
    page.get_by_role("button", name="Đăng xuất").click()

    # The head uploads his signature image once, then signs with his key.
    context.clear_cookies()
    browser_login(page, live_server.url, "thach")
    page.goto(images)
    page.locator("#signature-image input[type=file]").set_input_files(tmp_path / "chu-ky.png")
    page.locator("#signature-image button").click()
    assert "Đã lưu ảnh." in page.content()
    page.goto(detail)
    assert page.locator("#issue").count() == 0
    page.fill("#id_passphrase", "sai")
    page.locator("#sign").click()
    assert "Mật khẩu" in page.content()
    page.fill("#id_passphrase", PASS)
    page.locator("#sign").click()
    assert page.locator("#compilation-state").inner_text() == "Đã ký"
    page.get_by_role("button", name="Đăng xuất").click()

    # The clerk uploads the seal once, then numbers and issues with the office's key.
    context.clear_cookies()
    browser_login(page, live_server.url, "hang")
    page.goto(images)
    seal = page.locator(f"#seal-{world.office.pk}")
    seal.locator("input[type=file]").set_input_files(tmp_path / "con-dau.png")
    seal.locator("button").click()
    assert "Đã lưu ảnh." in page.content()
    page.goto(detail)
    page.fill("#id_passphrase", PASS)
    page.locator("#issue").click()
    assert "01/BC-VHKHTT" in page.content()
    with page.expect_download() as caught:
        page.locator("#download-signed").click()
    signed = Path(caught.value.path()).read_bytes()
    (tmp_path / "issued.pdf").write_bytes(signed)
    context.close()

    # Playwright keeps an event loop running in this thread; the check runs its own.
    with ThreadPoolExecutor(1) as pool:
        head, office = pool.submit(verify_pdf, signed, [key]).result()
    assert (head["signer"], office["signer"]) == ("Phạm Viết Thạch", world.office.name)
    assert all(s["intact"] and s["trusted"] for s in (head, office))
    assert head["changes_after"] == "form_filling"
    row = Compilation.objects.get(pk=compilation.pk)
    assert row.state == CompilationState.ISSUED and row.issued_by == world.hang
