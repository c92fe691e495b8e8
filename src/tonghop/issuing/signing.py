"""Sign the consolidated report with a PAdES signature and report the signatures of a PDF.

ND 30/2020 Phụ lục I asks the visible signature to show who signed, for which body, and the
signing time as ISO 8601 in Vietnam time (2025-04-25T08:35:57+07:00). Everything here is pure
Python (pyHanko, cryptography): no Django, so the CLI and the views share it.

The certificate is checked *before* anything is written, so a caller can sign first and only
then take a register number: a wrong passphrase or an expired certificate leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tonghop import datadir, errors
from tonghop.dispatch.signatures import PROBLEM_MODIFIED, VIETNAM, pdf_signatures

FONT_IN_PACKAGE = Path(__file__).parent / "fonts" / "LiberationSerif-Regular.ttf"
FONT_ON_SYSTEM = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
DEMO_CA_NAME = "tonghop demo CA"
# Said in the certificate itself, so nobody mistakes a demo signature for a real one.
DEMO_MARK = "CHỈ DÙNG THỬ (DEMO) - không phải Ban Cơ yếu Chính phủ"
STAMP_TEXT = "Ký bởi: %(signer)s\nCơ quan: %(body)s\nThời gian ký: %(signed_at)s"
STAMP_SIZE = (250.0, 62.0)  # points: room for the three stamp lines at 10 pt
STAMP_MARGIN = 36.0


# fontTools warns about each table it drops while subsetting the stamp font (FFTM of the
# Liberation fonts); the stamp does not need them, so the warning is only noise in the log.
logging.getLogger("fontTools.subset").addFilter(lambda record: "NOT subset" not in record.msg)


class SigningError(errors.Refused):
    """The report could not be signed; the message is for the person who tried."""

    message = "Không ký được tài liệu."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class WrongPassphrase(SigningError):
    message = "Mật khẩu của tệp chứng thư số không đúng."


class CertificateExpired(SigningError):
    message = "Chứng thư số đã hết hạn hoặc chưa đến thời gian có hiệu lực."


class CertificateUnusable(SigningError):
    message = "Chứng thư số không dùng được để ký số."


class TimestampUnavailable(SigningError):
    message = "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA)."


class InvalidPdf(SigningError):
    message = "Tệp không phải là PDF hợp lệ, không ký được."


class TokenLost(SigningError):
    message = (
        "Mất kết nối với thiết bị ký số trong khi ký (thiết bị đã bị rút ra hoặc không còn "
        "phản hồi). Văn bản chưa được ký, không số văn bản nào bị dùng; cắm lại thiết bị "
        "rồi ký lại."
    )


def _token_failure(error: BaseException) -> str | None:
    """The PKCS#11 error behind ``error`` (pyHanko may wrap it), by name, if there is one: a
    token pulled out between opening the key and signing fails here, not when it is opened."""
    try:
        import pkcs11
    except ImportError:  # no PKCS#11 support installed: no token can have failed
        return None
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, pkcs11.exceptions.PKCS11Error):
            return type(seen).__name__
        seen = seen.__cause__ or seen.__context__
    return None


@dataclass(frozen=True)
class DemoAuthority:
    root_certificate: Path  # PEM of the demo root: the trust root to configure
    signing_p12: Path  # the head's personal key and certificate chain
    passphrase: str
    office_p12: Path | None = None  # the office's own key (its signature with the seal)


def create_demo_authority(
    folder: Path,
    *,
    office_name: str,
    signer_name: str,
    passphrase: str,
    now: datetime | None = None,
    crl_url: str = "",
) -> DemoAuthority:
    """A demo root CA and a signing certificate for ``signer_name`` of ``office_name``.

    Files already in ``folder`` are reused, so ``tonghop demo`` can run again without
    invalidating what was signed before.
    """
    if not passphrase:
        raise CertificateUnusable("Cần một mật khẩu để bảo vệ khóa ký số.")
    # The signing key and its folder are the server account's alone (tonghop.datadir).
    datadir.make_folder(folder)
    authority = DemoAuthority(
        folder / "tonghop-demo-ca.pem",
        folder / "office-signing.p12",
        passphrase,
        folder / "office-seal.p12",
    )
    assert authority.office_p12 is not None
    if all(p.exists() for p in (authority.root_certificate, authority.signing_p12,
                                authority.office_p12)):  # fmt: skip
        return authority
    # The root's key is not kept: a demo CA issues these two certificates and nothing else.
    start = (now or datetime.now(UTC)).astimezone(UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name("tonghop", DEMO_CA_NAME, DEMO_MARK)
    root_cert = _certificate(root_name, root_key, None, root_key, start, days=3650)
    # The head signs as a person of the office; the office signs as itself (its seal).
    for path, name, label in (
        (authority.signing_p12, _name(office_name, signer_name), signer_name),
        (authority.office_p12, _name(office_name, office_name), office_name),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate(name, key, root_cert, root_key, start, days=3 * 365, crl_url=crl_url)
        datadir.write_private(
            path,
            pkcs12.serialize_key_and_certificates(
                label.encode(),
                key,
                cert,
                [root_cert],  # the chain travels with the key, so signatures embed it
                serialization.BestAvailableEncryption(passphrase.encode()),
            ),
        )
    datadir.write_private(
        authority.root_certificate, root_cert.public_bytes(serialization.Encoding.PEM)
    )
    # The demo CA revokes nothing; its list says so until the root expires, so a validator
    # that insists on revocation data (pyhanko --force-revinfo) finds it at crl_url.
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(start - timedelta(hours=1))
        .next_update(root_cert.not_valid_after_utc)
        .add_extension(x509.CRLNumber(1), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    datadir.write_private(demo_crl_path(folder), crl.public_bytes(serialization.Encoding.DER))
    return authority


def demo_crl_path(folder: Path) -> Path:
    return folder / "tonghop-demo-ca.crl"


def _name(organisation: str, common_name: str, unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if unit:
        attributes.insert(2, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name(attributes)


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    start: datetime,
    *,
    days: int,
    crl_url: str = "",
) -> x509.Certificate:
    """A root CA certificate when ``issuer`` is None, else a signer's certificate."""
    is_ca = issuer is None
    usage = x509.KeyUsage(
        digital_signature=not is_ca, content_commitment=not is_ca, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=is_ca, crl_sign=is_ca,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    issuer_ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - timedelta(hours=1))
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), False
        )
    )
    if crl_url and not is_ca:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def sign_pdf(
    pdf: bytes,
    *,
    p12_path: Path,
    passphrase: str,
    signer_name: str,
    body: str,
    reason: str = "Ký ban hành",
    location: str = "",
    when: datetime | None = None,
    page: int = -1,
    box: tuple[float, float, float, float] | None = None,
    field: str | None = None,
    image: bytes | None = None,
    signer: Any = None,
    timestamp_url: str = "",
    timestamp_timeout: float = 15.0,
    validation_roots: Sequence[str | os.PathLike[str]] = (),
    stamp_text: str = STAMP_TEXT,
) -> bytes:
    """``pdf`` with one more PAdES signature and a visible ND 30 stamp on ``page``.

    ``field`` names an empty signature field of the document (the place the layout left for
    this signature); ``image`` is a PNG shown there instead of the text stamp (the signer's
    handwritten signature, the office's seal). ``signer`` is a pyHanko signer already opened
    (a token's key, see :mod:`tonghop.issuing.keys`); without it the PKCS#12 file is used.

    Raises a :class:`SigningError` subclass, having written nothing, when the certificate or
    the PDF is not usable.
    """
    moment = (when or datetime.now(UTC)).astimezone(VIETNAM).replace(microsecond=0)
    if signer is None:
        signer = load_signer(p12_path, passphrase, moment)
    else:
        check_certificate(_x509(signer.signing_cert), moment)
    writer = _open_pdf(pdf)

    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle, TextStampStyle

    style: Any
    if image:
        from PIL import Image
        from pyhanko.pdf_utils.images import PdfImage

        style = StaticStampStyle(background=PdfImage(Image.open(io.BytesIO(image))), border_width=0)
    else:
        style = TextStampStyle(
            stamp_text=stamp_text,
            # pyHanko's built-in Courier is Latin-1 only: Vietnamese needs an embedded TrueType.
            text_box_style=TextBoxStyle(font=_font_engine_factory(10), font_size=10),
            border_width=0 if field else 1,
        )
    field_spec = None
    if field is None or field not in _empty_signature_fields(writer):
        field, page_index, default_box = _placement(writer, page)
        rect = box or default_box
        field_spec = fields.SigFieldSpec(
            sig_field_name=field,
            on_page=page_index,
            box=(round(rect[0]), round(rect[1]), round(rect[2]), round(rect[3])),
        )
    extra: dict[str, Any] = {}
    if validation_roots and timestamp_url:
        # PAdES B-LT: the chain and its revocation data (CRL/OCSP, fetched now) kept in the
        # file, so the signature can be checked when they are no longer online.
        from pyhanko.keys.pemder import load_certs_from_pemder_data
        from pyhanko_certvalidator import ValidationContext

        roots = [
            c for r in validation_roots for c in load_certs_from_pemder_data(Path(r).read_bytes())
        ]
        extra = {
            "embed_validation_info": True,
            "validation_context": ValidationContext(
                trust_roots=roots,
                allow_fetching=True,
                revocation_mode="soft-fail",
            ),
        }
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=signer_name,
        **extra,
    )
    timestamper = None
    if timestamp_url:
        # PAdES B-T: an RFC 3161 token over the signature proves when it existed, so it can
        # still be checked after the certificate expires or is revoked later.
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url, timeout=int(max(1, timestamp_timeout)))
    pdf_signer = signers.PdfSigner(
        meta, signer, stamp_style=style, new_field_spec=field_spec, timestamper=timestamper
    )
    params = {"signer": signer_name, "body": body, "signed_at": moment.isoformat()}
    from pyhanko.pdf_utils.metadata.xmp_xml import XmpXmlProcessingError

    try:
        try:
            return asyncio.run(_sign(pdf_signer, writer, moment, params))
        except XmpXmlProcessingError:
            # Some office tools write XMP that pyHanko cannot parse to update; the signature
            # does not need the metadata touched, so sign a fresh copy leaving it as it is.
            writer = _open_pdf(pdf)
            writer._update_meta = lambda: None
            return asyncio.run(_sign(pdf_signer, writer, moment, params))
    except SigningError:
        raise
    except Exception as error:
        failure = _token_failure(error)
        if failure is not None:
            raise TokenLost(f"{TokenLost.message} (PKCS#11: {failure})") from error
        if timestamper is not None and _is_timestamp_failure(error):
            raise TimestampUnavailable(
                "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian "
                f"({timestamp_url}): {error}. Chưa ký, chưa lấy số văn bản."
            ) from error
        raise SigningError(f"Không ký được tài liệu: {error}") from error


def _is_timestamp_failure(error: BaseException) -> bool:
    from pyhanko.sign.timestamps import TimestampRequestError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimestampRequestError | OSError | TimeoutError):
            return True
        if "timestamp" in type(seen).__name__.lower() or "aiohttp" in type(seen).__module__:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def load_signer(p12_path: Path, passphrase: str, moment: datetime | None = None) -> Any:
    """The pyHanko signer of ``p12_path``, checked usable at ``moment`` (now by default).

    Public so that a caller can check the office certificate before doing anything else.
    """
    moment = moment or datetime.now(UTC)
    try:
        data = Path(p12_path).read_bytes()
    except OSError as error:
        raise CertificateUnusable(
            f"Không đọc được tệp chứng thư số {p12_path}: {error.strerror or error}."
        ) from error
    try:
        key, cert, _others = pkcs12.load_key_and_certificates(data, passphrase.encode())
    except ValueError as error:
        # cryptography says the same for a bad password and a broken file; the outer
        # PKCS#12 structure is not encrypted, so it tells the two apart.
        if _is_pkcs12(data):
            raise WrongPassphrase() from error
        raise CertificateUnusable(
            f"Tệp {p12_path} không phải tệp chứng thư số PKCS#12 (.p12/.pfx) đọc được."
        ) from error
    if key is None or cert is None:
        raise CertificateUnusable("Tệp chứng thư số không chứa khóa ký và chứng thư của người ký.")
    check_certificate(cert, moment)
    from pyhanko.sign import signers

    try:
        return signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase.encode())
    except ValueError as error:
        raise CertificateUnusable() from error


def _x509(cert: Any) -> x509.Certificate:
    """An asn1crypto certificate (pyHanko's) as a cryptography one."""
    return x509.load_der_x509_certificate(cert.dump())


def check_certificate(cert: x509.Certificate, moment: datetime) -> None:
    """Refuse, in Vietnamese, a certificate a validator would refuse for a new signature:
    outside its validity at the signing time, without non-repudiation, or signed with SHA-1."""
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if not start <= moment <= end:
        raise CertificateExpired(
            "Chứng thư số chỉ có hiệu lực từ "
            f"{start.astimezone(VIETNAM).isoformat()} đến {end.astimezone(VIETNAM).isoformat()}; "
            f"thời điểm ký {moment.astimezone(VIETNAM).isoformat()} nằm ngoài khoảng này."
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        allowed = usage.content_commitment
    except x509.ExtensionNotFound:
        allowed = False
    if not allowed:
        # pyHanko's validators require nonRepudiation of a signer certificate by default;
        # a signature that our own verifier would reject must not be issued.
        raise CertificateUnusable(
            "Chứng thư số không có mục đích sử dụng chống chối bỏ (nonRepudiation) để ký văn bản."
        )
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or isinstance(algorithm, hashes.SHA1 | hashes.MD5):
        raise CertificateUnusable(
            "Chứng thư số dùng thuật toán băm SHA-1 (hoặc yếu hơn), không còn được chấp nhận "
            "để ký số văn bản mới."
        )


def _is_pkcs12(data: bytes) -> bool:
    # asn1crypto and fontTools ship no type information: imported by name, they are Any.
    asn1_pkcs12 = importlib.import_module("asn1crypto.pkcs12")
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        version = pfx["version"].native
        content = pfx["auth_safe"]["content_type"].native
        return version == "v3" and content in ("data", "signed_data")
    except Exception:
        return False


def stamp_font() -> Path:
    """The packaged Liberation Serif (metric-compatible with Times New Roman, as ND 30 asks)."""
    return FONT_IN_PACKAGE if FONT_IN_PACKAGE.exists() else FONT_ON_SYSTEM


@functools.cache
def _font_in_thousandths(path: Path) -> bytes:
    """The font rescaled to 1000 units per em, without hinting.

    pyHanko writes glyph widths and kerning in font units, but PDF counts them in 1/1000 em:
    with Liberation Serif's 2048 units a stamp came out letter-spaced and cut off. Rescaling
    the font makes the two agree; hinting programs do not survive rescaling, so they go.
    """
    tt_lib = importlib.import_module("fontTools.ttLib")
    scale_upem = importlib.import_module("fontTools.ttLib.scaleUpem").scale_upem
    font = tt_lib.TTFont(str(path))
    scale_upem(font, 1000)
    for table in ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX"):
        if table in font:
            del font[table]
    if "glyf" in font:
        for name in font.getGlyphOrder():
            font["glyf"][name].removeHinting()
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_engine_factory(size: int) -> Any:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(_font_in_thousandths(Path(self.font_file))),
                font_size=self.font_size,
                bcp47_lang_code="vi",
                obj_stream=obj_stream,
            )

    return Factory(str(stamp_font()), font_size=size)


def _open_pdf(pdf: bytes) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    if b"%PDF-" not in pdf[:1024]:  # readers allow junk before the header, up to 1 KiB
        raise InvalidPdf()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as error:
        raise InvalidPdf(f"Tệp PDF bị hỏng, không ký được: {error}") from error
    if writer.prev.encrypted:
        raise InvalidPdf("Tệp PDF được mã hóa, không ký được.")
    return writer


def _empty_signature_fields(writer: Any) -> list[str]:
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        return [name for name, value, _ref in enumerate_sig_fields(writer.prev) if value is None]
    except Exception:
        return []


def signature_field_names(pdf: bytes) -> list[str]:
    """The empty signature fields of ``pdf``: the places left for signatures still to come."""
    return _empty_signature_fields(_open_pdf(pdf))


def fill_fields(pdf: bytes, values: dict[str, str]) -> bytes:
    """``pdf`` with its text fields ``values`` filled, as an incremental update.

    Only each field's value and appearance change: a validator classes that as form filling,
    which an earlier approval signature allows, so the head's signature stays intact when the
    clerk writes the number and date into the blanks the renderer left.
    """
    # pyHanko's PDF objects carry no type information.
    generic: Any = importlib.import_module("pyhanko.pdf_utils.generic")
    pdf_name = generic.pdf_name

    writer = _open_pdf(pdf)
    # A field named "so_van_ban__2" is a copy of "so_van_ban" (the renderer's FIELD_COPY: the
    # number repeated in an appendix's "Kèm theo" line) and takes the same value.
    try:
        form = writer.root["/AcroForm"]
        found: dict[str, Any] = {}
        for ref in form["/Fields"]:
            node = ref.get_object()
            name = str(node.get("/T", ""))
            if name.split("__", 1)[0] in values:
                found[name] = ref
    except Exception as error:
        raise InvalidPdf(f"Không đọc được các trường của tệp PDF: {error}") from error
    missing = sorted(set(values) - set(found))
    if missing:
        raise InvalidPdf(
            "Tệp PDF không có chỗ để ghi số và ngày văn bản (" + ", ".join(missing) + ")."
        )
    for name, ref in found.items():
        field = ref.get_object()
        text = values[name.split("__", 1)[0]]
        x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
        width, height = x1 - x0, y1 - y0
        da = str(field.get("/DA", "/Times-Roman 13 Tf 0 g"))
        size = _da_size(da)
        italic = "Italic" in da
        base = "Times-Italic" if italic else "Times-Roman"
        # Digits only: the standard Times faces have them, and every reader draws them.
        digits = "".join(ch for ch in text if ch.isdigit())
        text_width = len(digits) * size * 0.5
        x = max(0.0, (width - text_width) / 2)
        y = (height - size) / 2 + size * 0.22
        stream = generic.StreamObject(
            {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Form"),
                pdf_name("/BBox"): generic.ArrayObject(
                    [
                        generic.FloatObject(0),
                        generic.FloatObject(0),
                        generic.FloatObject(width),
                        generic.FloatObject(height),
                    ]
                ),
                pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        pdf_name("/Font"): generic.DictionaryObject(
                            {
                                pdf_name("/F1"): generic.DictionaryObject(
                                    {
                                        pdf_name("/Type"): pdf_name("/Font"),
                                        pdf_name("/Subtype"): pdf_name("/Type1"),
                                        pdf_name("/BaseFont"): pdf_name("/" + base),
                                        pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
                                    }
                                )
                            }
                        )
                    }
                ),
            },
            stream_data=(
                f"/Tx BMC q BT /F1 {size:g} Tf 0 g {x:.2f} {y:.2f} Td ({digits}) Tj ET Q EMC"
            ).encode(),
        )
        field[pdf_name("/V")] = generic.TextStringObject(digits)
        field[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): writer.add_object(stream)}
        )
        writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _da_size(da: str) -> float:
    parts = da.split()
    for index, part in enumerate(parts):
        if part == "Tf" and index >= 1:
            try:
                return float(parts[index - 1]) or 13.0
            except ValueError:
                break
    return 13.0


def _placement(writer: Any, page: int) -> tuple[str, int, tuple[float, float, float, float]]:
    """(new field name, page index, default stamp box) for one more signature.

    The default box is at the bottom right, where a report's signature block ends; each
    further signature on the page goes above the previous one instead of covering it.
    """
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        count = int(writer.root["/Pages"]["/Count"])
        index = page if page >= 0 else count + page
        if not 0 <= index < count:
            asked = page + 1 if page >= 0 else page
            raise InvalidPdf(f"Tài liệu có {count} trang, không có trang {asked}.")
        page_ref, _ = writer.find_page_for_modification(index)
        x0, y0, x1, _y1 = (float(v) for v in _media_box(page_ref.get_object()))
        names = [name for name, _sig, _ref in enumerate_sig_fields(writer.prev)]
    except SigningError:
        raise
    except Exception as error:
        raise InvalidPdf(f"Không đọc được cấu trúc trang của tệp PDF: {error}") from error
    number = len(names) + 1
    while f"Signature{number}" in names:
        number += 1
    width, height = STAMP_SIZE
    right = x1 - STAMP_MARGIN
    bottom = y0 + STAMP_MARGIN + (len(names) * (height + 6))
    return f"Signature{number}", index, (max(x0, right - width), bottom, right, bottom + height)


def _media_box(page: Any) -> Any:
    node = page
    while node is not None:  # /MediaBox is inheritable from the page tree
        if "/MediaBox" in node:
            return node["/MediaBox"]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return (0, 0, 595, 842)  # A4, what an office PDF is when it does not say


async def _sign(pdf_signer: Any, writer: Any, moment: datetime, params: dict[str, str]) -> bytes:
    """pyHanko's ``PdfSigner.async_sign_pdf`` with the signing time fixed to ``moment``.

    pyHanko takes the time from the server's zone; ND 30 wants Vietnam time in /M and in the
    stamp, whatever zone the server runs in, and both must be the same instant.
    """
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    session = pdf_signer.init_signing_session(writer)
    session.system_time = moment
    info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(info, tight=False)
    tbs = session.prepare_tbs_document(
        validation_info=info, bytes_reserved=reserved, appearance_text_params=params
    )
    digest, output = tbs.digest_tbs_document(in_place=False, chunk_size=4096, output=None)
    signed = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=moment),
    )
    await signed.post_signature_processing(output, chunk_size=4096)
    output.seek(0)
    return bytes(output.read())


def verify_pdf(
    source: str | os.PathLike[str] | bytes,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
) -> list[dict[str, object]]:
    """Each signature of ``source``: see :func:`tonghop.dispatch.signatures.pdf_signatures`."""
    return pdf_signatures(source, trust_roots)


def verification_lines(results: Sequence[dict[str, object]]) -> list[str]:
    """One Vietnamese line per signature, for a person to read."""
    if not results:
        return ["Không có chữ ký số."]
    lines = []
    for number, facts in enumerate(results, 1):
        signer = facts.get("signer") or "không rõ người ký"
        signed_at = facts.get("signed_at") or "không rõ thời gian"
        if facts.get("time_proven") is False:
            signed_at = f"{signed_at} (do người ký tự ghi)"
        elif facts.get("time_proven"):
            signed_at = f"{signed_at} (có dấu thời gian tin cậy)"
        problem = str(facts.get("problem") or "")
        if facts.get("tampered"):
            # The bytes it signed were changed: nothing else about it can be relied on, so
            # no trust or level is said beside it.
            lines.append(f"Chữ ký {number}: {signer} — ký lúc {signed_at} — đã bị sửa đổi")
            continue
        if facts.get("intact"):
            state = "nguyên vẹn"
        elif PROBLEM_MODIFIED in problem:
            state = "đã bị sửa đổi sau khi ký"
        else:
            state = "không nguyên vẹn"
        # Said once in the state already; the trust part gives the remaining reasons.
        rest = problem.replace(PROBLEM_MODIFIED, "").strip()
        if facts.get("trusted"):
            trust = f"tin cậy ({rest})" if rest else "tin cậy"
        else:
            trust = f"không tin cậy: {rest}" if rest else "không tin cậy"
        line = f"Chữ ký {number}: {signer} — ký lúc {signed_at} — {state} — {trust}"
        if facts.get("level"):
            line += f" — mức PAdES {facts['level']}"
            if facts.get("timestamp_at"):
                authority = facts.get("timestamp_authority") or "không rõ"
                line += f" (dấu thời gian {facts['timestamp_at']} do {authority} cấp)"
        if facts.get("note"):
            line += f" — lưu ý: {facts['note']}"
        lines.append(line)
    return lines
