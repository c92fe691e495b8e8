"""Incoming administrative documents: read a file, parse its fields, check them.

Pure Python, no Django: ``parse_file(path)`` gives the fields of `tonghop.dispatch/1`
(corpus/SCHEMA.md) for a PDF, DOCX, DOC or text file, through the one ingest pipeline of
``pipeline.py`` that the intake of the registers runs too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .errors import DispatchError
from .parse import SCHEMA, parse_text
from .pipeline import ingest

__all__ = ["SCHEMA", "DispatchError", "ingest", "parse_file", "parse_text"]


def parse_file(
    path: str | os.PathLike[str],
    *,
    trust_roots: Sequence[str | os.PathLike[str]] = (),
    ocr: bool = True,
) -> dict[str, object]:
    """Read `path` and return its fields; raises `DispatchError` when it cannot be read."""
    return ingest(path, trust_roots=trust_roots, ocr=ocr).fields
