"""Vietnamese text in legacy encodings: TCVN3 (ABC), VNI and Windows-1258.

Before Unicode (and in many offices long after), Vietnamese was typed with fonts that drew
Vietnamese letters in the slots of Western ones: ``.VnTime`` (TCVN3, TCVN 5712:1993 table VN3)
and ``VNI-Times`` (VNI). Such text reaches us as Latin-1 mojibake ("Céng hoµ x· héi",
"Coäng hoøa xaõ hoäi"), in bare byte files or as characters inside DOC/DOCX/PDF text. We cannot
trust any label, so we decode with every candidate and keep the one that reads most like
Vietnamese (``vietnamese_score``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# --- TCVN3 (TCVN 5712:1993, table VN3): one byte per letter, lower case only for toned
# letters (upper case came from a separate ".VnTimeH" font using the same codes).
TCVN3: dict[str, str] = {
    "\u00a1": "Ă", "\u00a2": "Â", "\u00a3": "Ê", "\u00a4": "Ô", "\u00a5": "Ơ", "\u00a6": "Ư",
    "\u00a7": "Đ", "\u00a8": "ă", "\u00a9": "â", "\u00aa": "ê", "\u00ab": "ô", "\u00ac": "ơ",
    "\u00ad": "ư", "\u00ae": "đ",
    "\u00b5": "à", "\u00b6": "ả", "\u00b7": "ã", "\u00b8": "á", "\u00b9": "ạ",
    "\u00bb": "ằ", "\u00bc": "ẳ", "\u00bd": "ẵ", "\u00be": "ắ", "\u00c6": "ặ",
    "\u00c7": "ầ", "\u00c8": "ẩ", "\u00c9": "ẫ", "\u00ca": "ấ", "\u00cb": "ậ",
    "\u00cc": "è", "\u00ce": "ẻ", "\u00cf": "ẽ", "\u00d0": "é", "\u00d1": "ẹ",
    "\u00d2": "ề", "\u00d3": "ể", "\u00d4": "ễ", "\u00d5": "ế", "\u00d6": "ệ",
    "\u00d7": "ì", "\u00d8": "ỉ", "\u00dc": "ĩ", "\u00dd": "í", "\u00de": "ị",
    "\u00df": "ò", "\u00e1": "ỏ", "\u00e2": "õ", "\u00e3": "ó", "\u00e4": "ọ",
    "\u00e5": "ồ", "\u00e6": "ổ", "\u00e7": "ỗ", "\u00e8": "ố", "\u00e9": "ộ",
    "\u00ea": "ờ", "\u00eb": "ở", "\u00ec": "ỡ", "\u00ed": "ớ", "\u00ee": "ợ",
    "\u00ef": "ù", "\u00f1": "ủ", "\u00f2": "ũ", "\u00f3": "ú", "\u00f4": "ụ",
    "\u00f5": "ừ", "\u00f6": "ử", "\u00f7": "ữ", "\u00f8": "ứ", "\u00f9": "ự",
    "\u00fa": "ỳ", "\u00fb": "ỷ", "\u00fc": "ỹ", "\u00fd": "ý", "\u00fe": "ỵ",
}  # fmt: skip

# --- VNI (VNI-Times): a base letter followed by one byte drawing its marks.
# Letters that VNI draws with a single byte of their own:
VNI_SINGLE: dict[str, str] = {
    "ô": "ơ", "ö": "ư", "ñ": "đ", "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ",
    "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
    "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ",
}  # fmt: skip
# Mark bytes, as the combining sequence they add to the preceding base letter. The
# circumflex row (â á à å ã ä) and breve row (ê é è ú ü ë) carry the tone too.
VNI_MARKS: dict[str, str] = {
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309",
    "ã": "\u0302\u0303", "ä": "\u0302\u0323",
    "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309",
    "ü": "\u0306\u0303", "ë": "\u0306\u0323",
    "Ù": "\u0301", "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ï": "\u0323",
    "Â": "\u0302", "Á": "\u0302\u0301", "À": "\u0302\u0300", "Å": "\u0302\u0309",
    "Ã": "\u0302\u0303", "Ä": "\u0302\u0323",
    "Ê": "\u0306", "É": "\u0306\u0301", "È": "\u0306\u0300", "Ú": "\u0306\u0309",
    "Ü": "\u0306\u0303", "Ë": "\u0306\u0323",
}  # fmt: skip
# Which base letters each kind of mark may follow (tones after any vowel, circumflex after
# a/e/o, breve after a only): a mark byte elsewhere is left alone.
_TONES = frozenset("\u0301\u0300\u0309\u0303\u0323")
_TONE_BASES = frozenset("aeouyơưAEOUYƠƯ")
_CIRCUMFLEX_BASES = frozenset("aeoAEO")
_BREVE_BASES = frozenset("aA")

_VIET_ONLY = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
_LATIN1_HIGH = re.compile("[\u00a0-\u00ff]")
# Latin-1 letters that a Vietnamese text may hold; any other Latin-1 letter or sign inside a
# word means mojibake.
_VIET_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")

_ONSET = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
_NUCLEI = (
    "uyê|uya|uyu|oai|oao|oay|oeo|uây|uôi|ươi|ươu|iêu|yêu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|"
    "yê|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODA = "(?:ch|ng|nh|[cmnpt])?"
_SYLLABLE = re.compile(f"{_ONSET}(?:{_NUCLEI}){_CODA}")
_PUNCT = "\"'()[]{}.,;:!?-–—/\\*_“”‘’«»…<>%#&+=|"


MIN_CONVERTED_SCORE = 0.9


@dataclass(frozen=True)
class LegacyFix:
    text: str
    encoding: str | None  # "tcvn3" | "vni" | None when nothing was converted


def decode_tcvn3(text: str) -> str:
    """Convert TCVN3 text (bytes read as Latin-1) to Unicode NFC."""
    out = "".join(TCVN3.get(ch, ch) for ch in text)
    return _fix_vnTimeH_case(unicodedata.normalize("NFC", out))


def decode_vni(text: str) -> str:
    """Convert VNI text (bytes read as Windows-1252) to Unicode NFC."""
    out: list[str] = []
    for ch in text:
        marks = VNI_MARKS.get(ch)
        if marks is not None and out:
            prev = unicodedata.normalize("NFD", out[-1])
            base, existing = prev[:1], prev[1:]
            # Only one tone and one shape mark per letter: otherwise it is not a mark byte.
            if _vni_mark_fits(base, existing, marks):
                out[-1] = unicodedata.normalize("NFC", prev + marks)
                continue
        out.append(VNI_SINGLE.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def _vni_mark_fits(base: str, existing: str, marks: str) -> bool:
    if any(m in _TONES for m in existing):
        return False
    shape = marks[0] if marks[0] in "\u0302\u0306" else ""
    if shape and existing:
        return False
    if shape == "\u0302":
        return base in _CIRCUMFLEX_BASES
    if shape == "\u0306":
        return base in _BREVE_BASES
    letter = unicodedata.normalize("NFC", base + existing)
    return letter in _TONE_BASES or base in _TONE_BASES


def _fix_vnTimeH_case(text: str) -> str:
    """Upper-case the toned letters inside all-caps words.

    TCVN3 has no upper-case toned letters: headings were typed in ``.VnTimeH``, which draws the
    lower-case codes as capitals. A word like "CéNG" is therefore "CỘNG", not "CộNG"; a line
    whose plain letters are all capitals is a heading and is upper-cased whole ("X·" is "XÃ").
    """

    def fix_line(line: str) -> str:
        plain = [c for c in line if c.isascii() and c.isalpha()]
        if len(plain) >= 4 and all(c.isupper() for c in plain):
            return line.upper()
        return re.sub(r"\w+", fix, line)

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        letters = [c for c in word if c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        if upper >= 2 and not any(c.isascii() and c.islower() for c in letters):
            return word.upper()
        return word

    return "\n".join(fix_line(line) for line in text.split("\n"))


def _strip_tone(word: str) -> tuple[str, int]:
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(1 for c in decomposed if c in _TONES)
    bare = "".join(c for c in decomposed if c not in _TONES)
    return unicodedata.normalize("NFC", bare), tones


def is_syllable(word: str) -> bool:
    """Whether ``word`` (one token, any case) is spelt like a Vietnamese syllable."""
    bare, tones = _strip_tone(word.lower())
    return tones <= 1 and _SYLLABLE.fullmatch(bare) is not None


def vietnamese_score(text: str) -> float:
    """How much ``text`` reads like Vietnamese, from -2 (junk) to 1 (every word a syllable).

    Words with Vietnamese letters count double, so real Vietnamese beats plain ASCII junk; a
    word holding a Latin-1 sign or a non-Vietnamese letter (mojibake) counts against.
    """
    total = 0.0
    words = 0
    for raw in text.split():
        word = raw.strip(_PUNCT)
        if not word or not any(c.isalpha() for c in word):
            continue
        if word.isdigit():
            continue
        words += 1
        if any(_LATIN1_HIGH.match(c) and c not in _VIET_LATIN1 for c in word):
            total -= 2
        elif is_syllable(word):
            total += 1.0 if word.isascii() else 1.5
        elif not word.isascii():
            total -= 1
    return total / words if words else 0.0


def looks_legacy(text: str) -> bool:
    """Whether ``text`` may be legacy-encoded: Latin-1 letters but no Vietnamese-only letters."""
    high = len(_LATIN1_HIGH.findall(text))
    return high >= 2 and len(_VIET_ONLY.findall(text)) * 20 < high


def fix_legacy(text: str) -> LegacyFix:
    """Convert lines typed in TCVN3 or VNI to Unicode; leave Unicode lines alone.

    The encoding is chosen once for the whole text (per-line votes are noisy on short lines),
    then applied to each line that looks legacy and reads better converted: documents mix a
    Unicode body with an old letterhead often enough.
    """
    text = unicodedata.normalize("NFC", text)
    lines = text.split("\n")
    suspects = [i for i, line in enumerate(lines) if looks_legacy(line)]
    if not suspects:
        return LegacyFix(text, None)
    sample = "\n".join(lines[i] for i in suspects)
    decoders = {"tcvn3": decode_tcvn3, "vni": decode_vni}
    scores = {name: vietnamese_score(dec(sample)) for name, dec in decoders.items()}
    best = max(scores, key=lambda name: scores[name])
    # Real Vietnamese scores about 1.3; a decoding that stays far below is a wrong guess
    # (e.g. a PDF's broken OCR layer), which we must not dress up as text.
    if scores[best] < MIN_CONVERTED_SCORE or scores[best] <= vietnamese_score(sample) + 0.2:
        return LegacyFix(text, None)
    decode = decoders[best]
    changed = False
    for i in suspects:
        converted = decode(lines[i])
        if vietnamese_score(converted) >= vietnamese_score(lines[i]):
            lines[i] = converted
            changed = True
    return LegacyFix("\n".join(lines), best if changed else None)


def decode_text_bytes(data: bytes) -> tuple[str, str]:
    """Decode a plain-text file of unknown encoding; return (NFC text, encoding name).

    Names: "utf-8", "utf-16", "cp1258", "tcvn3", "vni", "cp1252".
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(data[3:].decode("utf-8", errors="replace")), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _nfc(data.decode("utf-16", errors="replace")), "utf-16"
    utf16 = _sniff_utf16(data)
    if utf16:
        return _nfc(data.decode(utf16, errors="replace")), "utf-16"
    try:
        return _nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = _byte_candidates(data)
    best = max(candidates, key=lambda c: vietnamese_score(c[0]))
    return best


def _byte_candidates(data: bytes) -> Iterable[tuple[str, str]]:
    latin = data.decode("latin-1")
    yield _nfc(data.decode("cp1258", errors="replace")), "cp1258"
    yield decode_tcvn3(latin), "tcvn3"
    yield decode_vni(data.decode("cp1252", errors="replace")), "vni"
    yield _nfc(data.decode("cp1252", errors="replace")), "cp1252"


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: Vietnamese text has a zero high byte on most ASCII characters."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zero > half * 0.3 and even_zero < half * 0.05:
        return "utf-16-le"
    if even_zero > half * 0.3 and odd_zero < half * 0.05:
        return "utf-16-be"
    return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
