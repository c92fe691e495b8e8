"""Benchmark: what a hostile JPEG costs the web process, before and after its markers are read.

    python bench/hostile_upload.py [--quick]

The file: a progressive JPEG of 12000 × 7456 pixels and 600 AC refinement scans, about a
quarter of a megabyte (tests/reports/hostile_images.py writes it; `--quick`: 3000 × 2000).
Each figure is taken in a fresh interpreter, so its peak memory is its own:

- before: what the web process did with it until now: decode it at a fraction of its size in
  draft mode (reports.filecheck._thumbnail_here), every scan at full size;
- after: reports.filecheck.check_file, which refuses it from its markers;
- child: the largest file the markers let through (the same image with 32 scans), checked by
  check_file in the child: the web process waits, the child works within its limits.

Milliseconds of wall clock and of CPU, and the rise of the peak resident memory (MB) over the
interpreter's own. The last line is one JSON object. Goals: after under 100 ms and a few MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

CHILD_TIMEOUT = 60.0
CHILD_MEMORY_MB = 1024


def _cpu_ms(who: int) -> float:
    usage = resource.getrusage(who)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def measure(mode: str, path: Path) -> dict[str, Any]:
    """Run one case in this (fresh) interpreter."""
    from PIL import Image

    from tonghop.reports import filecheck

    peak0 = _peak_mb(resource.RUSAGE_SELF)
    cpu0 = _cpu_ms(resource.RUSAGE_SELF)
    children0 = _cpu_ms(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    outcome = "accepted"
    try:
        if mode == "before":
            filecheck._thumbnail_here(path, "jpeg")
        else:
            filecheck.check_file(
                path,
                max_pixels=Image.MAX_IMAGE_PIXELS,
                timeout=CHILD_TIMEOUT,
                memory_mb=CHILD_MEMORY_MB,
            )
    except filecheck.Refused as refused:
        outcome = f"refused: {refused.code}"
    wall = (time.perf_counter() - t0) * 1000
    figures: dict[str, Any] = {
        "outcome": outcome,
        "web_ms": round(wall, 1),
        "web_cpu_ms": round(_cpu_ms(resource.RUSAGE_SELF) - cpu0, 1),
        "web_peak_mb": round(_peak_mb(resource.RUSAGE_SELF) - peak0, 1),
    }
    if mode == "child":
        figures["child_cpu_ms"] = round(_cpu_ms(resource.RUSAGE_CHILDREN) - children0, 1)
        figures["child_peak_mb"] = round(_peak_mb(resource.RUSAGE_CHILDREN), 1)
    return figures


def _in_fresh_interpreter(mode: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 3000 × 2000 image")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, path = args.measure
        print(json.dumps(measure(mode, Path(path))))
        return

    from tests.reports.hostile_images import progressive_jpeg

    from tonghop.reports.filecheck import MAX_JPEG_SCANS

    width, height = (3000, 2000) if args.quick else (12000, 7456)
    scans = 600
    with tempfile.TemporaryDirectory(prefix="tonghop-bench-") as folder:
        crafted = Path(folder) / "crafted.jpg"
        crafted.write_bytes(progressive_jpeg(width, height, scans))
        # Two scans (DC, first AC) besides the refinements: the most the markers let through.
        allowed = Path(folder) / "allowed.jpg"
        allowed.write_bytes(progressive_jpeg(width, height, MAX_JPEG_SCANS - 2))
        figures = {}
        for mode, path in (("before", crafted), ("after", crafted), ("child", allowed)):
            figures[mode] = _in_fresh_interpreter(mode, path)
            print(mode, figures[mode], flush=True)
        result = {
            "benchmark": "hostile_upload",
            "image": f"{width}x{height}",
            "scans": scans + 2,
            "file_kb": round(crafted.stat().st_size / 1024, 1),
            "before": figures["before"],
            "after": figures["after"],
            "child": {"scans": MAX_JPEG_SCANS, **figures["child"]},
            "goal_after_ms": 100,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
