"""Benchmark: the Sở's campaign page and report over 30 districts and 10,000 units, in a
database that holds the whole country.

    python bench/cascade.py [--quick]

Builds, in a fresh SQLite database in a temporary data folder (or the database of
DATABASE_URL), one Sở whose campaign goes to 30 districts' offices; each district runs its
campaign below (tonghop.reports.levels) for its share of the 10,000 units, most of which have
reported. Every district's answer then arrives within one minute through the one function an
answer lands by (levels.record_answer: the transition, the report, its version and receipt),
timed one by one. Around it stands the rest of the country, as in a national install or a
shared database: 63 provinces, 700 districts and 10,000 communes in all, each province with
its campaign and each district with its campaign below, so the Sở's page is measured with
every other province's rows present. Then it asks for the measured Sở's page several times,
and for a Sở of 3 districts, and reports the median server time and the number of queries
(constant in districts and units); checks that another province's staff get 404 on it; and
times the Sở's consolidated report (built, drawn as PDF and as DOCX).
`--quick`: 1,000 units below the Sở and a country of 6 provinces, 60 districts and 1,000
communes. The last line is one JSON object. Goals: page at most 300 ms; compile at most 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

CODES = ("pano", "bang_ron", "hoat_dong", "luot_nguoi")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 units, a small country")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    units_n = 1_000 if args.quick else 10_000
    # The whole country around the measured province: provinces, districts, communes.
    country = (6, 60, 1_000) if args.quick else (63, 700, 10_000)

    data = tempfile.mkdtemp(prefix="tonghop-bench-")
    os.environ.setdefault("TONGHOP_DATA_DIR", data)
    os.environ["TONGHOP_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.campaigns.models import Campaign
    from tonghop.compilation.build import build_document
    from tonghop.compilation.render_docx import render_docx
    from tonghop.compilation.render_pdf import render_pdf
    from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
    from tonghop.reports.assigning import create_campaign
    from tonghop.reports.levels import Answer, record_answer
    from tonghop.reports.models import Assignment, LevelLink, State

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    started = time.perf_counter()
    now = timezone.now()
    form = tuple(IndicatorSpec(code, code, "integer", "sum") for code in CODES)

    def province(name: str, districts_n: int, units_total: int) -> tuple[User, Campaign]:
        so = Unit.objects.create(
            code=f"{name}-so", name=f"Sở {name}", kind=UnitKind.OFFICE, place=name
        )
        user = User.objects.create_user(f"{name}-user", password="x")  # noqa: S106
        Membership.objects.create(user=user, unit=so, role=Role.SPECIALIST)
        Unit.objects.bulk_create(
            Unit(code=f"{name}-d{i}", name=f"Phòng huyện {i}", kind=UnitKind.OFFICE, parent=so)
            for i in range(districts_n)
        )
        districts = list(Unit.objects.filter(parent=so).order_by("pk"))
        due = now + dt.timedelta(days=10)
        above = create_campaign(
            so,
            CampaignSpec(slug=f"{name}-tren", title="Đợt của Sở", due_at=due, indicators=form),
            districts,
            by=user,
        )
        Unit.objects.bulk_create(
            Unit(
                code=f"{name}-d{index}-u{j}",
                name=f"Đơn vị {j}",
                kind=UnitKind.COMMUNE,
                parent=district,
            )
            for index, district in enumerate(districts)
            for j in range(units_total // districts_n + (index < units_total % districts_n))
        )
        below_of: dict[int, list[Unit]] = {}
        for unit in Unit.objects.filter(parent__in=districts):
            below_of.setdefault(unit.parent_id or 0, []).append(unit)
        duties = {duty.unit_id: duty for duty in above.assignments.all()}
        for index, district in enumerate(districts):
            below = create_campaign(
                district,
                CampaignSpec(
                    slug=f"{name}-duoi-{index}",
                    title="Đợt cấp dưới",
                    due_at=due - dt.timedelta(days=3),
                    indicators=form,
                ),
                below_of.get(district.pk, []),
                by=None,
            )
            LevelLink.objects.create(below=below, above=duties[district.pk])
            ids = list(below.assignments.values_list("pk", flat=True))
            Assignment.objects.filter(pk__in=rng.sample(ids, int(len(ids) * 0.8))).update(
                state=State.SUBMITTED, submitted_at=now, first_submitted_at=now
            )
        return user, above

    def answer_all(campaign: Campaign, share: float) -> list[float]:
        """Each district's answer lands as it would when its clerk issues: one locked
        transaction per district, through levels.record_answer."""
        times: list[float] = []
        for duty in list(campaign.assignments.order_by("pk")):
            if rng.random() >= share:
                continue
            values: dict[str, Any] = {code: rng.randint(10, 900) for code in CODES}
            t0 = time.perf_counter()
            with transaction.atomic():
                locked = Assignment.objects.select_for_update().get(pk=duty.pk)
                record_answer(
                    None,
                    locked,
                    Answer(values=values, narrative="Đã thực hiện.", totals=values),
                    now=timezone.now(),
                    details={"answer_from": "bench"},
                )
            times.append(time.perf_counter() - t0)
        return times

    provinces_n, districts_total, communes_total = country
    others = provinces_n - 2  # the measured Sở and the small one are provinces too
    for p in range(others):
        districts_n = (districts_total - 33) // others + (p < (districts_total - 33) % others)
        communes = (communes_total - 30) // others
        _user, other = province(f"tinh{p}", districts_n, max(communes, districts_n))
        answer_all(other, 0.9)
    small_user, small = province("nho", 3, 30)
    answer_all(small, 0.9)
    user, large = province("lon", 30, units_n)
    build_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    answer_times = answer_all(large, 0.9)
    answers_seconds = time.perf_counter() - t0

    def measure(person: User, campaign: Campaign) -> tuple[float, int]:
        client = Client()
        client.force_login(person)
        url = reverse("campaigns:detail", args=[campaign.slug])
        client.get(url)  # warm caches
        times: list[float] = []
        queries = 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        return statistics.median(times), queries

    large_s, large_queries = measure(user, large)
    small_s, small_queries = measure(small_user, small)
    # Another province's staff must see nothing of this one.
    outsider = Client()
    outsider.force_login(User.objects.get(username="nho-user"))
    foreign_status = outsider.get(reverse("campaigns:detail", args=[large.slug])).status_code
    t0 = time.perf_counter()
    document = build_document(large)
    pdf = render_pdf(document)
    docx = render_docx(document)
    compile_s = time.perf_counter() - t0
    result = {
        "benchmark": "cascade",
        "database": connection.vendor,
        "districts": 30,
        "units": Assignment.objects.filter(campaign__slug__startswith="lon-duoi").count(),
        "country_provinces": Unit.objects.filter(code__endswith="-so").count(),
        "country_districts": Unit.objects.filter(parent__code__endswith="-so").count(),
        "country_communes": Unit.objects.filter(kind=UnitKind.COMMUNE).count(),
        "build_seconds": round(build_seconds, 1),
        "answers": len(answer_times),
        "answers_seconds": round(answers_seconds, 2),
        "answer_ms_median": round(statistics.median(answer_times) * 1000, 1),
        "so_page_ms_median": round(large_s * 1000, 1),
        "so_page_queries": large_queries,
        "small_so_page_ms_median": round(small_s * 1000, 1),
        "small_so_page_queries": small_queries,
        "queries_constant": large_queries == small_queries,
        "other_province_status": foreign_status,
        "compile_seconds": round(compile_s, 2),
        "report_pdf_bytes": len(pdf),
        "report_docx_bytes": len(docx),
        "goal_page_ms": 300,
        "goal_compile_seconds": 10,
        "runs": args.runs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
