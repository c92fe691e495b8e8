"""Creating a campaign, by hand, from a registered document, as a copy or from a template;
choosing its units; keeping form templates."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tonghop.campaigns.actions import (
    ActionError,
    IndicatorSpec,
    rules_of,
    rules_of_template,
    specs_from_campaign,
    specs_from_template,
)
from tonghop.campaigns.form_models import FormTemplate
from tonghop.campaigns.models import Campaign
from tonghop.campaigns.presets import PRESETS
from tonghop.campaigns.unit_table import MAX_BYTES
from tonghop.campaigns.values import ascii_slug
from tonghop.documents.models import Document
from tonghop.forms import CleanInputForm
from tonghop.orgs.models import Unit, UnitKind, User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT_KINDS = [(k.value, k.label) for k in UnitKind if k != UnitKind.OFFICE]
GROUP_LABELS = {
    UnitKind.COMMUNE: gettext_lazy("All communes"),
    UnitKind.SCHOOL: gettext_lazy("All schools"),
    UnitKind.AGENCY: gettext_lazy("All agencies"),
    UnitKind.OTHER: gettext_lazy("All other units"),
}
# Words of the campaign pages' own addresses (campaigns/new/, campaigns/templates/).
RESERVED_SLUGS = frozenset({"new", "templates"})


def slug_for(title: str) -> str:
    base = ascii_slug(title) or "dot-bao-cao"
    if base in RESERVED_SLUGS:
        base = f"{base}-dot"
    slug, n = base, 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- The unit picker -------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeNode:
    unit: Unit
    depth: int
    ancestors: tuple[int, ...]  # pks from the office's child down to the parent
    below: int  # active units below this one

    @property
    def indent(self) -> int:
        """The depth as a CSS class suffix (depth-0 … depth-5): deeper levels stay at 5."""
        return min(self.depth, 5)


def unit_tree(office: Unit) -> list[TreeNode]:
    """The office's tree, depth first, siblings by name; inactive units are left out (units
    below an inactive one keep their place)."""
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in office.descendants():
        children[unit.parent_id].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.name.casefold(), u.pk))
    order: list[tuple[Unit, int, tuple[int, ...]]] = []
    stack: list[tuple[Unit, int, tuple[int, ...]]] = [
        (unit, 0, ()) for unit in reversed(children[office.pk])
    ]
    while stack:
        unit, depth, ancestors = stack.pop()
        order.append((unit, depth, ancestors))
        path = (*ancestors, unit.pk)
        stack.extend((child, depth + 1, path) for child in reversed(children[unit.pk]))
    below: dict[int, int] = defaultdict(int)
    for unit, _depth, ancestors in order:
        if unit.is_active:
            for pk in ancestors:
                below[pk] += 1
    return [
        TreeNode(unit, depth, ancestors, below[unit.pk])
        for unit, depth, ancestors in order
        if unit.is_active
    ]


class UnitPickerForm(CleanInputForm, forms.Form):
    """Units by group (all schools), by branch (a unit and everything below) and one by one.

    Works without JavaScript: three sets of checkboxes whose union, without duplicates, is the
    choice. Only units of the office's own tree can be chosen; anything else sent by hand is
    refused with a message.
    """

    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Groups of units"),
        choices=UNIT_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    subtrees = forms.MultipleChoiceField(
        label=gettext_lazy("Whole branches (a unit and every unit below it)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    units = forms.MultipleChoiceField(
        label=gettext_lazy("Single units"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def setup_picker(self, offices: Sequence[Unit]) -> None:
        self.trees = {office.pk: unit_tree(office) for office in offices}
        self.picker_offices = list(offices)
        nodes = [node for tree in self.trees.values() for node in tree]
        refused = gettext_lazy("“%(value)s” is not a unit of the office's tree.")
        for name, choices in (
            ("subtrees", [(str(n.unit.pk), n.unit.name) for n in nodes if n.below]),
            ("units", [(str(n.unit.pk), n.unit.name) for n in nodes]),
        ):
            picker_field = self.fields[name]
            assert isinstance(picker_field, forms.MultipleChoiceField)
            picker_field.choices = choices
            picker_field.error_messages["invalid_choice"] = refused
        if len(offices) == 1:
            counts: dict[str, int] = defaultdict(int)
            for node in nodes:
                counts[node.unit.kind] += 1
            kinds = self.fields["unit_kinds"]
            assert isinstance(kinds, forms.MultipleChoiceField)
            kinds.choices = [
                (kind, f"{GROUP_LABELS[UnitKind(kind)]} ({counts[kind]})")
                for kind, _label in UNIT_KINDS
            ]

    def picker_office(self) -> Unit:
        """The office whose tree the units come from."""
        return self.picker_offices[0]

    def check_picker(self, office: Unit) -> None:
        """Refuse units of another of the person's offices (each is in the choices)."""
        tree = {node.unit.pk for node in self.trees.get(office.pk, [])}
        names = {node.unit.pk: node.unit.name for t in self.trees.values() for node in t}
        for name in ("subtrees", "units"):
            for value in self.cleaned_data.get(name) or []:
                if int(value) not in tree:
                    self.add_error(
                        name,
                        _("%(unit)s is not in the tree of %(office)s.")
                        % {"unit": names.get(int(value), value), "office": office.name},
                    )

    def chosen_units(self, office: Unit) -> list[Unit]:
        """The union of the groups, branches and single units, in the tree's order."""
        kinds = set(self.cleaned_data.get("unit_kinds") or [])
        roots = {int(v) for v in self.cleaned_data.get("subtrees") or []}
        singles = {int(v) for v in self.cleaned_data.get("units") or []}
        return [
            node.unit
            for node in self.trees.get(office.pk, [])
            if node.unit.kind in kinds
            or node.unit.pk in singles
            or node.unit.pk in roots
            or roots.intersection(node.ancestors)
        ]

    def picker_rows(self) -> list[tuple[TreeNode, bool, bool, Unit]]:
        """For the template: each unit of the tree, whether it is ticked as a single unit and
        as a branch, and its office (the picker may show several offices' trees)."""
        singles = set(_values(self, "units"))
        roots = set(_values(self, "subtrees"))
        return [
            (node, str(node.unit.pk) in singles, str(node.unit.pk) in roots, office)
            for office in self.picker_offices
            for node in self.trees[office.pk]
        ]


def _values(form: forms.Form, name: str) -> list[str]:
    value = form[name].value()
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


# --- Where the form comes from ----------------------------------------------------------------


def form_source_choices(user: User, also: Campaign | None = None) -> list[Any]:
    """Built-in forms, the templates of the person's offices, the forms of their campaigns."""
    builtin = [(key, name) for key, (name, _items) in PRESETS.items()]
    choices: list[Any] = [(gettext_lazy("Built-in forms"), builtin)]
    templates = [
        (f"template-{t.pk}", t.name) for t in FormTemplate.objects.for_office_staff(user).active()
    ]
    if templates:
        choices.append((gettext_lazy("Templates of the office"), templates))
    recent = list(Campaign.objects.for_office_staff(user).order_by("-created_at")[:100])
    if also is not None and also not in recent:
        recent.append(also)
    if recent:
        copies = [
            (f"campaign-{c.pk}", f"{c.title} ({timezone.localtime(c.due_at):%d/%m/%Y})")
            for c in recent
        ]
        choices.append((gettext_lazy("Copy the form of a campaign"), copies))
    return choices


Form = tuple[tuple[IndicatorSpec, ...], tuple[dict[str, Any], ...]]


def form_for(choice: str, user: User) -> Form:
    """The form (indicators and rules across fields) a choice of form_source_choices names,
    read again from what the user may see."""
    kind, _sep, key = choice.partition("-")
    if choice in PRESETS:
        return PRESETS[choice][1], ()
    with contextlib.suppress(ValueError):
        if kind == "template":
            template = (
                FormTemplate.objects.for_office_staff(user).active().filter(pk=int(key)).first()
            )
            if template is not None:
                return specs_from_template(template), rules_of_template(template)
        if kind == "campaign":
            campaign = Campaign.objects.for_office_staff(user).filter(pk=int(key)).first()
            if campaign is not None:
                return specs_from_campaign(campaign), rules_of(campaign)
    raise ActionError(_("This form is not available any more: choose another."))


# --- The new campaign --------------------------------------------------------------------------


class CampaignForm(UnitPickerForm):
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
    report_to_email = forms.EmailField(label=gettext_lazy("Recipient's email"), required=False)
    report_to_organ_id = forms.CharField(
        label=gettext_lazy("Recipient's organ code"), max_length=40, required=False
    )
    report_symbol = forms.CharField(
        label=gettext_lazy("Symbol of the consolidated report"), max_length=60, required=False
    )
    preset = forms.ChoiceField(label=gettext_lazy("Form"))
    unit_file = forms.FileField(
        label=gettext_lazy("Or import the unit list from a file (Excel .xlsx or CSV)"),
        required=False,
        help_text=gettext_lazy(
            "Columns: Unit code, Unit name, and if you wish Kind, Parent unit, Email, "
            "Contact person, Phone (or their Vietnamese headings). At most 2 MB and 5,000 units. "
            "You see what will change before anything is changed."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
    # The id of a previewed unit list (kept on the server) and the digest of the preview seen.
    unit_list = forms.UUIDField(required=False, widget=forms.HiddenInput)
    unit_list_digest = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    field_order = ["office", "title", "slug", "description", "period_start", "period_end"]

    def __init__(
        self,
        user: User,
        offices: QuerySet[Unit],
        *args: Any,
        copy_of: Campaign | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        office_list = list(offices)
        if len(office_list) == 1:
            office_field.initial = office_list[0]
            office_field.widget = forms.HiddenInput()
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = form_source_choices(user, also=copy_of)
        self.setup_picker(office_list)
        # Nothing chosen for the person: no unit ticked, and a form without the seed's
        # indicators (they are added on the form's page, or copied from a campaign).
        self.initial.setdefault("preset", "narrative")
        # The date picker offers no day already past; clean() refuses one typed all the same.
        due = self.fields["due_date"]
        due.widget.attrs["min"] = timezone.localdate(timezone=VN).isoformat()

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data.get("slug") or ""
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This short name is reserved: choose another."))
        if slug and Campaign.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This short name is already used by another campaign."))
        return slug

    def clean_unit_file(self) -> Any:
        upload = self.cleaned_data.get("unit_file")
        if upload is not None and upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is too large: at most 2 MB."))
        return upload

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
        if data.get("office") is not None:
            self.check_picker(data["office"])
        return data

    @classmethod
    def initial_from(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """What a posted page held, as the initial values of a fresh (unchecked) form: the page
        is drawn again after a preview without complaining about fields not yet filled."""
        initial: dict[str, Any] = {}
        for name, form_field in cls.base_fields.items():
            if isinstance(form_field, forms.FileField):
                continue
            if isinstance(form_field, forms.MultipleChoiceField):
                getlist = getattr(data, "getlist", None)
                initial[name] = getlist(name) if getlist else list(data.get(name) or [])
            elif name in data:
                initial[name] = data.get(name)
        return initial


def initial_from_campaign(campaign: Campaign) -> tuple[dict[str, Any], list[str]]:
    """Pre-fill a new campaign as a copy of another: its words, its form, the same units.

    The due date and the period are left for the person to set.
    """
    notes: list[str] = []
    units = list(campaign.assignments.active().select_related("unit"))
    tree = {node.unit.pk for node in unit_tree(campaign.office)}
    kept = [str(a.unit_id) for a in units if a.unit_id in tree]
    if len(kept) < len(units):
        notes.append(
            _("%(n)s units of that campaign are no longer active in the office's tree: left out.")
            % {"n": len(units) - len(kept)}
        )
    initial: dict[str, Any] = {
        "office": campaign.office,
        "title": (_("%(title)s (copy)") % {"title": campaign.title})[:300],
        "description": campaign.description,
        "report_to": campaign.report_to,
        "report_to_email": campaign.report_to_email,
        "report_to_organ_id": campaign.report_to_organ_id,
        "report_symbol": campaign.report_symbol,
        "preset": f"campaign-{campaign.pk}",
        "unit_kinds": [],
        "subtrees": [],
        "units": kept,
    }
    return initial, notes


class UnitsForm(UnitPickerForm):
    """More units for an open campaign, chosen from its office's tree."""

    def __init__(self, office: Unit, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_picker([office])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_picker(self.picker_office())
        return data


class UnitFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Unit list (Excel .xlsx or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        help_text=CampaignForm.base_fields["unit_file"].help_text,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is too large: at most 2 MB."))
        return upload


class TemplateForm(CleanInputForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the template"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


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
