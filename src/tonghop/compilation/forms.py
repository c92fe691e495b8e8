from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class WordsForm(forms.Form):
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


class IssueForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Passphrase of the office's signing key"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=500,
    )


class EmailForm(forms.Form):
    # 254: the longest address SMTP carries (RFC 5321), and what the outbox keys on.
    to = forms.EmailField(label=_("Send to (email of the body above)"), max_length=254)


class NewsForm(forms.Form):
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
