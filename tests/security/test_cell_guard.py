"""Every export neutralises a cell a spreadsheet would run as a formula, the same way: CSV
files with the one guard's apostrophe, the Excel file as a text cell holding what was typed."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import World
from tonghop.audit import records
from tonghop.audit.models import Action
from tonghop.audit.spreadsheet import safe_cell
from tonghop.orgs.models import User
from tonghop.reports import export

HOSTILE = [
    '=HYPERLINK("http://x.example","bấm")',
    "+1",
    "-1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _table(content: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"), newline="")))


def _name(world: World, text: str) -> None:
    """A unit's name and contact as typed by whoever keeps the unit list."""
    world.an_phu.name = text
    world.an_phu.save()
    world.binh_minh.contact_name = text
    world.binh_minh.save()


@pytest.mark.parametrize("text", HOSTILE)
def test_the_guard_makes_a_formula_plain_text(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Xã An Phú") == "Xã An Phú"
    assert safe_cell("") == ""


@pytest.mark.parametrize("text", HOSTILE)
def test_the_reports_csv(world: World, text: str) -> None:
    _name(world, text)
    stream = io.BytesIO()
    export.write_csv(world.campaign, stream)
    rows = {row[0]: row for row in _table(stream.getvalue().decode("utf-8"))}
    assert rows["xa-an-phu"][1] == safe_cell(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_reports_excel_file(world: World, text: str, tmp_path: Path) -> None:
    _name(world, text)
    path = tmp_path / "bao-cao.xlsx"
    export.write_xlsx(world.campaign, path)
    sheet: Any = load_workbook(path).active
    cell = {row[0].value: row for row in sheet.iter_rows(min_row=2)}["xa-an-phu"][1]
    assert (cell.value, cell.data_type) == (text, "s")


@pytest.mark.parametrize("text", HOSTILE)
def test_the_list_of_units_still_owing(world: World, text: str) -> None:
    _name(world, text)
    url = reverse("campaigns:missing", args=[world.campaign.slug]) + "?format=csv"
    body = world.client_for(world.lan).get(url).content.decode("utf-8")
    rows = {row[0]: row for row in _table(body)}
    assert rows["xa-an-phu"][1] == safe_cell(text)
    assert rows["xa-binh-minh"][5] == safe_cell(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_audit_log(world: World, superuser: User, text: str) -> None:
    records.record(Action.DATA, actor=superuser, object_text=text)
    response: Any = world.client_for(superuser).get("/audit/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    cells = [cell for row in _table(body)[1:] for cell in row]
    assert safe_cell(text) in cells
    assert text not in cells
