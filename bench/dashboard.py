"""Benchmark: the campaign dashboard with 10,000 units and 100,000 assignments.

    python bench/dashboard.py [--quick]

Builds the data in a fresh SQLite database in a temporary data folder (or the database of
DATABASE_URL), then asks for one campaign's dashboard page in process, several times, and
reports the median server time and the number of queries for a small and a large campaign:
the count must not grow with the units. The last line is one JSON object.
Goals: at most 300 ms; queries constant.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 units, 10,000 assignments")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    units_n = 1_000 if args.quick else 10_000
    campaigns_n = 10

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

    from tonghop.campaigns.models import Campaign
    from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
    from tonghop.reports.models import Assignment, State

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    started = time.perf_counter()
    office = Unit.objects.create(code="bench-office", name="Phòng thử", kind=UnitKind.OFFICE)
    branches = [
        Unit.objects.create(
            code=f"bench-b{i}", name=f"Nhánh {i}", kind=UnitKind.AGENCY, parent=office
        )
        for i in range(20)
    ]
    kinds = [UnitKind.COMMUNE, UnitKind.SCHOOL, UnitKind.AGENCY]
    Unit.objects.bulk_create(
        Unit(
            code=f"bench-u{i}",
            name=f"Đơn vị {i}",
            kind=kinds[i % 3],
            parent=branches[i % len(branches)],
            contact_name=f"Người {i}",
        )
        for i in range(units_n - len(branches))
    )
    units = list(Unit.objects.exclude(pk=office.pk).values_list("pk", flat=True))
    user = User.objects.create_user("bench", password="x")  # noqa: S106
    Membership.objects.create(user=user, unit=office, role=Role.SPECIALIST)
    now = timezone.now()
    small: Campaign | None = None
    for c in range(campaigns_n):
        due = now + dt.timedelta(days=rng.randint(-20, 20))
        campaign = Campaign.objects.create(
            office=office, slug=f"bench-{c}", title=f"Đợt {c}", due_at=due
        )
        small = small or campaign
        rows = []
        for unit_id in units:
            state = rng.choice(
                [
                    State.NOT_STARTED,
                    State.DRAFT,
                    State.SUBMITTED,
                    State.SUBMITTED,
                    State.ACCEPTED,
                    State.RETURNED,
                ]
            )
            submitted = None
            if state in (State.SUBMITTED, State.ACCEPTED):
                submitted = due + dt.timedelta(hours=rng.randint(-200, 60))
            rows.append(
                Assignment(
                    campaign=campaign,
                    unit_id=unit_id,
                    due_at=due,
                    state=state,
                    submitted_at=submitted,
                    first_submitted_at=submitted,
                )
            )
        Assignment.objects.bulk_create(rows, batch_size=5000)
    tiny = Campaign.objects.create(office=office, slug="bench-tiny", title="Nhỏ", due_at=now)
    Assignment.objects.bulk_create(
        Assignment(campaign=tiny, unit_id=u, due_at=now) for u in units[:10]
    )
    build_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(user)
    target = Campaign.objects.get(slug="bench-3")

    def measure(campaign: Campaign) -> tuple[float, int]:
        url = reverse("campaigns:detail", args=[campaign.slug])
        client.get(url)  # warm caches
        times = []
        queries = 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t0)
            assert response.status_code == 200
            queries = len(captured)
        return statistics.median(times), queries

    large_ms, large_queries = measure(target)
    small_ms, small_queries = measure(tiny)
    overview_t0 = time.perf_counter()
    client.get(reverse("campaigns:list"))
    overview_ms = (time.perf_counter() - overview_t0) * 1000
    result = {
        "benchmark": "dashboard",
        "database": connection.vendor,
        "units": units_n,
        "assignments": Assignment.objects.count(),
        "build_seconds": round(build_seconds, 1),
        "dashboard_ms_median": round(large_ms * 1000, 1),
        "dashboard_queries": large_queries,
        "small_campaign_ms_median": round(small_ms * 1000, 1),
        "small_campaign_queries": small_queries,
        "queries_constant": large_queries == small_queries,
        "overview_ms": round(overview_ms, 1),
        "goal_ms": 300,
        "runs": args.runs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
