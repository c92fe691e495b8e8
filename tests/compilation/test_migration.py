"""The migration that gives compilations their state keeps what existing rows meant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.conftest import World

BEFORE = [("compilation", "0002_initial")]
AFTER = [("compilation", "0003_compilation_workflow_state")]


def _migrate(target: list[tuple[str, str]]) -> Any:
    """Migrate the compilation app to `target`; the models of every app as they are then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] != "compilation"]
    return loader.project_state([*others, *target]).apps


@pytest.fixture
def world_back_then(world_tx: World) -> Iterator[World]:
    """The world, with every app migrated forward again afterwards: the next tests need all."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    yield world_tx
    MigrationExecutor(connection).migrate(leaves)


def test_existing_compilations_keep_their_meaning(world_back_then: World) -> None:
    world = world_back_then
    old = _migrate(BEFORE)
    Compilation = old.get_model("compilation", "Compilation")
    Document = old.get_model("documents", "Document")
    office = old.get_model("orgs", "Unit").objects.get(pk=world.office.pk)

    def outgoing(number: int) -> object:
        return Document.objects.create(
            office=office,
            direction="out",
            status="registered",
            register_year=2026,
            register_number=number,
        )

    now = timezone.now()
    rows = {
        "queued": Compilation.objects.create(campaign_id=world.campaign.pk, status="queued"),
        "failed": Compilation.objects.create(campaign_id=world.campaign.pk, status="failed"),
        "done": Compilation.objects.create(campaign_id=world.campaign.pk, status="done"),
        "issued": Compilation.objects.create(
            campaign_id=world.campaign.pk,
            status="done",
            document=outgoing(1),
            issued_at=now - dt.timedelta(days=2),
        ),
        # The old code let the same campaign be issued twice, and send the second.
        "issued again": Compilation.objects.create(
            campaign_id=world.campaign.pk,
            status="done",
            document=outgoing(2),
            issued_at=now - dt.timedelta(days=1),
            emailed_at=now,
            emailed_to="so@example.vn",
        ),
    }
    new = _migrate(AFTER)
    Migrated = new.get_model("compilation", "Compilation")
    found = {name: Migrated.objects.get(pk=row.pk) for name, row in rows.items()}
    assert {name: row.state for name, row in found.items()} == {
        "queued": "drafting",
        "failed": "drafting",
        "done": "ready",
        "issued": "issued",
        "issued again": "sent",
    }
    assert [found["issued"].correction, found["issued again"].correction] == [False, True]
    assert found["issued again"].correction_reason
    assert found["issued again"].status == "done" and found["issued again"].document_id
