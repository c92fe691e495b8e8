"""Facts about the digital signatures embedded in a PDF, checked offline with pyHanko.

Vietnamese government PDFs are signed by the Government CA (Ban Cơ yếu Chính phủ), often
with SHA-1 and with a signing time that carries no zone. We report each signature honestly
and never raise: a broken signature is a finding for the clerk, not a failed ingest.
No network access: CRL/OCSP/AIA fetching is disabled, so revocation is never checked and
every result says so.

A signature vouches for the revision it signed, nothing more. When the file was changed
after it, the signature is not "intact" for the file as it is now, whoever signed the change:
anybody can sign a forged revision with a certificate made in a minute. Only changes that
pyHanko's difference analysis classes as permitted (a later signature field being filled,
LTV data) keep it intact, and even those are described. The signing time is the signer's own
claim, so certificates are judged at the present unless a trusted timestamp proves the time.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tonghop import errors

VIETNAM = timezone(timedelta(hours=7))
logger = logging.getLogger(__name__)

PROBLEM_MODIFIED = "Tài liệu đã bị sửa đổi sau khi ký."
PROBLEM_INVALID = "Chữ ký số không hợp lệ: giá trị chữ ký không khớp với chứng thư số."
PROBLEM_SHA1 = "Chữ ký dùng thuật toán SHA-1 đã lỗi thời."
PROBLEM_UNTRUSTED = "Chứng thư số không thuộc danh sách tin cậy đã cấu hình."
PROBLEM_UNREADABLE = "Không kiểm tra được chữ ký số: dữ liệu chữ ký bị hỏng hoặc không được hỗ trợ."
PROBLEM_PARTIAL = "Chữ ký số không bao phủ toàn bộ tài liệu."
PROBLEM_EARLIER_REVISION = (
    "Chữ ký này chỉ bảo đảm phiên bản %(revision)s/%(revisions)s của tệp (phiên bản đó còn "
    "nguyên vẹn), không bảo đảm nội dung hiện tại."
)
PROBLEM_CHANGES = "Thay đổi sau khi ký: %(kind)s."
PROBLEM_BEYOND_CERTIFICATION = (
    "Đây là chữ ký chứng thực; thay đổi này vượt quá quyền mà chữ ký chứng thực cho phép."
)
PROBLEM_CHANGE_SIGNED_BY = "Thay đổi được ký bởi: %(signers)s."
PROBLEM_CHANGE_UNSIGNED = "Không có chữ ký nào bảo đảm thay đổi này."
PROBLEM_LAST_CHANGE_UNSIGNED = "Phần thay đổi cuối cùng của tệp không có chữ ký nào bảo đảm."
PROBLEM_EXPIRED = (
    "Chứng thư số của người ký chỉ có hiệu lực từ %(start)s đến %(end)s. Thời điểm ký do người "
    "ký tự ghi, không có dấu thời gian tin cậy chứng minh, nên chữ ký được kiểm tra tại thời "
    "điểm hiện tại."
)
PROBLEM_NOT_PDF = (
    "Không đọc được tệp này như một tệp PDF: tệp bị hỏng, bị cắt cụt hoặc không phải PDF, "
    "nên không kiểm tra được chữ ký số."
)
NOTE_ALLOWED_CHANGES = "Sau chữ ký này tệp có thêm thay đổi được phép: %(kind)s."
NOTE_REVOCATION = (
    "Chưa kiểm tra chứng thư số có bị thu hồi hay không (hệ thống không tra cứu CRL/OCSP)."
)
SIGNER_TRUSTED = "%(signer)s (tin cậy)"
SIGNER_UNTRUSTED = "%(signer)s (không tin cậy)"
UNKNOWN_SIGNER = "không rõ người ký"
# What pyHanko's difference analysis found after a signature, as a clerk reads it.
CHANGE_KINDS = {
    "none": "cập nhật kỹ thuật không làm thay đổi nội dung",
    "lta": "bổ sung dữ liệu kiểm tra dài hạn (LTV/DSS) hoặc dấu thời gian tài liệu",
    "form_filling": "điền biểu mẫu hoặc ký vào trường chữ ký",
    "annotations": "thêm hoặc sửa chú thích (annotation) trên trang",
    "other": "thay đổi khác, như nội dung trang hoặc thêm, bớt trang",
}
_WEAK_DIGESTS = frozenset({"md5", "sha1"})


class UnreadablePdf(errors.Invalid, ValueError):
    """The file cannot be parsed as a PDF: neither signed nor unsigned, just unreadable."""

    def __init__(self) -> None:
        super().__init__(PROBLEM_NOT_PDF)


class _DropReportedNoise(logging.Filter):
    """pyHanko logs untrusted chains, strict diff verdicts and lax PDF syntax with tracebacks;
    these are expected outcomes that we report ourselves, not errors of the application."""

    PREFIXES = (
        "Failed to build path",
        "Error in diff operation",
        "Multiple definitions",
        "Validation error",
    )

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
    """Each embedded signature, in file order (see :func:`read_signatures`); ``[]`` if none
    or if the file cannot be read as a PDF."""
    try:
        return read_signatures(source, trust_roots)
    except UnreadablePdf:
        return []


def read_signatures(
    source: str | os.PathLike[str] | bytes,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
) -> list[dict[str, object]]:
    """Each embedded signature, in file order, as a dict of facts:

    ``signer``, ``signed_at`` (the signer's own claim), ``intact`` (the file as it is now is
    what was signed, or differs only by permitted changes), ``trusted`` (intact, and the
    certificate chains to a configured root and is valid now or at a trusted timestamp),
    ``problem`` and ``note`` (Vietnamese sentences or None), ``revision``/``revisions``
    (which revision of the file the signature signed, of how many), ``revision_intact`` (that
    revision is unaltered), ``changes_after`` (None, or a key of :data:`CHANGE_KINDS`),
    ``changes_allowed``, ``later_signers`` (``[{"signer", "trusted"}]`` of the signatures
    made after it), ``time_proven`` (a trusted timestamp proves the signing time) and
    ``revocation_checked`` (always False: nothing is fetched).

    Raises :class:`UnreadablePdf` when the file cannot be parsed as a PDF.
    """
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.fields import enumerate_sig_fields

        reader = PdfFileReader(io.BytesIO(data), strict=False)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
        revisions = int(reader.xrefs.total_revisions)
    except Exception as error:
        raise UnreadablePdf() from error
    roots = _load_roots(trust_roots)
    found: list[_Checked] = []
    for name, sig_ref, field_ref in fields:
        entry = _field(reader, name, sig_ref, field_ref, roots)
        if entry is not None:
            entry.facts["revisions"] = revisions
            found.append(entry)
    found.sort(key=lambda item: item.position)
    _judge_later_changes(found, revisions)
    return [item.facts for item in found]


@dataclass
class _Checked:
    position: int  # where the signature's signed revision ends in the file
    facts: dict[str, object]
    digest_ok: bool = False  # the signed bytes are those the signer signed
    covers_file: bool = False  # the signature covers the whole file as it is now
    chains_to_root: bool = False  # the certificate chains to a configured root, valid in time
    change_kind: str | None = None  # what pyHanko's diff analysis found after the signature
    changes_allowed: bool = False  # ... and whether its policy permits it
    beyond_certification: bool = False  # a certification signature's DocMDP forbids it
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _judge_later_changes(found: list[_Checked], revisions: int) -> None:
    """Settle ``intact`` from what happened after each signature, and say who signed it.

    A later signature never makes an earlier modified one intact again: it proves only that
    somebody signed the changed file, and that somebody may be the forger.
    """
    for index, item in enumerate(found):
        later = found[index + 1 :]
        later_signers = [
            {"signer": other.facts["signer"], "trusted": other.chains_to_root and other.digest_ok}
            for other in later
        ]
        item.facts["later_signers"] = later_signers
        if item.covers_file or not item.digest_ok or item.change_kind is None:
            pass
        else:
            kind = CHANGE_KINDS[item.change_kind]
            signed_by = ", ".join(
                (SIGNER_TRUSTED if s["trusted"] else SIGNER_UNTRUSTED)
                % {"signer": s["signer"] or UNKNOWN_SIGNER}
                for s in later_signers
            )
            last_unsigned = not any(other.covers_file for other in later)
            if item.changes_allowed:
                note = NOTE_ALLOWED_CHANGES % {"kind": kind}
                if signed_by:
                    note += " " + PROBLEM_CHANGE_SIGNED_BY % {"signers": signed_by}
                item.notes.insert(0, note)
            else:
                revision = item.facts.get("revision")
                said = [
                    PROBLEM_MODIFIED,
                    PROBLEM_EARLIER_REVISION
                    % {"revision": revision or "?", "revisions": revisions},
                    PROBLEM_CHANGES % {"kind": kind},
                ]
                if item.beyond_certification:
                    said.append(PROBLEM_BEYOND_CERTIFICATION)
                if not signed_by:
                    said.append(PROBLEM_CHANGE_UNSIGNED)
                else:
                    said.append(PROBLEM_CHANGE_SIGNED_BY % {"signers": signed_by})
                    if last_unsigned:
                        said.append(PROBLEM_LAST_CHANGE_UNSIGNED)
                item.problems[:0] = said
        allowed = item.covers_file or item.changes_allowed
        intact = item.digest_ok and allowed
        item.facts["intact"] = intact
        item.facts["trusted"] = intact and item.chains_to_root
        item.facts["changes_after"] = None if item.covers_file else item.change_kind
        item.facts["changes_allowed"] = None if item.covers_file else item.changes_allowed
        if item.chains_to_root:
            item.notes.append(NOTE_REVOCATION)
        item.facts["problem"] = " ".join(item.problems) or None
        item.facts["note"] = " ".join(item.notes) or None


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
        checked = _one(reader, embedded, roots)
    except Exception:  # the CMS blob itself is broken: report it, keep the others
        signed_at = _pdf_date(sig_obj) if sig_obj is not None else None
        if signed_at is not None and signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=VIETNAM)
        checked = _Checked(position, _blank_facts())
        checked.facts["signed_at"] = signed_at.isoformat() if signed_at else None
        checked.problems.append(PROBLEM_UNREADABLE)
        checked.covers_file = True  # nothing to say about later changes of a blob we can't read
    checked.position = position
    return checked


def _blank_facts() -> dict[str, object]:
    return {
        "signer": None,
        "signed_at": None,
        "intact": False,
        "trusted": False,
        "problem": None,
        "note": None,
        "revision": None,
        "revisions": None,
        "revision_intact": False,
        "changes_after": None,
        "changes_allowed": None,
        "later_signers": [],
        "time_proven": False,
        "revocation_checked": False,
        # PAdES baseline level reached: B-B (signature), B-T (a trusted timestamp proves its
        # time), B-LT (validation data kept in the file's DSS as well).
        "level": None,
        "tampered": False,
        "timestamp_at": None,
        "timestamp_authority": None,
    }


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


def _one(reader: Any, sig: Any, roots: list[Any]) -> _Checked:
    result = _blank_facts()
    checked = _Checked(0, result)
    problems = checked.problems
    try:
        result["signer"] = _common_name(sig.signer_cert)
    except Exception:  # malformed CMS: reported as a problem below
        problems.append(PROBLEM_UNREADABLE)
    try:
        result["revision"] = int(sig.signed_revision) + 1
    except Exception:
        result["revision"] = None
    signed_at = _signing_time(sig)
    result["signed_at"] = signed_at.isoformat() if signed_at else None
    digest = _digest_name(sig)
    try:
        status = _validate(sig, roots, skip_diff=False)
    except Exception:  # diff analysis chokes on odd files: check bytes only
        try:
            status = _validate(sig, roots, skip_diff=True)
        except Exception:
            status = None
    if status is None:
        if PROBLEM_UNREADABLE not in problems:
            problems.append(PROBLEM_UNREADABLE)
        checked.covers_file = True  # unreadable: no later-change story to tell
        return checked
    proven_at = _proven_time(status)
    result["time_proven"] = proven_at is not None
    result["level"] = "B-B"
    if proven_at is not None:
        result["timestamp_at"] = proven_at.astimezone(VIETNAM).isoformat()
        try:
            result["timestamp_authority"] = _common_name(status.timestamp_validity.signing_cert)
        except Exception:
            result["timestamp_authority"] = None
        result["level"] = "B-LT" if _has_validation_data(reader) else "B-T"
    chains = bool(status.trusted)
    if not chains and proven_at is not None:
        # A trusted timestamp proves when the signature existed: judge the certificate then.
        chains = _trusted_at(sig, roots, proven_at)
    checked.chains_to_root = chains
    checked.digest_ok = bool(status.intact and status.valid)
    result["revision_intact"] = checked.digest_ok
    checked.covers_file = _covers_file(status)
    if not checked.covers_file:
        kind, allowed, beyond = _later_changes(reader, sig, status)
        checked.change_kind, checked.changes_allowed = kind, allowed
        checked.beyond_certification = beyond
    if not status.intact:
        problems.append(PROBLEM_MODIFIED)
    elif not status.valid:
        problems.append(PROBLEM_INVALID)
    elif not _covers_document(status):
        problems.append(PROBLEM_PARTIAL)
    result["tampered"] = not status.intact
    if not status.intact:
        # The bytes it signed were changed: whether its certificate is trusted says nothing
        # then (and pyHanko reports it untrusted), so the change is said alone.
        return checked
    if digest in _WEAK_DIGESTS:
        problems.append(PROBLEM_SHA1 if digest == "sha1" else PROBLEM_SHA1.replace("SHA-1", "MD5"))
    if not chains:
        expired = None if proven_at else _outside_validity(sig)
        if expired is not None:
            problems.append(PROBLEM_EXPIRED % expired)
            # Say "not on the trust list" only if that is also true at the claimed time.
            if not (signed_at and _trusted_at(sig, roots, signed_at)):
                problems.append(PROBLEM_UNTRUSTED)
        else:
            problems.append(PROBLEM_UNTRUSTED)
    return checked


def _context(roots: list[Any], moment: datetime | None = None) -> Any:
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

    # Weak digests are allowed here so that intactness is still computed; we flag them.
    policy: Any = DisallowWeakAlgorithmsPolicy(weak_hash_algos=frozenset())  # type: ignore[no-untyped-call]
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        revocation_mode="soft-fail",
        algorithm_usage_policy=policy,
        moment=moment,  # None: now; the signer's own signing time proves nothing
    )


def _validate(sig: Any, roots: list[Any], *, skip_diff: bool) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature

    return validate_pdf_signature(
        sig, _context(roots), ts_validation_context=_context(roots), skip_diff=skip_diff
    )


def _trusted_at(sig: Any, roots: list[Any], moment: datetime) -> bool:
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        status = validate_pdf_signature(sig, _context(roots, moment), skip_diff=True)
    except Exception:
        return False
    return bool(status.trusted)


def _has_validation_data(reader: Any) -> bool:
    """The file keeps certificates and revocation data (CRL or OCSP) in its DSS."""
    try:
        dss = reader.root.get("/DSS")
        if dss is None:
            return False
        dss = dss.get_object()
        return "/Certs" in dss and ("/CRLs" in dss or "/OCSPs" in dss)
    except Exception:
        return False


def _proven_time(status: Any) -> datetime | None:
    """The time of a signature timestamp whose TSA chains to a configured root, else None."""
    token = getattr(status, "timestamp_validity", None)
    if token is None or not (token.intact and token.valid and token.trusted):
        return None
    moment = token.timestamp
    return moment if isinstance(moment, datetime) else None


def _outside_validity(sig: Any) -> dict[str, str] | None:
    """The signer certificate's validity period when it does not include now, else None."""
    try:
        validity = sig.signer_cert["tbs_certificate"]["validity"]
        start, end = validity["not_before"].native, validity["not_after"].native
    except Exception:
        return None
    if start <= datetime.now(UTC) <= end:
        return None
    return {
        "start": start.astimezone(VIETNAM).isoformat(),
        "end": end.astimezone(VIETNAM).isoformat(),
    }


def _later_changes(reader: Any, sig: Any, status: Any) -> tuple[str, bool, bool]:
    """(kind of change after the signature, permitted by pyHanko's policy, forbidden only by
    the certification signature's DocMDP)."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = getattr(status, "modification_level", None)
    allowed = level is not None and level != ModificationLevel.OTHER and status.docmdp_ok is True
    beyond = False
    if level == ModificationLevel.OTHER and sig.docmdp_level is not None:
        # pyHanko calls any change a certification forbids OTHER; ask what the change is
        # when judged as after an ordinary signature, to tell a clerk what happened.
        as_approval = _level_as_approval(reader, sig)
        if as_approval is not None and as_approval != ModificationLevel.OTHER:
            level, beyond = as_approval, True
    kinds: dict[Any, str] = {
        ModificationLevel.NONE: "none",
        ModificationLevel.LTA_UPDATES: "lta",
        ModificationLevel.FORM_FILLING: "form_filling",
        ModificationLevel.ANNOTATIONS: "annotations",
    }
    # A diff that could not run (level None) says nothing good either.
    return kinds.get(level, "other"), allowed, beyond


def _level_as_approval(reader: Any, sig: Any) -> Any:
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult

    try:
        result = DEFAULT_DIFF_POLICY.review_file(
            reader, sig.signed_revision, field_mdp_spec=sig.fieldmdp, doc_mdp=None
        )
    except Exception:
        return None
    return result.modification_level if isinstance(result, DiffResult) else None


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
