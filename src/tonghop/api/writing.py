"""Writing a unit's report through the API: what a school's or commune's own software sends in
place of the form. The same action as the form (reports.actions.save_report): the same checks of
every value, the same states, the same history, the same receipt.

Only the unit's own reporters may write (a token of the office's staff finds no such report to
write: the office reviews, it does not fill in). PUT replaces the report as the form does: a field
left out is left empty. Files are attached on the form's page, not here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import field_validator

from tonghop.api.endpoints import (
    REFUSALS,
    AssignmentOut,
    ErrorOut,
    api,
    assignment_out,
    not_found,
    only_params,
    person_of,
)
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.inputs import clean_text
from tonghop.reports import actions
from tonghop.reports.models import Assignment, Report, ReportVersion

Value = bool | int | float | str | None


class ReportIn(Schema):
    values: dict[str, Value] = Field(
        default_factory=dict,
        max_length=1000,
        description="By indicator code: numbers as JSON numbers (or text as Vietnamese write "
        "them, 1.250 and 2,5), yes/no as true/false, a choice as its option, a date as "
        "YYYY-MM-DD, text as text. A code left out is left empty.",
    )
    narrative: str = Field("", max_length=actions.MAX_NARRATIVE)
    version: int = Field(ge=0, description="the assignment's version the values were based on")
    submit: bool = Field(False, description="submit the report; otherwise save a draft")

    # Text is cleaned as the form cleans it (tonghop.forms): lines kept, control characters
    # out. A value then becomes one line unless its field is a long text, and a value with a
    # NUL is refused in words (kinds.clean).
    @field_validator("narrative")
    @classmethod
    def _clean_narrative(cls, narrative: str) -> str:
        return clean_text(narrative, multiline=True)

    @field_validator("values")
    @classmethod
    def _clean_values(cls, values: dict[str, Value]) -> dict[str, Value]:
        return {
            code: clean_text(value, multiline=True)
            if isinstance(value, str) and "\x00" not in value
            else value
            for code, value in values.items()
        }


class ReportSaved(Schema):
    assignment: AssignmentOut
    receipt_number: str | None = Field(description="the submission's receipt, when submitted")


def _as_text(value: Value) -> str:
    """What the form would have sent for this JSON value; the action reads it as the form's."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: JSON true is not the number 1
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # With a decimal comma: "2.5" would be read as Vietnamese write it, a dot being the
        # thousands separator in "1.250".
        return format(Decimal(repr(value)), "f").replace(".", ",")
    return value


def _refused(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(
        [
            {
                "loc": ["body", "narrative"] if code == "narrative" else ["body", "values", code],
                "msg": message,
                "type": "refused",
            }
            for code, messages in errors.items()
            for message in messages
        ]
    )


@api.put(
    "/assignments/{assignment_id}/report",
    response={200: ReportSaved, 400: ErrorOut, 409: ErrorOut, **REFUSALS},
    url_name="report",
    summary="Save or submit the unit's report (its reporters)",
)
def put_report(request: HttpRequest, assignment_id: int, body: ReportIn) -> ReportSaved:
    only_params(request)
    user = person_of(request)
    found = (
        Assignment.objects.for_reporter(user)
        .select_related("campaign", "unit")
        .filter(pk=assignment_id)
        .first()
    )
    if found is None:
        raise not_found()
    indicators = {i.code: i for i in found.campaign.indicators.all()}
    unknown: dict[str, list[str]] = {}
    for code in body.values:
        if code not in indicators:
            unknown[code[:100]] = [_("This form has no such field.")]
        elif indicators[code].kind == IndicatorKind.FILE:
            unknown[code] = [_("Files are attached on the report's page, not through the API.")]
    if unknown:
        raise _refused(unknown)
    data: dict[str, Any] = {
        code: _as_text(body.values.get(code))
        for code, indicator in indicators.items()
        if indicator.kind != IndicatorKind.FILE
    }
    try:
        saved = actions.save_report(
            user,
            found.pk,
            data,
            body.narrative,
            expected_version=body.version,
            submit=body.submit,
        )
    except actions.InvalidValues as exc:
        raise _refused(exc.errors) from None
    except (actions.StaleForm, actions.InvalidStep, actions.NotAllowed) as exc:
        raise HttpError(409, str(exc)) from None
    report = Report.objects.filter(assignment=saved).first()
    receipt = None
    if body.submit and report is not None:
        receipt = (
            ReportVersion.objects.filter(report=report)
            .order_by("-number")
            .values_list("receipt_number", flat=True)
            .first()
        )
    reports = {saved.pk: report} if report is not None else {}
    return ReportSaved(assignment=assignment_out(saved, reports), receipt_number=receipt)
