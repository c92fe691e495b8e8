"""The seed scenario, built from the real directive in seed.txt.

A district's Phòng Văn hóa, Khoa học và Thông tin passes on the province's directive for World
Creativity and Innovation Day 2025 to its communes, schools and agencies. The units and people
are invented; only the signer is the one named in the document. Reports are entered through the
same actions a person uses, with their historical times, so the history reads as it happened.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign
from tonghop.campaigns.presets import SEED_INDICATORS
from tonghop.documents.models import Direction, Document
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.reports import actions
from tonghop.reports.assigning import create_campaign
from tonghop.reports.models import Assignment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_SIGNING_PASSPHRASE = "ky-so-thu-nghiem"  # noqa: S105 - printed for the demo by design
DEMO_PASSWORD = "demo-tonghop-2025"  # noqa: S105 - printed for the demo by design
SEED_SLUG = "sang-tao-2025"

OFFICE = {
    "code": "phong-vhkhtt",
    "name": "Phòng Văn hóa, Khoa học và Thông tin",
    "short_name": "VHKHTT",
    "parent_body": "UBND HUYỆN MINH HÒA",
    "place": "Minh Hòa",
    "email": "vhkhtt@minhhoa.example.vn",
    "organ_id": "000.30.25.H99",
}

COMMUNES = [
    "An Phú",
    "Bình Minh",
    "Cẩm Hà",
    "Đại Đồng",
    "Đông Xuân",
    "Hòa Lạc",
    "Hưng Thịnh",
    "Kim Sơn",
    "Lạc Thủy",
    "Mỹ Lộc",
    "Phú Nhuận",
    "Tân Lập",
    "Thanh Bình",
    "Vĩnh Hòa",
]
SCHOOLS = [
    "Trường THPT Minh Hòa",
    "Trường THPT Lê Lợi",
    "Trường THCS An Phú",
    "Trường THCS Bình Minh",
    "Trường THCS thị trấn Minh Hòa",
    "Trường Tiểu học Kim Sơn",
    "Trường Tiểu học Tân Lập",
    "Trường Mầm non Hoa Sen",
]
AGENCIES = [
    "Trung tâm Văn hóa, Thể thao và Du lịch huyện",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Nông nghiệp và Môi trường",
    "Phòng Kinh tế, Hạ tầng và Đô thị",
    "Huyện đoàn Minh Hòa",
    "Trung tâm Y tế huyện",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = [
    "Thị Hoa",
    "Văn Nam",
    "Thị Thu",
    "Minh Tuấn",
    "Thị Hạnh",
    "Quốc Bảo",
    "Thu Trang",
    "Văn Hùng",
    "Thị Mai",
    "Đức Anh",
    "Ngọc Lan",
    "Văn Sơn",
]

SLOGANS = [
    "Sáng tạo hôm nay - Phát triển ngày mai",
    "Đổi mới sáng tạo - Động lực phát triển",
    "Khoa học, công nghệ và đổi mới sáng tạo là động lực chính của tăng trưởng",
    "Chung tay xây dựng văn hóa đổi mới sáng tạo",
]

CURRENT_INDICATORS = (
    IndicatorSpec(
        "tthc_truc_tuyen",
        "Thủ tục hành chính cung cấp trực tuyến toàn trình",
        IndicatorKind.INTEGER,
        "sum",
        "",
        "thủ tục",
        required=True,
    ),
    IndicatorSpec(
        "ho_so_truc_tuyen",
        "Hồ sơ tiếp nhận trực tuyến trong tháng",
        IndicatorKind.INTEGER,
        "sum",
        "",
        "hồ sơ",
        required=True,
    ),
    IndicatorSpec(
        "ty_le_ky_so",
        "Tỷ lệ văn bản đi được ký số",
        IndicatorKind.DECIMAL,
        "average",
        "",
        "%",
        required=True,
        max_value=None,
    ),
    IndicatorSpec("kho_khan", "Khó khăn, vướng mắc", IndicatorKind.LONG_TEXT, "list", ""),
)


def _slug(text: str) -> str:
    from django.utils.text import slugify

    # slugify drops Vietnamese letters it cannot decompose (đ): map them first.
    return slugify(text.replace("đ", "d").replace("Đ", "D"))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def _user(username: str, full_name: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=DEMO_PASSWORD, full_name=full_name, is_staff=staff
    )
    return user


def _units(office: Unit, rng: random.Random) -> list[Unit]:
    """Communes and agencies under the office; the schools under the education office, so the
    tree has a real branch to read figures by."""
    units: list[Unit] = []
    specs = [(f"UBND xã {name}", UnitKind.COMMUNE, f"xa-{_slug(name)}") for name in COMMUNES]
    specs += [(name, UnitKind.AGENCY, _slug(name)) for name in AGENCIES]
    specs += [(name, UnitKind.SCHOOL, _slug(name.replace("Trường ", ""))) for name in SCHOOLS]
    education: Unit | None = None
    for name, kind, code in specs:
        unit = Unit.objects.create(
            code=code[:40],
            name=name,
            kind=kind,
            parent=education if kind == UnitKind.SCHOOL and education else office,
            place=OFFICE["place"],
            email=f"{code[:30]}@minhhoa.example.vn",
            contact_name=_person(rng),
            contact_phone=f"09{rng.randrange(10**7, 10**8)}",
        )
        if name == "Phòng Giáo dục và Đào tạo":
            education = unit
        units.append(unit)
    return units


def _seed_document(office: Unit, head: User) -> Document:
    text = resources.files("tonghop.demo").joinpath("seed.txt").read_text(encoding="utf-8")
    parsed: dict[str, object] = {}
    try:
        from tonghop.dispatch import parse_text

        parsed = parse_text(text, source="seed.txt")
    except ImportError:  # the reader library is optional for the demo data
        parsed = {}
    return Document.objects.create(
        office=office,
        direction=Direction.OUTGOING,
        doc_type="Công văn",
        issuer=OFFICE["name"],
        issued_on=dt.date(2025, 4, 25),
        subject="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        signer_title="Trưởng phòng",
        signer_name=head.full_name,
        recipients=["Như trên", "UBND huyện (b/c)", "Trang TTĐT huyện (Đăng tin)", "Lưu: VT"],
        original_name="seed.txt",
        text=text,
        parsed=parsed,
        created_by=head,
    )


def _seed_values(rng: random.Random, unit: Unit) -> tuple[dict[str, object], str]:
    big = unit.kind == UnitKind.COMMUNE
    events = rng.randint(1, 4)
    values: dict[str, object] = {
        "pano": rng.randint(1, 4) if big else rng.randint(0, 2),
        "bang_ron": rng.randint(2, 8) if big else rng.randint(1, 3),
        "ap_phich": rng.randint(5, 30),
        "bai_viet": rng.randint(1, 6),
        "hoat_dong": events,
        "luot_nguoi": events * rng.randint(40, 300),
        "khau_hieu": rng.choice(SLOGANS),
        "tap_the_khen": rng.randint(0, 1),
        "ca_nhan_khen": rng.randint(0, 2),
    }
    if values["tap_the_khen"] or values["ca_nhan_khen"]:
        values["danh_sach_khen"] = f"Tổ chuyên môn {unit.name}; {_person(rng)}"
    narrative = (
        f"{unit.name} đã quán triệt, phổ biến mục đích, ý nghĩa của Ngày Sáng tạo và Đổi mới "
        f"sáng tạo thế giới; treo pano, băng rôn tại trụ sở và nơi công cộng; tổ chức {events} "
        "hoạt động hưởng ứng, thu hút đông đảo cán bộ và nhân dân tham gia."
    )
    return values, narrative


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59)), VN)


def _enter(
    reporter: User,
    assignment: Assignment,
    values: dict[str, object],
    narrative: str,
    *,
    submit: bool,
    at: dt.datetime,
) -> Assignment:
    assignment.refresh_from_db()
    return actions.save_report(
        reporter,
        assignment.pk,
        values,
        narrative,
        expected_version=assignment.version,
        submit=submit,
        now=at,
    )


def _seed_campaign(
    office: Unit,
    units: list[Unit],
    reporters: dict[int, User],
    specialist: User,
    head: User,
    rng: random.Random,
) -> Campaign:
    document = _seed_document(office, head)
    spec = CampaignSpec(
        slug=SEED_SLUG,
        title="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        description=(
            "Tổ chức các hoạt động hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm "
            "2025 (tuyên truyền, lựa chọn khẩu hiệu, treo pano, băng rôn, áp phích, phối hợp "
            "đăng tải tin bài, biểu dương, khen thưởng) và gửi báo cáo kết quả về Phòng Văn hóa, "
            "Khoa học và Thông tin trước ngày 06/5/2025."
        ),
        # The document writes 2024 by mistake; the campaign keeps the intended 2025 window.
        period_start=dt.date(2025, 4, 15),
        period_end=dt.date(2025, 4, 26),
        # "trước ngày 06/5/2025": due at the end of 05/5/2025, Vietnam time.
        due_at=dt.datetime(2025, 5, 5, 23, 59, 59, tzinfo=VN),
        report_to="Sở Khoa học và Công nghệ",
        report_to_email="skhcn@tinh.example.vn",
        report_to_organ_id="000.00.21.H99",
        report_symbol="BC-VHKHTT",
        indicators=SEED_INDICATORS,
    )
    campaign = create_campaign(office, spec, units, by=specialist, source_document=document)
    _deliver_directive(campaign, specialist, dt.datetime(2025, 4, 14, 8, 30, tzinfo=VN))
    assignments = list(campaign.assignments.select_related("unit").order_by("pk"))
    order = list(range(len(assignments)))
    rng.shuffle(order)
    # About two thirds in: 15 on time, 3 late, 1 returned; 3 drafts; the rest not started.
    on_time, late, returned, drafts = order[:15], order[15:18], order[18:19], order[19:22]
    for index in on_time + late + returned:
        assignment = assignments[index]
        reporter = reporters[assignment.unit_id]
        values, narrative = _seed_values(rng, assignment.unit)
        day = (
            dt.date(2025, 4, 28) + dt.timedelta(days=rng.randint(0, 7))
            if index not in late
            else dt.date(2025, 5, 6) + dt.timedelta(days=rng.randint(0, 3))
        )
        _enter(
            reporter,
            assignment,
            values,
            narrative,
            submit=False,
            at=_at(day, rng) - dt.timedelta(days=1),
        )
        assignment = _enter(reporter, assignment, values, narrative, submit=True, at=_at(day, rng))
    for index in on_time[:9]:
        assignment = Assignment.objects.get(pk=assignments[index].pk)
        actions.accept_report(
            specialist,
            assignment.pk,
            expected_version=assignment.version,
            now=(assignment.submitted_at or timezone.now()) + dt.timedelta(hours=20),
        )
    for index in returned:
        assignment = Assignment.objects.get(pk=assignments[index].pk)
        actions.return_report(
            specialist,
            assignment.pk,
            "Số lượt người tham gia chưa khớp với số hoạt động; đề nghị đơn vị rà soát, "
            "bổ sung danh sách đề nghị khen thưởng.",
            expected_version=assignment.version,
            now=(assignment.submitted_at or timezone.now()) + dt.timedelta(hours=6),
        )
    for index in drafts:
        assignment = assignments[index]
        values, narrative = _seed_values(rng, assignment.unit)
        partial = {k: v for k, v in values.items() if k in ("pano", "bang_ron")}
        _enter(
            reporters[assignment.unit_id],
            assignment,
            partial,
            "",
            submit=False,
            at=_at(dt.date(2025, 5, 2), rng),
        )
    return campaign


def _current_campaign(
    office: Unit,
    units: list[Unit],
    reporters: dict[int, User],
    specialist: User,
    rng: random.Random,
) -> Campaign:
    today = timezone.localdate()
    due_day = today + dt.timedelta(days=4)
    spec = CampaignSpec(
        slug=f"chuyen-doi-so-{today:%Y-%m}",
        title=f"Báo cáo kết quả chuyển đổi số tháng {today.month}/{today.year}",
        description="Báo cáo số liệu chuyển đổi số trong tháng của các đơn vị.",
        period_start=today.replace(day=1),
        period_end=due_day,
        due_at=dt.datetime.combine(due_day, dt.time(23, 59, 59), VN),
        report_to="UBND huyện Minh Hòa",
        report_symbol="BC-VHKHTT",
        indicators=CURRENT_INDICATORS,
    )
    campaign = create_campaign(office, spec, units, by=specialist)
    now = timezone.now()
    _deliver_directive(campaign, specialist, now - dt.timedelta(days=2))
    assignments = list(campaign.assignments.select_related("unit").order_by("pk"))
    rng.shuffle(assignments)
    for position, assignment in enumerate(assignments[:9]):
        values: dict[str, object] = {
            "tthc_truc_tuyen": rng.randint(20, 120),
            "ho_so_truc_tuyen": rng.randint(10, 400),
            "ty_le_ky_so": f"{rng.randint(800, 1000) / 10}",
        }
        _enter(
            reporters[assignment.unit_id],
            assignment,
            values,
            "",
            submit=position < 6,
            at=now - dt.timedelta(hours=rng.randint(1, 48)),
        )
    return campaign


def demo_logins() -> list[tuple[str, str]]:
    logins = [
        ("chuyenvien", "chuyên viên của Phòng (xem, duyệt, tổng hợp)"),
        ("truongphong", "trưởng phòng (Phạm Viết Thạch)"),
        ("vanthu", "văn thư (cấp số, ban hành, ký số của cơ quan)"),
        ("quantri", "quản trị hệ thống"),
    ]
    seed = Campaign.objects.filter(slug=SEED_SLUG).first()
    if seed is not None:
        pending = seed.assignments.filter(state="not_started").select_related("unit").order_by("pk")
        for assignment in pending[:1]:
            reporter = assignment.unit.memberships.filter(role=Role.REPORTER).first()
            if reporter:
                logins.append(
                    (reporter.user.username, f"báo cáo viên {assignment.unit.name} (chưa báo cáo)")
                )
        returned = seed.assignments.filter(state="returned").select_related("unit").first()
        if returned:
            reporter = returned.unit.memberships.filter(role=Role.REPORTER).first()
            if reporter:
                logins.append(
                    (reporter.user.username, f"báo cáo viên {returned.unit.name} (bị trả lại)")
                )
    logins += _level_logins()
    return logins


@transaction.atomic
def _deliver_directive(campaign: Campaign, specialist: User, sent: dt.datetime) -> None:
    """The directive as the office sent it; most units confirm the same day, some the next,
    two never, so the receipts page has something to show."""
    from django.conf import settings

    from tonghop.reminders.directive import confirm_receipt, send_directive

    send_directive(campaign, by=specialist, base_url=settings.SITE_URL, now=sent)
    # Its own random source, so the rest of the scenario stays as it was before receipts.
    rng = random.Random(campaign.slug)  # noqa: S311 - invented demo times, not secrets
    assignments = list(campaign.assignments.select_related("unit").order_by("pk"))
    rng.shuffle(assignments)
    for position, assignment in enumerate(assignments[:-2]):
        delay = dt.timedelta(hours=rng.randint(1, 6) if position % 5 else rng.randint(20, 30))
        reporter = assignment.unit.memberships.filter(role=Role.REPORTER).first()
        confirm_receipt(
            assignment, user=reporter.user if reporter else None, link_id=None, now=sent + delay
        )


def _mail_sent_in_its_time(campaign: Campaign) -> None:
    """The seed campaign is history: its directive and receipts went out in 2025. Left queued,
    the demo's worker would send them on its first start, as if today."""
    from tonghop.outbox.models import Message, MessageStatus

    queued = Message.objects.filter(campaign=campaign, status=MessageStatus.QUEUED)
    for message in queued.select_related("assignment"):
        # A receipt went out when its report was submitted; the rest when they were due.
        submitted = message.assignment.submitted_at if message.assignment else None
        when = submitted or min(message.slot_at, campaign.due_at)
        message.status, message.sent_at = MessageStatus.SENT, when
        message.slot_at = message.created_at = when
        message.save(update_fields=["status", "sent_at", "slot_at", "created_at"])


def load_scenario(seed: int = 2025) -> bool:
    """Create the seed scenario once; returns False when it is already there."""
    if Unit.objects.filter(code=OFFICE["code"]).exists():
        return False
    rng = random.Random(seed)  # noqa: S311 - invented demo figures, not secrets
    office = Unit.objects.create(kind=UnitKind.OFFICE, **OFFICE)
    specialist = _user("chuyenvien", "Nguyễn Thị Lan")
    head = _user("truongphong", "Phạm Viết Thạch")
    clerk = _user("vanthu", "Lê Thị Hằng")
    admin = _user("quantri", "Quản trị hệ thống", staff=True)
    admin.is_superuser = True
    admin.save()
    Membership.objects.create(user=specialist, unit=office, role=Role.SPECIALIST)
    Membership.objects.create(user=head, unit=office, role=Role.HEAD)
    Membership.objects.create(user=clerk, unit=office, role=Role.CLERK)
    # Demo images, so the signed report shows a signature and a seal where ND 30 puts them.
    head.signature_png = demo_signature_png()
    head.save(update_fields=["signature_png"])
    office.seal_png = demo_seal_png()
    office.save(update_fields=["seal_png"])
    Membership.objects.create(user=admin, unit=office, role=Role.ADMIN)
    units = _units(office, rng)
    reporters: dict[int, User] = {}
    for unit in units:
        reporter = _user(unit.code, unit.contact_name)
        Membership.objects.create(user=reporter, unit=unit, role=Role.REPORTER)
        reporters[unit.pk] = reporter
    _mail_sent_in_its_time(_seed_campaign(office, units, reporters, specialist, head, rng))
    _current_campaign(office, units, reporters, specialist, rng)
    _level_above(office, specialist)
    _live_campaign_above()
    return True


def demo_signature_png() -> bytes:
    """A blue scribble on a transparent background, standing in for a handwritten signature."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    points = [(30, 140), (90, 50), (130, 150), (190, 60), (230, 130), (370, 40)]
    ImageDraw.Draw(image).line(points, fill=(24, 48, 170, 255), width=7, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def demo_seal_png() -> bytes:
    """A red round seal (rings and a star) on a transparent background; marked as a demo by
    its lack of any words: a real seal is the office's own image."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 20, 30, 230)
    draw.ellipse([8, 8, 392, 392], outline=red, width=12)
    draw.ellipse([70, 70, 330, 330], outline=red, width=5)
    star = [(200, 120), (222, 180), (285, 180), (234, 218), (252, 280), (200, 243), (148, 280),
            (166, 218), (115, 180), (178, 180)]  # fmt: skip
    draw.polygon(star, fill=red)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def ensure_demo_signing_key() -> Path:
    """A demo certificate authority and the head's signing key, in the data folder."""
    from django.conf import settings

    from tonghop.issuing.signing import create_demo_authority

    head = User.objects.filter(username="truongphong").first()
    authority = create_demo_authority(
        Path(settings.TONGHOP_SIGNING_P12).parent,
        office_name=str(OFFICE["name"]),
        signer_name=head.display_name() if head else "Lãnh đạo",
        passphrase=DEMO_SIGNING_PASSPHRASE,
        # Served by the demo itself (tonghop.issuing.views.demo_crl).
        crl_url=f"{settings.SITE_URL.rstrip('/')}/pki/demo-ca.crl",
    )
    return authority.signing_p12


# --- The level above: the Sở and its campaign to three districts' offices ---
# The seed's office is one of the three; its seed campaign is its campaign below, so signing and
# issuing the seed's report answers the Sở. Another district has answered already, the third
# has not.

SO = {
    "code": "so-khcn",
    "name": "Sở Khoa học và Công nghệ",
    "short_name": "SKHCN",
    "parent_body": "UBND TỈNH",
    "place": "Minh Hòa",
    "email": "skhcn@tinh.example.vn",
    "organ_id": "000.00.21.H99",
}
SO_SLUG = "so-542-2025"
# (code, name, the district's people's committee, answered already)
OTHER_DISTRICTS = (
    ("phong-vhtt-an-lac", "Phòng Văn hóa và Thông tin huyện An Lạc", "UBND HUYỆN AN LẠC", True),
    (
        "phong-vhtt-dong-son",
        "Phòng Văn hóa và Thông tin huyện Đông Sơn",
        "UBND HUYỆN ĐÔNG SƠN",
        False,
    ),
)


def _level_logins() -> list[tuple[str, str]]:
    if not Campaign.objects.filter(slug=SO_SLUG).exists():
        return []
    return [
        ("so-chuyenvien", f"chuyên viên của Sở Khoa học và Công nghệ (cấp trên, đợt {SO_SLUG})"),
        ("so-giamdoc", "giám đốc Sở Khoa học và Công nghệ"),
    ]


def _answered_values() -> dict[str, object]:
    """A district's totals, as its signed report gave them."""
    rng = random.Random(SO_SLUG)  # noqa: S311 - invented demo figures, not secrets
    values: dict[str, object] = {}
    for spec in SEED_INDICATORS:
        if spec.kind == IndicatorKind.INTEGER:
            values[spec.code] = rng.randint(10, 60) if spec.code != "luot_nguoi" else 4210
        elif spec.kind in (IndicatorKind.TEXT, IndicatorKind.LONG_TEXT):
            values[spec.code] = SLOGANS[0]
    return values


def _level_above(office: Unit, specialist: User) -> Campaign:
    """The Sở above the seed's district, its campaign so-542-2025 to three districts' offices,
    and the seed campaign recorded as Minh Hòa's campaign below."""
    from tonghop.reports.models import LevelLink

    so = Unit.objects.create(kind=UnitKind.OFFICE, **SO)
    office.parent = so
    office.save(update_fields=["parent"])
    so_specialist = _user("so-chuyenvien", "Trần Quốc Minh")
    so_head = _user("so-giamdoc", "Nguyễn Văn Khoa")
    Membership.objects.create(user=so_specialist, unit=so, role=Role.SPECIALIST)
    Membership.objects.create(user=so_head, unit=so, role=Role.HEAD)
    districts = [
        Unit.objects.create(
            code=code, name=name, kind=UnitKind.OFFICE, parent=so, parent_body=body, place=name
        )
        for code, name, body, _answered in OTHER_DISTRICTS
    ]
    campaign = create_campaign(
        so,
        CampaignSpec(
            slug=SO_SLUG,
            title="Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
            description=(
                "Công văn 542/SKHCN-CN&ĐMST: các huyện tổ chức hưởng ứng và báo cáo kết quả "
                "về Sở Khoa học và Công nghệ."
            ),
            period_start=dt.date(2025, 4, 15),
            period_end=dt.date(2025, 4, 26),
            due_at=dt.datetime(2025, 5, 10, 17, 0, tzinfo=VN),
            report_to="UBND tỉnh",
            report_symbol="BC-SKHCN",
            indicators=SEED_INDICATORS,
        ),
        [office, *districts],
        by=so_specialist,
    )
    seed = Campaign.objects.get(slug=SEED_SLUG)
    LevelLink.objects.create(
        below=seed,
        above=campaign.assignments.get(unit=office),
        created_by=specialist,
        created_at=dt.datetime(2025, 4, 14, 8, 0, tzinfo=VN),
    )
    for district, (code, name, _body, answered) in zip(districts, OTHER_DISTRICTS, strict=True):
        if not answered:
            continue
        # Its district runs on its own install: its answer was entered from its signed report.
        clerk = _user(f"{code}-vanthu"[:40], f"Văn thư {name}")
        Membership.objects.create(user=clerk, unit=district, role=Role.REPORTER)
        _enter(
            clerk,
            campaign.assignments.get(unit=district),
            _answered_values(),
            "Huyện An Lạc đã tổ chức các hoạt động hưởng ứng theo Công văn 542/SKHCN-CN&ĐMST.",
            submit=True,
            at=dt.datetime(2025, 5, 8, 10, 15, tzinfo=VN),
        )
    return campaign


SO_LIVE_SLUG_PREFIX = "so-chuyen-doi-so-"


def _live_campaign_above() -> Campaign:
    """The Sở's own campaign open today, to the three districts' offices: without it, the Sở's
    people find only the 2025 history when they first sign in."""
    so = Unit.objects.get(code=SO["code"])
    so_specialist = User.objects.get(username="so-chuyenvien")
    districts = list(Unit.objects.filter(parent=so, kind=UnitKind.OFFICE).order_by("pk"))
    today = timezone.localdate()
    due_day = today + dt.timedelta(days=6)
    return create_campaign(
        so,
        CampaignSpec(
            slug=f"{SO_LIVE_SLUG_PREFIX}{today:%Y-%m}",
            title=f"Tổng hợp kết quả chuyển đổi số các huyện tháng {today.month}/{today.year}",
            description="Các huyện báo cáo số liệu chuyển đổi số trong tháng về Sở.",
            period_start=today.replace(day=1),
            period_end=due_day,
            due_at=dt.datetime.combine(due_day, dt.time(17, 0), VN),
            report_to="UBND tỉnh",
            report_symbol="BC-SKHCN",
            indicators=CURRENT_INDICATORS,
        ),
        districts,
        by=so_specialist,
    )
