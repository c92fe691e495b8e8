"""Signed PDFs and the ways an attacker changes them, built for real with pyHanko.

Shared by the signature tests of ``dispatch`` (pure Python) and the page tests: a certificate
authority, a leaf and a signer made with ``cryptography``; an incremental update that
replaces a page's content or adds a page; a second signature made with a self-signed
certificate carrying the genuine signer's name.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

FORGED_TEXT = b"BT /F1 24 Tf 72 700 Td (SO LIEU DA SUA: 999 BANG RON) Tj ET"


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def signer(self) -> Any:
        data = pkcs12.serialize_key_and_certificates(
            b"signer", self.key, self.cert, list(self.chain), serialization.NoEncryption()
        )
        return signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=None)


def identity(
    common_name: str,
    *,
    issuer: Identity | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    ca: bool = False,
    tsa: bool = False,
) -> Identity:
    """A certificate for ``common_name``: self-signed when ``issuer`` is None."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=not ca, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start or now - timedelta(days=1))
        .not_valid_after(end or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    chain = (issuer.cert, *issuer.chain) if issuer else ()
    return Identity(key, cert, chain)


def sign(
    pdf: bytes,
    who: Identity,
    *,
    field: str,
    when: datetime | None = None,
    tsa: Identity | None = None,
) -> bytes:
    """``pdf`` with one more signature by ``who`` in a new field, claiming ``when``."""
    moment = when or datetime.now(UTC)
    timestamper = None
    if tsa is not None:
        chain = SimpleCertificateStore.from_certs([_asn1(c) for c in tsa.chain])  # type: ignore[no-untyped-call]
        timestamper = DummyTimeStamper(
            tsa_cert=_asn1(tsa.cert),
            tsa_key=_asn1_key(tsa.key),
            certs_to_embed=chain,
            fixed_dt=moment,
        )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256"),
        who.signer(),
        timestamper=timestamper,
    )
    return asyncio.run(_sign(pdf_signer, IncrementalPdfFileWriter(io.BytesIO(pdf)), moment))


async def _sign(pdf_signer: Any, writer: Any, moment: datetime) -> bytes:
    # pyHanko signs "now"; a backdating signer writes the time it likes, as here.
    session = pdf_signer.init_signing_session(writer)
    session.system_time = moment
    info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(info, tight=False)
    tbs = session.prepare_tbs_document(validation_info=info, bytes_reserved=reserved)
    digest, output = tbs.digest_tbs_document(in_place=False, chunk_size=4096, output=None)
    signed = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=moment),
    )
    await signed.post_signature_processing(output, chunk_size=4096)
    output.seek(0)
    return bytes(output.read())


def replace_page_content(pdf: bytes, page: int = 0) -> bytes:
    """An incremental update giving page ``page`` a new content stream."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(page)  # type: ignore[no-untyped-call]
    page_obj = page_ref.get_object()
    page_obj["/Contents"] = writer.add_object(generic.StreamObject(stream_data=FORGED_TEXT))
    writer.update_container(page_obj)
    return _written(writer)


def add_page(pdf: bytes) -> bytes:
    """An incremental update appending a page that says what the forger wants."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]  # type: ignore[no-untyped-call]
            ),
            generic.NameObject("/Contents"): writer.add_object(
                generic.StreamObject(stream_data=FORGED_TEXT)
            ),
        }
    )
    writer.insert_page(page)  # type: ignore[no-untyped-call]
    return _written(writer)


def forge(signed: bytes, signer_name: str, change: str = "content") -> bytes:
    """What the attacker does: change the signed file, then sign it as ``signer_name``
    with a certificate of their own making."""
    changed = replace_page_content(signed) if change == "content" else add_page(signed)
    return sign(changed, identity(signer_name), field="Forged")


def _written(writer: Any) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _asn1(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: rsa.RSAPrivateKey) -> Any:
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)
