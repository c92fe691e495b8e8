"""A strict Content Security Policy on every page, and pages that need nothing looser."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.campaigns.test_views import _submit
from tests.conftest import World
from tonghop.compilation.models import Compilation
from tonghop.orgs.models import User

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def _policy(response: object) -> dict[str, str]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
    }


def test_every_response_carries_the_strict_policy(db: None) -> None:
    response = Client().get(reverse("login"))
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_is_told_not_to_inject_its_styles(db: None) -> None:
    body = Client().get(reverse("login")).content.decode()
    assert '<meta name="htmx-config"' in body
    assert '"includeIndicatorStyles":false' in body


def _pages(world: World, admin: User) -> list[tuple[User | None, str]]:
    slug = world.campaign.slug
    _submit(world, world.a_an_phu)
    compilation = Compilation.objects.create(campaign=world.campaign, created_by=world.lan)
    return [
        (None, reverse("login")),
        (None, reverse("news:list")),
        (world.hoa, reverse("reports:mine")),
        (world.hoa, reverse("reports:form", args=[world.a_an_phu.pk])),
        (world.nam, reverse("reports:form", args=[world.a_binh_minh.pk])),
        (world.hoa, reverse("reminders:notifications")),
        (world.lan, reverse("campaigns:list")),
        (world.lan, reverse("campaigns:new")),
        (world.lan, reverse("campaigns:detail", args=[slug])),
        (world.lan, reverse("campaigns:missing", args=[slug])),
        (world.lan, reverse("campaigns:review", args=[slug, world.a_an_phu.pk])),
        (world.lan, reverse("reminders:campaign", args=[slug])),
        (world.lan, reverse("documents:list")),
        (world.lan, reverse("documents:upload")),
        (world.lan, reverse("verify")),
        (world.lan, reverse("unit-duties", args=[world.an_phu.code])),
        (world.thach, reverse("compilation:detail", args=[slug, compilation.uid])),
        (admin, reverse("audit:events")),
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_page_of_the_main_flows_has_inline_script_or_style(
    world: World, admin: User, language: str
) -> None:
    seen = 0
    for person, url in _pages(world, admin):
        client = world.client_for(person) if person else Client()
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not STYLE_ATTRIBUTE.search(body), url
        assert "<style" not in body, url
        assert not re.search(r"\son[a-z]+\s*=", body), url
        seen += 1
    assert seen == 18
    # The chart is drawn with presentation attributes, which the policy allows.
    detail = world.client_for(world.lan).get(
        reverse("campaigns:detail", args=[world.campaign.slug])
    )
    assert "<polyline" in detail.content.decode()


def test_the_admin_pages_need_no_inline_script_or_style(world: World, superuser: User) -> None:
    client = world.client_for(superuser)
    for url in (
        reverse("admin:index"),
        reverse("admin:orgs_user_changelist"),
        reverse("admin:orgs_user_change", args=[world.hoa.pk]),
        reverse("admin:orgs_unit_add"),
    ):
        body = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not STYLE_ATTRIBUTE.search(body), url
