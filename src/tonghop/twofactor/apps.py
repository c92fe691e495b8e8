from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    """No models of its own (django-otp's are used); installed for its admin module."""

    name = "tonghop.twofactor"
    label = "twofactor"
    verbose_name = _("Two-step verification")
