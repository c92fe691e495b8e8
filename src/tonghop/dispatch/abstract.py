"""The trích yếu (subject) and the `Kính gửi` list under the header (ND 30, Phụ lục I, parts
5 and 9b), in layout, reading-order, Word and OCR text."""

from __future__ import annotations

import re

from .patterns import (
    AUTHORITY_LINE_RE,
    BODY_START_RE,
    DATE_LINE_RE,
    INDEPENDENCE_RE,
    KINH_GUI_RE,
    MOTTO_RE,
    RULE_RE,
    VV_OCR_RE,
    VV_RE,
    left_cell,
)
from .textutil import cells, clean_value, collapse, is_upper_line, letters


def read_subject(lines: list[str], start: int, after_type: int | None) -> tuple[str | None, int]:
    """The trích yếu: the line(s) under the type heading, or the `V/v` block of a công văn;
    and the index of the line after it."""
    begin: int | None = None
    first = ""
    if after_type is not None:
        begin = after_type + 1
        # Blank lines, and lines without a letter (a page number, a watermark's digits).
        while begin < len(lines) and not letters(lines[begin]):
            begin += 1
        if begin < len(lines):
            first = collapse(lines[begin])
    else:
        back = _back(lines, start, 8)
        for i in range(back, min(len(lines), start + 15)):
            left = left_cell(lines[i])
            # `“V/v Triển khai …”`: a Union's or a Party body's trích yếu may stand in quotes.
            if VV_RE.match(left.lstrip(_OPEN_QUOTES)):
                begin, first = i, left
                break
        if begin is None:
            # `Về thực hiện chế độ báo cáo`: a trích yếu introduced by `Về` alone, found only
            # in the header block or on the line right under it, where the body never is.
            for i in range(back, min(len(lines), start + 3)):
                left = left_cell(lines[i])
                if _ABOUT_RE.match(left):
                    begin, first = i, left
                    break
                if KINH_GUI_RE.search(lines[i]):
                    break
    if begin is None or not first:
        return None, 0
    if after_type is not None and _DISPATCH_TIME_RE.match(first):
        # `CÔNG ĐIỆN` / `Vào hồi 10 giờ 00 ngày …`: the hour it was sent, no trích yếu; one
        # may follow it.
        begin += 1
        while begin < len(lines) and not letters(lines[begin]):
            begin += 1
        first = collapse(lines[begin]) if begin < len(lines) else ""
        if not first:
            return None, 0
    if after_type is not None and (
        _telegram_to(first)
        or (is_upper_line(first) and _TELEGRAM_ALONE_RE.match(_next_nonblank(lines, begin)))
    ):
        # The sender's line of a công điện (`CHỦ TỊCH UBND HUYỆN …` / `ĐIỆN:`) follows its
        # trích yếu; right under the heading it means the công điện has none.
        return None, 0
    # Under the type heading a trích yếu may be written in capitals, as web copies of decisions
    # and plans print it; a capital line that names who decides is no subject.
    caps = after_type is not None and is_upper_line(first)
    if after_type is not None and (
        KINH_GUI_RE.match(first)
        or first.startswith("Căn cứ")
        or (caps and (AUTHORITY_LINE_RE.match(first) or first.endswith(":")))
    ):
        return None, 0
    parts = [first]
    i = begin + 1
    last = begin
    while i < min(len(lines), begin + 10):
        left = left_cell(lines[i]) if after_type is None else collapse(lines[i])
        if caps and left and _YEARS_RE.match(left) and parts[-1].endswith(_BEFORE_YEARS):
            parts.append(left)  # `… NĂM 2019 -` / `2020`, `GIAI ĐOẠN` / `2020 - 2025”`
            i += 1
            continue
        if caps and left and _TIME_LINE_RE.search(left) and _is_time_line(left):
            # `… XÓA MÙ CHỮ` / `Thời điểm tháng 10 năm 2020`: the title's last line, which
            # names when, in sentence case.
            parts.append(left)
            i += 1
            break
        if caps and left:
            if (
                not is_upper_line(left)
                or AUTHORITY_LINE_RE.match(left)
                or left.endswith(":")
                or _SUBJECT_STOP_RE.match(left)
                or RULE_RE.match(left)
            ):
                break
            parts.append(left)
            i += 1
            continue
        if not left:
            if after_type is None:
                # A web copy's blank line inside the trích yếu: it goes on when its line
                # ended mid-phrase and the next line starts in lower case.
                j = i + 1
                while j < min(len(lines), i + 3) and not lines[j].strip():
                    j += 1
                nxt = left_cell(lines[j]) if j < len(lines) else ""
                if (
                    (nxt[:1].islower() or _closes_header(lines, j))
                    and not parts[-1].endswith((".", ":", ";"))
                    and not _stops_subject(nxt)
                ):
                    parts.append(_cut_noise(nxt))
                    last, i = j, j + 1
                    continue
                break
            # A blank line ends the subject unless one short line follows that is not a
            # paragraph of the body (Word drafts put blank lines inside the trích yếu).
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            nxt = collapse(lines[j]) if j < len(lines) else ""
            after = lines[j + 1].strip() if j + 1 < len(lines) else ""
            if (
                not nxt
                or j - i > 3
                or (after and not is_upper_line(after))
                or _stops_subject(nxt)
                or nxt.endswith((".", ":", ";"))
                or len(nxt) > 120
                or parts[-1].endswith((".", ":", ";"))
            ):
                break
            parts.append(nxt)
            break
        if after_type is None and _ACRONYM_RE.match(left) and not parts[-1].endswith((".", ";")):
            parts.append(left)  # `V/v chính sách thuế` / `GTGT`: a wrapped abbreviation
            i += 1
            continue
        if len(letters(left)) <= 4 and not re.search(r"\d", left) and not left.islower():
            i += 1  # a fleck of OCR noise between the lines of the trích yếu
            continue
        if _stops_subject(left):
            break
        parts.append(_cut_noise(left))
        i += 1
    subject = _unquote(_once(collapse(" ".join(parts))))
    subject = VV_RE.sub("", subject, count=1)
    if after_type is None:
        subject = _ABOUT_RE.sub("", subject, count=1)
    if after_type is not None:
        subject = VV_OCR_RE.sub("", subject, count=1)
    return clean_value(subject) or None, max(begin + len(parts), last + 1)


def _once(subject: str) -> str:
    """A trích yếu a web copy printed twice running (`A B C A B C`) given once."""
    words = subject.split(" ")
    half = len(words) // 2
    if len(words) >= 6 and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return subject


_OPEN_QUOTES = "“\"'"
_QUOTED_RE = re.compile(r"^[“\"](?P<inner>[^“”\"]+)[”\"]$")


def _unquote(subject: str) -> str:
    """A trích yếu set whole in quotation marks, as the document's name, given without them:
    the quotes are the layout's, not part of the words (a quoted name inside it keeps its own)."""
    m = _QUOTED_RE.match(subject)
    return m.group("inner").strip() if m else subject


def _closes_header(lines: list[str], j: int) -> bool:
    """Whether line `j` is a short line that the `Kính gửi` line follows: the last line of a
    trích yếu wrapped over a blank line (`V/v Hướng dẫn thực hiện` / `Giáo dục trung học …`),
    since the body never stands between the trích yếu and the addressees."""
    if j >= len(lines) or len(collapse(lines[j])) > 90:
        return False
    for line in lines[j + 1 : j + 7]:
        if line.strip():
            # Or the motto's first line, which a web copy that flattened the header's two
            # columns prints after the left column's trích yếu (`V/v hướng dẫn tuyển sinh` /
            # `TCCN năm học 2016-2017` / `CỘNG HOÀ XÃ HỘI …`).
            return KINH_GUI_RE.match(line.strip()) is not None or bool(MOTTO_RE.search(line))
    return False


# `Vào hồi 10 giờ 00 ngày …`, `Hồi 15h30`: the hour a công điện was sent, under its heading.
_DISPATCH_TIME_RE = re.compile(r"^(?:Vào\s+)?[Hh]ồi\s+\d{1,2}\s*(?:giờ|h|g)")


# A short line naming a time under a title in capitals: `Thời điểm tháng 10 năm 2020`,
# `Năm học 2031 - 2032`.
_TIME_LINE_RE = re.compile(r"\b(?:19|20)\d{2}\b")


def _is_time_line(text: str) -> bool:
    return (
        len(text) <= 60
        and not is_upper_line(text)
        and not text.startswith("(")
        and not text.endswith((".", ":", ";", ","))
        and not _stops_subject(text)
        and any(ch.isalpha() for ch in text)
    )


def _back(lines: list[str], start: int, count: int) -> int:
    """The index `count` lines of text above `start`, blank lines not counted (web copies
    put one after every line of the header)."""
    i, seen = start, 0
    while i > 0 and seen < count:
        i -= 1
        if lines[i].strip():
            seen += 1
    return i


# A line of years only, which a narrow cell wrapped off a title in capitals.
_YEARS_RE = re.compile(r"^\d{4}(?:\s*[-–]\s*\d{4})?\s*[”\"]?\.?$")
_BEFORE_YEARS = ("-", "–", "NĂM", "ĐOẠN", "KỲ", "HỌC")
# `Về` and a lower-case word: a trích yếu that leaves out `việc`.
_ABOUT_RE = re.compile(r"^V[ềề]\s+(?=[a-zà-ỹđ])")
# Three to six capitals and nothing else: shorter runs or a stray dot are OCR flecks (`TA.`).
_ACRONYM_RE = re.compile(r"^[A-ZĐ]{3,6}$")
_NOISE_TOKEN_RE = re.compile(r"\s\S*[^\w\s.,;:()/&%“”\"'\-–—]\S*.*$")


def _cut_noise(line: str) -> str:
    """A line without the OCR noise at its end (`đến năm 2030 l- ¿ „Sez404,.`)."""
    return _NOISE_TOKEN_RE.sub("", line)


def _stops_subject(text: str) -> bool:
    return bool(
        KINH_GUI_RE.match(text)
        or _SUBJECT_STOP_RE.match(text)
        # `- Căn cứ nhiệm vụ năm học …`: the body's first paragraph written as a list line.
        or _SUBJECT_STOP_RE.match(text.lstrip("-–+• "))
        or RULE_RE.match(text)
        or is_upper_line(text)
        or DATE_LINE_RE.search(text)
        or MOTTO_RE.search(text)
        or INDEPENDENCE_RE.search(text)
        or _telegram_to(text) is not None  # a công điện's sender: `CHỦ TỊCH UBND …, điện:`
    )


_SUBJECT_STOP_RE = re.compile(
    r"^(?:Căn cứ|Thực hiện|Theo|Để|Ngày \d|Nhằm|Xét|Thừa|Tiếp theo|Kính|Hiện nay|Vừa qua|"
    r"Trên cơ sở|Sau khi|Nơi nhận|[IVX]+\.\s|\d+\.\s|[a-zđ]\)\s|Điều \d|(?:[IVX]+|[A-Z])/\s|"
    r"(?:Phần|Chương|Mục|PHẦN|CHƯƠNG)\s+[IVX\d]+\b|(?:Phần|PHẦN)\s+(?:thứ|THỨ)\s)"
)


def read_addressees(
    lines: list[str], start: int, *, telegram: bool = False
) -> tuple[list[str], int]:
    """The `Kính gửi` entries, one a dashed line or one inline entry; and the index of the
    line after the heading (0 when there is none). A công điện (`telegram`) names them after
    its sender's `… điện:` instead."""
    for i in range(max(0, start - 2), min(len(lines), start + 40)):
        m = KINH_GUI_RE.search(lines[i])
        if m is None and telegram:
            to = _telegram_to(lines[i])
            if to is not None:
                return _telegram_list(lines, i, lines[i][to.end() :]), i + 1
        if m is None:
            continue
        items: list[str] = []
        rest = lines[i][m.end() :]
        rest_cells = cells(rest)
        current = _drop_lead_noise(rest_cells[0] if rest_cells else "", lines, i)
        blank = 0
        for j in range(i + 1, min(len(lines), i + 30)):
            text = collapse(lines[j])
            if not text:
                blank += 1
                if current or items:
                    # A blank line closes an inline entry but not a dashed list that
                    # continues right after it.
                    nxt = _next_nonblank(lines, j)
                    # An entry that ends in a comma goes on after a web copy's blank line.
                    wrapped = (
                        current.rstrip().endswith(",")
                        and nxt
                        and not BODY_START_RE.match(nxt)
                        and not is_upper_line(nxt)
                    )
                    if not nxt.startswith(_LIST_DASHES) and not wrapped:
                        break
                continue
            blank = 0
            if text.startswith(_LIST_DASHES):
                if current:
                    items.append(current)
                current = text
            elif BODY_START_RE.match(text) or (is_upper_line(text) and len(text) > 3):
                break
            elif current and _ADDRESS_RE.match(text):
                break  # a company's address and tax code under its name, not the name
            elif (
                current
                and not current.startswith(_LIST_DASHES)
                and not current.rstrip().endswith(",")
                and text[:1].isupper()
                and len(text) > 50
                and _is_sentence(text)
            ):
                # One addressee on the `Kính gửi` line, then a paragraph of the body with
                # no blank line between (`Bộ Y tế nhận được Công văn số …`); a list of
                # names wrapped after a comma goes on.
                break
            elif current and not current.rstrip().endswith((";", ".")):
                current = f"{current} {text}"
            elif not current and not items:
                current = _drop_lead_noise(text, lines, j)
            else:
                break
        if current:
            items.append(current)
        # `- Phòng Giáo dục huyện X Căn cứ Luật …`: the preamble run on without a line break.
        items = [_INLINE_BODY_RE.split(x, maxsplit=1)[0] for x in items]
        return _entries(items), i + 1
    return [], 0


def _entries(items: list[str]) -> list[str]:
    """The addressees of the lines read: a line naming several, `Sở A; Sở B; UBND các huyện`,
    gives each apart, as a dashed list would (ND 30 ends each addressee with `;`). A `;` that
    the next office or office holder does not follow only separates kinds inside one entry
    (`các trường Cao đẳng; Đại học trên địa bàn`)."""
    out: list[str] = []
    for item in items:
        out.extend(v for v in (clean_value(x) for x in _ENTRY_SPLIT_RE.split(item)) if v)
    return out


# The words an addressee starts with: a body (`Sở …`, `UBND …`, `Đoàn …`), an office holder
# (`Chủ tịch …`, `Hiệu trưởng …`), or those named together (`Các …`, `Cha mẹ học sinh`).
_ENTRY_SPLIT_RE = re.compile(
    r";\s*(?=[-–+•]?\s*(?:Sở|Bộ|Ban|Phòng|Văn phòng|Cục|Chi cục|Tổng cục|Ủy ban|Uỷ ban|UBND|"
    r"UBMTTQ|MTTQ|HĐND|Hội|Liên đoàn|Mặt trận|Đảng ủy|Đảng uỷ|Đảng bộ|Huyện ủy|Huyện uỷ|"
    r"Thành ủy|Thành uỷ|Tỉnh ủy|Tỉnh uỷ|Quận ủy|Quận uỷ|Thị ủy|Thị uỷ|Chi bộ|Đoàn|Huyện đoàn|"
    r"Thành đoàn|Tỉnh đoàn|Công đoàn|Chi đoàn|Chi hội|Liên đội|Thường trực|Trường|Trung tâm|"
    r"Viện|Học viện|Bệnh viện|Trạm|Tổ|Công an|Bộ Chỉ huy|Kho bạc|Bảo hiểm|Thanh tra|"
    r"Ngân hàng|Chi nhánh|Công ty|Tổng công ty|Doanh nghiệp|Hợp tác xã|Cơ quan|Đơn vị|Đài|Báo|"
    r"Chủ tịch|Phó Chủ tịch|Bí thư|Giám đốc|Thủ trưởng|Trưởng|Hiệu trưởng|Chánh|Lãnh đạo|"
    r"Cán bộ|Giáo viên|Cha mẹ|Phụ huynh|Các|Quý|Đồng chí|Ông|Bà)\b)"
)


def _telegram_to(line: str) -> re.Match[str] | None:
    """`CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH điện:`, `ĐIỆN:`: the line of a công điện that names its
    sender, in capitals, and opens the list of those it is sent to (ND 30, Phụ lục III)."""
    m = _TELEGRAM_TO_RE.search(line)
    if m is None:
        return None
    sender = line[: m.start()].strip(" ,")
    return m if not sender or is_upper_line(sender) else None


_TELEGRAM_TO_RE = re.compile(r"(?:^|(?<=[\s,]))(?:điện|ĐIỆN|Điện)\s*:")
_TELEGRAM_ALONE_RE = re.compile(r"^\s*(?:điện|ĐIỆN|Điện)\s*:\s*$")


def _telegram_list(lines: list[str], at: int, rest: str) -> list[str]:
    """The recipients under a công điện's `… điện:`: one a line, dashed or not (a web copy
    sets a blank line after each), a line that ends in a comma or one in lower case going on
    the entry above; the list ends with the entry that ends in a full stop, or where the body
    starts."""
    items: list[str] = [rest] if rest.strip() else []
    dashed = False
    for j in range(at + 1, min(len(lines), at + 40)):
        text = collapse(lines[j])
        if not text or not letters(text):
            continue
        last = items[-1].rstrip() if items else ""
        if last.endswith("."):
            break
        if text.startswith(_LIST_DASHES):
            dashed = True
            items.append(text)
        elif _SUBJECT_STOP_RE.match(text) or is_upper_line(text) or text.endswith(":"):
            break  # not BODY_START_RE: its `Chủ tịch`, `UBND` open a recipient here
        elif last and (last.endswith(",") or text[:1].islower()):
            items[-1] = f"{last} {text}"
        elif dashed or len(text) > 100 or (_is_sentence(text) and len(text) > 60):
            break  # a paragraph of the body under the list
        else:
            items.append(text)
        if len(items) > 20:
            break
    return _entries(items)


# The marks a list line starts with; web copies often type an en dash.
_LIST_DASHES = ("-", "–", "+", "•")
_INLINE_BODY_RE = re.compile(r"\s+(?=Căn cứ\s)")


def _is_sentence(text: str) -> bool:
    """A line of running text rather than a list of names: most of its words are in lower
    case (`Bộ Y tế nhận được Công văn số …`, not `Ngãi, Gia Lai, Đắk Lắk, Khánh Hòa`)."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and sum(w[:1].islower() for w in words) >= 0.4 * len(words)


_ADDRESS_RE = re.compile(r"^\(?\s*(?:Đ/c|Địa chỉ|MST|Mã số thuế)\b")


def _drop_lead_noise(text: str, lines: list[str], index: int) -> str:
    """`D QiẦU Ôi Ô - Bộ trưởng, …` → `- Bộ trưởng, …` when a dashed list follows: OCR noise
    (an incoming stamp over `Kính gửi`) before the first entry."""
    dash = re.search(r"\s[-–]\s(?=[A-ZĐÀ-Ỹ])", text)
    if (
        dash
        and not text.lstrip().startswith(("-", "–"))
        and _next_nonblank(lines, index).startswith(("-", "–"))
    ):
        return text[dash.start() :].strip()
    return text


def _next_nonblank(lines: list[str], index: int) -> str:
    for line in lines[index + 1 : index + 4]:
        if line.strip():
            return line.strip()
    return ""
