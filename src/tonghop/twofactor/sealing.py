"""Two-step secrets are kept in the database sealed with a key that is not in the database.

A copy of the database alone (a dump, a stolen backup of the database server, a read through
SQL) must not let anyone make a person's codes. So

- the authenticator app's secret (django-otp's TOTPDevice.key, hex) is stored as
  `v1:` + base64url(nonce ‖ AES-256-GCM(secret)); the device model of this package
  (models.SealedTOTPDevice) seals it when saved and opens it to check a code;
- a backup code is stored as a keyed digest (HMAC-SHA256, 16 hex digits), compared as django-otp
  compares codes: whoever reads the table cannot turn a digest back into a code.

The key is derived (HKDF-SHA256) from Django's SECRET_KEY, which lives outside the database
(TONGHOP_SECRET_KEY, or the data folder's `secret_key`, 0600). Changing the secret key therefore
makes the stored secrets unreadable: the people concerned set up two-step verification again
(an administrator resets it for them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1:"
NONCE_BYTES = 12
# TOTPDevice.key is a CharField(max_length=80): the sealed text of a secret of up to 24 bytes
# fits (the app's secrets are 20 bytes, django-otp's default).
MAX_SECRET_BYTES = 24
ASSOCIATED = b"tonghop totp secret"
CODE_DIGEST_CHARS = 16


class SealError(Exception):
    """A sealed secret that this install's key cannot open (the secret key was changed)."""


def _derive(purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(str(settings.SECRET_KEY).encode())


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal_key(hex_key: str) -> str:
    """The stored text of a hex secret (django-otp's form)."""
    secret = binascii.unhexlify(hex_key.encode())
    if len(secret) > MAX_SECRET_BYTES:
        raise SealError(f"a two-step secret of {len(secret)} bytes is longer than the sealed form")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(b"tonghop two-step secrets v1")).encrypt(nonce, secret, ASSOCIATED)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_key(stored: str) -> bytes:
    """The secret's bytes. A secret stored before sealing (hex) is read as it is."""
    if not is_sealed(stored):
        return binascii.unhexlify(stored.encode())
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX).encode("ascii"))
        cipher = AESGCM(_derive(b"tonghop two-step secrets v1"))
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], ASSOCIATED)
    except (InvalidTag, ValueError) as exc:
        raise SealError("the two-step secret cannot be opened with this install's key") from exc


def code_digest(code: str) -> str:
    """What is stored, and looked up, for a backup code."""
    key = _derive(b"tonghop backup codes v1")
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()[:CODE_DIGEST_CHARS]


def is_digest(stored: str) -> bool:
    return len(stored) == CODE_DIGEST_CHARS and all(c in "0123456789abcdef" for c in stored)
