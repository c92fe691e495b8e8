"""A new office from an empty database, without /admin/: `tonghop setup`, the first
administrator setting a password through the printed link, the office's details, three people
invited and signing in through their emails' links (a real SMTP server), the unit tree imported
from a spreadsheet with a preview, a campaign created and its directive sent to the units'
reporters (received through the SMTP server); then a person resets a forgotten
password through the email."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.reminders.conftest import Inbox
from tonghop.campaigns.models import Campaign
from tonghop.cli import main
from tonghop.orgs.models import Role, Unit, User

pytestmark = pytest.mark.browser

SETTINGS = """
[office]
code = "phong-vhkhtt"
name = "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN"
parent_body = "UBND HUYỆN ĐÔNG SƠN"
organ_id = "000.00.11.H53"
place = "Đông Sơn"
abbreviation = "VHKHTT"

[admin]
username = "quan"
full_name = "Vũ Văn Quản"
email = "quan@dongson.example.vn"
"""
UNITS = (
    "Mã đơn vị,Tên đơn vị,Loại,Đơn vị cấp trên,Email\n"
    "xa-an-phu,UBND xã An Phú,xã,,hoa@anphu.example.vn\n"
    "xa-binh-minh,UBND xã Bình Minh,xã,,nam@binhminh.example.vn\n"
    "thcs-an-phu,Trường THCS An Phú,trường,xa-an-phu,\n"
)
PEOPLE = [
    ("Phạm Viết Thạch", "thach@dongson.example.vn", "head"),
    ("Nguyễn Thị Lan", "lan@dongson.example.vn", "specialist"),
    ("Lê Thị Văn", "van@dongson.example.vn", "specialist"),
]


def _path_in_mail(inbox: Inbox, address: str) -> str:
    body = inbox.body(inbox.to(address)[-1])
    found = re.search(r"https?://\S+", body)
    assert found, body
    return urlsplit(found.group(0)).path


def _set_password(page: Any, url: str, password: str) -> None:
    page.goto(url)
    page.fill("#id_new_password1", password)
    page.fill("#id_new_password2", password)
    page.get_by_role("button", name="Lưu mật khẩu").click()
    assert "Đã đặt mật khẩu" in page.content()


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_new_office_starts_without_the_admin_pages(
    browser: Any,
    transactional_db: None,
    live_server: Any,
    inbox: Inbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = live_server.url
    settings_file = tmp_path / "office.toml"
    settings_file.write_text(SETTINGS, encoding="utf-8")
    assert not Unit.objects.exists()
    assert main(["setup", "--from", str(settings_file)]) == 0
    printed = capsys.readouterr().out
    link = re.search(r"https?://\S+/accounts/invitation/\S+", printed)
    assert link, printed
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)

    # The first administrator sets a password through the printed link, and signs in.
    _set_password(page, base + urlsplit(link.group(0)).path, "quan-mat-khau-2026")
    _sign_in(page, base, "quan", "quan-mat-khau-2026")
    page.get_by_role("link", name="Thiết lập cơ quan").click()
    assert page.locator("#id_organ_id").input_value() == "000.00.11.H53"
    page.fill("#id_email", "vhkhtt@dongson.example.vn")
    page.get_by_role("button", name="Lưu", exact=True).click()
    assert "Đã lưu thông tin của cơ quan." in page.content()
    page.fill("#id_address", "quan@dongson.example.vn")
    page.get_by_role("button", name="Gửi thư thử").click()
    assert "Đã gửi thư thử" in page.content()
    assert len(inbox.to("quan@dongson.example.vn")) == 1

    # Three people invited; each sets a password through the email's link and signs in.
    page.get_by_role("link", name="Người dùng").first.click()
    for name, address, role in PEOPLE:
        page.fill("#id_full_name", name)
        page.fill("#id_email", address)
        page.select_option("#id_role", role)
        page.get_by_role("button", name="Mời", exact=True).click()
        assert f"Đã mời {name}" in page.content()
    assert page.locator("span.never").count() == 3
    for index, (_name, address, _role) in enumerate(PEOPLE):
        own = browser.new_context()
        their = own.new_page()
        their.set_default_timeout(15000)
        _set_password(their, base + _path_in_mail(inbox, address), f"mat-khau-rieng-{index}-26")
        _sign_in(their, base, address.split("@")[0], f"mat-khau-rieng-{index}-26")
        assert "/campaigns/" in their.url
        own.close()
    thach = User.objects.get(email="thach@dongson.example.vn")
    assert thach.has_office_role(Unit.objects.get(code="phong-vhkhtt"), Role.HEAD)

    # The unit tree from the office's spreadsheet: a preview, then confirmed.
    page.goto(f"{base}/setup/units/")
    units = tmp_path / "don-vi.csv"
    units.write_text(UNITS, encoding="utf-8")
    page.set_input_files("#id_file", str(units))
    page.get_by_role("button", name="Xem trước").click()
    assert page.locator('#unit-list-rows tr[data-action="create"]').count() == 3
    page.locator("#confirm").click()
    assert "Đã áp dụng danh sách đơn vị: 3 đơn vị." in page.content()
    assert page.locator('tr[data-unit="thcs-an-phu"][data-depth="2"]').count() == 1
    context.close()

    # Lan, the specialist, creates a campaign for the communes.
    lan_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lan = lan_context.new_page()
    lan.set_default_timeout(15000)
    _sign_in(lan, base, "lan", "mat-khau-rieng-1-26")
    lan.goto(f"{base}/campaigns/new/")
    lan.fill("#id_title", "Hưởng ứng Ngày Sáng tạo")
    lan.fill("#id_due_date", "2030-05-05")
    lan.fill("#id_due_time", "17:00")
    lan.locator('input[name="unit_kinds"][value="commune"]').check()
    lan.get_by_role("button", name="Tạo và giao cho các đơn vị").click()
    campaign = Campaign.objects.get(title="Hưởng ứng Ngày Sáng tạo")
    assigned = set(campaign.assignments.values_list("unit__code", flat=True))
    assert {"xa-an-phu", "xa-binh-minh"} <= assigned
    # She sends the directive: each commune's reporter receives it through the SMTP server,
    # and its link opens the unit's own form, without an account.
    lan.goto(f"{base}/reminders/campaign/{campaign.slug}/directive/")
    lan.locator("#send button").click()
    assert f"/reminders/campaign/{campaign.slug}/receipts/" in lan.url
    for address, code in (
        ("hoa@anphu.example.vn", "xa-an-phu"),
        ("nam@binhminh.example.vn", "xa-binh-minh"),
    ):
        [directive] = inbox.to(address)
        assert "Hưởng ứng Ngày Sáng tạo" in str(directive["Subject"])
        reporter_context = browser.new_context()
        reporter = reporter_context.new_page()
        reporter.set_default_timeout(15000)
        reporter.goto(base + _path_in_mail(inbox, address))
        assert "Hưởng ứng Ngày Sáng tạo" in reporter.content()
        assert campaign.assignments.get(unit__code=code).unit.name in reporter.content()
        reporter_context.close()
    lan_context.close()

    # Lan forgets her password: "Quên mật khẩu?", the email's link, a new password.
    forgot_context = browser.new_context()
    forgot = forgot_context.new_page()
    forgot.set_default_timeout(15000)
    forgot.goto(f"{base}/accounts/login/")
    forgot.get_by_role("link", name="Quên mật khẩu?").click()
    forgot.fill("#id_email", "lan@dongson.example.vn")
    forgot.get_by_role("button", name="Gửi liên kết").click()
    assert "Hãy kiểm tra email" in forgot.content()
    _set_password(forgot, base + _path_in_mail(inbox, "lan@dongson.example.vn"), "mk-moi-2026-x")
    _sign_in(forgot, base, "lan", "mk-moi-2026-x")
    assert "/campaigns/" in forgot.url
    forgot_context.close()
