"""The office's form for a campaign's reminder schedule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from tonghop.forms import CleanInputForm
from tonghop.reminders.schedule import MAX_OFFSET_DAYS, Schedule, ScheduleError, parse_offsets


class PolicyForm(CleanInputForm, forms.Form):
    offsets = forms.CharField(
        label=gettext_lazy("Days relative to the due date"),
        max_length=200,
        help_text=gettext_lazy(
            "Negative: days before the due date; 0: the day itself. E.g. -3, 0, 1"
        ),
    )
    repeat_every_days = forms.IntegerField(
        label=gettext_lazy("Then repeat every (days; 0: never)"), min_value=0, max_value=30
    )
    send_hour = forms.IntegerField(
        label=gettext_lazy("Hour of sending (Vietnam time)"), min_value=0, max_value=23
    )
    digest_enabled = forms.BooleanField(
        label=gettext_lazy("Send the office a digest of late units"), required=False
    )

    def clean_offsets(self) -> tuple[int, ...]:
        message = gettext_lazy(
            "Write different whole numbers of days between -%(limit)s and %(limit)s, separated "
            "by commas, e.g. -3, 0, 1."
        )
        try:
            offsets = parse_offsets(self.cleaned_data["offsets"])
            Schedule(offsets_days=offsets)
        except ScheduleError:
            raise forms.ValidationError(
                message, code="bad_days", params={"limit": MAX_OFFSET_DAYS}
            ) from None
        return offsets
