"""Named people and a small campaign, shared by the tests of every app.

The people: Lan, the office specialist; Thạch, the head; Hoa, the reporter of An Phú commune;
Nam, the reporter of Bình Minh commune, who must never see An Phú's report; and Tú, a
specialist of another office, who must see nothing of this one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test import Client

if TYPE_CHECKING:
    from tonghop.compilation.models import Compilation

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "s3cret-pass-phrase"
# What a reporter's phone sends: the pages count an opening only from a browser (tonghop.visitors).
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)


# Modules whose tests start processes or servers (the command line, backups, the WSGI servers,
# SQLite's turns between processes, the intake's child reader, SMTP timeouts): with the browser
# tests they are "slow", so `./scripts/dev test -m "not slow"` is the quick loop.
SLOW_MODULES = {
    "test_backup.py",
    "test_cli.py",
    "test_datadir.py",
    "dispatch/test_hostile.py",
    "reminders/test_actions.py",
    "reports/test_hostile_uploads.py",
    "security/test_faults.py",
    "security/test_server.py",
    "security/test_settings.py",
    "security/test_sqlite_turns.py",
}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = Path(str(item.fspath)).resolve().relative_to(TESTS).as_posix()
        if item.get_closest_marker("browser") or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.LANGUAGE_CODE = "vi"
    # Hashing with the default hasher makes every login take 0.3 s; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


class World:
    """The office, its units, its people and one open campaign."""

    def __init__(self) -> None:
        from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
        from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
        from tonghop.reports.assigning import create_campaign

        self.office = Unit.objects.create(
            code="phong-vhkhtt",
            name="Phòng Văn hóa, Khoa học và Thông tin",
            kind=UnitKind.OFFICE,
            parent_body="UBND HUYỆN MINH HÒA",
            place="Minh Hòa",
        )
        self.other_office = Unit.objects.create(
            code="phong-gd", name="Phòng Giáo dục huyện khác", kind=UnitKind.OFFICE
        )
        self.an_phu = Unit.objects.create(
            code="xa-an-phu", name="UBND xã An Phú", kind=UnitKind.COMMUNE, parent=self.office
        )
        self.binh_minh = Unit.objects.create(
            code="xa-binh-minh",
            name="UBND xã Bình Minh",
            kind=UnitKind.COMMUNE,
            parent=self.office,
        )
        self.school = Unit.objects.create(
            code="thcs-an-phu",
            name="Trường THCS An Phú",
            kind=UnitKind.SCHOOL,
            parent=self.office,
        )

        def person(username: str, name: str, unit: Unit, role: Role) -> User:
            user = User.objects.create_user(username=username, password=PASSWORD, full_name=name)
            Membership.objects.create(user=user, unit=unit, role=role)
            return user

        self.lan = person("lan", "Nguyễn Thị Lan", self.office, Role.SPECIALIST)
        self.thach = person("thach", "Phạm Viết Thạch", self.office, Role.HEAD)
        self.hang = person("hang", "Lê Thị Hằng", self.office, Role.CLERK)
        self.hoa = person("hoa", "Trần Thị Hoa", self.an_phu, Role.REPORTER)
        self.nam = person("nam", "Lê Văn Nam", self.binh_minh, Role.REPORTER)
        self.tu = person("tu", "Đỗ Minh Tú", self.other_office, Role.SPECIALIST)
        self.campaign = create_campaign(
            self.office,
            CampaignSpec(
                slug="sang-tao-test",
                title="Hưởng ứng Ngày Sáng tạo",
                due_at=dt.datetime(2030, 5, 5, 23, 59, 59, tzinfo=VN),
                report_to="Sở Khoa học và Công nghệ",
                report_symbol="BC-VHKHTT",
                indicators=(
                    IndicatorSpec(
                        "pano", "Pano đã treo", "integer", "sum", "Trực quan", "cái", required=True
                    ),
                    IndicatorSpec(
                        "luot_nguoi", "Lượt người tham gia", "integer", "sum", "", "lượt"
                    ),
                    IndicatorSpec("ty_le", "Tỷ lệ", "decimal", "average", "", "%"),
                    IndicatorSpec("khau_hieu", "Khẩu hiệu", "text", "list"),
                ),
            ),
            [self.an_phu, self.binh_minh, self.school],
            by=self.lan,
        )
        self.a_an_phu = self.campaign.assignments.get(unit=self.an_phu)
        self.a_binh_minh = self.campaign.assignments.get(unit=self.binh_minh)
        self.a_school = self.campaign.assignments.get(unit=self.school)

    def client_for(self, user: Any) -> Client:
        client = Client(headers={"User-Agent": PHONE_BROWSER})
        client.force_login(user)
        return client


class Signers(Protocol):
    """Who signs and who issues: the world's Thạch and Hằng, or another office's head and clerk."""

    @property
    def thach(self) -> Any: ...

    @property
    def hang(self) -> Any: ...


def sign_and_issue(
    world: Signers,
    compilation_id: int,
    *,
    passphrase: str,
    today: Any = None,
    correction: bool = False,
    correction_reason: str = "",
    expected_version: int | None = None,
) -> Compilation:
    """The head (Thạch) signs, then the clerk (Hằng) issues: the two steps of issuing."""
    from tonghop.issuing import actions

    actions.sign(
        world.thach,
        compilation_id,
        passphrase=passphrase,
        correction=correction,
        correction_reason=correction_reason,
        expected_version=expected_version,
    )
    return actions.issue(world.hang, compilation_id, passphrase=passphrase, today=today)


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.fixture
def world_tx(transactional_db: None) -> World:
    """For tests whose code closes database connections (the worker) or runs a live server."""
    return World()


# ---------------------------------------------------------------------------------------------
# A real browser, for the tests that drive pages against the live server thread.

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
    """Debian's Chromium, driven by Playwright, for the tests marked `browser`."""
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


def browser_login(page: Any, base: str, username: str) -> None:
    """Sign in through the login page, as a person types it."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
