from __future__ import annotations

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
    """The clerk's: the passphrase (or token PIN) of the office's own signing key."""

    passphrase = forms.CharField(
        label=_("Passphrase of the office's signing key"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=500,
    )


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
    to = forms.EmailField(label=_("Send to (email of the body above)"))


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
