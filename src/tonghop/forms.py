"""What every form of the site does to what a person sends, before its own checks.

`CleanInputForm` goes first among a form's bases. Its text fields are cleaned by
tonghop.inputs.clean_text (a text area keeps its lines, any other field is one line), and its
date fields refuse a date outside FIRST_DATE..LAST_DATE with a sentence for the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tonghop.inputs import FIRST_DATE, LAST_DATE, clean_text, date_in_range


def check_date_range(value: dt.date | None) -> None:
    """A validator: refuse a date (or time) outside FIRST_DATE..LAST_DATE."""
    if value is not None and not date_in_range(value):
        raise ValidationError(date_range_message(), code="date_range")


def date_range_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": date_format(FIRST_DATE, "d/m/Y"),
        "last": date_format(LAST_DATE, "d/m/Y"),
    }


def _cleans(field: forms.Field) -> bool:
    # A password or a secret is taken exactly as typed.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


def _clean_value(value: Any, multiline: bool) -> Any:
    # A NUL byte is left for the field's own check to refuse in words (no keyboard types it:
    # it is a broken or hostile sender, not text to mend).
    if isinstance(value, str) and "\x00" not in value:
        return clean_text(value, multiline=multiline)
    return value


class CleanInputForm(forms.BaseForm):
    """A mixin for forms and model forms: see the module's docstring."""

    _inputs_cleaned = False

    def full_clean(self) -> None:
        # Here rather than in __init__: some forms add fields after their own __init__ ran.
        if self.is_bound and not self._inputs_cleaned:
            self._inputs_cleaned = True
            self.data = self._cleaned_data_copy(self.data)
        for field in self.fields.values():
            dated = isinstance(
                field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField
            )
            if dated and check_date_range not in field.validators:
                field.validators.append(check_date_range)
        super().full_clean()

    def _cleaned_data_copy(self, data: Mapping[str, Any]) -> Any:
        if isinstance(data, QueryDict):
            copy = data.copy()
            for name, field in self.fields.items():
                key = self.add_prefix(name)
                if _cleans(field) and key in copy:
                    multiline = isinstance(field.widget, forms.Textarea)
                    copy.setlist(key, [_clean_value(v, multiline) for v in copy.getlist(key)])
            return copy
        plain = dict(data)
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if _cleans(field) and key in plain:
                plain[key] = _clean_value(plain[key], isinstance(field.widget, forms.Textarea))
        return plain
