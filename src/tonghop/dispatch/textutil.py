"""Small text helpers shared by the parser modules."""

from __future__ import annotations

import re
import unicodedata

# Spaces that Word and PDF producers use; OCR of scans often gives U+00D0 for Đ.
_SPACE_TRANS = str.maketrans(
    {
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\u200b": None,
        "\ufeff": None,
        "\u00ad": None,
        "\u00d0": "Đ",
        "\r": None,
        "\f": "\n",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
    }
)

_ODD_CHARS_RE = re.compile("[" + "".join(chr(c) for c in _SPACE_TRANS) + "]")

# Cells of a line: layout text separates columns by runs of spaces, Word tables by tabs or `|`.
CELL_SPLIT_RE = re.compile(r"\t+|\s{3,}|\s*\|\s*")
_WS_RE = re.compile(r"\s+")
_HTML_TAG_RE = re.compile(r"</?(?:b|i|u|em|strong|span|font|sup|sub)(?:\s[^<>]{0,200})?>", re.I)
_LEAD_RE = re.compile(r"^[\s\-–—•+*·]+")
# Trailing punctuation, and the tone marks a legacy-font copy left standing apart at the end
# of a line (`… Giao duc và Đao tao. ̉ ̀ ́ ̣`): each one is a space and combining marks.
_TRAIL_RE = re.compile(r"(?:[;.,:_|`'~^*]|\s[\u0300-\u036f]*)+$")


def prepare(text: str) -> str:
    """NFC text with one kind of newline and ordinary spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    if "<" in text:
        # A web copy may keep the page's inline tags (`<b>CỘNG HÒA …</b>`, `<i>Hà Nội, ngày`).
        text = _HTML_TAG_RE.sub("", text)
    # str.translate walks every character; most texts hold none of these, so test first.
    if _ODD_CHARS_RE.search(text) is None:
        return text
    return text.translate(_SPACE_TRANS)


def collapse(value: str) -> str:
    return _WS_RE.sub(" ", value).strip()


def clean_value(value: str) -> str:
    """A value as the schema wants it: collapsed, without a leading dash or trailing `;.,`."""
    value = collapse(value)
    value = _LEAD_RE.sub("", value)
    return _TRAIL_RE.sub("", value)


def cells(line: str) -> list[str]:
    return [c.strip() for c in CELL_SPLIT_RE.split(line) if c.strip()]


def letters(value: str) -> str:
    return "".join(ch for ch in value if ch.isalpha())


def is_upper_line(value: str, *, min_letters: int = 2) -> bool:
    """True for a line written in capitals (agency names, type headings, signer titles)."""
    if not value.isupper():
        return False  # quick exit for most lines
    only = letters(value)
    return len(only) >= min_letters and only.isupper()


def fold(value: str) -> str:
    """Upper case without diacritics (`QUYÉT ĐỊNH` → `QUYET DINH`), to match OCR-damaged words."""
    return fold_line(collapse(value))


def fold_line(value: str) -> str:
    """`fold` without collapsing spaces: one character for each character of `value`, so that
    positions found in the folded line hold in the original."""
    out = []
    for ch in value:
        base = _FOLD_CACHE.get(ch)
        if base is None:
            decomposed = unicodedata.normalize("NFD", ch)
            base = decomposed[0].upper() if decomposed else ch
            if len(base) != 1:
                base = ch
            base = "D" if base in "Đđ" else base
            _FOLD_CACHE[ch] = base
        out.append(base)
    return "".join(out)


_FOLD_CACHE: dict[str, str] = {}
