"""The exchange endpoint and outbox in one install: MACs, message ids taken once, status
messages kept as the sent document's trail, and what is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.documents.test_exchange_import import OURS, SO, _directive
from tonghop.campaigns.actions import CampaignSpec, close_campaign
from tonghop.compilation.actions import request_compilation
from tonghop.dispatch.edxml import (
    ICT,
    Attachment,
    Business,
    BusinessType,
    EdxmlStatus,
    Organ,
    ResponseFor,
    TraceHeader,
    build_package,
    build_status,
    parse_status,
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
    # Compiling the answer is "processing" (05), said once however often it is compiled.
    request_compilation(partnered.lan, campaign)
    request_compilation(partnered.lan, campaign)
    close_campaign(partnered.lan, campaign.pk)
    codes = list(
        ExchangeMessage.objects.filter(direction=Direction.OUTGOING, document=directive)
        .order_by("pk")
        .values_list("status_code", flat=True)
    )
    # Arrived, accepted (registered), assigned, being handled (compiled), done.
    assert codes == ["01", "03", "04", "05", "06"]
    processing = parse_status(ExchangeMessage.objects.get(status_code="05").payload.read())
    assert processing.response_for.document_id == directive.exchange_id


def test_a_refused_package_is_answered_02_with_the_reason(partnered: World) -> None:
    elsewhere = _directive(receivers=(Organ(organ_id=OURS), Organ(organ_id="000.00.99.H99")))
    bad = dataclasses.replace(
        elsewhere,
        attachments=(Attachment("542.pdf", "application/pdf", b"MZ\x90\x00 not a pdf", "x"),),
    )
    response = _deliver(build_package(bad), "r0000001")
    assert response.status_code == 422
    reason = response.json()["reason"]
    assert "542.pdf" in reason
    refused = ExchangeMessage.objects.get(direction=Direction.INCOMING, message_id="r0000001")
    assert refused.state == MessageState.REFUSED and refused.error == reason
    answer = ExchangeMessage.objects.get(direction=Direction.OUTGOING)
    assert (answer.status_code, answer.partner) == ("02", SO)
    status = parse_status(answer.payload.read())
    assert status.status_code == "02" and reason in status.description
    assert status.response_for.document_id == bad.document_id
    # The same message again: the same refusal, still nothing registered, no second answer.
    again = _deliver(build_package(bad), "r0000001")
    assert again.status_code == 422 and again.json()["reason"] == reason
    assert ExchangeMessage.objects.filter(direction=Direction.OUTGOING).count() == 1
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()


def test_a_refusal_02_is_shown_on_the_document_we_sent(partnered: World) -> None:
    sent = Document.objects.create(
        office=partnered.office,
        direction=Direction.OUTGOING,
        status=IntakeStatus.REGISTERED,
        number="02",
        symbol="BC-VHKHTT",
        issued_on=dt.date(2026, 12, 6),
        subject="Báo cáo",
    )
    status = EdxmlStatus(
        sender=Organ(organ_id=SO, organ_name="Sở"),
        response_for=ResponseFor(OURS, "02/BC-VHKHTT", dt.date(2026, 12, 6), "x"),
        status_code="02",
        description="Từ chối tiếp nhận: thiếu phụ lục",
        timestamp=dt.datetime(2026, 12, 7, 9, 0, tzinfo=ICT),
    )
    assert _deliver(build_status(status), "s0000009").json()["status"] == "status"
    page = partnered.client_for(partnered.lan).get(reverse("documents:detail", args=[sent.uid]))
    assert "02 · Từ chối tiếp nhận: thiếu phụ lục" in page.content.decode()


def _failed_delivery(world: World) -> ExchangeMessage:
    sent = Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        status=IntakeStatus.REGISTERED,
        number="03",
        symbol="BC-VHKHTT",
        issued_on=dt.date(2026, 12, 6),
        subject="Báo cáo gửi Sở",
    )
    message = channel.queue_package(sent, b"<edXML/>", SO)
    # Port 9 (discard) refuses the connection: a real failed delivery.
    return channel.deliver(message.pk)


def test_the_exchange_page_shows_both_directions_and_retries_a_failure(
    partnered: World,
) -> None:
    failed = _failed_delivery(partnered)
    assert failed.state == MessageState.FAILED and failed.next_attempt_at is not None
    channel.take_in(partnered.lan, partnered.office, build_package(_directive()))
    client = partnered.client_for(partnered.hang)
    # Linked from the registers.
    register = client.get(reverse("documents:list")).content.decode()
    assert reverse("documents:exchange") in register
    page = client.get(reverse("documents:exchange"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "exchange-failed" in body and "exchange-taken" in body and "exchange-queued" in body
    assert reverse("documents:exchange-retry", args=[failed.pk]) in body
    only_failed = client.get(reverse("documents:exchange"), {"state": "failed"}).content.decode()
    assert "exchange-taken" not in only_failed and "exchange-failed" in only_failed
    retry_url = reverse("documents:exchange-retry", args=[failed.pk])
    # A page drawn from an older version is refused, nothing changes.
    stale = client.post(retry_url, {"version": failed.version - 1}, follow=True)
    assert "thay đổi" in stale.content.decode()
    failed.refresh_from_db()
    assert failed.state == MessageState.FAILED
    response = client.post(retry_url, {"version": failed.version})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == MessageState.QUEUED and failed.error == ""
    assert failed.next_attempt_at is not None and failed.next_attempt_at <= dt.datetime.now(
        tz=dt.UTC
    )
    from tonghop.audit.models import AuditEvent

    event = AuditEvent.objects.filter(details__exchange=failed.message_id).latest("pk")
    assert event.details["to"] == "queued" and event.actor_id == partnered.hang.pk
    # Retrying what is not failed is refused with the reason.
    again = client.post(retry_url, {"version": failed.version}, follow=True)
    assert "không thể chuyển trạng thái" in again.content.decode()


def test_reporters_and_other_offices_see_no_exchange_message(partnered: World) -> None:
    failed = _failed_delivery(partnered)
    retry_url = reverse("documents:exchange-retry", args=[failed.pk])
    for person in (partnered.hoa, partnered.nam):
        client = partnered.client_for(person)
        assert client.get(reverse("documents:exchange")).status_code == 404
        assert client.post(retry_url, {"version": failed.version}).status_code == 404
    other = partnered.client_for(partnered.tu)
    page = other.get(reverse("documents:exchange"))
    assert page.status_code == 200 and "exchange-failed" not in page.content.decode()
    assert other.post(retry_url, {"version": failed.version}).status_code == 404
    # Signed out: to the sign-in page.
    assert Client().get(reverse("documents:exchange")).status_code == 302
    failed.refresh_from_db()
    assert failed.state == MessageState.FAILED
    # And the action itself refuses a person without an office role there.
    from tonghop import errors

    with pytest.raises(errors.NotAllowed):
        channel.retry(partnered.tu, failed.pk)


class _Partner(http.server.BaseHTTPRequestHandler):
    """A partner install that answers slowly or with errors, as a real one may."""

    answers: ClassVar[list[tuple[float, int]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        delay, code = self.answers.pop(0)
        time.sleep(delay)
        body = json.dumps({"status": "refused" if code >= 400 else "received"}).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the sender gave up waiting

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def flaky_partner(partnered: World, tmp_path: Path) -> Iterator[World]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (tmp_path / "exchange" / "partners.json").write_text(
        json.dumps(
            [{"organ_id": SO, "url": f"http://127.0.0.1:{server.server_port}", "secret": SECRET}]
        )
    )
    try:
        yield partnered
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_or_erroring_partner_is_retried_and_a_refusal_is_not(
    flaky_partner: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "HTTP_TIMEOUT", 0.5)
    _Partner.answers[:] = [(2.0, 200), (0, 503), (0, 200), (0, 422)]
    message = _failed_delivery(flaky_partner)  # too slow: timed out
    assert message.state == MessageState.FAILED and message.next_attempt_at is not None
    assert "timed out" in message.error
    now = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1)
    message = channel.deliver(message.pk, now)  # 503: the partner is down, try again later
    assert message.state == MessageState.FAILED and "HTTP 503" in message.error
    assert message.next_attempt_at == now + dt.timedelta(seconds=60)
    message = channel.deliver(message.pk, now)  # then it takes it
    assert message.state == MessageState.SENT and message.attempts == 3
    assert message.document is not None
    refused = channel.queue_package(message.document, b"<edXML/>", SO)
    refused = channel.deliver(refused.pk, now)  # 422: refused, not tried again by itself
    assert refused.state == MessageState.FAILED and refused.next_attempt_at is None
    assert "HTTP 422" in refused.error
    assert channel.send_due(now + dt.timedelta(days=1)) == []
