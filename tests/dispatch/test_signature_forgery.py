"""What an attacker does to a signed PDF, and what the verifier must not say about it.

Each forgery is built for real with pyHanko: a genuine signature by the office, then an
incremental update that replaces a page's content or adds a page, then a signature made with
a self-signed certificate that carries the office's own name.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from tests.forgery import Identity, add_page, forge, identity, replace_page_content, sign

from tonghop.dispatch.signatures import (
    NOTE_REVOCATION,
    PROBLEM_CHANGE_UNSIGNED,
    PROBLEM_MODIFIED,
    PROBLEM_NOT_PDF,
    PROBLEM_UNTRUSTED,
    UnreadablePdf,
    pdf_signatures,
    read_signatures,
)

OFFICE = "Phòng Văn hóa, Khoa học và Thông tin huyện An Phú"
OLD_START, OLD_END = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 12, 31, tzinfo=UTC)
BACKDATED = datetime(2020, 6, 1, tzinfo=UTC)


def _report(pages: int = 2) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def root() -> Identity:
    return identity("Tổ chức chứng thực thử", ca=True)


@pytest.fixture(scope="module")
def office(root: Identity) -> Identity:
    return identity(OFFICE, issuer=root)


@pytest.fixture(scope="module")
def root_file(root: Identity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roots") / "root.pem"
    path.write_bytes(root.pem())
    return path


@pytest.fixture(scope="module")
def signed(office: Identity) -> bytes:
    return sign(_report(), office, field="Signature1")


def test_the_genuine_signature_is_intact_and_trusted(signed: bytes, root_file: Path) -> None:
    [facts] = pdf_signatures(signed, [root_file])
    assert (facts["intact"], facts["trusted"], facts["problem"]) == (True, True, None)
    assert (facts["revision_intact"], facts["changes_after"]) == (True, None)
    # Nothing is fetched: a "trusted" verdict says that revocation was not looked at.
    assert facts["revocation_checked"] is False
    assert NOTE_REVOCATION in str(facts["note"])


@pytest.mark.parametrize("change", ["content", "page"])
def test_a_change_signed_by_a_self_made_certificate_is_not_intact(
    signed: bytes, root_file: Path, change: str
) -> None:
    forged = forge(signed, OFFICE, change)
    first, second = pdf_signatures(forged, [root_file])
    # The office's signature still vouches for its own revision, and only for that.
    assert (first["intact"], first["trusted"]) == (False, False)
    assert first["revision_intact"] is True
    assert isinstance(first["revision"], int) and isinstance(first["revisions"], int)
    assert first["revision"] < first["revisions"]
    assert (first["changes_after"], first["changes_allowed"]) == ("other", False)
    assert first["later_signers"] == [{"signer": OFFICE, "trusted": False}]
    problem = str(first["problem"])
    assert problem.startswith(PROBLEM_MODIFIED)
    assert f"phiên bản {first['revision']}/{first['revisions']}" in problem
    assert "nội dung trang" in problem
    assert f"{OFFICE} (không tin cậy)" in problem
    assert "được chữ ký sau bảo đảm" not in problem
    # The forger's signature covers the file, but nobody trusts who made it.
    assert (second["signer"], second["intact"], second["trusted"]) == (OFFICE, True, False)
    assert PROBLEM_UNTRUSTED in str(second["problem"])


def test_a_change_signed_by_a_trusted_signer_still_breaks_the_first(
    signed: bytes, office: Identity, root_file: Path
) -> None:
    # Even the office itself cannot re-sign changed page content into the first signature.
    resigned = sign(replace_page_content(signed), office, field="Signature2")
    first, second = pdf_signatures(resigned, [root_file])
    assert (first["intact"], first["trusted"], second["trusted"]) == (False, False, True)
    assert f"{OFFICE} (tin cậy)" in str(first["problem"])


def test_a_change_nobody_signed_is_said_to_be_unsigned(signed: bytes, root_file: Path) -> None:
    [facts] = pdf_signatures(add_page(signed), [root_file])
    assert (facts["intact"], facts["revision_intact"], facts["later_signers"]) == (False, True, [])
    assert PROBLEM_CHANGE_UNSIGNED in str(facts["problem"])


def test_a_second_signature_in_a_new_field_is_a_permitted_change(
    signed: bytes, office: Identity, root_file: Path
) -> None:
    countersigned = sign(signed, office, field="Signature2")
    first, second = pdf_signatures(countersigned, [root_file])
    assert (first["intact"], first["trusted"], second["intact"]) == (True, True, True)
    assert (first["changes_after"], first["changes_allowed"]) == ("form_filling", True)
    assert first["problem"] is None
    assert f"{OFFICE} (tin cậy)" in str(first["note"])


def test_a_backdated_signature_with_an_expired_certificate_is_not_trusted(
    tmp_path: Path,
) -> None:
    old_root = identity("CA cũ", ca=True, start=OLD_START, end=OLD_END)
    leaf = identity(OFFICE, issuer=old_root, start=OLD_START, end=OLD_END)
    (tmp_path / "old.pem").write_bytes(old_root.pem())
    backdated = sign(_report(1), leaf, field="Signature1", when=BACKDATED)
    [facts] = pdf_signatures(backdated, [tmp_path / "old.pem"])
    assert facts["signed_at"] == "2020-06-01T00:00:00+00:00"  # what the signer claims
    assert (facts["intact"], facts["trusted"], facts["time_proven"]) == (True, False, False)
    problem = str(facts["problem"])
    assert "2021-12-31" in problem and "dấu thời gian" in problem


def test_a_trusted_timestamp_proves_when_an_expired_certificate_signed(tmp_path: Path) -> None:
    authority = identity("CA", ca=True, start=OLD_START)
    leaf = identity(OFFICE, issuer=authority, start=OLD_START, end=OLD_END)
    tsa = identity("Máy chủ dấu thời gian", issuer=authority, start=OLD_START, tsa=True)
    (tmp_path / "ca.pem").write_bytes(authority.pem())
    stamped = sign(_report(1), leaf, field="Signature1", when=BACKDATED, tsa=tsa)
    [facts] = pdf_signatures(stamped, [tmp_path / "ca.pem"])
    assert (facts["intact"], facts["trusted"], facts["time_proven"]) == (True, True, True)
    # A timestamp from an authority nobody configured proves nothing.
    [alone] = pdf_signatures(stamped)
    assert (alone["trusted"], alone["time_proven"]) == (False, False)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n this is no PDF at all",
        b"%PDF-1.7\n%%EOF",
        b"\x00" * 64,
        b"",
    ],
    ids=["garbage", "header-only", "zeros", "empty"],
)
def test_a_file_that_is_no_pdf_cannot_be_read(data: bytes) -> None:
    with pytest.raises(UnreadablePdf) as raised:
        read_signatures(data)
    assert str(raised.value) == PROBLEM_NOT_PDF
    assert pdf_signatures(data) == []  # the ingest path still never raises


def test_a_truncated_signed_pdf_cannot_be_read(signed: bytes) -> None:
    with pytest.raises(UnreadablePdf):
        read_signatures(signed[: len(signed) // 2])
