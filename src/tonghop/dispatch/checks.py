"""Problems in the document itself (SCHEMA.md, finding codes), with Vietnamese messages."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

Finding = dict[str, object]

# Misspellings met in administrative texts, with the right form. Whole words, case as written.
KNOWN_MISSPELLINGS: dict[str, str] = {
    "Việt Năm": "Việt Nam",
    "Plieku": "Pleiku",
    "đia bàn": "địa bàn",
    "lảnh đạo": "lãnh đạo",
    "tuyên tuyền": "tuyên truyền",
    "Thường tực": "Thường trực",
    "thường tực": "thường trực",
    "chị trách nhiệm": "chịu trách nhiệm",
    "TRUYỂN THÔNG": "TRUYỀN THÔNG",
    "Truyển thông": "Truyền thông",
    "Viatamin": "Vitamin",
    "sử lý": "xử lý",
    "bổ xung": "bổ sung",
    "xát nhập": "sáp nhập",
    "sát nhập": "sáp nhập",
    "chuẩn đoán": "chẩn đoán",
    "giành cho": "dành cho",
    "trách nhiệm nhiệm": "trách nhiệm",
    "kiểm tra kiểm tra": "kiểm tra",
    "xây xựng": "xây dựng",
    "danh giới": "ranh giới",
    "chia xẻ": "chia sẻ",
    "thăm quan": "tham quan",
    "xuất sứ": "xuất xứ",
    "sơ xuất": "sơ suất",
    "suất sắc": "xuất sắc",
    "sắp sếp": "sắp xếp",
    "dữ gìn": "giữ gìn",
    "xuất xắc": "xuất sắc",
    "năng xuất": "năng suất",
    "dịa bàn": "địa bàn",
    "nhan dịp": "nhân dịp",
    "Inernet": "Internet",
}
_KNOWN_RE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(k) for k in sorted(KNOWN_MISSPELLINGS, key=len, reverse=True))
    + r")(?!\w)"
)
# Vietnamese spelling rules that hold for every word: `ngh`/`gh` before i, e, ê, and never
# elsewhere (`Ngiệp`, `ngị`, `nghành`); and a syllable closed by c, ch, p, t carries the sắc
# or nặng tone (`văc`). Only words with Vietnamese letters are checked, so English names pass.
_NG_RE = re.compile(
    r"(?<!\w)(?:[Nn]g(?=[iíìỉĩịeéèẻẽẹêếềểễệ])|[Gg](?=[eéèẻẽẹêếềểễệ])"
    r"|[Nn]?gh(?=[aàáảãạăằắẳẵặâầấẩẫậoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữự]))\w*"
)
_WORD_RE = re.compile(r"(?<![\w-])[a-zđăâêôơư\u00e0-\u1ef9]+(?:c|ch|p|t)(?![\w])")
# `ư` is never followed by `o` or `ô`: the pair is always `ươ` (`trưòng` for `trường`).
_U_HORN_O_RE = re.compile(r"(?<!\w)\w*[ưừứửữựƯỪỨỬỮỰ][oòóỏõọôồốổỗộOÒÓỎÕỌÔỒỐỔỖỘ]\w*")
_VIET_ONLY = set("ăâêôơưđ")
_GRAVE, _HOOK, _TILDE = "\u0300", "\u0309", "\u0303"
_MAX_SPELLING = 20


def spelling(text: str, *, ocr: bool = False) -> list[Finding]:
    """Misspelt words: the known ones, and words that break Vietnamese spelling rules. In OCR
    text the latter are often misreadings, so they are reported as `info` and say so."""
    out: list[Finding] = []
    seen: set[str] = set()

    def add(word: str, right: str | None) -> None:
        if word in seen or len(out) >= _MAX_SPELLING:
            return
        seen.add(word)
        hint = f" (đúng là “{right}”)" if right else ""
        severity, note = "warning", ""
        if ocr and right is None:
            severity, note = "info", " Có thể do nhận dạng chữ (OCR) đọc sai."
        message = f"Có thể viết sai chính tả: “{word}”{hint}.{note}"
        out.append(finding("spelling", severity, message, word))

    for m in _KNOWN_RE.finditer(text):
        add(m.group(0), KNOWN_MISSPELLINGS[m.group(0)])
    if not ocr:  # OCR misreads the motto's marks as often as any word's
        for word, right in _motto_misspellings(text):
            add(word, right)
        for m in _FOUR_BEFORE_DATE_RE.finditer(text):
            add(m.group(0), "Từ" if m.group(0)[0] == "T" else "từ")
    for m in _U_HORN_O_RE.finditer(text):
        add(m.group(0), None if ocr else _with_horn(m.group(0)))
    for m in _NG_RE.finditer(text):
        word = m.group(0)
        if (word[:1].islower() or word[1:].islower()) and _vietnamese(word):
            add(word, None)
    # In the order of the text, not of a set: a set's order changes with each process's hash
    # seed, and with the cap on findings so would *which* words are reported.
    for word in dict.fromkeys(_WORD_RE.findall(text)):
        if _bad_stop_syllable(word):
            add(word, None)
    return out


# `tứ ngày 10/02/2020`: `tứ` (four, in Sino-Vietnamese words only) never stands before a date;
# it is `từ` (from) with the wrong mark.
_FOUR_BEFORE_DATE_RE = re.compile(r"(?<!\w)[Tt]ứ(?=\s+(?:ngày\s+)?\d{1,2}\s?/\s?\d{1,2}(?!\w))")
# The national motto in capitals, each word found by its letters whatever marks it carries.
_MOTTO = ("CỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", "VIỆT", "NAM")
_MOTTO_FIND_RE = re.compile(
    r"(?<!\w)C\w{1,2}NG\s+H\w{1,2}A\s+X\w\s+H\w{1,2}I\s+"
    r"CH\w{1,2}\s+NGH\w{1,2}A\s+VI\w{1,2}T\s+N\wM(?!\w)"
)
# Both tone placements are right (ND 30 prints `HÒA`; `HOÀ` is the older one).
_TONE_PLACEMENT = {"HOÀ": "HÒA"}


def _motto_misspellings(text: str) -> list[tuple[str, str]]:
    """Words of the national motto written with another mark than its own (`CỘNG HÓA XÃ HỘI`).
    A word without any mark is a copy that lost them (or typed none), not a misspelling."""
    m = _MOTTO_FIND_RE.search(text)
    if m is None:
        return []
    out = []
    for word, right in zip(m.group(0).split(), _MOTTO, strict=True):
        word_nfc = unicodedata.normalize("NFC", word)
        if _TONE_PLACEMENT.get(word_nfc, word_nfc) == right or not _vietnamese(word_nfc):
            continue
        if _fold_marks(word_nfc) == _fold_marks(right):
            out.append((word, right))
    return out


def _fold_marks(word: str) -> str:
    base = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in base if not unicodedata.combining(ch)).replace("Đ", "D")


def _with_horn(word: str) -> str:
    """`trưòng` → `trường`: the `o` or `ô` after `ư` given its horn, keeping its tone."""

    def horned(m: re.Match[str]) -> str:
        marks = unicodedata.normalize("NFD", m.group(0))
        tone = "".join(ch for ch in marks[1:] if ch != "\u0302")  # the circumflex goes
        return unicodedata.normalize("NFC", marks[0] + "\u031b" + tone)

    return re.sub(r"(?<=[ưừứửữựƯỪỨỬỮỰ])[oòóỏõọôồốổỗộOÒÓỎÕỌÔỒỐỔỖỘ]", horned, word)


@functools.lru_cache(maxsize=4096)
def _bad_stop_syllable(word: str) -> bool:
    return _vietnamese(word) and not _stop_tone_ok(word)


def _vietnamese(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return any(ch in _VIET_ONLY for ch in word.lower()) or any(
        unicodedata.combining(ch) for ch in decomposed
    )


def _stop_tone_ok(word: str) -> bool:
    marks = unicodedata.normalize("NFD", word.lower())
    return not (
        _GRAVE in marks
        or _HOOK in marks
        or _TILDE in marks
        or not any(ch in marks for ch in ("\u0301", "\u0323"))
    )


def finding(code: str, severity: str, message: str, text: str | None = None) -> Finding:
    return {"code": code, "severity": severity, "message": message, "text": text}


def vn(day: date | str) -> str:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.day:02d}/{d.month:02d}/{d.year}"
