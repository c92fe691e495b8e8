"""Creating a campaign, by hand or from a registered document."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tonghop.campaigns.models import Campaign
from tonghop.campaigns.presets import PRESETS
from tonghop.documents.models import Document
from tonghop.orgs.models import Unit, UnitKind

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT_KINDS = [(k.value, k.label) for k in UnitKind if k != UnitKind.OFFICE]


def slug_for(title: str) -> str:
    base = slugify(title.replace("đ", "d").replace("Đ", "D"))[:60].strip("-") or "dot-bao-cao"
    slug, n = base, 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class CampaignForm(forms.Form):
    office = forms.ModelChoiceField(queryset=Unit.objects.none(), label=gettext_lazy("Office"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    slug = forms.SlugField(
        label=gettext_lazy("Short name (in links)"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("Made from the title when left empty."),
    )
    description = forms.CharField(
        label=gettext_lazy("What units must do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )
    period_start = forms.DateField(
        label=gettext_lazy("Period start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label=gettext_lazy("Period end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Reports due on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_time = forms.TimeField(
        label=gettext_lazy("at"),
        initial=dt.time(23, 59),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    report_to = forms.CharField(label=gettext_lazy("Report to"), max_length=255, required=False)
    report_symbol = forms.CharField(
        label=gettext_lazy("Symbol of the consolidated report"), max_length=60, required=False
    )
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Units"),
        choices=UNIT_KINDS,
        widget=forms.CheckboxSelectMultiple,
        initial=[value for value, _label in UNIT_KINDS],
    )
    preset = forms.ChoiceField(
        label=gettext_lazy("Form"),
        choices=[(key, name) for key, (name, _items) in PRESETS.items()],
    )

    def __init__(self, offices: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        if offices.count() == 1:
            office_field.initial = offices.first()
            office_field.widget = forms.HiddenInput()

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data.get("slug") or ""
        if slug and Campaign.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This short name is already used by another campaign."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        if data.get("due_date") and data.get("due_time") is not None:
            due = dt.datetime.combine(data["due_date"], data["due_time"], VN)
            if due <= timezone.now():
                self.add_error("due_date", _("The due time has already passed."))
            data["due_at"] = due
        if not data.get("slug") and data.get("title"):
            data["slug"] = slug_for(data["title"])
        return data

    def units(self) -> list[Unit]:
        office: Unit = self.cleaned_data["office"]
        kinds = set(self.cleaned_data["unit_kinds"])
        return [u for u in office.descendants() if u.is_active and u.kind in kinds]


def initial_from_document(document: Document) -> tuple[dict[str, Any], list[str]]:
    """Pre-fill a campaign from what was read in a document; notes say what was adjusted."""
    fields = document.parsed or {}
    notes: list[str] = []
    subject = (document.subject or "").strip()
    initial: dict[str, Any] = {
        "office": document.office,
        "title": subject[:1].upper() + subject[1:],
        "report_to": document.issuer,
        "description": subject,
    }
    issued = document.issued_on
    codes = {f.get("code") for f in document.findings}
    periods = [p for p in fields.get("periods") or [] if isinstance(p, dict)]
    window = _period(periods[0]) if periods else None
    if window is not None:
        start, end = window
        if issued and "period-year-mismatch" in codes and start.year != issued.year:
            # The commonest slip in real documents: last year's year typed again.
            notes.append(
                _("The document writes the period in %(wrong)s; proposed in %(year)s.")
                % {"wrong": start.year, "year": issued.year}
            )
            shift = issued.year - start.year
            # 29 February in a year without it stays as written.
            with contextlib.suppress(ValueError):
                start, end = (
                    start.replace(year=start.year + shift),
                    end.replace(year=end.year + shift),
                )
        initial["period_start"], initial["period_end"] = start, end
    deadlines = [d for d in fields.get("deadlines") or [] if isinstance(d, dict)]
    if deadlines:
        try:
            day = dt.date.fromisoformat(str(deadlines[0]["date"]))
        except (KeyError, ValueError):
            day = None
        if day:
            # "trước ngày 06/5" means reports are due by the end of 05/5.
            if not deadlines[0].get("inclusive"):
                day -= dt.timedelta(days=1)
            initial["due_date"] = day
            initial["due_time"] = dt.time(23, 59)
    return initial, notes


def _period(period: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    try:
        return dt.date.fromisoformat(str(period["start"])), dt.date.fromisoformat(
            str(period["end"])
        )
    except (KeyError, ValueError):
        return None
