"""Embedded PDF signatures: signer, time, integrity and trust, checked offline."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from tonghop.dispatch.signatures import (
    PROBLEM_BEYOND_CERTIFICATION,
    PROBLEM_MODIFIED,
    PROBLEM_SHA1,
    PROBLEM_UNREADABLE,
    PROBLEM_UNTRUSTED,
    _pdf_date,
    pdf_signatures,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is not beside the clone"
)
SIGNER = "Phòng Văn hóa và Thông tin huyện An Phú"


@pytest.fixture(scope="module")
def signing_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("cert")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _blank_pdf() -> bytes:
    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def signed_pdf(signing_material: tuple[Path, Path]) -> bytes:
    cert_file, key_file = signing_material
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file))  # type: ignore[no-untyped-call]
    assert signer is not None
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(_blank_pdf())),
        signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256"),
        signer=signer,
    )
    data: bytes = out.getvalue()
    return data


def test_it_reports_a_fresh_signature_as_intact_and_untrusted(signed_pdf: bytes) -> None:
    [facts] = pdf_signatures(signed_pdf)
    assert facts["signer"] == SIGNER
    assert facts["intact"] is True
    assert facts["trusted"] is False
    assert facts["problem"] == PROBLEM_UNTRUSTED
    signed_at = dt.datetime.fromisoformat(str(facts["signed_at"]))
    assert signed_at.utcoffset() is not None
    assert abs(dt.datetime.now(dt.UTC) - signed_at) < dt.timedelta(minutes=5)


def test_it_trusts_a_signature_that_chains_to_a_configured_root(
    signed_pdf: bytes, signing_material: tuple[Path, Path], tmp_path: Path
) -> None:
    cert_file, _key = signing_material
    [facts] = pdf_signatures(signed_pdf, trust_roots=[cert_file])
    assert (facts["intact"], facts["trusted"], facts["problem"]) == (True, True, None)
    # DER works as well as PEM, and a file path as well as bytes.
    der = tmp_path / "root.cer"
    der.write_bytes(
        x509.load_pem_x509_certificate(cert_file.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_pdf)
    assert pdf_signatures(pdf, trust_roots=[der])[0]["trusted"] is True


def test_it_sees_content_changed_after_signing(signed_pdf: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    forged = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (Da sua) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    [facts] = pdf_signatures(out.getvalue())
    assert facts["intact"] is False
    assert facts["trusted"] is False
    assert PROBLEM_MODIFIED in str(facts["problem"])


def test_it_sees_bytes_changed_inside_the_signed_range(signed_pdf: bytes) -> None:
    # Flip one character of the header comment: still a valid PDF, no longer the signed one.
    tampered = signed_pdf.replace(b"%PDF-1.", b"%PDF-2.", 1)
    assert tampered != signed_pdf
    [facts] = pdf_signatures(tampered)
    assert facts["intact"] is False
    assert PROBLEM_MODIFIED in str(facts["problem"])


def test_it_reports_a_broken_signature_blob_instead_of_raising(signed_pdf: bytes) -> None:
    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", signed_pdf)
    assert match is not None
    start, end = match.span(1)
    broken = signed_pdf[:start] + b"0" * (end - start) + signed_pdf[end:]
    [facts] = pdf_signatures(broken)
    assert (facts["intact"], facts["trusted"]) == (False, False)
    assert facts["problem"] == PROBLEM_UNREADABLE


def test_it_returns_nothing_for_unsigned_or_unreadable_files() -> None:
    assert pdf_signatures(_blank_pdf()) == []
    assert pdf_signatures(b"not a pdf at all") == []
    assert pdf_signatures(b"%PDF-1.7\n%%EOF") == []


def test_it_reads_a_signing_time_without_zone_as_vietnam_time() -> None:
    value = _pdf_date(
        generic.DictionaryObject(  # type: ignore[no-untyped-call]
            {"/M": generic.TextStringObject("D:20250107100957")}
        )
    )
    assert value is not None and value.tzinfo is None  # the caller then applies +07:00
    with_zone = _pdf_date({"/M": "D:20250107100957+07'00'"})
    assert with_zone is not None and with_zone.isoformat() == "2025-01-07T10:09:57+07:00"
    assert _pdf_date({"/M": "D:20250107030957Z"}) == dt.datetime(
        2025, 1, 7, 3, 9, 57, tzinfo=dt.UTC
    )


@needs_corpus
def test_it_reports_the_government_ca_signatures_of_a_corpus_pdf(tmp_path: Path) -> None:
    path = CORPUS / "007.pdf"
    first, second = pdf_signatures(path)
    assert {key: first[key] for key in ("signer", "signed_at", "intact", "trusted", "problem")} == {
        "signer": "Ủy ban nhân dân tỉnh Quảng Ngãi",
        "signed_at": "2025-01-07T10:09:57+07:00",
        "intact": True,
        "trusted": False,
        "problem": f"{PROBLEM_SHA1} {PROBLEM_UNTRUSTED}",
    }
    # The later signature filled a signature field, which the first permits: said, not hidden.
    assert (first["changes_after"], first["changes_allowed"]) == ("form_filling", True)
    assert "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC (không tin cậy)" in str(first["note"])
    assert second["signer"] == "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"
    assert second["signed_at"] == "2025-01-07T10:44:25+00:00"  # as the CMS attribute says
    assert (second["intact"], second["trusted"]) == (True, False)

    # Trust the first signer's chain: take the issuer from the PDF's own certificate bag if
    # it is there, else the signer certificate itself.
    embedded = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False).embedded_signatures[0]
    bag = [choice.chosen for choice in embedded.signed_data["certificates"]]
    signer_cert = embedded.signer_cert
    issuer = next((c for c in bag if c.subject == signer_cert.issuer), signer_cert)
    root = tmp_path / "root.pem"
    root.write_bytes(
        x509.load_der_x509_certificate(issuer.dump()).public_bytes(serialization.Encoding.PEM)
    )
    first, second = pdf_signatures(path, trust_roots=[root])
    assert (first["trusted"], first["problem"]) == (True, PROBLEM_SHA1)
    assert second["trusted"] is False


@needs_corpus
def test_it_never_raises_on_the_corpus_pdfs() -> None:
    for path in sorted(CORPUS.glob("0[0-2]*.pdf")):
        for facts in pdf_signatures(path):
            assert {"signer", "signed_at", "intact", "trusted", "problem", "note"} <= set(facts)
            if path.name != "006.pdf":  # the one whose certification forbids the later change
                assert facts["intact"] is True, (path.name, facts)


@needs_corpus
def test_it_never_calls_a_certification_intact_after_changes_it_forbids() -> None:
    # 006.pdf: certified, then signed again by the same official in a way the certification's
    # DocMDP permissions forbid. A later signature does not make the first one intact: it
    # vouches for revision 3 of 4, and the page says what changed and who signed the change.
    first, second = pdf_signatures(CORPUS / "006.pdf")
    assert (first["intact"], first["revision_intact"], second["intact"]) == (False, True, True)
    assert (first["revision"], first["revisions"]) == (3, 4)
    assert first["changes_after"] == "form_filling" and first["changes_allowed"] is False
    assert first["later_signers"] == [{"signer": "Đỗ Văn Chung", "trusted": False}]
    problem = str(first["problem"])
    assert problem.startswith(PROBLEM_MODIFIED)
    assert PROBLEM_BEYOND_CERTIFICATION in problem
    assert "Đỗ Văn Chung (không tin cậy)" in problem
    assert "được chữ ký sau bảo đảm" not in problem
