"""Levels between two installs over HTTP (two data folders, each its own SQLite, two `tonghop
serve` processes on two ports, each the other's exchange partner with a shared secret): the
Sở's specialist sends the campaign with the button of its page, the district (the demo) opens
its campaign below from the directive, a unit reports, the district compiles, signs and issues;
the Sở's assignment for the district is submitted with the same totals; the Sở returns it with
a comment, the district hears it (status 02, a notice to its staff) and issues a correction,
which the Sở takes as the resubmission and accepts. Packages move with `tonghop exchange run`
in each install."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

from tests.documents.test_exchange_installs import _cli, _partners, _python, _served
from tests.reports.test_levels_installs import (
    DISTRICT,
    OPEN_REPORT_ISSUE,
    SECRET,
    SO,
    SO_CAMPAIGN,
    SO_STATE,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-cua-so-2025"
COMMENT = "Số pano của xã thứ nhất chưa khớp với biên bản."

# On the Sở's install, after SO_CAMPAIGN: its specialist can sign in, and its register holds
# the issued directive 542 with its PDF.
SO_DIRECTIVE = """
import json
from django.core.files.base import ContentFile
from tonghop.documents.models import Document
user.set_password("@PASSWORD@")
user.save()
directive = Document.objects.create(office=so, direction="out", number="542",
    symbol="SKHCN-CN&ĐMST", issued_on=timezone.localdate(), original_name="542.pdf",
    subject="Hưởng ứng Ngày Sáng tạo thế giới")
directive.file.save("542.pdf",
    ContentFile(b"%PDF-1.7\\n1 0 obj\\n<< >>\\nendobj\\ntrailer\\n<< >>\\n%%EOF\\n"))
print("RESULT", json.dumps({"duty": duty.pk, "directive": directive.pk}))
""".replace("@PASSWORD@", PASSWORD)
# On the district's install: what reached it about its issued report, and whom it told.
DISTRICT_HEARD = """
import json
from tonghop.compilation.models import Compilation
from tonghop.documents.models import ExchangeMessage
from tonghop.orgs.models import Role
from tonghop.outbox.models import Notification
c = Compilation.objects.get(campaign__slug="so-542-minh-hoa", document__isnull=False)
office = c.campaign.office
staff = {m.user.username for m in office.memberships.filter(role__in=Role.office_roles())}
told = {n.user.username for n in Notification.objects.filter(text__contains="@COMMENT@")}
statuses = [[m.status_code, m.description] for m in ExchangeMessage.objects.filter(
    document=c.document, direction="in", kind="status").order_by("pk")]
print("RESULT", json.dumps({"statuses": statuses, "staff": sorted(staff), "told": sorted(told)}))
""".replace("@COMMENT@", COMMENT)
# On the district's install: the office returns the first unit's report, the unit corrects
# its figure and submits again, and the office compiles, signs and issues a correction.
CORRECT = """
import json
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.demo.scenario import DEMO_SIGNING_PASSPHRASE
from tonghop.issuing import actions as issuing
from tonghop.orgs.models import Role
from tonghop.reports import actions as report_actions
campaign = Campaign.objects.get(slug="so-542-minh-hoa")
office = campaign.office
staff = lambda role: office.memberships.filter(role=role).first().user
first = campaign.assignments.order_by("pk").first()
report_actions.return_report(staff(Role.SPECIALIST), first.pk, "Đếm lại pano.",
    expected_version=first.version)
first.refresh_from_db()
reporter = first.unit.memberships.filter(role=Role.REPORTER).first().user
report_actions.save_report(reporter, first.pk,
    {"pano": "6", "luot_nguoi": "100", "khau_hieu": "Sáng tạo"}, "Đã đếm lại.",
    expected_version=first.version, submit=True)
c = actions.run(Compilation.objects.create(campaign=campaign, created_by=staff(Role.SPECIALIST),
    assessment="Đã sửa số pano theo biên bản."))
c = actions.submit_for_signature(staff(Role.SPECIALIST), c.pk)
c = issuing.sign_and_issue(staff(Role.HEAD), staff(Role.CLERK), c.pk,
    passphrase=DEMO_SIGNING_PASSPHRASE, office_passphrase=DEMO_SIGNING_PASSPHRASE,
    correction=True, correction_reason="Sửa số pano theo yêu cầu của Sở.")
print("RESULT", json.dumps({"reference": c.document.reference()}))
"""
# On the Sở's install: the district's assignment, its latest values and every version.
SO_ANSWER = """
import json
from tonghop.campaigns.models import Campaign
from tonghop.documents.models import Document
duty = Campaign.objects.get(slug="so-542").assignments.get()
report = duty.report
print("RESULT", json.dumps({"state": duty.state, "values": report.values,
    "narrative": report.narrative, "versions": report.versions.count(),
    "received": sorted(d.reference() for d in Document.objects.filter(direction="in"))}))
"""


class Browser:
    """A person at a browser on one install: cookies kept, the CSRF token taken from the
    form of the page, redirects followed."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return str(response.read().decode())

    def submit(self, page: str, path: str, fields: dict[str, str]) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no form on the page"
        body = urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        with self.opener.open(self.base + path, data=body, timeout=120) as response:
            return str(response.read().decode())

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/")
        landed = self.submit(page, "/accounts/login/", {"username": username, "password": password})
        assert 'name="password"' not in landed, "not signed in"


def _messages(page: str) -> str:
    found = re.search(r'<ul class="messages">(.*?)</ul>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _office_row(page: str) -> list[str]:
    """The district's row in the table of offices on the Sở's campaign page: its cells."""
    found = re.search(r'<tr data-office="phong-minh-hoa">(.*?)</tr>', page, re.S)
    assert found, "no row for the district"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


@pytest.fixture
def installs(tmp_path: Path) -> Iterator[tuple[Path, Path, int]]:
    """The district (the demo) and the Sở (its campaign and directive), each served on its own
    port and listing the other as partner; yields the folders and the Sở's port."""
    district, so = tmp_path / "huyen", tmp_path / "so"
    _cli(district, "demo", "--no-serve")
    _cli(so, "migrate")
    with _served(district, so) as ports:
        _partners(
            district, [{"organ_id": SO, "url": f"http://127.0.0.1:{ports[1]}", "secret": SECRET}]
        )
        _partners(
            so, [{"organ_id": DISTRICT, "url": f"http://127.0.0.1:{ports[0]}", "secret": SECRET}]
        )
        yield district, so, ports[1]


def test_the_chain_runs_between_two_installs_over_http(
    installs: tuple[Path, Path, int],
) -> None:
    district, so, so_port = installs
    made = json.loads(_python(so, SO_CAMPAIGN + SO_DIRECTIVE))

    # The Sở's specialist sends the campaign from its page, choosing 542 from the register.
    person = Browser(so_port)
    person.sign_in("so-chuyenvien", PASSWORD)
    page = person.get("/campaigns/so-542/")
    assert "Gửi đợt cho cơ quan cấp dưới qua liên thông" in page
    assert f'<option value="{made["directive"]}">542/SKHCN-CN&amp;ĐMST' in page
    sent = person.submit(page, "/campaigns/so-542/send/", {"directive": str(made["directive"])})
    assert "Phòng VHKHTT huyện Minh Hòa (000.30.25.H99)" in _messages(sent)
    assert "gửi được 1" in _cli(so, "exchange", "run").stdout

    # The district's install took it in: it opens its campaign below, a unit reports, the
    # office compiles, signs and issues; its run carries the report (and the 01) to the Sở.
    issued = json.loads(_python(district, OPEN_REPORT_ISSUE))
    assert [code for code, _kind, _unit in issued["form"]] == ["pano", "luot_nguoi", "khau_hieu"]
    assert "lỗi 0" in _cli(district, "exchange", "run").stdout
    state = json.loads(_python(so, SO_STATE))
    assert (state["state"], state["received"]) == ("submitted", issued["reference"])
    assert (state["values"]["pano"], state["values"]["luot_nguoi"]) == (7, 300)
    row = _office_row(person.get("/campaigns/so-542/"))
    assert "7" in row and "300" in row

    # The Sở returns it with a comment; its run carries the 02 to the district.
    review = person.get(f"/campaigns/so-542/units/{made['duty']}/")
    version = re.search(r'name="version" value="(\d+)"', review)
    assert version
    returned = person.submit(
        review,
        f"/campaigns/so-542/units/{made['duty']}/return/",
        {"comment": COMMENT, "version": version.group(1)},
    )
    assert "Đã trả lại báo cáo cho đơn vị." in _messages(returned)
    assert json.loads(_python(so, SO_ANSWER))["state"] == "returned"
    # With the 01 (đã đến) about the report.
    assert "gửi được 2, lỗi 0" in _cli(so, "exchange", "run").stdout
    heard = json.loads(_python(district, DISTRICT_HEARD))
    [[_code, words]] = [s for s in heard["statuses"] if s[0] == "02"]
    assert words == f"Trả lại báo cáo để sửa: {COMMENT}"
    assert heard["told"] and set(heard["told"]) <= set(heard["staff"])

    # The district issues a correction; the Sở takes it as the resubmission.
    corrected = json.loads(_python(district, CORRECT))
    assert corrected["reference"] != issued["reference"]
    assert "lỗi 0" in _cli(district, "exchange", "run").stdout
    answer = json.loads(_python(so, SO_ANSWER))
    assert answer["state"] == "submitted" and answer["versions"] == 2
    assert (answer["values"]["pano"], answer["values"]["luot_nguoi"]) == (10, 300)
    assert "Đã sửa số pano theo biên bản." in answer["narrative"]
    assert answer["received"] == sorted([issued["reference"], corrected["reference"]])
    assert "10" in _office_row(person.get("/campaigns/so-542/"))

    # The Sở accepts it.
    review = person.get(f"/campaigns/so-542/units/{made['duty']}/")
    version = re.search(r'name="version" value="(\d+)"', review)
    assert version
    person.submit(
        review, f"/campaigns/so-542/units/{made['duty']}/accept/", {"version": version.group(1)}
    )
    assert json.loads(_python(so, SO_ANSWER))["state"] == "accepted"
