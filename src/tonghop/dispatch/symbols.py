"""The grammar of a document symbol (ký hiệu, ND 30 Art. 8 and Phụ lục III), and the repair of
OCR misreadings into it.

A symbol is groups of capitals joined by `-` or `/`: the type abbreviation and the issuer's
(`QĐ-UBND`, `KH-UBND`), or for a công văn the issuer's and its unit's (`UBND-KGVX`), with a
year in front for legal documents (`2020/NĐ-CP`) and the Party's `NQ/TW`. OCR makes a few
mistakes in it: a doubled `Đ` (`QĐĐ-UBND`, `HĐĐĐND-KTNS`), `1`, `l` or `I` for `L`, `IV` for
`W` (`K1/TIV` for `KL/TW`), `I`/`S` for `1`/`5` in a legislature's number (`QHIS` for `QH15`)
and a lost hyphen (`UBNDKGVX`). A symbol is only changed into one made of known groups, and
one that already reads as a symbol of known groups is never changed.
"""

from __future__ import annotations

import itertools
import re

from .patterns import TYPE_ABBREVIATIONS

# Issuer abbreviations that begin most symbols (ND 30 Phụ lục III, and those in use at every
# level); with the type abbreviations they are the groups a repair may produce.
ISSUERS = frozenset(
    {
        "UBND",
        "HĐND",
        "TTHĐND",
        "VP",
        "VPCP",
        "CP",
        "NĐ",
        "TTg",
        "QH",
        "UBTVQH",
        "TW",
        "TU",
        "HU",
        "ĐU",
        "BCH",
        "BCĐ",
        "BTC",
        "BYT",
        "BNV",
        "BCA",
        "BGDĐT",
        "BKHĐT",
        "BTNMT",
        "BNNPTNT",
        "BTTTT",
        "BCT",
        "BXD",
        "BGTVT",
        "BTP",
        "BQP",
        "BLĐTBXH",
        "BVHTTDL",
        "BKHCN",
        "NHNN",
        "TTCP",
        "KTNN",
        "VKSNDTC",
        "TANDTC",
        "MTTQ",
        "SYT",
        "STC",
        "SNV",
        "SGDĐT",
        "SKHĐT",
        "STNMT",
        "SXD",
        "STP",
        "SCT",
        "SKHCN",
        "SVHTTDL",
        "SLĐTBXH",
        "SNNPTNT",
        "STTTT",
        "SGTVT",
        "KGVX",
        "KTTH",
        "KTNS",
        "KT",
        "NC",
        "TH",
        "VX",
        "TCCB",
        "KHTC",
        "NVY",
        "BHXH",
        "CT",
        "TCT",
        "CCT",
        "BTGTW",
        "BTCTW",
        "BKTTW",
        "VPTW",
        "BDVTW",
        "UBKTTW",
    }
)
KNOWN_GROUPS = frozenset(ISSUERS | set(TYPE_ABBREVIATIONS))
_GROUP_SHAPE_RE = re.compile(r"^[A-ZĐ][A-Za-zĐđ0-9&.]*$")
_SHAPE_RE = re.compile(r"^(?:\d{4}/)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:[-/][A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*$")
# A legislature's or a congress's number after its body: `QH15`, `UBTVQH14`.
_NUMBERED_RE = re.compile(r"^(?:QH|UBTVQH|ĐH)\d{2}$")
# OCR confusions inside a group, each tried alone and in pairs.
_CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("ĐĐ", "Đ"),
    ("I1", "1"),
    ("1", "L"),
    ("l", "L"),
    ("I", "L"),
    ("IV", "W"),
    ("I", "1"),
    ("l", "1"),
    ("S", "5"),
    ("O", "0"),
    ("0", "Đ"),
)
_DOUBLED_RE = re.compile("Đ{2,}")
# The groups a lost hyphen may have joined: a known one in front, two or more capitals after.
# Only the State bodies whose symbols always hyphenate their unit: Party symbols join their
# letters (`TB/BTCTU`, Ban Tổ chức Tỉnh ủy) and must stay as written.
_JOINED_RE = re.compile(r"^(?P<head>UBND|HĐND)(?P<tail>[A-ZĐ]{2,}[A-ZĐ&]*)$")


def fits(symbol: str) -> bool:
    """`symbol` reads as ND 30 writes symbols and none of its groups is a likely misreading."""
    if not _SHAPE_RE.match(symbol):
        return False
    return all(_group_ok(g) for g in _groups(symbol))


def repair_symbol(symbol: str | None) -> str | None:
    """`symbol` with OCR confusions undone, when that gives a symbol of known groups; else as
    given (a symbol that already fits is returned unchanged)."""
    if not symbol or fits(symbol):
        return symbol
    parts = re.split(r"([-/])", symbol)
    out: list[str] = []
    changed = False
    for part in parts:
        if part in ("-", "/") or not part or part.isdigit() or _group_ok(part):
            out.append(part)
            continue
        fixed = _repair_group(part)
        if fixed is None:
            out.append(part)
        else:
            out.append(fixed)
            changed = True
    repaired = "".join(out)
    return repaired if changed and _SHAPE_RE.match(repaired) else symbol


def _groups(symbol: str) -> list[str]:
    return [g for g in re.split(r"[-/]", symbol) if g and not g.isdigit()]


def _group_ok(group: str) -> bool:
    if group in KNOWN_GROUPS or _NUMBERED_RE.match(group):
        return True
    if "ĐĐ" in group:
        return False  # no abbreviation doubles the Đ
    if _JOINED_RE.match(group):
        return False  # `UBNDKGVX`: a hyphen lost
    if re.search(r"[1lI]", group) and _repair_group(group) is not None:
        return False  # `K1`, `TIV`: an OCR confusion with a known reading
    return bool(_GROUP_SHAPE_RE.match(group))


def _repair_group(group: str) -> str | None:
    """The known group (or two groups joined by `-`) `group` is a misreading of, or None when
    there is no single such reading."""
    candidates: set[str] = set()
    for size in (1, 2):
        for combo in itertools.combinations(_CONFUSIONS, size):
            text = group
            for wrong, right in combo:
                text = _DOUBLED_RE.sub("Đ", text) if wrong == "ĐĐ" else text.replace(wrong, right)
            if text == group:
                continue
            if text in KNOWN_GROUPS or _NUMBERED_RE.match(text):
                candidates.add(text)
        if candidates:
            break
    if not candidates:
        text = _DOUBLED_RE.sub("Đ", group)
        joined = _JOINED_RE.match(text)
        if joined:
            candidates.add(f"{joined.group('head')}-{joined.group('tail')}")
    return candidates.pop() if len(candidates) == 1 else None
