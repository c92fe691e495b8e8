"""`tonghop worker` moves the exchange outbox and inbox too: one worker does all background
work (documents.channel.run_once at each exchange tick, once in --batch)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.conftest import World
from tests.documents.test_exchange_import import OURS, SO, _directive
from tonghop.cli import main as cli_main
from tonghop.dispatch.edxml import build_package
from tonghop.documents import channel
from tonghop.documents.models import (
    Direction,
    Document,
    ExchangeMessage,
    IntakeStatus,
    MessageState,
)
from tonghop.reminders.worker import Ticker, exchange_tick

SECRET = "bi-mat-usb"


def _setup(world: World, settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    usb = tmp_path / "usb"
    (tmp_path / "exchange").mkdir()
    (tmp_path / "exchange" / "partners.json").write_text(
        json.dumps([{"organ_id": SO, "directory": str(usb), "secret": SECRET}])
    )
    world.office.organ_id = OURS
    world.office.save()
    return usb


def _queue_report(world: World) -> ExchangeMessage:
    report = Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        status=IntakeStatus.REGISTERED,
        number="01",
        symbol="BC-VHKHTT",
        issued_on=dt.date(2026, 12, 6),
        subject="Báo cáo",
    )
    return channel.queue_package(report, b"<edXML/>", SO)


def test_the_worker_sends_the_outbox_and_takes_in_the_inbox(
    world_tx: World, settings: Any, tmp_path: Path
) -> None:
    usb = _setup(world_tx, settings, tmp_path)
    queued = _queue_report(world_tx)
    # The Sở drops its directive on the USB stick.
    partner = channel.Partner(organ_id=SO, secret=SECRET, directory=str(usb))
    channel.DirectoryAdapter(partner).send("so000001", SO, build_package(_directive()))
    assert cli_main(["worker", "--batch"]) == 0
    queued.refresh_from_db()
    assert queued.state == MessageState.SENT
    assert (usb / f"{queued.message_id}.edxml").read_bytes() == b"<edXML/>"
    taken = Document.objects.get(direction=Direction.INCOMING)
    assert taken.exchange_id.endswith("542/SKHCN-CN&ĐMST")
    assert (usb / "done" / "so000001.edxml").is_file()
    # The arrival is answered (01) and, at the worker's next pass, sent to the same directory.
    arrived = ExchangeMessage.objects.get(direction=Direction.OUTGOING, status_code="01")
    assert cli_main(["worker", "--batch"]) == 0
    arrived.refresh_from_db()
    assert arrived.state == MessageState.SENT


def test_the_exchange_ticker_repeats_and_outlives_a_broken_partner_list(
    world_tx: World, settings: Any, tmp_path: Path
) -> None:
    _setup(world_tx, settings, tmp_path)
    partners = tmp_path / "exchange" / "partners.json"
    good = partners.read_text()
    partners.write_text("{ not json")
    exchange_tick()  # logged, not raised: the worker goes on
    partners.write_text(good)
    queued = _queue_report(world_tx)
    ticker = Ticker(0.05, exchange_tick, "tonghop-exchange")
    ticker.start()
    try:
        for _attempt in range(100):
            queued.refresh_from_db()
            if queued.state == MessageState.SENT:
                break
            ticker.join(0.05)
    finally:
        ticker.stop()
        ticker.join(5)
    assert queued.state == MessageState.SENT
