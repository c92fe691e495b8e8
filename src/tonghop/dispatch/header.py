"""The header of a document (ND 30, Phụ lục I, parts 1-6): issuer, number, place and date,
type heading, subject (trích yếu) and the `Kính gửi` list.

Text reaches us in several shapes: layout text with both header columns on one line, reading
order text with the columns one after the other, Word tables as tab or `|` separated cells, and
OCR with small misreadings. Each rule looks at cells of lines so that all shapes work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .abstract import read_addressees, read_subject
from .dates import make_date
from .patterns import (
    AUTHORITY_LINE_RE,
    CLEAN_NUM_RE,
    DATE_LINE_RE,
    HEADER_LINES,
    INDEPENDENCE_RE,
    KINH_GUI_RE,
    LEGAL_ABBREVIATIONS,
    MOTTO_RE,
    NUMBER_NO_SLASH_RE,
    NUMBER_ONLY_RE,
    NUMBER_RE,
    ORG_HEAD_FOLDED_RE,
    ORG_HEAD_RE,
    PARTY_NUMBER_RE,
    RULE_RE,
    SO_RE,
    SYMBOL_LINE_RE,
    THANG_RE,
    TYPE_ABBREVIATIONS,
    TYPE_BY_FOLD,
    TYPE_BY_UPPER,
    TYPE_HEAD_RE,
    TYPE_NAMES,
    VV_RE,
    left_cell,
)
from .textutil import cells, clean_value, collapse, fold, is_upper_line, letters


@dataclass(slots=True)
class Header:
    number: str | None = None
    symbol: str | None = None
    number_raw: str | None = None
    number_problems: list[str] = field(default_factory=list)
    issuer: str | None = None
    issuer_parent: str | None = None
    place: str | None = None
    issued_on: str | None = None
    year: int | None = None
    month: int | None = None
    doc_type: str | None = None
    subject: str | None = None
    subject_lead: str | None = None  # the trích yếu's first words, on the type heading's line
    addressees: list[str] = field(default_factory=list)
    body_start: int = 0
    header_end: int = -1  # the last line of the header block (motto, number, date)


def unflatten_header(lines: list[str]) -> list[str]:
    """A header a web page flattened into one line, its words partly glued
    (`… ĐÀO TẠO ------ CỘNG HOÀ XÃ HỘI … Hạnh phúc Thụy Dương, ngày 07 tháng 12 năm2010BÁOCÁO…`),
    cut back into the lines ND 30 sets it on; and a line that holds a row of both header
    columns (`UBND HUYỆN … CỘNG HÒA … VIỆT NAMTRƯỜNG MG … Độc lập …`) cut into its two rows.
    Other texts are returned as they are."""
    first = next((i for i, ln in enumerate(lines[:5]) if ln.strip()), None)
    if first is None:
        return lines
    if len(lines[first]) < 200:
        return _split_shared_rows(lines)
    flat = _unflatten_line(lines[first])
    if flat is None:
        return lines
    return [*lines[:first], *flat, *lines[first + 1 :]]


# How far into a flattened line its header may reach.
_FLAT_ZONE = 700
_FLAT_MOTTO_RE = re.compile(r"CỘNG\s+H\w{1,3}\s+XÃ\s+HỘI(?:\s+CHỦ\s+NGHĨA\s+VIỆT\s*NAM)?")
# The site may drop short words (`Độc lập - Tự - Hạnh phúc`); the rules under it go with it.
_FLAT_HAPPY_RE = re.compile(
    r"Độc\s+lập\s*[-–]\s*Tự(?:\s+do)?\s*[-–]\s*Hạnh\s+phúc(?:\s*[-–_=*]{3,})*"
)
_FLAT_VV_RE = re.compile(r"(?<!\S)(?:V\s*/\s*v|Về\s+việc)\s")
_FLAT_KG_RE = re.compile(r"(?<!\S)Kính\s*gửi\s*:?")
_FLAT_TYPE_RE = re.compile(
    r"(?<![^\W\d_])(?:"
    + "|".join(sorted((t.upper().replace(" ", r"\s+") for t in TYPE_NAMES), key=len, reverse=True))
    + r")(?![^\W\d_])"
)
# The place before `, ngày`: one to four capitalised words.
_FLAT_PLACE_RE = re.compile(r"(?<!\S)(?:[A-ZĐÀ-Ỹ][\w.\-]*\s+){0,3}[A-ZĐÀ-Ỹ][\w.\-]*\s*$")
# Office words that start the issuer under its parent; `PHỊNG` is `PHÒNG` as an old font's
# conversion gives it.
_FLAT_ORG_RE = re.compile(
    r"(?<=\s)(?:PH[OÒỊ]NG|SỞ|TRƯỜNG|TRUNG TÂM|(?<!Y )(?<!Ỷ )BAN|CHI CỤC|VĂN PHÒNG)\b"
)
# Where the body starts after the `Kính gửi` list or a trích yếu run on into it. `Thực` before
# a document's name is `Thực hiện` whose second word the copy dropped (and whose `công` may
# have lost its hat to the same conversion: `Thực cơng văn`).
_DROPPED_HIEN = (
    r"Thực\s+(?=[Cc][ôơ]ng\s*văn|[Kk]ế\s*hoạch|[Qq]uyết\s*định|[Cc]hỉ\s*thị|[Hh]ướng\s*dẫn|"
    r"[Tt]hông\s*báo|[Nn]ghị)"
)
_FLAT_BODY_RE = re.compile(
    rf"\s(?=(?:Căn cứ|Thực hiện|{_DROPPED_HIEN}|Theo|Tiếp theo|Nhằm|Vừa qua|Hiện nay|Ngày \d)\s*)"
)
# A trích yếu in sentence case ends where the body's first heading or preamble starts.
_FLAT_SUBJECT_END_RE = re.compile(
    rf"\s(?=(?:[IVX]+\.|\d+\.|[A-ZĐ]/|Căn cứ|Thực hiện|Kính gửi|Nơi nhận)\s|{_DROPPED_HIEN})"
)
_FLAT_NAME_WORD_RE = re.compile(r"(?<!\S)(?:SỞ|BỘ|PHÒNG|BAN|VỤ|CỤC)\s+$")
# The authority that decides, under a decision's title (`BỘ TRƯỞNG BỘ …`, `CHỦ TỊCH ỦY BAN …`).
_FLAT_AUTHORITY_RE = re.compile(
    r"(?:PHÓ\s+)?(?:CHỦ TỊCH|BỘ TRƯỞNG|GIÁM ĐỐC|TỔNG GIÁM ĐỐC|HIỆU TRƯỞNG|THỦ TƯỚNG|"
    r"CỤC TRƯỞNG|TỔNG CỤC TRƯỞNG|VIỆN TRƯỞNG|TRƯỞNG BAN|CHÁNH VĂN PHÒNG|TRƯỞNG PHÒNG)\b"
    r"|(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN\b"
)
_FLAT_RULES_RE = re.compile(r"(?:\s*[-–_=*]{3,})+")
# Words a body's name follows in a title (`… CỦA ỦY BAN NHÂN DÂN HUYỆN`): no authority line.
_TITLE_LINKS = frozenset({"CỦA", "VÀ", "CHO", "VỚI", "TẠI", "THUỘC", "GIỮA", "TRONG"})
_FIXED = ("motto", "happy", "number", "date")


def _unflatten_line(line: str) -> list[str] | None:
    """The lines of a header flattened into `line`, or None when `line` is no such header."""
    zone = line[:_FLAT_ZONE]
    fixed: list[tuple[int, int, str]] = []
    regexes = (_FLAT_MOTTO_RE, _FLAT_HAPPY_RE, NUMBER_RE, DATE_LINE_RE)
    for kind, regex in zip(_FIXED, regexes, strict=True):
        m = regex.search(zone)
        if m is None:
            continue
        begin = m.start()
        if kind == "date":
            place = _FLAT_PLACE_RE.search(zone[: m.start()])
            if place is None:
                continue
            begin = place.start()
            # A place is written in title case: capitals before it end the motto or number.
            for word in re.finditer(r"\S+", zone[place.start() : m.start()]):
                if not is_upper_line(word.group(0)) or word.group(0) in ("TP.", "TX."):
                    begin = place.start() + word.start()
                    break
        fixed.append((begin, m.end(), kind))
    kinds = {kind for _b, _e, kind in fixed}
    if len(kinds) < 2 or not kinds & {"motto", "happy"}:
        # No motto: only an issuer's name over a type heading in capitals is read.
        fixed = []
        if not ORG_HEAD_RE.match(zone.lstrip()):
            return None
    anchors = list(fixed)
    if fixed:
        for kind, regex in (("vv", _FLAT_VV_RE), ("kg", _FLAT_KG_RE)):
            m = regex.search(zone)
            if m:
                anchors.append((m.start(), m.end(), kind))
    marks_start = min((b for b, _e, _k in fixed), default=0)
    for m in _FLAT_TYPE_RE.finditer(zone):
        # The type heading stands in capitals after the header's marks (or under the issuer's
        # name when the copy kept no marks): nothing in lower case between them and it. A type
        # word inside the issuer's name (`SỞ KẾ HOẠCH VÀ ĐẦU TƯ`) is none.
        if m.start() < marks_start or _FLAT_NAME_WORD_RE.search(zone[: m.start()]):
            continue
        before = [e for b, e, _k in anchors if b < m.start()]
        prefix = zone[max(before, default=marks_start) : m.start()]
        if not any(ch.islower() for ch in prefix):
            anchors.append((m.start(), m.end(), "type"))
        break
    if not fixed and not any(kind == "type" for _b, _e, kind in anchors):
        return None
    anchors.sort()
    kept: list[tuple[int, int, str]] = []
    for anchor in anchors:
        if kept and anchor[0] < kept[-1][1]:
            continue  # inside the previous mark (a `Kính gửi` quoted in a trích yếu)
        kept.append(anchor)
    left = [line[: kept[0][0]]]
    out: list[str] = []
    tail = ""
    for at, (begin, end, kind) in enumerate(kept):
        last = at + 1 == len(kept)
        nxt = len(line) if last else kept[at + 1][0]
        if kind in _FIXED:
            text = line[begin:end]
            if kind == "date":
                text = re.sub(r"(n[ăa]m)(\d{4})", r"\1 \2", text)
            out.append(_FLAT_RULES_RE.sub("", text).strip())
            gap = _FLAT_RULES_RE.sub(" ", line[end:nxt]).strip()
            if last:
                tail = gap
            elif gap and kind == "motto" and is_upper_line(gap):
                left.append(gap)  # the left column's second row, set beside the motto
            elif gap:
                out.append(gap)
        elif kind == "type":
            out.append(collapse(line[begin:end]))
            out.extend(_flat_title(line[end:nxt].strip()))
        elif kind == "kg":
            out.extend(_flat_list(line[begin:nxt].strip()))
        else:
            out.extend(_flat_vv(line[begin:nxt].strip()))
    if tail:
        out.extend(_flat_glued(tail))
    issuer = _FLAT_RULES_RE.sub("", " ".join(x.strip() for x in left)).strip()
    issuer = re.sub(r"^\d{1,2}\.\s+", "", issuer)  # a web page's list number before it
    heads = [m.start() for m in _FLAT_ORG_RE.finditer(issuer) if m.start() > 0]
    parts = [issuer[: heads[-1]].strip(), issuer[heads[-1] :].strip()] if heads else [issuer]
    return [p for p in parts if p] + out


def _flat_vv(text: str) -> list[str]:
    """A `V/v` trích yếu run on into the body, cut where the body starts."""
    m = _FLAT_BODY_RE.search(text)
    return [text[: m.start()].strip(), "", text[m.end() :].strip()] if m else [text]


def _flat_list(text: str) -> list[str]:
    """`Kính gửi: - A; - B; - C Thực hiện …` as the list's lines, then the body apart."""
    body = ""
    m = _FLAT_BODY_RE.search(text)
    if m:
        text, body = text[: m.start()], text[m.end() :].strip()
    head = _FLAT_KG_RE.match(text)
    rest = text[head.end() :].strip() if head else text
    items = re.split(r"(?<=;)\s*(?=[-–+]\s)", rest)
    out = ["Kính gửi:", *(item.strip() for item in items)] if len(items) > 1 else [text.strip()]
    return [*out, "", body] if body else out


def _flat_title(text: str) -> list[str]:
    """The trích yếu after a flattened type heading, then what follows it: a title in
    capitals ends at its first word in lower case or at the authority that decides
    (`… CỦA CẤP TỈNH BỘ TRƯỞNG BỘ …`); one in sentence case at the body's first heading."""
    words = list(re.finditer(r"\S+", text))
    end = 0
    for k, word in enumerate(words):
        if any(ch.islower() for ch in word.group(0)):
            break
        if (
            k >= 2
            and words[k - 1].group(0) not in _TITLE_LINKS
            and _FLAT_AUTHORITY_RE.match(text, word.start())
        ):
            rest = text[word.start() :]
            lower = re.search(r"\S*[a-zà-ỹđ]", rest)
            cut = lower.start() if lower else len(rest)
            return [text[: word.start()].strip(), rest[:cut].strip(), "", rest[cut:].strip()]
        end = word.end()
    if len(letters(text[:end])) >= 4:
        return [text[:end].strip(), "", text[end:].strip()]
    m = _FLAT_SUBJECT_END_RE.search(text)
    if m and m.start() > 0:
        return [text[: m.start()].strip(), "", text[m.end() :].strip()]
    return [text]


def _flat_glued(rest: str) -> list[str]:
    """What follows the header's marks: a type heading glued to its trích yếu
    (`BÁOCÁOKIỂMTRA THỰC HIỆN …`) is cut apart."""
    out: list[str] = []
    glued = re.sub(r"\s", "", rest[:20])
    for name in sorted(TYPE_BY_UPPER, key=len, reverse=True):
        bare = name.replace(" ", "")
        if glued.startswith(bare):
            cut, seen = 0, 0
            while seen < len(bare):
                seen += not rest[cut].isspace()
                cut += 1
            out.append(name)
            rest = rest[cut:].strip()
            caps = _FLAT_CAPS_RE.match(rest)
            if caps:
                out.append(caps.group(0).strip())
                rest = rest[caps.end() :].strip()
            break
    out.append(rest)
    return out


# Words in capitals (and the `&`, commas and hyphens between them): a glued title.
_FLAT_CAPS_RE = re.compile(r"(?:[A-ZĐÀ-Ỹ&,\-–]+\s+)*[A-ZĐÀ-Ỹ&,\-–]+(?=\s+[A-ZĐÀ-Ỹ]?[a-zà-ỹđ]|\s*$)")
# The motto's full words, which a web copy may glue to the next row's first word.
_MOTTO_FULL_RE = re.compile(r"CỘNG\s+H\w{1,3}\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s*NAM")


def _split_shared_rows(lines: list[str]) -> list[str]:
    """`UBND HUYỆN X CỘNG HÒA … VIỆT NAMTRƯỜNG MG Y Độc lập – Tự do – Hạnh phúc`: two rows of
    the header's columns on one line, cut after the motto into the rows they are."""
    for i, line in enumerate(lines[:8]):
        motto = _MOTTO_FULL_RE.search(line) if "NAM" in line else None
        if motto is None:
            continue
        happy = INDEPENDENCE_RE.search(line, motto.end())
        if happy is None or not line[: motto.start()].strip():
            return lines
        between = line[motto.end() : happy.start()].strip()
        if is_upper_line(between) and len(letters(between)) >= 3:
            rows = [line[: motto.end()], line[motto.end() :].strip()]
            return [*lines[:i], *rows, *lines[i + 1 :]]
        return lines
    return lines


def parse_header(lines: list[str]) -> Header:
    head = Header()
    top = unwrap_header(lines[:HEADER_LINES])
    number_line = _number(top, head)
    date_line = _place_date(top, head, number_line)
    motto = next((i for i, ln in enumerate(top) if MOTTO_RE.search(ln)), None)
    # `Độc lập - Tự do - Hạnh phúc` under the motto closes the header block when the document
    # has no number or date line: a body's second line may share that line (two columns).
    motto_end = None
    if motto is not None:
        motto_end = next(
            (
                i
                for i in range(motto + 1, min(len(top), motto + 4))
                if INDEPENDENCE_RE.search(top[i])
            ),
            None,
        )
    marks = [i for i in (number_line, date_line, motto, motto_end) if i is not None]
    if marks:
        # The header block ends with the last of its marks, if they are close together.
        first = min(marks)
        end = max(i for i in marks if i - first <= 12)
        head.header_end = end
        _issuer(top, end, head)
    start = max(marks, default=-1) + 1
    after_type = _type_heading(lines, start, head)
    if not marks and after_type:
        # A copy that kept no motto, number or date line: the body's name over the type
        # heading is still the issuer (`TRƯỜNG THCS …` / `KẾ HOẠCH`).
        _issuer(top, min(after_type, len(top)) - 1, head)
        if head.issuer is None or not ORG_HEAD_RE.match(head.issuer):
            head.issuer = head.issuer_parent = None
    ruled = _rule_under(lines, after_type) if head.subject_lead else None
    if ruled is not None:
        # `THÔNG BÁO NGHỈ HỌC DO MƯA LŨ` / `------`: the title was all on the heading's line,
        # and the rule under it closes it; the body starts below the rule.
        head.subject, subject_end = None, ruled + 1
    else:
        head.subject, subject_end = read_subject(lines, start, after_type)
    if head.subject_lead:
        head.subject = collapse(f"{head.subject_lead} {head.subject or ''}")
    if head.subject is None and after_type is None and head.symbol and marks:
        head.subject, subject_end = _title_without_heading(lines, start, head.symbol, subject_end)
    if (
        head.subject is None
        and number_line is not None
        and _PARTY_LETTER_RE.match(head.symbol or "")
    ):
        head.subject = _party_letter_subject(top, number_line)
    head.addressees, addressees_end = read_addressees(
        lines, start, telegram=head.doc_type == "Công điện"
    )
    head.body_start = max(subject_end, addressees_end)
    if addressees_end and _text_lines(lines, addressees_end, subject_end) > 4:
        # A web copy may set the `V/v` block under the body, after the recipients and beside
        # the signer: the body and its foot start under the `Kính gửi` list, not under it.
        head.body_start = addressees_end
    fill_from_overlay(lines, head)
    if (
        head.doc_type is None
        and head.symbol
        and not (after_type is None and _vv_line(lines, start))
    ):
        # A `V/v` trích yếu is a công văn's (ND 30 Phụ lục I): its symbol starts with the
        # issuer's abbreviation, even one that reads as a type code (`CT-TTHT` of a Cục Thuế).
        head.doc_type = type_from_symbol(head.symbol)
    return head


def _rule_under(lines: list[str], at: int | None) -> int | None:
    """The index of a rule line (`-----`) right under line `at`, blank lines skipped."""
    if at is None:
        return None
    i = at + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i if i < len(lines) and RULE_RE.match(lines[i]) and len(lines[i].strip()) >= 3 else None


def _title_without_heading(
    lines: list[str], start: int, symbol: str, end: int
) -> tuple[str | None, int]:
    """A title in capitals right under the header of a document whose type heading the copy
    lost (`Số: 221/KH-UBND` … `PHÒNG, CHỐNG THIÊN TAI NĂM 2031`): its symbol names a type
    that has a title, so the capitals are the trích yếu, not a body's heading."""
    if type_from_symbol(symbol) is None:
        return None, end
    i = start
    while i < min(len(lines), start + 3) and not lines[i].strip():
        i += 1
    parts: list[str] = []
    while i < len(lines) and len(parts) < 4:
        text = collapse(lines[i])
        if not text or not is_upper_line(text) or text.endswith(":"):
            break
        # `PHÒNG, CHỐNG …`, `BAN HÀNH …` are a title's words, not a Phòng's or a Ban's name.
        org = ORG_HEAD_RE.match(text) and not re.match(
            r"PHÒNG,?\s+(?:CHỐNG|NGỪA)|BAN\s+HÀNH\b", text
        )
        if org or AUTHORITY_LINE_RE.match(text) or TYPE_HEAD_RE.match(text):
            break
        if RULE_RE.match(text) or re.match(r"^(?:[IVX]+|\d+|[A-Z])[./)]\s", text):
            break
        parts.append(text)
        i += 1
    title = clean_value(" ".join(parts))
    if len(letters(title)) < 12:
        return None, end
    return title, i


# A Party body's công văn (`188-CV/BTGHU`) has its trích yếu under the number, without `V/v`
# (Hướng dẫn 36-HD/VPTW).
_PARTY_LETTER_RE = re.compile(r"^CV/")


def _party_letter_subject(top: list[str], number_line: int) -> str | None:
    """The sentence-case line(s) right under a Party công văn's number, before a blank line."""
    i = number_line + 1
    while i < min(len(top), number_line + 3) and not top[i].strip():
        i += 1
    parts: list[str] = []
    while i < len(top) and len(parts) < 4:
        text = left_cell(top[i])
        if (
            not text
            or is_upper_line(text)
            or KINH_GUI_RE.match(text)
            or DATE_LINE_RE.search(text)
            or MOTTO_RE.search(text)
            or RULE_RE.match(text)
        ):
            break
        parts.append(text)
        i += 1
    subject = clean_value(" ".join(parts))
    return subject if len(letters(subject)) >= 12 else None


def _text_lines(lines: list[str], start: int, end: int) -> int:
    return sum(1 for line in lines[start:end] if line.strip())


_VV_ABBREVIATED_RE = re.compile(r"^V\s*/\s*[vV]\b")


def _vv_line(lines: list[str], start: int) -> bool:
    """Whether the trích yếu near the header is written `V/v …`, as only a công văn's is."""
    window = lines[max(0, start - 8) : start + 15]
    return any(_VV_ABBREVIATED_RE.match(left_cell(line)) for line in window)


# A line that holds only `Số:` (its number wrapped onto the next line by a narrow cell).
_SO_ALONE_RE = re.compile(r"^\s*S[ốôó]\s*:?\s*\|?\s*$")
# `06/2024/QĐ-UBND`, `/BC-UBND`, or a Party or Union number `74-CV/ĐTN`.
_NUMBER_START_RE = re.compile(r"^\s*(?:(?:\d{1,6}\s*)?/|\d{1,6}\s*[-–]\s*[A-ZĐ][\w&.]*\s?/)")
# The place-and-date line: `Kon Tum, ngày 25`, `Quảng Bình,` (then `ngày 25 tháng 5 năm 2015`).
_DATE_OPEN_RE = re.compile(r"(?:[,.]\s*ngày\b[^\n]*|,\s*)$")
_DATE_CONT_RE = re.compile(r"^\s*(?:ngày|tháng|năm|\d{1,2}\s+tháng)\b")
_YEAR_RE = re.compile(r"n[ăa]m\s*\d{4}")
_PLACE_WORD_RE = re.compile(r"^\s*(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+|TP\.|Tp\.)\s*$")
_PLACE_HEAD_RE = re.compile(r"^\s*[A-ZĐÀ-Ỹ][\w.]*(?:\s+[A-ZĐÀ-Ỹ][\w.]*)?\s*,\s*(?:ngày\b|$)")


def unwrap_header(top: list[str]) -> list[str]:
    """The header's lines with the wraps of narrow table cells undone.

    A web page or a PDF table cell breaks lines where it runs out of width, not where the
    header's parts end: `Số:` / `06/2024/QĐ-UBND`, `Kon Tum, ngày 25` / `tháng 01 năm 2024`,
    `Hà` / `Nội, ngày …`, `CỘNG HÒA XÃ` / `HỘI CHỦ NGHĨA VIỆT NAM`. A wrapped part is joined to
    the line it continues and its own line left blank, so that line numbers still hold."""
    out = list(top)

    def join(i: int, j: int) -> None:
        out[i] = f"{out[i].rstrip()} {out[j].strip()}"
        out[j] = ""

    for i in range(len(out) - 1):
        line = out[i]
        if not line.strip():
            continue
        nxt = out[i + 1]
        if _SO_ALONE_RE.match(line):
            # `Số:` / `06/2024/QĐ-UBND`, or `Số:` / (blank) / `/BC-UBND` of a form left blank;
            # in reading order the motto's two lines may come between (`Số:` / `CỘNG HÒA …` /
            # `Độc lập …` / `/TTr-VPCP`).
            k = i + 1 if nxt.strip() or i + 2 >= len(out) else i + 2
            for j in range(i + 1, min(len(out), i + 7)):
                if not out[j].strip() or MOTTO_RE.search(out[j]) or INDEPENDENCE_RE.search(out[j]):
                    continue
                if out[j].lstrip().startswith("/"):
                    k = j
                break
            if _NUMBER_START_RE.match(out[k]):
                out[i] = re.sub(r"\|\s*$", "", line)
                join(i, k)
                continue
        if _PLACE_WORD_RE.match(line) and _PLACE_HEAD_RE.match(nxt) and not MOTTO_RE.search(line):
            join(i, i + 1)  # `Hà` / `Nội, ngày …`
            line = out[i]
        if _DATE_OPEN_RE.search(line) and not _YEAR_RE.search(line) and "ngày" in line + nxt:
            # `Kon Tum, ngày 25` / `tháng 01 năm 2024`, over at most two more lines.
            for j in range(i + 1, min(len(out), i + 4)):
                if not out[j].strip():
                    continue  # the line a joined place fragment left blank
                if not _DATE_CONT_RE.match(out[j]) and not (
                    out[i].rstrip().endswith("ngày") and re.match(r"^\s*\d", out[j])
                ):
                    break
                join(i, j)
                if _YEAR_RE.search(out[i]):
                    break
            continue
        if nxt.strip() and MOTTO_RE.search(line) is None and _MOTTO_START_RE.match(fold(line)):
            joined = f"{line.rstrip()} {nxt.strip()}"
            if MOTTO_RE.search(joined):
                join(i, i + 1)  # `CỘNG HÒA XÃ` / `HỘI CHỦ NGHĨA VIỆT NAM`
    return out


# The first words of the national motto, alone on a line that a narrow cell cut short; or
# `ĐOÀN` of the Youth Union's heading (`ĐOÀN` / `TNCS HỒ CHÍ MINH`).
_MOTTO_START_RE = re.compile(r"^\s*(?:C[OƠ]NG(?:\s+H[OƠ]A(?:\s+X[AÃ])?)?|DOAN)\s*$")


SPACED_NUMBER = "số và ký hiệu có dấu cách thừa"


def _number(top: list[str], head: Header) -> int | None:
    for i, line in enumerate(top):
        party = PARTY_NUMBER_RE.search(line)
        if party:
            head.number, head.number_raw = party.group("num"), collapse(party.group(0))
            head.symbol = _clean_symbol(party.group("sym"), head)
            if re.search(r"\s", line[party.end("num") : party.start("sym")]):
                head.number_problems.append(SPACED_NUMBER)
            return i
        m = NUMBER_RE.search(line)
        if m is None:
            ns = NUMBER_NO_SLASH_RE.search(line)
            if ns:
                head.number, head.number_raw = ns.group("num"), collapse(ns.group(0))
                head.symbol = _clean_symbol(ns.group("sym"), head)
                head.number_problems.append("thiếu dấu gạch chéo (/) giữa số và ký hiệu")
                return i
            only = NUMBER_ONLY_RE.search(line)
            if only is None:
                continue
            # Reading-order text may put `/TB-UBND` a few lines below `Số: 542`.
            for follow in top[i + 1 : i + 8]:
                sm = SYMBOL_LINE_RE.match(follow)
                if sm:
                    head.number = only.group("num")
                    head.number_raw = f"{only.group(0).strip()}/{sm.group('sym')}"
                    head.symbol = _clean_symbol(sm.group("sym"), head)
                    return i
            continue
        raw_num = m.group("num").strip(" .,:;-_")
        head.number_raw = collapse(m.group(0))
        if raw_num.isdigit() and raw_num.strip("0"):  # numbering starts at 1 each year
            head.number = raw_num
            if len(raw_num) == 1:
                head.number_problems.append("số nhỏ hơn 10 không có số 0 phía trước")
        if not m.group("colon") and raw_num.isdigit():
            head.number_problems.append("thiếu dấu hai chấm sau chữ “Số”")
        if head.number and re.search(r"\s", line[m.end("num") : m.start("sym")]):
            # `Số: 27 / BCMN`, `Số: 15 /2014/QĐ-UBND`: ND 30 writes `27/BC-MN`, no space.
            head.number_problems.append(SPACED_NUMBER)
        head.symbol = _clean_symbol(m.group("sym"), head)
        if _OPEN_HYPHEN_RE.match(line[m.end() :]):
            # `255 / BC-BCĐPCGD-` … `XMC`: a narrow cell wrapped the symbol's last part onto
            # a line of its own under the place-and-date line.
            for follow in top[i + 1 : i + 6]:
                part = _SYMBOL_PART_RE.match(follow)
                if part:
                    head.symbol = f"{head.symbol}-{part.group(1)}"
                    break
        if _PLACEHOLDER_RE.match(line[m.end() :]):
            # `Số: …/BC-..........`: a form whose issuer part is left to fill in holds no
            # symbol yet; a part of it would be a wrong one.
            head.symbol = None
        return i
    return None


_OPEN_HYPHEN_RE = re.compile(r"^-\s*(?:\||$)")
# A line holding one part of a symbol and nothing else: capitals, two to eight.
_SYMBOL_PART_RE = re.compile(r"^\s*([A-ZĐ][A-ZĐ0-9&]{1,7})\s*\|?\s*$")
# Dots or an ellipsis where a symbol's next part should be: a blank left in a form.
_PLACEHOLDER_RE = re.compile(r"^\s*[-–/]\s*[.…_]{2,}")


def _clean_symbol(sym: str, head: Header) -> str:
    sym = sym.rstrip(".,;")
    if "–" in sym:
        # `GDĐT – VP`: an en dash typed for the hyphen.
        head.number_problems.append("ký hiệu dùng dấu gạch ngang dài thay dấu gạch nối")
        sym = sym.replace("–", "-")
    if re.search(r"\s", sym):
        head.number_problems.append("ký hiệu có dấu cách thừa")
        sym = re.sub(r"\s+", "", sym)
    return sym


def _place_date(top: list[str], head: Header, number_line: int | None) -> int | None:
    found = _date_line(top, head)
    if found is None:
        # OCR may lose the year: `Hà Nội, ngày ( tháng {j năm 20`; the place still reads.
        for i, line in enumerate(top):
            m = _PLACE_ONLY_RE.search(line)
            if m and not NUMBER_RE.search(line):
                head.place = _place(line[: m.start()]) or None
                return i if head.place else None
    return found


_PLACE_ONLY_RE = re.compile(r"(?<=\w),\s*ngày\b")


def _place(before: str) -> str:
    nm = NUMBER_RE.search(before)
    if nm:
        before = before[nm.end() :]
    parts = cells(before)
    place = parts[-1] if parts else ""
    numbered = _NUMBERED_PLACE_RE.search(place)
    if numbered and not re.search(r"S[ốôó]\s*:|/", place):
        return clean_value(numbered.group(0))  # `Quận 9`, `Phường 3`: a district by its number
    if re.search(r"S[ốôó]\s*:|/|\d", place):
        # A garbled number line in front of the place: keep the place's own words.
        kept: list[str] = []
        for word in reversed(place.split()):
            if (word[:1].isupper() and word.isalpha()) or word in ("phố", "TP.", "Tp."):
                kept.insert(0, word)
            else:
                break
        place = " ".join(kept)
    return clean_value(re.sub(r"^[^\wĐ]+", "", place))


# Districts and wards of a city are named by a number (`Quận 9, ngày …`).
_NUMBERED_PLACE_RE = re.compile(r"(?:Quận|Phường|QUẬN|PHƯỜNG)\s+\d{1,2}\s*$")


def _date_line(top: list[str], head: Header) -> int | None:
    for i, line in enumerate(top):
        m = DATE_LINE_RE.search(line)
        if m is None:
            continue
        head.place = _place(line[: m.start()]) or None
        lead = _place_lead(top, i)
        if head.place and lead and line[: m.start()].strip() == head.place:
            head.place = f"{lead} {head.place}"
        head.year = int(m.group("y"))
        rest = m.group("rest")
        th = THANG_RE.search(rest)
        if th:
            day_text, month_text = rest[: th.start()], rest[th.end() :]
        else:  # OCR lost the word `tháng`: `ngày 23 tung 6 năm 2026`
            words = rest.split()
            day_text = words[0] if len(words) >= 3 else ""
            month_text = words[-1] if len(words) >= 2 else ""
        d, mo = CLEAN_NUM_RE.match(day_text), CLEAN_NUM_RE.match(month_text)
        if mo:
            head.month = int(mo.group(1))
        if d and mo:
            day = make_date(int(m.group("y")), int(mo.group(1)), int(d.group(1)))
            head.issued_on = day.isoformat() if day else None
        return i
    # A web copy that lost the comma, and wrapped the place (`Phan` / `Rang ngày 12 tháng 11
    # năm 2003`): only a line that is nothing but a place and a whole date.
    for i, line in enumerate(top):
        bare = _BARE_DATE_LINE_RE.match(line)
        if bare is None:
            continue
        place = bare.group("place")
        before = top[i - 1].strip() if i else ""
        if re.fullmatch(r"[A-ZĐÀ-Ỹ][^\W\d_]+", before) and not SO_RE.match(before):
            place = f"{before} {place}"
        head.place = _place(place) or None
        head.year, head.month = int(bare.group("y")), int(bare.group("m"))
        day = make_date(head.year, head.month, int(bare.group("d")))
        head.issued_on = day.isoformat() if day else None
        return i
    # Not ND 30's form, but met: `Hà Nội, 05/5/2025` or `Hà Nội, ngày 05/5/2025`.
    for i, line in enumerate(top):
        nd = _NUMERIC_DATE_LINE_RE.search(line)
        if nd is None:
            continue
        words = (cells(nd.group("place")) or [""])[-1].split()
        if not 1 <= len(words) <= 6 or not all(w[:1].isupper() or w == "phố" for w in words):
            continue  # a sentence of the body, not a place name
        day = make_date(int(nd.group("y")), int(nd.group("m")), int(nd.group("d")))
        if day is None:
            continue
        head.place = _place(line[: nd.start("sep")]) or None
        head.year, head.month, head.issued_on = day.year, day.month, day.isoformat()
        return i
    return None


def _place_lead(top: list[str], i: int) -> str | None:
    """`Số 142/TB-VG Ân` / `Mỹ, ngày 8 tháng 12 năm 2022`: the number's and the date's cells
    run together and wrapped, so the place's first word ends the number line above. A word in
    title case after the symbol is no part of it (symbols are capitals)."""
    for j in range(i - 1, max(-1, i - 3), -1):
        if not top[j].strip():
            continue
        m = NUMBER_RE.search(top[j]) or PARTY_NUMBER_RE.search(top[j])
        tail = _LAST_WORD_RE.match(top[j][m.end() :]) if m else None
        word = tail.group(1) if tail else ""
        return word if word[:1].isupper() and word[1:].islower() else None
    return None


_LAST_WORD_RE = re.compile(r"^\s+([^\W\d_]{2,})\s*$")


_BARE_DATE_LINE_RE = re.compile(
    r"^\s*(?P<place>(?!(?:Từ|Đến|Trước|Sau|Trong|Vào|Kể|Hết|Hạn|Tính|Ngày|Cho)\b)"
    r"[A-ZĐÀ-Ỹ][^\W\d_]*(?:\s+[A-ZĐÀ-Ỹ][^\W\d_]*){0,3})\s+ngày\s*(?P<d>\d{1,2})\s*tháng\s*"
    r"(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})\s*\|?\s*$"
)
_NUMERIC_DATE_LINE_RE = re.compile(
    r"(?P<place>[^\W\d_][^,\n\d/]{1,40})(?P<sep>,)\s*(?:ngày\s*)?(?P<d>\d{1,2})\s?([/.-])\s?"
    r"(?P<m>\d{1,2})\s?\4\s?(?P<y>\d{4})\s*$"
)


def _issuer(top: list[str], end: int, head: Header) -> None:
    """The capitalised left-column lines just above the end of the header block (motto,
    number or date line, whichever is last), read upwards until another kind of line."""
    found: list[str] = []
    skipped = 0
    for line in reversed(top[: end + 1]):
        if not line.strip():
            # Web copies put a blank line after every line of the header: only lines of
            # another kind count towards how far the issuer may be from the block's end.
            continue
        text = line
        for regex in (MOTTO_RE, INDEPENDENCE_RE, NUMBER_RE, SO_RE, DATE_LINE_RE):
            m = regex.search(text)
            if m:
                text = text[: m.start()]
        if VV_RE.match(left_cell(text)):
            # The trích yếu sits below the number, never above the issuer: capitals found
            # under a `V/v` line (`V/v chính sách thuế` / `GTGT`) are the end of the subject.
            found, skipped = [], 0
            continue
        left = _caps_part(left_cell(text))
        if not left or RULE_RE.match(left) or len(letters(left)) <= 1:
            skipped += 1
            if skipped > 12:
                break
            continue
        if is_upper_line(left) and not TYPE_HEAD_RE.match(collapse(left)):
            found.insert(0, left)
        elif found:
            break
        else:
            skipped += 1
            if skipped > 12:
                break
    groups: list[str] = []
    for part in (piece for line in found for piece in _unglue_bodies(line)):
        part = collapse(part.strip("|_ —–-*=~"))
        if len(letters(part)) < 2:
            continue
        # A lone first word is a name cut by a narrow cell (`ỦY` / `BAN NHÂN DÂN`, `TỔNG` /
        # `CỤC THUẾ`): no body is named by one word.
        if groups and (
            len(groups[-1].split()) == 1
            or (
                not ORG_HEAD_RE.match(part)
                and not ORG_HEAD_FOLDED_RE.match(fold(part))
                and not _under_named_council(groups[-1], part)
            )
        ):
            groups[-1] = f"{groups[-1]} {part}"
        else:
            groups.append(part)
    if groups:
        head.issuer = groups[-1]
        head.issuer_parent = groups[-2] if len(groups) > 1 else None


def _unglue_bodies(line: str) -> list[str]:
    """`PHÒNG GD&ĐT NAM TRỰCTRƯỜNG TH ĐỒNG SƠN`: a web copy that joined the parent's and the
    issuer's lines without a space, cut where the issuer's name starts. Vietnamese writes each
    syllable apart, so an office word glued to the end of a longer word is the next name's
    start; the parent before it must be a name of two words or more."""
    m = _GLUED_BODY_RE.search(line)
    if m is None or len(line[: m.start()].split()) < 2:
        return [line]
    return [line[: m.start()], line[m.start() :]]


_GLUED_BODY_RE = re.compile(
    r"(?<=[A-ZĐÀ-Ỹ]{2})(?:TRƯỜNG|PHÒNG|SỞ|TRUNG TÂM|CHI CỤC|ỦY BAN|UỶ BAN|BAN|BCH)\s"
)


# A UBND named with its place, `UBND TỈNH PHÚ THỌ`, is whole: a line of three words or more
# under it is the body it heads, even one whose name cannot be read (`S VN HO TH THAO …` of
# a copy that lost its Vietnamese letters). `UBND TỈNH` / `PHÚ THỌ` is one name cut in two.
_COUNCIL_RE = re.compile(r"^(?:UBND|[ỦU][ỶY] BAN NHÂN DÂN)((?:\s+\S+){3,})$")


def _under_named_council(council: str, part: str) -> bool:
    return _COUNCIL_RE.match(council) is not None and len(part.split()) >= 3


def _caps_part(cell: str) -> str:
    """A header cell, or its leading capitals when OCR left noise after them
    (`TRƯỜNG ĐẠI HỌC CÔNG THƯƠNG mm.`)."""
    if not cell or is_upper_line(cell):
        return cell
    words = cell.split()
    lead: list[str] = []
    for word in words:
        if not (letters(word) and letters(word).isupper()):
            break
        lead.append(word)
    if len(lead) >= 2 and len(letters("".join(lead))) >= 0.7 * len(letters(cell)):
        return " ".join(lead)
    return cell


def _type_heading(lines: list[str], start: int, head: Header) -> int | None:
    limit = min(len(lines), start + 25)
    for i in range(max(0, start - 3), limit):
        for part in cells(lines[i]):
            if part.rstrip().endswith(":"):
                continue  # `QUYẾT ĐỊNH:` enacts the articles below; it is not the heading
            m = TYPE_HEAD_RE.match(collapse(part))
            found = TYPE_BY_UPPER[m.group("t")] if m else None
            if found is None and is_upper_line(part) and len(part) < 40:
                found = TYPE_BY_FOLD.get(fold(part.strip(" .:;,")))  # OCR: `QUYÉT ĐỊNH`, `CHÍ THỊ`
            if found:
                head.doc_type = found
                lead = collapse(part)[len(m.group("t")) :].strip() if m else ""
                # `QUY ĐỊNH VÀ HƯỚNG DẪN`: a heading naming two types is all heading.
                joined = lead.startswith("VÀ ") and lead[3:].strip() in TYPE_BY_UPPER
                if (
                    lead
                    and lead not in TYPE_BY_UPPER
                    and not joined
                    and not lead.startswith("CỦA ")
                ):
                    # `BÁO CÁO SƠ KẾT HỌC KÌ I` / `Năm học …`, `QUY CHẾ LÀM` / `VIỆC CỦA …`:
                    # the trích yếu starts on the heading's own line.
                    head.subject_lead = lead
                if head.doc_type == "Kết luận":
                    head.doc_type = "Thông báo"
                return i
        if KINH_GUI_RE.search(lines[i]):
            break
    return None


def type_from_symbol(symbol: str) -> str | None:
    """The type named by a symbol's first group (`KH-UBND` → Kế hoạch); None for a công văn,
    whose symbol starts with the issuer's abbreviation."""
    dated = re.match(r"^\d{4}/", symbol) is not None
    part = symbol.split("/")[-1] if dated else symbol
    first = re.split(r"[-/]", part, maxsplit=1)[0]
    if dated and first in LEGAL_ABBREVIATIONS:
        return LEGAL_ABBREVIATIONS[first]
    return TYPE_ABBREVIATIONS.get(first)


def fill_from_overlay(lines: list[str], head: Header) -> None:
    """Fill a blank number or day from the text a signing tool stamps over the blanks.

    In the VGCA workflow the văn thư types the number and day at signing time; readers give
    that text apart from the header, as `/UBND-KGVX` then ` 507`, and `tháng` then ` 24`."""
    if head.symbol is None or (head.number and head.issued_on):
        return
    tail = lines[HEADER_LINES // 4 :]
    for i, line in enumerate(tail[:-1]):
        if (
            head.number is None
            and f"/{head.symbol}" in line
            and _BARE_NUMBER_RE.match(tail[i + 1])
            and not re.search(r"\d\s*/" + re.escape(head.symbol), line)
        ):
            head.number = tail[i + 1].strip()
        if (
            head.issued_on is None
            and head.year
            and head.month
            and line.rstrip().endswith("tháng")
            and _BARE_NUMBER_RE.match(tail[i + 1])
        ):
            day = make_date(head.year, head.month, int(tail[i + 1].strip()))
            if day:
                head.issued_on = day.isoformat()


_BARE_NUMBER_RE = re.compile(r"^\s*\d{1,5}\s*$")


def issuer_of(lines: list[str]) -> tuple[str | None, str | None]:
    """Issuer and its parent body read from the lines of a header's left column alone."""
    head = Header()
    if lines:
        _issuer(lines, len(lines) - 1, head)
    return head.issuer, head.issuer_parent
