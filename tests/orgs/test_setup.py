"""The first run: `tonghop setup` from an empty data folder, the office's page with its
checklist and the test message through a real SMTP server, and the unit tree page."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import World
from tests.reminders.conftest import Inbox
from tests.security.twofactor_app import vi
from tonghop.audit.models import AuditEvent
from tonghop.orgs.models import Unit, UnitKind, User
from tonghop.outbox.models import Message, MessageKind

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


def _setup(data: Path, settings_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tonghop",
            "setup",
            "--data",
            str(data),
            "--from",
            str(settings_file),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(data.parent)},
    )


def _rows(data: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data / "tonghop.sqlite3") as db:
        return db.execute(query).fetchall()


@pytest.mark.slow  # starts the command four times
def test_setup_from_a_settings_file_in_an_empty_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "du-lieu"
    good = tmp_path / "office.toml"
    good.write_text(SETTINGS, encoding="utf-8")
    done = _setup(data, good)
    assert done.returncode == 0, done.stderr
    assert "/accounts/invitation/" in done.stdout  # no password: a one-time link
    offices = _rows(data, "SELECT code, organ_id, short_name, place FROM orgs_unit")
    assert offices == [("phong-vhkhtt", "000.00.11.H53", "VHKHTT", "Đông Sơn")]
    assert _rows(data, "SELECT role FROM orgs_membership") == [("admin",)]
    # A second office with the organ code of the first: refused, nothing saved.
    second = tmp_path / "second.toml"
    second.write_text(
        SETTINGS.replace('code = "phong-vhkhtt"', 'code = "phong-gd"').replace(
            'username = "quan"', 'username = "gd"'
        ),
        encoding="utf-8",
    )
    refused = _setup(data, second)
    assert refused.returncode == 2
    assert "mã định danh" in refused.stderr.lower()
    # A file with a field missing, and one that is not TOML.
    missing = tmp_path / "missing.toml"
    missing.write_text("[office]\ncode = 'x'\n", encoding="utf-8")
    assert _setup(data, missing).returncode == 2
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"[office\n\xff\xfe")
    assert _setup(data, broken).returncode == 2
    assert len(_rows(data, "SELECT id FROM orgs_unit")) == 1
    assert len(_rows(data, "SELECT id FROM orgs_user")) == 1


@pytest.mark.slow  # starts the command twice
def test_a_settings_file_also_sets_the_mail_server_and_the_signing_keys(
    tmp_path: Path, _smtp_server: tuple[Inbox, int]
) -> None:
    """[smtp] and [signing.head] / [signing.office] go through the setup page's own steps: the
    mail server is kept once a test message went through it, a key once it opened; what fails
    is said and not kept, and the office stays."""
    from tonghop.issuing.signing import create_demo_authority

    inbox, port = _smtp_server
    with inbox.lock:
        inbox.received.clear()
    inbox.refuse = False
    authority = create_demo_authority(
        tmp_path / "ca", office_name="Phòng", signer_name="Phạm Viết Thạch", passphrase="khoa-ky"
    )
    extra = f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from_address = "vhkhtt@dongson.example.vn"

[signing.head]
p12 = "{authority.signing_p12}"

[signing.office]
p12 = "{authority.signing_p12}"
passphrase = "sai-mat-khau"
"""
    data = tmp_path / "du-lieu"
    settings_file = tmp_path / "office.toml"
    settings_file.write_text(SETTINGS + extra, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tonghop", "setup", "--data", str(data), "--from", settings_file],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TONGHOP_SIGNING_PASSPHRASE": "khoa-ky",
        },
    )
    # The office key's passphrase is wrong: said, not kept, and the command says so by its code.
    assert done.returncode == 3, done.stderr
    assert "[signing.office]" in done.stderr and "[signing.head]" not in done.stderr
    assert "Đã gửi thư thử qua 127.0.0.1" in done.stdout
    assert len(inbox.to("quan@dongson.example.vn")) == 1
    assert (data / "smtp.json").exists() and (data / "pki" / "office-signing.p12").exists()
    assert not (data / "pki" / "office-seal.p12").exists()
    assert _rows(data, "SELECT code FROM orgs_unit") == [("phong-vhkhtt",)]


# --- The office's page --------------------------------------------------------------------


def test_the_office_page_saves_details_and_refuses_another_offices_organ_code(
    world: World, admin: User
) -> None:
    world.other_office.organ_id = "000.00.12.H53"
    world.other_office.save()
    client = world.client_for(admin)
    page = client.get(reverse("setup:office"))
    assert page.status_code == 200 and 'id="checklist"' in page.content.decode()
    fields = {
        "name": "PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN",
        "parent_body": "UBND HUYỆN MINH HÒA",
        "organ_id": "000.00.12.H53",
        "place": "Minh Hòa",
        "short_name": "VHKHTT",
        "email": "",
        "save-office": "1",
    }
    refused = client.post(reverse("setup:office"), fields)
    assert refused.status_code == 400
    assert vi("Another unit has this organ code already.") in refused.content.decode()
    for bad in ({"organ_id": "x; drop"}, {"short_name": "vh khtt"}, {"name": ""}):
        assert client.post(reverse("setup:office"), {**fields, **bad}).status_code == 400
    assert Unit.objects.get(pk=world.office.pk).organ_id == ""
    saved = client.post(reverse("setup:office"), {**fields, "organ_id": "000.00.11.H53"})
    assert saved.status_code == 302
    office = Unit.objects.get(pk=world.office.pk)
    assert (office.organ_id, office.short_name) == ("000.00.11.H53", "VHKHTT")
    assert AuditEvent.objects.filter(details__change="office", object_id=str(office.pk)).exists()


def test_the_test_message_says_whether_mail_works(world: World, admin: User, inbox: Inbox) -> None:
    client = world.client_for(admin)
    url = reverse("setup:office")
    client.post(url, {"address": "quan@vhkhtt.example.vn", "test-mail": "1"})
    assert len(inbox.to("quan@vhkhtt.example.vn")) == 1
    page = client.get(url).content.decode()
    assert 'data-status="sent"' in page
    inbox.refuse = True
    client.post(url, {"address": "quan@vhkhtt.example.vn", "test-mail": "1"})
    latest = Message.objects.filter(kind=MessageKind.MAIL_TEST).latest("pk")
    assert latest.status != "sent" and "550" in latest.last_error
    page = client.get(url).content.decode()
    assert 'data-status="sent"' not in page and "550" in page


def test_only_the_offices_managers_see_setup(world: World, admin: User) -> None:
    for user in (world.lan, world.hoa):
        client = world.client_for(user)
        assert client.get(reverse("setup:office")).status_code == 404
        assert client.get(reverse("setup:units")).status_code == 404
    other = world.client_for(world.tu)
    assert other.get(reverse("setup:units-export")).status_code == 404


# --- The unit tree ------------------------------------------------------------------------


def _change(client: Client, unit: Unit, **data: str) -> Any:
    return client.post(reverse("setup:unit-change", args=[unit.pk]), data)


def test_the_unit_tree_add_rename_move_retire_and_export(world: World, admin: User) -> None:
    client = world.client_for(admin)
    added = client.post(
        reverse("setup:units"),
        {
            "code": "thon-1",
            "name": "Thôn 1",
            "kind": UnitKind.OTHER,
            "parent": str(world.an_phu.pk),
            "add-unit": "1",
        },
    )
    assert added.status_code == 302
    thon = Unit.objects.get(code="thon-1")
    assert thon.parent == world.an_phu
    _change(client, world.an_phu, step="rename", name="UBND xã An Phú mới")
    assert Unit.objects.get(pk=world.an_phu.pk).name == "UBND xã An Phú mới"
    # Never into its own branch, nor under itself.
    _change(client, world.an_phu, step="move", parent=str(thon.pk))
    _change(client, world.an_phu, step="move", parent=str(world.an_phu.pk))
    assert Unit.objects.get(pk=world.an_phu.pk).parent == world.office
    # Nor under a unit of another office.
    _change(client, thon, step="move", parent=str(world.other_office.pk))
    assert Unit.objects.get(pk=thon.pk).parent == world.an_phu
    _change(client, thon, step="move", parent=str(world.binh_minh.pk))
    assert Unit.objects.get(pk=thon.pk).parent == world.binh_minh
    # Retire: not while a unit below is active; kept in the campaign that has it.
    _change(client, world.binh_minh, step="retire")
    assert Unit.objects.get(pk=world.binh_minh.pk).is_active
    _change(client, thon, step="retire")
    _change(client, world.binh_minh, step="retire")
    assert not Unit.objects.get(pk=world.binh_minh.pk).is_active
    assert world.campaign.assignments.filter(unit=world.binh_minh).exists()
    changes = set(
        AuditEvent.objects.filter(details__change__startswith="unit_").values_list(
            "details__change", flat=True
        )
    )
    assert changes == {"unit_added", "unit_renamed", "unit_moved", "unit_retired"}
    # A unit of another office: not ours to change.
    _change(client, world.other_office, step="rename", name="x")
    assert Unit.objects.get(pk=world.other_office.pk).name != "x"
    export = client.get(reverse("setup:units-export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã đơn vị"
    assert ("thon-1", "Thôn 1", "other", "xa-binh-minh") in [r[:4] for r in rows]


def _import(client: Client, text: str) -> Any:
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = "don-vi.csv"
    return client.post(reverse("setup:units"), {"file": upload, "import": "1"}, follow=True)


def test_a_unit_list_is_previewed_and_refused_whole_with_a_bad_line(
    world: World, admin: User
) -> None:
    client = world.client_for(admin)
    before = Unit.objects.count()
    bad = (
        "Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\n"
        "thon-a,Thôn A,thon-b\n"
        "thon-b,Thôn B,thon-a\n"  # a loop
        "thon-c,Thôn C,\n"
        "thon-c,Thôn C lặp,\n"  # a duplicate code
        "thon-d,Thôn D,khong-co\n"  # an unknown parent
        "thon-e,Thôn E,xa-an-phu\n"
    )
    preview = _import(client, bad)
    page = preview.content.decode()
    assert 'id="refused-lines"' in page
    assert page.count('data-action="error"') >= 4
    confirm_url = preview.redirect_chain[-1][0]
    refused = client.post(confirm_url, {"digest": "x"})
    assert refused.status_code == 400
    assert Unit.objects.count() == before
    good = "Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nthon-e,Thôn E,xa-an-phu\nthon-f,Thôn F,thon-e\n"
    preview = _import(client, good)
    assert 'id="refused-lines"' not in preview.content.decode()
    digest = preview.context["digest"]
    done = client.post(preview.redirect_chain[-1][0], {"digest": digest})
    assert done.status_code == 302
    assert Unit.objects.get(code="thon-f").parent == Unit.objects.get(code="thon-e")


@pytest.mark.slow  # starts the command
def test_setup_asks_its_questions_when_no_file_is_given(tmp_path: Path) -> None:
    data = tmp_path / "du-lieu"
    answers = [
        "",  # a required answer left empty is asked again
        "phong-vh",
        "PHÒNG VĂN HÓA VÀ THÔNG TIN",
        "UBND HUYỆN ĐÔNG SƠN",
        "000.00.11.H53",
        "Đông Sơn",
        "VHTT",
        "",
        "quan",
        "Vũ Văn Quản",
        "quan@dongson.example.vn",
        "mat-khau-quan-2026",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "tonghop", "setup", "--data", str(data)],
        input="\n".join(answers) + "\n",
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "Mục này là bắt buộc." in done.stdout
    assert "/accounts/invitation/" not in done.stdout  # a password was given
    assert _rows(data, "SELECT code, short_name FROM orgs_unit") == [("phong-vh", "VHTT")]
    password = _rows(data, "SELECT password FROM orgs_user")[0][0]
    assert password.startswith(("pbkdf2", "argon2", "scrypt", "bcrypt"))


# --- Merging two units --------------------------------------------------------------------


def _merge(client: Client, unit: Unit, into: Unit) -> Any:
    units = reverse("setup:units")
    return client.post(
        reverse("setup:unit-change", args=[unit.pk]),
        {"step": "merge", "into": str(into.pk)},
        headers={"Referer": f"http://testserver{units}"},
        follow=True,
    )


def test_a_merged_units_history_follows_the_unit_it_joins(world: World, admin: User) -> None:
    from tonghop.orgs.models import Membership, Role
    from tonghop.reports.models import Assignment

    client = world.client_for(admin)
    kept = Unit.objects.create(
        code="xa-tan-lap", name="UBND xã Tân Lập", kind=UnitKind.COMMUNE, parent=world.office
    )
    hamlet = Unit.objects.create(
        code="thon-dong", name="Thôn Đông", kind=UnitKind.OTHER, parent=world.binh_minh
    )
    events = world.a_binh_minh.events.count()
    # Nobody but the office's managers: reporters, staff, another office's specialist.
    for user in (world.hoa, world.nam, world.lan, world.hang, world.tu):
        answer = world.client_for(user).post(
            reverse("setup:unit-change", args=[world.binh_minh.pk]),
            {"step": "merge", "into": str(kept.pk)},
        )
        assert answer.status_code == 404
    assert Unit.objects.get(pk=world.binh_minh.pk).is_active
    done = _merge(client, world.binh_minh, kept)
    assert done.status_code == 200
    assert (
        vi("%(merged)s is merged into %(survivor)s.")
        % {
            "merged": "UBND xã Bình Minh",
            "survivor": "UBND xã Tân Lập",
        }
        in done.content.decode()
    )
    moved = Assignment.objects.get(pk=world.a_binh_minh.pk)
    assert moved.unit == kept and moved.events.count() == events
    assert Membership.objects.filter(user=world.nam, unit=kept, role=Role.REPORTER).exists()
    assert not Membership.objects.filter(unit=world.binh_minh).exists()
    assert world.nam.reporting_units().filter(pk=kept.pk).exists()
    assert Unit.objects.get(pk=hamlet.pk).parent == kept
    gone = Unit.objects.get(pk=world.binh_minh.pk)
    assert not gone.is_active and gone.parent == world.office  # kept, retired, with its trail
    merged = AuditEvent.objects.get(details__change="unit_merged")
    assert merged.object_id == str(kept.pk)
    assert merged.details["merged"] == gone.pk
    assert merged.details["assignments"] == [world.a_binh_minh.pk]
    assert merged.details["reporters"] == [world.nam.pk]
    assert AuditEvent.objects.filter(
        details__change="unit_merged_into", object_id=str(gone.pk)
    ).exists()
    page = client.get(reverse("setup:units")).content.decode()
    assert "UBND xã Bình Minh · xa-binh-minh" in page  # reachable from the unit it joined


def test_merging_is_refused_into_itself_its_branch_another_office_or_a_shared_campaign(
    world: World, admin: User
) -> None:
    from tonghop.reports.models import Assignment

    client = world.client_for(admin)
    hamlet = Unit.objects.create(
        code="thon-dong", name="Thôn Đông", kind=UnitKind.OTHER, parent=world.an_phu
    )
    other_unit = Unit.objects.create(
        code="truong-khac", name="Trường khác", kind=UnitKind.SCHOOL, parent=world.other_office
    )
    shared = _merge(client, world.an_phu, world.binh_minh).content.decode()
    assert (
        vi(
            "Both units have a duty in the campaign “%(title)s”: they cannot be merged "
            "while it holds both."
        )
        % {"title": "Hưởng ứng Ngày Sáng tạo"}
        in shared
    )
    assert vi("A unit cannot be merged into itself.") in (
        _merge(client, world.an_phu, world.an_phu).content.decode()
    )
    assert vi("A unit cannot be merged into a unit of its own branch.") in (
        _merge(client, world.an_phu, hamlet).content.decode()
    )
    assert vi("Only two units of the same office's tree can be merged.") in (
        _merge(client, world.an_phu, other_unit).content.decode()
    )
    _merge(client, world.an_phu, world.other_office)
    _merge(client, other_unit, world.an_phu)  # not this office's unit to give away
    assert Unit.objects.filter(is_active=False).count() == 0
    assert Assignment.objects.get(pk=world.a_an_phu.pk).unit == world.an_phu
    assert Unit.objects.get(pk=hamlet.pk).parent == world.an_phu
    assert not AuditEvent.objects.filter(details__change__startswith="unit_merged").exists()
