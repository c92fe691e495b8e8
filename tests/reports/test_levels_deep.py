"""Deep trees in one install: the province's office above two departments (Sở), one Sở above
two district offices, the districts above their communes and school, and one commune an office
itself above its villages (five levels). Each level opens its campaign below from its duty above,
answers by issuing its report, and sees only the level just below itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.compilation.test_issue import PASS, key
from tests.conftest import PASSWORD, World, sign_and_issue
from tonghop import errors
from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions as compilation_actions
from tonghop.compilation.models import Compilation
from tonghop.office_setup import move_unit
from tonghop.orgs.models import Membership, Role, TreeLoop, Unit, UnitKind, User
from tonghop.outbox.models import Notification
from tonghop.reports import actions as report_actions
from tonghop.reports import levels
from tonghop.reports.assigning import add_units, create_campaign
from tonghop.reports.models import Assignment, LevelAnswer, LevelLink, State

__all__ = ["key"]  # a fixture, used by name

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Within the validity of the test certificates, which start now; each level a few days before
# the one above it.
DUE_TOP = (dt.datetime.now(VN) + dt.timedelta(days=30)).replace(
    hour=17, minute=0, second=0, microsecond=0
)
DUE_SO = DUE_TOP - dt.timedelta(days=5)
DUE_DISTRICT = DUE_SO - dt.timedelta(days=5)
DUE_COMMUNE = DUE_DISTRICT - dt.timedelta(days=3)
LOCAL = (IndicatorSpec("hoi_thao", "Hội thảo đã tổ chức", "integer", "sum"),)


@dataclass(frozen=True)
class Office:
    """An office with the people who open its campaign below, sign and issue its report."""

    unit: Unit
    specialist: User
    head: User
    clerk: User

    # The names sign_and_issue knows the signer and the issuer by.
    @property
    def thach(self) -> User:
        return self.head

    @property
    def hang(self) -> User:
        return self.clerk

    @property
    def staff(self) -> set[str]:
        return {self.specialist.username, self.head.username, self.clerk.username}


def _person(username: str, unit: Unit, role: Role) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def _office(unit: Unit, prefix: str) -> Office:
    return Office(
        unit,
        _person(f"{prefix}-cv", unit, Role.SPECIALIST),
        _person(f"{prefix}-ld", unit, Role.HEAD),
        _person(f"{prefix}-vt", unit, Role.CLERK),
    )


def _unit(code: str, name: str, kind: UnitKind, parent: Unit | None = None) -> Unit:
    return Unit.objects.create(code=code, name=name, kind=kind, parent=parent)


class Tree:
    """The province's office → Sở KHCN (and Sở GD&ĐT) → Minh Hòa (the world's district office)
    and An Lạc → communes and a school; An Phú commune → its two villages. Another province's
    office beside it all."""

    def __init__(self, world: World) -> None:
        self.world = world
        tinh = _unit("vp-ubnd-tinh", "Văn phòng UBND tỉnh", UnitKind.OFFICE)
        self.tinh = _office(tinh, "tinh")
        self.so = _office(_unit("so-khcn", "Sở Khoa học và Công nghệ", UnitKind.OFFICE, tinh), "so")
        self.so_gd = _office(
            _unit("so-gddt", "Sở Giáo dục và Đào tạo", UnitKind.OFFICE, tinh), "sogd"
        )
        self.thpt = _unit("thpt-chuyen", "Trường THPT chuyên", UnitKind.SCHOOL, self.so_gd.unit)
        world.office.parent = self.so.unit
        world.office.save()
        self.minh_hoa = Office(world.office, world.lan, world.thach, world.hang)
        self.an_lac = _office(
            _unit(
                "phong-vh-an-lac",
                "Phòng Văn hóa và Thông tin huyện An Lạc",
                UnitKind.OFFICE,
                self.so.unit,
            ),
            "anlac",
        )
        self.xa_an_lac = _unit("xa-an-lac", "UBND xã An Lạc", UnitKind.COMMUNE, self.an_lac.unit)
        self.xa_an_hoa = _unit("xa-an-hoa", "UBND xã An Hòa", UnitKind.COMMUNE, self.an_lac.unit)
        self.r_an_lac = _person("r-an-lac", self.xa_an_lac, Role.REPORTER)
        self.r_an_hoa = _person("r-an-hoa", self.xa_an_hoa, Role.REPORTER)
        self.r_school = _person("r-thcs", world.school, Role.REPORTER)
        # The fifth level: An Phú commune is an office itself, above its two villages.
        self.an_phu = _office(world.an_phu, "anphu")
        self.thon_1 = _unit("thon-1-an-phu", "Thôn 1 xã An Phú", UnitKind.OTHER, world.an_phu)
        self.thon_2 = _unit("thon-2-an-phu", "Thôn 2 xã An Phú", UnitKind.OTHER, world.an_phu)
        self.r_thon_1 = _person("r-thon-1", self.thon_1, Role.REPORTER)
        self.r_thon_2 = _person("r-thon-2", self.thon_2, Role.REPORTER)
        other = _unit("vp-ubnd-tinh-khac", "Văn phòng UBND tỉnh khác", UnitKind.OFFICE)
        self.other_province = _person("tinh-khac", other, Role.SPECIALIST)
        self.campaign = create_campaign(
            tinh,
            CampaignSpec(
                slug="tinh-542",
                title="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới",
                due_at=DUE_TOP,
                period_start=dt.date(2030, 4, 15),
                period_end=dt.date(2030, 4, 26),
                indicators=(
                    IndicatorSpec(
                        "pano", "Pano đã treo", "integer", "sum", "", "cái", required=True
                    ),
                    IndicatorSpec("luot_nguoi", "Lượt người tham gia", "integer", "sum"),
                    IndicatorSpec("khau_hieu", "Khẩu hiệu", "long_text", "list"),
                ),
            ),
            [self.so.unit, self.so_gd.unit],
            by=self.tinh.specialist,
        )
        self.duty_so = self.campaign.assignments.get(unit=self.so.unit)
        self.duty_so_gd = self.campaign.assignments.get(unit=self.so_gd.unit)


@pytest.fixture
def tree(world: World) -> Tree:
    return Tree(world)


def _open(
    office: Office,
    duty: Assignment,
    slug: str,
    due_at: dt.datetime,
    *,
    local: tuple[IndicatorSpec, ...] = (),
    confirm: bool = False,
) -> Campaign:
    return levels.open_campaign_below(
        office.specialist,
        duty.pk,
        levels.BelowRequest(
            slug=slug, due_at=due_at, local_indicators=local, confirm_after_above=confirm
        ),
    )


@dataclass(frozen=True)
class Chain:
    so: Campaign
    so_gd: Campaign
    minh_hoa: Campaign
    an_lac: Campaign
    an_phu: Campaign

    def duty(self, campaign: Campaign, unit: Unit) -> Assignment:
        return Assignment.objects.get(campaign=campaign, unit=unit)


def _open_chain(tree: Tree) -> Chain:
    """Each office opens its campaign below from its duty above, in one step, level by level."""
    so = _open(tree.so, tree.duty_so, "so-542", DUE_SO, local=LOCAL)
    so_gd = _open(tree.so_gd, tree.duty_so_gd, "so-gd-542", DUE_SO)
    minh_hoa = _open(
        tree.minh_hoa, so.assignments.get(unit=tree.minh_hoa.unit), "minh-hoa-542", DUE_DISTRICT
    )
    an_lac = _open(
        tree.an_lac, so.assignments.get(unit=tree.an_lac.unit), "an-lac-542", DUE_DISTRICT
    )
    an_phu = _open(
        tree.an_phu, minh_hoa.assignments.get(unit=tree.an_phu.unit), "an-phu-542", DUE_COMMUNE
    )
    return Chain(so=so, so_gd=so_gd, minh_hoa=minh_hoa, an_lac=an_lac, an_phu=an_phu)


def _report(user: User, campaign: Campaign, unit: Unit, values: dict[str, str]) -> None:
    assignment = campaign.assignments.get(unit=unit)
    report_actions.save_report(
        user,
        assignment.pk,
        values,
        "Đã thực hiện.",
        expected_version=assignment.version,
        submit=True,
    )


def _issue(office: Office, campaign: Campaign, *, correction: bool = False) -> Compilation:
    compilation = compilation_actions.run(
        Compilation.objects.create(
            campaign=campaign,
            created_by=office.specialist,
            assessment=f"{office.unit.name} làm tốt.",
            proposals="Đề nghị khen thưởng.",
        )
    )
    compilation_actions.submit_for_signature(office.specialist, compilation.pk)
    return sign_and_issue(
        office,
        compilation.pk,
        passphrase=PASS,
        correction=correction,
        correction_reason="Sửa số liệu theo ý kiến cấp trên." if correction else "",
    )


def _run_chain(tree: Tree) -> Chain:
    """The villages, communes and school report (the school never does); each office issues
    from the bottom up, so each answer climbs one level."""
    chain = _open_chain(tree)
    world = tree.world
    _report(tree.r_thon_1, chain.an_phu, tree.thon_1, {"pano": "1", "luot_nguoi": "10"})
    _report(
        tree.r_thon_2,
        chain.an_phu,
        tree.thon_2,
        {"pano": "2", "luot_nguoi": "20", "hoi_thao": "1", "khau_hieu": "Sáng tạo ở thôn"},
    )
    _issue(tree.an_phu, chain.an_phu)
    _report(
        world.nam,
        chain.minh_hoa,
        world.binh_minh,
        {"pano": "4", "luot_nguoi": "80", "hoi_thao": "2"},
    )
    _report(tree.r_an_lac, chain.an_lac, tree.xa_an_lac, {"pano": "5", "luot_nguoi": "50"})
    _report(
        tree.r_an_hoa,
        chain.an_lac,
        tree.xa_an_hoa,
        {"pano": "6", "luot_nguoi": "60", "hoi_thao": "4"},
    )
    _issue(tree.minh_hoa, chain.minh_hoa)
    _issue(tree.an_lac, chain.an_lac)
    _issue(tree.so, chain.so)
    return chain


def _codes(campaign: Campaign) -> list[str]:
    return list(campaign.indicators.order_by("order", "pk").values_list("code", flat=True))


def _units(campaign: Campaign) -> set[str]:
    return set(campaign.assignments.active().values_list("unit__code", flat=True))


# --- 1. Opening each level below ---


def test_each_office_opens_its_campaign_below_to_the_level_just_below_it(tree: Tree) -> None:
    chain = _open_chain(tree)
    # Each campaign below goes to the units just below the office: the Sở's goes to its two
    # district offices, not to their communes; Minh Hòa's to An Phú, not to its villages.
    assert _units(chain.so) == {"phong-vhkhtt", "phong-vh-an-lac"}
    assert _units(chain.so_gd) == {"thpt-chuyen"}
    assert _units(chain.minh_hoa) == {"xa-an-phu", "xa-binh-minh", "thcs-an-phu"}
    assert _units(chain.an_lac) == {"xa-an-lac", "xa-an-hoa"}
    assert _units(chain.an_phu) == {"thon-1-an-phu", "thon-2-an-phu"}
    # The form climbs down with its codes; the Sở's own indicator is part of the form below it.
    assert _codes(chain.so) == ["pano", "luot_nguoi", "khau_hieu", "hoi_thao"]
    for campaign in (chain.minh_hoa, chain.an_lac, chain.an_phu):
        assert _codes(campaign) == ["pano", "luot_nguoi", "khau_hieu", "hoi_thao"]
    assert _codes(chain.so_gd) == ["pano", "luot_nguoi", "khau_hieu"]
    # Each answers the duty of its own office, one level up.
    links = {
        link.below.slug: (link.above.campaign.slug, link.above.unit.code)
        for link in LevelLink.objects.select_related("below", "above__campaign", "above__unit")
    }
    assert links == {
        "so-542": ("tinh-542", "so-khcn"),
        "so-gd-542": ("tinh-542", "so-gddt"),
        "minh-hoa-542": ("so-542", "phong-vhkhtt"),
        "an-lac-542": ("so-542", "phong-vh-an-lac"),
        "an-phu-542": ("minh-hoa-542", "xa-an-phu"),
    }
    for campaign in (chain.so, chain.minh_hoa, chain.an_lac, chain.an_phu):
        assert (
            campaign.report_to == LevelLink.objects.get(below=campaign).above.campaign.office.name
        )


def test_the_due_date_rule_holds_at_every_level(tree: Tree) -> None:
    def refused(office: Office, duty: Assignment, slug: str, above: dt.datetime) -> None:
        assert levels.proposed_due(duty) < duty.due_at == above
        with pytest.raises(levels.DueAfterAbove, match="sau hạn báo cáo"):
            _open(office, duty, slug, above + dt.timedelta(hours=1))
        assert not Campaign.objects.filter(slug=slug).exists()

    refused(tree.so, tree.duty_so, "so-542", DUE_TOP)
    so = _open(tree.so, tree.duty_so, "so-542", levels.proposed_due(tree.duty_so))
    assert so.due_at < DUE_TOP
    minh_hoa_duty = so.assignments.get(unit=tree.minh_hoa.unit)
    refused(tree.minh_hoa, minh_hoa_duty, "minh-hoa-542", so.due_at)
    minh_hoa = _open(tree.minh_hoa, minh_hoa_duty, "minh-hoa-542", DUE_DISTRICT)
    an_phu_duty = minh_hoa.assignments.get(unit=tree.an_phu.unit)
    refused(tree.an_phu, an_phu_duty, "an-phu-542", DUE_DISTRICT)
    # Confirmed, a later date is taken, and the link remembers it was on purpose.
    an_phu = _open(
        tree.an_phu, an_phu_duty, "an-phu-542", DUE_DISTRICT + dt.timedelta(days=1), confirm=True
    )
    assert [LevelLink.objects.get(below=c).late_confirmed for c in (so, minh_hoa, an_phu)] == [
        False,
        False,
        True,
    ]


# --- 2. The answers climb ---


def test_the_answers_climb_every_level_indicator_by_indicator(tree: Tree, key: Path) -> None:
    chain = _run_chain(tree)
    an_phu = chain.duty(chain.minh_hoa, tree.an_phu.unit)
    assert an_phu.state == State.SUBMITTED
    assert (an_phu.report.values["pano"], an_phu.report.values["luot_nguoi"]) == (3, 30)
    assert an_phu.report.values["hoi_thao"] == 1
    minh_hoa = chain.duty(chain.so, tree.minh_hoa.unit)
    an_lac = chain.duty(chain.so, tree.an_lac.unit)
    assert minh_hoa.state == an_lac.state == State.SUBMITTED
    # Minh Hòa: An Phú's answer (3, 30, 1) and Bình Minh (4, 80, 2); the school never reported.
    assert {k: minh_hoa.report.values[k] for k in ("pano", "luot_nguoi", "hoi_thao")} == {
        "pano": 7,
        "luot_nguoi": 110,
        "hoi_thao": 3,
    }
    assert {k: an_lac.report.values[k] for k in ("pano", "luot_nguoi", "hoi_thao")} == {
        "pano": 11,
        "luot_nguoi": 110,
        "hoi_thao": 4,
    }
    top = Assignment.objects.get(pk=tree.duty_so.pk)
    assert top.state == State.SUBMITTED and not top.is_late
    values = top.report.values
    assert (values["pano"], values["luot_nguoi"]) == (18, 220)
    # The Sở's own indicator stays with the Sở: its districts answer it, the province never sees it.
    assert "hoi_thao" not in values
    assert "Sáng tạo ở thôn" in values["khau_hieu"]
    assert "Sở Khoa học và Công nghệ làm tốt." in top.report.narrative
    assert LevelAnswer.objects.count() == 4
    assert Assignment.objects.get(pk=tree.duty_so_gd.pk).state == State.NOT_STARTED

    # The province's page: the Sở's figures, the totals, and completeness over the leaves of the
    # whole branch: the villages, Bình Minh and the school under Minh Hòa, An Lạc's two
    # communes, and the Sở GD&ĐT's school: 5 of 7 have reported.
    client = tree.world.client_for(tree.tinh.specialist)
    page = client.get(reverse("campaigns:detail", args=["tinh-542"]))
    html = page.content.decode().lower()
    assert "toàn tỉnh: 5/7 đơn vị cơ sở đã báo cáo" in html
    so_row = next(r for r in page.context["level_rows"] if r[0].assignment.unit == tree.so.unit)
    assert so_row[1][:2] == ["18", "220"]
    assert page.context["level_totals"][:2] == ["18", "220"]
    assert page.context["levels"].units_expected == 7
    # The Sở's page counts its own branch only: 5 of 6.
    client = tree.world.client_for(tree.so.specialist)
    page = client.get(reverse("campaigns:detail", args=["so-542"]))
    assert "toàn tỉnh: 5/6 đơn vị cơ sở đã báo cáo" in page.content.decode().lower()
    assert page.context["level_totals"][:2] == ["18", "220"]
    local = [i.code for i in page.context["level_indicators"]].index("hoi_thao")
    assert Decimal(page.context["level_totals"][local]) == 7


# --- 3. Returns go one level down ---


def test_a_return_reaches_only_the_office_one_level_down(tree: Tree, key: Path) -> None:
    chain = _run_chain(tree)
    # The Sở's campaign below holds its two districts, both answered.
    assert list(chain.so.assignments.values_list("state", flat=True)) == [State.SUBMITTED] * 2
    seen = set(Notification.objects.values_list("pk", flat=True))

    def told() -> set[str]:
        fresh = Notification.objects.exclude(pk__in=seen)
        names = set(fresh.values_list("user__username", flat=True))
        seen.update(fresh.values_list("pk", flat=True))
        return names

    top = Assignment.objects.get(pk=tree.duty_so.pk)
    report_actions.return_report(
        tree.tinh.specialist, top.pk, "Thiếu số liệu trường học.", expected_version=top.version
    )
    # The Sở is told; its districts, An Phú and the units below are not.
    assert told() == tree.so.staff
    assert Assignment.objects.get(pk=top.pk).state == State.RETURNED
    below = [chain.duty(chain.so, tree.minh_hoa.unit), chain.duty(chain.so, tree.an_lac.unit)]
    assert [a.state for a in below] == [State.SUBMITTED, State.SUBMITTED]

    # The Sở returns An Lạc's answer: An Lạc only, not Minh Hòa, not the province, not the communes.
    an_lac = chain.duty(chain.so, tree.an_lac.unit)
    report_actions.return_report(
        tree.so.specialist, an_lac.pk, "Số pano chưa khớp.", expected_version=an_lac.version
    )
    assert told() == tree.an_lac.staff
    assert chain.duty(chain.so, tree.minh_hoa.unit).state == State.SUBMITTED
    assert Assignment.objects.get(pk=top.pk).state == State.RETURNED
    assert set(chain.an_lac.assignments.values_list("state", flat=True)) == {State.SUBMITTED}
    # An Lạc issues a correction: its answer is submitted again; the province's duty is untouched.
    _issue(tree.an_lac, chain.an_lac, correction=True)
    assert chain.duty(chain.so, tree.an_lac.unit).state == State.SUBMITTED
    assert LevelAnswer.objects.filter(link__below=chain.an_lac).count() == 2
    assert Assignment.objects.get(pk=top.pk).state == State.RETURNED


# --- 4. Who sees what ---


def test_each_level_sees_itself_and_the_level_below_and_nothing_else(tree: Tree, key: Path) -> None:
    chain = _run_chain(tree)
    world = tree.world
    duty_minh_hoa = chain.duty(chain.so, tree.minh_hoa.unit)
    duty_an_lac = chain.duty(chain.so, tree.an_lac.unit)

    def detail(slug: str) -> str:
        return reverse("campaigns:detail", args=[slug])

    def below(slug: str, assignment: Assignment) -> str:
        return reverse("campaigns:below", args=[slug, assignment.pk])

    def status(user: User, url: str) -> int:
        return world.client_for(user).get(url).status_code

    # The province: its own page, and the Sở's campaign below read-only, no deeper.
    assert status(tree.tinh.specialist, detail("tinh-542")) == 200
    so_below = world.client_for(tree.tinh.specialist).get(below("tinh-542", tree.duty_so))
    assert so_below.status_code == 200
    html = so_below.content.decode()
    assert "Phòng Văn hóa, Khoa học và Thông tin" in html and "An Lạc" in html
    # Two levels down is not the province's to read: no commune, no village, no school.
    for name in ("UBND xã An Lạc", "UBND xã Bình Minh", "Thôn 1", "Trường THCS"):
        assert name not in html, name
    assert b"<form" not in so_below.content.split(b"<main")[-1]
    pdf = reverse("campaigns:answer-pdf", args=["tinh-542", tree.duty_so.pk])
    assert status(tree.tinh.specialist, pdf) == 200
    for url in (
        detail("so-542"),
        detail("minh-hoa-542"),
        detail("an-phu-542"),
        below("so-542", duty_minh_hoa),
        reverse("campaigns:review", args=["so-542", duty_minh_hoa.pk]),
    ):
        assert status(tree.tinh.specialist, url) == 404, url

    # The Sở: its campaign and each district's units below it; not the province's page, not the
    # other Sở's tree.
    assert status(tree.so.specialist, detail("so-542")) == 200
    assert status(tree.so.specialist, below("so-542", duty_minh_hoa)) == 200
    for url in (
        detail("tinh-542"),
        below("tinh-542", tree.duty_so),
        detail("so-gd-542"),
        below("tinh-542", tree.duty_so_gd),
        detail("minh-hoa-542"),
        below("minh-hoa-542", chain.duty(chain.minh_hoa, tree.an_phu.unit)),
    ):
        assert status(tree.so.specialist, url) == 404, url
    for url in (detail("so-542"), below("so-542", duty_minh_hoa), detail("an-lac-542")):
        assert status(tree.so_gd.specialist, url) == 404, url

    # A district: its own campaign and An Phú's below it; never its sibling, nor the Sở's page.
    an_phu_below = below("minh-hoa-542", chain.duty(chain.minh_hoa, tree.an_phu.unit))
    assert status(world.lan, detail("minh-hoa-542")) == 200
    assert status(world.lan, an_phu_below) == 200
    assert status(tree.an_lac.specialist, detail("an-lac-542")) == 200
    for url in (
        detail("an-lac-542"),
        below("so-542", duty_an_lac),
        below("so-542", duty_minh_hoa),
        detail("so-542"),
        detail("tinh-542"),
    ):
        assert status(world.lan, url) == 404, url
    for url in (detail("minh-hoa-542"), an_phu_below, below("so-542", duty_minh_hoa)):
        assert status(tree.an_lac.specialist, url) == 404, url

    # A commune (and An Phú, an office of the fifth level): never the pages above it.
    for user in (world.nam, tree.r_an_lac, tree.r_thon_1, world.hoa, tree.an_phu.specialist):
        for url in (
            detail("minh-hoa-542"),
            detail("an-lac-542"),
            detail("so-542"),
            detail("tinh-542"),
            below("so-542", duty_minh_hoa),
            below("tinh-542", tree.duty_so),
        ):
            assert status(user, url) in (403, 404), (user, url)
    assert status(tree.an_phu.specialist, detail("an-phu-542")) == 200

    # Another province's office sees nothing of any of it.
    for url in (
        detail("tinh-542"),
        detail("so-542"),
        detail("minh-hoa-542"),
        detail("an-phu-542"),
        below("tinh-542", tree.duty_so),
        below("so-542", duty_minh_hoa),
        pdf,
        reverse("campaigns:review", args=["tinh-542", tree.duty_so.pk]),
    ):
        assert status(tree.other_province, url) == 404, url
    assert (
        status(tree.other_province, reverse("campaigns:open-below", args=[tree.duty_so.pk])) == 404
    )


# --- 5. The province's page stays a few queries ---


def _queries(user: User, world: World, url: str) -> int:
    client = world.client_for(user)
    client.get(url)  # the session and the caches warmed
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_above_stay_constant_in_queries_as_districts_are_added(tree: Tree) -> None:
    chain = _open_chain(tree)
    world = tree.world
    _report(tree.r_thon_1, chain.an_phu, tree.thon_1, {"pano": "1"})
    _report(world.nam, chain.minh_hoa, world.binh_minh, {"pano": "4"})
    top_url = reverse("campaigns:detail", args=["tinh-542"])
    so_url = reverse("campaigns:detail", args=["so-542"])
    top_before = _queries(tree.tinh.specialist, world, top_url)
    so_before = _queries(tree.so.specialist, world, so_url)

    # A third district with four communes joins the Sở's campaign and opens its own below.
    third = _office(
        _unit("phong-vh-dong-son", "Phòng Văn hóa huyện Đông Sơn", UnitKind.OFFICE, tree.so.unit),
        "dongson",
    )
    communes = [
        _unit(f"xa-dong-son-{n}", f"UBND xã Đông Sơn {n}", UnitKind.COMMUNE, third.unit)
        for n in range(4)
    ]
    reporter = _person("r-dong-son", communes[0], Role.REPORTER)
    (duty,) = add_units(chain.so.pk, [third.unit], by=tree.so.specialist)
    dong_son = _open(third, duty, "dong-son-542", DUE_DISTRICT)
    _report(reporter, dong_son, communes[0], {"pano": "2"})

    page = world.client_for(tree.tinh.specialist).get(top_url)
    assert "toàn tỉnh: 3/11 đơn vị cơ sở đã báo cáo" in page.content.decode().lower()
    assert _queries(tree.tinh.specialist, world, top_url) <= top_before
    assert _queries(tree.so.specialist, world, so_url) <= so_before


# --- 6. A loop in the tree ---


@pytest.fixture
def bounded_queries() -> Iterator[None]:
    """Fails a walk of the tree that would never end, instead of hanging the test run."""
    count = 0

    def bounded(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        if count > 500:
            raise AssertionError("more than 500 queries: the walk of the tree does not end")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(bounded):
        yield


def test_a_loop_in_the_tree_is_refused_where_the_tree_is_edited(
    tree: Tree, bounded_queries: None
) -> None:
    root = User.objects.create_superuser(
        username="root", password="x" * 12, email="root@example.org", full_name="Quản trị"
    )
    client = tree.world.client_for(root)
    so = tree.so.unit

    def change(parent: Unit) -> Any:
        return client.post(
            reverse("admin:orgs_unit_change", args=[so.pk]),
            {
                "code": so.code,
                "name": so.name,
                "kind": so.kind,
                "parent": parent.pk,
                "is_active": "on",
            },
        )

    # The administration pages: the Sở under a commune of its own branch, three levels down,
    # or under a village five levels down, or under itself: refused, nothing saved.
    for parent in (tree.xa_an_lac, tree.thon_1, so):
        refused = change(parent)
        assert refused.status_code == 200, parent
        assert "nhánh của nó" in refused.content.decode()
        assert Unit.objects.get(pk=so.pk).parent_id == tree.tinh.unit.pk
    # Elsewhere in the tree is fine.
    assert change(tree.so_gd.unit).status_code == 302
    assert Unit.objects.get(pk=so.pk).parent_id == tree.so_gd.unit.pk

    # The office's own tree page: a district moved under its own commune.
    with pytest.raises(errors.Invalid, match="nhánh của nó"):
        move_unit(tree.so.head, so, tree.an_lac.unit, tree.xa_an_lac)
    assert Unit.objects.get(pk=tree.an_lac.unit.pk).parent_id == so.pk

    # A loop made behind the application's back (a hand edit of the database): walking the tree
    # ends with a clear refusal instead of running forever.
    Unit.objects.filter(pk=so.pk).update(parent=tree.thon_1)
    for start in (so, tree.an_phu.unit, tree.thon_1):
        with pytest.raises(TreeLoop, match="vòng lặp"):
            Unit.objects.get(pk=start.pk).descendants()
    assert len(tree.an_lac.unit.descendants()) == 2  # a branch hanging off the loop is fine
    with pytest.raises(levels.LoopInTree, match="vòng lặp"):
        _open(tree.so, tree.duty_so, "so-542", DUE_SO)
    assert not Campaign.objects.filter(slug="so-542").exists()
