"""The report form keeps a draft as the reporter types, and sends files as they are chosen.

Drives Debian's Chromium through Playwright (tests/conftest.py) against the real server thread,
on a phone-sized screen, with the site's strict Content Security Policy in force.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import World, browser_login
from tonghop.reports import actions
from tonghop.reports.models import Attachment, Report, ReportVersion

pytestmark = pytest.mark.browser


def _phone(browser: Any, base: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []

    def console(message: Any) -> None:
        # The 400 and 409 answers the tests provoke are logged too; they are not problems.
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    # Anything the CSP blocks, and any script error, shows up here.
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    browser_login(page, base, "hoa")
    return context, page, problems


def test_it_keeps_what_is_typed_and_sends_files_as_chosen(
    browser: Any, world_tx: World, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    world = world_tx
    context, page, problems = _phone(browser, live_server.url)
    form_url = f"{live_server.url}/reports/{world.a_an_phu.pk}/"
    page.goto(form_url)
    status = page.locator("#autosave-status")

    # A figure typed is saved by itself, and the form takes the version it got back.
    page.fill("#id_pano", "17")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    assert status.inner_text().startswith("Draft saved at") or "Đã lưu" in status.inner_text()
    assert page.input_value("input[name=version]") == "1"
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 17
    page.reload()
    assert page.input_value("#id_pano") == "17"

    # Submitted without the figure, the page marks it (no script needed for that); the marks
    # go with the first save the server takes.
    page.fill("#id_pano", "")
    page.get_by_role("button", name="Gửi báo cáo").click()
    assert page.locator('[data-field="pano"] .errorlist').count() == 1
    assert page.locator("[data-form-alert]").count() == 1
    page.fill("#id_pano", "17")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    assert page.locator('[data-field="pano"] .errorlist').count() == 0
    assert page.locator("[data-form-alert]").count() == 0

    # A value the server refuses is marked beside its field; the saved draft is untouched.
    page.fill("#id_pano", "-2")
    page.wait_for_selector("#autosave-status[data-state=invalid]")
    assert "Số liệu không được âm." in page.locator('[data-field="pano"] .errorlist').inner_text()
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 17
    page.fill("#id_pano", "18")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    assert page.locator('[data-field="pano"] .errorlist').count() == 0

    # A photo chosen is sent at once and shown with its thumbnail.
    photo = tmp_path / "Ảnh pano.jpg"
    Image.new("RGB", (1600, 1200), (30, 90, 160)).save(photo, "JPEG")
    page.set_input_files("#id_attachments", str(photo))
    item = page.locator('form ul[data-attachments=""] li.attachment')
    item.wait_for()
    assert "Ảnh pano.jpg" in item.inner_text()
    page.wait_for_function(
        "() => { const i = document.querySelector('form li.attachment img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert Attachment.objects.get().content_type == "image/jpeg"
    assert page.input_value("#id_attachments") == ""

    # A renamed program is refused with a sentence naming it.
    fake = tmp_path / "setup.jpg"
    fake.write_bytes(b"MZ\x90\x00" + bytes(500))
    page.set_input_files("#id_attachments", str(fake))
    page.wait_for_selector('[data-field="attachments"] [data-file-errors]')
    assert "setup.jpg" in page.locator("[data-file-errors]").inner_text()
    assert Attachment.objects.count() == 1

    # Typing then submitting at once: the submission waits for the save, and is not stale.
    page.fill("#id_luot_nguoi", "1.250")
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_selector("#submission-receipt")
    assert "Đã gửi báo cáo (số biên nhận" in page.content()
    version = ReportVersion.objects.get()
    assert version.values["luot_nguoi"] == 1250
    assert version.receipt_number and version.receipt_number in page.content()
    assert version.attachments == [Attachment.objects.get().pk]
    assert problems == []
    context.close()


def test_it_stops_and_says_so_when_the_report_changed_elsewhere(
    browser: Any, world_tx: World, live_server: Any
) -> None:
    world = world_tx
    context, page, problems = _phone(browser, live_server.url)
    page.goto(f"{live_server.url}/reports/{world.a_an_phu.pk}/")
    # Another tab (or the same person on another phone) saves meanwhile.
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 5}, "", expected_version=0, submit=False
    )
    page.fill("#id_pano", "9")
    page.wait_for_selector("#autosave-status[data-state=stale]")
    assert "Chưa có gì được lưu" in page.locator("#autosave-status").inner_text()
    # Nothing was overwritten, and typing more sends nothing more.
    page.fill("#id_pano", "10")
    page.wait_for_timeout(2600)
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 5
    assert page.locator("#autosave-status").get_attribute("data-state") == "stale"
    assert problems == []
    context.close()


def _noise_photo(path: Path, width: int, height: int) -> Path:
    """A photo that does not compress: its size on disk is about its pixels'."""
    import os

    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        path, "JPEG", quality=95
    )
    return path


def test_files_chosen_together_are_sent_one_at_a_time_and_a_too_large_one_is_named(
    browser: Any, world_tx: World, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    """The server takes a request of one file's limit (tonghop.upload_limits): three photos
    chosen at once, larger together than that, are all attached; a file over it is refused
    unread with the server's sentence shown beside the field."""
    settings.TONGHOP_ATTACHMENT_MAX_BYTES = 1024 * 1024
    world = world_tx
    context, page, problems = _phone(browser, live_server.url)
    page.goto(f"{live_server.url}/reports/{world.a_an_phu.pk}/")
    photos = [_noise_photo(tmp_path / f"anh-{n}.jpg", 1000, 750) for n in range(3)]
    assert sum(p.stat().st_size for p in photos) > 2 * 1024 * 1024
    page.set_input_files("#id_attachments", [str(p) for p in photos])
    page.wait_for_function("() => document.querySelectorAll('form li.attachment').length === 3")
    assert Attachment.objects.count() == 3
    assert page.locator("[data-file-errors]").count() == 0

    big = _noise_photo(tmp_path / "to.jpg", 1600, 1200)
    assert big.stat().st_size > 2 * 1024 * 1024
    page.set_input_files("#id_attachments", str(big))
    page.wait_for_selector('[data-field="attachments"] [data-file-errors]')
    assert "mỗi lần gửi tối đa 1 MB" in page.locator("[data-file-errors]").inner_text()
    assert Attachment.objects.count() == 3
    assert page.locator("form li.attachment").count() == 3
    assert problems == []
    context.close()
