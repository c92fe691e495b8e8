"""Uploads made to tie up the web server: a small JPEG of hundreds of scans, and bodies larger
than an address takes (declared, undeclared, or lying about their length).

The JPEG is written byte by byte (tests/reports/hostile_images.py); the bodies are real
multipart streams read by Django from a WSGI input that counts what is read from it and how
much lands in the upload spool folder meanwhile. Timings are in bench/hostile_upload.py.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.conftest import World
from tests.reports.hostile_images import progressive_jpeg
from tests.reports.test_attachments import english, jpeg, png, send, stored_files, webp
from tonghop.reports import actions, filecheck
from tonghop.reports.links.actions import issue_link
from tonghop.reports.models import Assignment, Attachment, Report

MB = 1024 * 1024


def many_scans(width: int = 2000, height: int = 1500, scans: int = 600) -> bytes:
    return progressive_jpeg(width, height, scans)


def progressive(width: int = 1600, height: int = 1200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 40)).save(out, "JPEG", progressive=True)
    return out.getvalue()


def link_upload_url(world: World, a: Assignment) -> str:
    _link, path = issue_link(a, by=world.lan)
    return f"{path}files/"


def saved_draft(world: World) -> Report:
    """Hoa's report with a value saved before the hostile upload."""
    a = world.a_an_phu
    actions.save_report(
        world.hoa, a.pk, {"pano": 12}, "Đã treo pano", expected_version=a.version, submit=False
    )
    return Report.objects.get(assignment=a)


# The JPEG of hundreds of scans.


def test_the_crafted_jpeg_is_refused_from_its_markers_without_decoding(tmp_path: Path) -> None:
    """The file of the report: 12000 × 7456, 600 refinement scans, a quarter of a megabyte."""
    path = tmp_path / "anh.jpg"
    path.write_bytes(many_scans(12000, 7456, 600))
    assert path.stat().st_size < 300 * 1024
    with pytest.raises(filecheck.Refused) as refused:
        filecheck.jpeg_layout(path)
    assert refused.value.code == "image_too_many_scans"
    assert refused.value.params == {"limit": filecheck.MAX_JPEG_SCANS}
    # Within the limit, the same stream is read through to its figures.
    path.write_bytes(many_scans(12000, 7456, 20))
    layout = filecheck.jpeg_layout(path)
    assert (layout.width, layout.height, layout.frame, layout.scans) == (12000, 7456, 0xC2, 22)
    assert not layout.single_pass


@pytest.mark.parametrize("via", ["reporter", "personal link"])
def test_a_jpeg_of_hundreds_of_scans_is_refused_at_the_endpoint(
    world: World, settings: Any, via: str
) -> None:
    report = saved_draft(world)
    if via == "reporter":
        response = send(world.client_for(world.hoa), world.a_an_phu, "anh.jpg", many_scans())
    else:
        client = Client()  # no account: the link is all it has
        url = link_upload_url(world, world.a_an_phu)
        response = client.post(url, {"attachments": io.BytesIO(many_scans())})
    assert response.status_code == 400
    (error,) = response.json()["errors"][""]
    assert "quá 32 lớp quét (scan)" in error, error
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    report.refresh_from_db()
    assert report.values["pano"] == 12 and report.narrative == "Đã treo pano"


def test_a_large_progressive_jpeg_is_decoded_in_the_child_only(tmp_path: Path) -> None:
    """Pixels times scans is what a progressive JPEG costs: a large one, even of few scans,
    is not decoded in the web process; a small one saved for the web is."""
    large = tmp_path / "large.jpg"
    large.write_bytes(many_scans(2500, 2000, 10))
    assert not filecheck._small_enough_here(large, "jpeg", None)
    checked = filecheck.check_file(large, max_pixels=None, timeout=60, memory_mb=1024)
    assert checked.kind == "jpeg" and checked.thumbnail
    small = tmp_path / "small.jpg"
    small.write_bytes(progressive())
    assert filecheck._small_enough_here(small, "jpeg", None)


def test_the_child_is_stopped_by_its_cpu_time_limit(tmp_path: Path) -> None:
    """Even past the wall-clock limit of a parent that is gone, the kernel stops the child."""
    path = tmp_path / "anh.jpg"
    path.write_bytes(many_scans(4000, 3000, 600))  # many seconds of decoding
    command = [sys.executable, "-m", "tonghop.reports.filecheck", "jpeg", str(path)]
    command += [str(tmp_path / "thumb.jpg"), "none", "1024", "1"]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGXCPU, done


def test_junk_between_segments_sends_a_jpeg_to_the_child(tmp_path: Path) -> None:
    """Pillow reads bytes between segments one at a time in Python: such a file is not opened
    in the web process."""
    data = jpeg()
    path = tmp_path / "junk.jpg"
    path.write_bytes(data[:2] + bytes(5000) + data[2:])
    layout = filecheck.jpeg_layout(path)
    assert layout.junk
    assert not filecheck._small_enough_here(path, "jpeg", None)


def test_a_jpeg_of_too_many_segments_is_refused(tmp_path: Path) -> None:
    data = jpeg()
    comments = b"\xff\xfe\x00\x02" * (filecheck.MAX_JPEG_SEGMENTS + 1)
    path = tmp_path / "com.jpg"
    path.write_bytes(data[:2] + comments + data[2:])
    with pytest.raises(filecheck.Refused) as refused:
        filecheck.jpeg_layout(path)
    assert refused.value.code == "image_too_complex"


def test_a_png_of_too_many_chunks_is_left_to_the_child(tmp_path: Path) -> None:
    data = png(40, 30)
    chunk = b"\x00\x00\x00\x00teXt\x00\x00\x00\x00"  # an empty text chunk (CRC unchecked here)
    path = tmp_path / "chunks.png"
    path.write_bytes(data[:33] + chunk * (filecheck.MAX_PNG_CHUNKS_HERE + 1) + data[33:])
    assert not filecheck._small_enough_here(path, "png", None)
    path.write_bytes(data)
    assert filecheck._small_enough_here(path, "png", None)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("baseline.jpg", jpeg),
        ("progressive.jpg", progressive),
        ("anh.png", png),
        ("anh.webp", webp),
    ],
)
def test_ordinary_photos_still_pass(world: World, name: str, make: Any) -> None:
    response = send(world.client_for(world.hoa), world.a_an_phu, name, make())
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get()
    assert attachment.thumbnail


# Bodies larger than the address takes.


class Body(io.RawIOBase):
    """A multipart body of one file of `size` bytes, made as it is read, that counts what is
    read and watches the largest total size of the files in `spool` meanwhile."""

    def __init__(self, size: int, spool: Path, field: str = "attachments") -> None:
        self.boundary = "tonghopbien"
        head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="to.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        self.head = head + jpeg()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = size
        self.spool = spool
        self.read_bytes = 0
        self.spooled = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self.spooled = max(
            self.spooled, sum(p.stat().st_size for p in self.spool.rglob("*") if p.is_file())
        )
        left = self.size - self.read_bytes
        count = left if size is None or size < 0 else min(size, left)
        out = bytearray()
        while len(out) < count:
            at = self.read_bytes + len(out)
            if at < len(self.head):
                out += self.head[at : at + count - len(out)]
            elif at >= self.size - len(self.tail):
                start = at - (self.size - len(self.tail))
                out += self.tail[start : start + count - len(out)]
            else:
                out += bytes(min(count - len(out), self.size - len(self.tail) - at))
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size)


def post_body(client: Client, url: str, body: Body, *, declared: int | None, **headers: str) -> Any:
    extra: dict[str, Any] = {"CONTENT_TYPE": body.content_type, "wsgi.input": body}
    if declared is not None:
        extra["CONTENT_LENGTH"] = str(declared)
    for name, value in headers.items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    return client.generic("POST", url, b"", **extra)


@pytest.fixture
def spool(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.mark.parametrize("via", ["reporter", "personal link"])
def test_a_body_over_the_limit_is_refused_by_its_length_unread(
    world: World, settings: Any, spool: Path, via: str
) -> None:
    report = saved_draft(world)
    if via == "reporter":
        client = world.client_for(world.hoa)
        url = reverse("reports:upload", args=[world.a_an_phu.pk])
    else:
        client = Client()
        url = link_upload_url(world, world.a_an_phu)
    body = Body(300 * MB, spool)
    response = post_body(client, url, body, declared=body.size)
    assert response.status_code == 413
    assert response.json()["errors"][""] == [
        "Tệp quá lớn, không gửi được: mỗi lần gửi tối đa 20 MB. Chưa nhận phần nào; những gì "
        "đã lưu trước đó vẫn được giữ nguyên. Hãy gửi từng tệp lớn một."
    ]
    assert body.read_bytes == 0
    assert list(spool.iterdir()) == []
    assert not Attachment.objects.exists()
    report.refresh_from_db()
    assert report.values["pano"] == 12


def test_the_report_form_without_script_answers_with_a_page(world: World, spool: Path) -> None:
    body = Body(40 * MB, spool)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    response = post_body(world.client_for(world.hoa), url, body, declared=body.size)
    assert response.status_code == 413
    page = response.content.decode()
    assert "Chưa nhận được" in page and "tối đa 20 MB" in page
    assert body.read_bytes == 0


def test_a_body_without_a_length_is_refused_unread(world: World, spool: Path) -> None:
    body = Body(100 * MB, spool)
    url = reverse("reports:upload", args=[world.a_an_phu.pk])
    response = post_body(
        english(world.client_for(world.hoa)),
        url,
        body,
        declared=None,
        transfer_encoding="chunked",
    )
    assert response.status_code == 411
    assert "did not state its size" in response.json()["errors"][""][0]
    assert body.read_bytes == 0
    assert list(spool.iterdir()) == []


def test_a_body_longer_than_it_declares_is_read_no_further(
    world: World, settings: Any, spool: Path
) -> None:
    settings.TONGHOP_ATTACHMENT_MAX_BYTES = 4 * MB
    body = Body(200 * MB, spool)
    url = reverse("reports:upload", args=[world.a_an_phu.pk])
    response = post_body(world.client_for(world.hoa), url, body, declared=3 * MB)
    assert response.status_code == 400  # the file is cut where the declared length ends
    assert body.read_bytes <= 3 * MB
    assert body.spooled <= 3 * MB
    assert not Attachment.objects.exists()
    # Declaring the truth is refused unread.
    body = Body(200 * MB, spool)
    response = post_body(world.client_for(world.hoa), url, body, declared=body.size)
    assert response.status_code == 413 and body.read_bytes == 0


def _units_import(world: World) -> str:
    return reverse("campaigns:units-import", args=[world.campaign.slug])


@pytest.mark.parametrize(
    ("name", "url", "field", "mb"),
    [
        ("document intake", lambda w: reverse("documents:upload"), "file", 50),
        ("edXML", lambda w: reverse("documents:import-edxml"), "file", 50),
        ("unit list", _units_import, "unit_file", 2),
        ("new campaign", lambda w: reverse("campaigns:new"), "unit_file", 2),
        ("verify", lambda w: reverse("verify"), "file", 50),
    ],
)
def test_every_upload_address_refuses_a_body_over_its_limit_unread(
    world: World, spool: Path, name: str, url: Any, field: str, mb: int
) -> None:
    client = world.client_for(world.lan)
    body = Body((mb + 2) * MB, spool, field=field)
    response = post_body(client, url(world), body, declared=body.size)
    assert response.status_code == 413, name
    assert f"tối đa {mb} MB" in response.content.decode()
    assert body.read_bytes == 0
    # Within the limit the body is read, and the address answers as before.
    body = Body(mb * MB // 2, spool, field=field)
    response = post_body(client, url(world), body, declared=body.size)
    assert response.status_code != 413
    assert body.read_bytes == body.size


def test_an_address_without_files_takes_only_the_form_fields(world: World, spool: Path) -> None:
    """A multipart file sent to the sign-in page would otherwise be spooled by the CSRF
    check, before any view refuses it."""
    body = Body(20 * MB, spool)
    response = post_body(Client(), reverse("login"), body, declared=body.size)
    assert response.status_code == 413
    assert body.read_bytes == 0
