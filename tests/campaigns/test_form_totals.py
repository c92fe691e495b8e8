"""The new kinds of field through the rest of the cycle: totals, the compiled report, the Excel and
CSV export, and the history of a report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import World
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import format_value
from tonghop.compilation.totals import IndicatorInfo, UnitRow, compute_totals
from tonghop.reports import actions, export
from tonghop.reports.history import differences

OPTIONS = ("Hội thảo", "Triển lãm", "Cuộc thi")
FORM = (
    IndicatorInfo("co", "Có tổ chức", "yes_no", "count"),
    IndicatorInfo("co_ds", "Có tổ chức (danh sách)", "yes_no", "list"),
    IndicatorInfo("hinh_thuc", "Hình thức", "choice", "count", choices=OPTIONS),
    IndicatorInfo("hinh_thuc_ds", "Hình thức (danh sách)", "choice", "list", choices=OPTIONS),
    IndicatorInfo("ngay", "Ngày tổ chức", "date", "list"),
    IndicatorInfo("ngay_dem", "Ngày (đếm)", "date", "count"),
    IndicatorInfo("link", "Bài viết", "link", "list"),
    IndicatorInfo("tep", "Minh chứng", "file", "count"),
)
ROWS = [
    UnitRow(
        "Xã A",
        "Xã",
        {
            "co": True,
            "co_ds": True,
            "hinh_thuc": "Hội thảo",
            "hinh_thuc_ds": "Hội thảo",
            "ngay": "2025-04-20",
            "ngay_dem": "2025-04-20",
            "link": "https://a.vn/1",
            "tep": [1, 2],
        },
    ),
    UnitRow(
        "Xã B",
        "Xã",
        {
            "co": False,
            "co_ds": False,
            "hinh_thuc": "Cuộc thi",
            "ngay": None,
            "tep": [3],
        },
    ),
    UnitRow("Trường C", "Trường", {"co": True, "hinh_thuc": "Hội thảo", "tep": []}),
    UnitRow("Trường D", "Trường", {}),
]


def test_it_totals_each_new_kind() -> None:
    totals = {t.indicator.code: t for t in compute_totals(FORM, ROWS).totals}
    # Yes/no counted: the units answering yes, out of those answering.
    assert (totals["co"].value, totals["co"].answered) == (2, 3)
    assert totals["co_ds"].items == (("Xã A", "Có"), ("Xã B", "Không"))
    # A choice counted per option, in the form's order, options nobody chose included.
    assert totals["hinh_thuc"].counts == (("Hội thảo", 2), ("Triển lãm", 0), ("Cuộc thi", 1))
    assert totals["hinh_thuc"].answered == 3
    assert totals["hinh_thuc_ds"].items == (("Xã A", "Hội thảo"),)
    # Dates and links listed readably; counted as units answering.
    assert totals["ngay"].items == (("Xã A", "20/04/2025"),)
    assert totals["ngay_dem"].value == 1
    assert totals["link"].items == (("Xã A", "https://a.vn/1"),)
    # Files: the number of files, from the units that attached some.
    assert (totals["tep"].value, totals["tep"].answered) == (3, 2)
    # Group subtotals are for figures only.
    assert all(group == [] for group in compute_totals(FORM, ROWS).by_group.values())


def test_an_answer_no_longer_among_the_options_is_still_counted() -> None:
    info = IndicatorInfo("h", "H", "choice", "count", choices=("A", "B"))
    total = compute_totals([info], [UnitRow("X", "g", {"h": "C"})]).totals[0]
    assert total.counts == (("A", 0), ("B", 0), ("C", 1))


KINDS = ["integer", "decimal", "text", "long_text", "yes_no", "choice", "date", "link", "file"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.text(max_size=20),
    st.lists(st.integers(1, 100), max_size=4),
    st.sampled_from(["2025-04-20", "20/04/2025", "1.250", "2.5", "nan", "Infinity"]),
)


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    aggregation=st.sampled_from(["sum", "count", "average", "list", "bogus"]),
    values=st.lists(VALUES, max_size=6),
)
def test_totals_never_crash_whatever_was_stored(
    kind: str, aggregation: str, values: list[Any]
) -> None:
    info = IndicatorInfo("x", "X", kind, aggregation, choices=("A", "B"))
    rows = [UnitRow(f"U{n}", "g", {"x": value}) for n, value in enumerate(values)]
    total = compute_totals([info], rows).totals[0]
    assert total.answered <= len(rows)
    for value in values:
        assert isinstance(format_value(value, kind), str)


def test_values_print_as_the_report_writes_them() -> None:
    assert format_value(True, "yes_no") == "Có"
    assert format_value(False, "yes_no") == "Không"
    assert format_value("2025-05-05", "date") == "05/05/2025"
    assert format_value([1, 2], "file") == "2 tệp"
    assert format_value("2025", "text") == "2025"
    assert format_value("1250") == "1.250"
    assert format_value(None, "date") == "-"


# The same through the database: a campaign whose form has every kind.


def _form(world: World) -> None:
    last = world.campaign.indicators.count()
    for offset, (code, label, kind, aggregation, extra) in enumerate(
        [
            ("co_to_chuc", "Có tổ chức", "yes_no", "count", {}),
            ("hinh_thuc", "Hình thức", "choice", "count", {"choices": list(OPTIONS)}),
            ("ngay", "Ngày tổ chức", "date", "list", {}),
            ("bai_viet", "Bài viết", "link", "list", {}),
            ("minh_chung", "Minh chứng", "file", "count", {}),
        ],
        start=1,
    ):
        Indicator.objects.create(
            campaign=world.campaign,
            code=code,
            label=label,
            kind=kind,
            aggregation=aggregation,
            order=last + offset,
            **extra,
        )


def _fill(world: World) -> None:
    _form(world)
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {
            "pano": "3",
            "co_to_chuc": "có",
            "hinh_thuc": "Triển lãm",
            "ngay": "20/4/2025",
            "bai_viet": "https://minhhoa.gov.vn/tin/1",
        },
        "",
        expected_version=0,
        submit=True,
    )
    actions.save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": "1", "co_to_chuc": "không", "hinh_thuc": "Hội thảo"},
        "",
        expected_version=0,
        submit=True,
    )


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def test_the_compiled_report_shows_the_new_kinds_readably(world: World) -> None:
    _fill(world)
    from tonghop.compilation.actions import render_campaign_docx
    from tonghop.reports.models import Report

    # The ids the attachments module keeps in the values of a FILE field.
    report = Report.objects.get(assignment=world.a_an_phu)
    report.values = {**report.values, "minh_chung": [11, 12]}
    report.save()
    text = _docx_text(render_campaign_docx(world.campaign))
    assert "4 | Có tổ chức (số đơn vị trả lời “Có”) | đơn vị | 1 | 2" in text
    assert "5 | Hình thức |  |  | 2" in text
    assert "- Hội thảo | đơn vị | 1" in text
    assert "- Triển lãm | đơn vị | 1" in text
    assert "- Cuộc thi | đơn vị | 0" in text
    assert "- UBND xã An Phú: 20/04/2025" in text
    assert "- UBND xã An Phú: https://minhhoa.gov.vn/tin/1" in text
    assert "6 | Minh chứng | tệp | 2 | 1" in text
    # The per-unit appendix: the figures, then the short answers; texts and links stay in II.
    header = "TT | Đơn vị | Pano đã treo | Lượt người tham gia | Tỷ lệ | Có tổ chức | Hình thức"
    assert header + " | Ngày tổ chức | Minh chứng" in text
    assert "1 | UBND xã An Phú | 3 | - | - | Có | Triển lãm | 20/04/2025 | 2 tệp" in text
    assert "2 | UBND xã Bình Minh | 1 | - | - | Không | Hội thảo | - | -" in text
    assert " | Tổng cộng | 4 | - | - | 1 Có |  |  | 2 tệp" in text
    assert "Bài viết |" not in text


def test_the_export_writes_the_new_kinds_readably(world: World, tmp_path: Path) -> None:
    _fill(world)
    table = list(export.rows(world.campaign))
    header = table[0]
    assert header[-6:] == [
        "Có tổ chức",
        "Hình thức",
        "Ngày tổ chức",
        "Bài viết",
        "Minh chứng (số tệp)",
        "Nội dung báo cáo",
    ]
    rows = {row[0]: row for row in table[1:]}
    assert rows["xa-an-phu"][-6:-1] == [
        "Có",
        "Triển lãm",
        dt.date(2025, 4, 20),
        "https://minhhoa.gov.vn/tin/1",
        None,
    ]
    assert rows["xa-binh-minh"][-6:-4] == ["Không", "Hội thảo"]

    stream = io.BytesIO()
    export.write_csv(world.campaign, stream)
    lines = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))
    an_phu = next(line for line in lines if line[0] == "xa-an-phu")
    assert an_phu[-6:-1] == ["Có", "Triển lãm", "20/04/2025", "https://minhhoa.gov.vn/tin/1", ""]

    path = tmp_path / "bao-cao.xlsx"
    export.write_xlsx(world.campaign, path)
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}["xa-an-phu"]
    date_cell = cells[len(header) - 4]
    assert date_cell.is_date and date_cell.value == dt.datetime(2025, 4, 20)
    assert date_cell.number_format == "dd/mm/yyyy"
    assert cells[len(header) - 6].value == "Có"


def test_a_file_count_is_exported_as_a_number(world: World) -> None:
    _form(world)
    from tonghop.reports.models import Report

    Report.objects.create(assignment=world.a_an_phu, values={"minh_chung": [4, 5, 6]})
    rows = {row[0]: row for row in list(export.rows(world.campaign))[1:]}
    assert rows["xa-an-phu"][-2] == 3


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_history_shows_what_changed_in_the_new_kinds(language: str) -> None:
    form = [
        IndicatorInfo("co", "Có tổ chức", "yes_no", "count"),
        IndicatorInfo("ngay", "Ngày", "date", "list"),
        IndicatorInfo("h", "Hình thức", "choice", "count", choices=OPTIONS),
        IndicatorInfo("tep", "Minh chứng", "file", "count"),
        IndicatorInfo("so", "Mã", "choice", "list", choices=("1250", "2")),
    ]
    with translation.override(language):
        changes = differences(
            form,
            {"co": True, "ngay": "2025-04-20", "h": "Hội thảo", "tep": [1, 2], "so": "1250"},
            {"co": False, "ngay": "2025-04-21", "h": "Hội thảo", "tep": [1, 3], "so": "2"},
            "",
            "",
        )
        yes, no = translation.gettext("Yes"), translation.gettext("No")
    shown = [(c.label, c.before, c.after) for c in changes]
    assert shown[0] == ("Có tổ chức", yes, no)
    assert shown[1] == ("Ngày", "20/04/2025", "21/04/2025")
    assert shown[2][0] == "Minh chứng" and shown[2][1].startswith("2")
    assert shown[2][2] != shown[2][1]
    # A choice is text, even one that looks like a number.
    assert shown[3] == ("Mã", "1250", "2")
    assert len(shown) == 4
