from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.models import Campaign
from tonghop.documents.models import Document, IntakeStatus
from tonghop.orgs.models import Unit

SEED = resources.files("tonghop.demo").joinpath("seed.txt").read_bytes()
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _upload(
    client: Client, name: str, data: bytes, capture: Callable[..., Any]
) -> tuple[Any, Document | None]:
    with capture(execute=True):
        response = client.post(
            reverse("documents:upload"),
            {
                "file": SimpleUploadedFile(name, data),
                "office": Unit.objects.get(code="phong-vhkhtt").pk,
            },
        )
    return response, Document.objects.order_by("-pk").first()


def test_it_reads_the_seed_and_shows_what_to_check(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    response, document = _upload(client, "cong-van.txt", SEED, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert document is not None
    assert document.status == IntakeStatus.READ
    assert document.issuer == "Phòng Văn hóa, Khoa học và Thông tin"
    assert document.issued_on == dt.date(2025, 4, 25)
    assert document.signer_name == "Phạm Viết Thạch"
    assert "Việt Năm" in document.text
    codes = {f["code"] for f in document.findings}
    assert {"period-year-mismatch", "period-before-issue", "spelling"} <= codes
    # The original is kept byte for byte beside the extracted text.
    assert Path(document.file.path).read_bytes() == SEED
    page = client.get(response["Location"]).content.decode()
    assert 'id="findings"' in page
    assert "Phạm Viết Thạch" in page
    original = client.get(reverse("documents:original", args=[document.uid]))
    assert b"".join(original.streaming_content) == SEED  # type: ignore[attr-defined]


def test_it_registers_with_consecutive_numbers(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    numbers = []
    for name in ("a.txt", "b.txt"):
        _response, document = _upload(client, name, SEED, django_capture_on_commit_callbacks)
        assert document is not None
        form = {
            "doc_type": "Công văn",
            "number": "",
            "symbol": "",
            "issuer": document.issuer,
            "issued_on": "2025-04-25",
            "subject": "Hưởng ứng Ngày Sáng tạo",
            "signer_title": "Trưởng phòng",
            "signer_name": "Phạm Viết Thạch",
            "received_on": "2026-11-26",
        }
        response = client.post(reverse("documents:detail", args=[document.uid]), form)
        assert response.status_code == 302
        document.refresh_from_db()
        assert document.status == IntakeStatus.REGISTERED
        assert document.subject == "Hưởng ứng Ngày Sáng tạo"
        numbers.append((document.register_number, document.register_year))
    assert numbers == [(1, 2026), (2, 2026)]
    listing = client.get(reverse("documents:list") + "?q=Sáng+tạo").content.decode()
    assert "1/2026" in listing and "2/2026" in listing


def _register(client: Any, document: Any) -> None:
    form = {
        "doc_type": "Công văn",
        "issuer": document.issuer,
        "issued_on": document.issued_on.isoformat() if document.issued_on else "",
        "subject": document.subject,
        "signer_title": "Trưởng phòng",
        "signer_name": "Phạm Viết Thạch",
        "received_on": "2026-11-26",
    }
    response = client.post(reverse("documents:detail", args=[document.uid]), form)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == IntakeStatus.REGISTERED


def test_it_prefills_a_campaign_from_the_document(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    _response, document = _upload(client, "cv.txt", SEED, django_capture_on_commit_callbacks)
    assert document is not None
    url = reverse("campaigns:new") + f"?document={document.uid}"
    # Not registered yet: no campaign from it, and the person is told why.
    refused = client.get(url, follow=True)
    assert "Vào sổ văn bản trước" in refused.content.decode()
    assert not Campaign.objects.filter(source_document=document).exists()
    _register(client, document)
    page = client.get(url).content.decode()
    # Period proposed in the document's own year, due at the end of the day before "trước".
    assert 'value="2025-04-15"' in page
    assert 'value="2025-04-26"' in page
    assert 'value="2025-05-05"' in page
    assert "2024" in page
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        url,
        {
            "office": world.office.pk,
            "title": "Hưởng ứng Ngày Sáng tạo 2025",
            "slug": "",
            "period_start": "2025-04-15",
            "period_end": "2025-04-26",
            "due_date": future,
            "due_time": "23:59",
            "report_to": "Sở Khoa học và Công nghệ",
            "report_symbol": "BC-X",
            "unit_kinds": ["commune"],
            "preset": "sang-tao",
            "document": str(document.uid),
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="Hưởng ứng Ngày Sáng tạo 2025")
    assert campaign.source_document == document
    assert sorted(a.unit.code for a in campaign.assignments.all()) == ["xa-an-phu", "xa-binh-minh"]
    assert campaign.indicators.filter(code="pano").exists()


def test_it_refuses_a_campaign_due_in_the_past(world: World) -> None:
    client = world.client_for(world.lan)
    response = client.post(
        reverse("campaigns:new"),
        {
            "office": world.office.pk,
            "title": "Cũ",
            "due_date": "2020-01-01",
            "due_time": "23:59",
            "unit_kinds": ["commune"],
            "preset": "narrative",
        },
    )
    assert response.status_code == 400
    assert "Hạn báo cáo đã qua" in response.content.decode()
    assert not Campaign.objects.filter(title="Cũ").exists()


def test_it_refuses_an_empty_file(world: World) -> None:
    response = world.client_for(world.lan).post(
        reverse("documents:upload"),
        {"file": SimpleUploadedFile("rong.pdf", b""), "office": world.office.pk},
    )
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_it_refuses_a_file_too_large(world: World, settings: Any) -> None:
    settings.TONGHOP_MAX_UPLOAD_BYTES = 1000
    response = world.client_for(world.lan).post(
        reverse("documents:upload"),
        {"file": SimpleUploadedFile("to.pdf", b"x" * 1001), "office": world.office.pk},
    )
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert not Document.objects.exists()


def test_it_explains_junk_and_keeps_it_for_manual_entry(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = world.client_for(world.lan)
    junk = bytes(range(256)) * 64
    response, document = _upload(client, "scan.pdf", junk, django_capture_on_commit_callbacks)
    assert document is not None
    assert document.status == IntakeStatus.FAILED
    assert document.error
    assert Path(document.file.path).read_bytes() == junk
    page = client.get(response["Location"]).content.decode()
    assert "Không đọc được văn bản" in page or document.error in page
    assert 'name="subject"' in page


def test_it_stops_reading_past_the_time_limit(
    world: World, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    settings.TONGHOP_INTAKE_TIMEOUT = 0
    _response, document = _upload(
        world.client_for(world.lan), "cv.txt", SEED, django_capture_on_commit_callbacks
    )
    assert document is not None
    assert document.status == IntakeStatus.FAILED
    assert "giây" in document.error


def test_it_survives_a_reader_out_of_memory(
    world: World, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # The readers are loaded before the ceiling; reading 8 MB of text needs more than 5 MB.
    settings.TONGHOP_INTAKE_MEMORY_MB = 5
    big = SEED * (8_000_000 // len(SEED) + 1)
    _response, document = _upload(
        world.client_for(world.lan), "cv.txt", big, django_capture_on_commit_callbacks
    )
    assert document is not None
    assert document.status == IntakeStatus.FAILED
    assert "bộ nhớ" in document.error


def test_it_keeps_the_registers_from_reporters_and_other_offices(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    _response, document = _upload(
        world.client_for(world.lan), "cv.txt", SEED, django_capture_on_commit_callbacks
    )
    assert document is not None
    for intruder in (world.hoa, world.nam, world.tu):
        client = world.client_for(intruder)
        for url in (
            reverse("documents:detail", args=[document.uid]),
            reverse("documents:original", args=[document.uid]),
            reverse("campaigns:new") + f"?document={document.uid}",
        ):
            assert client.get(url).status_code == 404, (intruder, url)
        client.post(reverse("documents:detail", args=[document.uid]), {"subject": "x"})
    for reporter in (world.hoa, world.nam):
        client = world.client_for(reporter)
        assert client.get(reverse("documents:list")).status_code == 404
        assert (
            client.post(
                reverse("documents:upload"), {"file": SimpleUploadedFile("x.txt", b"abc")}
            ).status_code
            == 404
        )
    document.refresh_from_db()
    assert document.subject != "x"
    assert Document.objects.count() == 1
    anonymous = Client().get(reverse("documents:detail", args=[document.uid]))
    assert anonymous.status_code == 302


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not beside the checkout")
def test_it_verifies_the_signatures_of_a_signed_pdf(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    pdf = next(p for p in sorted(CORPUS.glob("*.pdf")))
    client = world.client_for(world.lan)
    response, document = _upload(
        client, pdf.name, pdf.read_bytes(), django_capture_on_commit_callbacks
    )
    assert document is not None
    assert document.status == IntakeStatus.READ, document.error
    assert document.signatures
    assert all(s["trusted"] is False for s in document.signatures)
    page = client.get(response["Location"]).content.decode()
    assert 'id="signatures"' in page
