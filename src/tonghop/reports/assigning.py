"""Handing a campaign to units: one assignment per unit, due at the campaign's due time.

Every change here is one function, in one transaction; a refusal is an ActionError whose str()
is a sentence for the person who asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.campaigns.actions import ActionError, CampaignSpec, apply_unit_import, new_campaign
from tonghop.campaigns.models import Campaign, CampaignStatus, UnitImport
from tonghop.documents.channel import StatusCode, queue_status
from tonghop.documents.models import Document
from tonghop.orgs.models import Unit, User
from tonghop.reports.models import Assignment, Report, State


@transaction.atomic
def create_campaign(
    office: Unit,
    spec: CampaignSpec,
    units: Iterable[Unit],
    *,
    by: User | None,
    source_document: Document | None = None,
    status: CampaignStatus = CampaignStatus.OPEN,
    unit_list: UnitImport | None = None,
    expected_digest: str = "",
) -> Campaign:
    """Create a campaign with its form and one assignment per unit, all due at the same time.

    With `unit_list` (a previewed unit list of this office), its units are created or updated
    first and handed the campaign too, in the same transaction.
    """
    if source_document is not None and not source_document.is_registered:
        # A campaign cites its directive by its register entry: a document still being read
        # or checked has none yet.
        raise ActionError(
            _("Register the document first: a campaign can start only from a registered document.")
        )
    chosen = list(units)
    if unit_list is not None:
        chosen += apply_unit_import(unit_list, by=by, expected_digest=expected_digest)
    campaign = new_campaign(office, spec, by=by, source_document=source_document, status=status)
    unique = list({unit.pk: unit for unit in chosen}.values())
    Assignment.objects.bulk_create(
        Assignment(campaign=campaign, unit=unit, due_at=spec.due_at) for unit in unique
    )
    if source_document is not None and source_document.exchange_id:
        # The agency that sent the directive learns it was handed to units (đã phân công).
        queue_status(source_document, StatusCode.ASSIGNED, staff=by)
    return campaign


def _open_campaign(campaign_pk: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_pk)
    if campaign.status != CampaignStatus.OPEN:
        raise ActionError(_("The campaign is not open: its units can no longer change."))
    return campaign


@transaction.atomic
def add_units(campaign_pk: int, units: Iterable[Unit], *, by: User) -> list[Assignment]:
    """Hand an open campaign to more units, due at the campaign's due time.

    Units already in the campaign are left as they are; a unit removed earlier gets its old
    (never started) assignment back instead of a second one.
    """
    campaign = _open_campaign(campaign_pk)
    wanted = {unit.pk: unit for unit in units}
    present = set(
        campaign.assignments.active()
        .filter(unit_id__in=list(wanted))
        .values_list("unit_id", flat=True)
    )
    missing = [unit for pk, unit in wanted.items() if pk not in present]
    # A unit taken off earlier (never started: nothing else can be taken off) gets that
    # assignment back; the others get a new one. Two queries and two writes, however many.
    removed: dict[int, Assignment] = {}
    for old in campaign.assignments.filter(
        unit_id__in=[unit.pk for unit in missing], is_active=False, state=State.NOT_STARTED
    ).order_by("pk"):
        removed[old.unit_id] = old
    now = timezone.now()
    back = [removed[unit.pk] for unit in missing if unit.pk in removed]
    for old in back:
        old.is_active, old.due_at, old.updated_at = True, campaign.due_at, now
    Assignment.objects.bulk_update(back, ["is_active", "due_at", "updated_at"])
    new = Assignment.objects.bulk_create(
        Assignment(campaign=campaign, unit=unit, due_at=campaign.due_at)
        for unit in missing
        if unit.pk not in removed
    )
    added = back + new
    for assignment in added:
        assignment.unit = wanted[assignment.unit_id]
    if added:
        record(
            Action.DATA,
            actor=by,
            obj=campaign,
            details={"change": "units added", "units": [a.unit.code for a in added]},
        )
    return added


@transaction.atomic
def remove_unit(campaign_pk: int, assignment_pk: int, *, by: User) -> Assignment:
    """Take a unit off an open campaign, if it has not started its report.

    The assignment is kept (inactive), never deleted: a unit's report is never lost this way.
    """
    campaign = _open_campaign(campaign_pk)
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("unit")
        .get(pk=assignment_pk, campaign=campaign, is_active=True)
    )
    if (
        assignment.state != State.NOT_STARTED
        or Report.objects.filter(assignment=assignment).exists()
    ):
        raise ActionError(
            _(
                "%(unit)s has already saved or submitted a report for this campaign: it cannot "
                "be removed. Extend its due time or leave it in."
            )
            % {"unit": assignment.unit.name}
        )
    assignment.is_active = False
    assignment.save(update_fields=["is_active", "updated_at"])
    record(
        Action.DATA,
        actor=by,
        obj=campaign,
        details={"change": "unit removed", "units": [assignment.unit.code]},
    )
    return assignment


@transaction.atomic
def import_units_into_campaign(
    campaign_pk: int, unit_list: UnitImport, *, by: User, expected_digest: str
) -> tuple[list[Unit], list[Assignment]]:
    """Confirm a previewed list for an open campaign: the units, then their assignments."""
    _open_campaign(campaign_pk)
    if unit_list.campaign_id != campaign_pk:
        raise ActionError(_("This unit list was prepared for another campaign."))
    units = apply_unit_import(unit_list, by=by, expected_digest=expected_digest)
    return units, add_units(campaign_pk, units, by=by)
