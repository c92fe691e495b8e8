from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tonghop.documents.models import Document
from tonghop.forms import CleanInputForm
from tonghop.orgs.models import Unit


class UploadForm(CleanInputForm, forms.Form):
    office = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Office"))
    file = forms.FileField(
        label=_("Document file (PDF, DOCX, DOC or text)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.doc,.txt"}),
    )

    def __init__(self, offices: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        if offices.count() == 1:
            office_field.initial = offices.first()
            office_field.widget = forms.HiddenInput()


class EdxmlUploadForm(UploadForm):
    forwarded = forms.BooleanField(
        required=False,
        label=_("Forwarded on purpose: take it in though it is addressed to another agency"),
    )


class ConfirmForm(CleanInputForm, forms.ModelForm[Document]):
    class Meta:
        model = Document
        fields = [
            "doc_type",
            "number",
            "symbol",
            "issuer",
            "issued_on",
            "subject",
            "signer_title",
            "signer_name",
            "received_on",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "subject": forms.Textarea(attrs={"rows": 3}),
        }
