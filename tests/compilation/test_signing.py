"""PAdES signing of the consolidated report and verification, as the head and a clerk see it."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf.generic import DecodedStreamObject, NameObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tonghop.issuing import verify_cli
from tonghop.issuing.signing import (
    CertificateExpired,
    CertificateUnusable,
    DemoAuthority,
    InvalidPdf,
    SigningError,
    WrongPassphrase,
    create_demo_authority,
    sign_pdf,
    stamp_font,
    verification_lines,
    verify_pdf,
)

OFFICE = "PHÒNG VĂN HÓA VÀ THÔNG TIN"
HEAD = "NGUYỄN VĂN A"
PASSPHRASE = "mật-khẩu-thử"
WHEN = datetime(2026, 11, 26, 2, 15, 2, tzinfo=UTC)  # 09:15:02 in Hà Nội
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def _report_pdf(pages: int = 2) -> bytes:
    pdfmetrics.registerFont(TTFont("LiberationSerif", str(stamp_font())))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for number in range(1, pages + 1):
        page.setFont("LiberationSerif", 13)
        page.drawString(72, 760, "BÁO CÁO Kết quả tổ chức Ngày Sáng tạo và Đổi mới sáng tạo")
        page.drawString(72, 740, f"Trang {number}: tổng hợp số băng rôn, khẩu hiệu của các đơn vị")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _sign(pdf: bytes, authority: DemoAuthority, **changes: object) -> bytes:
    options: dict[str, object] = {
        "p12_path": authority.signing_p12,
        "passphrase": authority.passphrase,
        "signer_name": HEAD,
        "body": OFFICE,
        "when": WHEN,
    }
    options.update(changes)
    return sign_pdf(pdf, **options)  # type: ignore[arg-type]


def _visible_text(pdf: bytes) -> str:
    """Page text including the signature stamps, as a reader of the PDF sees them."""
    document = pypdfium2.PdfDocument(pdf)
    document.init_forms()
    page = document[len(document) - 1]
    page.flatten()  # stamps are annotation appearances: make them page content to read them
    page.close()
    flattened = io.BytesIO()
    document.save(flattened)
    again = pypdfium2.PdfDocument(flattened.getvalue())
    return str(again[len(again) - 1].get_textpage().get_text_range())


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> DemoAuthority:
    return create_demo_authority(
        tmp_path_factory.mktemp("ca"),
        office_name=OFFICE,
        signer_name=HEAD,
        passphrase=PASSPHRASE,
        now=WHEN - timedelta(days=1),  # valid at the fixed signing time and today
    )


@pytest.fixture(scope="module")
def signed(authority: DemoAuthority) -> bytes:
    return _sign(_report_pdf(), authority)


def test_it_creates_a_demo_authority_marked_as_demo(authority: DemoAuthority) -> None:
    root = x509.load_pem_x509_certificate(authority.root_certificate.read_bytes())
    key, cert, chain = pkcs12.load_key_and_certificates(
        authority.signing_p12.read_bytes(), PASSPHRASE.encode()
    )
    assert key is not None and cert is not None
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "tonghop demo CA"
    assert "DEMO" in root.subject.rfc4514_string()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == HEAD
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == OFFICE
    assert cert.issuer == root.subject
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=3 * 364)
    assert [c.subject for c in chain] == [root.subject]


def test_it_reuses_an_existing_demo_authority(authority: DemoAuthority) -> None:
    before = authority.signing_p12.read_bytes(), authority.root_certificate.read_bytes()
    again = create_demo_authority(
        authority.signing_p12.parent,
        office_name=OFFICE,
        signer_name=HEAD,
        passphrase=PASSPHRASE,
    )
    assert again == authority
    assert (again.signing_p12.read_bytes(), again.root_certificate.read_bytes()) == before


def test_it_signs_and_verifies_one_intact_trusted_signature(
    signed: bytes, authority: DemoAuthority
) -> None:
    [facts] = verify_pdf(signed, [authority.root_certificate])
    assert facts["signer"] == HEAD
    assert facts["signed_at"] == "2026-11-26T09:15:02+07:00"
    assert facts["intact"] is True
    assert facts["trusted"] is True
    assert facts["problem"] is None


def test_it_is_untrusted_without_the_demo_root(signed: bytes) -> None:
    [facts] = verify_pdf(signed)
    assert facts["intact"] is True
    assert facts["trusted"] is False
    assert "tin cậy" in str(facts["problem"])


def test_it_shows_signer_body_and_iso_time_in_the_stamp(signed: bytes) -> None:
    text = _visible_text(signed)
    assert f"Ký bởi: {HEAD}" in text
    assert f"Cơ quan: {OFFICE}" in text
    assert "Thời gian ký: 2026-11-26T09:15:02+07:00" in text
    # The stamp is on the last page and the report's own text is left as it was.
    assert "Trang 2" in text


def test_it_signs_in_vietnam_time_whatever_the_zone_given(authority: DemoAuthority) -> None:
    new_york = datetime(2026, 11, 25, 20, 15, 2, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York")
    )
    [facts] = verify_pdf(_sign(_report_pdf(1), authority, when=new_york))
    assert facts["signed_at"] == "2026-11-26T03:15:02+07:00"
    now = verify_pdf(_sign(_report_pdf(1), authority, when=None))[0]["signed_at"]
    assert ISO.match(str(now))


def test_it_refuses_a_wrong_passphrase(authority: DemoAuthority) -> None:
    with pytest.raises(WrongPassphrase, match="Mật khẩu"):
        _sign(_report_pdf(1), authority, passphrase="sai")


def test_it_refuses_an_expired_or_not_yet_valid_certificate(tmp_path: Path) -> None:
    old = create_demo_authority(
        tmp_path / "old",
        office_name=OFFICE,
        signer_name=HEAD,
        passphrase=PASSPHRASE,
        now=WHEN - timedelta(days=4 * 365),
    )
    # The certificate is checked before the PDF is even read: nothing is half done.
    with pytest.raises(CertificateExpired, match="hiệu lực"):
        _sign(b"not a pdf", old)
    future = create_demo_authority(
        tmp_path / "future",
        office_name=OFFICE,
        signer_name=HEAD,
        passphrase=PASSPHRASE,
        now=WHEN + timedelta(days=30),
    )
    with pytest.raises(CertificateExpired):
        _sign(_report_pdf(1), future)


def test_it_refuses_unreadable_certificates_and_pdfs(
    tmp_path: Path, authority: DemoAuthority
) -> None:
    broken = tmp_path / "broken.p12"
    broken.write_bytes(b"this is no PKCS#12 file")
    with pytest.raises(CertificateUnusable, match="PKCS#12"):
        _sign(_report_pdf(1), authority, p12_path=broken)
    with pytest.raises(CertificateUnusable, match="Không đọc được"):
        _sign(_report_pdf(1), authority, p12_path=tmp_path / "missing.p12")
    with pytest.raises(InvalidPdf):
        _sign(b"hello", authority)
    with pytest.raises(InvalidPdf):
        _sign(b"%PDF-1.7\n garbage", authority)
    with pytest.raises(InvalidPdf, match="trang"):
        _sign(_report_pdf(1), authority, page=5)
    assert issubclass(InvalidPdf, SigningError) and issubclass(WrongPassphrase, SigningError)


def test_it_keeps_the_first_signature_intact_after_a_second(
    signed: bytes, authority: DemoAuthority
) -> None:
    twice = _sign(signed, authority, body="UBND HUYỆN", when=WHEN + timedelta(minutes=5))
    results = verify_pdf(twice, [authority.root_certificate])
    assert [(f["intact"], f["trusted"]) for f in results] == [(True, True), (True, True)]
    assert [f["signed_at"] for f in results] == [
        "2026-11-26T09:15:02+07:00",
        "2026-11-26T09:20:02+07:00",
    ]
    text = _visible_text(twice)
    assert "Cơ quan: UBND HUYỆN" in text and f"Cơ quan: {OFFICE}" in text
    # The second stamp goes above the first instead of covering it.
    rects = [
        [float(v) for v in annot.get_object()["/Rect"]]
        for annot in pypdf.PdfReader(io.BytesIO(twice)).pages[-1].annotations or []
    ]
    assert len(rects) == 2 and rects[1][1] >= rects[0][3]


def _changed_after_signing(signed: bytes) -> bytes:
    """An incremental update that replaces the page text, as a forger would."""
    writer = pypdf.PdfWriter(io.BytesIO(signed), incremental=True)
    forged = DecodedStreamObject()
    forged.set_data(b"BT /F1 24 Tf 72 700 Td (SO LIEU DA SUA) Tj ET")
    writer.pages[-1][NameObject("/Contents")] = writer._add_object(forged)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_it_reports_a_pdf_changed_after_signing(signed: bytes, authority: DemoAuthority) -> None:
    [facts] = verify_pdf(_changed_after_signing(signed), [authority.root_certificate])
    assert facts["intact"] is False
    assert facts["trusted"] is False
    assert "sửa đổi" in str(facts["problem"])
    assert "đã bị sửa đổi sau khi ký" in verification_lines([facts])[0]


def test_it_reports_bytes_edited_inside_the_signed_range(
    signed: bytes, authority: DemoAuthority
) -> None:
    position = signed.index(b"ReportLab")
    edited = signed[:position] + b"ReportLob" + signed[position + len(b"ReportLab") :]
    [facts] = verify_pdf(edited, [authority.root_certificate])
    assert facts["intact"] is False
    assert "sửa đổi" in str(facts["problem"])


def test_it_writes_lines_for_a_person() -> None:
    good = {
        "signer": HEAD,
        "signed_at": "2026-11-26T09:15:02+07:00",
        "intact": True,
        "trusted": True,
        "problem": None,
    }
    untrusted = {**good, "trusted": False, "problem": "Chứng thư số không thuộc danh sách."}
    assert verification_lines([good, untrusted]) == [
        f"Chữ ký 1: {HEAD} — ký lúc 2026-11-26T09:15:02+07:00 — nguyên vẹn — tin cậy",
        f"Chữ ký 2: {HEAD} — ký lúc 2026-11-26T09:15:02+07:00 — nguyên vẹn — "
        "không tin cậy: Chứng thư số không thuộc danh sách.",
    ]
    assert verification_lines([]) == ["Không có chữ ký số."]


def test_it_verifies_files_from_the_command_line(
    tmp_path: Path,
    signed: bytes,
    authority: DemoAuthority,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "bao-cao.pdf"
    good.write_bytes(signed)
    root = str(authority.root_certificate)
    assert verify_cli.main([str(good), "--trust-root", root]) == 0
    out = capsys.readouterr().out
    assert f"{good}:" in out
    assert (
        f"Chữ ký 1: {HEAD} — ký lúc 2026-11-26T09:15:02+07:00 (do người ký tự ghi) — nguyên vẹn "
        "— tin cậy — mức PAdES B-B — lưu ý: Chưa kiểm tra chứng thư số có bị thu hồi hay không"
    ) in out

    assert verify_cli.main([str(good), "--json"]) == 0  # no roots: trust is not required
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["file"] == str(good) and entry["signatures"][0]["trusted"] is False

    changed = tmp_path / "da-sua.pdf"
    changed.write_bytes(_changed_after_signing(signed))
    unsigned = tmp_path / "chua-ky.pdf"
    unsigned.write_bytes(_report_pdf(1))
    assert verify_cli.main([str(changed), "--trust-root", root]) == 1
    assert "đã bị sửa đổi sau khi ký" in capsys.readouterr().out
    assert verify_cli.main([str(unsigned)]) == 1
    assert "Không có chữ ký số." in capsys.readouterr().out


def test_it_goes_on_after_an_unreadable_file(
    tmp_path: Path, signed: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "bao-cao.pdf"
    good.write_bytes(signed)
    text = tmp_path / "ghi-chu.pdf"
    text.write_text("không phải PDF")
    missing = tmp_path / "khong-co.pdf"
    assert verify_cli.main([str(missing), str(text), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"tonghop: {missing}: không tìm thấy tệp.",
        f"tonghop: {text}: không phải tệp PDF.",
    ]
    assert "nguyên vẹn" in captured.out
    assert verify_cli.main([str(good), "--trust-root", str(missing)]) == 2
    assert "chứng thư gốc" in capsys.readouterr().err


def test_it_signs_a_pdf_whose_xmp_metadata_is_broken(authority: DemoAuthority) -> None:
    writer = pypdf.PdfWriter(io.BytesIO(_report_pdf(1)))
    xmp = DecodedStreamObject()
    xmp.set_data(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>broken")
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    broken = io.BytesIO()
    writer.write(broken)
    [facts] = verify_pdf(_sign(broken.getvalue(), authority), [authority.root_certificate])
    assert facts["intact"] is True and facts["trusted"] is True
