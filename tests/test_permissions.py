"""Who gets in where: every named URL of the project × every kind of person.

The table below has one row per URL name; `test_the_table_covers_every_url` fails when a view
is added without its row. Each row says how to build the URL from the World of conftest.py, which
methods the view takes, who is let in, and (for POST) whose request may change anything.

People: anonymous; `cu`, a former reporter of An Phú whose account was disabled (a revoked
access); Hoa whose session has expired; Hoa (reporter of An Phú, whose report the URLs name);
Nam (reporter of Bình Minh); Lan (specialist) and Thạch (head) of the office; Tú (specialist of
another office). Access by personal link (tonghop.reports.links, no account): the link page is
public, the token being the credential, so its row lets everyone in with a live link; a parallel
matrix (`test_who_gets_in_by_link`) tries an expired, a revoked and a forged link as every
person, and `test_a_link_opens_nothing_else` checks that a visitor who used a live link reaches
no other URL.

Refused is 404 for a signed-in person, a redirect to the sign-in page for the signed-out ones,
405 for a method the view does not take; allowed is any other answer below 500 except 403. A
refused POST must leave every table of tonghop as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
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
from tonghop.demo.scenario import demo_seal_png

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
        from tonghop.compilation.models import Compilation, CompilationStatus, IssuedAttachment
        from tonghop.documents.models import Direction, Document
        from tonghop.orgs.models import Membership, Role, User
        from tonghop.outbox.models import Notification
        from tonghop.portal.models import NewsItem
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
        self.compilation.pdf.save("report.pdf", ContentFile(_one_page_pdf()), save=True)
        appendix = IssuedAttachment(compilation=self.compilation, position=0, title="Phụ lục I")
        appendix.file.save(appendix.filename, ContentFile(_one_page_pdf()), save=True)
        self.document = Document.objects.create(
            office=world.office,
            direction=Direction.INCOMING,
            number="12",
            symbol="UBND",
            subject="Về việc báo cáo",
            original_name="cv.txt",
        )
        self.document.file.save("cv.txt", ContentFile(b"cong van"), save=True)
        # A delivery that failed, for the exchange page and its retry button.
        from tonghop.documents.models import (
            ExchangeMessage,
            MessageKind,
            MessageState,
        )

        self.exchange = ExchangeMessage(
            message_id="thu-lai-0001",
            direction=Direction.OUTGOING,
            kind=MessageKind.STATUS,
            office=world.office,
            partner="000.00.77.H99",
            document=self.document,
            state=MessageState.FAILED,
            status_code="03",
            description="Đã tiếp nhận",
            error="Sở Bí Mật không trả lời",
        )
        self.exchange.payload.save("thu-lai-0001.edxml", ContentFile(b"<edXML/>"), save=True)
        self.news = NewsItem.objects.create(
            office=world.office,
            compilation=self.compilation,
            title="Kết quả",
            summary="Tóm tắt",
            published_at=timezone.now() - dt.timedelta(hours=1),
        )
        self.notification = Notification.objects.create(user=world.hoa, text="Nhắc báo cáo")
        from tonghop.api import tokens

        self.api_token, _text = tokens.issue_token(world.lan, "Bảng theo dõi")
        self.revoked = User.objects.create_user(username="cu", password="x", is_active=False)
        Membership.objects.create(user=self.revoked, unit=world.an_phu, role=Role.REPORTER)
        # Personal links: a live one to Bình Minh's form; to the school's (not started, so a
        # save would go through if the link were taken), a revoked one and an expired one.
        from tonghop.reports.links import actions as links
        from tonghop.reports.links.models import AccessLink

        _live, self.link_path = links.issue_link(world.a_binh_minh, by=world.lan)
        revoked, self.revoked_link_path = links.issue_link(world.a_school, by=world.lan)
        links.revoke_link(revoked, by=world.thach)
        expired, self.expired_link_path = links.issue_link(world.a_school, by=world.lan)
        AccessLink.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )


Build = Callable[[World, Extra], dict[str, Any]]


def _none(world: World, extra: Extra) -> dict[str, Any]:
    return {}


def _slug(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug}


def _demo_authority(world: World, extra: Extra) -> dict[str, Any]:
    """The demo authority (and so its revocation list) in the data folder; no URL arguments."""
    from django.conf import settings

    from tonghop.issuing.signing import create_demo_authority

    create_demo_authority(
        Path(settings.TONGHOP_DEMO_ROOT).parent,
        office_name=world.office.name,
        signer_name="Phạm Viết Thạch",
        passphrase="mat-khau",
    )
    return {}


def _compilation(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug, "uid": extra.compilation.uid}


def _one_page_pdf() -> bytes:
    """A real PDF of one blank page: the report's page preview draws it."""
    import io

    import pypdfium2

    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(595, 842).close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


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


def _token(path: str) -> str:
    return path.removeprefix("/l/").removesuffix("/")


def _link_report(assignment: Any) -> dict[str, Any]:
    assignment.refresh_from_db()
    return {
        "pano": "5",
        "narrative": "qua đường dẫn",
        "version": assignment.version,
        "action": "save",
    }


def _attached(assignment: Any) -> int:
    """A photo on the assignment's report (made once), for the addresses of files."""
    from tonghop.reports.models import Attachment, Report

    report, _created = Report.objects.get_or_create(assignment=assignment)
    found = Attachment.objects.filter(report=report).first()
    if found is None:
        found = Attachment(
            report=report,
            original_name="pano.png",
            content_type="image/png",
            size=8,
            sha256="0" * 64,
        )
        found.file.save("pano.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
        found.thumbnail.save("pano.thumb.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
        found.save()
    return found.pk


def _sent(world: World, extra: Extra, assignment: Any) -> None:
    """The campaign's directive is the registered document, and the unit was sent it."""
    from tonghop.reminders.models import DirectiveDelivery

    world.campaign.source_document = extra.document
    world.campaign.save()
    DirectiveDelivery.objects.get_or_create(
        assignment=assignment,
        defaults={"sent_at": timezone.now(), "attachment_name": "cv.txt"},
    )


def _live_link(world: World, extra: Extra) -> dict[str, Any]:
    return {"token": _token(extra.link_path)}


def _live_file(world: World, extra: Extra) -> dict[str, Any]:
    return {"token": _token(extra.link_path), "file_pk": _attached(world.a_binh_minh)}


def _live_directive(world: World, extra: Extra) -> dict[str, Any]:
    _sent(world, extra, world.a_binh_minh)
    return {"token": _token(extra.link_path)}


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


def _directive_sent(world: World, extra: Extra) -> dict[str, Any]:
    """The campaign's directive is the registered document, and An Phú was sent it."""
    from tonghop.reminders.models import DirectiveDelivery

    world.campaign.source_document = extra.document
    world.campaign.save()
    DirectiveDelivery.objects.get_or_create(
        assignment=world.a_an_phu,
        defaults={"sent_at": timezone.now(), "attachment_name": "cv.txt"},
    )
    return {"pk": world.a_an_phu.pk}


def _duty_above(world: World, extra: Extra) -> dict[str, Any]:
    """The office's assignment in a campaign of a Sở above it (made once)."""
    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.orgs.models import Unit, UnitKind
    from tonghop.reports.assigning import create_campaign

    found = getattr(extra, "duty_above", None)
    if found is None:
        so = Unit.objects.create(code="so-khcn", name="Sở KHCN", kind=UnitKind.OFFICE)
        campaign = create_campaign(
            so,
            CampaignSpec(
                slug="so-542",
                title="Đợt của Sở",
                due_at=timezone.now() + dt.timedelta(days=30),
                indicators=(IndicatorSpec("pano", "Pano", "integer", "sum"),),
            ),
            [world.office],
            by=None,
        )
        found = extra.duty_above = campaign.assignments.get()  # type: ignore[attr-defined]
    return {"pk": found.pk}


def _below_data(world: World, extra: Extra) -> dict[str, Any]:
    due = timezone.localtime() + dt.timedelta(days=10)
    return {"slug": "dot-duoi", "title": "Đợt dưới", "due_at": f"{due:%Y-%m-%dT%H:%M}"}


def _directive_above(world: World, extra: Extra) -> dict[str, Any]:
    """A directive received by the office with the form of a Sở's campaign attached
    (tonghop.campaign/1), as a Sở on another install sends it (made once)."""
    from django.core.files.base import ContentFile

    from tonghop.documents.models import Direction, Document, DocumentAttachment
    from tonghop.reports.remote import campaign_attachment

    found = getattr(extra, "directive_above", None)
    if found is None:
        _duty_above(world, extra)
        campaign = extra.duty_above.campaign  # type: ignore[attr-defined]
        campaign.office.organ_id = "000.00.21.H99"
        campaign.office.save()
        attachment = campaign_attachment(campaign)
        found = Document.objects.create(
            office=world.office,
            direction=Direction.INCOMING,
            number="542",
            symbol="SKHCN",
            subject="Đợt của Sở",
            sender_organ_id="000.00.21.H99",
        )
        row = DocumentAttachment(document=found, name=attachment.name, size=len(attachment.data))
        row.declared_type = attachment.content_type
        row.file.save(attachment.name, ContentFile(attachment.data), save=False)
        row.save()
        extra.directive_above = found  # type: ignore[attr-defined]
    return {"pk": found.pk}


def _level_below(world: World, extra: Extra) -> dict[str, Any]:
    """The office's campaign addressed to Tú's office, which answers it with a campaign of
    its own and an issued report (made once): what the office above reads of the one below."""
    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.orgs.models import Role
    from tonghop.reports import levels
    from tonghop.reports.assigning import create_campaign
    from tonghop.reports.models import LevelAnswer, Report, ReportVersion

    found = getattr(extra, "level_duty", None)
    if found is None:
        up = create_campaign(
            world.office,
            CampaignSpec(
                slug="len-tren",
                title="Đợt giao các phòng",
                due_at=timezone.now() + dt.timedelta(days=30),
                indicators=(IndicatorSpec("pano", "Pano", "integer", "sum"),),
            ),
            [world.other_office],
            by=world.lan,
        )
        found = extra.level_duty = up.assignments.get()  # type: ignore[attr-defined]
        below = levels.open_campaign_below(
            world.tu,
            found.pk,
            levels.BelowRequest(slug="dot-cua-tu", due_at=timezone.now() + dt.timedelta(days=9)),
            units=[],
        )
        report = Report.objects.create(assignment=found)
        version = ReportVersion.objects.create(report=report, number=1)
        LevelAnswer.objects.create(
            link=below.level_above,
            compilation_id=0,
            document=extra.document,
            version=version,
        )
        assert world.tu.has_office_role(world.other_office, Role.SPECIALIST)
    return {"slug": "len-tren", "pk": found.pk}


def _an_phu_file(world: World, extra: Extra) -> dict[str, Any]:
    """A photo attached to An Phú's submitted report, with its thumbnail."""
    from tonghop.reports.models import Attachment, Report

    attachment = Attachment.objects.filter(report__assignment=world.a_an_phu).first()
    if attachment is None:
        attachment = Attachment(
            report=Report.objects.get(assignment=world.a_an_phu),
            original_name="pano.jpg",
            content_type="image/jpeg",
            size=4,
            sha256="0" * 64,
        )
        attachment.file.save("pano.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
        attachment.thumbnail.save("pano.thumb.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
        attachment.save()
    return {"pk": world.a_an_phu.pk, "file_pk": attachment.pk}


# The campaign's form (campaigns/form_views.py): a field, a rule and a version to name.
def _form_field(world: World, extra: Extra) -> dict[str, Any]:
    return {"slug": world.campaign.slug, "pk": world.campaign.indicators.get(code="pano").pk}


def _form_rule(world: World, extra: Extra) -> dict[str, Any]:
    from tonghop.campaigns.form_models import FormRule

    rule, _created = FormRule.objects.get_or_create(
        campaign=world.campaign,
        then_indicator=world.campaign.indicators.get(code="luot_nguoi"),
        defaults={
            "if_indicator": world.campaign.indicators.get(code="pano"),
            "if_op": "gt",
            "if_value": 0,
            "then_op": "ge",
            "then_value": 1,
            "message": "Có pano thì phải có người tham gia.",
        },
    )
    return {"slug": world.campaign.slug, "pk": rule.pk}


def _form_version(world: World, extra: Extra) -> dict[str, Any]:
    from tonghop.campaigns.form_models import FormVersion

    FormVersion.objects.get_or_create(campaign=world.campaign, number=1)
    return {"slug": world.campaign.slug, "number": 1}


def _form_field_data(world: World, extra: Extra) -> dict[str, Any]:
    return {"label": "Số buổi ghi đè", "kind": "integer", "aggregation": "sum", "code": "ghi_de"}


def _form_rule_data(world: World, extra: Extra) -> dict[str, Any]:
    return {
        "then_indicator": "ty_le",
        "then_op": "le",
        "then_value": "100",
        "message": "Ghi đè",
    }


# Starting campaigns (campaigns/views.py, unit_views.py): a template of the office and a unit
# list Lan previewed for the campaign (only she may confirm it).
def _form_template(world: World, extra: Extra) -> dict[str, Any]:
    from tonghop.campaigns.form_models import FormTemplate

    template, _created = FormTemplate.objects.get_or_create(
        office=world.office, name="Mẫu biểu Sáng tạo", defaults={"indicators": []}
    )
    return {"pk": template.pk}


def _with_template(world: World, extra: Extra) -> dict[str, Any]:
    _form_template(world, extra)
    return {}


def _unit_list(world: World, extra: Extra) -> dict[str, Any]:
    from tonghop.campaigns.actions import store_unit_import
    from tonghop.campaigns.unit_table import read_table

    table = read_table("Mã đơn vị,Tên đơn vị\nxa-moi,Xã Mới\n".encode(), "ds.csv")
    unit_list, _plan = store_unit_import(
        world.office, table, "ds.csv", by=world.lan, campaign=world.campaign
    )
    return {"slug": world.campaign.slug, "uid": unit_list.uid}


def _unit_list_digest(world: World, extra: Extra) -> dict[str, Any]:
    from tonghop.campaigns.models import UnitImport

    found = UnitImport.objects.filter(campaign=world.campaign).order_by("-pk").first()
    return {"digest": found.digest if found else ""}


ROWS: dict[str, Row] = {
    # Public pages.
    "health": Row(get=EVERYONE, public=True),
    "favicon": Row(get=EVERYONE, public=True),
    "login": Row(get=EVERYONE, post=EVERYONE, public=True, data=lambda w, e: {"username": "x"}),
    "logout": Row(post=EVERYONE, public=True, get_only_post=True),
    # Forgot password and the links that set a password (tonghop.people): open to everyone, a
    # forged link changes nothing, an address without an account gets no email.
    "password-forgot": Row(
        get=EVERYONE,
        post=EVERYONE,
        changes=NOBODY,
        public=True,
        data=lambda w, e: {"email": "nobody@example.vn"},
    ),
    "password-forgot-sent": Row(get=EVERYONE, public=True),
    "password-reset-confirm": Row(
        lambda w, e: {"uidb64": "MQ", "token": "abc-0123456789"},
        get=EVERYONE,
        post=EVERYONE,
        changes=NOBODY,
        public=True,
        data=lambda w, e: {"new_password1": "x-9-long-pass", "new_password2": "x-9-long-pass"},
    ),
    "invitation-accept": Row(
        lambda w, e: {"uidb64": "MQ", "token": "abc-0123456789"},
        get=EVERYONE,
        post=EVERYONE,
        changes=NOBODY,
        public=True,
        data=lambda w, e: {"new_password1": "x-9-long-pass", "new_password2": "x-9-long-pass"},
    ),
    "password-change": Row(
        get=SIGNED_IN,
        post=SIGNED_IN,
        changes=NOBODY,
        data=lambda w, e: {"old_password": "wrong", "new_password1": "a", "new_password2": "a"},
    ),
    # The office's people and setup: its administrator or head (Thạch) only.
    "people:list": Row(
        get=frozenset({THACH}),
        post=frozenset({THACH}),
        data=lambda w, e: {"full_name": "Mai", "email": "mai@x.vn", "role": "specialist"},
    ),
    "people:resend": Row(
        lambda w, e: {"pk": w.hoa.pk}, post=frozenset({THACH}), get_only_post=True
    ),
    "people:active": Row(
        lambda w, e: {"pk": w.hoa.pk},
        post=frozenset({THACH}),
        get_only_post=True,
        data=lambda w, e: {"active": "0"},
    ),
    "people:roles": Row(
        lambda w, e: {"pk": w.lan.pk},
        post=frozenset({THACH}),
        get_only_post=True,
        data=lambda w, e: {"roles": ["head"]},
    ),
    "setup:office": Row(
        get=frozenset({THACH}),
        post=frozenset({THACH}),
        data=lambda w, e: {"save-office": "1", "name": "X", "organ_id": "000.00.11.H53"},
    ),
    "setup:units": Row(
        get=frozenset({THACH}),
        post=frozenset({THACH}),
        data=lambda w, e: {"add-unit": "1", "code": "thon-x", "name": "X", "kind": "other"},
    ),
    "setup:units-export": Row(get=frozenset({THACH})),
    # A unit list that is nobody's: not found for everyone.
    "setup:units-import": Row(
        lambda w, e: {"uid": "00000000-0000-0000-0000-000000000000"}, get=NOBODY, post=NOBODY
    ),
    "setup:unit-change": Row(
        lambda w, e: {"pk": w.an_phu.pk},
        post=frozenset({THACH}),
        get_only_post=True,
        data=lambda w, e: {"step": "rename", "name": "X"},
    ),
    "set_language": Row(
        get=EVERYONE, post=EVERYONE, public=True, data=lambda w, e: {"language": "en"}
    ),
    "news:list": Row(get=EVERYONE, public=True),
    "news:feed": Row(get=EVERYONE, public=True),
    "news:item": Row(lambda w, e: {"uid": e.news.uid}, get=EVERYONE, public=True),
    # Anyone signed in: pages that start from the person and show only their own things.
    "home": Row(get=SIGNED_IN),
    # A person's own account page: their name and units, no one else's.
    "account": Row(get=SIGNED_IN, secret=lambda w, e: w.an_phu.name, sees=frozenset({HOA})),
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
    "signing-images": Row(
        get=OFFICE | {TU},
        post=frozenset({THACH}),
        changes=frozenset({THACH}),
        data=lambda w, e: {
            "target": f"seal-{w.office.pk}",
            "image": SimpleUploadedFile("dau.png", demo_seal_png(), content_type="image/png"),
        },
    ),
    # The demo authority's revocation list is public, as a CA's is.
    "demo-crl": Row(_demo_authority, get=EVERYONE, public=True),
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
    # The report form's autosave and files (reports.attachments, static/tonghop/report-form.js).
    # A file is for the unit's reporters and the office; to anyone else, signed in or not, it
    # does not exist (404, no sign-in page): hence `public`, with only those three let in.
    "reports:autosave": Row(
        lambda w, e: {"pk": w.a_an_phu.pk}, post=frozenset({HOA}), get_only_post=True, data=_report
    ),
    "reports:upload": Row(
        lambda w, e: {"pk": w.a_an_phu.pk},
        post=frozenset({HOA}),
        get_only_post=True,
        data=lambda w, e: {"attachments": SimpleUploadedFile("a.pdf", b"%PDF-1.7 not a pdf")},
    ),
    "reports:file": Row(_an_phu_file, get=OFFICE | {HOA}, public=True),
    "reports:thumb": Row(_an_phu_file, get=OFFICE | {HOA}, public=True),
    "reports:remove-file": Row(_an_phu_file, post=frozenset({HOA}), get_only_post=True),
    # The office's pages; another office's specialist reaches only his own office's.
    "campaigns:new": Row(
        get=OFFICE | {TU},
        post=OFFICE | {TU},
        changes=OFFICE,
        data=_campaign_new,
    ),
    "campaigns:detail": Row(_slug, get=OFFICE),
    # Levels (reports/level_views.py): an office's duties above and its campaign below; the
    # office above reads the one below; Tú, the office below, never reads the page above.
    "campaigns:above": Row(get=SIGNED_IN),
    "campaigns:open-below": Row(
        _duty_above, get=OFFICE, post=OFFICE, changes=OFFICE, data=_below_data
    ),
    "campaigns:open-from-directive": Row(
        _directive_above, get=OFFICE, post=OFFICE, changes=OFFICE, data=_below_data
    ),
    "campaigns:below": Row(_level_below, get=OFFICE),
    # The office's campaign sent to its units on other installs (none is a partner here: the
    # office's POST is answered with the refusal and queues nothing).
    "campaigns:send-campaign": Row(
        _slug,
        post=OFFICE,
        get_only_post=True,
        changes=NOBODY,
        data=lambda w, e: {"directive": e.document.pk},
    ),
    "campaigns:answer-pdf": Row(_level_below, get=OFFICE),
    "campaigns:missing": Row(_slug, get=OFFICE),
    "campaigns:change-status": Row(
        lambda w, e: {"slug": w.campaign.slug, "step": "close"}, post=OFFICE, get_only_post=True
    ),
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
    "compilation:submit": Row(_compilation, post=OFFICE, get_only_post=True),
    "compilation:return": Row(
        _compilation, post=OFFICE, get_only_post=True, data=lambda w, e: {"comment": "Sửa lại"}
    ),
    "compilation:sign": Row(
        _compilation, post=OFFICE, get_only_post=True, data=lambda w, e: {"passphrase": "x"}
    ),
    "compilation:issue": Row(
        _compilation, post=OFFICE, get_only_post=True, data=lambda w, e: {"passphrase": "x"}
    ),
    "compilation:attachment": Row(lambda w, e: {**_compilation(w, e), "position": 0}, get=OFFICE),
    "compilation:page": Row(lambda w, e: {**_compilation(w, e), "number": 1}, get=OFFICE),
    "compilation:citations": Row(
        _compilation,
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {
            "directive-cite": "on",
            "directive-doc_type": "Công văn",
            "directive-number": "999",
            "directive-symbol": "GHI-DE",
            "directive-issuer": "Ghi đè",
        },
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
    # Partner installs deliver here with a MAC, never with a session: anyone may knock, and
    # a person's POST (no message id, no MAC) is answered 400 and changes nothing.
    "exchange-receive": Row(post=EVERYONE, changes=NOBODY, get_only_post=True, public=True),
    "documents:import-edxml": Row(
        get=OFFICE | {TU}, post=OFFICE | {TU}, changes=OFFICE, data=_upload
    ),
    "documents:detail": Row(
        lambda w, e: {"uid": e.document.uid}, get=OFFICE, post=OFFICE, data=_register
    ),
    "documents:original": Row(lambda w, e: {"uid": e.document.uid}, get=OFFICE),
    # Another office's specialist gets the page, with none of this office's messages on it.
    "documents:exchange": Row(get=OFFICE | {TU}, secret=lambda w, e: e.exchange.error),
    "documents:exchange-retry": Row(
        lambda w, e: {"pk": e.exchange.pk},
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"version": e.exchange.version},
    ),
    "documents:revoke": Row(
        lambda w, e: {"uid": e.document.uid},
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"reason": "Gửi nhầm"},
    ),
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
    # The directive sent to units and their receipt (reminders/directive.py): An Phú has it.
    "reminders:directive": Row(_slug, get=OFFICE, post=OFFICE),
    "reminders:receipts": Row(_slug, get=OFFICE, secret=lambda w, e: w.an_phu.name),
    "reminders:confirm-receipt": Row(_directive_sent, post=frozenset({HOA}), get_only_post=True),
    "reminders:directive-document": Row(_directive_sent, get=frozenset({HOA})),
    # The campaign's form: fields, rules, versions; the office's staff only.
    "campaigns:form": Row(_slug, get=OFFICE),
    "campaigns:form-indicator-new": Row(_slug, get=OFFICE, post=OFFICE, data=_form_field_data),
    "campaigns:form-indicator-edit": Row(
        _form_field, get=OFFICE, post=OFFICE, data=_form_field_data
    ),
    "campaigns:form-indicator-move": Row(
        _form_field, post=OFFICE, get_only_post=True, data=lambda w, e: {"direction": "down"}
    ),
    "campaigns:form-indicator-remove": Row(_form_field, post=OFFICE, get_only_post=True),
    "campaigns:form-rule-new": Row(_slug, get=OFFICE, post=OFFICE, data=_form_rule_data),
    "campaigns:form-rule-edit": Row(_form_rule, get=OFFICE, post=OFFICE, data=_form_rule_data),
    "campaigns:form-rule-move": Row(
        _form_rule, post=OFFICE, get_only_post=True, data=lambda w, e: {"direction": "up"}
    ),
    "campaigns:form-rule-remove": Row(_form_rule, post=OFFICE, get_only_post=True),
    "campaigns:form-version": Row(_form_version, get=OFFICE),
    # Starting campaigns: form templates, the units of an open campaign, unit lists from a file.
    "campaigns:templates": Row(
        _with_template,
        get=OFFICE | {TU},
        secret=lambda w, e: "Mẫu biểu Sáng tạo",
    ),
    "campaigns:template": Row(
        _form_template, get=OFFICE, post=OFFICE, data=lambda w, e: {"action": "retire"}
    ),
    "campaigns:template-save": Row(
        _slug, post=OFFICE, get_only_post=True, data=lambda w, e: {"name": "Mẫu ghi đè"}
    ),
    "campaigns:units": Row(_slug, get=OFFICE),
    "campaigns:units-add": Row(
        _slug,
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"units": [w.an_phu.pk], "unit_kinds": ["commune"]},
    ),
    "campaigns:units-remove": Row(
        lambda w, e: {"slug": w.campaign.slug, "pk": w.a_binh_minh.pk},
        post=OFFICE,
        get_only_post=True,
    ),
    "campaigns:units-import": Row(
        _slug,
        get=OFFICE,
        post=OFFICE,
        data=lambda w, e: {
            "file": SimpleUploadedFile("ds.csv", "Mã đơn vị;Tên đơn vị\nxa-moi;Xã Mới".encode())
        },
    ),
    "campaigns:units-import-confirm": Row(
        _unit_list, get=frozenset({LAN}), post=frozenset({LAN}), data=_unit_list_digest
    ),
    # The audit log: administrators only (nobody in this World).
    "audit:events": Row(get=NOBODY),
    # Personal links (tonghop.reports.links). Whoever holds a live link may read and write that one
    # form, signed in or not (the expired, revoked and forged ones: test_who_gets_in_by_link);
    # only the office issues and revokes links.
    "links:page": Row(
        _live_link,
        get=EVERYONE,
        post=EVERYONE,
        public=True,
        data=lambda w, e: _link_report(w.a_binh_minh),
    ),
    "links:autosave": Row(
        _live_link,
        post=EVERYONE,
        public=True,
        get_only_post=True,
        data=lambda w, e: _link_report(w.a_binh_minh),
    ),
    "links:upload": Row(_live_link, post=EVERYONE, public=True, get_only_post=True),
    "links:file": Row(_live_file, get=EVERYONE, public=True),
    "links:thumb": Row(_live_file, get=EVERYONE, public=True),
    "links:remove-file": Row(_live_file, post=EVERYONE, public=True, get_only_post=True),
    "links:confirm-receipt": Row(_live_directive, post=EVERYONE, public=True, get_only_post=True),
    "links:directive-document": Row(_live_directive, get=EVERYONE, public=True),
    "campaigns:link-issue": Row(
        lambda w, e: {"slug": w.campaign.slug, "pk": w.a_binh_minh.pk},
        post=OFFICE,
        get_only_post=True,
        data=lambda w, e: {"days": "7"},
    ),
    "campaigns:link-revoke": Row(
        lambda w, e: {"slug": w.campaign.slug, "pk": w.a_binh_minh.pk},
        post=OFFICE,
        get_only_post=True,
    ),
    # Two-step verification: each person's own page and devices (no URL names a device); the
    # QR code exists only while one's own setup is open (nobody's here); the second step of
    # sign-in is public and sends anyone without a half-login away.
    "twofactor:setup": Row(get=SIGNED_IN),
    "twofactor:enable": Row(post=SIGNED_IN, get_only_post=True),
    "twofactor:confirm": Row(
        post=SIGNED_IN, get_only_post=True, data=lambda w, e: {"code": "123456"}
    ),
    "twofactor:disable": Row(
        post=SIGNED_IN,
        get_only_post=True,
        data=lambda w, e: {"password": "s3cret-pass-phrase", "code": "123456"},
    ),
    "twofactor:new-codes": Row(
        post=SIGNED_IN,
        get_only_post=True,
        data=lambda w, e: {"codes-password": "s3cret-pass-phrase", "codes-code": "123456"},
    ),
    "twofactor:qr": Row(get=NOBODY),
    # API tokens: each person's own list and form; a token is revoked only by its owner (Lan's
    # here). The API itself is read with tokens, not sessions: tests/api/test_api_matrix.py.
    "tokens:list": Row(get=SIGNED_IN, post=SIGNED_IN, data=lambda w, e: {"name": "x", "days": 30}),
    "tokens:revoke": Row(
        kwargs=lambda w, e: {"pk": e.api_token.pk}, post=frozenset({LAN}), get_only_post=True
    ),
    "twofactor:verify": Row(
        get=EVERYONE, post=EVERYONE, public=True, data=lambda w, e: {"code": "123456"}
    ),
    # Past a sign-in lock: the password and a second code, from anyone not signed in.
    "twofactor:unlock": Row(
        post=EVERYONE,
        get_only_post=True,
        public=True,
        data=lambda w, e: {"username": "lan", "password": "x", "code": "123456"},
    ),
}


def _url_names(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.namespace == "admin":
                continue  # Django's admin has its own permission system and tests
            if pattern.namespace == "api":
                continue  # read with tokens, not sessions: tests/api/test_api_matrix.py
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


# Personal links: an expired, a revoked and a forged link, as every person, at every address
# under the link: the page (410 or 404), and the form script's JSON addresses, which answer 409
# (the script's "stop and say why") for a link that is gone.
LINK_KINDS = ("expired", "revoked", "forged")
LINK_URLS = (
    ("links:page", "get", False),
    ("links:page", "post", False),
    ("links:autosave", "post", True),
    ("links:upload", "post", True),
    ("links:file", "get", False),
    ("links:thumb", "get", False),
    ("links:remove-file", "post", True),
    ("links:confirm-receipt", "post", False),
    ("links:directive-document", "get", False),
)


def _dead_status(kind: str, json: bool) -> int:
    if kind == "forged":
        return 404
    return 409 if json else 410


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_who_gets_in_by_link(world: World, extra: Extra, kind: str) -> None:
    """Such a link opens nothing, whoever holds it and whether signed in or not: never the
    form, a file or the directive, and it changes nothing. The expired and revoked links are
    the school's, whose report is not started and has a file and a directive, so that a link
    let through would show or change something."""
    live = _token(extra.link_path)
    token = {
        "expired": _token(extra.expired_link_path),
        "revoked": _token(extra.revoked_link_path),
        "forged": live[:5] + ("A" if live[5] != "A" else "B") + live[6:],
    }[kind]
    target = world.a_binh_minh if kind == "forged" else world.a_school
    file_pk = _attached(target)
    _sent(world, extra, target)
    wrong: list[str] = []
    for person in PEOPLE:
        client = _client(world, extra, person)
        before = _fingerprint()
        for name, method, json in LINK_URLS:
            kwargs: dict[str, Any] = {"token": token}
            if name in ("links:file", "links:thumb", "links:remove-file"):
                kwargs["file_pk"] = file_pk
            url = reverse(name, kwargs=kwargs)
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, _link_report(target))
            if response.status_code != _dead_status(kind, json):
                wrong.append(f"{person} {method} {name}: {response.status_code}")
            if getattr(response, "streaming", False) or b'name="narrative"' in response.content:
                wrong.append(f"{person} {method} {name}: sees the form or a file")
        if _fingerprint() != before:
            wrong.append(f"{person}: changed data")
    assert not wrong, f"{kind} link: " + "; ".join(wrong)


def test_a_link_opens_nothing_else(world: World, extra: Extra) -> None:
    """A visitor who has just used a live link is still anonymous everywhere else."""
    client = Client()
    assert client.get(extra.link_path).status_code == 200
    assert client.post(extra.link_path, _link_report(world.a_binh_minh)).status_code == 302
    wrong: list[str] = []
    for name, row in sorted(ROWS.items()):
        if row.public:
            continue
        url = reverse(name, kwargs=row.kwargs(world, extra))
        got = _outcome(row, client.get(url))
        if got != "login":
            wrong.append(f"{name}: {got}")
    assert not wrong, "; ".join(wrong)
