from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tonghop.audit.models import Action
from tonghop.forms import CleanInputForm


class EventFilterForm(CleanInputForm, forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *Action.choices]
    )
    person = forms.CharField(label=_("Person"), required=False, max_length=150)
    since = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
