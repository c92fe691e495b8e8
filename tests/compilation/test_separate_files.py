"""Appendices issued in separate files (ND 30 PL I, II.8.b): each its own PDF, signed by the
office with number, symbol and ISO 8601 time (+07:00) in Times New Roman 10 at the top right
of its first page, no image; downloadable from the compilation page and in the edXML package."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.compilation.test_issue import PASS, _draft, key
from tests.conftest import World
from tonghop.compilation.actions import IssueRefused
from tonghop.compilation.models import Compilation, CompilationState, IssuedAttachment
from tonghop.dispatch.edxml import parse_package
from tonghop.dispatch.signatures import VIETNAM
from tonghop.documents.models import Document
from tonghop.issuing import actions
from tonghop.issuing.signing import verify_pdf

__all__ = ["key"]  # a fixture, used by name


def _issue(world: World, separate: tuple[int, ...], when: dt.datetime | None = None) -> Compilation:
    compilation = _draft(world)
    actions.sign(world.thach, compilation.pk, passphrase=PASS)
    return actions.issue(world.hang, compilation.pk, passphrase=PASS, when=when, separate=separate)


def _flattened_text(pdf: bytes) -> str:
    """The first page's text with its annotations (the stamp) drawn into it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        pypdfium2.raw.FPDFPage_Flatten(page, pypdfium2.raw.FLAT_PRINT)
        page.close()
        page = document[0]
        return str(page.get_textpage().get_text_range())
    finally:
        document.close()


def test_an_appendix_is_issued_as_a_signed_file_of_its_own(
    world: World, key: Path, settings: Any
) -> None:
    when = timezone.now().replace(microsecond=0)
    issued = _issue(world, (0,), when)
    kept = IssuedAttachment.objects.get(compilation=issued)
    assert kept.position == 0 and kept.title.startswith("Phụ lục")
    pdf = kept.file.read()

    (facts,) = verify_pdf(pdf, [key])
    assert facts["signer"] == world.office.name
    assert facts["intact"] and facts["trusted"]

    # Top right of page one, in the top margin; Times New Roman (Liberation Serif) 10, no image.
    reader: Any = PdfFileReader(io.BytesIO(pdf))
    page_ref, _resources = reader.find_page_for_modification(0)
    page = page_ref.get_object()
    width, height = (float(v) for v in list(page["/MediaBox"])[2:])
    (widget,) = [a.get_object() for a in page.raw_get("/Annots").get_object()]
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    assert width / 2 < x0 < x1 <= width and height - 20 * 72 / 25.4 < y0 < y1 <= height
    appearance = widget["/AP"]["/N"]
    assert "/XObject" not in appearance["/Resources"] or all(
        x.get_object().get("/Subtype") != "/Image"
        for x in appearance["/Resources"]["/XObject"].values()
    )
    (font,) = appearance["/Resources"]["/Font"].values()
    assert "LiberationSerif" in str(font.get_object()["/BaseFont"])
    assert b" 10 Tf" in appearance.data
    text = _flattened_text(pdf)
    assert "Số: 01/BC-VHKHTT" in text
    local = when.astimezone(VIETNAM)
    assert f"Thời gian ký: {local.isoformat()}" in text and local.isoformat().endswith("+07:00")
    # The page itself: the appendix, pointing to the report it goes with.
    assert f"Kèm theo Báo cáo số 01/BC-VHKHTT ngày {local.day:02d} tháng" in text

    # In the edXML package after the report, and downloadable from the page.
    assert issued.edxml
    package = parse_package(issued.edxml.read())
    names = [a.name for a in package.attachments]
    assert names[1:] == ["01-BC-VHKHTT-phu-luc-01.pdf"]
    assert package.attachments[1].data == pdf
    page_url = reverse("compilation:detail", args=[world.campaign.slug, issued.uid])
    url = reverse("compilation:attachment", args=[world.campaign.slug, issued.uid, 0])
    assert url in world.client_for(world.lan).get(page_url).content.decode()
    response = world.client_for(world.hang).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf  # type: ignore[attr-defined]


def test_another_office_never_gets_the_file(world: World, key: Path) -> None:
    issued = _issue(world, (0,))
    url = reverse("compilation:attachment", args=[world.campaign.slug, issued.uid, 0])
    assert world.client_for(world.tu).get(url).status_code == 404
    missing = reverse("compilation:attachment", args=[world.campaign.slug, issued.uid, 5])
    assert world.client_for(world.lan).get(missing).status_code == 404


def test_without_a_choice_no_separate_file(world: World, key: Path) -> None:
    issued = _issue(world, ())
    assert not IssuedAttachment.objects.filter(compilation=issued).exists()
    package = parse_package(issued.edxml.read())
    assert len(package.attachments) == 1


def test_an_appendix_the_report_lacks_is_refused_and_no_number_used(
    world: World, key: Path
) -> None:
    compilation = _draft(world)
    actions.sign(world.thach, compilation.pk, passphrase=PASS)
    with pytest.raises(IssueRefused, match="không có phụ lục thứ 10"):
        actions.issue(world.hang, compilation.pk, passphrase=PASS, separate=(9,))
    row = Compilation.objects.get(pk=compilation.pk)
    assert row.state == CompilationState.SIGNED and row.document is None
    assert not Document.objects.exists() and not IssuedAttachment.objects.exists()


def test_the_clerk_chooses_on_the_page(world: World, key: Path) -> None:
    compilation = _draft(world)
    actions.sign(world.thach, compilation.pk, passphrase=PASS)
    row = Compilation.objects.get(pk=compilation.pk)
    client = world.client_for(world.hang)
    page_url = reverse("compilation:detail", args=[world.campaign.slug, row.uid])
    page = client.get(page_url).content.decode()
    assert 'id="separate-files"' in page and 'name="separate" value="0"' in page
    issue_url = reverse("compilation:issue", args=[world.campaign.slug, row.uid])
    # A choice the report does not have: refused in Vietnamese, nothing issued.
    response = client.post(
        issue_url, {"passphrase": PASS, "version": row.version, "separate": ["7"]}, follow=True
    )
    assert "Báo cáo không có phụ lục này" in response.content.decode()
    assert Compilation.objects.get(pk=row.pk).state == CompilationState.SIGNED
    client.post(issue_url, {"passphrase": PASS, "version": row.version, "separate": ["0"]})
    issued = Compilation.objects.get(pk=row.pk)
    assert issued.state == CompilationState.ISSUED
    assert issued.attachments.count() == 1


def _printed_text(pdf: bytes, tmp_path: Path) -> str:
    """The text as poppler lays it out, form fields drawn where they sit on the line."""
    source = tmp_path / "issued.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return " ".join(done.stdout.split()).replace(" /", "/")


def test_the_appendices_of_the_issued_report_carry_its_number_and_date(
    world: World, key: Path, tmp_path: Path
) -> None:
    """ND 30 PL I, III.1.c: "(Kèm theo Báo cáo số 01/BC-… ngày … tháng … năm …)" under each
    appendix heading, filled by the clerk's step as the number on page 1 is, the head's
    signature still intact."""
    when = timezone.now().replace(microsecond=0)
    issued = _issue(world, (), when)
    signed = issued.signed_pdf.read()
    local = when.astimezone(VIETNAM).date()
    text = _printed_text(signed, tmp_path)
    month = f"{local.month:02d}" if local.month <= 2 else str(local.month)
    reference = f"(Kèm theo Báo cáo số 01/BC-VHKHTT ngày {local.day:02d} tháng {month} năm"
    assert text.count("(Kèm theo Báo cáo số") == text.count(reference) >= 1, text
    facts = verify_pdf(signed)
    assert len(facts) == 2 and all(f["intact"] for f in facts)
