"""Benchmark: the Sở's campaign page and report over 30 districts and 10,000 units.

    python bench/cascade.py [--quick]

Builds, in a fresh SQLite database in a temporary data folder (or the database of
DATABASE_URL), one Sở whose campaign goes to the districts' offices; each district runs its
campaign below (tonghop.reports.levels) for its share of the units, most of which have
reported, and most districts have answered the Sở (their answers are written in bulk, as if
they all arrived within the minute). Then asks for the Sở's campaign page several times, for
a Sở of 3 districts and of 30, and reports the median server time and the number of queries
(constant in districts and units), and the time to build the Sở's consolidated report.
The last line is one JSON object. Goals: page at most 300 ms; compile at most 10 s.
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
    parser.add_argument("--quick", action="store_true", help="1,000 units")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    units_n = 1_000 if args.quick else 10_000

    data = tempfile.mkdtemp(prefix="tonghop-bench-")
    os.environ.setdefault("TONGHOP_DATA_DIR", data)
    os.environ["TONGHOP_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.campaigns.models import Campaign
    from tonghop.compilation.build import build_document
    from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
    from tonghop.reports.assigning import create_campaign
    from tonghop.reports.models import Assignment, LevelLink, Report, State

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    started = time.perf_counter()
    now = timezone.now()
    form = tuple(IndicatorSpec(code, code, "integer", "sum") for code in CODES)

    def province(name: str, districts_n: int, units_total: int) -> tuple[User, Campaign]:
        so = Unit.objects.create(code=f"{name}-so", name=f"Sở {name}", kind=UnitKind.OFFICE)
        user = User.objects.create_user(f"{name}-user", password="x")  # noqa: S106
        Membership.objects.create(user=user, unit=so, role=Role.SPECIALIST)
        districts = [
            Unit.objects.create(
                code=f"{name}-d{i}", name=f"Phòng huyện {i}", kind=UnitKind.OFFICE, parent=so
            )
            for i in range(districts_n)
        ]
        due = now + dt.timedelta(days=10)
        above = create_campaign(
            so,
            CampaignSpec(slug=f"{name}-tren", title="Đợt của Sở", due_at=due, indicators=form),
            districts,
            by=user,
        )
        per = units_total // districts_n
        for index, district in enumerate(districts):
            Unit.objects.bulk_create(
                Unit(
                    code=f"{name}-d{index}-u{j}",
                    name=f"Đơn vị {j}",
                    kind=UnitKind.COMMUNE,
                    parent=district,
                )
                for j in range(per)
            )
            below = create_campaign(
                district,
                CampaignSpec(
                    slug=f"{name}-duoi-{index}",
                    title="Đợt cấp dưới",
                    due_at=due - dt.timedelta(days=3),
                    indicators=form,
                ),
                list(Unit.objects.filter(parent=district)),
                by=None,
            )
            duty = above.assignments.get(unit=district)
            LevelLink.objects.create(below=below, above=duty)
            Assignment.objects.filter(campaign=below, pk__in=_some(below, rng, 0.8)).update(
                state=State.SUBMITTED, submitted_at=now, first_submitted_at=now
            )
            if rng.random() < 0.9:
                values: dict[str, Any] = {code: rng.randint(10, 900) for code in CODES}
                Report.objects.create(assignment=duty, values=values)
                Assignment.objects.filter(pk=duty.pk).update(
                    state=State.SUBMITTED, submitted_at=now, first_submitted_at=now
                )
        return user, above

    def _some(campaign: Campaign, rng: random.Random, share: float) -> list[int]:
        ids = list(campaign.assignments.values_list("pk", flat=True))
        return rng.sample(ids, int(len(ids) * share))

    small_user, small = province("nho", 3, 30)
    user, large = province("lon", 30, units_n)
    build_seconds = time.perf_counter() - started

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
            assert response.status_code == 200
            queries = len(captured)
        return statistics.median(times), queries

    large_s, large_queries = measure(user, large)
    small_s, small_queries = measure(small_user, small)
    t0 = time.perf_counter()
    build_document(large)
    compile_s = time.perf_counter() - t0
    result = {
        "benchmark": "cascade",
        "database": connection.vendor,
        "districts": 30,
        "units": Assignment.objects.filter(campaign__slug__startswith="lon-duoi").count(),
        "build_seconds": round(build_seconds, 1),
        "so_page_ms_median": round(large_s * 1000, 1),
        "so_page_queries": large_queries,
        "small_so_page_ms_median": round(small_s * 1000, 1),
        "small_so_page_queries": small_queries,
        "queries_constant": large_queries == small_queries,
        "compile_seconds": round(compile_s, 2),
        "goal_page_ms": 300,
        "goal_compile_seconds": 10,
        "runs": args.runs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
