"""Through a personal link: the form's autosave and files, and the directive sent to the unit."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.conftest import PHONE_BROWSER, World
from tests.links.conftest import attach_directive_document
from tests.reminders.conftest import Inbox
from tonghop.reminders import directive
from tonghop.reminders.models import DirectiveDelivery
from tonghop.reports.links import actions
from tonghop.reports.links.models import AccessLink
from tonghop.reports.models import Attachment, Report, State


def _png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _token(path: str) -> str:
    return path.removeprefix("/l/").removesuffix("/")


def _issue(world: World, assignment: Any = None) -> tuple[AccessLink, str]:
    return actions.issue_link(assignment or world.a_an_phu, by=world.lan)


def _upload(client: Client, path: str, name: str = "pano.png", content: bytes = b"") -> Any:
    url = reverse("links:upload", args=[_token(path)])
    return client.post(url, {"attachments": SimpleUploadedFile(name, content or _png())})


def test_autosave_through_the_link_keeps_a_draft(world: World) -> None:
    link, path = _issue(world)
    url = reverse("links:autosave", args=[_token(path)])
    response = Client().post(url, {"version": 0, "pano": "3", "narrative": "đang gõ"})
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    body = response.json()
    assert body["ok"] and body["version"] == 1
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.DRAFT
    assert Report.objects.get(assignment=world.a_an_phu).narrative == "đang gõ"
    link.refresh_from_db()
    # Moves the time of last use, but is not counted as an opening.
    assert link.last_used_at is not None and link.use_count == 0
    event = world.a_an_phu.events.get()
    assert event.actor is None and event.details["link"] == link.pk


def test_the_page_points_its_script_at_the_links_own_addresses(world: World) -> None:
    _link, path = _issue(world)
    body = Client().get(path).content.decode()
    token = _token(path)
    assert f'data-autosave-url="/l/{token}/autosave/"' in body
    assert f'data-upload-url="/l/{token}/files/"' in body
    assert "/reports/" not in body


def test_a_dead_link_stops_the_script_with_a_reason(world: World) -> None:
    link, path = _issue(world)
    actions.revoke_link(link, by=world.lan)
    token = _token(path)
    for url in (reverse("links:autosave", args=[token]), reverse("links:upload", args=[token])):
        response = Client().post(url, {"version": 0, "pano": "3"})
        assert response.status_code == 409
        assert response.json()["stale"] is True
        assert response.json()["message"]
    forged = token[:4] + ("x" if token[4] != "x" else "y") + token[5:]
    response = Client().post(reverse("links:autosave", args=[forged]), {"version": 0})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_files_go_up_show_and_come_off_through_the_link(world: World) -> None:
    link, path = _issue(world)
    token = _token(path)
    client = Client()
    response = _upload(client, path)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"]
    attachment = Attachment.objects.get()
    assert attachment.via_link_id == link.pk and attachment.uploaded_by is None
    # The redrawn list links the file under the link, never under the reporter's addresses.
    html = answer["lists"][""]
    file_url = reverse("links:file", args=[token, attachment.pk])
    assert f'href="{file_url}"' in html
    assert f'data-remove-url="{file_url}remove/"' in html
    assert "/reports/" not in html
    # The file and its thumbnail are served to the link's visitor.
    served = client.get(file_url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == _png()  # type: ignore[attr-defined]
    assert served["Content-Security-Policy"] == "sandbox"
    assert served["Referrer-Policy"] == "strict-origin"
    assert client.get(reverse("links:thumb", args=[token, attachment.pk])).status_code == 200
    page = client.get(path).content.decode()
    assert f'href="{file_url}"' in page
    # Removed through the script's address.
    response = client.post(reverse("links:remove-file", args=[token, attachment.pk]))
    assert response.status_code == 200
    assert response.json()["ok"]
    attachment.refresh_from_db()
    assert attachment.removed_at is not None and attachment.removed_by is None


def test_the_form_without_script_takes_files_and_removals(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    response = client.post(
        path,
        {
            "version": 0,
            "action": "save",
            "pano": "2",
            "attachments": SimpleUploadedFile("a.png", _png("blue")),
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    world.a_an_phu.refresh_from_db()
    response = client.post(
        path, {"version": world.a_an_phu.version, "action": "save", "remove": attachment.pk}
    )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None


def test_a_hostile_file_is_refused_through_the_link_too(world: World) -> None:
    _link, path = _issue(world)
    html = b"<html><script>alert(1)</script></html>"
    response = _upload(Client(), path, "pano.png", html)
    assert response.status_code == 400
    assert not response.json()["ok"]
    assert not Attachment.objects.exists()


def test_a_link_reaches_only_its_own_units_files(world: World) -> None:
    _an_phu, an_phu_path = _issue(world)
    _binh_minh, binh_minh_path = _issue(world, world.a_binh_minh)
    client = Client()
    assert _upload(client, binh_minh_path).status_code == 200
    theirs = Attachment.objects.get()
    token = _token(an_phu_path)
    assert client.get(reverse("links:file", args=[token, theirs.pk])).status_code == 404
    assert client.get(reverse("links:thumb", args=[token, theirs.pk])).status_code == 404
    response = client.post(reverse("links:remove-file", args=[token, theirs.pk]))
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.removed_at is None
    # Nor by the reporter's addresses, for a visitor who is not signed in.
    url = reverse("reports:file", args=[world.a_binh_minh.pk, theirs.pk])
    assert client.get(url).status_code == 404


def test_a_file_removed_before_any_submission_is_gone(world: World) -> None:
    _link, path = _issue(world)
    client = Client()
    _upload(client, path)
    attachment = Attachment.objects.get()
    token = _token(path)
    client.post(reverse("links:remove-file", args=[token, attachment.pk]))
    assert client.get(reverse("links:file", args=[token, attachment.pk])).status_code == 404


def test_the_directive_email_carries_a_link_that_opens_the_form(world: World, inbox: Inbox) -> None:
    """The school has no account: the directive reaches it by email (real SMTP) with a
    personal link, which opens its form, confirms receipt and downloads the directive."""
    world.school.email = "thcs-anphu@minhhoa.edu.vn"
    world.school.save()
    content = attach_directive_document(world)
    directive.send_directive(world.campaign, by=world.lan, base_url="http://testserver/")
    [mail] = inbox.to("thcs-anphu@minhhoa.edu.vn")
    found = re.search(r"http://testserver(/l/[^\s/]+/)", inbox.body(mail))
    assert found, inbox.body(mail)
    path = found.group(1)
    # Issued by the system as the email went out, never stored in the message log.
    link = AccessLink.objects.get(assignment=world.a_school)
    assert link.created_by is None
    delivery = DirectiveDelivery.objects.get(assignment=world.a_school)
    assert delivery.link_id == link.pk
    client = Client(headers={"User-Agent": PHONE_BROWSER})
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert world.school.name in body
    token = _token(path)
    confirm_url = reverse("links:confirm-receipt", args=[token])
    assert f'action="{confirm_url}"' in body
    delivery.refresh_from_db()
    assert delivery.first_opened_via_link == link.pk and delivery.first_opened_by is None
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"] == path
    delivery.refresh_from_db()
    assert delivery.confirmed_at is not None
    assert delivery.confirmed_via_link == link.pk and delivery.confirmed_by is None
    document = client.get(reverse("links:directive-document", args=[token]))
    assert document.status_code == 200
    assert b"".join(document.streaming_content) == content  # type: ignore[attr-defined]
    assert document["Referrer-Policy"] == "strict-origin"
    # Units with an account were sent their form, not a link.
    assert not AccessLink.objects.filter(assignment=world.a_an_phu).exists()


def test_no_directive_no_download(world: World) -> None:
    _link, path = _issue(world)
    url = reverse("links:directive-document", args=[_token(path)])
    assert Client().get(url).status_code == 404
    response = Client().post(reverse("links:confirm-receipt", args=[_token(path)]))
    assert response.status_code == 302
    assert not DirectiveDelivery.objects.exists()
