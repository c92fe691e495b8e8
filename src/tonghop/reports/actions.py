"""Every change of an assignment or its report goes through here: one transaction each,
checked against the transition table, recorded in the assignment's events.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.campaigns.form_models import FormRule, Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.db.prepared import PreparedInsert, PreparedRead, PreparedUpdate
from tonghop.orgs.models import Membership, Role, User
from tonghop.reports import receipts
from tonghop.reports.models import (
    STEP_ROLES,
    TRANSITIONS,
    Assignment,
    AssignmentEvent,
    Report,
    ReportVersion,
    State,
    Step,
    file_values_of,
)

MAX_NARRATIVE = 20000


class Grant(Protocol):
    """Permission to write one assignment's report without an account: a unit's personal link.

    The link's own module decides whether it is still usable (signed, not expired, not revoked);
    the actions only check that it names the assignment being changed."""

    pk: Any
    assignment_id: int

    def is_usable(self, now: dt.datetime) -> bool: ...


class GrantHold(Protocol):
    """A personal link to read again under its own lock inside a save's transaction (revoked a
    moment ago, it writes nothing), and whose use is noted there once the save is written."""

    def lock(self, assignment: Assignment) -> Grant:
        """The grant, locked; NotAllowed when it can no longer write `assignment`."""
        ...

    def used(self, now: dt.datetime) -> None: ...


class ActionError(errors.Refused):
    """A refused change. str() is a sentence for the person who asked for it."""


class NotAllowed(ActionError, errors.NotAllowed):
    pass


class InvalidStep(ActionError):
    pass


class StaleForm(ActionError, errors.Stale):
    pass


class InvalidValues(ActionError, errors.Invalid):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Some values are not valid; nothing was saved. See the marked fields."))
        self.errors = errors


def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i d/m/Y")


def _refusal(assignment: Assignment, step: Step) -> str:
    """Explain in the person's words why this step cannot be taken now."""
    state = State(assignment.state)
    if step in (Step.SAVE, Step.SUBMIT):
        if state == State.SUBMITTED and assignment.submitted_at:
            return _(
                "This report was already submitted at %(time)s; it cannot be changed unless "
                "the office returns it."
            ) % {"time": _local(assignment.submitted_at)}
        if state == State.ACCEPTED:
            return _("This report has been accepted by the office and can no longer be changed.")
    if step in (Step.RETURN, Step.ACCEPT):
        if state == State.ACCEPTED:
            return _("This report has already been accepted.")
        if state == State.RETURNED:
            return _("This report has already been returned to the unit.")
        return _("Only a submitted report can be accepted or returned.")
    return _("This step is not possible now (%(state)s).") % {"state": state.label}


def _lock_query(
    assignment_id: int,
    reporter_id: int | None = None,
    *,
    with_report: bool,
    next_version: bool,
) -> models.QuerySet[Assignment]:
    queryset = Assignment.objects.select_related("campaign", "campaign__office", "unit")
    if with_report:
        # The report comes by a LEFT JOIN, whose nullable side PostgreSQL cannot lock: the
        # lock names the rows it locked before. The report needs none of its own: every change
        # of it holds the assignment's lock.
        queryset = queryset.select_related("report").select_for_update(
            of=("self", "campaign", "campaign__office", "unit")
        )
    else:
        queryset = queryset.select_for_update()
    if reporter_id is not None:
        queryset = queryset.annotate(
            reporter_checked=Exists(
                Membership.objects.filter(
                    user_id=reporter_id, unit_id=OuterRef("unit_id"), role=Role.REPORTER
                )
            )
        )
    if next_version:
        key = receipts.next_version_key()
        if key is not None:
            queryset = queryset.annotate(next_version_key=key)
    return queryset.filter(pk=assignment_id)


# _lock's reads by its options (a person given, with the report, with the next version's key),
# each compiled once (tonghop.db.prepared).
_LOCKS: dict[tuple[bool, bool, bool], PreparedRead[Assignment]] = {}
# The writes of a unit's submission, compiled once as well: a step's UPDATE by the fields it
# sets, the event, a new report, a report's new values, a version with its key.
_STEP_UPDATES: dict[tuple[str, ...], PreparedUpdate[Assignment]] = {}
_EVENT = PreparedInsert(AssignmentEvent)
_NEW_REPORT = PreparedInsert(Report)
_REPORT_VALUES = PreparedUpdate(Report, ("values", "narrative", "updated_by", "updated_at"))
_VERSION_WITH_KEY = PreparedInsert(ReportVersion, with_pk=True)


def _lock(
    assignment_id: int,
    *,
    reporter: User | None = None,
    with_report: bool = False,
    next_version: bool = False,
) -> Assignment:
    """The assignment, locked, with its campaign, office and unit. The options fold what the
    busiest path (a unit's submission) would otherwise ask in queries of their own into this
    one: `reporter`, whether that person reports for the unit (read by _check_allowed);
    `with_report`, the unit's report (None when there is none yet, see report_of);
    `next_version`, the key the next ReportVersion will get (see receipts.next_version_key)."""
    options = (reporter is not None, with_report, next_version)
    read = _LOCKS.get(options)
    if read is None:
        build = functools.partial(_lock_query, with_report=with_report, next_version=next_version)
        keys = {"assignment_id": int} | ({"reporter_id": int} if reporter is not None else {})
        # The campaign, its office and the unit are read to be checked, not changed: held in
        # share mode, submissions of one campaign do not wait for each other.
        shared = ("campaign", "campaign__office", "unit") if with_report else ()
        read = _LOCKS.setdefault(options, PreparedRead(build, shared=shared, **keys))
    if reporter is not None:
        found = read.run(assignment_id=assignment_id, reporter_id=reporter.pk)
    else:
        found = read.run(assignment_id=assignment_id)
    if not found:
        raise Assignment.DoesNotExist("Assignment matching query does not exist.")
    return found[0]


def report_of(assignment: Assignment) -> Report | None:
    """The report read with the assignment (_lock's `with_report`), or None if it has none."""
    report: Report | None = getattr(assignment, "report", None)
    return report


def _check_allowed(
    user: User | None, assignment: Assignment, step: Step, grant: Grant | None = None
) -> None:
    roles = STEP_ROLES[step]
    if grant is not None:
        # A personal link stands for the unit's reporter on its one assignment, nothing more.
        if (
            roles != (Role.REPORTER,)
            or grant.assignment_id != assignment.pk
            or not grant.is_usable(timezone.now())
        ):
            raise NotAllowed(_("This link is no longer valid. Ask the office for a new one."))
    elif user is None or not user.is_active:
        raise NotAllowed(_("Your account is disabled."))
    else:
        if roles == (Role.REPORTER,):
            # Read with the lock when _lock was given this person (one query fewer).
            checked = getattr(assignment, "reporter_checked", None)
            allowed = (
                bool(checked)
                if checked is not None
                else user.memberships.filter(unit=assignment.unit, role=Role.REPORTER).exists()
            )
        else:
            allowed = user.has_office_role(assignment.campaign.office, *roles)
        if not allowed:
            raise NotAllowed(_("You are not allowed to do this for this unit."))
    _check_open(assignment, step)


def _check_open(assignment: Assignment, step: Step) -> None:
    """A unit's report changes only while its campaign is open."""
    if step in (Step.SAVE, Step.SUBMIT) and assignment.campaign.status != CampaignStatus.OPEN:
        raise NotAllowed(_("This campaign is closed; reports can no longer be changed."))


def _transition(
    user: User | None,
    assignment: Assignment,
    step: Step,
    *,
    expected_version: int,
    now: dt.datetime,
    comment: str = "",
    details: dict[str, Any] | None = None,
    grant: Grant | None = None,
    coalesce: bool = False,
    allowed_checked: bool = False,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Move the assignment one step, as one UPDATE with `changes` (fields set once the step is
    known to be possible) and one event. `allowed_checked`: the caller has already run
    _check_allowed on this locked row, within the same transaction."""
    if not allowed_checked:
        _check_allowed(user, assignment, step, grant)
    before = State(assignment.state)
    after = _check_step(assignment, step, expected_version)
    assignment.state = after
    assignment.version += 1
    for name, value in (changes or {}).items():
        setattr(assignment, name, value)
    fields = ("state", "version", "updated_at", *(changes or {}))
    update = _STEP_UPDATES.get(fields)
    if update is None:
        update = _STEP_UPDATES.setdefault(fields, PreparedUpdate(Assignment, fields))
    update.run(assignment)
    link = {"link": grant.pk} if grant is not None else {}
    if coalesce and _coalesce_save(assignment, user, link, now):
        return
    _EVENT.run(
        AssignmentEvent(
            assignment=assignment,
            actor=user,
            step=step,
            from_state=before,
            to_state=after,
            comment=comment,
            at=now,
            details={**(details or {}), **link},
        )
    )


def _check_step(assignment: Assignment, step: Step, expected_version: int) -> State:
    """The state `step` leads to from the assignment's, or the refusal: a step the table does
    not have, or a form drawn from another version."""
    after = TRANSITIONS.get((State(assignment.state), step))
    if after is None:
        raise InvalidStep(_refusal(assignment, step))
    if assignment.version != expected_version:
        raise StaleForm(
            _(
                "This report changed after you opened it (its state is now “%(state)s”). "
                "Nothing was saved; the page shows the current version."
            )
            % {"state": assignment.display_status.label}
        )
    return after


# Autosave saves a draft every few seconds of typing: within this time of the last one, a save
# by the same person is counted on that event instead of filling the history with rows.
AUTOSAVE_EVENT_WINDOW = dt.timedelta(minutes=30)


def _coalesce_save(
    assignment: Assignment, user: User | None, link: dict[str, Any], now: dt.datetime
) -> bool:
    last = assignment.events.order_by("-at", "-pk").first()
    if last is None or last.step != Step.SAVE or last.actor_id != (user.pk if user else None):
        return False
    if last.details.get("link") != link.get("link"):
        return False
    until = dt.datetime.fromisoformat(last.details.get("until", last.at.isoformat()))
    if now - until > AUTOSAVE_EVENT_WINDOW:
        return False
    last.details = {**last.details, "saves": int(last.details.get("saves", 1)) + 1}
    last.details["until"] = now.isoformat()
    last.save(update_fields=["details"])
    return True


def clean_values(
    indicators: list[Indicator],
    data: Mapping[str, object],
    *,
    for_submit: bool,
    rules: list[FormRule] | None = None,
) -> dict[str, Any]:
    """Check every value on the server. Required figures and the rules across fields are only
    demanded on submission: a draft may be incomplete or inconsistent. A broken rule's message
    is put on the field of its requirement. `rules` default to the campaign's."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for indicator in indicators:
        raw = data.get(indicator.code)
        try:
            if not for_submit and indicator.required and _is_blank(raw):
                values[indicator.code] = None
                continue
            values[indicator.code] = indicator.clean_value(raw)
        except ValidationError as exc:
            errors[indicator.code] = list(exc.messages)
    if for_submit:
        for rule in _rules_of(indicators) if rules is None else rules:
            named = (rule.if_indicator, rule.then_indicator, rule.then_other)
            codes = {field.code for field in named if field is not None}
            # A field already refused has no value to check a rule on.
            if codes.isdisjoint(errors) and rule.is_broken(values):
                errors.setdefault(rule.then_indicator.code, []).append(rule.message)
    if errors:
        raise InvalidValues(errors)
    return values


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, list | tuple) and not raw) or str(raw).strip() == ""


def _rules_of(indicators: list[Indicator]) -> list[FormRule]:
    """The campaign's rules, their fields taken from `indicators` (the whole form, already
    loaded) rather than joined again: a submission is the busiest path there is."""
    if not indicators:
        return []
    rules = list(FormRule.objects.filter(campaign_id=indicators[0].campaign_id))
    by_pk = {indicator.pk: indicator for indicator in indicators}
    for rule in rules:
        for name in ("if_indicator", "then_indicator", "then_other"):
            # A field not among `indicators` is left for the ORM to load when read.
            if (field := by_pk.get(getattr(rule, f"{name}_id"))) is not None:
                setattr(rule, name, field)
    return rules


# The forms read by this process, by database, campaign and form key. A form is small and
# changes rarely; reading it cost every submission a query and the building of an object per
# field and rule. Bounded: past this many, the oldest are let go.
_FORMS: dict[tuple[str, int, uuid.UUID], tuple[list[Indicator], list[FormRule]]] = {}
_FORMS_KEPT = 256
_FORMS_GUARD = threading.Lock()


def read_form(campaign: Campaign) -> tuple[list[Indicator], list[FormRule]]:
    """The campaign's form: its indicators in order, and its rules with their fields. Read
    once per process and form key (`Campaign.form_key`, new at every change of the form), then
    kept: `campaign` is the row this request read, so a form changed since is read again. The
    objects are shared by the requests of the process and must not be changed."""
    key = (connection.alias, campaign.pk, campaign.form_key)
    form = _FORMS.get(key)
    if form is None:
        form = _read_form(campaign.pk)
        with _FORMS_GUARD:
            if len(_FORMS) >= _FORMS_KEPT:
                del _FORMS[next(iter(_FORMS))]  # the oldest: dicts keep their order
            _FORMS[key] = form
    # New lists each time: a caller may append to its own, never to the ones kept.
    return list(form[0]), list(form[1])


def _read_form(campaign_id: int) -> tuple[list[Indicator], list[FormRule]]:
    """The campaign's form in one query: its indicators in order, and its rules, each joined to
    the field it requires (then_indicator, never empty), its other fields taken from the
    indicators read. What a unit's submission, the busiest path there is, checks values with."""
    field_meta, rule_meta = Indicator._meta, FormRule._meta
    quote = connection.ops.quote_name
    rule_fields = list(rule_meta.concrete_fields)
    columns = [f"i.{quote(f.column or '')}" for f in field_meta.concrete_fields] + [
        f"r.{quote(f.column or '')} AS {quote('rule__' + f.attname)}" for f in rule_fields
    ]
    # Names from the models' own metadata; the campaign's key is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(field_meta.db_table)} i "  # noqa: S608
        f"LEFT JOIN {quote(rule_meta.db_table)} r ON r.{quote('then_indicator_id')} = i.id "
        f"AND r.{quote('campaign_id')} = i.{quote('campaign_id')} "
        f"WHERE i.{quote('campaign_id')} = %s ORDER BY i.{quote('order')}, i.id"
    )
    indicators: dict[int, Indicator] = {}
    rules: list[FormRule] = []
    for row in Indicator.objects.raw(sql, [campaign_id]):
        indicator = indicators.setdefault(row.pk, row)
        if getattr(row, "rule__id", None) is None:
            continue
        values = []
        for field in rule_fields:
            value = getattr(row, "rule__" + field.attname)
            # A raw column comes as the database gives it: JSON as text on both databases.
            if isinstance(field, models.JSONField) and isinstance(value, str):
                value = json.loads(value, cls=field.decoder)
            values.append(value)
        rule = FormRule.from_db(connection.alias, [f.attname for f in rule_fields], values)
        rule.then_indicator = indicator
        rules.append(rule)
    rules.sort(key=lambda rule: (rule.order, rule.pk))
    for rule in rules:
        if (found := indicators.get(rule.if_indicator_id or 0)) is not None:
            rule.if_indicator = found
        if (found := indicators.get(rule.then_other_id or 0)) is not None:
            rule.then_other = found
    return list(indicators.values()), rules


def save_report(
    user: User | None,
    assignment_id: int,
    data: Mapping[str, object],
    narrative: str,
    *,
    expected_version: int,
    submit: bool,
    now: dt.datetime | None = None,
    grant: Grant | None = None,
    autosave: bool = False,
    indicators: list[Indicator] | None = None,
    rules: list[FormRule] | None = None,
) -> Assignment:
    """Save a unit's draft, or submit it. Refused values leave the saved report untouched.

    `user` is the signed-in reporter, or None when the unit writes through its personal link
    (`grant`). A submission gets a receipt (see reports.receipts), emailed once committed.
    `autosave` marks the drafts the form saves by itself, counted on one history event.
    `indicators` and `rules`: the campaign's form as the caller read it in this request (see
    read_form; read here if not given), so that a submission reads it once."""
    now = now or timezone.now()
    with transaction.atomic():
        # The person's right, the report and a submission's version key come with the lock.
        assignment = _lock(assignment_id, reporter=user, with_report=True, next_version=submit)
        report = report_of(assignment)
        # The files present, read once: the value of each FILE indicator and a version's list.
        present = (
            []
            if report is None
            else list(
                report.attachments.present().order_by("pk").values_list("pk", "indicator_code")
            )
        )
        save = check_save(
            user,
            assignment,
            data,
            narrative,
            expected_version=expected_version,
            submit=submit,
            now=now,
            grant=grant,
            autosave=autosave,
            indicators=indicators,
            rules=rules,
            present=present,
        )
        return write_save(save, report)


@dataclass(frozen=True)
class Save:
    """A save or submission every check has passed, not yet written (see check_save)."""

    user: User | None
    assignment: Assignment
    step: Step
    values: dict[str, Any]
    narrative: str
    expected_version: int
    now: dt.datetime
    grant: Grant | None
    autosave: bool
    indicators: list[Indicator]
    # The files present, as (id, indicator code) in the order they were added.
    present: list[tuple[int, str]]


def check_save(
    user: User | None,
    assignment: Assignment,
    data: Mapping[str, object],
    narrative: str,
    *,
    expected_version: int,
    submit: bool,
    now: dt.datetime,
    grant: Grant | None,
    autosave: bool,
    indicators: list[Indicator] | None,
    rules: list[FormRule] | None,
    present: list[tuple[int, str]],
) -> Save:
    """Every check of save_report on the locked `assignment`, before anything is written: the
    person's right, an open campaign, the values and the form's rules, the step and the
    version. Raises the refusal; reads nothing but the form when it is not given. `present`:
    the report's files, as (id, indicator code) in the order they were added."""
    narrative = (narrative or "").strip()
    step = Step.SUBMIT if submit else Step.SAVE
    _check_allowed(user, assignment, step, grant)
    if indicators is None:
        indicators = list(assignment.campaign.indicators.all())
    # The value of each FILE indicator is the list of its files' ids, whatever the form sent:
    # set before the values are checked, so a required one is refused on submission while
    # nothing is attached.
    files = file_values_of([i.code for i in indicators if i.kind == IndicatorKind.FILE], present)
    values = {
        **clean_values(indicators, {**data, **files}, for_submit=submit, rules=rules),
        **files,
    }
    if len(narrative) > MAX_NARRATIVE:
        raise InvalidValues(
            {"narrative": [_("Too long: at most %(limit)s characters.") % {"limit": MAX_NARRATIVE}]}
        )
    _check_step(assignment, step, expected_version)
    return Save(
        user=user,
        assignment=assignment,
        step=step,
        values=values,
        narrative=narrative,
        expected_version=expected_version,
        now=now,
        grant=grant,
        autosave=autosave,
        indicators=indicators,
        present=present,
    )


def new_report(save: Save) -> Report:
    """The report of an assignment that has none yet, inserted with the values `save` checked
    (write_save then writes it no more)."""
    return _NEW_REPORT.run(
        Report(
            assignment=save.assignment,
            values=save.values,
            narrative=save.narrative,
            updated_by=save.user,
            updated_at=save.now,
        )
    )


def write_save(save: Save, report: Report | None, *, report_written: bool = False) -> Assignment:
    """Write what check_save allowed, in the same transaction: the assignment's step and event,
    the report (`report_written`: new_report inserted it with these values), and for a
    submission its version with the receipt."""
    assignment, now = save.assignment, save.now
    submit = save.step == Step.SUBMIT
    first_submission = assignment.first_submitted_at is None
    changes: dict[str, Any] = {}
    if submit:
        changes["submitted_at"] = now
        if first_submission:
            changes["first_submitted_at"] = now
    _transition(
        save.user,
        assignment,
        save.step,
        expected_version=save.expected_version,
        now=now,
        grant=save.grant,
        coalesce=save.autosave and not submit,
        allowed_checked=True,
        changes=changes,
    )
    if not report_written:
        if report is None:
            report = new_report(save)
        else:
            report.values = save.values
            report.narrative = save.narrative
            report.updated_by = save.user
            report.updated_at = now
            _REPORT_VALUES.run(report)
    assert report is not None  # written by the caller when report_written
    if submit:
        version = _insert_version(
            report, save.user, save.values, save.narrative, now, save.present, first_submission
        )
        receipts.queue_receipt(version, now, indicators=save.indicators)
        assignment.submitted_version = version
    return assignment


def _insert_version(
    report: Report,
    user: User | None,
    values: dict[str, Any],
    narrative: str,
    now: dt.datetime,
    present: list[tuple[int, str]],
    first_submission: bool,
) -> ReportVersion:
    """The submitted version, in one INSERT with its receipt number and the receipt's "no
    address" mark."""
    assignment = report.assignment
    version = ReportVersion(
        report=report,
        # Never submitted before: this is the first version, no need to count them.
        number=1 if first_submission else report.versions.count() + 1,
        values=values,
        narrative=narrative,
        created_by=user,
        created_at=now,
        attachments=[pk for pk, _code in present],
    )
    version.receipt_error = receipts.no_address(version)
    key = getattr(assignment, "next_version_key", None)
    if key is not None:
        version.pk = int(key)
        version.receipt_number = receipts.receipt_number(version.pk, now)
        _VERSION_WITH_KEY.run(version)
    else:
        version.save(force_insert=True)
        version.receipt_number = receipts.receipt_number(version.pk, now)
        version.save(update_fields=["receipt_number"])
    return version


def return_report(
    user: User,
    assignment_id: int,
    comment: str,
    *,
    expected_version: int,
    now: dt.datetime | None = None,
) -> Assignment:
    """Send a submitted report back to its unit for correction, saying why."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidValues({"comment": [_("Say what the unit must correct.")]})
    if len(comment) > 5000:
        raise InvalidValues(
            {"comment": [_("Too long: at most %(limit)s characters.") % {"limit": 5000}]}
        )
    with transaction.atomic():
        assignment = _lock(assignment_id)
        _transition(
            user,
            assignment,
            Step.RETURN,
            expected_version=expected_version,
            now=now or timezone.now(),
            comment=comment,
        )
        # An office's answer to a campaign above: its staff learn why, to issue a correction.
        from tonghop.reports.levels import notify_returned

        notify_returned(assignment, comment, now or timezone.now())
        # An answer that came from another install by tonghop.report/1: its office hears it
        # through the exchange channel.
        from tonghop.reports.remote import tell_returned

        tell_returned(user, assignment, comment)
        return assignment


def accept_report(
    user: User,
    assignment_id: int,
    *,
    expected_version: int,
    now: dt.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _lock(assignment_id)
        _transition(user, assignment, Step.ACCEPT, expected_version=expected_version, now=now)
        assignment.accepted_at = now
        assignment.save(update_fields=["accepted_at"])
        return assignment


MAX_REASON = 2000

# What else must last until an assignment's new due time (the unit's personal links, in
# links.actions.lengthen_links): called in the extension's transaction with the assignment,
# the new due time and now; what it returns goes into the event's details.
Lengthen = Callable[[Assignment, dt.datetime, dt.datetime], Mapping[str, Any]]


def extend_due(
    user: User,
    assignment_id: int,
    new_due: dt.datetime,
    reason: str,
    *,
    expected_version: int,
    lengthen: Lengthen,
    now: dt.datetime | None = None,
) -> Assignment:
    """Move one unit's due time later, saying why. The state is unchanged; the old and new due
    times are kept in the event, and a submission is judged against the new one. `lengthen` is
    what must last until the new due time too (its package sits above this one)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValues({"reason": [_("Give the reason for the extension.")]})
    if len(reason) > MAX_REASON:
        raise InvalidValues(
            {"reason": [_("Too long: at most %(limit)s characters.") % {"limit": MAX_REASON}]}
        )
    with transaction.atomic():
        assignment = _lock(assignment_id)
        if not user.is_active:
            raise NotAllowed(_("Your account is disabled."))
        if not user.has_office_role(assignment.campaign.office, *STEP_ROLES[Step.EXTEND]):
            raise NotAllowed(_("You are not allowed to do this for this unit."))
        if assignment.version != expected_version:
            raise StaleForm(
                _(
                    "This report changed after you opened it (its state is now “%(state)s”). "
                    "Nothing was saved; the page shows the current version."
                )
                % {"state": assignment.display_status.label}
            )
        old_due = assignment.due_at
        if new_due <= old_due:
            raise InvalidValues(
                {
                    "due_at": [
                        _("The new due time must be later than the current one (%(due)s).")
                        % {"due": _local(old_due)}
                    ]
                }
            )
        if new_due <= now:
            raise InvalidValues({"due_at": [_("The new due time cannot be in the past.")]})
        assignment.due_at = new_due
        assignment.version += 1
        assignment.save(update_fields=["due_at", "version", "updated_at"])
        details: dict[str, Any] = {"old_due": old_due.isoformat(), "new_due": new_due.isoformat()}
        details |= lengthen(assignment, new_due, now)
        AssignmentEvent.objects.create(
            assignment=assignment,
            actor=user,
            step=Step.EXTEND,
            from_state=assignment.state,
            to_state=assignment.state,
            comment=reason,
            at=now,
            details=details,
        )
        return assignment
