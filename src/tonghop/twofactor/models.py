"""The authenticator app's device, with its secret sealed in the database (sealing.py).

A proxy of django-otp's TOTPDevice: the same table and behaviour, but the secret is sealed when
saved and opened when a code is checked or the app's QR code is drawn. A secret stored plain
(before the migration that sealed them, or by django-otp's own admin form) still works, and is
sealed at its next full save (a code accepted saves the device).
"""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from tonghop.twofactor import sealing


class SealedTOTPDevice(TOTPDevice):  # type: ignore[misc]
    key: str  # django-otp's field, untyped there

    class Meta:
        proxy = True
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return sealing.open_key(self.key)

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if not sealing.is_sealed(self.key) and (fields is None or "key" in fields):
            self.key = sealing.seal_key(self.key)
        super().save(*args, **kwargs)
