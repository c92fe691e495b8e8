"""The JSON API, version 1: campaigns, their completeness and the units' reports, read with a
personal token (`Authorization: Bearer thk_…`) and the rights of the token's owner.

A program may follow a campaign and collect its figures (the province's system, a dashboard,
the level above in a cascade); a unit's own software may write its report (writing.py). Every
query starts from the token's person, as the pages' do, so a token of
one unit's reporter reads that unit and nothing else. A campaign or assignment the person may
not see is "not found", never "forbidden": its existence is not told.

The schema is at /api/v1/openapi.json (no documentation page: it would load its scripts from
elsewhere, which the Content Security Policy forbids).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.validators import slug_re
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from tonghop import errors
from tonghop.api import tokens
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.orgs.models import Unit, User
from tonghop.reports import dashboard
from tonghop.reports.models import Assignment, CampaignFigures, DisplayStatus, Report, State

MAX_PAGE = 500


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return tokens.user_for(token)


class Utf8Renderer(JSONRenderer):
    # Vietnamese stays readable in the answers (and 2-3 times shorter than \u escapes).
    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    title="tonghop",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    docs_url=None,
    auth=TokenAuth(),
    renderer=Utf8Renderer(),
)


def person_of(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User), "every operation requires the token"
    return user


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _(
        "A valid API token is required (Authorization: Bearer …); this one is missing, "
        "unknown, revoked or expired, or its account is disabled."
    )
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="tonghop"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own 400 (a body that is not JSON) says so in English only.
    message = _("The request's body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(errors.Refused)
def _refused(request: HttpRequest, exc: errors.Refused) -> HttpResponse:
    """A refusal an operation did not answer itself, with its kind's status (tonghop.errors)."""
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = {"detail": _("Some parameters are not valid."), "errors": exc.errors}
    return api.create_response(request, detail, status=422)


def only_params(request: HttpRequest, *names: str) -> None:
    """Refuse query parameters the operation does not take: a misspelt filter (`stauts=late`)
    would otherwise be ignored silently and the answer taken for the filtered one."""
    unknown = sorted(set(request.GET) - set(names))
    if unknown:
        raise ValidationError(
            [
                {"loc": ["query", name[:100]], "msg": _("Unknown parameter."), "type": "unknown"}
                for name in unknown[:20]
            ]
        )


def not_found() -> HttpError:
    return HttpError(404, _("Not found, or not yours to see."))


# -- what the API answers --------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: list[dict[str, Any]]


# Every operation may answer these besides its 200.
REFUSALS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: InvalidOut}


class UnitOut(Schema):
    code: str
    name: str


class FiguresOut(Schema):
    """Completeness, as on the campaign page: `submitted` counts accepted reports too."""

    expected: int
    submitted: int
    on_time: int
    late: int
    not_started: int
    draft: int
    returned: int
    accepted: int
    overdue: int

    @staticmethod
    def of(figures: CampaignFigures) -> FiguresOut:
        return FiguresOut(
            expected=figures.expected,
            submitted=figures.submitted,
            on_time=figures.on_time,
            late=figures.late,
            not_started=figures.not_started,
            draft=figures.draft,
            returned=figures.returned,
            accepted=figures.accepted,
            overdue=figures.overdue,
        )


class CampaignOut(Schema):
    slug: str
    title: str
    office: UnitOut
    status: CampaignStatus
    due_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    # Only for the office's staff; a unit's reporter sees its own assignment instead.
    figures: FiguresOut | None = None


class IndicatorOut(Schema):
    code: str
    label: str
    section: str
    kind: IndicatorKind
    unit_of_measure: str
    required: bool
    min_value: Decimal | None
    max_value: Decimal | None
    help_text: str
    aggregation: str
    choices: list[str]


class CampaignDetailOut(CampaignOut):
    description: str
    indicators: list[IndicatorOut]


class ReportOut(Schema):
    """The report as it stands (a draft too): values by indicator code; a file indicator's
    value is the list of its files' numbers."""

    values: dict[str, Any]
    narrative: str
    updated_at: dt.datetime


class AssignmentOut(Schema):
    id: int
    campaign: str = Field(description="the campaign's slug")
    unit: UnitOut
    state: State
    status: DisplayStatus
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    version: int
    report: ReportOut | None


class AssignmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssignmentOut]


class MeOut(Schema):
    username: str
    full_name: str
    offices: list[UnitOut]
    units: list[UnitOut]


class Paging(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


class AssignmentFilter(Paging):
    status: DisplayStatus | None = None


# -- building the answers --------------------------------------------------------------------


def _unit(unit: Unit) -> UnitOut:
    return UnitOut(code=unit.code, name=unit.name)


def _campaign(campaign: Campaign, figures: CampaignFigures | None) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "office": _unit(campaign.office),
        "status": campaign.status,
        "due_at": campaign.due_at,
        "period_start": campaign.period_start,
        "period_end": campaign.period_end,
        "figures": None if figures is None else FiguresOut.of(figures),
    }


def assignment_out(assignment: Assignment, reports: dict[int, Report]) -> AssignmentOut:
    report = reports.get(assignment.pk)
    return AssignmentOut(
        id=assignment.pk,
        campaign=assignment.campaign.slug,
        unit=_unit(assignment.unit),
        state=State(assignment.state),
        status=assignment.display_status,
        due_at=assignment.due_at,
        submitted_at=assignment.submitted_at,
        accepted_at=assignment.accepted_at,
        version=assignment.version,
        report=None
        if report is None
        else ReportOut(
            values=report.values, narrative=report.narrative, updated_at=report.updated_at
        ),
    )


def _page(queryset: QuerySet[Assignment], paging: Paging) -> AssignmentPage:
    count = queryset.count()
    rows = list(
        queryset.select_related("campaign", "unit").order_by("campaign__slug", "unit__name", "pk")[
            paging.offset : paging.offset + paging.limit
        ]
    )
    reports = {r.assignment_id: r for r in Report.objects.filter(assignment__in=rows)}
    return AssignmentPage(
        count=count,
        limit=paging.limit,
        offset=paging.offset,
        items=[assignment_out(row, reports) for row in rows],
    )


def _staff_campaigns(user: User) -> QuerySet[Campaign]:
    return Campaign.objects.for_office_staff(user)


def _unit_campaigns(user: User) -> QuerySet[Campaign]:
    return Campaign.objects.filter(
        pk__in=Assignment.objects.for_reporter(user).values("campaign_id")
    )


def _visible_campaign(user: User, slug: str) -> tuple[Campaign, bool]:
    """The campaign and whether the person is of its office's staff; 404 when it is neither
    theirs to run nor one their unit reports to."""
    if len(slug) > 80 or not slug_re.match(slug):
        # Not a slug (a NUL byte, which PostgreSQL refuses to compare, among others): no campaign.
        raise not_found()
    found = Campaign.objects.select_related("office").filter(slug=slug).first()
    if found is None:
        raise not_found()
    if _staff_campaigns(user).filter(pk=found.pk).exists():
        return found, True
    if _unit_campaigns(user).filter(pk=found.pk).exists():
        return found, False
    raise not_found()


# -- the operations --------------------------------------------------------------------------


@api.get("/me", response={200: MeOut, **REFUSALS}, url_name="me", summary="Whose token this is")
def me(request: HttpRequest) -> MeOut:
    only_params(request)
    user = person_of(request)
    return MeOut(
        username=user.get_username(),
        full_name=user.full_name,
        offices=[_unit(u) for u in user.office_units().order_by("name")],
        units=[_unit(u) for u in user.reporting_units().order_by("name")],
    )


@api.get(
    "/campaigns",
    response={200: list[CampaignOut], **REFUSALS},
    url_name="campaigns",
    summary="Campaigns one sees",
)
def campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """The office's campaigns (with their figures) and those the person's units report to."""
    only_params(request)
    user = person_of(request)
    staff = set(_staff_campaigns(user).values_list("pk", flat=True))
    reported = set(_unit_campaigns(user).values_list("pk", flat=True))
    found = list(
        Campaign.objects.filter(pk__in=staff | reported)
        .select_related("office")
        .order_by("-due_at", "slug")
    )
    figures = dashboard.overview([c for c in found if c.pk in staff])  # one query for all
    return [_campaign(campaign, figures.get(campaign.pk)) for campaign in found]


@api.get(
    "/campaigns/{slug}",
    response={200: CampaignDetailOut, **REFUSALS},
    url_name="campaign",
    summary="A campaign and its form",
)
def campaign(request: HttpRequest, slug: str) -> dict[str, Any]:
    only_params(request)
    found, staff = _visible_campaign(person_of(request), slug)
    indicators: list[Indicator] = list(found.indicators.all())
    return {
        **_campaign(found, found.assignments.figures() if staff else None),
        "description": found.description,
        "indicators": [IndicatorOut.from_orm(i) for i in indicators],
    }


@api.get(
    "/campaigns/{slug}/assignments",
    response={200: AssignmentPage, **REFUSALS},
    url_name="campaign-assignments",
    summary="Every unit's state and report (the office's staff)",
)
def campaign_assignments(
    request: HttpRequest, slug: str, filters: Query[AssignmentFilter]
) -> AssignmentPage:
    only_params(request, "limit", "offset", "status")
    found, staff = _visible_campaign(person_of(request), slug)
    if not staff:
        raise not_found()
    queryset = found.assignments.active()
    if filters.status is not None:
        queryset = queryset.with_display_status(filters.status)
    return _page(queryset, filters)


@api.get(
    "/assignments",
    response={200: AssignmentPage, **REFUSALS},
    url_name="assignments",
    summary="The assignments one may read",
)
def assignments(request: HttpRequest, paging: Query[Paging]) -> AssignmentPage:
    """A reporter's units' assignments, and every assignment of the office's campaigns."""
    only_params(request, "limit", "offset")
    return _page(Assignment.objects.visible_to(person_of(request)), paging)


@api.get(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, **REFUSALS},
    url_name="assignment",
    summary="One assignment and its report",
)
def assignment(request: HttpRequest, assignment_id: int) -> AssignmentOut:
    only_params(request)
    found = (
        Assignment.objects.visible_to(person_of(request))
        .select_related("campaign", "unit")
        .filter(pk=assignment_id)
        .first()
    )
    if found is None:
        raise not_found()
    reports = {r.assignment_id: r for r in Report.objects.filter(assignment=found)}
    return assignment_out(found, reports)
