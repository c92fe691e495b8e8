"""Benchmark: compiling a campaign of 10,000 units and 30 indicators.

    python bench/compile.py [--quick]

Builds the campaign in a fresh SQLite database in a temporary data folder (or the database of
DATABASE_URL), then reports the time to total (reading the reports and adding them up), the
time to produce the DOCX and the PDF, and the peak memory of the process. The last line is
one JSON object. Goals: totals at most 0.5 s; DOCX and PDF together at most 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 units")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    units_n = 1_000 if args.quick else 10_000
    indicators_n = 30

    os.environ.setdefault("TONGHOP_DATA_DIR", tempfile.mkdtemp(prefix="tonghop-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.compilation.build import build_document, collect
    from tonghop.compilation.render_docx import render_docx
    from tonghop.compilation.render_pdf import render_pdf
    from tonghop.compilation.totals import compute_totals
    from tonghop.orgs.models import Unit, UnitKind
    from tonghop.reports.assigning import create_campaign
    from tonghop.reports.models import Report, State

    call_command("migrate", verbosity=0)
    rng = random.Random(30)
    office = Unit.objects.create(
        code="bench-office",
        name="Phòng thử nghiệm",
        kind=UnitKind.OFFICE,
        parent_body="UBND HUYỆN THỬ",
        place="Thử",
    )
    kinds = [UnitKind.COMMUNE, UnitKind.SCHOOL, UnitKind.AGENCY]
    Unit.objects.bulk_create(
        Unit(code=f"bench-u{i}", name=f"Đơn vị số {i}", kind=kinds[i % 3], parent=office)
        for i in range(units_n)
    )
    units = list(Unit.objects.filter(parent=office))
    specs = [
        IndicatorSpec(
            f"c{i}",
            f"Chỉ tiêu số {i}",
            "integer" if i % 5 else "decimal",
            "sum" if i % 7 else "average",
            unit_of_measure="cái",
        )
        for i in range(indicators_n - 2)
    ] + [
        IndicatorSpec("text", "Khẩu hiệu", "text", "list"),
        IndicatorSpec("count", "Có tổ chức", "integer", "count"),
    ]
    campaign = create_campaign(
        office,
        CampaignSpec(
            slug="bench",
            title="Đợt báo cáo thử nghiệm",
            due_at=timezone.now(),
            report_to="Sở thử",
            report_symbol="BC-THU",
            indicators=specs,
        ),
        units,
        by=None,
    )
    assignments = list(campaign.assignments.all())
    now = timezone.now()
    reports = []
    for a in assignments[: int(units_n * 0.9)]:
        values: dict[str, object] = {}
        for spec in specs:
            if spec.kind == "integer":
                values[spec.code] = rng.randint(0, 500)
            elif spec.kind == "decimal":
                values[spec.code] = f"{rng.randint(0, 10000) / 100}"
            else:
                values[spec.code] = rng.choice(["Sáng tạo", "Đổi mới", ""])
        reports.append(Report(assignment=a, values=values, narrative="Đã thực hiện tốt."))
        a.state, a.submitted_at, a.first_submitted_at = State.SUBMITTED, now, now
    Report.objects.bulk_create(reports, batch_size=2000)
    type(assignments[0]).objects.bulk_update(
        assignments, ["state", "submitted_at", "first_submitted_at"], batch_size=2000
    )

    collect_times, totals_times = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        totals, rows, _missing, _late = collect(campaign)
        collect_times.append(time.perf_counter() - t0)
        infos = list(totals.indicators)
        t0 = time.perf_counter()
        compute_totals(infos, rows)
        totals_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    document = build_document(campaign)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    docx = render_docx(document)
    docx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = render_pdf(document)
    pdf_s = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "benchmark": "compile",
        "database": connection.vendor,
        "units": units_n,
        "indicators": indicators_n,
        "reports": len(reports),
        "collect_and_total_s_median": round(statistics.median(collect_times), 3),
        "total_only_s_median": round(statistics.median(totals_times), 3),
        "build_description_s": round(build_s, 3),
        "docx_s": round(docx_s, 2),
        "pdf_s": round(pdf_s, 2),
        "docx_plus_pdf_s": round(docx_s + pdf_s, 2),
        "docx_bytes": len(docx),
        "pdf_bytes": len(pdf),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "goals": {"total_s": 0.5, "docx_plus_pdf_s": 10},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
