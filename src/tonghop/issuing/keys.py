"""Where a signing key lives, behind one interface.

A :class:`KeySource` opens a key with the PIN or passphrase the person types and gives back a
pyHanko signer; :func:`tonghop.issuing.signing.sign_pdf` only ever sees that signer. Two kinds
exist: a PKCS#12 file (:class:`FileKey`) and a PKCS#11 token (:class:`TokenKey`: a USB token of
the Government CA or a commercial CA, or an HSM). A remote signing service (ký số từ xa) is a
third kind to add here: a class whose ``open`` returns a pyHanko ``Signer`` subclass whose
``async_sign_raw`` sends the digest to the service and returns its signature, and whose
``signing_cert``/``cert_registry`` hold the certificate and chain the service reports.

Which source is used comes from the environment: ``TONGHOP_PKCS11_MODULE``,
``TONGHOP_PKCS11_TOKEN`` and ``TONGHOP_PKCS11_KEY`` for the head's key (else the PKCS#12 file
``TONGHOP_SIGNING_P12``), the same with ``TONGHOP_OFFICE_`` for the office's key.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tonghop.issuing.signing import (
    CertificateUnusable,
    WrongPassphrase,
    _x509,
    check_certificate,
    load_signer,
)


class KeySource(Protocol):
    def open(self, passphrase: str, moment: datetime) -> Any:
        """A pyHanko signer, its certificate checked usable at ``moment``."""
        ...


@dataclass(frozen=True)
class FileKey:
    path: Path

    def open(self, passphrase: str, moment: datetime) -> Any:
        return load_signer(self.path, passphrase, moment)


@dataclass(frozen=True)
class TokenKey:
    module: str  # path of the PKCS#11 module library (libsofthsm2.so, the token maker's .so)
    token: str  # token label
    key: str  # label of the key and of its certificate on the token

    def open(self, passphrase: str, moment: datetime) -> Any:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as p11

        if not Path(self.module).exists():
            raise CertificateUnusable(
                f"Không tìm thấy thư viện PKCS#11 của thiết bị ký số: {self.module}."
            )
        try:
            session = p11.open_pkcs11_session(
                self.module, token_criteria=TokenCriteria(label=self.token), user_pin=passphrase
            )
        except pkcs11.exceptions.PinIncorrect as error:
            raise WrongPassphrase(_pin_message(self)) from error
        except pkcs11.exceptions.PinLocked as error:
            raise WrongPassphrase(
                "Mã PIN của thiết bị ký số đã bị khóa do nhập sai quá nhiều lần."
            ) from error
        except pkcs11.exceptions.PinLenRange as error:
            raise WrongPassphrase("Mã PIN có độ dài không hợp lệ.") from error
        except Exception as error:
            raise CertificateUnusable(
                f"Không mở được thiết bị ký số “{self.token}” (đã cắm thiết bị chưa?): {error}"
            ) from error
        try:
            signer = p11.PKCS11Signer(session, key_label=self.key, cert_label=self.key)
            cert = signer.signing_cert
        except Exception as error:
            session.close()
            raise CertificateUnusable(
                f"Trên thiết bị ký số không có khóa và chứng thư số “{self.key}”."
            ) from error
        check_certificate(_x509(cert), moment)
        return signer


def release(signer: Any) -> None:
    """Close what opening the key opened (a token's session, logging it out), so the next
    signing logs in afresh and a token left logged in is never signed with unasked."""
    session = getattr(signer, "pkcs11_session", None)
    if session is not None:
        # A token pulled out has nothing left to close.
        with contextlib.suppress(Exception):
            session.close()


WRONG_PIN = "Mã PIN của thiết bị ký số không đúng."


def pin_message(flags: int) -> str:
    """The wrong-PIN refusal, with what the token's flags (read right after the failed login)
    say of the tries left: CKF_USER_PIN_LOCKED, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_COUNT_LOW.
    A token that reports none of them gets the refusal alone: no count is invented."""
    import pkcs11

    if flags & pkcs11.TokenFlag.USER_PIN_LOCKED:
        return (
            f"{WRONG_PIN} Thiết bị đã bị khóa do nhập sai quá nhiều lần: liên hệ nơi cấp "
            "chứng thư số để mở khóa."
        )
    if flags & pkcs11.TokenFlag.USER_PIN_FINAL_TRY:
        return f"{WRONG_PIN} Chỉ còn một lần thử trước khi thiết bị bị khóa."
    if flags & pkcs11.TokenFlag.USER_PIN_COUNT_LOW:
        return f"{WRONG_PIN} Số lần thử còn lại đã ít; thiết bị sẽ khóa nếu sai tiếp."
    return WRONG_PIN


def _pin_message(key: TokenKey) -> str:
    try:
        import pkcs11

        slots = pkcs11.lib(key.module).get_slots(token_present=True)
    except Exception:  # the count is a courtesy; the refusal stands without it
        return WRONG_PIN
    for slot in slots:
        # Slot by slot: another token of the module that fails to answer (pulled out) must
        # not hide this one's flags.
        try:
            token = slot.get_token()
            if token.label == key.token:
                return pin_message(int(token.flags))
        except Exception:  # noqa: S112 - that slot's token cannot be read; try the next
            continue
    return WRONG_PIN


def saved_token_path(prefix: str) -> Path:
    """Where the setup page keeps the token it chose for ``prefix``'s key (never its PIN)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "pki" / f"{prefix.lower()}-pkcs11.json"


def saved_token(prefix: str) -> TokenKey | None:
    import json

    try:
        raw = json.loads(saved_token_path(prefix).read_text(encoding="utf-8"))
        return TokenKey(module=str(raw["module"]), token=str(raw["token"]), key=str(raw["key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def key_from_environment(prefix: str, p12_path: Path) -> KeySource:
    """The token of ``<prefix>_PKCS11_*`` when its module is set, else the token chosen on the
    setup page (saved_token_path), else the PKCS#12 file."""
    import os

    module = os.environ.get(f"{prefix}_PKCS11_MODULE", "").strip()
    if not module:
        return saved_token(prefix) or FileKey(p12_path)
    return TokenKey(
        module=module,
        token=os.environ.get(f"{prefix}_PKCS11_TOKEN", "").strip(),
        key=os.environ.get(f"{prefix}_PKCS11_KEY", "").strip(),
    )
