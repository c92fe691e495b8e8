"""Unit lists from a file: reading (.xlsx, .csv), checking by content, planning, applying.

The reading and planning are pure functions, tested directly; the pages are tested with the
World of conftest.py (Lan the specialist, Thạch the head, Tú of another office).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import World
from tonghop.campaigns import actions
from tonghop.campaigns.models import Campaign, CampaignStatus, UnitImport
from tonghop.campaigns.unit_import import KnownUnit, RowAction, plan_import
from tonghop.campaigns.unit_table import (
    MAX_BYTES,
    MAX_ROWS,
    ImportedRow,
    ImportFileError,
    read_table,
)
from tonghop.orgs.models import Unit, UnitKind


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are checked in their English source wording (the catalogue is checked in
    tests/test_translations.py); pages requested through the client still speak Vietnamese."""
    with translation.override("en"):
        yield


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEAD_VI = ["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên", "Email", "Người liên hệ", "SĐT"]


# --- Reading ------------------------------------------------------------------------------------


def test_it_reads_a_good_workbook_with_vietnamese_headings_below_a_title() -> None:
    data = xlsx(
        [
            ["DANH SÁCH ĐƠN VỊ NHẬN VĂN BẢN"],
            [],
            HEAD_VI,
            ["XA-MOI", "UBND xã Mới", "Xã", None, "xamoi@example.vn", "Chị Mai", 912345678],
            [12345, "Trường Tiểu học Số 1", "Trường", "xa-moi", None, None, None],
            [None, None, None, None, None, None, None],
        ]
    )
    table = read_table(data, "danh-sach.xlsx")
    assert table.file_kind == "xlsx"
    assert [r.line for r in table.rows] == [4, 5]
    first, second = table.rows
    assert (first.code, first.name, first.kind, first.email) == (
        "XA-MOI",
        "UBND xã Mới",
        "Xã",
        "xamoi@example.vn",
    )
    assert first.contact == "Chị Mai" and first.phone == "912345678"
    assert second.code == "12345"  # a number cell comes back without ".0"
    assert second.parent == "xa-moi"
    assert table.ignored == ()


def test_it_reads_a_csv_with_a_byte_order_mark_and_semicolons() -> None:
    text = "Mã đơn vị;Tên đơn vị;Loại;Ghi chú\nxa-a;UBND xã A, huyện B;xã;ghi chú 1\n"
    table = read_table("\ufeff".encode() + text.encode(), "ds.csv")
    assert table.file_kind == "csv"
    assert table.rows == (ImportedRow(line=2, code="xa-a", name="UBND xã A, huyện B", kind="xã"),)
    assert table.ignored == ("Ghi chú",)


def test_it_drops_control_characters_from_cells() -> None:
    # Stray characters far down a long list (a NUL near the top makes the file binary, and
    # refused as such).
    rows = "".join(f"xa-{n};UBND xã số {n};xã\n" for n in range(400))
    text = "Mã đơn vị;Tên đơn vị;Loại\n" + rows + "xa-\x00a;UBND xã\x07 A\x00;xã\n"
    table = read_table(text.encode(), "ds.csv")
    assert table.rows[-1] == ImportedRow(line=402, code="xa-a", name="UBND xã A", kind="xã")


def test_it_reads_english_headings_and_commas_and_quoted_cells() -> None:
    text = 'code,name,kind,parent code,email,contact,phone\nsch-1,"School ""One""",school,,,,\n'
    table = read_table(text.encode(), "units.csv")
    assert table.rows[0].name == 'School "One"'
    assert set(table.columns) == {"code", "name", "kind", "parent", "email", "contact", "phone"}


def test_it_lists_extra_columns_as_ignored_even_without_a_heading() -> None:
    data = xlsx([["Mã đơn vị", "Tên đơn vị", "Số học sinh", None], ["a", "A", 300, "lạ"]])
    table = read_table(data, "a.xlsx")
    assert table.ignored[0] == "Số học sinh"
    assert len(table.ignored) == 2  # and the unnamed fourth column, which holds data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("Tên đơn vị,Email\nA,a@b.vn\n".encode(), "Unit code"),
        ("Mã đơn vị;Email\na;a@b.vn\n".encode(), "Unit name"),
        (b"x,y\n1,2\n", "Unit code"),
    ],
)
def test_it_refuses_a_list_with_a_missing_column(data: bytes, words: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        read_table(data, "a.csv")
    assert words in str(refused.value)


def test_it_refuses_two_columns_read_as_the_same_field() -> None:
    with pytest.raises(ImportFileError, match="Two columns"):
        read_table("Mã,Mã đơn vị,Tên\na,b,c\n".encode(), "a.csv")


def test_it_refuses_a_pdf_named_xlsx() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_table(b"%PDF-1.7\n1 0 obj <<>> endobj\n", "danh-sach.xlsx")
    assert "danh-sach.xlsx" in str(refused.value) and "PDF" in str(refused.value)


def test_it_refuses_a_binary_csv() -> None:
    with pytest.raises(ImportFileError, match="binary"):
        read_table(bytes(range(256)) * 8, "danh-sach.csv")


def test_it_refuses_a_word_document_and_an_old_xls_and_a_plain_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportFileError, match="Word"):
        read_table(buffer.getvalue(), "ds.xlsx")
    with pytest.raises(ImportFileError, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ds.xls")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(ImportFileError, match="zip"):
        read_table(buffer.getvalue(), "ds.xlsx")


def test_it_refuses_a_broken_workbook_and_a_zip_bomb() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
        archive.writestr("xl/workbook.xml", "garbage")
    with pytest.raises(ImportFileError, match="cannot be read"):
        read_table(buffer.getvalue(), "ds.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (61 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < MAX_BYTES
    with pytest.raises(ImportFileError, match="too much"):
        read_table(bomb, "ds.xlsx")


def test_it_refuses_text_that_is_not_utf8_with_advice() -> None:
    with pytest.raises(ImportFileError, match="UTF-8"):
        read_table("Mã,Tên\nxa-a,Xã Tân\n".encode("cp1252"), "ds.csv")


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b",,,\n;;;\n"])
def test_it_refuses_an_empty_file(data: bytes) -> None:
    with pytest.raises(ImportFileError):
        read_table(data, "ds.csv")


def test_it_refuses_a_list_with_headings_only() -> None:
    with pytest.raises(ImportFileError, match="no unit"):
        read_table("Mã đơn vị,Tên đơn vị\n,\n".encode(), "ds.csv")


def test_it_refuses_an_oversized_file() -> None:
    with pytest.raises(ImportFileError, match="2 MB"):
        read_table(b"Ma,Ten\n" + b"a,b\n" * (MAX_BYTES // 4 + 1), "ds.csv")


def test_it_refuses_too_many_rows_but_takes_the_limit() -> None:
    lines = "".join(f"u-{i},Đơn vị {i}\n" for i in range(MAX_ROWS))
    assert len(read_table(f"code,name\n{lines}".encode(), "ds.csv").rows) == MAX_ROWS
    with pytest.raises(ImportFileError, match="too long"):
        read_table(f"code,name\n{lines}one-more,X\n".encode(), "ds.csv")
    with pytest.raises(ImportFileError, match="too long"):
        read_table(xlsx([["code", "name"]] + [[f"u-{i}", "X"] for i in range(MAX_ROWS + 1)]))


def test_it_cuts_a_huge_cell_so_the_plan_refuses_it() -> None:
    table = read_table(f"code,name\nxa-a,{'A' * 100_000}\n".encode(), "ds.csv")
    plan = plan_import(table.rows, "phong", {"phong": _known("phong", "")})
    assert plan.rows[0].action == RowAction.ERROR
    assert [p.code for p in plan.rows[0].problems] == ["name-too-long"]


def test_it_refuses_a_csv_line_it_cannot_parse() -> None:
    with pytest.raises(ImportFileError):
        read_table(b"code,name\n" + b'a,"' + b"x" * 200_000 + b'"\n', "ds.csv")


# --- Planning -----------------------------------------------------------------------------------


def _known(code: str, parent: str, *, in_tree: bool = True, **more: Any) -> KnownUnit:
    return KnownUnit(
        code=code,
        name=more.pop("name", code.upper()),
        kind=more.pop("kind", UnitKind.COMMUNE),
        parent_code=parent,
        in_tree=in_tree,
        **more,
    )


OFFICE = "phong"
KNOWN = {
    "phong": _known("phong", ""),
    "xa-a": _known("xa-a", "", name="UBND xã A", email="a@x.vn", contact="Anh Ba"),
    "pgd": _known("pgd", "", kind=UnitKind.OFFICE),
    "th-1": _known("th-1", "pgd", kind=UnitKind.SCHOOL),
    "xa-khac": _known("xa-khac", "", in_tree=False),
}


def _plan(*rows: ImportedRow, assigned: tuple[str, ...] = ()) -> dict[int, Any]:
    plan = plan_import(rows, OFFICE, KNOWN, assigned)
    return {row.line: row for row in plan.rows}


def _problems(row: Any) -> list[str]:
    return [p.code for p in row.problems]


def test_it_plans_existing_changed_and_new_units() -> None:
    rows = _plan(
        ImportedRow(2, "XA-A", "UBND xã A"),
        ImportedRow(3, "xa-a2", "UBND xã A2", "xã", "", "a2@x.vn"),
        ImportedRow(4, "th-1", "Trường Tiểu học 1 (mới)", "", "", "th1@x.vn", "", "0912"),
        ImportedRow(5, "th-2", "Trường 2", "trường", "pgd"),
        assigned=("xa-a",),
    )
    assert rows[2].action == RowAction.ASSIGN and rows[2].already_assigned
    assert rows[3].action == RowAction.CREATE and rows[3].kind == UnitKind.COMMUNE
    assert rows[3].parent == ""  # under the office
    assert rows[4].action == RowAction.UPDATE
    assert {(c.field, c.old, c.new) for c in rows[4].changes} == {
        ("name", "TH-1", "Trường Tiểu học 1 (mới)"),
        ("email", "", "th1@x.vn"),
        ("phone", "", "0912"),
    }
    assert rows[5].action == RowAction.CREATE and rows[5].parent == "pgd"


def test_it_keeps_details_that_the_file_leaves_empty() -> None:
    row = _plan(ImportedRow(2, "xa-a", "UBND xã A"))[2]
    assert row.action == RowAction.ASSIGN
    assert (row.email, row.contact) == ("a@x.vn", "Anh Ba")


def test_it_refuses_duplicate_codes_on_every_row_that_repeats_them() -> None:
    rows = _plan(ImportedRow(2, "xa-b", "B"), ImportedRow(3, "XA-B ", "B again"))
    assert _problems(rows[2]) == _problems(rows[3]) == ["code-duplicate"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (ImportedRow(2, "", "Không mã"), "code-missing"),
        (ImportedRow(2, "xã-ấp", "Mã có dấu"), "code-invalid"),
        (ImportedRow(2, "a" * 41, "Quá dài"), "code-invalid"),
        (ImportedRow(2, "<script>", "Hostile"), "code-invalid"),
        (ImportedRow(2, "xa-c", ""), "name-missing"),
        (ImportedRow(2, "xa-c", "C", "hợp tác xã"), "kind-invalid"),
        (ImportedRow(2, "xa-c", "C", "", "xa-khac"), "parent-foreign"),
        (ImportedRow(2, "xa-c", "C", "", "khong-co"), "parent-missing"),
        (ImportedRow(2, "xa-c", "C", "", "xa-c"), "parent-self"),
        (ImportedRow(2, "xa-khac", "Của phòng khác"), "code-foreign"),
        (ImportedRow(2, "phong", "Chính phòng"), "code-office"),
        (ImportedRow(2, "xa-c", "C", "", "", "not-an-email"), "email-invalid"),
        (ImportedRow(2, "xa-c", "C", "", "", "a@b.vn\n<script>"), "email-invalid"),
        (ImportedRow(2, "xa-c", "C", "", "", "", "", "0" * 41), "phone-too-long"),
    ],
)
def test_it_refuses_a_bad_row_with_the_reason(row: ImportedRow, problem: str) -> None:
    planned = _plan(row)[2]
    assert planned.action == RowAction.ERROR
    assert problem in _problems(planned)
    assert all(p.message for p in planned.problems)


def test_it_accepts_kinds_as_offices_write_them() -> None:
    for written, kind in [
        ("Xã", "commune"),
        ("PHƯỜNG", "commune"),
        ("Trường học", "school"),
        ("cơ quan", "agency"),
        ("school", "school"),
        ("Khác", "other"),
    ]:
        assert _plan(ImportedRow(2, "x-1", "X", written))[2].kind == kind, written


def test_it_creates_a_parent_listed_below_its_child_and_refuses_children_of_bad_rows() -> None:
    rows = _plan(
        ImportedRow(2, "th-3", "Trường 3", "trường", "pgd-moi"),
        ImportedRow(3, "pgd-moi", "Phòng GD mới", "phòng"),
        ImportedRow(4, "th-4", "Trường 4", "trường", "cum-loi"),
        ImportedRow(5, "cum-loi", "Cụm lỗi", "không rõ"),
    )
    assert rows[2].action == rows[3].action == RowAction.CREATE
    assert rows[2].parent == "pgd-moi"
    assert _problems(rows[5]) == ["kind-invalid"]
    assert _problems(rows[4]) == ["parent-refused"]


def test_it_refuses_moves_that_make_a_loop() -> None:
    rows = _plan(ImportedRow(2, "pgd", "Phòng GD", "", "th-1"))
    assert _problems(rows[2]) == ["parent-loop"]
    rows = _plan(ImportedRow(2, "n-1", "N1", "", "n-2"), ImportedRow(3, "n-2", "N2", "", "n-1"))
    assert _problems(rows[2]) == ["parent-loop"] and _problems(rows[3]) == ["parent-loop"]


def test_it_moves_a_unit_and_reactivates_it() -> None:
    known = {**KNOWN, "xa-cu": _known("xa-cu", "pgd", is_active=False)}
    plan = plan_import([ImportedRow(2, "xa-cu", "XA-CU", "", "phong")], OFFICE, known)
    assert {(c.field, c.old, c.new) for c in plan.rows[0].changes} == {
        ("parent", "pgd", ""),
        ("is_active", "0", "1"),
    }


def test_its_digest_changes_with_what_would_be_done() -> None:
    rows = [ImportedRow(2, "xa-moi", "Mới")]
    before = plan_import(rows, OFFICE, KNOWN).digest()
    assert plan_import(rows, OFFICE, KNOWN).digest() == before
    now = {**KNOWN, "xa-moi": _known("xa-moi", "", name="Mới")}
    assert plan_import(rows, OFFICE, now).digest() != before


# --- The pages ----------------------------------------------------------------------------------


def _csv(text: str, name: str = "ds.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\ufeff" + text).encode())


LIST = (
    "Mã đơn vị;Tên đơn vị;Loại;Đơn vị cấp trên;Email;Ghi chú\n"
    "xa-an-phu;UBND xã An Phú;xã;;anphu@example.vn;đã có\n"
    "th-moi;Trường Tiểu học Mới;trường;xa-an-phu;;mới\n"
    "xa-gd;Xã của phòng khác;xã;;;lỗi\n"
)


@pytest.fixture
def foreign(world: World) -> Unit:
    return Unit.objects.create(
        code="xa-gd", name="Xã của phòng khác", kind=UnitKind.COMMUNE, parent=world.other_office
    )


def _preview_on_campaign(client: Client, world: World, data: SimpleUploadedFile) -> Any:
    url = reverse("campaigns:units-import", args=[world.campaign.slug])
    return client.post(url, {"file": data})


def test_it_previews_then_applies_a_list_to_an_open_campaign(world: World, foreign: Unit) -> None:
    client = world.client_for(world.lan)
    units_before = Unit.objects.count()
    response = _preview_on_campaign(client, world, _csv(LIST))
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert Unit.objects.count() == units_before  # a preview changes nothing
    assert 'data-line="2" data-action="update"' in body
    assert "anphu@example.vn" in body
    assert 'data-line="3" data-action="create"' in body
    assert 'data-problem="code-foreign"' in body
    assert "Ghi chú" in body  # the ignored column is named
    digest = page.context["plan"].digest()
    done = client.post(response["Location"], {"digest": digest})
    assert done.status_code == 302
    new = Unit.objects.get(code="th-moi")
    assert new.parent == world.an_phu and new.kind == UnitKind.SCHOOL
    world.an_phu.refresh_from_db()
    assert world.an_phu.email == "anphu@example.vn"
    assignment = world.campaign.assignments.active().get(unit=new)
    assert assignment.due_at == world.campaign.due_at
    assert world.campaign.assignments.active().filter(unit=world.an_phu).count() == 1
    assert not world.campaign.assignments.filter(unit=foreign).exists()
    foreign.refresh_from_db()
    assert foreign.name == "Xã của phòng khác" and foreign.parent == world.other_office
    # Confirming twice does nothing more.
    assert client.post(response["Location"], {"digest": digest}).status_code == 302
    assert Unit.objects.filter(code="th-moi").count() == 1


def test_it_refuses_to_confirm_a_list_whose_effect_changed(world: World) -> None:
    client = world.client_for(world.lan)
    response = _preview_on_campaign(client, world, _csv(LIST.replace("xa-gd", "xa-khac")))
    digest = client.get(response["Location"]).context["plan"].digest()
    # Meanwhile someone creates "th-moi" elsewhere: the plan would now refuse it.
    Unit.objects.create(code="th-moi", name="X", kind="school", parent=world.other_office)
    again = client.post(response["Location"], {"digest": digest})
    assert again.status_code == 409
    assert 'data-problem="code-foreign"' in again.content.decode()
    assert not world.campaign.assignments.filter(unit__code="th-moi").exists()
    # A confirmation without the digest of what was seen is never applied.
    assert client.post(response["Location"], {}).status_code == 409
    assert not UnitImport.objects.filter(applied_at__isnull=False).exists()


def test_it_keeps_the_preview_for_its_author_only(world: World) -> None:
    response = _preview_on_campaign(world.client_for(world.lan), world, _csv(LIST))
    url = response["Location"]
    for person in (world.thach, world.tu, world.hoa, world.nam):
        client = world.client_for(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"digest": "x"}).status_code == 404
    assert not Unit.objects.filter(code="th-moi").exists()
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("ds.xlsx", b"%PDF-1.4 fake"), "PDF"),
        # The page speaks Vietnamese: the words are the catalogue's.
        (SimpleUploadedFile("ds.csv", bytes(range(256)) * 4), "dữ liệu nhị phân"),
        (SimpleUploadedFile("ds.csv", b""), "rỗng"),
        (SimpleUploadedFile("ds.csv", b"x" * (MAX_BYTES + 1)), "2 MB"),
        (SimpleUploadedFile("ds.csv", "Tên đơn vị\nA\n".encode()), "Thiếu cột: Mã đơn vị"),
    ],
)
def test_it_explains_a_file_it_refuses(
    world: World, upload: SimpleUploadedFile, words: str
) -> None:
    response = _preview_on_campaign(world.client_for(world.lan), world, upload)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not UnitImport.objects.exists()


def test_it_refuses_a_list_for_a_closed_campaign(world: World) -> None:
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.CLOSED)
    response = _preview_on_campaign(world.client_for(world.lan), world, _csv(LIST))
    assert response.status_code == 400
    assert not UnitImport.objects.exists()


def test_it_applies_nothing_when_the_units_changed_since_the_preview(world: World) -> None:
    table = read_table(_csv(LIST).read(), "ds.csv")
    unit_list, plan = actions.store_unit_import(world.office, table, "ds.csv", by=world.lan)
    Unit.objects.create(code="th-moi", name="X", kind="school", parent=world.office)
    with pytest.raises(actions.UnitListChanged) as changed:
        actions.apply_unit_import(unit_list, by=world.lan, expected_digest=plan.digest())
    assert changed.value.plan.digest() != plan.digest()
    world.an_phu.refresh_from_db()
    assert world.an_phu.email == ""
    unit_list.refresh_from_db()
    assert unit_list.applied_at is None


def _new_campaign_data(world: World, **more: Any) -> dict[str, Any]:
    return {
        "office": world.office.pk,
        "title": "Đợt từ danh sách",
        "due_date": "2031-03-31",
        "due_time": "17:00",
        "preset": "narrative",
        **more,
    }


def test_it_previews_a_list_on_the_new_campaign_page_and_applies_it_on_creation(
    world: World, foreign: Unit
) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:new")
    data = _new_campaign_data(world, unit_kinds=[], unit_file=_csv(LIST), action="preview")
    page = client.post(url, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-line="3" data-action="create"' in body
    assert 'value="Đợt từ danh sách"' in body  # what was typed is kept
    assert not Campaign.objects.filter(title="Đợt từ danh sách").exists()
    assert not Unit.objects.filter(code="th-moi").exists()
    form = page.context["form"]
    uid, digest = form["unit_list"].value(), form["unit_list_digest"].value()
    assert uid and digest
    created = client.post(url, _new_campaign_data(world, unit_list=uid, unit_list_digest=digest))
    assert created.status_code == 302, created.content.decode()[:3000]
    campaign = Campaign.objects.get(title="Đợt từ danh sách")
    assert sorted(a.unit.code for a in campaign.assignments.all()) == ["th-moi", "xa-an-phu"]
    assert Unit.objects.get(code="th-moi").parent == world.an_phu
    # The list was used: sending it again is refused, with a message.
    again = client.post(
        url, _new_campaign_data(world, title="Lần nữa", unit_list=uid, unit_list_digest=digest)
    )
    assert again.status_code == 400
    assert not Campaign.objects.filter(title="Lần nữa").exists()


def test_it_refuses_someone_elses_or_a_forged_list_id_on_the_new_campaign_page(
    world: World,
) -> None:
    page = world.client_for(world.lan).post(
        reverse("campaigns:new"),
        _new_campaign_data(world, unit_file=_csv(LIST), action="preview"),
    )
    uid = page.context["form"]["unit_list"].value()
    for person, value in ((world.thach, uid), (world.lan, "not-a-uuid"), (world.lan, "0" * 5000)):
        response = world.client_for(person).post(
            reverse("campaigns:new"), _new_campaign_data(world, unit_kinds=[], unit_list=value)
        )
        assert response.status_code == 400
    assert not Campaign.objects.filter(title="Đợt từ danh sách").exists()
    assert not Unit.objects.filter(code="th-moi").exists()


def test_it_explains_a_refused_file_on_the_new_campaign_page(world: World) -> None:
    response = world.client_for(world.lan).post(
        reverse("campaigns:new"),
        _new_campaign_data(
            world, unit_file=SimpleUploadedFile("ds.xlsx", b"%PDF-1.7"), action="preview"
        ),
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not UnitImport.objects.exists()


def test_it_plans_a_list_nested_five_thousand_deep_quickly() -> None:
    """Listed children first: an algorithm that walks every chain again would take minutes."""
    rows = [
        ImportedRow(i + 2, f"u-{i}", "X", "khác", f"u-{i + 1}" if i + 1 < MAX_ROWS else "")
        for i in range(MAX_ROWS)
    ]
    plan = plan_import(rows, OFFICE, KNOWN)
    assert plan.counts["create"] == MAX_ROWS


def test_it_applies_a_full_list_and_nested_new_units_parents_first(world: World) -> None:
    lines = "".join(f"u-{i},Đơn vị {i},trường\n" for i in range(MAX_ROWS - 3))
    lines += "c-3,Cháu,khác,c-2\nc-2,Con,khác,c-1\nc-1,Cha,khác,xa-an-phu\n"
    table = read_table(f"code,name,kind,parent\n{lines}".encode(), "ds.csv")
    unit_list, plan = actions.store_unit_import(world.office, table, "ds.csv", by=world.lan)
    units = actions.apply_unit_import(unit_list, by=world.lan, expected_digest=plan.digest())
    assert len(units) == MAX_ROWS
    assert Unit.objects.filter(code__startswith="u-", parent=world.office).count() == MAX_ROWS - 3
    assert Unit.objects.get(code="c-3").parent == Unit.objects.get(code="c-2")
    assert Unit.objects.get(code="c-2").parent == Unit.objects.get(code="c-1")
    assert Unit.objects.get(code="c-1").parent == world.an_phu


def test_it_refuses_every_row_below_a_refused_one_however_deep() -> None:
    rows = [ImportedRow(2, "u-0", "Gốc", "không rõ")] + [
        ImportedRow(i + 2, f"u-{i}", "X", "", f"u-{i - 1}") for i in range(1, MAX_ROWS)
    ]
    plan = plan_import(rows, OFFICE, KNOWN)
    assert plan.counts["error"] == MAX_ROWS
    assert {p.code for row in plan.rows[1:] for p in row.problems} == {"parent-refused"}


def test_it_shows_the_new_preview_when_the_list_changed_before_creation(world: World) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:new")
    page = client.post(url, _new_campaign_data(world, unit_file=_csv(LIST), action="preview"))
    form = page.context["form"]
    sent = _new_campaign_data(
        world,
        unit_kinds=[],
        unit_list=form["unit_list"].value(),
        unit_list_digest=form["unit_list_digest"].value(),
    )
    Unit.objects.create(code="th-moi", name="X", kind="school", parent=world.other_office)
    changed = client.post(url, sent)
    assert changed.status_code == 409
    assert 'data-line="3" data-action="error"' in changed.content.decode()
    assert not Campaign.objects.filter(title="Đợt từ danh sách").exists()
    # Confirmed again as now shown: the refused row is skipped.
    sent["unit_list_digest"] = changed.context["form"]["unit_list_digest"].value()
    assert sent["unit_list_digest"] != form["unit_list_digest"].value()
    assert client.post(url, sent).status_code == 302
    campaign = Campaign.objects.get(title="Đợt từ danh sách")
    assert sorted(a.unit.code for a in campaign.assignments.all()) == ["xa-an-phu", "xa-gd"]
