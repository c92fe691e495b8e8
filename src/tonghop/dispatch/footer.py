"""The foot of a document (ND 30, Phụ lục I, parts 7-9): `Nơi nhận` and the signer block
(the signature stamps are read in `stamps`).

In layout text the recipients and the signer block share lines (two columns); in reading-order
text they follow each other; OCR interleaves them and adds noise. The signer block is read as
a chain of capitalised cells: authority lines (`TL. CHỦ TỊCH`, `KT. CHÁNH VĂN PHÒNG`), then the
title (`PHÓ CHÁNH VĂN PHÒNG`), then, after the signature space, the name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .patterns import MOTTO_RE
from .places import is_place
from .textutil import cells, clean_value, collapse, fold, is_upper_line, letters

NOI_NHAN_RE = re.compile(r"N[ơoớ]i\s*nh[ậaạâ]n\s*:?", re.I)
# A recipient line; OCR may set a fleck before the dash (`~- Các ngân hàng …`).
_ITEM_RE = re.compile(r"^\s*[~'`\".,]?\s*[-–+•·*_]\s*")
# Older documents write the authority with a slash (`T/M.`, `K/T.`, `T/L.`).
AUTHORITY_RE = re.compile(r"^(?P<a>K/?T|T/?M|T/?L|TUQ|Q)\s*[.,:]\s*(?P<rest>.*)$")
# Capitalised words of a position; a signer title holds at least one.
_POSITION_RE = re.compile(
    r"TRƯỞNG|TRƯƠNG|TỊCH|ĐỐC|TƯỚNG|CHÁNH|THANH TRA|BÍ THƯ|CHỦ NHIỆM|ỦY VIÊN|UỶ VIÊN|"
    r"HIỆU|PHÓ|GIÁM|TỔNG|KẾ TOÁN|THỦ TRƯỞNG"
)
_NOT_TITLE_RE = re.compile(
    r"NƠI NHẬN|PHỤ LỤC|DỰ THẢO|SAO Y|ĐÃ KÝ|KÝ BỞI|CỘNG HÒA|ĐỘC LẬP|DUYỆT|XÁC NHẬN"
)
# Positions as ND 30 writes them; an OCR-damaged title is matched to the nearest one.
CANONICAL_TITLES = (
    *(
        f"{pre}{t}"
        for t in (
            "Chủ tịch",
            "Giám đốc",
            "Chánh Văn phòng",
            "Trưởng phòng",
            "Bộ trưởng",
            "Thủ tướng",
            "Cục trưởng",
            "Vụ trưởng",
            "Hiệu trưởng",
            "Chánh Thanh tra",
            "Tổng cục trưởng",
            "Viện trưởng",
            "Trưởng ban",
            "Chi cục trưởng",
            "Tổng Giám đốc",
            "Bí thư",
            "Chủ nhiệm",
            "Chánh án",
            "Tổ trưởng",
            "Trưởng đoàn",
            "Hội trưởng",
            "Thủ trưởng",
            "Tư lệnh",
        )
        for pre in ("", "Phó ")
    ),
    "Thứ trưởng",
)
_CANON_BY_ASCII = {
    "".join(
        c for c in unicodedata.normalize("NFD", t.upper()) if not unicodedata.combining(c)
    ).replace("Đ", "D"): t
    for t in CANONICAL_TITLES
}
_RANK_RE = re.compile(
    r"^(?:(?:Thượng|Thiếu|Trung|Đại)\s+tướng|(?:Đại|Thượng|Trung|Thiếu)\s+tá|"
    r"(?:PGS|GS|TS|ThS|BS|DS|KS|CN|Ths)\.?(?:\s*(?:TS|BS|CKI{1,2}|CK\d)\.?)*)\s+"
)
SURNAMES = frozenset(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Đinh",
        "Đoàn",
        "Trương",
        "Lâm",
        "Mai",
        "Trịnh",
        "Đào",
        "Cao",
        "Lương",
        "Hà",
        "Tạ",
        "Châu",
        "Thái",
        "Phùng",
        "Tô",
        "Tăng",
        "Quách",
        "Lưu",
        "Kiều",
        "Văn",
        "Từ",
        "Đàm",
        "Chu",
        "Khổng",
        "Hứa",
        "La",
        "Lò",
        "Mạc",
        "Nông",
        "Triệu",
        "Doãn",
        "Giang",
        "Kim",
        "Lại",
        "Nghiêm",
        "Âu",
        "Ông",
        "Tôn",
        "Vương",
        "Thân",
        "Mạch",
        "Lạc",
        "Bạch",
        "Diệp",
        "Cù",
        "Đồng",
        "Quan",
        "Tống",
        "Vi",
        "Lục",
        "Hầu",
        "Thạch",
        "Trình",
        "Khúc",
        "Ninh",
        "Mã",
        "Hàn",
        "Nhữ",
        "Ứng",
        "Bế",
        "Hoàng",
        "Vòng",
        "Giáp",
        "Tiêu",
        "Lã",
        "Lữ",
        "Biện",
        "Công",
        "Đái",
        "Đậu",
        "Mẫn",
        "Thiều",
        "Sầm",
        "Y",
        "H",
    ]
)
_NAME_STOP = frozenset(
    [
        "Như",
        "Lưu",
        "Sở",
        "Bộ",
        "Ủy",
        "Uỷ",
        "Phòng",
        "Ban",
        "Trung",
        "Văn",
        "Các",
        "Cổng",
        "Website",
        "Đài",
        "Báo",
    ]
)


@dataclass(slots=True)
class Footer:
    recipients: list[str]
    authority: str | None
    title: str | None
    name: str | None
    heading_line: int | None = None  # the `Nơi nhận` line: the body ends above it


def parse_footer(
    lines: list[str], start: int, place: str | None = None, *, ocr: bool = False
) -> Footer:
    """Read the foot of the document whose body starts at line `start`; `place` is the
    document's own place line, never the signer's name; `ocr` says the text was read from a
    scan, whose handwritten marks may be lost."""
    nn = _noi_nhan(lines, start)
    if nn is None:
        zone_start = _end_of_body(lines, start)
        recipients: list[str] = []
        extra: list[str] = []
    else:
        recipients, extra = _recipients(lines, nn)
        zone_start = max(start, nn - 8)
    zone = _zone(lines, zone_start, nn)
    authority, title, name = _signer(zone, extra, nn is not None, place, ocr=ocr)
    return Footer(recipients, authority, title, name, nn)


def _noi_nhan(lines: list[str], start: int) -> int | None:
    for i in range(start, len(lines)):
        if NOI_NHAN_RE.search(lines[i]) and len(lines[i]) < 400:
            return i
    # OCR may garble the heading: the list still opens with `- Như trên` or ends with `- Lưu`.
    for i in range(start, len(lines)):
        if _LIST_MARK_RE.match(lines[i]):
            j = i
            while j > start and (not lines[j - 1].strip() or _ITEM_RE.match(lines[j - 1])):
                j -= 1
            return j - 1 if j > start else j
    return None


_LIST_MARK_RE = re.compile(r"^\s*[-–]\s*(?:Như\s+(?:trên|Điều|điều|kính gửi)|Lưu\s*:?\s*VT)")


def _end_of_body(lines: list[str], start: int) -> int:
    for i in range(start, len(lines)):
        if "./." in lines[i] or lines[i].rstrip().endswith("/."):
            return i
    return max(start, len(lines) - 30)


def _zone(lines: list[str], zone_start: int, nn: int | None) -> list[str]:
    out: list[str] = []
    for i in range(zone_start, min(len(lines), (nn or zone_start) + 45)):
        line = lines[i]
        if i > (nn or zone_start) and (
            MOTTO_RE.search(line) or "PHỤ LỤC" in line or "DUYỆT" in line
        ):
            break
        out.append(line)
    return out


def _item_like(text: str) -> bool:
    """A recipient as written (`Như trên`, `UBND tỉnh`), not an OCR fleck after the heading
    (`Nơi nhận: - kụ`): a capital first, three letters at least."""
    return text[:1].isupper() and len(letters(text)) >= 3


def _recipients(lines: list[str], nn: int) -> tuple[list[str], list[str]]:
    """The `Nơi nhận` items and the other-column cells met on their lines."""
    items: list[str] = []
    extra: list[str] = []
    current: str | None = None
    heading = NOI_NHAN_RE.search(lines[nn])
    first = lines[nn][heading.end() :] if heading else lines[nn]
    first_cells = cells(first)
    item = _ITEM_RE.sub("", first_cells[0]) if first_cells else ""
    if heading and _ITEM_RE.match(first_cells[0] if first_cells else "") and _item_like(item):
        # The first item on the heading's own line: `Nơi nhận: - Như trên;`.
        current, tail = _split_tail(item)
        extra.extend([*tail, *first_cells[1:]])
    elif heading or not _ITEM_RE.match(first):
        extra.extend(first_cells)
    else:
        nn -= 1  # the list starts on this very line
    blank = 0
    for line in lines[nn + 1 : nn + 60]:
        parts = cells(line)
        if not parts:
            blank += 1
            if blank > 3 and (items or current):
                break
            continue
        blank = 0
        left, others = parts[0], parts[1:]
        if _ITEM_RE.match(left) or (current is not None and _LUU_RE.match(left)):
            left, tail = _split_tail(_ITEM_RE.sub("", left))
            if _LUU_RE.match(left):
                left = _LUU_NOISE_RE.sub(".", left)
            if current is not None:
                items.append(current)
            current = left
            extra.extend([*tail, *others])
        elif (
            current is not None
            and _continues(current, left)
            and (not current.lower().startswith("lưu") or current.rstrip().endswith(","))
        ):
            current = f"{current} {left}"
            extra.extend(others)
        else:
            extra.extend(parts)
            if current is not None and current.lower().startswith("lưu"):
                break
            continue
        if current.lower().startswith("lưu") and current.rstrip().endswith("."):
            break
    if current is not None:
        items.append(current)
    return [v for v in (clean_value(x) for x in items) if v], extra


def _split_tail(item: str) -> tuple[str, list[str]]:
    """`Như trên; KT. BỘ TRƯỞNG` → the item and the signer text that OCR put after it."""
    if ";" not in item:
        return item, []
    head, tail = item.rsplit(";", 1)
    tail = tail.strip()
    if not tail:
        return head + ";", []
    run = _upper_run(tail)
    if (
        _ODD_RE.search(tail)
        or len(letters(tail)) <= 2
        or _AUTHORITY_ANY_RE.search(tail)
        or (run and (_POSITION_RE.search(run) or _canonical(run)))
    ):
        return head + ";", [tail] if len(letters(tail)) > 2 else []
    return item, []


_LUU_RE = re.compile(r"^L[ưu]u\b")
# After `Lưu: VT, KSTT (2).` the văn thư may write the copy count by hand (`113`), and OCR
# adds flecks; neither belongs to the line.
_LUU_NOISE_RE = re.compile(r"\.\s+(?:\S*[^\w\s.,()/:&\-]\S*|\d{1,4}\b.*)$")
# Characters that do not occur in a recipient line but do in OCR noise.
_ODD_RE = re.compile(r"[^\w\s.,()/:&\-–]")


def _continues(current: str, text: str) -> bool:
    if current.rstrip().endswith((";", ".")):
        return False
    if AUTHORITY_RE.match(text) or (is_upper_line(text) and _POSITION_RE.search(text)):
        return False
    if _looks_like_name(text) or text.startswith("("):
        return text.startswith("(")
    return True


def _signer(
    zone: list[str],
    extra: list[str],
    has_nn: bool,
    place: str | None = None,
    *,
    ocr: bool = False,
    whole: bool = False,
) -> tuple[str | None, str | None, str | None]:
    segments: list[str] = []
    for line in (piece for text in zone for piece in _unglued(text)):
        parts = cells(line)
        if parts and NOI_NHAN_RE.search(parts[0]):
            parts = cells(NOI_NHAN_RE.sub("", line, count=1))
        elif has_nn and parts and _ITEM_RE.match(parts[0]):
            parts = parts[1:]
        segments.extend(parts)
    if has_nn:
        segments = _dedupe([*extra, *segments])
    authority: str | None = None
    title: str | None = None
    last_auth_rest: str | None = None
    title_at = -1
    for idx, raw in enumerate(segments):
        seg = collapse(raw)
        am = _AUTHORITY_ANY_RE.search(seg)
        if am and title is None:
            rest = _upper_run(am.group("rest"))
            if rest:
                authority = authority or f"{am.group('a').replace('/', '')}."
                last_auth_rest = rest
                continue
        if title is None and not _NOT_TITLE_RE.search(seg):
            run = _upper_run(seg)
            if run is None and len(seg) <= 40 and _fold_title(seg) in _CANON_BY_ASCII:
                run = seg  # a web copy's `Hiệu trưởng` in sentence case, a whole line of it
            if run and (_POSITION_RE.search(run) or _canonical(run)):
                title = run
                title_at = idx
                more = _upper_run(collapse(segments[idx + 1])) if idx + 1 < len(segments) else None
                if more and _fold_title(f"{run} {more}") in _CANON_BY_ASCII:
                    # A narrow cell broke the title: `PHÓ CHỦ` / `NHIỆM`.
                    title, title_at = f"{run} {more}", idx + 1
    if title is None and last_auth_rest and authority in ("KT.", "Q."):
        # `KT. CHỦ TỊCH` with no title line below it: the deputy signs (ND 30, Phụ lục I);
        # `Q. GIÁM ĐỐC`: the acting head signs under the head's title.
        title = f"PHÓ {last_auth_rest}" if authority == "KT." else last_auth_rest
    name: str | None = None
    # Between the title and the name sit the signature image, the seal and the signing tool's
    # stamp (`Ký bởi: …`, `Cơ quan: Thành phố Hà Nội`): skip every cell that is not a name.
    below = segments[title_at + 1 :] if title_at >= 0 else segments
    if ocr:
        below = [_dotted_i(seg) for seg in below]
    for at, seg in enumerate(below):
        name = _name(collapse(seg), place, whole=whole)
        if name:
            break
        if at + 1 < len(below) and collapse(seg) in SURNAMES:
            # A narrow cell broke the name after the family name: `Nguyễn` / `Khắc Định`.
            name = _name(collapse(f"{seg} {below[at + 1]}"), place, whole=whole)
            if name:
                break
    if title is not None:
        title = _canonical(title) or _title_case(title)
        if ocr and authority is None and title.startswith(("Phó ", "Thứ trưởng")):
            # A deputy signs for the head (ND 30, Phụ lục I): on a scan the `KT.` was lost,
            # often because it is handwritten on a printed block. A typed text that names no
            # authority (`PHÓ GIÁM ĐỐC` alone) is given as written.
            authority = "KT."
    return authority, title, name


# `TM UBND THỊ TRẤN`: the dot may be left out before the body's name in capitals.
_AUTHORITY_ANY_RE = re.compile(
    r"(?<![\w/])(?P<a>K/?T|T/?M|T/?L|TUQ|Q)(?:\s*[.,:]|(?<!Q)\s+(?=[A-ZĐÀ-Ỹ]{2,}\s+[A-ZĐÀ-Ỹ]))"
    r"\s*(?P<rest>\S.*)$"
)


def _upper_run(seg: str) -> str | None:
    """The longest run of capitalised words in `seg`, whatever OCR put around it; a comma
    between two of its words stays (`BỘ TRƯỞNG, CHỦ NHIỆM` holds two offices)."""
    best: list[str] = []
    run: list[str] = []
    for word in seg.split():
        core = word.strip(".,;:()\"'“”")
        if core and letters(core) and letters(core).isupper() and core.replace(".", "").isalpha():
            if run and run[-1].endswith("\x00"):
                run[-1] = run[-1][:-1] + ","
            run.append(core + ("\x00" if word.rstrip("\"'”)").endswith(",") else ""))
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    best = [w.rstrip("\x00") for w in best]
    if not best or len("".join(best)) < 4:
        return None
    return " ".join(best)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _name(seg: str, place: str | None = None, *, whole: bool = False) -> str | None:
    """The person's name `seg` is, after a rank (`Thượng tướng`); with `whole` False, also the
    name that ends it."""
    seg = _RANK_RE.sub("", seg.strip(" .,;:()\"'“”‘’`"))
    if _looks_like_name(seg) and not is_place(seg, place):
        return seg
    if whole:
        return None
    # A name OCR set on the line of the last recipient: `Lưu: VT, KGVX.th54 Trần Hoàng Tuấn`.
    words = seg.split()
    for size in (4, 3, 2):
        tail = " ".join(words[-size:])
        if len(words) > size and _looks_like_name(tail) and not is_place(tail, place):
            return tail
    return None


def _unglued(line: str) -> list[str]:
    """`CHÁNH VĂN PHÒNGThái Hữu Phép`: a web copy glued the title in capitals to the name
    below it. Cut where a run of capitals meets a capitalised word, when all that follows is
    a person's name; any other line stays whole."""
    for i in range(3, len(line) - 1):
        if (
            line[i].isupper()
            and line[i + 1].islower()
            and all(c.isalpha() and c.isupper() for c in line[i - 3 : i])
        ):
            tail = collapse(line[i:])
            if _looks_like_name(tail):
                return [line[:i], tail]
    return [line]


def looks_like_name(seg: str) -> bool:
    """A Vietnamese personal name: 2-6 capitalised syllables, the first a family name, and not
    the name of a province or city (`Hà Nội`, `Lâm Đồng`)."""
    return _looks_like_name(collapse(seg))


_SURNAMES_FOLDED = frozenset(fold(s) for s in SURNAMES if len(s) > 2)


def _looks_like_name(seg: str) -> bool:
    words = seg.split()
    if not 2 <= len(words) <= 6:
        return False
    if words[0] in _NAME_STOP:
        return False
    if words[0] not in SURNAMES and fold(words[0]) not in _SURNAMES_FOLDED:
        return False  # OCR may drop a mark of the family name (`Trân` for `Trần`)
    if not all(w[:1].isupper() and w.isalpha() and (len(w) == 1 or w[1:].islower()) for w in words):
        return False
    return not is_place(seg)


def _fold_title(title: str) -> str:
    return "".join(
        c
        for c in unicodedata.normalize("NFD", collapse(title).upper())
        if not unicodedata.combining(c)
    ).replace("Đ", "D")


def _canonical(title: str) -> str | None:
    folded = _fold_title(title)
    if folded in _CANON_BY_ASCII:
        return _CANON_BY_ASCII[folded]
    close = difflib.get_close_matches(folded, list(_CANON_BY_ASCII), n=1, cutoff=0.84)
    if close:
        return _CANON_BY_ASCII[close[0]]
    # OCR may lose the first word under a seal: `VĂN PHÒNG` for `CHÁNH VĂN PHÒNG`.
    if " " in folded:
        tails = sorted((k for k in _CANON_BY_ASCII if k.endswith(" " + folded)), key=len)
        if tails:
            return _CANON_BY_ASCII[tails[0]]
    return None


# Abbreviations a title may hold, which stay in capitals (ND 30, Phụ lục III).
_ABBREVIATION_RE = re.compile(r"^(?:UBND|HĐND|UBMTTQ|MTTQ|GD&ĐT|GDĐT|THCS|THPT|BCĐ|BCH|VP)$")


def _title_case(title: str) -> str:
    """`PHÓ CHÁNH VĂN PHÒNG` → `Phó Chánh Văn phòng`: sentence case as ND 30 Phụ lục II writes
    positions, the word after `Phó` and the office after `Chánh` capitalised."""
    written = collapse(title).split(" ")
    words = [w.lower() for w in written]
    for i, word in enumerate(words):
        prev = words[i - 1].lower() if i else ""
        if _ABBREVIATION_RE.match(written[i]):
            words[i] = written[i]  # `UBND`, `HĐND`, `GD&ĐT` stay as ND 30 writes them
        elif i == 0 or prev in ("phó", "chánh") or prev.endswith(","):
            words[i] = word[:1].upper() + word[1:]
        elif word in ("bộ", "sở", "cục") and i + 1 < len(words):
            words[i] = word[:1].upper() + word[1:]
            words[i + 1] = words[i + 1][:1].upper() + words[i + 1][1:]
    return " ".join(words)


_SURNAME_BY_FOLD: dict[str, str] = {}
for _surname in sorted(SURNAMES):
    _SURNAME_BY_FOLD[fold(_surname)] = (
        "" if fold(_surname) in _SURNAME_BY_FOLD else _surname  # ambiguous: no repair
    )


# Vowels that may follow the `gi` of a syllable (`Giang`, `Giáp`, `Giêng`), whose `i` then
# belongs to the consonant and never carries the tone mark.
_AFTER_GI = frozenset("aăâeêoôơuư" + "àằầèềòồờùừáắấéếóốớúứảẳẩẻểỏổởủửãẵẫẽễõỗỡũữạặậẹệọộợụự")


def _dotted_i(seg: str) -> str:
    """Tesseract reads the `i` of a name under a signature's stroke as a capital with a
    mark (`Nguyễn Trúc GÌang`, `BÌnh`): the `i` is made small again, and in a `gi` before a
    vowel, where no mark can stand, the mark is dropped as a stroke (`Giang`). Only a capital
    `Ì` or `Í` right after the capital that starts a word otherwise in small letters is taken."""
    words = seg.split(" ")
    for at, word in enumerate(words):
        if len(word) < 3 or not word[0].isupper() or word[1] not in "ÌÍ":
            continue
        if word[2:] and not word[2:].islower():
            continue
        mended = word[0] + word[1].lower() + word[2:]
        if word[0] in "Gg" and word[2] in _AFTER_GI:
            mended = word[0] + "i" + word[2:]
        words[at] = mended
    return " ".join(words)


def repair_surname(name: str | None) -> str | None:
    """An OCR-read name with the family name's marks restored when only one family name folds
    to it (`Nguyên Hoàng Giang` → `Nguyễn Hoàng Giang`); given names are left as read, since
    `Hiên` and `Hiền` are both names."""
    if not name:
        return name
    first, _, rest = name.partition(" ")
    if first in SURNAMES or not rest:
        return name
    known = _SURNAME_BY_FOLD.get(fold(first))
    return f"{known} {rest}" if known else name


def signer_of(
    lines: list[str], place: str | None = None, *, ocr: bool = False, whole: bool = False
) -> tuple[str | None, str | None, str | None]:
    """Authority, title and name read from the lines of a signing block alone. `whole`: a
    name only where it is a whole line (a block read again, where a name cut short by what
    OCR lost before it, `¿ Hoàng Anh` for `Lê Hoàng Anh`, must not be taken)."""
    return _signer(lines, [], False, place, ocr=ocr, whole=whole)


def recipients_of(lines: list[str]) -> list[str]:
    """The items of a `Nơi nhận` list read from the lines of its column alone."""
    nn = _noi_nhan(lines, 0)
    return _recipients(lines, nn)[0] if nn is not None else []
