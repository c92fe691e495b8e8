"""Attachments of a unit's report: judged by content, limited, thumbnailed, served safely.

Every file is made here for real: photos with Pillow, PDFs with reportlab, Word and Excel files
with python-docx and openpyxl, bombs with zipfile and zlib. Nothing is mocked: the child process
that opens images and PDFs runs for each upload.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from reportlab.pdfgen import canvas

from tests.conftest import World
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.models import CampaignStatus
from tonghop.reports import actions, attachments, filecheck
from tonghop.reports.models import Assignment, Attachment, Report, ReportVersion, State

# Files, made for real.


def png(width: int = 800, height: int = 600, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "red" if mode == "RGB" else 0).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 1200, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (500, 400), (0, 0, 200, 128)).save(out, "WEBP")
    return out.getvalue()


def pdf(pages: int = 1, encrypt: str | None = None) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=encrypt)
    for number in range(pages):
        page.drawString(72, 720, f"Báo cáo kết quả, trang {number + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def word() -> bytes:
    document = docx.Document()
    document.add_paragraph("Báo cáo kết quả hưởng ứng Ngày Sáng tạo")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def excel() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Pano", 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A .docx-shaped zip whose document inflates to 200 MB of zeros (about 200 kB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                member.write(zeros)
    return out.getvalue()


def lying_zip() -> bytes:
    """A real DOCX whose directory says its document is 10 bytes long: it inflates to more."""
    data = bytearray(word())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # The size sits at offset 24 of the central directory entry; patch it in both headers.
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := bytes(data).find(signature, start)) != -1:
            name_at = start + (46 if signature == b"PK\x01\x02" else 30)
            if bytes(data[name_at : name_at + len(info.filename)]) == info.filename.encode():
                data[start + offset : start + offset + 4] = (10).to_bytes(4, "little")
            start += 4
    return bytes(data)


def pdf_bomb(inflated: int = 768 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated` bytes (about 3 MB packed)."""
    packer = zlib.compressobj(1)
    chunk = b" " * (16 * 1024 * 1024)
    stream = b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk)))
    stream += packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


# Helpers.


def english(client: Client) -> Client:
    """The messages added with this feature are checked in English: their Vietnamese comes
    with the translation catalogue, afterwards."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def finish(response: Any) -> bytes:
    """Read a file response to its end: the test client then closes the file, as a WSGI server
    does (response.close() would also end the test's database connection)."""
    return b"".join(response.streaming_content)


def upload_url(a: Assignment) -> str:
    return reverse("reports:upload", args=[a.pk])


def send(client: Client, a: Assignment, name: str, data: bytes, field: str = "attachments") -> Any:
    return client.post(upload_url(a), {field: SimpleUploadedFile(name, data)})


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def file_indicator(world: World, *, required: bool) -> Indicator:
    return Indicator.objects.create(
        campaign=world.campaign,
        code="anh_pano",
        label="Ảnh chụp pano",
        kind="file",
        aggregation="count",
        required=required,
        order=99,
    )


def form_post(client: Client, a: Assignment, action: str = "save", **extra: Any) -> Any:
    a.refresh_from_db()
    data = {"version": a.version, "action": action, "narrative": "", **extra}
    return client.post(reverse("reports:form", args=[a.pk]), data)


# What is accepted.


@pytest.mark.parametrize(
    ("name", "make", "content_type", "thumbnail"),
    [
        ("pano-truoc-tru-so.jpg", jpeg, "image/jpeg", True),
        ("bang-ron.png", png, "image/png", True),
        ("ảnh.webp", webp, "image/webp", True),
        ("Báo cáo có ký số.pdf", pdf, "application/pdf", True),
        ("bao-cao.docx", word, filecheck.CONTENT_TYPES["docx"], False),
        ("so-lieu.xlsx", excel, filecheck.CONTENT_TYPES["xlsx"], False),
    ],
)
def test_it_accepts_photos_pdf_word_and_excel(
    world: World, settings: Any, name: str, make: Any, content_type: str, thumbnail: bool
) -> None:
    data = make()
    response = send(world.client_for(world.hoa), world.a_an_phu, name, data)
    assert response.status_code == 200, response.json()
    assert response.json()["ok"] is True
    attachment = Attachment.objects.get()
    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.uploaded_by == world.hoa
    assert attachment.indicator_code == ""
    # Stored under a random name in attachments/<yyyy>/<mm>/, never under the one it came with.
    stored = Path(str(attachment.file.name))
    assert stored.parts[0] == "attachments" and len(stored.parts) == 4
    assert stored.parts[1].isdigit() and stored.parts[2].isdigit()
    assert name.rsplit(".", 1)[0] not in stored.name
    assert (Path(settings.MEDIA_ROOT) / stored).read_bytes() == data
    if thumbnail:
        with Image.open(Path(settings.MEDIA_ROOT) / str(attachment.thumbnail.name)) as image:
            assert image.format == "JPEG"
            assert max(image.size) <= 320
    else:
        assert not attachment.thumbnail
    # The form shows it: the name, the thumbnail, the size.
    page = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    body = page.content.decode()
    assert reverse("reports:file", args=[world.a_an_phu.pk, attachment.pk]) in body
    assert (reverse("reports:thumb", args=[world.a_an_phu.pk, attachment.pk]) in body) is thumbnail


def test_it_reads_the_content_not_the_name(world: World) -> None:
    """A PNG called .pdf is a PNG: served as one, downloaded with the name it deserves."""
    response = send(world.client_for(world.hoa), world.a_an_phu, "anh.pdf", png())
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    served = world.client_for(world.hoa).get(
        reverse("reports:file", args=[world.a_an_phu.pk, attachment.pk])
    )
    finish(served)
    assert served["Content-Type"] == "image/png"
    assert "anh.pdf.png" in served["Content-Disposition"]


# What is refused: each with a sentence naming the file, nothing stored.


REFUSED = [
    ("setup.jpg", lambda: EXE, "content does not match its name"),
    ("tranh.svg", lambda: SVG, "only photos"),
    ("trang.html", lambda: HTML, "only photos"),
    ("bao-cao.pdf", lambda: b"", "is empty"),
    ("bom.docx", zip_bomb, "compressed bomb"),
    ("noi-doi.docx", lying_zip, "could not be read"),
    ("goi.docx", lambda: zipped({"a.txt": b"x"}), "not a Word"),
    (
        "duong-dan.docx",
        lambda: zipped({"[Content_Types].xml": b"x", "../../etc/cron.d/x": b"x"}),
        "unsafe paths",
    ),
    (
        "nhieu.xlsx",
        lambda: zipped({f"xl/{n}.xml": b"x" for n in range(1001)}),
        "too many parts",
    ),
    (
        "macro.docx",
        lambda: zipped(
            {
                "[Content_Types].xml": b"x",
                "_rels/.rels": b"x",
                "word/document.xml": b"x",
                "word/vbaProject.bin": b"x",
            }
        ),
        "contains macros",
    ),
    ("mat-khau.pdf", lambda: pdf(encrypt="bi-mat"), "password"),
    ("dai.pdf", lambda: pdf(pages=501), "has 501 pages"),
    ("hong.pdf", lambda: b"%PDF-1.7\n1 0 obj garbage", "could not be read as a PDF"),
    ("bom.png", lambda: png(11000, 11000, mode="1"), "too many pixels"),
    ("rong.png", lambda: png(13000, 10, mode="1"), "12000 pixels"),
    ("cut.jpg", lambda: jpeg()[:3000], "could not be read as an image"),
]


@pytest.mark.parametrize(("name", "make", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_it_refuses_what_is_not_a_real_accepted_file(
    world: World, settings: Any, name: str, make: Any, words: str
) -> None:
    response = send(english(world.client_for(world.hoa)), world.a_an_phu, name, make())
    assert response.status_code == 400
    errors = response.json()["errors"][""]
    assert len(errors) == 1
    assert name in errors[0]
    assert words.lower() in errors[0].lower(), errors[0]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_it_refuses_a_pdf_bomb(world: World, settings: Any) -> None:
    # 768 MB of content behind 3 MB of file; the reading child gets 512 MB.
    settings.TONGHOP_INTAKE_MEMORY_MB = 512
    response = send(english(world.client_for(world.hoa)), world.a_an_phu, "bom.pdf", pdf_bomb())
    assert response.status_code == 400
    assert "bom.pdf” needed too much memory" in response.json()["errors"][""][0]
    assert not Attachment.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(world: World, settings: Any) -> None:
    settings.TONGHOP_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = jpeg() + bytes(1024 * 1024)
    response = send(english(world.client_for(world.hoa)), world.a_an_phu, "to.jpg", big)
    assert response.status_code == 400
    assert response.json()["errors"][""] == ["“to.jpg” is too large: at most 1 MB per file."]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_it_stops_at_the_number_of_files_per_report(world: World, settings: Any) -> None:
    settings.TONGHOP_ATTACHMENTS_PER_REPORT = 2
    client = english(world.client_for(world.hoa))
    files = [SimpleUploadedFile(f"anh-{n}.png", png(100 + n, 100)) for n in range(3)]
    response = client.post(upload_url(world.a_an_phu), {"attachments": files})
    assert response.status_code == 400
    assert Attachment.objects.count() == 2
    assert response.json()["errors"][""] == [
        "“anh-2.png” was not added: a report can have at most 2 attachments."
    ]
    # Removing one makes room again.
    first = Attachment.objects.first()
    assert first is not None
    attachments.remove_attachment(world.hoa, world.a_an_phu.pk, first.pk)
    assert send(client, world.a_an_phu, "anh-3.png", png(300, 100)).status_code == 200


def test_the_same_file_sent_again_is_kept_once(world: World) -> None:
    """A resend after a lost answer (server restarted, database away) or a double tap must
    succeed, not be refused, and must not store the file twice."""
    client = world.client_for(world.hoa)
    data = png()
    assert send(client, world.a_an_phu, "a.png", data).status_code == 200
    files_before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert send(client, world.a_an_phu, "b.png", data).status_code == 200
    assert Attachment.objects.count() == 1
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files_before


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\hoa\\Desktop\\anh.png", "anh.png"),
        ("\u202egnp.exe", "gnp.exe"),
        ("anh\x07 báo\x1b cáo.png", "anh báo cáo.png"),
        ("   ", "tep.png"),
        ("a" * 400 + ".png", "a" * 146 + ".png"),
    ],
)
def test_it_never_uses_the_name_as_a_path(
    world: World, settings: Any, sent: str, kept: str
) -> None:
    response = send(world.client_for(world.hoa), world.a_an_phu, sent, png())
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.original_name == kept
    assert len(attachment.original_name) <= 150
    [stored] = [p for p in stored_files(settings) if ".thumb." not in p.name]
    assert stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "attachments")
    served = world.client_for(world.hoa).get(
        reverse("reports:file", args=[world.a_an_phu.pk, attachment.pk])
    )
    finish(served)
    header = served["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith("inline; filename=")


def test_it_refuses_wrong_kinds_of_upload_requests(world: World) -> None:
    client = world.client_for(world.hoa)
    url = upload_url(world.a_an_phu)
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"attachments": "not a file"}).status_code == 400
    # A file field that names no FILE indicator of the form is not taken.
    response = client.post(url, {"file-pano": SimpleUploadedFile("a.png", png())})
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert client.get(url).status_code == 405


# Files in the report form's own POST (the page without JavaScript).


def test_a_refused_file_loses_nothing_of_the_saved_report(world: World) -> None:
    client = world.client_for(world.hoa)
    assert form_post(client, world.a_an_phu, pano="5", narrative="đã lưu").status_code == 302
    response = form_post(
        client,
        world.a_an_phu,
        "submit",
        pano="9",
        narrative="chưa lưu",
        attachments=[
            SimpleUploadedFile("tot.png", png()),
            SimpleUploadedFile("virus.jpg", EXE),
        ],
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "virus.jpg" in body
    # The figures typed are still in the form, the saved report is as it was, not submitted.
    assert 'value="9"' in body
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values["pano"] == 5 and report.narrative == "đã lưu"
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.DRAFT
    # The good file was taken.
    assert [a.original_name for a in Attachment.objects.all()] == ["tot.png"]


def test_a_required_file_field_is_refused_empty_and_filled_in_the_same_post(
    world: World,
) -> None:
    indicator = file_indicator(world, required=True)
    client = world.client_for(world.hoa)
    response = form_post(client, world.a_an_phu, "submit", pano="3")
    assert response.status_code == 400
    # The refusal is shown beside the field's files, under the banner of refused values.
    body = response.content.decode()
    assert f'<ul class="errorlist" data-file-errors="{indicator.code}">' in body
    assert 'id="id_file-anh_pano"' in body and "data-form-alert" in body
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.NOT_STARTED
    # A draft may leave it empty.
    assert form_post(client, world.a_an_phu, "save", pano="3").status_code == 302
    assert Report.objects.get(assignment=world.a_an_phu).values[indicator.code] is None
    response = form_post(
        client,
        world.a_an_phu,
        "submit",
        pano="3",
        **{f"file-{indicator.code}": SimpleUploadedFile("pano.jpg", jpeg())},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.indicator_code == indicator.code
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values[indicator.code] == [attachment.pk]
    version = ReportVersion.objects.get(report=report)
    assert version.values[indicator.code] == [attachment.pk]
    assert version.attachments == [attachment.pk]
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.state == State.SUBMITTED


def test_the_value_of_a_file_field_follows_its_files(world: World) -> None:
    indicator = file_indicator(world, required=False)
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "a.png", png(), field=f"file-{indicator.code}")
    send(client, world.a_an_phu, "b.png", png(200, 200), field=f"file-{indicator.code}")
    first, second = Attachment.objects.order_by("pk")
    report = Report.objects.get(assignment=world.a_an_phu)
    assert report.values[indicator.code] == [first.pk, second.pk]
    # A hostile form cannot name other files: the value comes from the files attached.
    form_post(client, world.a_an_phu, pano="1", **{indicator.code: "[1, 2, 999]"})
    report.refresh_from_db()
    assert report.values[indicator.code] == [first.pk, second.pk]
    attachments.remove_attachment(world.hoa, world.a_an_phu.pk, first.pk)
    report.refresh_from_db()
    assert report.values[indicator.code] == [second.pk]


def test_the_remove_button_works_without_javascript(world: World, settings: Any) -> None:
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "a.png", png())
    attachment = Attachment.objects.get()
    response = form_post(client, world.a_an_phu, pano="4", remove=str(attachment.pk))
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None and attachment.removed_by == world.hoa
    # The figures typed with it were saved as a draft.
    assert Report.objects.get(assignment=world.a_an_phu).values["pano"] == 4
    page = client.get(reverse("reports:form", args=[world.a_an_phu.pk])).content.decode()
    assert "a.png" not in page


# Removing, and what the history keeps.


def test_a_removed_file_that_was_never_sent_is_deleted(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "a.png", png())
    attachment = Attachment.objects.get()
    assert len(stored_files(settings)) == 2  # the file and its thumbnail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:remove-file", args=[world.a_an_phu.pk, attachment.pk])
        )
    assert response.status_code == 200
    assert "a.png" in response.json()["message"]
    assert "a.png" not in response.json()["lists"][""]
    assert stored_files(settings) == []
    url = reverse("reports:file", args=[world.a_an_phu.pk, attachment.pk])
    assert client.get(url).status_code == 404
    again = client.post(reverse("reports:remove-file", args=[world.a_an_phu.pk, attachment.pk]))
    assert again.status_code == 400


def test_a_file_sent_with_a_submission_stays_in_the_history(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "ban-ky.pdf", pdf())
    attachment = Attachment.objects.get()
    form_post(client, world.a_an_phu, "submit", pano="2")
    world.a_an_phu.refresh_from_db()
    actions.return_report(
        world.lan, world.a_an_phu.pk, "Thiếu ảnh", expected_version=world.a_an_phu.version
    )
    with django_capture_on_commit_callbacks(execute=True):
        attachments.remove_attachment(world.hoa, world.a_an_phu.pk, attachment.pk)
    # Still on disk and served: the first submission lists it.
    assert len(stored_files(settings)) == 2
    url = reverse("reports:file", args=[world.a_an_phu.pk, attachment.pk])
    served = world.client_for(world.lan).get(url)
    finish(served)
    assert served.status_code == 200
    page = client.get(reverse("reports:form", args=[world.a_an_phu.pk])).content.decode()
    history = page[page.index('id="versions"') :]
    assert "ban-ky.pdf" in history
    form_post(client, world.a_an_phu, "submit", pano="2")
    second = ReportVersion.objects.get(number=2)
    assert second.attachments == []


def test_no_file_can_be_added_or_removed_once_submitted_or_closed(world: World) -> None:
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "a.png", png())
    attachment = Attachment.objects.get()
    form_post(client, world.a_an_phu, "submit", pano="1")
    response = send(client, world.a_an_phu, "b.png", png(10, 10))
    assert response.status_code == 409
    assert "đã được gửi" in response.json()["message"]
    response = client.post(reverse("reports:remove-file", args=[world.a_an_phu.pk, attachment.pk]))
    assert response.status_code == 409
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    assert send(client, world.a_binh_minh, "c.png", png()).status_code == 404  # not Hoa's
    nam = world.client_for(world.nam)
    response = send(nam, world.a_binh_minh, "c.png", png())
    assert response.status_code == 409
    assert "đã đóng" in response.json()["message"]
    assert Attachment.objects.count() == 1
    assert Attachment.objects.get().removed_at is None


def test_a_personal_link_attaches_as_the_unit(world: World) -> None:
    from tonghop.reports.links.actions import issue_link, revoke_link

    link, _path = issue_link(world.a_binh_minh, by=world.lan)
    upload = SimpleUploadedFile("anh.png", png())
    attachment = attachments.add_attachment(None, world.a_binh_minh.pk, upload, grant=link)
    assert attachment.uploaded_by is None and attachment.via_link_id == link.pk
    # The link of one unit opens nothing of another's.
    with pytest.raises(actions.NotAllowed):
        attachments.add_attachment(
            None, world.a_an_phu.pk, SimpleUploadedFile("x.png", png()), grant=link
        )
    revoke_link(link, by=world.lan)
    link.refresh_from_db()
    with pytest.raises(actions.NotAllowed):
        attachments.remove_attachment(None, world.a_binh_minh.pk, attachment.pk, grant=link)


# Serving: to the unit's reporters and the office only, with safe headers.


@pytest.fixture
def photo_and_pdf(world: World) -> tuple[Attachment, Attachment]:
    client = world.client_for(world.hoa)
    send(client, world.a_an_phu, "Ảnh pano đẹp.jpg", jpeg())
    send(client, world.a_an_phu, "Báo cáo số 12.pdf", pdf())
    photo, document = Attachment.objects.order_by("pk")
    return photo, document


def test_the_unit_and_the_office_get_the_files_with_safe_headers(
    world: World, photo_and_pdf: tuple[Attachment, Attachment]
) -> None:
    photo, document = photo_and_pdf
    a = world.a_an_phu
    for person in (world.hoa, world.lan, world.thach):
        client = world.client_for(person)
        response = client.get(reverse("reports:file", args=[a.pk, photo.pk]))
        assert response.status_code == 200
        with photo.file.open("rb") as stored:
            assert finish(response) == stored.read()
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["Content-Disposition"] == (
            "inline; filename=\"Anh pano dep.jpg\"; filename*=UTF-8''"
            "%E1%BA%A2nh%20pano%20%C4%91%E1%BA%B9p.jpg"
        )
        response = client.get(reverse("reports:file", args=[a.pk, document.pk]))
        finish(response)
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith(
            "attachment; filename=\"Bao cao so 12.pdf\"; filename*=UTF-8''B%C3%A1o"
        )
        thumb = client.get(reverse("reports:thumb", args=[a.pk, document.pk]))
        assert thumb.status_code == 200
        assert thumb["Content-Type"] == "image/jpeg"
        assert thumb["Content-Disposition"].startswith("inline;")
        assert thumb["Content-Security-Policy"] == "sandbox"
        with Image.open(io.BytesIO(finish(thumb))) as image:
            assert max(image.size) <= 320


def test_everyone_else_gets_a_404(
    world: World, photo_and_pdf: tuple[Attachment, Attachment]
) -> None:
    photo, _document = photo_and_pdf
    a = world.a_an_phu
    clients = [Client(), world.client_for(world.nam), world.client_for(world.tu)]
    for client in clients:
        for name in ("reports:file", "reports:thumb"):
            assert client.get(reverse(name, args=[a.pk, photo.pk])).status_code == 404
    # A file reached through another assignment's address is not served, even to its unit.
    hoa = world.client_for(world.hoa)
    assert (
        hoa.get(reverse("reports:file", args=[world.a_binh_minh.pk, photo.pk])).status_code == 404
    )
    nam = world.client_for(world.nam)
    assert (
        nam.get(reverse("reports:file", args=[world.a_binh_minh.pk, photo.pk])).status_code == 404
    )
    assert hoa.get(reverse("reports:file", args=[a.pk, 999999])).status_code == 404
    # Nor can another unit's reporter add or remove files.
    assert send(nam, a, "x.png", png()).status_code == 404
    url = reverse("reports:remove-file", args=[a.pk, photo.pk])
    assert nam.post(url).status_code == 404
    assert world.client_for(world.tu).post(url).status_code == 404
    assert Attachment.objects.present().count() == 2


def test_the_office_sees_the_files_on_its_review_page(
    world: World, photo_and_pdf: tuple[Attachment, Attachment]
) -> None:
    photo, document = photo_and_pdf
    url = reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    body = world.client_for(world.lan).get(url).content.decode()
    assert "Ảnh pano đẹp.jpg" in body and "Báo cáo số 12.pdf" in body
    assert reverse("reports:thumb", args=[world.a_an_phu.pk, photo.pk]) in body
    assert reverse("reports:file", args=[world.a_an_phu.pk, document.pk]) in body


def test_a_file_sent_then_removed_leaves_the_report_not_started_for_the_office(
    world: World,
) -> None:
    """Sending a file before anything else makes the report's row; removing it leaves nothing
    the unit did, and the office's page says so instead of a table of dashes."""
    a = world.a_an_phu
    reporter = world.client_for(world.hoa)
    assert send(reporter, a, "anh.png", png()).status_code == 200
    url = reverse("campaigns:review", args=[world.campaign.slug, a.pk])
    office = world.client_for(world.lan)
    assert "anh.png" in office.get(url).content.decode()
    attachment = Attachment.objects.get()
    attachments.remove_attachment(world.hoa, a.pk, attachment.pk)
    assert Report.objects.filter(assignment=a).exists()
    body = office.get(url).content.decode()
    assert "Đơn vị chưa bắt đầu báo cáo." in body
    assert 'class="table-wrap"' not in body.split("<h1", 1)[1].split("Lịch sử", 1)[0]
    # A figure typed afterwards makes it a report again.
    actions.save_report(world.hoa, a.pk, {"pano": "3"}, "", expected_version=0, submit=False)
    body = office.get(url).content.decode()
    assert "Đơn vị chưa bắt đầu báo cáo." not in body


# The pure parts.


def test_clean_name_keeps_a_name_to_show() -> None:
    assert filecheck.clean_name("a/b\\c/Ảnh\u200b pano\t 1.JPG") == "Ảnh pano 1.JPG"
    assert filecheck.clean_name("..") == ""
    assert filecheck.clean_name("a\r\nContent-Type: x\x00.png") == "a Content-Type: x.png"
    assert filecheck.clean_name("x" * 200) == "x" * 150
    assert filecheck.clean_name("y" * 200 + ".pdf").endswith("y.pdf")
    assert len(filecheck.clean_name("y" * 200 + ".pdf")) == 150


def test_sniff_reads_only_the_first_bytes() -> None:
    assert filecheck.sniff(jpeg()[:16]) == "jpeg"
    assert filecheck.sniff(png()[:16]) == "png"
    assert filecheck.sniff(webp()[:16]) == "webp"
    assert filecheck.sniff(pdf()[:16]) == "pdf"
    assert filecheck.sniff(word()[:16]) == "zip"
    for other in (EXE, SVG, HTML, b"", b" %PDF-1.7", b"GIF89a"):
        assert filecheck.sniff(other[:16]) is None


def test_ordinary_photos_are_checked_in_process_and_large_images_in_the_child(
    tmp_path: Path,
) -> None:
    """The choice that keeps submissions fast under load without giving up the child's limits."""
    from PIL import Image

    from tonghop.reports import filecheck

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(photo, "JPEG")
    wide_png = tmp_path / "wide.png"
    Image.new("L", (5000, 4000)).save(wide_png, "PNG")  # 20 MP: undecodable at a fraction
    small_png = tmp_path / "small.png"
    Image.new("RGB", (800, 600)).save(small_png, "PNG")
    assert filecheck._small_enough_here(photo, "jpeg", 100_000_000)
    assert filecheck._small_enough_here(small_png, "png", 100_000_000)
    assert not filecheck._small_enough_here(wide_png, "png", 100_000_000)
    assert not filecheck._small_enough_here(photo, "jpeg", 1_000_000)  # over the site's limit
    checked = filecheck.check_file(photo, max_pixels=100_000_000, timeout=30, memory_mb=512)
    assert checked.thumbnail is not None
    with Image.open(io.BytesIO(checked.thumbnail)) as thumb:
        assert max(thumb.size) == filecheck.THUMB_SIDE


def test_a_file_is_written_once_where_it_stays_and_a_refused_one_leaves_nothing(
    world: World, settings: Any
) -> None:
    """An upload is spooled under its random name beside where it stays, then renamed once
    judged: on disk there is the file and its thumbnail, private, and never a spool left."""
    client = world.client_for(world.hoa)
    assert send(client, world.a_an_phu, "anh.png", png(300, 200)).status_code == 200
    attachment = Attachment.objects.get()
    root = Path(settings.MEDIA_ROOT)
    kept = [root / str(attachment.file.name), root / str(attachment.thumbnail.name)]
    assert stored_files(settings) == sorted(kept)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in kept)
    # Refused for what it is, for its size, or empty: nothing more on disk, not even a spool.
    settings.TONGHOP_ATTACHMENT_MAX_BYTES = 50_000
    for name, data in (
        ("virus.jpg", b"MZ\x90\x00" + b"\x00" * 400),
        ("to.png", png(3000, 3000, "RGB") + b"\x00" * 60_000),
        ("rong.jpg", b""),
        ("hong.png", png(300, 200)[:120]),
    ):
        response = send(client, world.a_an_phu, name, data)
        assert response.status_code == 400, name
        assert stored_files(settings) == sorted(kept), name
    assert Attachment.objects.count() == 1
