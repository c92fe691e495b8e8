"""The report form a unit fills in, drawn from the campaign's indicators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.values import format_typed
from tonghop.forms import CleanInputForm
from tonghop.reports.actions import MAX_NARRATIVE

# Up to this many options a choice is radio buttons, every option in sight on a phone; more
# make a list too long to scroll, so they go in a drop-down.
MAX_RADIO_OPTIONS = 6
YES, NO = "yes", "no"


@dataclass(frozen=True)
class FileSlot:
    """A FILE indicator's place in the form. It has no form field (its files are attached
    through the attachments block, not typed), so sections() yields this marker where the
    template renders that block; it renders as nothing in a loop that does not know it."""

    indicator: Indicator
    is_file: bool = True
    errors: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def label(self) -> str:
        return _label(self.indicator)

    @property
    def help_text(self) -> str:
        return self.indicator.help_text

    @property
    def required(self) -> bool:
        return self.indicator.required

    def __str__(self) -> str:
        return ""


def _label(indicator: Indicator) -> str:
    if indicator.unit_of_measure:
        return f"{indicator.label} ({indicator.unit_of_measure})"
    return indicator.label


def _widget(indicator: Indicator) -> forms.Widget:
    """The easiest way to give this kind of answer on a phone."""
    kind = indicator.kind
    no_answer: list[tuple[str, Any]] = [] if indicator.required else [("", _("No answer"))]
    if kind == IndicatorKind.LONG_TEXT:
        return forms.Textarea(attrs={"rows": 3})
    if kind == IndicatorKind.INTEGER:
        return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    if kind == IndicatorKind.DECIMAL:
        return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    if kind == IndicatorKind.YES_NO:
        return forms.RadioSelect(
            choices=[(YES, _("Yes")), (NO, _("No")), *no_answer], attrs={"class": "choice"}
        )
    if kind == IndicatorKind.CHOICE:
        options = [(option, option) for option in indicator.choices or []]
        if len(options) <= MAX_RADIO_OPTIONS:
            return forms.RadioSelect(choices=[*options, *no_answer], attrs={"class": "choice"})
        return forms.Select(choices=[("", "—"), *options])
    if kind == IndicatorKind.DATE:
        # A date picker sends yyyy-mm-dd; typed by hand (old browsers) dd/mm/yyyy also reads.
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if kind == IndicatorKind.LINK:
        return forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"})
    return forms.TextInput()


class ReportForm(CleanInputForm, forms.Form):
    """Every value is taken as text and checked by Indicator.clean_value in the action, so the
    rules live in one place; the widgets only make typing easy on a phone."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    narrative = forms.CharField(
        label=_("Narrative: what the unit did"),
        required=False,
        max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, indicators: list[Indicator], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            if indicator.kind == IndicatorKind.FILE:
                continue
            code = indicator.code
            self.fields[code] = forms.CharField(
                label=_label(indicator),
                required=False,
                help_text=indicator.help_text,
                widget=_widget(indicator),
            )
            self.fields[code].is_required_indicator = indicator.required  # type: ignore[attr-defined]
            stored = self.initial.get(code)
            if indicator.kind in (IndicatorKind.YES_NO, IndicatorKind.DATE) and stored not in (
                None,
                "",
            ):
                # Read-only pages show the answer as a person reads it (Có, 05/5/2025).
                self.fields[code].shown = indicator.display_value(stored)  # type: ignore[attr-defined]
            if indicator.kind in (IndicatorKind.INTEGER, IndicatorKind.DECIMAL) and stored not in (
                None,
                "",
            ):
                # 1.250 typed is shown back as 1.250 (not 1250), in the form and on read-only
                # pages alike; it reads back as the same number.
                self.initial[code] = self.fields[code].shown = format_typed(stored)  # type: ignore[attr-defined]
            if indicator.kind == IndicatorKind.YES_NO and isinstance(stored, bool):
                # The radio buttons carry yes/no; the report stores True/False.
                self.initial[code] = YES if stored else NO

    def sections(self) -> list[tuple[str, list[forms.BoundField | FileSlot]]]:
        """The fields by section, in the form's order; a FILE indicator as a FileSlot."""
        grouped: list[tuple[str, list[forms.BoundField | FileSlot]]] = []
        for indicator in self.indicators:
            if not grouped or grouped[-1][0] != indicator.section:
                grouped.append((indicator.section, []))
            if indicator.kind == IndicatorKind.FILE:
                grouped[-1][1].append(FileSlot(indicator))
            else:
                grouped[-1][1].append(self[indicator.code])
        return grouped


class ReturnForm(CleanInputForm, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("What must the unit correct?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
