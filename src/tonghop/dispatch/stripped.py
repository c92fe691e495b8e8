"""Text that lost its Vietnamese letters: the words a header is read by, put back.

Two kinds of copy reach an office with no letter outside ASCII:
- a PDF's text layer whose font had no Unicode map for Vietnamese letters, where a converter
  dropped every such letter (`CNG HO X HI CH NGHA VIT NAM`, `S: 898 /PGDT-THHC`,
  `Sn Tr, ngy 28 thng 10 nm 2013`, `Knh gi:`);
- a copy typed or converted without marks (`CONG HOA XA HOI …`, `Ha Tinh, ngay 12 thang 4`).

The reader's rules are written for the Vietnamese words. In such a copy only the fixed words of
the layout are put back (the motto, `Số:`, the date line's `ngày … tháng … năm`, `Kính gửi`,
`Về việc`, `Thực hiện` and `Căn cứ` opening a line, the type heading, `Nơi nhận`, `số` and
`ngày` of a citation, `trước` and `chậm nhất` of a deadline), each only where its
shape leaves no doubt. Names, subjects and every other value stay as the copy prints them:
guessing the letters of a name would be worse than leaving it damaged.
"""

from __future__ import annotations

import re
import unicodedata

from .patterns import TYPE_NAMES

# A copy is taken as stripped when, of its first letters, almost none is outside ASCII.
_SAMPLE = 4000
_MIN_LETTERS = 120
_MAX_NON_ASCII = 0.03
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_NON_ASCII_LETTER_RE = re.compile(r"[^\W\d_A-Za-z]")


def _base(ch: str) -> str:
    if ch in "Đđ":
        return "D" if ch == "Đ" else "d"
    return unicodedata.normalize("NFD", ch)[0]


def _loose(phrase: str) -> str:
    """A pattern for `phrase` in which each Vietnamese letter may be lost, or stand as its bare
    ASCII letter, or (in some converters) as a space; white space and dashes may vary."""
    out = []
    for ch in phrase:
        if ch == " ":
            out.append(r"\s+")
        elif ch in "-–":
            out.append(r"\s*[-–]\s*")
        elif ord(ch) < 128:
            out.append(re.escape(ch))
        else:
            out.append(f"[{_base(ch)} ]?")
    return "".join(out)


def _phrase(*variants: str, flags: int = 0) -> re.Pattern[str]:
    body = "|".join(_loose(v) for v in variants)
    return re.compile(rf"(?<![A-Za-z])(?:{body})(?![A-Za-z])", flags)


_MOTTO = _phrase("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM")
_HAPPY = _phrase("Độc lập - Tự do - Hạnh phúc", flags=re.IGNORECASE)
_KINH_GUI = _phrase("Kính gửi", "Kính gởi")
_NOI_NHAN = _phrase("Nơi nhận")
# Line openers: `Về việc` of a trích yếu, and the words a body's first paragraph opens with,
# which end the trích yếu above them.
_OPENERS = [
    (re.compile(r"(?m)^(\s*)" + _loose(word) + r"(?![A-Za-z])"), word)
    for word in ("Về việc", "Thực hiện", "Căn cứ")
]
# `S:` or `So:` before a number or a blank one, at a line's (or a table cell's) start.
_SO = re.compile(r"(?m)(?:^|(?<=[|\s]))(\s*)S[o6]?\s*:(?=\s*(?:\d|/|$))")
_DATE = re.compile(
    rf"(?<![A-Za-z])(?:{_loose('ngày')})(?P<d>\s*[\d.…_ ]{{0,6}}?\s*)(?:{_loose('tháng')})"
    rf"(?P<m>\s*[\d.…_ ]{{0,6}}?\s*)(?:{_loose('năm')})(?P<y>\s*\d{{4}})"
)
_CITED_DAY = re.compile(
    rf"(?<![A-Za-z])(?:{_loose('ngày')})(?=\s+\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}})"
)
# `trước ngày 20/3`, `chậm nhất ngày …`: the words a deadline is found by.
_DEADLINE_WORDS = [
    (re.compile(rf"(?<![A-Za-z]){_loose(word)}(?=\s+(?:ngày|\d))"), word)
    for word in ("trước", "chậm nhất")
]
_CITED_NUMBER = re.compile(r"(?<![A-Za-z])so?(?=\s+\d{1,5}\s?[/-]\s?[A-Z\d])")
_HEADINGS = [
    (re.compile(rf"(?m)^(\s*){_loose(name.upper())}(\s*)$"), name.upper())
    for name in sorted(TYPE_NAMES, key=len, reverse=True)
]


def is_stripped(text: str) -> bool:
    """True when a copy has (almost) no letter outside ASCII: lost or never typed marks."""
    sample = text[:_SAMPLE]
    # Any Vietnamese text has far more characters outside ASCII than the bound: it is told by
    # one encoding pass, without counting its letters.
    if len(sample) - len(sample.encode("ascii", "ignore")) > len(sample) * _MAX_NON_ASCII:
        return False
    outside = len(_NON_ASCII_LETTER_RE.findall(sample))
    total = len(_ASCII_LETTER_RE.findall(sample)) + outside
    return total >= _MIN_LETTERS and outside <= total * _MAX_NON_ASCII


def restore_layout_words(text: str) -> str:
    """`text` with the layout's fixed words put back, when it lost its Vietnamese letters;
    any other text is returned unchanged."""
    if not is_stripped(text):
        return text
    text = _MOTTO.sub("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", text)
    text = _HAPPY.sub("Độc lập - Tự do - Hạnh phúc", text)
    text = _SO.sub(r"\g<1>Số:", text)
    text = _DATE.sub(r"ngày\g<d>tháng\g<m>năm\g<y>", text)
    text = _CITED_DAY.sub("ngày", text)
    text = _CITED_NUMBER.sub("số", text)
    for regex, word in _DEADLINE_WORDS:
        text = regex.sub(word, text)
    text = _KINH_GUI.sub("Kính gửi", text)
    for regex, word in _OPENERS:
        text = regex.sub(rf"\g<1>{word}", text)
    text = _NOI_NHAN.sub("Nơi nhận", text)
    for regex, heading in _HEADINGS:
        text = regex.sub(rf"\g<1>{heading}\g<2>", text)
    return text
