"""A database made before the packages followed the cycle upgrades without losing a row.

Assignments and their events moved from campaigns to reports, news items from compilation to
portal, keeping their tables (tonghop.db.moves). Here the test database is taken back to the
migrations of that release, rows are written through the models of that time, and the database
is migrated forward: the same rows are read through today's models, the content types and the
audit log's labels follow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.conftest import World

# The last migrations before the moves, for the apps they touch.
BEFORE = [
    ("campaigns", "0004_campaign_version_and_archived_status"),
    ("reports", "0002_attachments_receipts"),
    ("links", "0001_initial"),
    ("reminders", "0004_message_outbox_receipts_reports_files"),
    ("compilation", "0003_compilation_workflow_state"),
    ("outbox", None),
    ("portal", None),
]


def _leaves() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


def _migrate(targets: Sequence[tuple[str, str | None]]) -> Any:
    """Migrate to `targets` (other apps as far as the graph lets them); the models of then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))
    loader = MigrationExecutor(connection).loader
    return loader.project_state(
        [(app, name) for app, name in loader.applied_migrations if name]
    ).apps


@pytest.fixture
def back_then(world_tx: World) -> Iterator[World]:
    leaves = _leaves()
    yield world_tx
    # Whatever happened, the next tests find the database as the code expects it.
    _migrate(leaves)


def test_rows_written_before_the_move_are_read_after_it(back_then: World) -> None:
    world = back_then
    old = _migrate(BEFORE)
    OldAssignment = old.get_model("campaigns", "Assignment")
    OldEvent = old.get_model("campaigns", "AssignmentEvent")
    OldNews = old.get_model("compilation", "NewsItem")
    OldAudit = old.get_model("audit", "AuditEvent")
    OldContentType = old.get_model("contenttypes", "ContentType")
    assert OldContentType.objects.filter(app_label="campaigns", model="assignment").exists()

    # What the current release left in the database: the world's assignments, and one more
    # row of each moved model written through the models of that release.
    before = OldAssignment.objects.count()
    assert before == world.campaign.assignments.count() > 0
    unit = old.get_model("orgs", "Unit").objects.create(
        code="xa-moi", name="UBND xã Mới", kind="commune", parent_id=world.office.pk
    )
    written = OldAssignment.objects.create(
        campaign_id=world.campaign.pk, unit=unit, due_at=timezone.now(), state="draft"
    )
    OldEvent.objects.create(
        assignment=written, step="save", from_state="not_started", to_state="draft"
    )
    news = OldNews.objects.create(
        office_id=world.office.pk, title="Kết quả", summary="18 đơn vị đã báo cáo"
    )
    OldMessage = old.get_model("reminders", "Message")
    OldMessage.objects.create(
        campaign_id=world.campaign.pk,
        assignment=written,
        kind="manual",
        channel="email",
        slot="manual:2030-05-02T09:15",
        slot_at=timezone.now(),
        recipient="xa-moi@example.vn",
    )
    sent = OldMessage.objects.count()
    OldAudit.objects.create(
        action="data", object_type="campaigns.assignment", object_id=str(written.pk)
    )

    _migrate(_leaves())

    Assignment = current_apps.get_model("reports", "Assignment")
    NewsItem = current_apps.get_model("portal", "NewsItem")
    AuditEvent = current_apps.get_model("audit", "AuditEvent")
    assert Assignment.objects.count() == before + 1
    moved = Assignment.objects.get(pk=written.pk)
    assert (moved.unit.code, moved.state, moved.events.get().step) == ("xa-moi", "draft", "save")
    assert NewsItem.objects.get(pk=news.pk).title == "Kết quả"
    # Permissions and the administration's log name the app the model lives in now.
    assert ContentType.objects.filter(app_label="reports", model="assignment").exists()
    assert not ContentType.objects.filter(app_label="campaigns", model="assignment").exists()
    assert AuditEvent.objects.filter(
        object_type="reports.assignment", object_id=str(written.pk)
    ).exists()
    # The outbox's messages moved from reminders the same way.
    assert ContentType.objects.filter(app_label="outbox", model="message").exists()
    assert current_apps.get_model("outbox", "Message").objects.count() == sent
