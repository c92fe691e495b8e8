"""The XML signature (XML-DSig, enveloped) of an edXML package: written with the office's key,
checked on import.

The reference packages carry a ``<Signature>`` at the end of ``edXMLHeader``: SignedInfo with
inclusive C14N, one Reference ``URI=""`` (the whole document) with the enveloped-signature and
exclusive-C14N transforms, the SignatureValue, and KeyInfo/X509Data with the signer's subject
name and certificate. We write the same block, in the same place, with two differences that a
standard verifier (xmlsec, the JDK's javax.xml.crypto that hub adapters use) needs:

- the element is in the XML-DSig namespace (``xmlns="http://www.w3.org/2000/09/xmldsig#"``);
  the samples leave it in the edXML default namespace, where no XML-DSig library finds it;
- RSA-SHA256 and SHA-256 (XML-DSig 1.1) instead of the samples' RSA-SHA1 and SHA-1, and the
  exclusive C14N transform under its registered URI
  (``http://www.w3.org/2001/10/xml-exc-c14n#``; the samples spell it
  ``http://www.w3.org/TR/xml-exc-c14n#``).

On reading, the samples' algorithms and spelling are accepted too. A ``Signature`` outside the
XML-DSig namespace (the samples') is reported as not checkable, not refused; one inside it is
checked in full, and any fault refuses the package (``XmlSignatureError``, a Vietnamese
sentence). Whether the certificate comes from a trusted authority is the caller's question.

The input has already passed the hardened reader of ``dispatch.edxml`` (no DTD, size-capped);
lxml is used here only because canonicalisation (C14N) needs it, with entities, DTDs and the
network switched off all the same.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree  # type: ignore[import-untyped]

from tonghop.dispatch.edxml import EdxmlError

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_AS_IN_SAMPLES = "http://www.w3.org/TR/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"

_CANONICAL = {C14N: False, EXC_C14N: True, EXC_C14N_AS_IN_SAMPLES: True}
_DIGESTS: dict[str, Callable[[bytes], Any]] = {SHA256: hashlib.sha256, SHA1: hashlib.sha1}
_SIGNATURES: dict[str, hashes.HashAlgorithm] = {
    RSA_SHA256: hashes.SHA256(),
    RSA_SHA1: hashes.SHA1(),  # noqa: S303 - the reference packages' algorithm, read only
    ECDSA_SHA256: hashes.SHA256(),
}
_DIGEST_MARK = "@@DIGEST@@"
_VALUE_MARK = "@@SIGNATURE@@"
_HEADER_END = "    </edXML:edXMLHeader>\n"


class XmlSignatureError(EdxmlError):
    """The package's XML signature does not hold; str() says why, in Vietnamese."""


@dataclass(frozen=True)
class SignatureFacts:
    """What a checked XML signature says: who signed, with what."""

    checked: bool  # False: a Signature outside the XML-DSig namespace, as in the samples
    subject: str = ""
    issuer: str = ""
    serial: str = ""
    not_after: str = ""
    algorithm: str = ""
    certificate: bytes = b""

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_after": self.not_after,
            "algorithm": self.algorithm,
        }


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _refuse(reason: str) -> XmlSignatureError:
    return XmlSignatureError(f"Chữ ký số XML của gói edXML không hợp lệ: {reason}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _document_digest(root: Any, method: str, exclusive: bool) -> str:
    """The digest of the whole document less the signature element (the enveloped transform);
    the text after the element stays, as the transform keeps every other node."""
    whole = copy.deepcopy(root)
    found = whole.find(f".//{{{DS}}}Signature")
    if found is None:  # pragma: no cover - the caller found it in the same tree
        raise _refuse("không tìm thấy chữ ký.")
    parent = found.getparent()
    previous = found.getprevious()
    if found.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + found.tail
        else:
            parent.text = (parent.text or "") + found.tail
    parent.remove(found)
    canonical = etree.tostring(whole, method="c14n", exclusive=exclusive, with_comments=False)
    return base64.b64encode(_DIGESTS[method](canonical).digest()).decode("ascii")


def _signed_info_c14n(signed_info: Any, exclusive: bool) -> bytes:
    """SignedInfo canonicalised as its algorithm says. For inclusive C14N the element is first
    made a document of its own carrying every namespace in scope: libxml2 (2.14) wrongly writes
    ``xmlns=""`` on the grandchildren of a subtree whose ancestors have another default
    namespace, as the edXML root has, and xmlsec and the JDK would then disagree with us."""
    if exclusive:
        return bytes(etree.tostring(signed_info, method="c14n", exclusive=True))
    alone = etree.Element(signed_info.tag, attrib=dict(signed_info.attrib), nsmap=signed_info.nsmap)
    alone.text = signed_info.text
    for child in signed_info:
        alone.append(copy.deepcopy(child))
    fresh = etree.fromstring(etree.tostring(alone), _parser())
    return bytes(etree.tostring(fresh, method="c14n", exclusive=False))


def sign_package(
    package: bytes, certificate: bytes, sign_raw: Callable[[bytes], bytes], *, ec_key: bool = False
) -> bytes:
    """``package`` (as ``build_package`` writes it) with its enveloped XML signature.

    ``certificate`` is the signer's certificate (DER); ``sign_raw(data)`` signs ``data`` with
    the matching key, RSA PKCS#1 v1.5 over SHA-256 (or ECDSA over SHA-256, DER, when
    ``ec_key``): a PKCS#12 file's key or a token's, the caller decides."""
    text = package.decode("utf-8")
    if text.count(_HEADER_END) != 1 or f"{{{DS}}}" in text:
        raise EdxmlError("Không ký được gói edXML: gói không có dạng do hệ thống lập.")
    cert = x509.load_der_x509_certificate(certificate)
    method = ECDSA_SHA256 if ec_key else RSA_SHA256
    block = "\n".join(
        [
            f'      <Signature xmlns="{DS}">',
            "        <SignedInfo>",
            f'          <CanonicalizationMethod Algorithm="{C14N}"/>',
            f'          <SignatureMethod Algorithm="{method}"/>',
            '          <Reference URI="">',
            "            <Transforms>",
            f'              <Transform Algorithm="{ENVELOPED}"/>',
            f'              <Transform Algorithm="{EXC_C14N}"/>',
            "            </Transforms>",
            f'            <DigestMethod Algorithm="{SHA256}"/>',
            f"            <DigestValue>{_DIGEST_MARK}</DigestValue>",
            "          </Reference>",
            "        </SignedInfo>",
            f"        <SignatureValue>{_VALUE_MARK}</SignatureValue>",
            "        <KeyInfo>",
            "          <X509Data>",
            f"            <X509SubjectName>{_escape(cert.subject.rfc4514_string())}"
            "</X509SubjectName>",
            "            <X509Certificate>"
            f"{base64.b64encode(certificate).decode('ascii')}</X509Certificate>",
            "          </X509Data>",
            "        </KeyInfo>",
            "      </Signature>",
            "",
        ]
    )
    text = text.replace(_HEADER_END, block + _HEADER_END)
    root = etree.fromstring(text.encode("utf-8"), _parser())
    signature = root.find(f".//{{{DS}}}Signature")
    digest = _document_digest(root, SHA256, exclusive=True)
    signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue").text = digest
    signed_info = _signed_info_c14n(signature.find(f"{{{DS}}}SignedInfo"), exclusive=False)
    raw = sign_raw(signed_info)
    if ec_key:
        # XML-DSig wants r and s side by side, not the DER sequence the key gives.
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(raw)
        size = (cert.public_key().key_size + 7) // 8  # type: ignore[union-attr]
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    value = base64.b64encode(raw).decode("ascii")
    return text.replace(_DIGEST_MARK, digest, 1).replace(_VALUE_MARK, value, 1).encode("utf-8")


def _one(el: Any, path: str, what: str) -> Any:
    found = el.findall(path)
    if len(found) != 1:
        raise _refuse(f"thiếu hoặc lặp thẻ {what}.")
    return found[0]


def _algorithm(el: Any, path: str, what: str, allowed: dict[str, Any] | set[str]) -> str:
    value = str(_one(el, path, what).get("Algorithm", ""))
    if value not in allowed:
        raise _refuse(f"thuật toán {what} không được hỗ trợ ({value or 'trống'}).")
    return value


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(f"{what} không phải base64.") from None


def verify_package(data: bytes) -> SignatureFacts | None:
    """Check the package's XML signature: None when it has none, facts when it holds (or is a
    sample-style block outside the XML-DSig namespace, ``checked`` False); raises
    ``XmlSignatureError`` when it does not hold."""
    if b"Signature" not in data:
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse("gói có khai báo DOCTYPE/ENTITY.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        raise _refuse("không đọc được XML.") from None
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        others = [
            el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("}Signature")
        ]
        return SignatureFacts(checked=False) if others else None
    if len(signatures) > 1:
        raise _refuse("gói có nhiều hơn một chữ ký.")
    signature = signatures[0]
    q = f"{{{DS}}}"
    signed_info = _one(signature, f"{q}SignedInfo", "SignedInfo")
    canonical = _algorithm(signed_info, f"{q}CanonicalizationMethod", "chuẩn hóa", _CANONICAL)
    method = _algorithm(signed_info, f"{q}SignatureMethod", "ký", _SIGNATURES)
    reference = _one(signed_info, f"{q}Reference", "Reference")
    if reference.get("URI") != "":
        raise _refuse("chữ ký không phủ toàn bộ gói (Reference URI phải rỗng).")
    transforms = [t.get("Algorithm", "") for t in reference.findall(f"{q}Transforms/{q}Transform")]
    if not transforms or transforms[0] != ENVELOPED or len(transforms) > 2:
        raise _refuse("các phép biến đổi (Transform) không phải chữ ký bao trong gói.")
    if len(transforms) == 2 and transforms[1] not in _CANONICAL:
        raise _refuse(f"phép biến đổi {transforms[1]!r} không được hỗ trợ.")
    exclusive = _CANONICAL[transforms[1]] if len(transforms) == 2 else False
    digest_method = _algorithm(reference, f"{q}DigestMethod", "băm", _DIGESTS)
    given = "".join((_one(reference, f"{q}DigestValue", "DigestValue").text or "").split())
    certificate = _b64(
        _one(signature, f"{q}KeyInfo/{q}X509Data/{q}X509Certificate", "X509Certificate").text,
        "chứng thư số",
    )
    try:
        cert = x509.load_der_x509_certificate(certificate)
    except ValueError:
        raise _refuse("chứng thư số trong gói không đọc được.") from None
    if _document_digest(root, digest_method, exclusive) != given:
        raise _refuse("nội dung gói đã bị thay đổi sau khi ký (giá trị băm không khớp).")
    value = _b64(_one(signature, f"{q}SignatureValue", "SignatureValue").text, "giá trị chữ ký")
    signed = _signed_info_c14n(signed_info, _CANONICAL[canonical])
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and method in (RSA_SHA256, RSA_SHA1):
            key.verify(value, signed, padding.PKCS1v15(), _SIGNATURES[method])
        elif isinstance(key, ec.EllipticCurvePublicKey) and method == ECDSA_SHA256:
            half = len(value) // 2
            der = encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        else:
            raise _refuse("loại khóa của chứng thư số không khớp thuật toán ký.")
    except InvalidSignature:
        raise _refuse("giá trị chữ ký không khớp với chứng thư số kèm theo.") from None
    return SignatureFacts(
        checked=True,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=f"{cert.serial_number:X}",
        not_after=cert.not_valid_after_utc.isoformat(),
        algorithm=method.rsplit("#", 1)[-1],
        certificate=certificate,
    )
