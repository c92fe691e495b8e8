"""The issued report of a campaign below as the office's answer above (tonghop.reports.levels):
its totals per indicator of the form above, by code (the office's own indicators stay local),
and its narrative parts. Called by the clerk's `issue`, inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign
from tonghop.compilation.actions import IssueRefused
from tonghop.compilation.build import collect
from tonghop.compilation.models import Compilation
from tonghop.compilation.totals import IndicatorTotal
from tonghop.dispatch.edxml import Attachment
from tonghop.documents.models import Document
from tonghop.orgs.models import User
from tonghop.reports.actions import ActionError
from tonghop.reports.level_models import LevelAnswer
from tonghop.reports.levels import MAX_LIST_TEXT, Answer, link_of, submit_answer
from tonghop.reports.remote import remote_of, report_attachment


def _number(value: Decimal | int) -> int | str:
    """As a report stores a figure: int when whole, else an exact decimal string."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def _value_above(total: IndicatorTotal, kind: str) -> Any:
    """The office's total as a value of the indicator above (its kind is the same, checked
    before): a number for figures, yes when any unit said yes, the list as lines of text."""
    mode = total.indicator.mode
    if mode == "number" and total.value is not None:
        return _number(total.value)
    if mode == "yes" and kind == IndicatorKind.YES_NO:
        return bool(total.value) if total.answered else None
    if mode in ("list", "count") and kind in (IndicatorKind.TEXT, IndicatorKind.LONG_TEXT):
        text = "\n".join(f"{unit}: {item}" for unit, item in total.items)
        return text[:MAX_LIST_TEXT] or None
    return None


def _plain(total: IndicatorTotal) -> dict[str, Any]:
    value = total.value
    return {
        "value": None if value is None else str(_number(value)),
        "answered": total.answered,
        "counts": [list(pair) for pair in total.counts],
    }


def answer_for(campaign: Campaign, compilation: Compilation) -> Answer:
    """What the campaign's issued report carries up, by the codes of the form above."""
    link = link_of(campaign)
    above_codes: dict[str, str] = {}
    if link is not None:
        above_codes = dict(link.above.campaign.indicators.values_list("code", "kind"))
    else:
        remote = remote_of(campaign)
        if remote is not None:
            above_codes = {item["code"]: item["kind"] for item in remote.form}
    totals, _rows, _missing, _late = collect(campaign)
    values: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for total in totals.totals:
        code = total.indicator.code
        if code not in above_codes:
            continue  # a local indicator of the office: it stays below
        values[code] = _value_above(total, above_codes[code])
        plain[code] = _plain(total)
    words = [part.strip() for part in (compilation.assessment, compilation.proposals)]
    return Answer(values=values, narrative="\n\n".join(w for w in words if w), totals=plain)


def answer_above(
    user: User,
    campaign: Campaign,
    compilation: Compilation,
    document: Document,
    *,
    now: dt.datetime,
) -> LevelAnswer | None:
    """When the campaign answers an assignment above, submit the issued report there."""
    if link_of(campaign) is None:
        return None
    try:
        return submit_answer(
            user,
            campaign.pk,
            answer_for(campaign, compilation),
            document=document,
            compilation_id=compilation.pk,
            correction=compilation.correction,
            now=now,
        )
    except ActionError as exc:
        # Refused above: the issue is refused with it, and nothing is numbered.
        raise IssueRefused(str(exc)) from exc


def report_for_above(
    campaign: Campaign, compilation: Compilation, document: Document
) -> tuple[Attachment, ...]:
    """When the campaign above lives on another install, the issued report's edXML carries
    its answer as ``tonghop.report/1`` (reports.remote), beside the signed PDF."""
    remote = remote_of(campaign)
    if remote is None:
        return ()
    return (
        report_attachment(
            remote,
            answer_for(campaign, compilation),
            document=document,
            parts={
                "assessment": compilation.assessment.strip(),
                "proposals": compilation.proposals.strip(),
            },
            correction=compilation.correction,
        ),
    )
