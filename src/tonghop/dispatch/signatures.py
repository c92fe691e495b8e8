"""Facts about the digital signatures embedded in a PDF, checked offline with pyHanko.

Vietnamese government PDFs are signed by the Government CA (Ban Cơ yếu Chính phủ), often
with SHA-1 and with a signing time that carries no zone. We report each signature honestly
and never raise: a broken signature is a finding for the clerk, not a failed ingest.
No network access: CRL/OCSP/AIA fetching is disabled, revocation is "soft-fail".
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

VIETNAM = timezone(timedelta(hours=7))
logger = logging.getLogger(__name__)

PROBLEM_MODIFIED = "Tài liệu đã bị sửa đổi sau khi ký."
PROBLEM_INVALID = "Chữ ký số không hợp lệ: giá trị chữ ký không khớp với chứng thư số."
PROBLEM_SHA1 = "Chữ ký dùng thuật toán SHA-1 đã lỗi thời."
PROBLEM_UNTRUSTED = "Chứng thư số không thuộc danh sách tin cậy đã cấu hình."
PROBLEM_UNREADABLE = "Không kiểm tra được chữ ký số: dữ liệu chữ ký bị hỏng hoặc không được hỗ trợ."
PROBLEM_RESIGNED = (
    "Sau chữ ký này tài liệu được ký tiếp với thay đổi vượt quá quyền mà chữ ký chứng thực "
    "cho phép; nội dung hiện tại được chữ ký sau bảo đảm."
)
PROBLEM_PARTIAL = "Chữ ký số không bao phủ toàn bộ tài liệu."
_WEAK_DIGESTS = frozenset({"md5", "sha1"})


class _DropReportedNoise(logging.Filter):
    """pyHanko logs untrusted chains, strict diff verdicts and lax PDF syntax with tracebacks;
    these are expected outcomes that we report ourselves, not errors of the application."""

    PREFIXES = ("Failed to build path", "Error in diff operation", "Multiple definitions")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.PREFIXES)


for _name in (
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.diff_analysis.policies",
    "pyhanko.pdf_utils.generic",
):
    logging.getLogger(_name).addFilter(_DropReportedNoise())


def pdf_signatures(
    source: str | os.PathLike[str] | bytes,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
) -> list[dict[str, object]]:
    """Each embedded signature, in file order, as
    ``{"signer", "signed_at", "intact", "trusted", "problem"}``; ``[]`` if none or unreadable."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.fields import enumerate_sig_fields

        reader = PdfFileReader(io.BytesIO(data), strict=False)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception:  # a PDF we cannot parse has no signatures to report
        return []
    roots = _load_roots(trust_roots)
    found: list[_Checked] = []
    for name, sig_ref, field_ref in fields:
        entry = _field(reader, name, sig_ref, field_ref, roots)
        if entry is not None:
            found.append(entry)
    found.sort(key=lambda item: item.position)
    _forgive_changes_signed_later(found)
    return [item.facts for item in found]


@dataclass
class _Checked:
    position: int  # where the signature's signed revision ends in the file
    facts: dict[str, object]
    digest_ok: bool = False  # the signed bytes are those the signer signed
    diff_flagged: bool = False  # pyHanko's diff policy dislikes a later revision
    covers_file: bool = False  # the signature covers the whole file as it is now
    chains_to_root: bool = False  # the certificate chains to a configured trust root


def _forgive_changes_signed_later(found: list[_Checked]) -> None:
    """Accept later changes that a later intact signature covers.

    Signing tools of the Government CA add a second signature after a certification
    signature in ways pyHanko's strict DocMDP policy calls illicit; the later signer signed
    the document as it now is, so the text a clerk reads is what was signed. We keep
    "intact" and say what happened instead of calling the document modified.
    """
    for index, item in enumerate(found):
        if not (item.diff_flagged and item.digest_ok):
            continue
        later = found[index + 1 :]
        if any(other.covers_file and other.digest_ok for other in later):
            problem = str(item.facts["problem"] or "").replace(PROBLEM_MODIFIED, PROBLEM_RESIGNED)
            item.facts["problem"] = problem.strip() or None
            item.facts["intact"] = True
            item.facts["trusted"] = item.chains_to_root


def _field(
    reader: Any, name: str, sig_ref: Any, field_ref: Any, roots: list[Any]
) -> _Checked | None:
    """(position in the file, facts) of one filled signature field; None for a timestamp."""
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    try:
        sig_obj = sig_ref.get_object()
        if sig_obj.get("/Type") == "/DocTimeStamp":
            return None  # a document timestamp is not anybody's signature
        position = int(sig_obj["/ByteRange"][2])
    except Exception:
        sig_obj, position = None, 1 << 62
    try:
        embedded = EmbeddedPdfSignature(reader, field_ref, name)
        checked = _one(embedded, roots)
    except Exception:  # the CMS blob itself is broken: report it, keep the others
        signed_at = _pdf_date(sig_obj) if sig_obj is not None else None
        if signed_at is not None and signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=VIETNAM)
        facts: dict[str, object] = {
            "signer": None,
            "signed_at": signed_at.isoformat() if signed_at else None,
            "intact": False,
            "trusted": False,
            "problem": PROBLEM_UNREADABLE,
        }
        return _Checked(position, facts)
    checked.position = position
    return checked


def _load_roots(paths: Sequence[str | os.PathLike[str]]) -> list[Any]:
    from pyhanko.keys.pemder import load_certs_from_pemder_data

    roots: list[Any] = []
    for path in paths:
        # An unreadable root file only means fewer roots: signatures then show as untrusted,
        # which is reported, rather than failing the whole ingest.
        try:
            roots.extend(load_certs_from_pemder_data(Path(path).read_bytes()))
        except Exception:
            logger.warning("Trust root %s is not a readable PEM/DER certificate file", path)
    return roots


def _one(sig: Any, roots: list[Any]) -> _Checked:
    result: dict[str, object] = {
        "signer": None,
        "signed_at": None,
        "intact": False,
        "trusted": False,
        "problem": None,
    }
    checked = _Checked(0, result)
    problems: list[str] = []
    try:
        result["signer"] = _common_name(sig.signer_cert)
    except Exception:  # malformed CMS: reported as a problem below
        problems.append(PROBLEM_UNREADABLE)
    signed_at = _signing_time(sig)
    result["signed_at"] = signed_at.isoformat() if signed_at else None
    digest = _digest_name(sig)
    try:
        status = _validate(sig, roots, signed_at, skip_diff=False)
    except Exception:  # diff analysis chokes on odd files: check bytes only
        try:
            status = _validate(sig, roots, signed_at, skip_diff=True)
        except Exception:
            status = None
    if status is None:
        if PROBLEM_UNREADABLE not in problems:
            problems.append(PROBLEM_UNREADABLE)
    else:
        intact, modified = _integrity(status)
        result["intact"] = intact
        result["trusted"] = bool(status.trusted) and intact
        checked.chains_to_root = bool(status.trusted)
        checked.digest_ok = bool(status.intact and status.valid)
        checked.diff_flagged = modified
        checked.covers_file = _covers_file(status)
        if modified or not status.intact:
            problems.append(PROBLEM_MODIFIED)
        elif not status.valid:
            problems.append(PROBLEM_INVALID)
        elif not _covers_document(status):
            problems.append(PROBLEM_PARTIAL)
        if digest in _WEAK_DIGESTS:
            problems.append(
                PROBLEM_SHA1 if digest == "sha1" else PROBLEM_SHA1.replace("SHA-1", "MD5")
            )
        if not status.trusted:
            problems.append(PROBLEM_UNTRUSTED)
    result["problem"] = " ".join(problems) if problems else None
    return checked


def _validate(sig: Any, roots: list[Any], signed_at: datetime | None, *, skip_diff: bool) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

    # Weak digests are allowed here so that intactness is still computed; we flag them.
    policy: Any = DisallowWeakAlgorithmsPolicy(weak_hash_algos=frozenset())  # type: ignore[no-untyped-call]
    context = ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        revocation_mode="soft-fail",
        algorithm_usage_policy=policy,
        # Certificates of old documents have since expired: judge them at signing time.
        moment=signed_at,
    )
    return validate_pdf_signature(sig, context, skip_diff=skip_diff)


def _integrity(status: Any) -> tuple[bool, bool]:
    """(intact, modified after signing): digest matches and no illicit later change."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = getattr(status, "modification_level", None)
    modified = level == ModificationLevel.OTHER or getattr(status, "docmdp_ok", True) is False
    return bool(status.intact and status.valid) and not modified, modified


def _covers_file(status: Any) -> bool:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return bool(status.coverage == SignatureCoverageLevel.ENTIRE_FILE)


def _covers_document(status: Any) -> bool:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return status.coverage in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    )


def _common_name(cert: Any) -> str | None:
    subject = cert.subject.native
    name = subject.get("common_name")
    if isinstance(name, list):
        name = name[0] if name else None
    return str(name) if name else None


def _digest_name(sig: Any) -> str | None:
    try:
        return str(sig.signer_info["digest_algorithm"]["algorithm"].native)
    except Exception:
        return None


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(.*)")


def _signing_time(sig: Any) -> datetime | None:
    """Signing time from the signed attributes, else the signature dictionary's /M.

    A time without a zone is read as Vietnam time (+07:00), as ND 30 prescribes.
    """
    value: datetime | None = None
    try:
        for attr in sig.signer_info["signed_attrs"]:
            if attr["type"].native == "signing_time":
                value = attr["values"][0].native
                break
    except Exception:
        value = None
    if value is None:
        value = _pdf_date(getattr(sig, "sig_object", None))
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value


def _pdf_date(sig_object: Any) -> datetime | None:
    try:
        raw = str(sig_object["/M"])
    except Exception:
        return None
    match = _PDF_DATE.match(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        value = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0),
        )  # fmt: skip
    except ValueError:
        return None
    zone_match = re.match(r"\s*([Zz+-])(\d{2})?'?(\d{2})?", zone)
    if not zone_match:
        return value  # no zone: Vietnam time, set by the caller
    sign, hours, minutes = zone_match.groups()
    if sign in "Zz":
        return value.replace(tzinfo=UTC)
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    return value.replace(tzinfo=timezone(offset if sign == "+" else -offset))
