"""Levels between two installs (two data folders, each its own SQLite, the commands run as
processes, a folder between them as the directory adapter): the Sở sends its campaign with the
form attached, the district (the demo) opens its campaign below from it, a unit reports, the
district compiles, signs and issues, and the Sở's assignment for the district is submitted
with the same totals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.documents.test_exchange_installs import _cli, _partners, _python

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DISTRICT = "000.30.25.H99"  # the demo office
SO = "000.00.21.H99"
SECRET = "bi-mat-chung-cua-hai-co-quan"

# The Sở, the district office among its units, its specialist and its campaign `so-542`.
SO_CAMPAIGN = f"""
import datetime as dt
from django.utils import timezone
from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
from tonghop.dispatch.edxml import Attachment, EdxmlDocument, Organ, TraceHeader, build_package
from tonghop.documents import channel
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.reports.assigning import create_campaign
from tonghop.reports.remote import campaign_attachment
so = Unit.objects.create(code="so-khcn", name="Sở Khoa học và Công nghệ",
    kind=UnitKind.OFFICE, organ_id="{SO}")
district = Unit.objects.create(code="phong-minh-hoa", name="Phòng VHKHTT huyện Minh Hòa",
    kind=UnitKind.OFFICE, organ_id="{DISTRICT}", parent=so)
user = User.objects.create_user("so-chuyenvien", full_name="Trần Quốc Minh")
Membership.objects.create(user=user, unit=so, role=Role.SPECIALIST)
campaign = create_campaign(so, CampaignSpec(
    slug="so-542", title="Hưởng ứng Ngày Sáng tạo thế giới",
    due_at=timezone.now() + dt.timedelta(days=20),
    period_start=dt.date(2025, 4, 15), period_end=dt.date(2025, 4, 26),
    indicators=(
        IndicatorSpec("pano", "Pano đã treo", "integer", "sum", "", "cái"),
        IndicatorSpec("luot_nguoi", "Lượt người tham gia", "integer", "sum", "", "lượt"),
        IndicatorSpec("khau_hieu", "Khẩu hiệu", "long_text", "list"),
    )), [district], by=user)
duty = campaign.assignments.get()
"""
# The directive with the form attached, dropped straight in the district's folder.
SO_SETUP = (
    SO_CAMPAIGN
    + f"""
pdf = b"%PDF-1.7\\n1 0 obj\\n<< >>\\nendobj\\ntrailer\\n<< >>\\n%%EOF\\n"
package = EdxmlDocument(
    sender=Organ(organ_id="{SO}", organ_name=so.name),
    receivers=(Organ(organ_id="{DISTRICT}", organ_name=district.name),),
    code_number="542", code_notation="SKHCN-CN&ĐMST", promulgation_date=timezone.localdate(),
    subject="Hưởng ứng Ngày Sáng tạo thế giới", trace=(TraceHeader("{SO}", timezone.now()),),
    attachments=(Attachment("542.pdf", "application/pdf", pdf, "Công văn 542"),
                 campaign_attachment(campaign, duty)))
channel.adapter_for(channel.partners()["{DISTRICT}"]).send("so-542-cv", "{SO}",
    build_package(package))
print("RESULT", duty.pk)
"""
)
OPEN_REPORT_ISSUE = """
import datetime as dt
import json
from django.utils import timezone
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.demo.scenario import DEMO_SIGNING_PASSPHRASE
from tonghop.documents.models import Document
from tonghop.issuing import actions as issuing
from tonghop.orgs.models import Role
from tonghop.reports import actions as report_actions
from tonghop.reports.levels import BelowRequest
from tonghop.reports.remote import open_campaign_from_directive
directive = Document.objects.get(direction="in", number="542", sender_organ_id="000.00.21.H99")
office = directive.office
staff = lambda role: office.memberships.filter(role=role).first().user
campaign = open_campaign_from_directive(staff(Role.SPECIALIST), directive.pk,
    BelowRequest(slug="so-542-minh-hoa", due_at=timezone.now() + dt.timedelta(days=10)))
form = [(i.code, i.kind, i.unit_of_measure) for i in campaign.indicators.order_by("order")]
reported = 0
for number, assignment in enumerate(campaign.assignments.order_by("pk")[:2]):
    reporter = assignment.unit.memberships.filter(role=Role.REPORTER).first().user
    report_actions.save_report(reporter, assignment.pk,
        {"pano": str(3 + number), "luot_nguoi": str(100 * (number + 1)), "khau_hieu": "Sáng tạo"},
        "Đã treo pano.", expected_version=assignment.version, submit=True)
c = actions.run(Compilation.objects.create(campaign=campaign, created_by=staff(Role.SPECIALIST),
    assessment="Các đơn vị làm tốt."))
c = actions.submit_for_signature(staff(Role.SPECIALIST), c.pk)
c = issuing.sign_and_issue(staff(Role.HEAD), staff(Role.CLERK), c.pk,
    passphrase=DEMO_SIGNING_PASSPHRASE, office_passphrase=DEMO_SIGNING_PASSPHRASE)
print("RESULT", json.dumps({"form": form, "reference": c.document.reference()}))
"""
SO_STATE = """
import json
from tonghop.campaigns.models import Campaign
from tonghop.documents.models import Document
duty = Campaign.objects.get(slug="so-542").assignments.get()
report = getattr(duty, "report", None)
received = Document.objects.get(direction="in")
print("RESULT", json.dumps({"state": duty.state, "values": report.values if report else None,
    "narrative": report.narrative if report else "", "received": received.reference()}))
"""


def test_the_district_answers_the_so_on_another_install(tmp_path: Path) -> None:
    district, so, stick = tmp_path / "huyen", tmp_path / "so", tmp_path / "usb"
    _cli(district, "demo", "--no-serve")
    _cli(so, "migrate")
    _partners(district, [{"organ_id": SO, "directory": str(stick), "secret": SECRET}])
    _partners(so, [{"organ_id": DISTRICT, "directory": str(stick), "secret": SECRET}])
    _python(so, SO_SETUP)
    # The district picks up the directive with its form, and opens its campaign below from it.
    assert "nhận 1 gói" in _cli(district, "exchange", "run").stdout
    issued = json.loads(_python(district, OPEN_REPORT_ISSUE))
    assert issued["form"] == [
        ["pano", "integer", "cái"],
        ["luot_nguoi", "integer", "lượt"],
        ["khau_hieu", "long_text", ""],
    ]
    # The issue queued the report for the Sở; the run drops it (and the 01 for 542) in the folder.
    _cli(district, "exchange", "run")
    _cli(so, "exchange", "run")
    state = json.loads(_python(so, SO_STATE))
    assert state["received"] == issued["reference"]
    assert state["state"] == "submitted"
    values = state["values"]
    assert (values["pano"], values["luot_nguoi"]) == (7, 300)
    assert "Sáng tạo" in values["khau_hieu"]
    assert "Các đơn vị làm tốt." in state["narrative"]
