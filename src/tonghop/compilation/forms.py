from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tonghop.forms import CleanInputForm


class WordsForm(CleanInputForm, forms.Form):
    assessment = forms.CharField(
        label=_("III. General assessment"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    proposals = forms.CharField(
        label=_("IV. Proposals"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OfficeKeyForm(forms.Form):
    """The clerk's: the passphrase (or token PIN) of the office's own signing key, and the
    appendices also issued as files of their own (choices: the report's appendices)."""

    passphrase = forms.CharField(
        label=_("Passphrase of the office's signing key"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=500,
    )
    separate = forms.TypedMultipleChoiceField(
        label=_("Also issue as a separate file, with the office's signature on its first page"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, appendices: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["separate"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = list(enumerate(appendices or []))


class IssueForm(forms.Form):
    """The head's, when signing: the passphrase (or token PIN) of his own key."""

    passphrase = forms.CharField(
        label=_("Passphrase or PIN of your signing key"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=500,
    )
    # A second report of a campaign already reported: issued only on purpose, saying why.
    correction = forms.BooleanField(
        label=_("This is a correction of the report already issued"), required=False
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must be changed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EmailForm(CleanInputForm, forms.Form):
    # 254: the longest address SMTP carries (RFC 5321), and what the outbox keys on.
    to = forms.EmailField(label=_("Send to (email of the body above)"), max_length=254)


class NewsForm(CleanInputForm, forms.Form):
    title = forms.CharField(label=_("Headline"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(
        label=_("Body of the news item"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    publish = forms.BooleanField(label=_("Publish on the portal"), required=False)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Signed PDF"))


class CitationForm(CleanInputForm, forms.Form):
    """One document the report cites in its opening (ND 30 PL I, II.6.b: type, number and
    symbol, date, issuer, subject). Used twice on the page, with the prefixes "directive" and
    "relay"."""

    cite = forms.BooleanField(label=_("Cite this document"), required=False)
    doc_type = forms.CharField(label=_("Type"), max_length=60, required=False)
    number = forms.CharField(label=_("Number"), max_length=20, required=False)
    symbol = forms.CharField(label=_("Symbol"), max_length=60, required=False)
    issued_on = forms.DateField(
        label=_("Date"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"placeholder": "21/04/2025"}, format="%d/%m/%Y"),
    )
    issuer = forms.CharField(label=_("Issuing body"), max_length=255, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=500, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("cite") and not (data.get("number") or data.get("issued_on")):
            raise forms.ValidationError(_("A document cited needs at least its number or date."))
        if data.get("cite") and not data.get("issuer"):
            raise forms.ValidationError(_("Say which body issued the document cited."))
        return data
