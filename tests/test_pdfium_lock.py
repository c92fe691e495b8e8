"""PDFium is entered by one thread at a time: every way the app opens a PDF holds PDFIUM_LOCK,
and threads rendering and reading at once get what one thread alone gets.

Two threads inside PDFium at once crashed the process or left it unable to open any PDF (the
review page asks for its page images in parallel)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.urls import reverse
from reportlab.graphics import renderPDF

from tests.conftest import World
from tonghop.compilation import actions
from tonghop.compilation.charts import chart_drawing, chart_png
from tonghop.compilation.layout import Chart
from tonghop.compilation.models import Compilation
from tonghop.dispatch.pdf import read_pdf
from tonghop.issuing.exchange import page_count
from tonghop.pdfium_lock import PDFIUM_LOCK
from tonghop.reports.filecheck import _thumbnail_of_pdf

CHART = Chart("Số băng rôn theo đơn vị", ("UBND xã Đông Hòa", "UBND xã Đông Khê"), (3, 6))


def _held_by_this_thread() -> bool:
    """True when another thread cannot take the lock now (the tests run nothing else)."""
    free: list[bool] = []

    def probe() -> None:
        if PDFIUM_LOCK.acquire(blocking=False):
            PDFIUM_LOCK.release()
            free.append(True)
        else:
            free.append(False)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return not free[0]


def _watch(patch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the lock was held at each PDF opened from now on."""
    seen: list[bool] = []
    original = pypdfium2.PdfDocument

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(_held_by_this_thread())
        return original(*args, **kwargs)

    patch.setattr(pypdfium2, "PdfDocument", watched)
    return seen


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    return _watch(monkeypatch)


def _pdf() -> bytes:
    pdf: bytes = renderPDF.drawToString(chart_drawing(CHART))
    return pdf


def _drawn(world: World) -> Compilation:
    return actions.run(Compilation.objects.create(campaign=world.campaign, created_by=world.lan))


def test_every_reader_and_renderer_opens_its_pdf_under_the_lock(
    opened: list[bool], tmp_path: Path
) -> None:
    assert chart_png(CHART).startswith(b"\x89PNG")
    assert page_count(_pdf()) == 1
    assert read_pdf(_pdf(), ocr=False).pages
    (tmp_path / "a.pdf").write_bytes(_pdf())
    assert _thumbnail_of_pdf(str(tmp_path / "a.pdf"), str(tmp_path / "a.jpg")) == {"ok": True}
    assert len(opened) >= 4
    assert all(opened)
    # And none is left held.
    assert not _held_by_this_thread()


def test_the_review_pages_images_are_drawn_under_the_lock(world: World) -> None:
    compilation = _drawn(world)
    client = world.client_for(world.lan)
    with pytest.MonkeyPatch.context() as patch:
        seen = _watch(patch)
        detail = client.get(
            reverse("compilation:detail", args=[world.campaign.slug, compilation.uid])
        )
        image = client.get(
            reverse("compilation:page", args=[world.campaign.slug, compilation.uid, 1])
        )
    assert detail.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert len(seen) == 2 and all(seen)


def test_threads_rendering_and_reading_at_once_get_what_one_thread_gets(world: World) -> None:
    # The drawn report: pages of text in embedded fonts, whose caches PDFium shares.
    compilation = _drawn(world)
    with compilation.pdf.open("rb") as handle:
        pdf = handle.read()
    alone = (chart_png(CHART), page_count(pdf), read_pdf(pdf, ocr=False).pages)

    def work(_: int) -> tuple[bytes, int, list[str]]:
        return chart_png(CHART), page_count(pdf), read_pdf(pdf, ocr=False).pages

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(24)))
    assert all(result == alone for result in results)
    # PDFium still opens a document afterwards.
    assert page_count(pdf) == alone[1]
