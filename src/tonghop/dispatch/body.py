"""Citations, deadlines and time windows in the body of a document.

All rules run on the body as one line (`flat`), because citations and dates wrap across lines.
Each regex is anchored on a short literal (`số`, `trước`, `từ`) or a digit, so a scan of a
5 MB text stays linear.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from .dates import Partial, date_pattern, month_end, pick
from .textutil import clean_value, collapse

# A cited document: `542/SKHCN-CN&ĐMST`, `30/2020/NĐ-CP`, `57-NQ/TW` (Party style), and lists
# sharing one symbol, `423, 432, 436/TTg-CĐS`.
# A space before a hyphen (`473/TTr - NN&PTNT`, a typing error) is read past only when an
# abbreviation in capitals follows, as in the header's own number line.
# The year may stand apart from the type (`40/2014/ TT - BNNPTNT`). An abbreviation split by a
# space (`5274/QĐ - BGD ĐT ngày …`, `28/PGD ĐT-VP ngày …`) is one when a date or comma follows
# it, the symbol's further parts included.
_SYM = (
    r"(?:\d{4}\s?/\s?)?[A-ZĐ][\w&.]*"
    r"(?:(?:[-–]\s?|/)[A-ZĐ0-9][\w&.]*|\s[-–]\s?[A-ZĐ0-9][A-ZĐ0-9&]*\b)*"
    r"(?:\s[A-ZĐ]{2,3}(?:[-/][A-ZĐ0-9][A-ZĐ0-9&.]*)*(?=\s*(?:,|ngày\b)))?"
)
REF_RE = re.compile(
    rf"(?<![\w/.\-])(?P<nums>\d{{1,5}}(?:\s?,\s?\d{{1,5}})*)(?:(?P<slash>\s?/\s?)|-)(?P<sym>{_SYM})"
)
_REF_DATE_RE = re.compile(r"^[\s,(]*(?:được\s+)?(?:ban\s+hành\s+)?" + date_pattern("r"))
_REF_OF_RE = re.compile(
    r"^[\s,)]*(?:(?:của|do)\s+)?(?P<iss>(?:liên\s+)?[A-ZĐÀ-Ỹ][^,;.()“”\"]{0,140})"
)
_REF_BEFORE_RE = re.compile(
    r"(?:của|Theo đề nghị của)\s+(?P<iss>[A-ZĐÀ-Ỹ][^,;.()“”\"]{2,100}?)\s+tại\s+"
    r"(?:[\w]+\s+){0,3}(?:số\s*:?\s*)?$"
    r"|(?P<iss2>[A-ZĐÀ-Ỹ][^,;.()“”\"]{2,80}?)\s+(?:đã\s+)?(?:ban\s+hành|có)\s+"
    r"(?:[\w]+\s+){0,3}(?:số\s*:?\s*)?$"
)
_NEXT_REF_RE = re.compile(r"^\s*(?:,|và)\s*(?:số\s*)?\d{1,5}\s?[/-]")
# Lower-case words that end the name of an issuer (`của Chính phủ quy định ...`).
_ISSUER_STOP = frozenset(
    {
        "về",
        "ban",
        "quy",
        "hướng",
        "phê",
        "tại",
        "đã",
        "đề",
        "được",
        "trình",
        "gửi",
        "giao",
        "triển",
        "để",
        "sửa",
        "cho",
        "thì",
        "như",
        "theo",
        "kèm",
        "thực",
        "là",
        "có",
        "với",
        "nay",
        "trong",
        "ngày",
        "số",
        "việc",
        "báo",
        "năm",
        "tháng",
        "nhằm",
        "khi",
        "đối",
        "vào",
        "từ",
        "đến",
        "sau",
        "trước",
        "này",
        "đó",
        "mà",
        "hoặc",
        "nêu",
        "bãi",
        "ký",
        "sẽ",
        "chủ",
        "tổ",
        "bổ",
        "ngay",
        "trên",
        "thuộc",
        "nhưng",
    }
)
_ORG_WORD_RE = re.compile(
    r"^(?:Bộ|Sở|Ủy|Uỷ|UBND|HĐND|Hội|Chính|Thủ|Quốc|Ban|Văn|Cục|Tổng|Viện|Trường|Chủ|Giám|"
    r"Thanh|Công|Tỉnh|Thường|Trung|Kho|Ngân|Tòa|Toà|Phòng|Liên|liên)$"
)

_D1 = date_pattern("s")
_D2 = date_pattern("e")
PERIOD_RE = re.compile(
    r"(?=[TtKk(n\d])(?:"
    rf"(?:\b[Tt]ừ|\b[Kk]ể\s+từ|\([Tt]ừ)\s+(?:ngày\s+)?{_D1}\s*(?:đến|tới|-|–)\s*"
    rf"(?:hết\s+)?(?:ngày\s+)?{_D2}"
    r"|\bngày\s+(?P<rd1>\d{1,2})\s?[-–]\s?(?P<rd2>\d{1,2})/(?P<rm>\d{1,2})/(?P<ry>\d{4})"
    r"|(?<![\d/])(?P<bd1>\d{1,2})/(?P<bm1>\d{1,2})/(?P<by1>\d{4})\s?[-–]\s?"
    r"(?P<bd2>\d{1,2})/(?P<bm2>\d{1,2})/(?P<by2>\d{4})(?![\d/])"
    r")"
)
# An hour before the day: `trước 17 giờ 00 ngày 20/5/2025`, `chậm nhất 16h30, ngày 05/6/2025`;
# the minutes' mark may be typed as a typographic apostrophe (`10h00’`).
_HOUR = r"(?:\d{1,2}\s?(?:giờ|h|g)(?:\s?\d{1,2}(?:\s?phút|['’′])?)?(?:\s+(?:sáng|chiều))?,?\s+)?"
DEADLINE_RE = re.compile(
    # The lookahead lets the engine reject most positions on their first character.
    r"(?=[TtCcHhĐđKkVv])(?:"
    rf"(?P<ex>\b[Tt]rước\s+{_HOUR}(?:ngày\s+)?){date_pattern('x')}"
    rf"|(?P<inc>\b(?:[Cc]hậm\s+nhất|[Hh]ạn\s+chót|[Hh]ạn\s+cuối|[Đđ]ến\s+hết|"
    rf"[Kk]hông\s+(?:muộn\s+hơn|quá))"
    rf"(?:\s+(?:là|vào|đến|trước|lúc))*\s+{_HOUR}(?:ngày\s+)?){date_pattern('i')}"
    rf"|(?P<day>\b[Tt]rong\s+(?=ngày)){date_pattern('t')}"
    # `gửi về Phòng … vào thứ Năm ngày 27/02/2014`: a day to send by (see _SEND_RE).
    rf"|(?P<on>\b[Vv]ào\s+(?:(?!ngày\b)[^\s.;:,]+\s+){{0,4}}ngày\s+){date_pattern('o')}"
    r"|(?P<month>\b[Tt]rong\s+tháng\s+)(?P<mm>\d{1,2})\s?(?:/|năm)\s?(?P<my>\d{4})"
    r")"
)
_COMPLETE_RE = re.compile(r"hoàn thành|gửi|nộp|trình|ban hành|xong|kết thúc|hoàn tất")
# `vào … ngày X` is a deadline only after a verb of sending in its sentence: a report sent
# `vào ngày X` is due that day, while a meeting held `vào ngày X` is an event, not a deadline.
_SEND_RE = re.compile(r"\b(?:gửi|nộp)\b", re.I)
# Words that show a past window is a reporting window chosen on purpose.
_REPORTING_RE = re.compile(
    r"(?:tính|lũy kế|luỹ kế|kỳ báo cáo|kỳ đánh giá|kỳ thống kê|số liệu|báo cáo|thống kê)", re.I
)


@dataclass(frozen=True, slots=True)
class Reference:
    number: str
    symbol: str
    date: str | None
    issuer: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "symbol": self.symbol,
            "date": self.date,
            "issuer": self.issuer,
        }


def flatten(lines: list[str]) -> str:
    return collapse(" ".join(lines))


def _key(number: str, symbol: str) -> str:
    # A citation typed once without its hyphen (`2769/UBNDNCKSTTHC`) or its `&` is still
    # the same document.
    return f"{number.lstrip('0') or '0'}/{_SYMBOL_PUNCT_RE.sub('', symbol.upper())}"


# `TT-BGD&ĐT` and `TT-BGDĐT` name the same ministry: a citation spelt both ways is one.
_SYMBOL_PUNCT_RE = re.compile(r"[-.&\s]")


def find_references(flat: str, own: tuple[str, str] | None, year: int | None) -> list[Reference]:
    found: dict[str, Reference] = {}
    pending: list[tuple[str, str]] = []
    own_key = _key(*own) if own else None
    for m in REF_RE.finditer(flat):
        # `150/KH – BCĐ`: an en dash typed for the hyphen, with spaces, is the same symbol.
        symbol = re.sub(r"\s+", "", m.group("sym")).rstrip(".").replace("–", "-")
        if re.search(r"S[ốôó]\s*:\s*\S*\s*$", flat[max(0, m.start() - 12) : m.start()]):
            continue  # the document's own number line
        if m.group("slash") is None and "/" not in symbol:
            continue  # `12-KH` is no Party citation; only `57-NQ/TW` is
        if sum(ch.isupper() for ch in symbol) < 2:
            continue
        numbers = [n.strip() for n in m.group("nums").split(",")]
        after = flat[m.end() : m.end() + 200]
        when: str | None = None
        rest = after
        dm = _REF_DATE_RE.match(after)
        if dm:
            part = pick(dm, "r")
            resolved = part.resolve(year) if part else None
            when = resolved.isoformat() if resolved else None
            rest = after[dm.end() :]
        issuer = _issuer_after(rest, explicit=dm is not None)
        if issuer is None:
            issuer = _issuer_before(flat[max(0, m.start() - 160) : m.start()])
        keys = [(n, symbol) for n in numbers]
        if when is None and issuer is None and _NEXT_REF_RE.match(after):
            pending.extend(keys)  # `1743/QĐ-BGTVT, 1744/QĐ-BGTVT ngày ... của ...`
            continue
        for number, sym in [*pending, *keys]:
            _merge(found, own_key, Reference(number, sym, when, issuer))
        pending = []
    for number, sym in pending:
        _merge(found, own_key, Reference(number, sym, None, None))
    return list(found.values())


def _merge(found: dict[str, Reference], own_key: str | None, ref: Reference) -> None:
    key = _key(ref.number, ref.symbol)
    if key == own_key:
        return
    old = found.get(key)
    if old is None:
        found[key] = ref
    else:
        # Keep the fullest form: hyphens as ND 30 writes them, a date, an issuer.
        symbol = ref.symbol if ref.symbol.count("-") > old.symbol.count("-") else old.symbol
        found[key] = Reference(old.number, symbol, old.date or ref.date, old.issuer or ref.issuer)


def _issuer_after(text: str, *, explicit: bool) -> str | None:
    m = _REF_OF_RE.match(text)
    if m is None:
        return None
    head = text[: m.start("iss")]
    if "của" not in head and "do" not in head:
        # Without `của`, only a body name right after the date counts (`ngày 14/4/2017 Bộ Y tế`).
        first = m.group("iss").split(" ", 1)[0]
        if not explicit or not _ORG_WORD_RE.match(first):
            return None
    return _trim_issuer(m.group("iss"))


def _issuer_before(text: str) -> str | None:
    m = _REF_BEFORE_RE.search(text)
    if m is None:
        return None
    raw = m.group("iss") or m.group("iss2") or ""
    # Keep only the last clause: `Ngày 08/10/2024, Chính phủ ban hành ...`.
    return _trim_issuer(raw.split(",")[-1])


_DOCUMENT_WORDS = frozenset(
    {
        "Công văn",
        "Quyết định",
        "Kế hoạch",
        "Báo cáo",
        "Thông báo",
        "Nghị quyết",
        "Nghị định",
        "Chỉ thị",
        "Hướng dẫn",
        "Tờ trình",
        "Thông tư",
        "Văn bản",
        "Chương trình",
        "Kết luận",
    }
)
# The second half of a ministry's or a Sở's name, which a body may write in lower case
# (`Bộ nông nghiệp và phát triển nông thôn`): `và` before it does not end the name.
_MINISTRY_TAILS = frozenset(
    {
        "phát triển",
        "đầu tư",
        "đào tạo",
        "môi trường",
        "du lịch",
        "công nghệ",
        "xã hội",
        "truyền thông",
    }
)
_UNIT_WORDS = frozenset({"tỉnh", "phố", "huyện", "quận", "xã", "phường", "trấn", "khu"})


def _trim_issuer(raw: str) -> str | None:
    words = raw.split()
    kept: list[str] = []
    place_named = False  # a unit word and its capitalised name seen: `tỉnh Ninh Bình`
    for i, word in enumerate(words):
        if word in {"-", "–", "—"} or len(kept) >= 14 or word.lower().startswith("kính"):
            break  # `Kính gửi:` of the header, which reading-order text puts after the issuer
        if word == "Căn" and i + 1 < len(words) and words[i + 1] == "cứ":
            break  # the next `Căn cứ …` of a preamble run on without its line break
        if kept and kept[-1].lower() in _UNIT_WORDS and word[:1].isupper():
            place_named = True
        if place_named and word.islower() and word != "và":
            break  # the body's name ends with its place: `Cục Thuế tỉnh Ninh Bình vướng mắc`
        if word.islower() and word != "liên":
            if word == "ban" and kept and kept[-1] in ("Ủy", "Uỷ", "Ban"):
                kept.append(word)  # `Ủy ban nhân dân tỉnh`: `ban` of a body, not `ban hành`
                continue
            if word in _ISSUER_STOP and not (
                word == "triển" and kept and kept[-1] in ("Phát", "phát")
            ):
                break  # `triển khai` ends a name; `Phát triển nông thôn` is part of one
            if (
                word == "và"
                and (i + 1 >= len(words) or words[i + 1].islower())
                and " ".join(words[i + 1 : i + 3]).lower() not in _MINISTRY_TAILS
            ):
                break
            if word == "và" and " ".join(words[i + 1 : i + 3]) in _DOCUMENT_WORDS:
                break  # `… của UBND tỉnh và Công văn số …`: the next citation begins
        kept.append(word)
    value = clean_value(" ".join(kept))
    return value or None


@dataclass(frozen=True, slots=True)
class Dated:
    start: date
    end: date
    text: str
    context: str


def find_periods(flat: str, year: int | None) -> tuple[list[Dated], list[tuple[int, int]]]:
    out: dict[tuple[date, date], Dated] = {}
    spans: list[tuple[int, int]] = []
    for m in PERIOD_RE.finditer(flat):
        start, end = _period_dates(m, year)
        if start is None or end is None or start > end:
            continue
        spans.append(m.span())
        context = flat[max(0, m.start() - 80) : m.start()]
        out.setdefault((start, end), Dated(start, end, clean_value(m.group(0)), context))
    return list(out.values()), spans


def _period_dates(m: re.Match[str], year: int | None) -> tuple[date | None, date | None]:
    g = m.groupdict()
    if g.get("rd1"):
        y, mo = int(g["ry"]), int(g["rm"])
        return (_safe(y, mo, int(g["rd1"])), _safe(y, mo, int(g["rd2"])))
    if g.get("bd1"):
        return (
            _safe(int(g["by1"]), int(g["bm1"]), int(g["bd1"])),
            _safe(int(g["by2"]), int(g["bm2"]), int(g["bd2"])),
        )
    first, second = pick(m, "s"), pick(m, "e")
    if first is None or second is None:
        return None, None
    end = second.resolve(year)
    if end is None:
        return None, None
    start = first.resolve(end.year)
    if start is not None and first.year is None and start > end:
        start = Partial(first.day, first.month, end.year - 1).resolve(None)
    return start, end


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_deadlines(
    flat: str, year: int | None, masked: list[tuple[int, int]]
) -> list[tuple[date, bool, str, str]]:
    out: dict[tuple[date, bool], tuple[date, bool, str, str]] = {}
    starts = [a for a, _ in masked]
    for m in DEADLINE_RE.finditer(flat):
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < masked[k][1]:
            continue  # inside a window: `từ ngày … đến hết ngày …`
        when: date | None
        if m.group("on") and not _SEND_RE.search(
            re.split(r"[.;!?]\s", flat[max(0, m.start() - 160) : m.start()])[-1]
        ):
            continue
        if m.group("month"):
            # `hoàn thành trong tháng 5/2026` is a deadline; `kết quả trong tháng 01/2025` is not.
            if not _COMPLETE_RE.search(flat[max(0, m.start() - 50) : m.start()]):
                continue
            when = month_end(int(m.group("my")), int(m.group("mm")))
            inclusive = True
        else:
            part = pick(m, "x") or pick(m, "i") or pick(m, "t") or pick(m, "o")
            when = part.resolve(year) if part else None
            inclusive = m.group("ex") is None and "trước" not in m.group(0)
        if when is None:
            continue
        # The phrase: the deadline and the few words before it in its clause.
        lead = flat[max(0, m.start() - 80) : m.start()]
        pieces = re.split(r"[.;:!?(),]", lead)
        words = pieces[-1].split()
        if len(pieces) == 1 and m.start() > 80:
            words = words[1:]  # the window may have cut its first word
        lead_words = words[-10:]
        text = clean_value(" ".join([*lead_words, m.group(0)]))
        out.setdefault(
            (when, inclusive), (when, inclusive, text, flat[max(0, m.start() - 80) : m.start()])
        )
    return list(out.values())


def is_reporting_window(context: str) -> bool:
    """True when the clause before a past window says it is a reporting or statistics period."""
    clause = re.split(r"[.;!?]\s", context[-80:])[-1]
    return _REPORTING_RE.search(clause) is not None
