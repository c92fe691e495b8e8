"""The reporter's page and the personal link's page are one page: same form, same refusals in
the same places, only the addresses differ."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import PHONE_BROWSER, World
from tonghop.campaigns.form_models import Indicator
from tonghop.reports.links import actions
from tonghop.reports.models import State

# What the page's form is made of, in order: each field, file input, error list and button.
MARKS = re.compile(
    r'(?:name|id|data-field|data-file-errors|for|data-form-alert|class)(?:="[^"]*")?'
)


def _file_indicator(world: World) -> Indicator:
    return Indicator.objects.create(
        campaign=world.campaign,
        code="anh_pano",
        label="Ảnh chụp pano",
        kind="file",
        aggregation="count",
        required=True,
        order=99,
    )


def _form(body: str) -> str:
    start = body.index('<form method="post" class="report')
    return body[start : body.index("</form>", start)]


def _shape(body: str) -> list[str]:
    form = _form(body)
    form = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form)
    return MARKS.findall(re.sub(r'data-(autosave|upload)-url="[^"]*"', "", form))


def _both(world: World, data: dict[str, Any] | None = None) -> tuple[Any, Any]:
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    reporter = world.client_for(world.hoa)
    visitor = Client(headers={"User-Agent": PHONE_BROWSER})
    own = reverse("reports:form", args=[world.a_an_phu.pk])
    if data is None:
        return reporter.get(own), visitor.get(path)
    return reporter.post(own, data), visitor.post(path, data)


def test_both_routes_render_the_same_form(world: World) -> None:
    _file_indicator(world)
    mine, linked = _both(world)
    assert mine.status_code == linked.status_code == 200
    assert _shape(mine.content.decode()) == _shape(linked.content.decode())
    assert 'id="id_file-anh_pano"' in _form(linked.content.decode())


def test_a_refused_file_field_shows_in_the_same_place_on_both(world: World) -> None:
    indicator = _file_indicator(world)
    data = {"version": 0, "action": "submit", "narrative": "", "pano": "3"}
    mine, linked = _both(world, data)
    assert mine.status_code == linked.status_code == 400
    for response in (mine, linked):
        form = _form(response.content.decode())
        # Beside the field's own file input, not at the top of the form.
        slot = form.index(f'data-field="{indicator.code}"')
        errors = form.index(f'data-file-errors="{indicator.code}"')
        assert slot < errors < form.index('name="narrative"')
        assert "data-form-alert" in form
        assert not re.search(r'<ul class="errorlist">\s*<li>', form[:slot])
    assert _shape(mine.content.decode()) == _shape(linked.content.decode())
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.NOT_STARTED


def test_a_refused_upload_shows_in_the_same_place_on_both(world: World) -> None:
    _file_indicator(world)
    data = {"version": 0, "action": "save", "narrative": "", "pano": "3"}
    _link, path = actions.issue_link(world.a_an_phu, by=world.lan)
    shapes = []
    for client, url in (
        (world.client_for(world.hoa), reverse("reports:form", args=[world.a_an_phu.pk])),
        (Client(headers={"User-Agent": PHONE_BROWSER}), path),
    ):
        upload = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00not a photo")
        response = client.post(url, {**data, "file-anh_pano": upload})
        assert response.status_code == 400
        body = response.content.decode()
        assert "virus.jpg" in body
        shapes.append(_shape(body))
    assert shapes[0] == shapes[1]
