from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.values import format_number
from tonghop.cli import main as cli_main
from tonghop.compilation.models import Compilation, CompilationStatus
from tonghop.compilation.totals import IndicatorInfo, UnitRow, compute_totals
from tonghop.reports import actions


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _fill(world: World) -> None:
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "3", "luot_nguoi": "1.200", "ty_le": "90", "khau_hieu": "Sáng tạo hôm nay"},
        "An Phú đã treo 3 pano",
        expected_version=0,
        submit=True,
    )
    actions.save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": "4", "luot_nguoi": "300", "ty_le": "95,5"},
        "",
        expected_version=0,
        submit=True,
    )


def test_it_totals_exactly() -> None:
    infos = [
        IndicatorInfo("a", "A", "integer", "sum"),
        IndicatorInfo("r", "R", "decimal", "average"),
        IndicatorInfo("k", "K", "text", "list"),
        IndicatorInfo("c", "C", "integer", "count"),
    ]
    rows = [
        UnitRow("X", "g1", {"a": 1, "r": "0.1", "k": "x", "c": 0}),
        UnitRow("Y", "g1", {"a": 2, "r": "0.2", "c": None}),
        UnitRow("Z", "g2", {"a": None, "r": None, "k": "z"}),
    ]
    totals = compute_totals(infos, rows)
    by_code = {t.indicator.code: t for t in totals.totals}
    assert by_code["a"].value == 3
    assert str(by_code["r"].value) == "0.15"
    assert by_code["k"].items == (("X", "x"), ("Z", "z"))
    assert by_code["c"].value == 1
    assert [t.value for t in totals.by_group["g2"]] == [None, None, 0]
    assert format_number(1234567) == "1.234.567"


def test_it_compiles_the_totals_and_the_missing_units(world: World) -> None:
    _fill(world)
    from tonghop.compilation.actions import render_campaign_docx

    text = _text(render_campaign_docx(world.campaign))
    assert "BÁO CÁO" in text
    assert "BC-VHKHTT" in text
    assert "Sở Khoa học và Công nghệ" in text
    assert "Pano đã treo | cái | 7 | 2" in text
    assert "Lượt người tham gia | lượt | 1.500 | 2" in text
    assert "92,75" in text
    assert "Sáng tạo hôm nay" in text
    assert "Các đơn vị chưa báo cáo (1): Trường THCS An Phú" in text
    assert "Tổng cộng | 7 | 1.500" in text
    assert "Phạm Viết Thạch" in text


def test_it_compiles_a_campaign_with_no_reports(world: World) -> None:
    from tonghop.compilation.actions import render_campaign_docx

    text = _text(render_campaign_docx(world.campaign))
    assert "đã báo cáo: 0/3 đơn vị (0%)" in text
    assert "Các đơn vị chưa báo cáo (3)" in text


def test_it_compiles_from_the_page_through_the_task(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    _fill(world)
    client = world.client_for(world.lan)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("compilation:start", args=[world.campaign.slug]))
    assert response.status_code == 302
    compilation = Compilation.objects.get()
    assert compilation.status == CompilationStatus.DONE
    assert (compilation.units_reported, compilation.units_expected) == (2, 3)
    page = client.get(response["Location"]).content.decode()
    assert "2/3 đơn vị đã báo cáo." in page
    download = client.get(
        reverse("compilation:download", args=[world.campaign.slug, compilation.uid])
    )
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "Pano đã treo | cái | 7 | 2" in _text(b"".join(download.streaming_content))  # type: ignore[attr-defined]


def test_it_keeps_compilations_from_other_people(world: World) -> None:
    _fill(world)
    for intruder in (world.hoa, world.nam, world.tu):
        client = world.client_for(intruder)
        response = client.post(reverse("compilation:start", args=[world.campaign.slug]))
        assert response.status_code == 404
    assert not Compilation.objects.exists()
    compilation = Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    for intruder in (world.hoa, world.tu):
        client = world.client_for(intruder)
        url = reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
        assert client.get(url).status_code == 404


def test_the_command_writes_the_same_report(world: World, tmp_path: Path) -> None:
    _fill(world)
    assert cli_main(["compile", world.campaign.slug, "--out", str(tmp_path / "out")]) == 0
    text = _text((tmp_path / "out" / "report.docx").read_bytes())
    assert "Pano đã treo | cái | 7 | 2" in text


def test_the_command_explains_an_unknown_campaign(
    world: World, tmp_path: Path, capsys: Any
) -> None:
    assert cli_main(["compile", "khong-co", "--out", str(tmp_path)]) == 2
    assert "không có đợt báo cáo" in capsys.readouterr().err


def test_the_worker_command_runs_a_queued_compilation(world_tx: World, settings: Any) -> None:
    # The worker closes database connections as a long-running process must, so this test
    # runs outside a wrapping transaction.
    world = world_tx
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _fill(world)
    client = world.client_for(world.lan)
    response = client.post(reverse("compilation:start", args=[world.campaign.slug]))
    compilation = Compilation.objects.get()
    assert compilation.status == CompilationStatus.QUEUED
    pending = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in pending
    assert "<html" not in pending
    assert cli_main(["worker", "--batch"]) == 0
    done = client.get(response["Location"], headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    compilation.refresh_from_db()
    assert compilation.status == CompilationStatus.DONE
    assert str(compilation.docx.name).endswith(".docx")


def test_it_lays_the_units_appendix_on_landscape_pages_in_balanced_tables(world: World) -> None:
    from tonghop.compilation.build import COLUMNS_PER_LANDSCAPE_TABLE, _chunks, build_document
    from tonghop.compilation.layout import Table

    _fill(world)
    units, charts = build_document(world.campaign).appendices
    assert units.landscape and not charts.landscape
    (table,) = units.blocks
    assert isinstance(table, Table)
    assert table.columns == ("TT", "Đơn vị", "Pano đã treo", "Lượt người tham gia", "Tỷ lệ")
    # A form of 29 figures: four tables of 8, 7, 7, 7 rather than 8, 8, 8, 5.
    assert COLUMNS_PER_LANDSCAPE_TABLE == 8
    assert [len(c) for c in _chunks(list(range(29)), 8)] == [8, 7, 7, 7]
    assert [len(c) for c in _chunks(list(range(16)), 8)] == [8, 8]
    assert _chunks([], 8) == [] and _chunks([1], 8) == [[1]]


def test_long_lists_of_units_go_to_an_appendix(world: World) -> None:
    from tonghop.compilation.build import NAMES_IN_TEXT, build_document
    from tonghop.orgs.models import Unit, UnitKind
    from tonghop.reports.models import Assignment

    for n in range(NAMES_IN_TEXT + 5):
        unit = Unit.objects.create(
            code=f"xa-them-{n}",
            name=f"UBND xã Thêm {n}",
            kind=UnitKind.COMMUNE,
            parent=world.office,
        )
        Assignment.objects.create(campaign=world.campaign, unit=unit, due_at=world.campaign.due_at)
    document = build_document(world.campaign)
    section_one = " ".join(
        block.text for block in document.sections[1].blocks if hasattr(block, "text")
    )
    assert "và 8 đơn vị khác (danh sách tại Phụ lục II)" in section_one
    listed = [a for a in document.appendices if "CHƯA BÁO CÁO" in a.heading]
    assert listed
    table = listed[0].blocks[0]
    assert len(table.rows) == NAMES_IN_TEXT + 5 + 3  # type: ignore[union-attr]
