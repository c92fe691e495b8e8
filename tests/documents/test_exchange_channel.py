"""The exchange endpoint and outbox in one install: MACs, message ids taken once, status
messages kept as the sent document's trail, and what is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.documents.test_exchange_import import OURS, SO, _directive
from tonghop.campaigns.actions import CampaignSpec, close_campaign
from tonghop.dispatch.edxml import (
    ICT,
    Business,
    BusinessType,
    EdxmlStatus,
    Organ,
    ResponseFor,
    TraceHeader,
    build_package,
    build_status,
)
from tonghop.documents import channel
from tonghop.documents.actions import register
from tonghop.documents.models import (
    Direction,
    Document,
    ExchangeMessage,
    IntakeStatus,
    MessageState,
)
from tonghop.reports.assigning import create_campaign

SECRET = "bi-mat"


@pytest.fixture
def partnered(world: World, settings: Any, tmp_path: Path) -> World:
    settings.DATA_DIR = tmp_path
    (tmp_path / "exchange").mkdir()
    (tmp_path / "exchange" / "partners.json").write_text(
        json.dumps([{"organ_id": SO, "url": "http://127.0.0.1:9", "secret": SECRET}])
    )
    world.office.organ_id = OURS
    world.office.save()
    return world


def _deliver(body: bytes, message_id: str = "m0000001", secret: str = SECRET) -> Any:
    return Client().post(
        reverse("exchange-receive"),
        body,
        content_type="application/xml",
        headers={
            "X-Tonghop-Message-Id": message_id,
            "X-Tonghop-Sender": SO,
            "X-Tonghop-Mac": channel.mac(secret, message_id, SO, body),
        },
    )


def test_a_package_is_taken_once_and_answered_arrived(partnered: World) -> None:
    body = build_package(_directive())
    first = _deliver(body)
    assert first.status_code == 200 and first.json()["status"] == "received"
    assert _deliver(body).json()["status"] == "duplicate"  # same message id
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    [answer] = ExchangeMessage.objects.filter(direction=Direction.OUTGOING)
    assert (answer.kind, answer.status_code, answer.state) == ("status", "01", "queued")


def test_a_wrong_mac_or_an_unknown_partner_is_refused(partnered: World) -> None:
    body = build_package(_directive())
    assert _deliver(body, secret="sai").status_code == 403
    no_headers = Client().post(reverse("exchange-receive"), body, content_type="application/xml")
    assert no_headers.status_code == 400
    assert not Document.objects.exists()


def test_a_failed_delivery_is_retried_later_with_backoff(partnered: World) -> None:
    document = channel.take_in(
        partnered.lan, partnered.office, build_package(_directive())
    ).document
    [answer] = ExchangeMessage.objects.filter(direction=Direction.OUTGOING)
    now = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    failed = channel.deliver(answer.pk, now)  # nobody listens on port 9
    assert failed.state == MessageState.FAILED and failed.attempts == 1 and failed.error
    assert failed.next_attempt_at == now + dt.timedelta(seconds=30)
    assert channel.send_due(now) == []  # not due yet
    again = channel.deliver(answer.pk, now + dt.timedelta(minutes=1))
    assert again.next_attempt_at == now + dt.timedelta(minutes=1, seconds=60)
    assert document.exchange_messages.count() == 2  # the package in, the answer out


def test_a_status_for_a_document_never_sent_is_refused(partnered: World) -> None:
    status = EdxmlStatus(
        sender=Organ(organ_id=SO),
        response_for=ResponseFor(
            OURS, "99/BC-X", dt.date(2026, 1, 1), f"{OURS},2026/01/01,99/BC-X"
        ),
        status_code="03",
        description="Đã tiếp nhận",
        timestamp=dt.datetime(2026, 1, 2, 9, 0, tzinfo=ICT),
    )
    response = _deliver(build_status(status), "s0000001")
    assert response.status_code == 403
    assert "chưa từng gửi" in response.json()["reason"]


def test_a_status_is_kept_on_the_sent_document(partnered: World) -> None:
    sent = Document.objects.create(
        office=partnered.office,
        direction=Direction.OUTGOING,
        status=IntakeStatus.REGISTERED,
        number="01",
        symbol="BC-VHKHTT",
        issued_on=dt.date(2026, 12, 6),
        subject="Báo cáo",
    )
    status = EdxmlStatus(
        sender=Organ(organ_id=SO, organ_name="Sở"),
        response_for=ResponseFor(OURS, "01/BC-VHKHTT", dt.date(2026, 12, 6), "x"),
        status_code="05",
        description="Đang xử lý văn bản đến",
        timestamp=dt.datetime(2026, 12, 7, 9, 0, tzinfo=ICT),
    )
    assert _deliver(build_status(status), "s0000002").json()["status"] == "status"
    page = partnered.client_for(partnered.lan).get(reverse("documents:detail", args=[sent.uid]))
    body = page.content.decode()
    assert 'id="exchange-trail"' in body and "Đang xử lý văn bản đến" in body


def test_a_revoke_is_answered_and_a_clock_ahead_is_said(partnered: World) -> None:
    ahead = dt.datetime.now(tz=ICT) + dt.timedelta(days=2)
    package = _directive(trace=(TraceHeader(SO, ahead),))
    document = channel.take_in(partnered.lan, partnered.office, build_package(package)).document
    assert "clock-skew" in [f["code"] for f in document.findings]
    revoke = dataclasses.replace(
        package,
        business=Business(
            doc_type=BusinessType.REVOKE, reason="Thu hồi", document_id=document.exchange_id
        ),
    )
    result = channel.take_in(partnered.lan, partnered.office, build_package(revoke))
    assert result.status == "applied"
    codes = list(
        ExchangeMessage.objects.filter(direction=Direction.OUTGOING).values_list(
            "status_code", flat=True
        )
    )
    assert codes == ["01", "15"]


def test_the_sender_hears_when_its_directive_is_assigned_and_done(partnered: World) -> None:
    directive = channel.take_in(
        partnered.lan, partnered.office, build_package(_directive())
    ).document
    # A campaign starts from a registered document only.
    directive = register(partnered.lan, directive.pk, {})
    spec = CampaignSpec(
        slug="tu-van-ban-lien-thong",
        title="Theo công văn 542",
        due_at=dt.datetime(2030, 5, 5, tzinfo=dt.UTC),
    )
    campaign = create_campaign(
        partnered.office,
        spec,
        [partnered.an_phu],
        by=partnered.lan,
        source_document=directive,
    )
    close_campaign(partnered.lan, campaign.pk)
    codes = list(
        ExchangeMessage.objects.filter(direction=Direction.OUTGOING, document=directive)
        .order_by("pk")
        .values_list("status_code", flat=True)
    )
    # Arrived, accepted (registered), assigned, done.
    assert codes == ["01", "03", "04", "06"]
