"""The directive's pages: the office sends and follows receipt; the unit confirms on its form.

The same cast as test_directive.py: An Phú (Hoa), Bình Minh (Nam), the school (Sơn, in the app
only), Cẩm Hà (an address, no account) and Thôn Xa (nothing: the clerk phones it).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import VN, World
from tests.reminders.conftest import Inbox
from tests.reminders.test_actions import AN_PHU
from tests.reminders.test_directive import FILE_NAME, SIGNED_PDF, setup, unit_in_campaign
from tonghop.outbox.models import Message, Notification
from tonghop.reminders import directive
from tonghop.reminders.models import DirectiveDelivery

SLUG = "sang-tao-test"


def _page(name: str) -> str:
    return reverse(f"reminders:{name}", args=[SLUG])


def _confirm(world: World) -> str:
    return reverse("reminders:confirm-receipt", args=[world.a_an_phu.pk])


def _form(world: World) -> str:
    return reverse("reports:form", args=[world.a_an_phu.pk])


def _send_at(world: World, when: dt.datetime) -> None:
    world.campaign.refresh_from_db()
    directive.send_directive(world.campaign, by=world.lan, base_url="https://x.example", now=when)


def _rows(body: str) -> dict[str, str]:
    """unit code → the <tr> of the receipts table."""
    table = body.split('id="receipts"')[1].split("</table>")[0]
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r'<tr data-unit="([^"]+)".*?</tr>', table, re.S)
    }


def _figure(body: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', body)
    assert found, name
    return int(found.group(1))


# -- the office sends ---------------------------------------------------------------------


def test_the_campaign_page_offers_to_send(world: World, inbox: Inbox) -> None:
    setup(world)
    client = world.client_for(world.lan)
    body = client.get(reverse("campaigns:detail", args=[SLUG])).content.decode()
    panel = body.split('id="directive-panel"')[1].split("</div>")[0]
    assert _page("directive") in panel and _page("receipts") in panel
    _send_at(world, timezone.now())
    body = client.get(reverse("campaigns:detail", args=[SLUG])).content.decode()
    panel = body.split('id="directive-panel"')[1].split("</div>")[0]
    # Everyone has it: the send button goes, the receipts stay.
    assert _page("directive") not in panel and _page("receipts") in panel
    assert "5" in panel


def test_the_confirmation_page_counts_and_lists_who_cannot_be_reached(
    world: World, inbox: Inbox
) -> None:
    setup(world)
    response = world.client_for(world.lan).get(_page("directive"))
    assert response.status_code == 200
    body = response.content.decode()
    assert (_figure(body, "email"), _figure(body, "app"), _figure(body, "none")) == (3, 1, 1)
    assert _figure(body, "sent") == 0
    assert f'id="attachment">{FILE_NAME}<' in body
    unreachable = body.split('id="unreachable"')[1].split("</div>")[0]
    assert 'data-unit="xa-thon-xa"' in unreachable and "0912 345 678" in unreachable
    assert 'data-unit="xa-cam-ha"' not in unreachable
    assert 'id="send"' in body
    # Nothing is sent by looking.
    assert not DirectiveDelivery.objects.exists() and inbox.received == []


def test_pressing_send_sends_and_a_second_press_sends_nothing(world: World, inbox: Inbox) -> None:
    setup(world)
    client = world.client_for(world.lan)
    response = client.post(_page("directive"), follow=True)
    assert response.redirect_chain[-1][0] == _page("receipts")
    body = response.content.decode()
    assert "errorlist" not in body or FILE_NAME not in body
    assert DirectiveDelivery.objects.count() == 5
    sent = len(inbox.received)
    assert sent == 4 and len(inbox.to(AN_PHU)) == 1
    # The links in the emails use the site's address (TONGHOP_SITE_URL).
    assert f"https://baocao.example.gov.vn/reports/{world.a_an_phu.pk}/" in inbox.body(
        inbox.to(AN_PHU)[0]
    )
    again = client.post(_page("directive"), follow=True)
    assert again.status_code == 200
    assert len(inbox.received) == sent
    assert DirectiveDelivery.objects.count() == 5
    page = client.get(_page("directive")).content.decode()
    assert 'id="nothing"' in page and 'id="send"' not in page


def test_others_cannot_send(world: World, inbox: Inbox) -> None:
    setup(world)
    for person in (world.hoa, world.nam, world.tu):
        assert world.client_for(person).post(_page("directive")).status_code == 404
        assert world.client_for(person).get(_page("directive")).status_code == 404
    response = Client().post(_page("directive"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not DirectiveDelivery.objects.exists() and not Message.objects.exists()
    assert inbox.received == []


def test_a_missing_file_is_shown_and_nothing_is_sent(world: World, inbox: Inbox) -> None:
    setup(world)
    document = world.campaign.source_document
    assert document is not None
    Path(document.file.path).unlink()
    client = world.client_for(world.lan)
    page = client.get(_page("directive")).content.decode()
    assert 'id="document-problem"' in page and FILE_NAME in page
    assert 'id="send"' not in page
    response = client.post(_page("directive"), follow=True)
    assert response.redirect_chain[-1][0] == _page("directive")
    assert FILE_NAME in response.content.decode()
    assert not DirectiveDelivery.objects.exists() and not Notification.objects.exists()
    assert inbox.received == []


def test_without_a_document_the_page_says_so(world: World, inbox: Inbox) -> None:
    setup(world)
    world.campaign.source_document = None
    world.campaign.save()
    client = world.client_for(world.lan)
    assert 'id="no-document"' in client.get(_page("directive")).content.decode()
    client.post(_page("directive"))
    [mail] = inbox.to(AN_PHU)
    assert list(mail.iter_attachments()) == []


def test_a_closed_campaign_cannot_be_sent(world: World, inbox: Inbox) -> None:
    setup(world)
    world.campaign.status = "closed"
    world.campaign.save()
    client = world.client_for(world.lan)
    page = client.get(_page("directive")).content.decode()
    assert 'id="closed"' in page and 'id="send"' not in page
    assert client.post(_page("directive")).status_code == 302
    assert not DirectiveDelivery.objects.exists() and inbox.received == []


# -- the unit confirms --------------------------------------------------------------------


def test_the_form_page_asks_for_receipt_then_shows_it(world: World, inbox: Inbox) -> None:
    setup(world)
    client = world.client_for(world.hoa)
    before = client.get(_form(world)).content.decode()
    assert 'id="receipt"' not in before  # nothing sent yet: nothing to confirm
    _send_at(world, timezone.now())
    page = client.get(_form(world)).content.decode()
    box = page.split('id="receipt"')[1].split("</div>")[0]
    assert f'action="{_confirm(world)}"' in box
    assert reverse("reminders:directive-document", args=[world.a_an_phu.pk]) in box
    response = client.post(_confirm(world))
    assert response.status_code == 302 and response["Location"] == _form(world)
    delivery = DirectiveDelivery.objects.get(assignment=world.a_an_phu)
    assert delivery.confirmed_by == world.hoa and delivery.confirmed_at is not None
    page = client.get(_form(world)).content.decode()
    confirmed = delivery.confirmed_at.astimezone(VN).strftime("%H:%M %d/%m/%Y")
    shown = page.split('id="receipt-confirmed"')[1].split("</p>")[0]
    assert confirmed in shown
    assert f'action="{_confirm(world)}"' not in page


def test_opening_the_form_is_recorded_once(world: World, inbox: Inbox) -> None:
    setup(world)
    _send_at(world, timezone.now() - dt.timedelta(hours=1))
    client = world.client_for(world.hoa)
    client.get(_form(world))
    first = DirectiveDelivery.objects.get(assignment=world.a_an_phu)
    assert first.first_opened_by == world.hoa and first.first_opened_at is not None
    client.get(_form(world))
    assert DirectiveDelivery.objects.get(pk=first.pk).first_opened_at == first.first_opened_at
    # The office reading the unit's report is not the unit opening it.
    world.client_for(world.lan).get(reverse("campaigns:review", args=[SLUG, world.a_binh_minh.pk]))
    assert DirectiveDelivery.objects.get(assignment=world.a_binh_minh).first_opened_at is None


def test_only_the_units_reporter_confirms(world: World, inbox: Inbox) -> None:
    setup(world)
    _send_at(world, timezone.now())
    for person in (world.nam, world.tu, world.lan):
        assert world.client_for(person).post(_confirm(world)).status_code == 404
    assert world.client_for(world.hoa).get(_confirm(world)).status_code == 405
    response = Client().post(_confirm(world))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not DirectiveDelivery.objects.filter(confirmed_at__isnull=False).exists()
    # A made-up or huge number is a 404, not an error.
    for pk in (0, 10**12):
        url = reverse("reminders:confirm-receipt", args=[pk])
        assert world.client_for(world.hoa).post(url).status_code == 404


def test_confirming_before_it_is_sent_says_so(world: World) -> None:
    response = world.client_for(world.hoa).post(_confirm(world), follow=True)
    assert response.status_code == 200
    assert not DirectiveDelivery.objects.exists()


def test_the_unit_downloads_the_document_as_received(world: World, inbox: Inbox) -> None:
    setup(world)
    url = reverse("reminders:directive-document", args=[world.a_school.pk])
    son = world.a_school.unit.memberships.get().user
    assert world.client_for(son).get(url).status_code == 404  # not sent yet
    _send_at(world, timezone.now())
    response = world.client_for(son).get(url)
    assert response.status_code == 200
    assert response.getvalue() == SIGNED_PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert DirectiveDelivery.objects.get(assignment=world.a_school).first_opened_by == son
    for person in (world.hoa, world.nam, world.tu, world.lan):
        assert world.client_for(person).get(url).status_code == 404


# -- the office follows -------------------------------------------------------------------


def test_the_receipts_page_shows_each_units_state(world: World, inbox: Inbox) -> None:
    _son, cam_ha, _thon_xa = setup(world)
    # Noon, the latest one past: a confirmation a minute after sending stays on the day it was
    # sent, whatever the hour the test runs at (run near midnight, it crossed into the next).
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    if now > timezone.now():
        now -= dt.timedelta(days=1)
    two_days_ago = now - dt.timedelta(days=2)
    _send_at(world, two_days_ago)
    late_unit = unit_in_campaign(world, "xa-moi", "UBND xã Mới", "vanphong@moi.gov.vn")
    # An Phú confirmed the day it was sent; Bình Minh opened it only; Cẩm Hà confirmed
    # a day late; Xã Mới has not been sent it.
    directive.confirm_receipt(
        world.a_an_phu, user=world.hoa, link_id=None, now=two_days_ago + dt.timedelta(minutes=1)
    )
    directive.mark_opened(world.a_binh_minh, world.nam, now=two_days_ago)
    directive.confirm_receipt(cam_ha, user=None, link_id=1, now=now)
    body = world.client_for(world.thach).get(_page("receipts")).content.decode()
    rows = _rows(body)
    assert 'data-state="confirmed"' in rows["xa-an-phu"] and "data-late" not in rows["xa-an-phu"]
    assert "Trần Thị Hoa" in rows["xa-an-phu"]
    assert 'data-state="opened"' in rows["xa-binh-minh"] and "data-late" in rows["xa-binh-minh"]
    assert 'data-state="confirmed"' in rows["xa-cam-ha"] and "data-late" in rows["xa-cam-ha"]
    assert 'data-state="sent"' in rows["thcs-an-phu"] and 'data-email="none"' in rows["thcs-an-phu"]
    assert "data-unreachable" in rows["xa-thon-xa"] and "0912 345 678" in rows["xa-thon-xa"]
    assert 'data-state="not_sent"' in rows[late_unit.unit.code]
    assert 'data-email="delivered"' in rows["xa-an-phu"]
    figures = {
        name: _figure(body, name)
        for name in ("units", "not_sent", "sent", "opened", "confirmed", "late", "failed")
    }
    assert figures == {
        "units": 6,
        "not_sent": 1,
        "sent": 2,  # the school and Thôn Xa: sent, not opened
        "opened": 1,  # Bình Minh: opened, not confirmed
        "confirmed": 2,
        "late": 4,  # Bình Minh, school, Thôn Xa unconfirmed; Cẩm Hà confirmed a day late
        "failed": 0,
    }
    late = _rows(
        world.client_for(world.lan).get(_page("receipts") + "?state=late").content.decode()
    )
    assert set(late) == {"xa-binh-minh", "thcs-an-phu", "xa-thon-xa", "xa-cam-ha"}
    opened = _rows(
        world.client_for(world.lan).get(_page("receipts") + "?state=opened").content.decode()
    )
    assert set(opened) == {"xa-binh-minh"}


def test_sent_today_is_not_late_yet(world: World, inbox: Inbox) -> None:
    setup(world)
    _send_at(world, timezone.now())
    body = world.client_for(world.lan).get(_page("receipts")).content.decode()
    assert _figure(body, "late") == 0 and "data-late" not in body


def test_failed_emails_are_shown(world: World, silent_smtp: int) -> None:
    setup(world)
    now = timezone.now()
    _send_at(world, now)
    from tonghop.reminders.delivery import deliver_queued

    moment = now
    for _tick in range(14):
        moment += dt.timedelta(minutes=30)
        deliver_queued(moment)
    body = world.client_for(world.lan).get(_page("receipts") + "?state=failed").content.decode()
    rows = _rows(body)
    assert set(rows) == {"xa-an-phu", "xa-binh-minh", "xa-cam-ha"}
    assert 'data-email="failed"' in rows["xa-an-phu"] and "timed out" in rows["xa-an-phu"]
    assert _figure(body, "failed") == 3
    # The office may send them again from the campaign's pages.
    assert _page("directive") in body


def test_the_receipts_page_takes_odd_input_and_others_see_nothing(
    world: World, inbox: Inbox
) -> None:
    setup(world)
    _send_at(world, timezone.now())
    client = world.client_for(world.lan)
    for query in ("?state=<script>", "?page=abc", "?page=99999", "?state=" + "x" * 5000):
        response = client.get(_page("receipts") + query)
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("<main")[-1]
    for person in (world.hoa, world.nam, world.tu):
        assert world.client_for(person).get(_page("receipts")).status_code == 404


def test_the_receipts_page_costs_a_constant_number_of_queries(world: World, inbox: Inbox) -> None:
    setup(world)
    _send_at(world, timezone.now())
    client = world.client_for(world.lan)
    client.get(_page("receipts"))  # the session's own first queries
    with CaptureQueriesContext(connection) as few:
        client.get(_page("receipts"))
    for number in range(15):
        unit_in_campaign(world, f"xa-{number}", f"Xã {number}", f"x{number}@example.vn")
    _send_at(world, timezone.now())
    with CaptureQueriesContext(connection) as many:
        client.get(_page("receipts"))
    assert len(many) == len(few)
