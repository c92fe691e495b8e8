"""The report form a unit fills in, drawn from the campaign's indicators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.models import Indicator, IndicatorKind
from tonghop.reports.actions import MAX_NARRATIVE


class ReportForm(forms.Form):
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
            attrs: dict[str, str] = {}
            widget: forms.Widget
            if indicator.kind == IndicatorKind.LONG_TEXT:
                widget = forms.Textarea(attrs={"rows": 3})
            else:
                if indicator.kind == IndicatorKind.INTEGER:
                    attrs = {"inputmode": "numeric", "autocomplete": "off"}
                elif indicator.kind == IndicatorKind.DECIMAL:
                    attrs = {"inputmode": "decimal", "autocomplete": "off"}
                widget = forms.TextInput(attrs=attrs)
            label = indicator.label
            if indicator.unit_of_measure:
                label = f"{label} ({indicator.unit_of_measure})"
            self.fields[indicator.code] = forms.CharField(
                label=label,
                required=False,
                help_text=indicator.help_text,
                widget=widget,
            )
            self.fields[indicator.code].is_required_indicator = indicator.required  # type: ignore[attr-defined]

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        grouped: list[tuple[str, list[forms.BoundField]]] = []
        for indicator in self.indicators:
            if not grouped or grouped[-1][0] != indicator.section:
                grouped.append((indicator.section, []))
            grouped[-1][1].append(self[indicator.code])
        return grouped


class ReturnForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("What must the unit correct?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
