"""Score the reader on the check set: documents it was not built from, annotated by hand.

    python checkset/score.py [SET ...] [--show-misses] [--shared PATH]

Each SET is a folder of this directory (default: every one) holding NAME.txt (or .pdf, .docx,
.doc) and NAME.expected.json in the corpus's form (../shared/corpus/SCHEMA.md). The reader runs
on every document (`tonghop parse --jsonl`) and its output is scored field by field with the
corpus's own scorer (`../shared/tools/score_dispatch.py`, so the figures compare with the
corpus's). Printed beside the overall and per-field scores:
- the score by document type and by the issuer's level (`_level` in the annotation);
- precision and recall of the number and of the date: a number given where the document has
  none, or a wrong one, counts against precision; none given where there is one, against recall;
- how many signers' names are read right, of the documents that name one.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUFFIXES = (".txt", ".pdf", ".docx", ".doc")


# The documents the reader's rules may be tuned on (README.md): the odd-numbered ones of `a/`, and
# of `c/` and `d/` since the first contact of each was scored. Every other document is held out,
# scored apart, and its misses are never printed.
TUNED_SETS = ("a", "c", "d")


def tuned_on(folder: str, stem: str) -> bool:
    return folder in TUNED_SETS and stem.isdigit() and int(stem) % 2 == 1


def _scorer(shared: Path) -> ModuleType:
    path = shared / "tools" / "score_dispatch.py"
    if not path.exists():
        raise SystemExit(f"không thấy bộ chấm điểm {path} (--shared trỏ tới thư mục shared)")
    spec = importlib.util.spec_from_file_location("score_dispatch", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _documents(folder: Path) -> list[Path]:
    found = []
    for expected in sorted(folder.glob("*.expected.json")):
        stem = expected.name[: -len(".expected.json")]
        source = next(
            (folder / (stem + s) for s in SUFFIXES if (folder / (stem + s)).exists()), None
        )
        if source is None:
            raise SystemExit(f"{expected}: không có văn bản đi kèm ({', '.join(SUFFIXES)})")
        found.append(source)
    return found


def _parse(sources: list[Path]) -> dict[str, dict[str, Any]]:
    command = [sys.executable, "-m", "tonghop", "parse", "--jsonl", *map(str, sources)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode not in (0, 1):
        raise SystemExit(f"tonghop parse failed ({done.returncode}):\n{done.stderr[-2000:]}")
    out = {}
    for line in done.stdout.splitlines():
        if line.strip():
            obj = json.loads(line)
            out[str(Path(obj["source"]).resolve())] = obj
    return out


class Tally:
    """Given / right / expected counts for precision and recall of one field."""

    def __init__(self) -> None:
        self.given = self.right = self.present = 0

    def add(self, expected: object, actual: object, same: bool) -> None:
        self.present += expected not in (None, "")
        if actual not in (None, ""):
            self.given += 1
            self.right += same and expected not in (None, "")

    def figures(self) -> dict[str, Any]:
        return {
            "given": self.given,
            "right": self.right,
            "present": self.present,
            "precision": round(self.right / self.given, 3) if self.given else None,
            "recall": round(self.right / self.present, 3) if self.present else None,
        }


def score_set(folder: Path, sd: ModuleType, show_misses: bool) -> dict[str, Any]:
    sources = _documents(folder)
    actual = _parse(sources)
    fields: dict[str, list[float]] = defaultdict(list)
    by_type: dict[str, list[float]] = defaultdict(list)
    by_level: dict[str, list[float]] = defaultdict(list)
    number, date = Tally(), Tally()
    names = [0, 0]
    halves: dict[str, list[float]] = defaultdict(list)
    held_out_fields: dict[str, list[float]] = defaultdict(list)
    for source in sources:
        exp = json.loads(source.with_name(source.stem + ".expected.json").read_text("utf-8"))
        act = actual.get(str(source.resolve()), {})
        scores = sd.score_doc(exp, act)
        for field, value in scores.items():
            fields[field].append(value)
            by_type[exp.get("doc_type") or "?"].append(value)
            by_level[exp.get("_level") or "?"].append(value)
            half = "tuned on" if tuned_on(folder.name, source.stem) else "held out"
            halves[half].append(value)
            if half == "held out":
                held_out_fields[field].append(value)
            if show_misses and value < 1 and half == "tuned on":
                top = field.split(".")[0]
                print(
                    f"miss {folder.name}/{source.name} {field} {value:.2f}: expected "
                    f"{json.dumps(exp.get(top), ensure_ascii=False)} got "
                    f"{json.dumps(act.get(top), ensure_ascii=False)}"
                )
        if "number" in exp:
            number.add(exp["number"], act.get("number"), scores["number"] == 1.0)
        if "issued_on" in exp:
            date.add(exp["issued_on"], act.get("issued_on"), scores["issued_on"] == 1.0)
        if isinstance(exp.get("signer"), dict) and exp["signer"].get("name"):
            names[1] += 1
            names[0] += scores.get("signer.name") == 1.0
    pooled = [v for values in fields.values() for v in values]

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 3) if values else 0.0

    return {
        "set": folder.name,
        "documents": len(sources),
        "overall": mean(pooled),
        "fields": {k: mean(v) for k, v in sorted(fields.items())},
        "by_type": {k: [mean(v), len(v)] for k, v in sorted(by_type.items())},
        "by_level": {k: [mean(v), len(v)] for k, v in sorted(by_level.items())},
        "halves": {k: [mean(v), len(v)] for k, v in sorted(halves.items())},
        "held_out_fields": {k: [mean(v), len(v)] for k, v in sorted(held_out_fields.items())},
        "number": number.figures(),
        "date": date.figures(),
        "signer_names": {"right": names[0], "of": names[1]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="folders of checkset/ (default: all)")
    parser.add_argument(
        "--show-misses", action="store_true", help="every field scored below 1 (tuned-on half)"
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    sd = _scorer(args.shared)
    names = args.sets or sorted(p.name for p in HERE.iterdir() if p.is_dir() and p.name[0] != "_")
    results = []
    for name in names:
        folder = HERE / name
        if not folder.is_dir():
            raise SystemExit(f"không có bộ {name} trong {HERE}")
        result = score_set(folder, sd, args.show_misses)
        results.append(result)
        print(f"{name}: {result['documents']} documents, overall {result['overall']:.3f}")
        for field, value in result["fields"].items():
            print(f"  {field:<20} {value:.3f}")
        for key in ("by_type", "by_level", "halves", "held_out_fields"):
            print(
                f"  {key}: "
                + ", ".join(f"{k} {v[0]:.3f} (n={v[1]})" for k, v in result[key].items())
            )
        for key in ("number", "date"):
            f = result[key]
            print(
                f"  {key}: precision {f['right']}/{f['given']} = {f['precision']}, "
                f"recall {f['right']}/{f['present']} = {f['recall']}"
            )
        names_right = result["signer_names"]
        print(f"  signer names right: {names_right['right']}/{names_right['of']}")
    print(json.dumps({"checkset": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
