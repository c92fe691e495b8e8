"""The check set (checkset/) is data the reader is measured on: each annotation must be one the
scorer can read, name its source, and belong to a document that is there."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tonghop.dispatch import parse_text

CHECKSET = Path(__file__).resolve().parents[2] / "checkset"
# The keys the reader gives (its schema, one source of truth), and the annotator's own.
KEYS = (set(parse_text("Số: 1/UBND", source="x.txt")) - {"schema", "source"}) | {
    "_source",
    "_notes",
    "_level",
}
ANNOTATIONS = sorted(CHECKSET.glob("*/*.expected.json"))


def test_the_check_set_is_there() -> None:
    assert len(ANNOTATIONS) >= 50
    assert {path.parent.name for path in ANNOTATIONS} >= {"a", "b"}


@pytest.mark.parametrize("path", ANNOTATIONS, ids=lambda p: f"{p.parent.name}/{p.name[:3]}")
def test_each_annotation_is_readable_and_has_its_document(path: Path) -> None:
    annotation = json.loads(path.read_text(encoding="utf-8"))
    assert set(annotation) <= KEYS, set(annotation) - KEYS
    assert annotation["_source"].startswith(("http://", "https://"))
    stem = path.name.removesuffix(".expected.json")
    assert path.with_name(f"{stem}.txt").read_text(encoding="utf-8").strip()
    issued = annotation.get("issued_on")
    assert issued is None or (len(issued) == 10 and issued[4] == issued[7] == "-")
    # A symbol as the corpus gives it: no spaces, a hyphen and not an en dash.
    for symbol in [annotation.get("symbol")] + [
        ref["symbol"] for ref in annotation.get("references", [])
    ]:
        assert symbol is None or (" " not in symbol and "–" not in symbol), symbol


def test_only_the_tuned_half_may_be_looked_at() -> None:
    # checkset/README.md: the odd-numbered documents of `a/`, `c/` and `d/` may be tuned on;
    # every other one is held out, and the scorer never prints its misses.
    spec = importlib.util.spec_from_file_location("checkset_score", CHECKSET / "score.py")
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    assert score.tuned_on("a", "001") and score.tuned_on("c", "017") and score.tuned_on("d", "015")
    assert not any(score.tuned_on(s, "002") for s in ("a", "c", "d"))
    assert not any(score.tuned_on("b", f"{n:03}") for n in (1, 2))
