"""Who reads what through the API: every operation × every kind of token, generated so that a
new operation cannot be added without its row (as tests/test_permissions.py does for pages).

Tokens: none; Lan's revoked and expired ones; the token of `cu`, whose account was disabled;
and the tokens of Hoa (reporter of An Phú), Nam (reporter of Bình Minh), Lan and Thạch (the
office) and Tú (another office). Each URL names An Phú's campaign or assignment, whose report is
in: a refusal is 401 (no good token) or 404 (not theirs), and An Phú's narrative appears in no
refused answer. The one write (PUT of An Phú's report) is tried by everyone: only Hoa reaches the
action, and nobody else changes anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import World
from tonghop.api import tokens
from tonghop.api.models import ApiToken
from tonghop.orgs.models import Membership, Role, User
from tonghop.reports import actions
from tonghop.reports.models import Report

NONE, REVOKED, EXPIRED, DISABLED = "no token", "revoked", "expired", "disabled account"
HOA, NAM, LAN, THACH, TU = "hoa", "nam", "lan", "thach", "tu"
PEOPLE = (NONE, REVOKED, EXPIRED, DISABLED, HOA, NAM, LAN, THACH, TU)
OFFICE = frozenset({LAN, THACH})
SECRET = "Bản tường thuật riêng của An Phú"


@dataclass(frozen=True)
class Row:
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    allowed: frozenset[str] = frozenset()
    public: bool = False  # no token needed
    sees_secret: frozenset[str] = frozenset()  # whose answer holds An Phú's narrative
    # A write (PUT of a draft): allowed is an answer of the action (409 here: An Phú's report is
    # already submitted); everyone else is refused and changes nothing.
    write: bool = False


def _slug(world: World) -> dict[str, Any]:
    return {"slug": world.campaign.slug}


ROWS: dict[str, Row] = {
    "api:openapi-json": Row(public=True),
    # Ninja's root: no page (the documentation page is off); 404 for everyone.
    "api:api-root": Row(public=True, allowed=frozenset()),
    "api:me": Row(allowed=frozenset({HOA, NAM, LAN, THACH, TU})),
    "api:campaigns": Row(allowed=frozenset({HOA, NAM, LAN, THACH, TU})),
    "api:campaign": Row(kwargs=_slug, allowed=OFFICE | {HOA, NAM}),
    "api:campaign-assignments": Row(kwargs=_slug, allowed=OFFICE, sees_secret=OFFICE),
    "api:assignments": Row(
        allowed=frozenset({HOA, NAM, LAN, THACH, TU}), sees_secret=OFFICE | {HOA}
    ),
    "api:report": Row(
        kwargs=lambda w: {"assignment_id": w.a_an_phu.pk}, allowed=frozenset({HOA}), write=True
    ),
    "api:assignment": Row(
        kwargs=lambda w: {"assignment_id": w.a_an_phu.pk},
        allowed=OFFICE | {HOA},
        sees_secret=OFFICE | {HOA},
    ),
}


def _names() -> set[str]:
    found = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            for inner in pattern.url_patterns:
                assert isinstance(inner, URLPattern) and inner.name
                found.add(f"api:{inner.name}")
    return found


def test_the_table_covers_every_operation() -> None:
    names = _names()
    assert sorted(names - set(ROWS)) == [], "add a row to ROWS for each new API operation"
    assert sorted(set(ROWS) - names) == [], "remove the rows of operations that are gone"


def _state(world: World) -> tuple[object, ...]:
    world.a_an_phu.refresh_from_db()
    report = Report.objects.get(assignment=world.a_an_phu)
    return world.a_an_phu.version, world.a_an_phu.state, report.values, report.narrative


@pytest.fixture
def holders(world: World) -> dict[str, str]:
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 3}, SECRET, expected_version=0, submit=True
    )
    held = {
        name: tokens.issue_token(getattr(world, name), "x")[1]
        for name in (HOA, NAM, LAN, THACH, TU)
    }
    revoked, held[REVOKED] = tokens.issue_token(world.lan, "thu hồi")
    tokens.revoke_token(world.lan, revoked.pk)
    expired, held[EXPIRED] = tokens.issue_token(world.lan, "hết hạn")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    former = User.objects.create_user("cu", password=None)
    Membership.objects.create(user=former, unit=world.an_phu, role=Role.REPORTER)
    held[DISABLED] = tokens.issue_token(former, "cũ")[1]
    User.objects.filter(pk=former.pk).update(is_active=False)
    return held


@pytest.mark.parametrize("name", sorted(ROWS))
def test_who_reads_what(world: World, holders: dict[str, str], name: str) -> None:
    row = ROWS[name]
    url = reverse(name, kwargs=row.kwargs(world))
    wrong = []
    for person in PEOPLE:
        headers = {} if person == NONE else {"Authorization": f"Bearer {holders[person]}"}
        if row.write:
            before = _state(world)
            body = {"values": {"pano": 99}, "narrative": "ghi đè", "version": 1}
            response = Client().put(url, body, content_type="application/json", headers=headers)
            if _state(world) != before:
                wrong.append(f"{person}: changed the report")
        else:
            response = Client().get(url, headers=headers)
        if row.public:
            expected = 200 if name == "api:openapi-json" else 404
        elif person in row.allowed:
            expected = 409 if row.write else 200
        elif person in (NONE, REVOKED, EXPIRED, DISABLED):
            expected = 401
        else:
            expected = 404
        if response.status_code != expected:
            wrong.append(f"{person}: {response.status_code}, expected {expected}")
        if (SECRET in response.content.decode()) != (person in row.sees_secret):
            wrong.append(f"{person}: sees the narrative: {person not in row.sees_secret}")
    assert not wrong, f"GET {url}: " + "; ".join(wrong)
