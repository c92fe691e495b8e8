"""The seed document end to end, and input that is no document at all."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType

import pytest

from tonghop.dispatch import parse_text

SHARED = Path("/work/shared")
SEED = SHARED / "corpus" / "seed.txt"


def _scorer() -> ModuleType:
    path = SHARED / "tools" / "score_dispatch.py"
    if not path.exists():
        pytest.skip("the shared scorer is not available")
    spec = importlib.util.spec_from_file_location("score_dispatch", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_scores_the_seed_perfectly() -> None:
    if not SEED.exists():
        pytest.skip("the shared corpus is not available")
    scorer = _scorer()
    expected = json.loads((SEED.parent / "seed.expected.json").read_text("utf-8"))
    fields = parse_text(SEED.read_text("utf-8"), source=str(SEED))
    scores = scorer.score_doc(expected, json.loads(json.dumps(fields)))
    assert scores and all(v == 1.0 for v in scores.values()), scores
    assert fields["issued_on"] == "2025-04-25"
    assert fields["issuer"] == "Phòng Văn hóa, Khoa học và Thông tin"


def _assert_empty_shape(fields: dict[str, object]) -> None:
    for key in (
        "addressees",
        "references",
        "deadlines",
        "periods",
        "recipients",
        "signature_times",
        "signatures",
    ):
        assert fields[key] == [], key
    for key in ("doc_type", "number", "symbol", "issuer", "issued_on", "subject"):
        assert fields[key] is None, key


def test_it_returns_empty_fields_for_empty_text() -> None:
    _assert_empty_shape(parse_text(""))
    _assert_empty_shape(parse_text("   \n\t \n\f  \r\n"))
    assert parse_text("")["findings"] == []


def test_it_survives_binary_junk() -> None:
    rng = random.Random(30)
    junk = bytes(rng.randrange(256) for _ in range(200_000)).decode("latin-1")
    fields = parse_text(junk + "\x00\ud800" * 10)
    assert fields["schema"] == "tonghop.dispatch/1"
    json.dumps(fields, ensure_ascii=False)


def test_it_parses_five_megabytes_and_a_pathological_line() -> None:
    body = (
        "Thực hiện Công văn số 542/SKHCN-CN&ĐMST ngày 21/4/2025 của Sở Khoa học và Công nghệ, "
        "các đơn vị báo cáo trước ngày 06/5/2025, thời gian từ ngày 15/4 đến hết ngày 26/4/2025; "
        "Số: liệu 1/2/3/4/5/6/7/8/9 - - - ngày ngày ngày tháng năm / / / Nơi nhận KT. TM.\n"
    )
    text = "ỦY BAN NHÂN DÂN\nSố: 12/UBND-VP\nHà Nội, ngày 02 tháng 5 năm 2025\n" + body * (
        5_000_000 // len(body)
    )
    fields = parse_text(text)
    assert fields["number"] == "12"
    # A pathological line without line breaks must not backtrack either.
    # (bench/render.py measures how long both take.)
    assert parse_text("Số: " + "1/" * 500_000 + " ngày " * 200_000 + "-" * 1_000_000)
