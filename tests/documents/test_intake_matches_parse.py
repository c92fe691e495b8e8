"""A clerk's upload gets exactly the fields `tonghop parse` prints: one pipeline for both.

The corpus score is taken on `tonghop parse --jsonl`; if the intake of the registers read files
another way (without the OCR repairs of scans, say), the score would measure a path nobody
uploading a document gets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import World
from tonghop.dispatch import cli
from tonghop.documents.models import Document, IntakeStatus
from tonghop.orgs.models import Unit
from tonghop.pki import trust_roots

SHARED = Path("/work/shared")
CORPUS = SHARED / "corpus"
DOCUMENTS = (
    sorted(p for p in CORPUS.iterdir() if p.suffix not in (".json", ".md"))
    if CORPUS.exists()
    else []
)


def _printed_by_parse(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """What `tonghop parse --jsonl FILE` prints, with the roots of trust the site uses."""
    capsys.readouterr()
    roots = [arg for root in trust_roots() for arg in ("--trust-root", str(root))]
    assert cli.main([str(path), "--jsonl", *roots]) == 0
    [line] = capsys.readouterr().out.splitlines()
    fields: dict[str, Any] = json.loads(line)
    return fields


def _without_source(fields: dict[str, Any]) -> dict[str, Any]:
    # The one field that differs by design: the path read (the stored copy, or the argument).
    return {key: value for key, value in fields.items() if key != "source"}


@pytest.mark.skipif(not DOCUMENTS, reason="the shared corpus is not available")
@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_the_intake_stores_what_tonghop_parse_prints(
    path: Path,
    world: World,
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = world.client_for(world.lan)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("documents:upload"),
            {
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "office": Unit.objects.get(code="phong-vhkhtt").pk,
            },
        )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.status == IntakeStatus.READ, document.error
    printed = _printed_by_parse(path, capsys)
    # Compared through JSON, as the intake stores them.
    assert _without_source(document.parsed) == _without_source(printed)
    # And the register's own columns are taken from those fields.
    assert document.issuer == (printed["issuer"] or "")[:255]
    assert document.subject == (printed["subject"] or "")[:5000]
    assert document.symbol == (printed["symbol"] or "")[:60]
    assert document.number == (printed["number"] or "")[:20]
    assert document.signer_name == (printed["signer"]["name"] or "")
    assert document.signer_title == (printed["signer"]["title"] or "")
    assert document.recipients == printed["recipients"]
    issued = printed["issued_on"]
    assert document.issued_on == (dt.date.fromisoformat(issued) if issued else None)
