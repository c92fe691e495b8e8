from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import VN, World
from tonghop.cli import main as cli_main
from tonghop.reports import actions, export

SUBMITTED = dt.datetime(2030, 5, 2, 9, 30, tzinfo=VN)
ACCEPTED = dt.datetime(2030, 5, 3, 14, 5, tzinfo=VN)
LATE = dt.datetime(2030, 5, 7, 8, 0, tzinfo=VN)
HEADER = [
    "Mã đơn vị",
    "Đơn vị",
    "Nhóm",
    "Trạng thái",
    "Hạn báo cáo",
    "Thời điểm gửi",
    "Thời điểm chấp nhận",
    "Pano đã treo (cái)",
    "Lượt người tham gia (lượt)",
    "Tỷ lệ (%)",
    "Khẩu hiệu",
    "Nội dung báo cáo",
]


def _fill(world: World, *, slogan: str = "Sáng tạo", narrative: str = "Đã treo pano") -> None:
    """An Phú submits on time and is accepted; Bình Minh submits late; the school does not."""
    values = {"pano": "3", "luot_nguoi": "1.250", "ty_le": "92,5", "khau_hieu": slogan}
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        values,
        narrative,
        expected_version=0,
        submit=True,
        now=SUBMITTED,
    )
    actions.accept_report(world.lan, world.a_an_phu.pk, expected_version=1, now=ACCEPTED)
    actions.save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": "1"},
        "",
        expected_version=0,
        submit=True,
        now=LATE,
    )


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _by_code(table: list[list[Any]]) -> dict[str, list[Any]]:
    return {row[0]: row for row in table[1:]}


def test_it_yields_the_header_then_one_row_per_unit(world: World) -> None:
    _fill(world)
    table = list(export.rows(world.campaign))
    assert table[0] == HEADER
    assert [row[0] for row in table[1:]] == ["thcs-an-phu", "xa-an-phu", "xa-binh-minh"]
    an_phu = _by_code(table)["xa-an-phu"]
    assert an_phu == [
        "xa-an-phu",
        "UBND xã An Phú",
        "Xã, thị trấn",
        "Đã chấp nhận",
        dt.datetime(2030, 5, 5, 23, 59, 59),
        dt.datetime(2030, 5, 2, 9, 30),
        dt.datetime(2030, 5, 3, 14, 5),
        3,
        1250,
        Decimal("92.5"),
        "Sáng tạo",
        "Đã treo pano",
    ]
    assert type(an_phu[7]) is int


def test_it_writes_the_csv_with_vietnamese_labels_and_times(world: World) -> None:
    _fill(world)
    stream = io.BytesIO()
    export.write_csv(world.campaign, stream)
    table = _csv(stream.getvalue())
    assert table[0] == HEADER
    rows = _by_code(table)
    assert rows["xa-an-phu"][4:] == [
        "23:59 05/05/2030",
        "09:30 02/05/2030",
        "14:05 03/05/2030",
        "3",
        "1250",
        "92.5",
        "Sáng tạo",
        "Đã treo pano",
    ]
    assert rows["xa-binh-minh"][3] == "Gửi chậm"
    assert rows["xa-binh-minh"][5] == "08:00 07/05/2030"
    assert rows["xa-binh-minh"][7:] == ["1", "", "", "", ""]
    assert rows["thcs-an-phu"][2] == "Trường học"
    assert rows["thcs-an-phu"][3] == "Chưa thực hiện"
    assert rows["thcs-an-phu"][5:] == [""] * 7


def test_it_neutralises_formulas_in_the_csv(world: World) -> None:
    _fill(world, slogan='=HYPERLINK("http://x.example","bấm")', narrative="- treo pano\n+ 3")
    stream = io.BytesIO()
    export.write_csv(world.campaign, stream)
    an_phu = _by_code(_csv(stream.getvalue()))["xa-an-phu"]
    assert an_phu[10] == '\'=HYPERLINK("http://x.example","bấm")'
    assert an_phu[11] == "'- treo pano\n+ 3"


def test_it_writes_the_xlsx_with_numbers_dates_and_a_frozen_header(
    world: World, tmp_path: Path
) -> None:
    _fill(world, slogan="=1+1")
    path = tmp_path / "bao-cao.xlsx"
    export.write_xlsx(world.campaign, path)
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 36
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    an_phu = rows["xa-an-phu"]
    assert an_phu[3].value == "Đã chấp nhận"
    assert an_phu[5].value == dt.datetime(2030, 5, 2, 9, 30)
    assert an_phu[5].is_date
    assert an_phu[6].value == dt.datetime(2030, 5, 3, 14, 5)
    assert [cell.value for cell in an_phu[7:10]] == [3, 1250, 92.5]
    assert all(cell.data_type == "n" for cell in an_phu[7:10])
    # A slogan that looks like a formula stays text, as typed.
    assert an_phu[10].value == "=1+1"
    assert an_phu[10].data_type == "s"
    assert rows["xa-binh-minh"][3].value == "Gửi chậm"
    assert rows["thcs-an-phu"][5].value is None


def test_the_page_offers_both_downloads_to_the_specialist(world: World) -> None:
    _fill(world)
    client = world.client_for(world.lan)
    page = client.get(reverse("campaigns:detail", args=[world.campaign.slug])).content.decode()
    csv_url = reverse("campaigns:export", args=[world.campaign.slug, "csv"])
    xlsx_url = reverse("campaigns:export", args=[world.campaign.slug, "xlsx"])
    assert csv_url in page
    assert xlsx_url in page

    response = client.get(csv_url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-sang-tao-test.csv"' in response["Content-Disposition"]
    table = _csv(response.getvalue())
    assert table[0] == HEADER
    assert len(table) == 4

    response = client.get(xlsx_url)
    assert response.status_code == 200
    assert response["Content-Type"] == export.XLSX_CONTENT_TYPE
    assert "bao-cao-sang-tao-test.xlsx" in response["Content-Disposition"]
    content = response.getvalue()
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet.max_row == 4


@pytest.mark.parametrize("who", ["hoa", "nam", "tu"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_one_else_can_export(world: World, who: str, fmt: str) -> None:
    client = world.client_for(getattr(world, who))
    url = reverse("campaigns:export", args=[world.campaign.slug, fmt])
    assert client.get(url).status_code == 404


def test_an_unknown_format_is_not_found(world: World) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:export", args=[world.campaign.slug, "pdf"])
    assert client.get(url).status_code == 404
    url = reverse("campaigns:export", args=[world.campaign.slug, "csv"])
    assert client.post(url).status_code == 405


def test_the_command_writes_both_formats(world: World, tmp_path: Path) -> None:
    _fill(world)
    csv_path = tmp_path / "out" / "bao-cao.csv"
    xlsx_path = tmp_path / "out" / "bao-cao.xlsx"
    slug = world.campaign.slug
    assert cli_main(["export", slug, "--format", "csv", "--out", str(csv_path)]) == 0
    assert cli_main(["export", slug, "--format", "xlsx", "--out", str(xlsx_path)]) == 0
    assert _csv(csv_path.read_bytes())[0] == HEADER
    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.max_row == 4


def test_the_command_explains_an_unknown_campaign(
    world: World, tmp_path: Path, capsys: Any
) -> None:
    code = cli_main(["export", "khong-co", "--format", "csv", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    assert "không có đợt báo cáo" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
