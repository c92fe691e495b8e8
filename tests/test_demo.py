from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import Client

from tests.compilation.test_issue import PASS, key
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.build import collect
from tonghop.compilation.models import Compilation
from tonghop.demo.scenario import (
    DEMO_PASSWORD,
    SEED_SLUG,
    SO_LIVE_SLUG_PREFIX,
    SO_SLUG,
    demo_logins,
    load_scenario,
)
from tonghop.documents.models import Direction, Document
from tonghop.issuing import actions as issuing_actions
from tonghop.orgs.models import Role, Unit, UnitKind, User
from tonghop.reports.models import LevelLink, State

__all__ = ["key"]  # a fixture, used by name

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_it_loads_the_seed_scenario_once(db: None) -> None:
    assert load_scenario() is True
    assert load_scenario() is False
    assert Campaign.objects.filter(slug=SEED_SLUG).count() == 1


def test_the_seed_campaign_keeps_the_documents_dates_and_asks_what_it_asks(db: None) -> None:
    load_scenario()
    # The seed's office (the Sở above it and the other districts are offices too).
    office = Unit.objects.get(kind=UnitKind.OFFICE, code="phong-vhkhtt")
    assert office.name == "Phòng Văn hóa, Khoa học và Thông tin"
    units = Unit.objects.filter(pk__in=[u.pk for u in office.descendants()])
    assert units.count() >= 25
    assert {u.kind for u in units} == {UnitKind.COMMUNE, UnitKind.SCHOOL, UnitKind.AGENCY}
    campaign = Campaign.objects.get(slug=SEED_SLUG)
    assert campaign.title == "Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025"
    assert (campaign.period_start, campaign.period_end) == (
        dt.date(2025, 4, 15),
        dt.date(2025, 4, 26),
    )
    assert campaign.due_at == dt.datetime(2025, 5, 5, 23, 59, 59, tzinfo=VN)
    assert campaign.assignments.count() == units.count()
    labels = " ".join(Indicator.objects.filter(campaign=campaign).values_list("label", flat=True))
    for word in (
        "Pano",
        "Băng rôn",
        "Áp phích",
        "Bài viết",
        "Hoạt động",
        "lượt người",
        "Khẩu hiệu",
        "Tập thể",
        "Cá nhân",
    ):
        assert word.lower() in labels.lower(), word
    document = campaign.source_document
    assert isinstance(document, Document)
    assert document.direction == Direction.OUTGOING
    assert document.signer_name == "Phạm Viết Thạch"
    assert "Việt Năm" in document.text


def test_the_seed_campaign_has_two_thirds_in_some_late_one_returned(db: None) -> None:
    load_scenario()
    campaign = Campaign.objects.get(slug=SEED_SLUG)
    figures = campaign.assignments.figures()
    assert 0.6 <= (figures.submitted + figures.returned) / figures.expected <= 0.75
    assert figures.late >= 2
    assert figures.returned == 1
    assert figures.accepted >= 1
    assert campaign.assignments.filter(state=State.DRAFT).exists()
    assert campaign.assignments.filter(state=State.NOT_STARTED).exists()
    # Every submission went through the actions, so each has its history.
    for assignment in campaign.assignments.exclude(state=State.NOT_STARTED):
        assert assignment.events.exists()


def test_the_current_campaign_is_due_in_a_few_days(db: None) -> None:
    load_scenario()
    current = (
        Campaign.objects.exclude(slug__in=[SEED_SLUG, SO_SLUG])
        .exclude(slug__startswith=SO_LIVE_SLUG_PREFIX)
        .get()
    )
    from django.utils import timezone

    days = (current.due_at - timezone.now()).days
    assert 2 <= days <= 5
    assert current.assignments.figures().submitted > 0


def test_every_demo_login_finds_a_campaign_live_today_on_its_home_page(db: None) -> None:
    """The seed campaign is 2025 history; a newcomer signing in with any printed login also
    finds a campaign open today, due in the days ahead, on the page the site opens first."""
    from django.utils import timezone

    load_scenario()
    live = list(Campaign.objects.filter(due_at__gt=timezone.now(), status=CampaignStatus.OPEN))
    assert live
    for username, role in demo_logins():
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        page = client.get("/", follow=True)
        assert page.status_code == 200, username
        html = page.content.decode()
        seen = [c.title for c in live if c.title in html]
        assert seen, f"{username} ({role}) sees no live campaign on {page.redirect_chain}"


def test_the_printed_logins_work(db: None) -> None:
    load_scenario()
    logins = demo_logins()
    assert {"chuyenvien", "truongphong", "quantri"} <= {name for name, _ in logins}
    reporter = next(name for name, role in logins if "chưa báo cáo" in role)
    client = Client()
    assert client.login(username=reporter, password=DEMO_PASSWORD)
    page = client.get("/reports/").content.decode()
    assert "Hưởng ứng Ngày Sáng tạo" in page
    unit = Unit.objects.get(memberships__user__username=reporter, memberships__role=Role.REPORTER)
    assert unit.name in page


def test_the_demo_chain_runs_up_to_the_so(db: None, key: Path) -> None:
    """Signing and issuing the seed's report turns Minh Hòa's assignment above to submitted,
    with its totals on the Sở's page; one district answered already, one has not."""
    load_scenario()
    so_campaign = Campaign.objects.get(slug=SO_SLUG)
    states = {a.unit.code: a.state for a in so_campaign.assignments.select_related("unit")}
    assert states == {
        "phong-vhkhtt": State.NOT_STARTED,
        "phong-vhtt-an-lac": State.SUBMITTED,
        "phong-vhtt-dong-son": State.NOT_STARTED,
    }
    seed = Campaign.objects.get(slug=SEED_SLUG)
    assert LevelLink.objects.get(below=seed).above.unit.code == "phong-vhkhtt"
    assert {name for name, _ in demo_logins()} >= {"so-chuyenvien", "so-giamdoc"}
    specialist, head, clerk = (
        User.objects.get(username=name) for name in ("chuyenvien", "truongphong", "vanthu")
    )
    compilation = compilation_actions.run(
        Compilation.objects.create(campaign=seed, created_by=specialist, assessment="Tốt.")
    )
    compilation_actions.submit_for_signature(specialist, compilation.pk)
    issuing_actions.sign(head, compilation.pk, passphrase=PASS)
    issuing_actions.issue(clerk, compilation.pk, passphrase=PASS)
    duty = so_campaign.assignments.get(unit__code="phong-vhkhtt")
    assert duty.state == State.SUBMITTED and duty.is_late  # the Sở's due date was in 2025
    totals, rows, _missing, _late = collect(seed)
    pano = next(t for t in totals.totals if t.indicator.code == "pano")
    assert duty.report.values["pano"] == pano.value
    client = Client()
    assert client.login(username="so-chuyenvien", password=DEMO_PASSWORD)
    page = client.get(f"/campaigns/{SO_SLUG}/")
    html = page.content.decode().lower()
    figures = seed.assignments.figures()
    assert f"toàn tỉnh: {figures.submitted}/{figures.expected} đơn vị cơ sở đã báo cáo" in html
    minh_hoa = next(r for r in page.context["level_rows"] if r[0].below is not None)
    assert minh_hoa[1][0] == str(pano.value) and len(rows) == figures.submitted
    # The seed district's own people do not read the Sở's page.
    other = Client()
    assert other.login(username="chuyenvien", password=DEMO_PASSWORD)
    assert other.get(f"/campaigns/{SO_SLUG}/").status_code == 404
