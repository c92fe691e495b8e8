"""Reminder pages: the office's page per campaign, and everyone's notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.campaigns.access import get_campaign_for_staff
from tonghop.campaigns.models import Campaign, CampaignStatus
from tonghop.outbox.models import MessageKind, MessageStatus, Notification
from tonghop.reminders import actions, directive, receipts
from tonghop.reminders.forms import PolicyForm
from tonghop.reminders.models import ReminderPolicy
from tonghop.reminders.schedule import format_offsets, next_slot
from tonghop.reminders.texts import SUBMITTED_STATES, local_tz, policy_for
from tonghop.reports.access import get_assignment_for_reporter
from tonghop.visitors import is_person

# What the reminders pages read of a campaign besides its office.
READS = ("reminder_policy", "source_document")
LOG_ROWS = 200  # reminder messages a page; the latest notifications shown


def _get_notification_for_user(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.filter(user=signed_in_user(request)), pk=pk)


def _policy_initial(policy: ReminderPolicy) -> dict[str, object]:
    return {
        "offsets": format_offsets(policy.schedule().offsets_days),
        "repeat_every_days": policy.repeat_every_days,
        "send_hour": policy.send_hour,
        "digest_enabled": policy.digest_enabled,
    }


def _campaign_page(
    request: HttpRequest, campaign: Campaign, form: PolicyForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    policy = policy_for(campaign)
    running = campaign.status == CampaignStatus.OPEN and not policy.is_stopped
    owed = list(
        campaign.assignments.active()
        .exclude(state__in=SUBMITTED_STATES)
        .select_related("unit")
        .order_by("unit__name")
    )
    # When the unit was last reminded (by schedule or by hand, by email or in the app): the
    # moment the reminder was made, so a reminder sent by hand shows at once, before the
    # worker has mailed it; one that failed or was cancelled does not count.
    last_sent = dict(
        campaign.reminder_messages.filter(kind__in=[MessageKind.REMINDER, MessageKind.MANUAL])
        .exclude(assignment=None)
        .exclude(status__in=[MessageStatus.FAILED, MessageStatus.CANCELLED])
        .values("assignment")
        .annotate(last=Max("created_at"))
        .values_list("assignment", "last")
    )
    schedule, tz = policy.schedule(), local_tz()
    rows = [
        (
            assignment,
            last_sent.get(assignment.pk),
            next_slot(assignment.due_at, schedule, tz, now) if running else None,
        )
        for assignment in owed
    ]
    wanted = request.GET.get("status", "")
    log = campaign.reminder_messages.select_related("assignment__unit", "created_by")
    if wanted in MessageStatus.values:
        log = log.filter(status=wanted)
    counts = dict(
        campaign.reminder_messages.values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    context = {
        "campaign": campaign,
        "policy": policy,
        "offsets": format_offsets(schedule.offsets_days),
        "running": running,
        "form": form or PolicyForm(initial=_policy_initial(policy)),
        "rows": rows,
        "no_address": [a for a in owed if not a.unit.email],
        "log": Paginator(log, LOG_ROWS).get_page(request.GET.get("log_page")),
        "log_query": urlencode({"status": wanted}) if wanted else "",
        "wanted": wanted,
        "status_counts": [(s, counts.get(s.value, 0)) for s in MessageStatus],
        "total": sum(counts.values()),
    }
    return TemplateResponse(request, "reminders/campaign.html", context, status=status)


@login_required
def campaign(request: HttpRequest, slug: str) -> HttpResponse:
    return _campaign_page(request, get_campaign_for_staff(request, slug, *READS))


@login_required
@require_POST
def policy_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug, *READS)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _campaign_page(request, campaign, form, status=400)
    change = actions.PolicyChange(
        offsets_days=form.cleaned_data["offsets"],
        repeat_every_days=form.cleaned_data["repeat_every_days"],
        send_hour=form.cleaned_data["send_hour"],
        digest_enabled=form.cleaned_data["digest_enabled"],
    )
    actions.update_policy(signed_in_user(request), campaign, change)
    messages.success(request, _("The reminder schedule was saved."))
    return redirect("reminders:campaign", slug=slug)


@login_required
@require_POST
def policy_state(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug, *READS)
    stopped = action == "stop"
    actions.set_stopped(signed_in_user(request), campaign, stopped)
    if stopped:
        messages.success(request, _("Scheduled reminders are stopped for this campaign."))
    else:
        messages.success(request, _("Scheduled reminders are running again."))
    return redirect("reminders:campaign", slug=slug)


@login_required
@require_POST
def remind(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug, *READS)
    ids = [int(value) for value in request.POST.getlist("assignment") if value.isdigit()]
    if not ids:
        messages.error(request, _("Choose at least one unit."))
        return redirect("reminders:campaign", slug=slug)
    try:
        result = actions.remind_now(signed_in_user(request), campaign, ids)
    except actions.ReminderError as exc:
        messages.error(request, str(exc))
        return redirect("reminders:campaign", slug=slug)
    if result.reminded:
        messages.success(
            request,
            _("Reminder sent to %(count)s unit(s).") % {"count": len(result.reminded)},
        )
    if result.already:
        messages.error(
            request,
            _("%(count)s unit(s) were already reminded this minute.")
            % {"count": len(result.already)},
        )
    if result.submitted:
        messages.error(
            request,
            _("%(count)s unit(s) have already reported; no reminder was sent to them.")
            % {"count": len(result.submitted)},
        )
    return redirect("reminders:campaign", slug=slug)


@login_required
@require_POST
def digest(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug, *READS)
    try:
        sent = actions.send_digest(campaign, by=signed_in_user(request))
    except actions.ReminderError as exc:
        messages.error(request, str(exc))
        return redirect("reminders:campaign", slug=slug)
    if sent:
        messages.success(request, _("The digest of late units was sent to the office."))
    else:
        messages.error(request, _("The digest was already sent this minute."))
    return redirect("reminders:campaign", slug=slug)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=signed_in_user(request))[:LOG_ROWS]
    return TemplateResponse(request, "reminders/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_notification_for_user(request, pk)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return redirect("reminders:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=signed_in_user(request)).unread().update(
        read_at=timezone.now()
    )
    return redirect("reminders:notifications")


# -- the directive ------------------------------------------------------------------------

RECEIPT_ROWS = 100


def _tell_sent(request: HttpRequest, result: directive.DirectiveResult) -> None:
    if not result.sent and not result.retried:
        messages.error(
            request, _("Every unit has already received the directive; nothing was sent.")
        )
        return
    if result.sent:
        messages.success(
            request,
            _("The directive was sent to %(units)s unit(s); %(emails)s email(s) are on their way.")
            % {"units": len(result.sent), "emails": result.emails},
        )
        if not result.attachment_name:
            messages.error(
                request,
                _("The campaign has no directive document: the emails went without attachment."),
            )
    if result.retried:
        messages.success(
            request,
            _("%(count)s email(s) that had failed are being sent again.")
            % {"count": result.retried},
        )
    if result.unreachable:
        messages.error(
            request,
            _(
                "%(count)s unit(s) have no account and no email address: contact them by "
                "phone (see the list below)."
            )
            % {"count": len(result.unreachable)},
        )


@login_required
@require_http_methods(["GET", "POST"])
def directive_send(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation page (GET), then the office's press of "send" (POST)."""
    campaign = get_campaign_for_staff(request, slug, *READS)
    if request.method == "POST":
        try:
            result = directive.send_directive(
                campaign, by=signed_in_user(request), base_url=settings.SITE_URL
            )
        except directive.DirectiveError as exc:
            messages.error(request, str(exc))
            return redirect("reminders:directive", slug=slug)
        _tell_sent(request, result)
        return redirect("reminders:receipts", slug=slug)
    plan = directive.plan_directive(campaign)
    return TemplateResponse(
        request, "reminders/directive.html", {"campaign": campaign, "plan": plan}
    )


@login_required
@require_safe
def receipts_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug, *READS)
    now = timezone.now()
    wanted = request.GET.get("state", "")
    page = Paginator(receipts.filtered(campaign, wanted, now), RECEIPT_ROWS).get_page(
        request.GET.get("page")
    )
    context = {
        "campaign": campaign,
        "counts": receipts.receipt_counts(campaign, now),
        "rows": receipts.rows_for(list(page.object_list), now),
        "page": page,
        "pager_query": urlencode({"state": wanted}) if wanted else "",
        "wanted": wanted,
        "states": list(receipts.ReceiptState),
    }
    return TemplateResponse(request, "reminders/receipts.html", context)


@login_required
@require_POST
def confirm_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_reporter(request, pk)
    try:
        directive.confirm_receipt(assignment, user=signed_in_user(request), link_id=None)
    except directive.DirectiveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: your unit's receipt of the directive is recorded."))
    return redirect("reports:form", pk=assignment.pk)


@login_required
@require_safe
def directive_document(request: HttpRequest, pk: int) -> FileResponse:
    """The directive's file as sent, for units reached only in the app."""
    assignment = get_assignment_for_reporter(request, pk)
    document = assignment.campaign.source_document
    if directive.delivery_for(assignment) is None or document is None or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    if is_person(request):
        directive.mark_opened(assignment, signed_in_user(request))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=directive.attachment_name(document),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
