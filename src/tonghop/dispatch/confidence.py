"""How far each parsed field can be trusted, 0 to 1, so the clerk checks the doubtful ones.

The figures are not probabilities learnt from data: they rank the ways a value was found.
A value typed in a born-digital file and read where ND 30 places it is trusted most; a value
from OCR less (tesseract misreads handwritten numbers and days); a value repaired, inferred or
failing its own grammar least; a missing value the clerk must enter is 0. A signer's name
that the signature certificate gives is certain.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fields below this are shown to the clerk as "cần kiểm tra".
CHECK_BELOW = 0.7

TEXT = 0.95
OCR = 0.7
REPAIRED = 0.6
DOUBTFUL = 0.4

# The fields the clerk must fill when they are missing; other missing values are normal
# (a document without a parent body, a signer without `KT.`).
REQUIRED = ("doc_type", "number", "symbol", "issuer", "issued_on", "subject", "signer.name")
SCALARS = ("doc_type", "number", "symbol", "issuer", "issuer_parent", "place", "issued_on")
LISTS = ("addressees", "references", "deadlines", "periods", "recipients")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the parser knows about how it found the values."""

    ocr: bool
    number_problems: bool = False
    symbol_fits: bool = True
    symbol_repaired: bool = False
    date_inferred: bool = False
    date_dropped: bool = False  # an OCR date after the signing time, not kept
    date_guessed: bool = False  # a scan's unreadable day taken from the signing time
    doc_type_from_heading: bool = True
    subject_cleaned: bool = False
    name_certified: bool = False
    name_repaired: bool = False
    name_disagrees: bool = False  # the certificate names someone other than the print
    number_agreed: bool = False  # two OCR readings of the header gave the same number
    date_agreed: bool = False


def field_confidence(fields: dict[str, object], ev: Evidence) -> dict[str, float]:
    base = OCR if ev.ocr else TEXT
    out: dict[str, float] = {}
    for key in SCALARS:
        out[key] = base
    out["subject"] = base
    signer = fields.get("signer")
    signer = signer if isinstance(signer, dict) else {}
    for part in ("authority", "title", "name"):
        out[f"signer.{part}"] = base
    for key in LISTS:
        out[key] = base

    if ev.number_problems:
        out["number"] = min(out["number"], REPAIRED)
    if ev.ocr:
        # Numbers beside `Số:` are often handwritten or stamped; OCR reads fragments of them.
        out["number"] = OCR if ev.number_agreed else min(out["number"], 0.5)
    if not ev.symbol_fits:
        out["symbol"] = DOUBTFUL
    elif ev.symbol_repaired:
        out["symbol"] = REPAIRED
    if ev.date_inferred or ev.date_dropped:
        out["issued_on"] = DOUBTFUL if ev.date_dropped or ev.date_guessed else REPAIRED
    elif ev.ocr:
        out["issued_on"] = OCR if ev.date_agreed else min(out["issued_on"], REPAIRED)
    if not ev.doc_type_from_heading:
        out["doc_type"] = min(out["doc_type"], 0.85)
    if ev.subject_cleaned:
        out["subject"] = REPAIRED
    if ev.name_certified:
        out["signer.name"] = 0.5 if ev.name_disagrees else 1.0
    elif ev.name_repaired:
        out["signer.name"] = REPAIRED

    for key in REQUIRED:
        value = signer.get("name") if key == "signer.name" else fields.get(key)
        if value in (None, ""):
            out[key] = 0.0
    return {key: round(value, 2) for key, value in out.items()}
