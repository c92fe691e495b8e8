"""Repairs of the misreadings tesseract's Vietnamese model makes most often in administrative
words: it drops or swaps the hook and tilde (`Công TTĐT` for `Cổng TTĐT`, `thành phó` for
`thành phố`, `(đê báo cáo)` for `(để báo cáo)`).

Only applied to values taken from OCR text, and only for word groups that do not exist in
Vietnamese, so a value printed with a real typo in a born-digital file is left as printed.
"""

from __future__ import annotations

import re

from .legacy import is_syllable
from .places import PROVINCES

_FIXES: dict[str, str] = {
    "Công TTĐT": "Cổng TTĐT",
    "Công Thông tin điện tử": "Cổng Thông tin điện tử",
    "Công thông tin điện tử": "Cổng thông tin điện tử",
    "(đê": "(để",
    "(đề": "(để",
    "thành phó": "thành phố",
    "thành phô": "thành phố",
    "Thành phó": "Thành phố",
    "Thành phô": "Thành phố",
    "THÀNH PHÓ": "THÀNH PHỐ",
    "bô sung": "bổ sung",
    "bồ sung": "bổ sung",
    "công bô": "công bố",
    "giải quyêt": "giải quyết",
    "Phát triên": "Phát triển",
    "phát triên": "phát triển",
    "Tô công tác": "Tổ công tác",
    "Tô phó": "Tổ phó",
    "tô chức": "tổ chức",
    "Tô chức": "Tổ chức",
    "Đại biêu": "Đại biểu",
    "đại biêu": "đại biểu",
    "vê": "về",
    "sô": "số",
    "đôi với": "đối với",
    "ÚY BAN": "ỦY BAN",
    "Uy ban": "Ủy ban",
    "UY BAN": "ỦY BAN",
    "Hội đông": "Hội đồng",
    "HỘI ĐÔNG": "HỘI ĐỒNG",
    "ĐIÊU TRA": "ĐIỀU TRA",
    "TĨNH": "TỈNH",
    "quôc gia": "quốc gia",
    "Quôc gia": "Quốc gia",
    "chông": "chống",
    "thâm quyên": "thẩm quyền",
    "trách nhiêm": "trách nhiệm",
    "Giám đóc": "Giám đốc",
    "GIÁM ĐÓC": "GIÁM ĐỐC",
    "SƠ Y TẾ": "SỞ Y TẾ",
    "SƠ Y TE": "SỞ Y TẾ",
    "SỞ Y TE": "SỞ Y TẾ",
    # `- Như trên;`, the first line of most `Nơi nhận` lists (ND 30), and `để theo dõi`.
    "Nhu trên": "Như trên",
    "theo đối": "theo dõi",
    "Như điêu": "Như Điều",
    "Như Điêu": "Như Điều",
    "ĐÒNG": "ĐỒNG",
    "HÒ CHÍ MINH": "HỒ CHÍ MINH",
    "BÔ": "BỘ",
    "Cục Thuê": "Cục Thuế",
    "trực thuậc": "trực thuộc",
    "địa bản": "địa bàn",
    "QĐĐ": "QĐ",
    "Tông Bí thư": "Tổng Bí thư",
    "Tông cục": "Tổng cục",
    "tông hợp": "tổng hợp",
    "Tông hợp": "Tổng hợp",
}
_FIX_RE = re.compile(
    r"(?<![\w])(?:"
    + "|".join(re.escape(k) for k in sorted(_FIXES, key=len, reverse=True))
    + r")(?![\w])"
)


# Vietnamese has no apostrophe between letters (`Lâm'Đồng`), and no value ends in a fleck
# with a dash (`… năm 2030 l-`).
_APOSTROPHE_RE = re.compile(r"(?<=\w)['’`](?=\w)")
_TAIL_FLECK_RE = re.compile(r"\s+\S{0,2}[-–—]+$")


# A province's name after `tỉnh` with its second word misread into no Vietnamese syllable
# (`tỉnh Quảng Nøãi`, `Quảng Nưgãi`, `Quảng Nøgãi`: a speck of the scan read as a letter) is
# the province whose second word is nearest, when one alone is within two letters.
_PROVINCE_TAILS: dict[str, tuple[str, ...]] = {}
for _name in PROVINCES:
    _words = _name.split()
    if len(_words) == 2:
        _PROVINCE_TAILS[_words[0]] = (*_PROVINCE_TAILS.get(_words[0], ()), _words[1])
_PROVINCE_RE = re.compile(r"\b(?:[Tt]ỉnh|TỈNH)\s+(?P<first>\w+)\s+(?P<second>[^\s,.;:()/]+)")
_PROVINCE_LETTERS = 2


def _distance(a: str, b: str) -> int:
    """Letters to add, drop or change to make `a` into `b` (Levenshtein)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def _mend_province(m: re.Match[str]) -> str:
    first, second = m.group("first"), m.group("second")
    tails = _PROVINCE_TAILS.get(first)
    if not tails or second in tails or is_syllable(second):
        return m.group(0)
    near = sorted((_distance(second, tail), tail) for tail in tails)
    if near[0][0] > _PROVINCE_LETTERS or (len(near) > 1 and near[1][0] == near[0][0]):
        return m.group(0)
    return m.group(0)[: m.start("second") - m.start()] + near[0][1]


def fix_ocr(value: str | None) -> str | None:
    """`value` with the common OCR misreadings repaired."""
    if not value:
        return value
    value = _APOSTROPHE_RE.sub(" ", value)
    value = _TAIL_FLECK_RE.sub("", value)
    value = _PROVINCE_RE.sub(_mend_province, value)
    return _FIX_RE.sub(lambda m: _FIXES[m.group(0)], value)
