from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Long enough for a backup code typed with spaces; anything longer is not a code.
CODE_MAX_LENGTH = 32


def _code_field(label: Any, *, digits_only: bool, autofocus: bool = True) -> forms.CharField:
    attrs: dict[str, Any] = {"autocomplete": "one-time-code", "spellcheck": "false"}
    if autofocus:
        attrs["autofocus"] = True
    if digits_only:
        # A phone then shows its number pad.
        attrs |= {"inputmode": "numeric", "pattern": "[0-9 ]*"}
    else:
        attrs |= {"autocapitalize": "none"}
    return forms.CharField(
        label=label, max_length=CODE_MAX_LENGTH, widget=forms.TextInput(attrs=attrs)
    )


class CodeForm(forms.Form):
    """The second step of sign-in: the app's code, or (with `backup`) a backup code."""

    def __init__(self, *args: Any, backup: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = _("Backup code") if backup else _("6-digit code from your app")
        self.fields["code"] = _code_field(label, digits_only=not backup)


class LockPassForm(forms.Form):
    """Past a sign-in lock: the password again, with the app's code, a backup code, or the
    code sent by email."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = _code_field(
        _("Code from your app, or the code in the email"), digits_only=False, autofocus=False
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    code = _code_field(_("6-digit code from your app"), digits_only=True)


class TurnOffForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = _code_field(
        _("Code from your app, or a backup code"), digits_only=False, autofocus=False
    )


class NewCodesForm(TurnOffForm):
    """New backup codes: the same proof as turning off. On the same page as that form, hence
    its own prefix (distinct field ids)."""

    prefix = "codes"
