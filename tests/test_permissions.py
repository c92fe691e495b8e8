"""Who gets in where: every named URL of the project × every kind of person.

The table below has one row per URL name; `test_the_table_covers_every_url` fails when a view
is added without its row. Each row says how to build the URL from the World of conftest.py, which
methods the view takes, who is let in, and (for POST) whose request may change anything.

People: anonymous; `cu`, a former reporter of An Phú whose account was disabled (a revoked
access); Hoa whose session has expired; Hoa (reporter of An Phú, whose report the URLs name);
Nam (reporter of Bình Minh); Lan (specialist) and Thạch (head) of the office; Tú (specialist of
another office). There is no access by link (token) yet: when one comes, add an expired and a
revoked link here.

Refused is 404 for a signed-in person, a redirect to the sign-in page for the signed-out ones,
405 for a method the view does not take; allowed is any other answer below 500 except 403. A
refused POST must leave every table of tonghop as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import World

ANON, REVOKED, EXPIRED = "anonymous", "cu", "hoa-het-han"
HOA, NAM, LAN, THACH, TU = "hoa", "nam", "lan", "thach", "tu"
PEOPLE = (ANON, REVOKED, EXPIRED, HOA, NAM, LAN, THACH, TU)
SIGNED_OUT = (ANON, REVOKED, EXPIRED)
SIGNED_IN = frozenset({HOA, NAM, LAN, THACH, TU})
OFFICE = frozenset({LAN, THACH})
EVERYONE = frozenset(PEOPLE)
NOBODY: frozenset[str] = frozenset()


class Extra:
    """The objects the URLs name, besides the World: a submitted report of An Phú, a
    compilation with its files, a registered document with its file, a published news item,
    a notification for Hoa."""

    def __init__(self, world: World) -> None:
        from tonghop.compilation.models import Compilation, CompilationStatus, NewsItem
        from tonghop.documents.models import Direction, Document
        from tonghop.orgs.models import Membership, Role, User
        from tonghop.reminders.models import Notification
        from tonghop.reports import actions

        actions.save_report(
            world.hoa,
            world.a_an_phu.pk,
            {"pano": 12, "luot_nguoi": 300, "ty_le": "2,5", "khau_hieu": "Sáng tạo"},
            "Đã treo pano.",
            expected_version=0,
            submit=True,
        )
        self.compilation = Compilation.objects.create(
            campaign=world.campaign, created_by=world.lan, status=CompilationStatus.DONE
        )
        self.compilation.docx.save("report.docx", ContentFile(b"PK docx"), save=False)
        self.compilation.pdf.save("report.pdf", ContentFile(b"%PDF-1.7"), save=True)
        self.document = Document.objects.create(
            office=world.office,
            direction=Direction.INCOMING,
            number="12",
            symbol="UBND",
            subject="Về việc báo cáo",
            original_name="cv.txt",
        )
        self.document.file.save("cv.txt", ContentFile(b"cong van"), save=True)
        self.news = NewsItem.objects.create(
            office=world.office,
            compilation=self.compilation,
            title="Kết quả",
            summary="Tóm tắt",
            published_at=timezone.now() - dt.timedelta(hours=1),
        )
        self.notification = Notification.objects.create(user=world.hoa, text="Nhắc báo cáo")
        self.revoked = User.objects.create_user(username="cu", password="x", is_active=False)
        Membership.objects.create(user=self.revoked, unit=world.an_phu, role=Role.REPORTER)


Build = Callable[[World, Extra], dict[str, Any]]


def _none(world: World, extra: Extra) -> dict[str, Any]:
    return {}


def _slug(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug}


def _compilation(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug, "uid": extra.compilation.uid}


@dataclass(frozen=True)
class Row:
    kwargs: Build = _none
    get: frozenset[str] = NOBODY  # who may GET; None of the others
    post: frozenset[str] | None = None  # who may POST, when the view takes POST
    changes: frozenset[str] | None = None  # whose POST may change data (default: post)
    data: Build = _none  # the POST a refused person tries
    get_only_post: bool = False  # a POST-only view: GET is 405 for everyone signed in
    public: bool = False  # anonymous people are let in
    # A page open to more people than the office: what only `sees` may find on it.
    secret: Callable[[World, Extra], str] | None = None
    sees: frozenset[str] = OFFICE
    xfail: str = ""


def _review_step(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug, "pk": world.a_an_phu.pk, "step": "accept"}


def _version(world: World, extra: Extra) -> dict[str, Any]:
    world.a_an_phu.refresh_from_db()
    return {"version": world.a_an_phu.version, "comment": "Sửa lại số liệu"}


def _report(world: World, extra: Extra) -> dict[str, Any]:
    return {"pano": "1", "luot_nguoi": "2", "narrative": "ghi đè", "version": "1", "action": "save"}


def _campaign_new(world: World, extra: Extra) -> dict[str, Any]:
    return {
        "office": world.office.pk,
        "title": "Đợt mới",
        "slug": "dot-moi",
        "due_date": "2031-01-31",
        "due_time": "17:00",
        "unit_kinds": ["commune"],
        "preset": "narrative",
    }


def _upload(world: World, extra: Extra) -> dict[str, Any]:
    return {
        "office": world.office.pk,
        "file": SimpleUploadedFile("cv.txt", "Số: 1/UBND\nV/v thử".encode()),
    }


def _register(world: World, extra: Extra) -> dict[str, Any]:
    return {"number": "99", "symbol": "GHI-DE", "subject": "ghi đè", "issuer": "X"}


def _policy(world: World, extra: Extra) -> dict[str, Any]:
    return {"offsets": "-1, 0", "repeat_every_days": "1", "send_hour": "9"}


ROWS: dict[str, Row] = {
    # Public pages.
    "health": Row(get=EVERYONE, public=True),
    "login": Row(get=EVERYONE, post=EVERYONE, public=True, data=lambda w, e: {"username": "x"}),
    "logout": Row(post=EVERYONE, public=True, get_only_post=True),
    "set_language": Row(
        get=EVERYONE, post=EVERYONE, public=True, data=lambda w, e: {"language": "en"}
    ),
    "news:list": Row(get=EVERYONE, public=True),
    "news:feed": Row(get=EVERYONE, public=True),
    "news:item": Row(lambda w, e: {"uid": e.news.uid}, get=EVERYONE, public=True),
    # Anyone signed in: pages that start from the person and show only their own things.
    "home": Row(get=SIGNED_IN),
    "reports:mine": Row(get=SIGNED_IN, secret=lambda w, e: w.an_phu.name, sees=frozenset({HOA})),
    "campaigns:list": Row(get=SIGNED_IN, secret=lambda w, e: w.campaign.title),
    "reminders:notifications": Row(
        get=SIGNED_IN, secret=lambda w, e: e.notification.text, sees=frozenset({HOA})
    ),
    "reminders:notifications-read-all": Row(
        post=SIGNED_IN, changes=frozenset({HOA}), get_only_post=True
    ),
    "reminders:notification-read": Row(
        lambda w, e: {"pk": e.notification.pk}, post=frozenset({HOA}), get_only_post=True
    ),
    "verify": Row(
        get=SIGNED_IN,
        post=SIGNED_IN,
        changes=NOBODY,
        data=lambda w, e: {"file": SimpleUploadedFile("a.pdf", b"not a pdf")},
    ),
    # The unit's own report.
    "reports:form": Row(
        lambda w, e: {"pk": w.a_an_phu.pk},
        get=frozenset({HOA}),
        post=frozenset({HOA}),
        data=_report,
    ),
    # The office's pages; another office's specialist reaches only his own office's.
    "campaigns:new": Row(
        get=OFFICE | {TU},
        post=OFFICE | {TU},
        changes=OFFICE,
        data=_campaign_new,
    ),
    "campaigns:detail": Row(_slug, get=OFFICE),
    "campaigns:missing": Row(_slug, get=OFFICE),
    "campaigns:export": Row(lambda w, e: {**_slug(w, e), "fmt": "xlsx"}, get=OFFICE),
    "campaigns:review": Row(
        lambda w, e: {"slug": w.campaign.slug, "pk": w.a_an_phu.pk}, get=OFFICE
    ),
    "campaigns:review-step": Row(_review_step, post=OFFICE, data=_version, get_only_post=True),
    "campaigns:extend": Row(
        lambda w, e: {"slug": w.campaign.slug, "pk": w.a_an_phu.pk},
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {**_version(w, e), "due_at": "2031-01-01T17:00", "reason": "Mưa bão"},
    ),
    "unit-duties": Row(lambda w, e: {"code": w.an_phu.code}, get=OFFICE),
    "compilation:start": Row(_slug, post=OFFICE, get_only_post=True),
    "compilation:detail": Row(_compilation, get=OFFICE),
    "compilation:download": Row(_compilation, get=OFFICE),
    "compilation:download-kind": Row(
        lambda w, e: {**_compilation(w, e), "kind": "pdf"}, get=OFFICE
    ),
    "compilation:words": Row(
        _compilation,
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"assessment": "ghi đè", "proposals": "ghi đè"},
    ),
    "compilation:issue": Row(
        _compilation, post=OFFICE, get_only_post=True, data=lambda w, e: {"passphrase": "x"}
    ),
    "compilation:email": Row(
        _compilation, post=OFFICE, get_only_post=True, data=lambda w, e: {"to": "so@example.vn"}
    ),
    "compilation:news": Row(
        _compilation,
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"title": "Ghi đè", "summary": "Ghi đè", "publish": "on"},
    ),
    "documents:list": Row(get=OFFICE | {TU}, secret=lambda w, e: e.document.subject),
    "documents:upload": Row(
        get=OFFICE | {TU},
        post=OFFICE | {TU},
        changes=OFFICE,
        data=_upload,
    ),
    "documents:import-edxml": Row(
        get=OFFICE | {TU}, post=OFFICE | {TU}, changes=OFFICE, data=_upload
    ),
    "documents:detail": Row(
        lambda w, e: {"uid": e.document.uid}, get=OFFICE, post=OFFICE, data=_register
    ),
    "documents:original": Row(lambda w, e: {"uid": e.document.uid}, get=OFFICE),
    "reminders:campaign": Row(_slug, get=OFFICE),
    "reminders:policy": Row(_slug, post=OFFICE, get_only_post=True, data=_policy),
    "reminders:policy-state": Row(
        lambda w, e: {"slug": w.campaign.slug, "action": "stop"}, post=OFFICE, get_only_post=True
    ),
    "reminders:remind": Row(
        _slug,
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"assignment": [w.a_binh_minh.pk]},
    ),
    "reminders:digest": Row(_slug, post=OFFICE, get_only_post=True),
    # The audit log: administrators only (nobody in this World).
    "audit:events": Row(get=NOBODY),
}


def _url_names(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.namespace == "admin":
                continue  # Django's admin has its own permission system and tests
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _url_names(pattern.url_patterns, namespace)
        else:
            assert isinstance(pattern, URLPattern)
            # An unnamed pattern could never get a row: every view must have a name.
            assert pattern.name, f"unnamed URL pattern {pattern.pattern} ({prefix})"
            yield prefix + pattern.name


def test_the_table_covers_every_url() -> None:
    names = set(_url_names(get_resolver().url_patterns))
    assert sorted(names - set(ROWS)) == [], "add a row to ROWS for each new view"
    assert sorted(set(ROWS) - names) == [], "remove the rows of views that are gone"


def _fingerprint() -> dict[str, list[dict[str, Any]]]:
    """Every row of every tonghop table (the audit log excepted: it records refusals)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("tonghop.") or config.label == "audit":
            continue
        for model in config.get_models():
            rows = [
                {key: str(value) for key, value in model_to_dict(obj).items()}
                for obj in model._default_manager.order_by("pk")
            ]
            found[model._meta.label] = rows
    for user in found.get("orgs.User", []):
        user.pop("last_login", None)
    return found


@pytest.fixture
def extra(world: World, settings: Any) -> Extra:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return Extra(world)


def _client(world: World, extra: Extra, person: str) -> Client:
    if person == ANON:
        return Client()
    user = extra.revoked if person == REVOKED else world.hoa if person == EXPIRED else None
    user = user or getattr(world, person)
    client = Client()
    client.force_login(user)
    if person == EXPIRED:
        session = client.session
        session.set_expiry(timezone.now() - dt.timedelta(seconds=1))
        session.save()
    return client


def _outcome(row: Row, response: Any) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith(reverse("login")):
        # Signing out sends everyone to the sign-in page: that is the public page working.
        return "allowed" if row.public else "login"
    if response.status_code == 404:
        return "refused"
    if response.status_code == 405:
        return "405"
    if response.status_code < 500 and response.status_code != 403:
        return "allowed"
    return f"error {response.status_code}"


def _expected(row: Row, person: str, allowed: frozenset[str]) -> str:
    if person in allowed and (row.public or person not in SIGNED_OUT):
        return "allowed"
    if person in SIGNED_OUT and not row.public:
        return "login"
    return "refused"


def _cases() -> Iterator[Any]:
    for name, row in sorted(ROWS.items()):
        marks = [pytest.mark.xfail(strict=True, reason=row.xfail)] if row.xfail else []
        yield pytest.param(name, "get", id=f"{name}-GET", marks=marks)
        if row.post is not None:
            yield pytest.param(name, "post", id=f"{name}-POST", marks=marks)


@pytest.mark.parametrize(("name", "method"), list(_cases()))
def test_who_gets_in(world: World, extra: Extra, name: str, method: str) -> None:
    row = ROWS[name]
    url = reverse(name, kwargs=row.kwargs(world, extra))
    wrong: list[str] = []
    if method == "get":
        for person in PEOPLE:
            if row.get_only_post and (person in SIGNED_IN or row.public):
                expected = "405"
            else:
                expected = _expected(row, person, row.get)
            response = _client(world, extra, person).get(url)
            got = _outcome(row, response)
            if got != expected:
                wrong.append(f"{person}: {got}, expected {expected}")
            elif row.secret and response.status_code == 200:
                # Those who may see it do (so the check means something); the others do not.
                secret = row.secret(world, extra)
                if (secret in response.content.decode()) != (person in row.sees):
                    wrong.append(f"{person}: sees “{secret}”: {person not in row.sees}")
        assert not wrong, f"GET {url}: " + "; ".join(wrong)
        return
    assert row.post is not None
    changes = row.post if row.changes is None else row.changes
    # Those who may change nothing go first, each checked against the data as it was.
    for person in sorted(PEOPLE, key=lambda p: p in changes):
        before = _fingerprint() if person not in changes else None
        expected = _expected(row, person, row.post)
        got = _outcome(row, _client(world, extra, person).post(url, row.data(world, extra)))
        if got != expected:
            wrong.append(f"{person}: {got}, expected {expected}")
        if before is not None and _fingerprint() != before:
            wrong.append(f"{person}: changed data")
    assert not wrong, f"POST {url}: " + "; ".join(wrong)
