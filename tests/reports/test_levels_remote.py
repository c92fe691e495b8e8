"""Levels across installs: the Sở's campaign arrives by edXML with its form
(tonghop.campaign/1), the district opens its campaign below from it, and its issued report goes
back through the exchange channel with tonghop.report/1, which the Sở's side applies to the
district's assignment, or refuses with a status message 02 and nothing saved."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tests.compilation.test_issue import key
from tests.conftest import World
from tests.documents.test_exchange_import import OURS, PDF, SO, _directive
from tests.reports.test_levels import DUE_BELOW, Province, _issue, _report, province
from tonghop.campaigns.actions import IndicatorSpec
from tonghop.campaigns.models import Campaign
from tonghop.dispatch.edxml import Attachment, Organ, build_package, parse_package
from tonghop.documents import channel
from tonghop.documents.actions import register
from tonghop.documents.models import Direction, Document, ExchangeMessage, MessageKind
from tonghop.reports import levels, remote
from tonghop.reports.models import Report, State

__all__ = ["key", "province"]  # fixtures, used by name

SECRET = "bi-mat-chung"


@pytest.fixture
def stick(world: World, settings: Any, tmp_path: Path) -> Path:
    """One folder both sides drop their packages in (the directory adapter)."""
    settings.DATA_DIR = tmp_path / "data"
    folder = tmp_path / "usb"
    (tmp_path / "data" / "exchange").mkdir(parents=True)
    (tmp_path / "data" / "exchange" / "partners.json").write_text(
        json.dumps(
            [
                {"organ_id": SO, "directory": str(folder), "secret": SECRET},
                {"organ_id": OURS, "directory": str(folder), "secret": SECRET},
            ]
        )
    )
    world.office.organ_id = OURS
    world.office.save()
    return folder


def _drop(folder: Path, body: bytes, message_id: str, sender: str) -> None:
    channel.DirectoryAdapter(channel.Partner(sender, directory=str(folder), secret=SECRET)).send(
        message_id, sender, body
    )


def _send_directive(province: Province, folder: Path) -> Document:
    """The Sở sends its directive with the campaign's form attached; the district picks it up."""
    package = _directive(
        attachments=(
            Attachment("542.pdf", "application/pdf", PDF, "Công văn 542"),
            remote.campaign_attachment(province.campaign, province.duty),
        )
    )
    _drop(folder, build_package(package), "so-542", SO)
    assert channel.pick_up() == [("so-542", "received")]
    return Document.objects.get(direction=Direction.INCOMING, office__organ_id=OURS)


def _open(world: World, directive: Document, **changes: Any) -> Any:
    return remote.open_campaign_from_directive(
        world.lan,
        directive.pk,
        levels.BelowRequest(
            slug="sang-tao-lien-thong",
            due_at=DUE_BELOW,
            local_indicators=(IndicatorSpec("tranh_ve", "Tranh vẽ", "integer", "sum"),),
        ),
        **changes,
    )


def test_the_chain_runs_across_the_exchange_channel(
    world: World, province: Province, stick: Path, key: Path
) -> None:
    directive = _send_directive(province, stick)
    register(world.lan, directive.pk, {})
    campaign = _open(world, directive)
    assert campaign.source_document == directive  # cited: the report answers it
    # The form came with the directive: codes, kinds, units of measure, the period.
    assert [(i.code, i.kind, i.unit_of_measure) for i in campaign.indicators.order_by("order")] == [
        ("pano", "integer", "cái"),
        ("luot_nguoi", "integer", ""),
        ("khau_hieu", "long_text", ""),
        ("tranh_ve", "integer", ""),
    ]
    assert (campaign.period_start, campaign.report_to_organ_id) == (dt.date(2030, 4, 15), SO)
    assert not levels.link_of(campaign)  # the campaign above is not in the district's install

    _report(world, campaign)
    compilation = _issue(world, campaign)
    # The issued report's package carries the signed PDF and the report's data.
    package = parse_package(compilation.edxml.read())
    [data] = [a for a in package.attachments if a.name == "tonghop-report.json"]
    content = json.loads(data.data)
    assert content["format"] == "tonghop.report/1"
    assert content["campaign"] == {
        "slug": "so-542-test",
        "organ_id": SO,
        "assignment": province.duty.pk,
    }
    assert content["values"]["pano"] == 7 and "tranh_ve" not in content["values"]
    assert compilation.document is not None
    assert content["document"]["number"] == compilation.document.number

    sent = channel.send_due()
    # With the 01, 03 and 04 about the directive 542.
    assert {m.state for m in sent} == {"sent"} and len(sent) == 4
    assert package.response_for[0].code == "542/SKHCN-CN&ĐMST"
    outcomes = dict(channel.pick_up())
    assert "received" in outcomes.values()
    duty = province.duty
    duty.refresh_from_db()
    assert duty.state == State.SUBMITTED
    report = Report.objects.get(assignment=duty)
    assert report.values == {
        "pano": 7,
        "luot_nguoi": 200,
        "khau_hieu": content["values"]["khau_hieu"],
    }
    assert "Các xã làm tốt." in report.narrative
    assert duty.events.filter(step="submit").get().details["format"] == "tonghop.report/1"


# --- Bad input on the Sở's side ---


def _answer(**changes: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "format": "tonghop.report/1",
        "campaign": {"slug": "so-542-test", "organ_id": SO, "assignment": None},
        "from": {"organ_id": OURS, "name": "Phòng VHKHTT", "campaign": "sang-tao"},
        "document": {"number": "07", "symbol": "BC-VHKHTT", "issued_on": "2030-04-28"},
        "correction": False,
        "codes": ["pano", "luot_nguoi", "khau_hieu"],
        "values": {"pano": 7, "luot_nguoi": 200, "khau_hieu": "Sáng tạo"},
        "totals": {},
        "narrative": {"assessment": "Tốt."},
    }
    return content | changes


def _report_package(data: bytes, sender: str = OURS) -> bytes:
    return build_package(
        _directive(
            sender=Organ(organ_id=sender, organ_name="Phòng VHKHTT"),
            receivers=(Organ(organ_id=SO, organ_name="Sở Khoa học và Công nghệ"),),
            code_number="07",
            code_notation="BC-VHKHTT",
            attachments=(
                Attachment("07.pdf", "application/pdf", PDF, "Báo cáo"),
                Attachment("tonghop-report.json", "application/json", data),
            ),
        )
    )


def _deliver(folder: Path, body: bytes, sender: str = OURS, message_id: str = "bc-07") -> str:
    _drop(folder, body, message_id, sender)
    [(_id, outcome)] = channel.pick_up()
    return outcome


def _nothing_saved(province: Province) -> None:
    province.duty.refresh_from_db()
    assert province.duty.state == State.NOT_STARTED
    assert not Report.objects.filter(assignment=province.duty).exists()
    assert not Document.objects.filter(office=province.so).exists()


def test_a_report_that_fits_is_applied(world: World, province: Province, stick: Path) -> None:
    data = json.dumps(_answer()).encode()
    assert _deliver(stick, _report_package(data)) == "received"
    province.duty.refresh_from_db()
    assert province.duty.state == State.SUBMITTED


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            _answer(codes=["pano", "so_luot"], values={"pano": 1, "so_luot": 2}),
            "“luot_nguoi” bị thiếu; “khau_hieu” bị thiếu; “so_luot” không có trong biểu mẫu",
        ),
        (_answer(campaign={"slug": "khong-co", "organ_id": SO}), "“khong-co”"),
        (_answer(campaign={"slug": "so-542-test", "organ_id": "000.99.99.H99"}), "“so-542-test”"),
        (_answer(values={"pano": "bảy"}), "“pano” không phải là số"),
        (_answer(format="tonghop.report/9"), "tonghop.report/9"),
        (_answer(narrative=["x"]), "narrative"),
    ],
)
def test_a_report_that_does_not_fit_is_refused_whole(
    world: World, province: Province, stick: Path, content: dict[str, Any], reason: str
) -> None:
    outcome = _deliver(stick, _report_package(json.dumps(content).encode()))
    assert outcome.startswith("refused: ") and reason in outcome
    _nothing_saved(province)
    # The district is told why: status 02 with the reason, queued to its organ code.
    status = ExchangeMessage.objects.get(kind=MessageKind.STATUS, direction=Direction.OUTGOING)
    assert (status.status_code, status.partner) == ("02", OURS)
    assert reason in status.description


def test_malformed_json_is_refused(world: World, province: Province, stick: Path) -> None:
    for number, data in enumerate((b"{not json", b"[1, 2]", "\ufffe".encode("utf-16"), b"")):
        _drop(stick, _report_package(data), f"bc-{number}", OURS)
    outcomes = [outcome for _id, outcome in channel.pick_up()]
    assert len(outcomes) == 4 and all(o.startswith("refused: ") for o in outcomes)
    assert "không phải là JSON hợp lệ" in outcomes[0]
    _nothing_saved(province)


def test_an_answer_from_an_organ_not_among_the_units_is_refused(
    world: World, province: Province, stick: Path, settings: Any
) -> None:
    stranger = "000.30.99.H99"
    partners = json.loads((settings.DATA_DIR / "exchange" / "partners.json").read_text())
    partners.append({"organ_id": stranger, "directory": str(stick), "secret": SECRET})
    (settings.DATA_DIR / "exchange" / "partners.json").write_text(json.dumps(partners))
    content = _answer(**{"from": {"organ_id": stranger, "name": "Huyện khác"}})
    outcome = _deliver(stick, _report_package(json.dumps(content).encode(), stranger), stranger)
    assert "không thuộc các đơn vị của đợt báo cáo" in outcome
    _nothing_saved(province)
    # Nor may it pose as the district in its data: the sender is the package's.
    content = _answer()
    body = _report_package(json.dumps(content).encode(), stranger)
    outcome = _deliver(stick, body, stranger, "bc-07-bis")
    assert "khác với cơ quan gửi gói" in outcome
    _nothing_saved(province)


def test_a_second_answer_before_a_return_is_refused(
    world: World, province: Province, stick: Path
) -> None:
    assert _deliver(stick, _report_package(json.dumps(_answer()).encode())) == "received"
    again = dataclasses.replace(
        parse_package(_report_package(json.dumps(_answer()).encode())), code_number="08"
    )
    content = _answer(document={"number": "08", "symbol": "BC-VHKHTT"})
    body = build_package(
        dataclasses.replace(
            again,
            document_id="",
            attachments=(
                Attachment("tonghop-report.json", "application/json", json.dumps(content).encode()),
            ),
        )
    )
    _drop(stick, body, "bc-08", OURS)
    [(_id, outcome)] = channel.pick_up()
    assert outcome.startswith("refused: ") and "chỉ nhận báo cáo sửa đổi sau khi" in outcome
    assert Report.objects.get(assignment=province.duty).versions.count() == 1


# --- Bad input on the district's side ---


def test_opening_from_a_directive_without_a_form_or_not_ours_is_refused(
    world: World, province: Province, stick: Path
) -> None:
    _drop(stick, build_package(_directive()), "so-plain", SO)
    channel.pick_up()
    plain = Document.objects.get(direction=Direction.INCOMING, office=world.office)
    with pytest.raises(levels.LevelRefused, match="không kèm biểu mẫu"):
        _open(world, plain)
    with pytest.raises(levels.LevelNotAllowed):
        remote.open_campaign_from_directive(
            province.sibling_staff,
            plain.pk,
            levels.BelowRequest(slug="x", due_at=DUE_BELOW),
        )


def test_a_due_date_after_the_one_above_is_refused_unless_confirmed(
    world: World, province: Province, stick: Path
) -> None:
    directive = _send_directive(province, stick)
    late = province.duty.due_at + dt.timedelta(days=1)
    request = levels.BelowRequest(slug="tre", due_at=late)
    with pytest.raises(levels.DueAfterAbove):
        remote.open_campaign_from_directive(world.lan, directive.pk, request)
    confirmed = dataclasses.replace(request, confirm_after_above=True)
    assert remote.open_campaign_from_directive(world.lan, directive.pk, confirmed).slug == "tre"
    with pytest.raises(levels.LevelRefused, match="tre"):
        remote.open_campaign_from_directive(world.lan, directive.pk, confirmed)


def test_a_damaged_form_in_the_directive_opens_nothing(
    world: World, province: Province, stick: Path
) -> None:
    content = remote.campaign_content(province.campaign, province.duty)
    content["indicators"][0]["kind"] = "không-có"
    package = _directive(
        attachments=(
            Attachment("tonghop-campaign.json", "application/json", json.dumps(content).encode()),
        )
    )
    _drop(stick, build_package(package), "so-hong", SO)
    channel.pick_up()
    directive = Document.objects.get(direction=Direction.INCOMING, office=world.office)
    with pytest.raises(levels.LevelRefused, match="pano"):
        _open(world, directive)
    assert not Campaign.objects.filter(slug="sang-tao-lien-thong").exists()


def test_the_office_opens_it_from_the_directive_page_in_one_step(
    world: World, province: Province, stick: Path
) -> None:
    directive = _send_directive(province, stick)
    page = world.client_for(world.lan).get(reverse("documents:detail", args=[directive.uid]))
    url = reverse("campaigns:open-from-directive", args=[directive.pk])
    assert url in page.content.decode()
    client = world.client_for(world.lan)
    form = client.get(url)
    assert form.status_code == 200 and "Hưởng ứng Ngày Sáng tạo" in form.content.decode()
    before = Campaign.objects.count()
    # Someone of another office, a reporter, or another province's Sở: a 404 and nothing opened.
    for stranger in (province.sibling_staff, world.hoa, province.other_so_staff):
        other = world.client_for(stranger)
        assert other.get(url).status_code == 404
        assert other.post(url, {"slug": "x", "title": "x", "due_at": "x"}).status_code == 404
    due = timezone.localtime(DUE_BELOW).strftime("%Y-%m-%dT%H:%M")
    # A slug already taken: refused on the form, nothing opened.
    taken = client.post(url, {"slug": world.campaign.slug, "title": "Sáng tạo", "due_at": due})
    assert taken.status_code == 200 and 'class="errorlist' in taken.content.decode()
    assert Campaign.objects.count() == before
    done = client.post(url, {"slug": "sang-tao-tu-so", "title": "Sáng tạo", "due_at": due})
    assert done.status_code == 302
    campaign = Campaign.objects.get(slug="sang-tao-tu-so")
    assert campaign.indicators.filter(code="pano", unit_of_measure="cái").exists()
    assert remote.remote_of(campaign) is not None


def test_the_so_sends_its_campaign_to_the_partners_among_its_units(
    world: World, province: Province, stick: Path
) -> None:
    outgoing = Document.objects.create(
        office=province.so,
        direction=Direction.OUTGOING,
        number="542",
        symbol="SKHCN-CN&ĐMST",
        issued_on=dt.date(2030, 4, 10),
        subject="Hưởng ứng Ngày Sáng tạo",
        original_name="542.pdf",
    )
    outgoing.file.save("542.pdf", ContentFile(PDF))
    # Another office's staff, a reporter or the district itself cannot send it.
    for stranger in (province.other_so_staff, world.hoa, world.lan):
        with pytest.raises(levels.LevelNotAllowed):
            remote.send_campaign(stranger, province.campaign, outgoing)
    with pytest.raises(levels.LevelRefused, match="văn bản đi"):
        remote.send_campaign(
            province.chuyenvien,
            province.campaign,
            Document.objects.create(
                office=world.office, direction=Direction.OUTGOING, number="1", symbol="X"
            ),
        )
    # The sibling district has no organ code, so no partner: only Minh Hòa's office gets it.
    assert remote.send_campaign(province.chuyenvien, province.campaign, outgoing) == [OURS]
    assert [m.state for m in channel.send_due()] == ["sent"]
    assert channel.pick_up() and Document.objects.filter(direction=Direction.INCOMING).count() == 1
    directive = Document.objects.get(direction=Direction.INCOMING)
    assert (directive.office, directive.reference()) == (world.office, "542/SKHCN-CN&ĐMST")
    campaign = _open(world, directive)
    assert remote.remote_of(campaign).assignment == province.duty.pk  # type: ignore[union-attr]


def _outgoing(office: Any, number: str = "542") -> Document:
    outgoing = Document.objects.create(
        office=office,
        direction=Direction.OUTGOING,
        number=number,
        symbol="SKHCN-CN&ĐMST",
        issued_on=dt.date(2030, 4, 10),
        subject="Hưởng ứng Ngày Sáng tạo",
        original_name="542.pdf",
    )
    outgoing.file.save("542.pdf", ContentFile(PDF))
    return outgoing


def test_the_command_sends_the_campaign_to_its_partners(
    world: World, province: Province, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tonghop.cli import main

    outgoing = _outgoing(province.so)
    slug = province.campaign.slug
    argv = ["levels", "send", slug, "--directive", str(outgoing.pk)]
    assert main([*argv, "--user", province.chuyenvien.username]) == 0
    out = capsys.readouterr().out
    assert "542/SKHCN-CN&ĐMST" in out and OURS in out
    [message] = ExchangeMessage.objects.filter(kind=MessageKind.DOCUMENT)
    assert message.partner == OURS
    assert [m.state for m in channel.send_due()] == ["sent"]
    assert channel.pick_up()
    directive = Document.objects.get(direction=Direction.INCOMING)
    assert remote.directive_campaign(directive) is not None


def test_the_command_refuses_what_it_cannot_send(
    world: World, province: Province, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tonghop.cli import main

    outgoing = _outgoing(province.so)
    slug = province.campaign.slug
    as_staff = ["--user", province.chuyenvien.username]
    cases: list[tuple[list[str], str]] = [
        (["levels", "send", "khong-co", "--directive", str(outgoing.pk)], "không có đợt"),
        # Not in the Sở's register: no such document, or another office's.
        (["levels", "send", slug, "--directive", "999999", *as_staff], "không có văn bản"),
        (
            ["levels", "send", slug, "--directive", str(_outgoing(world.office, "9").pk)],
            "không có văn bản",
        ),
        # In the register but not issued: no number, no date, no file.
        (
            [
                "levels",
                "send",
                slug,
                "--directive",
                str(
                    Document.objects.create(
                        office=province.so, direction=Direction.OUTGOING, subject="Dự thảo"
                    ).pk
                ),
                *as_staff,
            ],
            "văn bản đi đã ban hành",
        ),
        # People who may not send it: the district's, another Sở's, someone unknown.
        (
            ["levels", "send", slug, "--directive", str(outgoing.pk), "--user", world.lan.username],
            "Chỉ cán bộ",
        ),
        (
            [
                "levels",
                "send",
                slug,
                "--directive",
                str(outgoing.pk),
                "--user",
                province.other_so_staff.username,
            ],
            "Chỉ cán bộ",
        ),
        (["levels", "send", slug, "--directive", str(outgoing.pk), "--user", "ai-do"], "người gửi"),
    ]
    for argv, words in cases:
        assert main(argv) != 0, argv
        assert words in capsys.readouterr().err, argv
    assert not ExchangeMessage.objects.filter(kind=MessageKind.DOCUMENT).exists()
    # No unit of the campaign is a partner of this install: refused, nothing queued.
    channel.partners_file().write_text(
        json.dumps([{"organ_id": SO, "directory": str(stick), "secret": SECRET}])
    )
    assert main(["levels", "send", slug, "--directive", str(outgoing.pk), *as_staff]) == 1
    assert "đối tác liên thông" in capsys.readouterr().err
    assert not ExchangeMessage.objects.filter(kind=MessageKind.DOCUMENT).exists()
    with pytest.raises(levels.LevelRefused, match="đối tác liên thông"):
        remote.send_campaign(province.chuyenvien, province.campaign, outgoing)


# --- The Sở returns a remote answer ---


def test_a_returned_remote_answer_reaches_the_district_and_its_correction_is_taken(
    world: World, province: Province, stick: Path, key: Path
) -> None:
    from django.test import Client

    from tonghop.outbox.models import Notification
    from tonghop.reports import actions as report_actions

    directive = _send_directive(province, stick)
    register(world.lan, directive.pk, {})
    campaign = _open(world, directive)
    _report(world, campaign)
    first = _issue(world, campaign)
    channel.send_due()
    channel.pick_up()
    duty = province.duty
    duty.refresh_from_db()
    assert duty.state == State.SUBMITTED
    received = remote.answer_document(duty)
    assert received is not None and received.office == province.so
    assert received.reference() == first.document.reference()  # type: ignore[union-attr]

    # The Sở's campaign page links the signed PDF kept in its register; it downloads.
    so_staff = Client()
    so_staff.force_login(province.chuyenvien)
    page = so_staff.get(reverse("campaigns:detail", args=[province.campaign.slug]))
    pdf_url = reverse("documents:original", args=[received.uid])
    assert pdf_url in page.content.decode() and "Bản PDF đã ký số" in page.content.decode()
    download = so_staff.get(pdf_url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(  # type: ignore[attr-defined]
        b"%PDF"
    )
    # The district's people, another Sở's staff and a reporter see neither the page nor the PDF.
    for stranger in (world.lan, world.hoa, province.other_so_staff):
        client = Client()
        client.force_login(stranger)
        seen = client.get(reverse("campaigns:detail", args=[province.campaign.slug]))
        assert pdf_url not in seen.content.decode()
        assert client.get(pdf_url).status_code in (403, 404)

    before = Notification.objects.count()
    comment = "Số pano chưa khớp với biên bản."
    report_actions.return_report(
        province.chuyenvien, duty.pk, comment, expected_version=duty.version
    )
    status = ExchangeMessage.objects.get(
        kind=MessageKind.STATUS, direction=Direction.OUTGOING, office=province.so, status_code="02"
    )
    assert status.partner == OURS and comment in status.description
    assert status.description.startswith("Trả lại báo cáo để sửa")
    assert {m.state for m in channel.send_due()} == {"sent"}
    assert "status" in dict(channel.pick_up()).values()

    # On the district's install: on the issued report's trail, and its staff are told.
    issued = first.document
    assert issued is not None
    taken = ExchangeMessage.objects.get(
        kind=MessageKind.STATUS, direction=Direction.INCOMING, document=issued, status_code="02"
    )
    assert taken.status_code == "02" and comment in taken.description
    told = Notification.objects.filter(pk__gt=0).order_by("pk")[before:]
    told_users = {n.user for n in told if comment in n.text}
    assert world.lan in told_users and world.thach in told_users
    assert world.hoa not in told_users and province.chuyenvien not in told_users
    lan = Client()
    lan.force_login(world.lan)
    detail = lan.get(reverse("documents:detail", args=[issued.uid])).content.decode()
    assert comment in detail and 'id="exchange-trail"' in detail
    reporter = Client()
    reporter.force_login(world.hoa)
    assert reporter.get(reverse("documents:detail", args=[issued.uid])).status_code in (403, 404)

    # The next issue is a correction, and the Sở takes it as the returned duty's resubmission.
    from tonghop.compilation.actions import IssueRefused

    with pytest.raises(IssueRefused):
        _issue(world, campaign)
    second = _issue(world, campaign, correction=True)
    package = parse_package(second.edxml.read())
    [data] = [a for a in package.attachments if a.name == "tonghop-report.json"]
    assert json.loads(data.data)["correction"] is True
    channel.send_due()
    assert "received" in dict(channel.pick_up()).values()
    duty.refresh_from_db()
    assert duty.state == State.SUBMITTED
    assert Report.objects.get(assignment=duty).versions.count() == 2
    latest = duty.events.filter(step="submit").order_by("-pk").first()
    assert latest is not None and latest.details["correction"] is True
    again = remote.answer_document(duty)
    assert again is not None and again.reference() == second.document.reference()  # type: ignore[union-attr]


# --- The Sở's button: its campaign sent from its page ---

BUTTON = "Gửi đợt cho cơ quan cấp dưới qua liên thông"


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _send_url(province: Province) -> str:
    return reverse("campaigns:send-campaign", args=[province.campaign.slug])


def _page(client: Any, campaign: Campaign) -> str:
    return str(client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode())


def _queued() -> int:
    return ExchangeMessage.objects.filter(kind=MessageKind.DOCUMENT).count()


def test_the_so_sends_its_campaign_from_its_page(
    world: World, province: Province, stick: Path
) -> None:
    import re

    from tonghop.cli import main

    older = _outgoing(province.so, "500")
    older.issued_on = dt.date(2030, 3, 1)
    older.save()
    outgoing = _outgoing(province.so)
    # Neither a draft without number, date or file, nor an incoming document is offered.
    Document.objects.create(office=province.so, direction=Direction.OUTGOING, subject="Dự thảo")
    Document.objects.create(office=province.so, direction=Direction.INCOMING, subject="Đến")
    client = _client(province.chuyenvien)
    page = _page(client, province.campaign)
    section = page[page.index('id="send-campaign"') :]
    assert BUTTON in section and f"{world.office.name} ({OURS})" in section
    # The office's register, newest first; the sibling district (no organ code) is not named.
    assert re.findall(r'<option value="(\d+)"', section) == [str(outgoing.pk), str(older.pk)]
    assert province.sibling.name not in section[: section.index("</div>")]

    done = client.post(_send_url(province), {"directive": outgoing.pk}, follow=True)
    told = done.content.decode()
    assert done.status_code == 200
    assert "Đã xếp văn bản chỉ đạo kèm biểu mẫu đợt báo cáo" in told
    assert f"{world.office.name} ({OURS})" in told
    [message] = ExchangeMessage.objects.filter(kind=MessageKind.DOCUMENT)
    assert (message.partner, message.document, message.state) == (OURS, outgoing, "queued")
    package = parse_package(message.payload.read())
    assert "tonghop-campaign.json" in [a.name for a in package.attachments]

    # A second click, or the command after it, queues nothing more, and says so.
    again = client.post(_send_url(province), {"directive": outgoing.pk}, follow=True)
    assert "đã được xếp gửi kèm đợt này" in again.content.decode()
    assert 'class="error"' in again.content.decode()
    argv = ["levels", "send", province.campaign.slug, "--directive", str(outgoing.pk)]
    assert main([*argv, "--user", province.chuyenvien.username]) == 1
    assert _queued() == 1
    # Another directive of the register is another sending.
    assert client.post(_send_url(province), {"directive": older.pk}).status_code == 302
    assert _queued() == 2

    # The district's side takes the first in and opens its campaign below from it.
    assert {m.state for m in channel.send_due()} == {"sent"}
    channel.pick_up()
    directive = Document.objects.get(
        direction=Direction.INCOMING, office=world.office, number="542"
    )
    campaign = _open(world, directive)
    assert remote.remote_of(campaign).assignment == province.duty.pk  # type: ignore[union-attr]


def test_the_button_is_shown_only_to_those_who_may_send_to_partners(
    world: World, province: Province, stick: Path
) -> None:
    from tonghop.orgs.models import Membership, Role, User

    _outgoing(province.so)
    assert BUTTON in _page(_client(province.giamdoc), province.campaign)
    clerk = User.objects.create_user("so-vanthu", password="x")
    Membership.objects.create(user=clerk, unit=province.so, role=Role.CLERK)
    assert BUTTON not in _page(_client(clerk), province.campaign)
    # The district's own campaign has no partner among its units.
    assert BUTTON not in _page(_client(world.lan), world.campaign)
    # Minh Hòa's office no longer a partner of this install: no button.
    channel.partners_file().write_text(
        json.dumps([{"organ_id": SO, "directory": str(stick), "secret": SECRET}])
    )
    page = _page(_client(province.chuyenvien), province.campaign)
    assert 'id="level-rows"' in page and BUTTON not in page


def test_others_cannot_send_and_bad_choices_are_refused(
    world: World, province: Province, stick: Path
) -> None:
    from tonghop.orgs.models import Membership, Role, User

    outgoing = _outgoing(province.so)
    url = _send_url(province)
    clerk = User.objects.create_user("so-vanthu", password="x")
    Membership.objects.create(user=clerk, unit=province.so, role=Role.CLERK)
    # A reporter, the district itself, a sibling district, another Sở: no such page. The
    # Sở's clerk sees the campaign but may not send it.
    for stranger, status in (
        (world.hoa, 404),
        (world.lan, 404),
        (province.sibling_staff, 404),
        (province.other_so_staff, 404),
        (clerk, 403),
    ):
        assert _client(stranger).post(url, {"directive": outgoing.pk}).status_code == status
    from django.test import Client

    assert Client().post(url, {"directive": outgoing.pk}).status_code == 302  # sign in first
    assert _client(province.chuyenvien).get(url).status_code == 405
    assert _queued() == 0

    draft = Document.objects.create(
        office=province.so, direction=Direction.OUTGOING, subject="Dự thảo"
    )
    incoming = Document.objects.create(
        office=province.so, direction=Direction.INCOMING, number="12", symbol="UBND"
    )
    incoming.file.save("12.pdf", ContentFile(PDF))
    not_ours = "Sổ văn bản của cơ quan không có văn bản này"
    not_issued = "Hãy chọn một văn bản đi đã ban hành của cơ quan"
    client = _client(province.chuyenvien)
    for directive, words in (
        (_outgoing(world.office, "9").pk, not_ours),  # the district's own document
        ("999999", not_ours),
        ("", not_ours),
        ("542/SKHCN", not_ours),
        ("-1", not_ours),
        ("9" * 5000, not_ours),
        (str(2**70), not_ours),
        (draft.pk, not_issued),
        (incoming.pk, not_issued),
    ):
        answer = client.post(url, {"directive": directive}, follow=True)
        shown = answer.content.decode()
        assert answer.status_code == 200 and words in shown, directive
        assert 'class="error"' in shown
    assert _queued() == 0
