"""Signed, expiring, one-use tokens for invitations, on Django's password-reset mechanism.

A token signs the account's password hash and last sign-in: setting the password (the use of
the link), a new unusable password (a resent or revoked invitation) or a sign-in kills it. Its
own salt keeps an invitation token from working as a password-reset token and back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "tonghop.orgs.tokens.InvitationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        # Django's check with the invitation's lifetime instead of PASSWORD_RESET_TIMEOUT.
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        secrets = [self.secret, *self.secret_fallbacks]
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in secrets
        ):
            return False
        age = self._num_seconds(self._now()) - ts
        return age <= settings.TONGHOP_INVITATION_DAYS * 24 * 3600


invitation_tokens = InvitationTokenGenerator()
