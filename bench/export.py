"""Benchmark: exporting a campaign of 100,000 reports of 30 indicators to CSV and Excel.

    python bench/export.py [--quick]

Builds the campaign in a fresh SQLite database in a temporary data folder (or the database of
DATABASE_URL), then writes the CSV and the Excel file to temporary files, each in a fresh child
process so that each has its own peak memory, and reports the time and the peak memory of
each. The last line is one JSON object. Goals: each format at most 60 s and 500 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

GOAL_S = 60
GOAL_MB = 500


def _setup(data: str) -> None:
    os.environ["TONGHOP_DATA_DIR"] = data
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django

    django.setup()


def _build(units_n: int, indicators_n: int) -> float:
    from django.core.management import call_command
    from django.utils import timezone

    from tonghop.campaigns.form_models import Indicator
    from tonghop.campaigns.models import Campaign
    from tonghop.orgs.models import Unit, UnitKind
    from tonghop.reports.models import Assignment, Report, State

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rng = random.Random(100)
    office = Unit.objects.create(code="bench-office", name="Phòng thử", kind=UnitKind.OFFICE)
    kinds = [UnitKind.COMMUNE, UnitKind.SCHOOL, UnitKind.AGENCY]
    Unit.objects.bulk_create(
        (
            Unit(code=f"bench-u{i}", name=f"Đơn vị số {i}", kind=kinds[i % 3], parent=office)
            for i in range(units_n)
        ),
        batch_size=5000,
    )
    due = timezone.now()
    campaign = Campaign.objects.create(
        office=office, slug="bench-export", title="Đợt báo cáo thử", due_at=due
    )
    kinds_of = ["integer" if i % 5 else "decimal" for i in range(indicators_n - 2)] + [
        "text",
        "long_text",
    ]
    Indicator.objects.bulk_create(
        Indicator(
            campaign=campaign,
            code=f"c{i}",
            label=f"Chỉ tiêu số {i}",
            kind=kind,
            aggregation="list" if kind in ("text", "long_text") else "sum",
            unit_of_measure="cái" if kind == "integer" else "",
            order=i,
        )
        for i, kind in enumerate(kinds_of)
    )
    unit_ids = list(Unit.objects.filter(parent=office).values_list("pk", flat=True))
    states = [State.SUBMITTED, State.SUBMITTED, State.ACCEPTED, State.DRAFT, State.RETURNED]
    assignments = []
    for unit_id in unit_ids:
        state = rng.choice(states)
        submitted = due + dt.timedelta(hours=rng.randint(-200, 60))
        assignments.append(
            Assignment(
                campaign=campaign,
                unit_id=unit_id,
                due_at=due,
                state=state,
                submitted_at=submitted if state != State.DRAFT else None,
                first_submitted_at=submitted if state != State.DRAFT else None,
                accepted_at=submitted + dt.timedelta(days=1) if state == State.ACCEPTED else None,
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    del assignments
    words = ["Sáng tạo", "Đổi mới", "=1+1", "Khởi nghiệp"]
    batch: list[Report] = []
    for assignment_id in campaign.assignments.values_list("pk", flat=True).iterator(2000):
        values: dict[str, object] = {}
        for i, kind in enumerate(kinds_of):
            if kind == "integer":
                values[f"c{i}"] = rng.randint(0, 5000)
            elif kind == "decimal":
                values[f"c{i}"] = f"{rng.randint(0, 10000) / 100}"
            else:
                values[f"c{i}"] = rng.choice(words)
        batch.append(
            Report(
                assignment_id=assignment_id,
                values=values,
                narrative="Đơn vị đã treo pano, tổ chức tuyên truyền và phát động phong trào.",
            )
        )
        if len(batch) >= 5000:
            Report.objects.bulk_create(batch)
            batch = []
    Report.objects.bulk_create(batch)
    return time.perf_counter() - started


def _child(fmt: str, data: str) -> None:
    """Export in this fresh process: its peak memory is the export's."""
    _setup(data)
    from tonghop.campaigns.models import Campaign
    from tonghop.reports import export

    campaign = Campaign.objects.get(slug="bench-export")
    out = Path(data) / f"bench.{fmt}"
    t0 = time.perf_counter()
    if fmt == "csv":
        with out.open("wb") as handle:
            export.write_csv(campaign, handle)
    else:
        export.write_xlsx(campaign, out)
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "bytes": out.stat().st_size,
            }
        )
    )


def _run_child(step: str, data: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, "--data", data, *extra],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench/export.py: the {step} step failed")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 reports")
    parser.add_argument("--child", choices=("build", "csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--reports", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    indicators_n = 30
    if args.child == "build":
        _setup(args.data)
        from django.db import connection

        build_s = _build(args.reports, indicators_n)
        print(json.dumps({"seconds": round(build_s, 1), "database": connection.vendor}))
        return
    if args.child:
        _child(args.child, args.data)
        return
    # This process never loads Django nor the data: a child inherits its parent's peak memory
    # (Linux keeps ru_maxrss across fork and exec), so the parent must stay small.
    reports_n = 10_000 if args.quick else 100_000
    data = tempfile.mkdtemp(prefix="tonghop-bench-export-")
    try:
        built = _run_child("build", data, "--reports", str(reports_n))
        result: dict[str, object] = {
            "benchmark": "export",
            "database": built["database"],
            "reports": reports_n,
            "indicators": indicators_n,
            "build_s": built["seconds"],
        }
        ok = True
        for fmt in ("csv", "xlsx"):
            figures = _run_child(fmt, data)
            result[f"{fmt}_s"] = figures["seconds"]
            result[f"{fmt}_peak_rss_mb"] = figures["peak_rss_mb"]
            result[f"{fmt}_bytes"] = figures["bytes"]
            ok = ok and figures["seconds"] <= GOAL_S and figures["peak_rss_mb"] <= GOAL_MB
        result["goals"] = {"seconds": GOAL_S, "peak_rss_mb": GOAL_MB}
        result["goals_met"] = ok
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
