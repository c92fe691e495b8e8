"""The images shown with the two signatures: the head's handwritten signature at ô 7c, the
office's seal at ô 8 over its left third (ND 30 PL I, II.7.c and II.8.a), uploaded once."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.compilation.test_issue import PASS, _draft, key
from tests.conftest import World, sign_and_issue
from tonghop.compilation.render_pdf import FIELD_OFFICE, FIELD_SIGNER
from tonghop.demo.scenario import demo_seal_png, demo_signature_png
from tonghop.issuing.images import BadImage, checked_png
from tonghop.orgs.models import Unit, User

__all__ = ["key"]  # a fixture, used by name


def _png(mode: str = "RGBA", size: tuple[int, int] = (300, 120), alpha: int = 0) -> bytes:
    colour: Any = (0, 0, 200, alpha) if mode == "RGBA" else (255, 255, 255)
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_transparent_png_is_taken() -> None:
    assert checked_png(demo_signature_png()) == demo_signature_png()
    assert checked_png(_png(alpha=0))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "rỗng"),
        (b"\xff\xd8\xff\xe0" + b"JFIF" * 100, "PNG"),
        (_png(mode="RGB"), "trong suốt"),
        (_png(alpha=255), "trong suốt"),
        (_png()[:60], "hỏng"),
        (_png(size=(10, 10)), "điểm ảnh"),
        (_png(size=(5000, 40)), "điểm ảnh"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024), "quá lớn"),
    ],
    ids=["empty", "jpeg", "opaque-rgb", "opaque-rgba", "cut-short", "tiny", "huge-side", "huge"],
)
def test_a_bad_image_is_refused_in_vietnamese(data: bytes, says: str) -> None:
    with pytest.raises(BadImage, match=says):
        checked_png(data)


def test_the_head_and_clerk_upload_their_images_once(world: World) -> None:
    url = reverse("signing-images")
    head = world.client_for(world.thach)
    response = head.post(url, {"target": "signature", "image": _upload(demo_signature_png())})
    assert response.status_code == 302
    response = world.client_for(world.hang).post(
        url, {"target": f"seal-{world.office.pk}", "image": _upload(demo_seal_png())}
    )
    assert response.status_code == 302
    assert bytes(User.objects.get(pk=world.thach.pk).signature_png) == demo_signature_png()
    assert bytes(Unit.objects.get(pk=world.office.pk).seal_png) == demo_seal_png()
    page = head.get(url).content.decode()
    assert "data:image/png;base64," in page
    # A bad file is refused, saying why, and the image kept stays as it was.
    response = head.post(url, {"target": "signature", "image": _upload(_png(mode="RGB"))})
    assert response.status_code == 400 and "nền trong suốt" in response.content.decode()
    assert bytes(User.objects.get(pk=world.thach.pk).signature_png) == demo_signature_png()


def test_nobody_else_changes_an_office_seal(world: World) -> None:
    url = reverse("signing-images")
    seal = {"target": f"seal-{world.office.pk}"}
    # The specialist has no seal form; another office's staff and a unit's reporter neither.
    assert f"seal-{world.office.pk}" not in world.client_for(world.lan).get(url).content.decode()
    for person in (world.lan, world.tu):
        response = world.client_for(person).post(url, {**seal, "image": _upload(demo_seal_png())})
        assert response.status_code == 404
    assert world.client_for(world.hoa).get(url).status_code == 404
    assert not bytes(Unit.objects.get(pk=world.office.pk).seal_png)


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("anh.png", data, content_type="image/png")


def test_the_images_sit_between_the_title_and_the_name(world: World, key: Path) -> None:
    world.thach.signature_png = demo_signature_png()
    world.thach.save()
    world.office.seal_png = demo_seal_png()
    world.office.save()
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    data = issued.signed_pdf.read()
    widgets = _widgets(data)
    page, signer = widgets[FIELD_SIGNER]
    seal_page, seal = widgets[FIELD_OFFICE]
    assert page == seal_page
    # Each appearance draws an image with its transparency (a soft mask), not a text box.
    for name in (FIELD_SIGNER, FIELD_OFFICE):
        assert _has_masked_image(data, name), name
    # The signer's image lies between the title's line and the name's, on the same page.
    text = pdfium.PdfDocument(data)[page].get_textpage()
    name_box = _box(text, "Phạm Viết Thạch")
    title_box = _box(text, "TRƯỞNG PHÒNG")
    assert name_box[3] <= signer[1] + 1 and signer[3] <= title_box[1] + 1
    assert signer[0] <= name_box[0] and name_box[2] <= signer[2] + 40
    # The seal covers about a third of the signature, on its left.
    width = signer[2] - signer[0]
    assert seal[0] < signer[0] and abs(seal[2] - (signer[0] + width / 3)) < 2


def test_without_images_the_places_hold_text(world: World, key: Path) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    data = issued.signed_pdf.read()
    assert {FIELD_SIGNER, FIELD_OFFICE} <= set(_widgets(data))
    assert not _has_masked_image(data, FIELD_SIGNER)


def _widgets(data: bytes) -> dict[str, tuple[int, list[float]]]:
    reader: Any = PdfFileReader(io.BytesIO(data))
    found = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if "/T" in annot:
                found[str(annot["/T"])] = (index, [float(v) for v in annot["/Rect"]])
    return found


def _has_masked_image(data: bytes, field: str) -> bool:
    reader: Any = PdfFileReader(io.BytesIO(data))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        node = ref.get_object()
        if str(node.get("/T")) != field:
            continue
        pending = [node["/AP"]["/N"]]
        while pending:
            xobject = pending.pop().get_object()
            if xobject.get("/Subtype") == "/Image" and "/SMask" in xobject:
                return True
            resources = xobject.get("/Resources", {})
            pending.extend(resources.get("/XObject", {}).values())
    return False


def _box(text: Any, needle: str) -> tuple[float, float, float, float]:
    searcher = text.search(needle)
    start, count = searcher.get_next()
    first, last = text.get_charbox(start), text.get_charbox(start + count - 1)
    return (first[0], min(first[1], last[1]), last[2], max(first[3], last[3]))
