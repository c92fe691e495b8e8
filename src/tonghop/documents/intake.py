"""Reading an uploaded document without putting the server at risk.

The readers run in a fresh interpreter with a memory ceiling and a time limit: a PDF bomb, a
200-page scan or a file that sends a library into a loop costs that child, never the worker or
the web server, and the clerk gets a sentence saying what happened.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tonghop import errors

MB = 1024 * 1024
MEMORY_MESSAGE = (
    "Việc đọc văn bản bị dừng vì dùng quá nhiều bộ nhớ; tệp có thể bị hỏng hoặc được tạo để "
    "phá hoại. Vui lòng nhập thông tin bằng tay."
)


_MEMORY_SIGNS = ("memoryerror", "out of memory", "cannot allocate", "failed to map")


class IntakeError(errors.Refused):
    """The document could not be read; str() is a Vietnamese sentence for the clerk."""


@dataclass(frozen=True)
class Analysis:
    fields: dict[str, Any]
    text: str


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space. Called by the child on itself, first thing: a
    preexec_fn would run between fork and exec in the parent's copy, which Python documents as
    unsafe when the parent has threads (the web server's and the worker's have)."""
    try:
        import resource
    except ImportError:  # not every platform lets us cap memory
        return
    limit = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def analyse_in_child(
    path: Path,
    *,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
    timeout: float = 600.0,
    memory_mb: int = 2048,
) -> Analysis:
    """Read and parse `path` in a child process; raise IntakeError with the reason on failure."""
    command = [
        sys.executable,
        "-m",
        "tonghop.documents.intake",
        os.fspath(path),
        "--memory-mb",
        str(memory_mb),
    ]
    for root in trust_roots:
        command += ["--trust-root", os.fspath(root)]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            command,
            capture_output=True,
            timeout=max(timeout, 0.001),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise IntakeError(
            f"Đọc văn bản quá {int(timeout)} giây nên đã dừng; văn bản quá lớn hoặc quá phức "
            "tạp. Vui lòng nhập thông tin bằng tay."
        ) from None
    try:
        outcome = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        errors = done.stderr.decode("utf-8", "replace").lower()
        # Out of address space shows as a MemoryError, a loader that cannot map a library, or
        # a kill by signal: all of them mean the ceiling was hit.
        if done.returncode < 0 or any(sign in errors for sign in _MEMORY_SIGNS):
            raise IntakeError(MEMORY_MESSAGE) from None
        raise IntakeError("Không đọc được văn bản (trình đọc dừng bất thường).") from None
    if "error" in outcome:
        raise IntakeError(str(outcome["error"]))
    return Analysis(fields=outcome["fields"], text=outcome["text"])


def _main(argv: list[str]) -> int:
    """The child: print one JSON object, the analysis or the clerk's error message."""
    import argparse

    parser = argparse.ArgumentParser(prog="tonghop-intake")
    parser.add_argument("path")
    parser.add_argument("--trust-root", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=2048)
    args = parser.parse_args(argv)
    # Our own code is loaded before the ceiling: what it must stop is a file's cost, and under
    # it an import can fail in ways that do not say "memory" (a SystemError from compile()).
    from tonghop.dispatch import DispatchError, ingest

    _limit_memory(args.memory_mb)
    outcome: dict[str, Any]
    try:
        try:
            # The same pipeline as `tonghop parse`, OCR of scans included.
            job = ingest(args.path, trust_roots=args.trust_root)
            outcome = {"fields": job.fields, "text": job.text}
        except DispatchError as exc:
            outcome = {"error": str(exc)}
    except (MemoryError, SystemError):
        # Under the ceiling a C extension whose allocation fails may leave the interpreter a
        # SystemError ("returned NULL without setting an exception") instead of a MemoryError.
        outcome = {"error": MEMORY_MESSAGE}
    except Exception as exc:  # the clerk must get an answer whatever broke
        if (isinstance(exc, OSError) and exc.errno == errno.ENOMEM) or any(
            sign in str(exc).lower() for sign in _MEMORY_SIGNS
        ):
            # Under the ceiling a library may fail to load (mmap) rather than raise MemoryError.
            outcome = {"error": MEMORY_MESSAGE}
        else:
            outcome = {"error": f"Không đọc được văn bản ({type(exc).__name__})."}
    sys.stdout.write(json.dumps(outcome, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
