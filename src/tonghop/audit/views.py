"""The audit log page: events newest first, filtered, and exported as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.access import events_for
from tonghop.audit.forms import EventFilterForm
from tonghop.audit.models import Action, AuditEvent, AuditEventQuerySet
from tonghop.audit.spreadsheet import safe_cell
from tonghop.orgs.models import User

PAGE_SIZE = 100


def _get_events_for_admin(request: HttpRequest) -> AuditEventQuerySet:
    """The only way into the log: through what the signed-in person may read (404 otherwise)."""
    assert isinstance(request.user, User)
    events = events_for(request.user)
    if events is None:
        raise Http404
    return events


def _filtered(events: AuditEventQuerySet, form: EventFilterForm) -> AuditEventQuerySet:
    if not form.is_valid():
        return events
    data = form.cleaned_data
    if data["action"]:
        events = events.filter(action=data["action"])
    if person := data["person"].strip():
        events = events.filter(
            Q(username__icontains=person)
            | Q(actor__full_name__icontains=person)
            | Q(subject__username__icontains=person)
            | Q(subject__full_name__icontains=person)
        )
    # Dates are the office's calendar days (TIME_ZONE), as the people choosing them mean.
    if data["since"]:
        events = events.filter(at__date__gte=data["since"])
    if data["until"]:
        events = events.filter(at__date__lte=data["until"])
    return events


@login_required
def events(request: HttpRequest) -> HttpResponseBase:
    form = EventFilterForm(request.GET or None)
    found = _filtered(_get_events_for_admin(request), form).select_related("actor", "subject")
    if request.GET.get("format") == "csv":
        return _csv(found)
    page = Paginator(found.newest_first(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "csv_query": _with_format(query.urlencode()),
    }
    return TemplateResponse(request, "audit/events.html", context)


def _with_format(query: str) -> str:
    return f"{query}&format=csv" if query else "format=csv"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _header() -> list[str]:
    return [
        _("Time"),
        _("Action"),
        _("User name"),
        _("By"),
        _("Person concerned"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Address"),
        _("Details"),
    ]


def _rows(events: AuditEventQuerySet, header: list[str], labels: dict[str, str]) -> Iterator[str]:
    """The lines of the file; texts are translated before streaming starts, in the request."""
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel open the Vietnamese text as UTF-8.
    yield "\ufeff"
    yield writer.writerow(header)
    event: AuditEvent
    for event in events.newest_first().iterator(chunk_size=1000):
        cells = [
            timezone.localtime(event.at).isoformat(timespec="seconds"),
            labels.get(event.action, event.action),
            event.username,
            event.actor.display_name() if event.actor else "",
            event.subject.get_username() if event.subject else "",
            event.object_type,
            event.object_id,
            event.object_text,
            event.ip or "",
            json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else "",
        ]
        yield writer.writerow([safe_cell(str(cell)) for cell in cells])


def _csv(events: AuditEventQuerySet) -> StreamingHttpResponse:
    labels = {value: str(label) for value, label in Action.choices}
    response = StreamingHttpResponse(
        _rows(events, _header(), labels), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.csv"'
    return response
