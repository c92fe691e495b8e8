from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    """django-otp's devices, the app's one through a proxy that seals its secret (models.py);
    installed for that, its migrations (sealing existing secrets) and its admin module."""

    name = "tonghop.twofactor"
    label = "twofactor"
    verbose_name = _("Two-step verification")
