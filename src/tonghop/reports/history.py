"""The history of a unit's report: every submitted version, who sent it, when, and what changed.

`differences` and `word_diff` are pure (no database): they compare two sets of values and two
narratives and say what changed in words a person reads (numbers Vietnamese style, text as
inserted and deleted words). `history` reads the versions of one assignment's report.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind, format_value
from tonghop.reports.models import Assignment, Attachment, ReportVersion

SegmentKind = Literal["same", "ins", "del"]

# Beyond this many words on both sides, difflib's quadratic search gives way to its heuristic
# (popular words treated as junk): the diff stays correct, only sometimes less tight.
_EXACT_LIMIT = 2000


class IndicatorLike(Protocol):
    """What differences() reads of an indicator: the model and compilation's IndicatorInfo."""

    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def unit_of_measure(self) -> str: ...


@dataclass(frozen=True)
class Segment:
    """A run of words of a text: unchanged, inserted or deleted."""

    text: str
    kind: SegmentKind


@dataclass(frozen=True)
class Change:
    """One value that differs between two versions; `segments` for text shown as a word diff."""

    label: str
    unit: str
    before: str
    after: str
    segments: tuple[Segment, ...] = ()
    is_narrative: bool = False


@dataclass(frozen=True)
class VersionView:
    number: int
    author: str
    at: dt.datetime
    changes: tuple[Change, ...]
    is_first: bool
    # The receipt given on submission and the files sent with it (reports.attachments).
    receipt_number: str = ""
    attachments: tuple[Attachment, ...] = ()


# A word or a run of punctuation, each with the spaces after it; spaces at the very start alone.
_TOKENS = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")


def _words(text: str) -> list[str]:
    """The text cut into tokens; joining them gives the text back."""
    return _TOKENS.findall(text)


def word_diff(before: str, after: str) -> tuple[Segment, ...]:
    """The words of `after` against `before`: runs kept, deleted and inserted, in reading order.

    Words are matched without the spaces after them, so "pano." and "pano và" share "pano";
    kept runs are shown as `after` writes them.
    """
    old, new = _words(before), _words(after)
    exact = len(old) <= _EXACT_LIMIT or len(new) <= _EXACT_LIMIT
    matcher = difflib.SequenceMatcher(
        None, [t.rstrip() for t in old], [t.rstrip() for t in new], autojunk=not exact
    )
    segments: list[Segment] = []

    def add(tokens: list[str], kind: SegmentKind) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(segments[-1].text + text, kind)
        else:
            segments.append(Segment(text, kind))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(new[j1:j2], "same")
        else:
            add(old[i1:i2], "del")
            add(new[j1:j2], "ins")
    return tuple(segments)


def _shown(value: Any, kind: str = "") -> str:
    """A value as the page shows it: yes/no and file counts in the reader's language, dates
    as dd/mm/yyyy, numbers Vietnamese style."""
    if kind == IndicatorKind.YES_NO and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == IndicatorKind.FILE and isinstance(value, list) and value:
        return ngettext("%(count)s file", "%(count)s files", len(value)) % {"count": len(value)}
    return format_value("" if value is None else value, kind)


def differences(
    indicators: Iterable[IndicatorLike],
    older: Mapping[str, Any],
    newer: Mapping[str, Any],
    older_narrative: str,
    newer_narrative: str,
) -> list[Change]:
    """What changed from `older` to `newer`, in the form's order, the narrative last.

    Numbers are compared and shown as the report prints them (1.250; 2,5), so 3 and "3" are
    the same figure; a blank is "-". Long texts and the narrative also carry a word diff.
    """
    changes: list[Change] = []
    for indicator in indicators:
        before = _shown(older.get(indicator.code), indicator.kind)
        after = _shown(newer.get(indicator.code), indicator.kind)
        if before == after:
            if indicator.kind != IndicatorKind.FILE or _ids(older, indicator.code) == _ids(
                newer, indicator.code
            ):
                continue
            # As many files as before, but not the same ones.
            after = _("%(files)s (other files)") % {"files": after}
        segments: tuple[Segment, ...] = ()
        if indicator.kind == IndicatorKind.LONG_TEXT:
            segments = word_diff(_text(older.get(indicator.code)), _text(newer.get(indicator.code)))
        changes.append(Change(indicator.label, indicator.unit_of_measure, before, after, segments))
    old_narrative = (older_narrative or "").strip()
    new_narrative = (newer_narrative or "").strip()
    if old_narrative != new_narrative:
        changes.append(
            Change(
                _("Narrative"),
                "",
                old_narrative,
                new_narrative,
                word_diff(old_narrative, new_narrative),
                is_narrative=True,
            )
        )
    return changes


def _ids(values: Mapping[str, Any], code: str) -> list[Any]:
    found = values.get(code)
    return sorted(found, key=str) if isinstance(found, list) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def history(assignment: Assignment, indicators: list[Indicator] | None = None) -> list[VersionView]:
    """Every submitted version of the assignment's report, newest first, each with its author,
    time and changes against the version before it; the first lists the values it gave.
    `indicators`: the campaign's form, when the caller has read it."""
    if indicators is None:
        indicators = list(assignment.campaign.indicators.all())
    versions = list(
        ReportVersion.objects.filter(report__assignment=assignment)
        .select_related("created_by")
        .order_by("number")
    )
    sent = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in={pk for v in versions for pk in v.attachments}, report__assignment=assignment
        )
    }
    views: list[VersionView] = []
    previous: ReportVersion | None = None
    for version in versions:
        older = previous.values if previous else {}
        older_narrative = previous.narrative if previous else ""
        author = version.created_by.display_name() if version.created_by else "-"
        views.append(
            VersionView(
                number=version.number,
                author=author,
                at=version.created_at,
                changes=tuple(
                    differences(
                        indicators, older, version.values, older_narrative, version.narrative
                    )
                ),
                is_first=previous is None,
                receipt_number=version.receipt_number or "",
                attachments=tuple(sent[pk] for pk in version.attachments if pk in sent),
            )
        )
        previous = version
    views.reverse()
    return views
