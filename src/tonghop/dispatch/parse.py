"""Text of an administrative document → the fields of `tonghop.dispatch/1` (corpus/SCHEMA.md).

`parse_text` runs the header, body and foot readers and then the checks. It never raises on bad
input: empty, binary or enormous text gives a dict with every key, null or empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from .body import (
    Dated,
    Reference,
    find_deadlines,
    find_periods,
    find_references,
    flatten,
    is_reporting_window,
)
from .checks import Finding, finding, spelling, vn
from .confidence import Evidence, field_confidence
from .crops import NumberVote
from .footer import looks_like_name, parse_footer, repair_surname
from .header import Header, parse_header, unflatten_header
from .layout import Regions, apply_footer, apply_header
from .ocrfix import fix_ocr
from .patterns import MOTTO_RE, NUMBER_RE
from .places import is_place
from .stamps import VIETNAM, signature_times
from .stripped import restore_layout_words
from .symbols import fits, repair_symbol
from .textutil import cells, clean_value, fold, is_upper_line, prepare

SCHEMA = "tonghop.dispatch/1"
MAX_CHARS = 600_000

# The body names the issuer when the header is lost: `Phòng Văn hóa, Khoa học và Thông tin
# đề nghị các đơn vị ...`.
_ISSUER_IN_BODY_RE = re.compile(
    r"(?:^|[.;:]\s+|,\s+)(?P<org>(?:Phòng|Sở|Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Bộ|Cục|Chi cục|"
    r"Ban|Văn phòng|Trung tâm|Trường|Công an|Thanh tra|Viện|Tổng cục)\s[^.;:]{2,90}?)\s+"
    r"(?:trân trọng\s+|kính\s+|xin\s+)?"
    r"(?:đề nghị|thông báo|yêu cầu|hướng dẫn|đề xuất|mời|báo cáo)\b"
)


def parse_text(
    text: str,
    *,
    source: str = "",
    signatures: list[dict[str, object]] | None = None,
    ocr: bool = False,
    rereads: Sequence[str] = (),
    regions: Regions | None = None,
    number_vote: NumberVote | None = None,
) -> dict[str, object]:
    """The fields of one document, every schema key present.

    `signatures` are the PDF's embedded signatures (SCHEMA `signatures`); `ocr` says the text
    came from OCR, so that the usual misreadings of names are repaired in the values;
    `rereads` are the header of a scan OCR'd again, checked against the number and date;
    `regions` are a text PDF's header and foot cut by glyph positions (`layout.py`);
    `number_vote` is a scan's number box read again (`crops.py`), which the number read from
    the header must match to be kept."""
    full = prepare(text or "")
    # An administrative document is rarely over 200 kB of text; beyond MAX_CHARS the rest is
    # searched for signature stamps only, so that any input returns within seconds. The words a
    # copy without Vietnamese letters lost are put back in the part read, not in the rest.
    analysed = full[:MAX_CHARS]
    text = restore_layout_words(analysed)
    letters_lost = text != analysed
    lines = unflatten_header(text.split("\n"))
    head = parse_header(lines)
    if regions:
        apply_header(head, regions)
    agreed = _reconcile(head, rereads) if rereads else None
    # A scan's number is kept only when the readings of its own box give the same digits.
    unconfirmed = None
    number_checked = False
    if ocr and number_vote is not None and head.number is not None:
        if number_vote.value == head.number:
            number_checked = True
        else:
            unconfirmed, head.number = head.number, None
    main = lines[: _main_document_end(lines, head)]
    foot = parse_footer(main, head.body_start, head.place, ocr=ocr)
    if regions:
        apply_footer(foot, regions, head.place, ocr=ocr)
    flat = flatten(main)
    times = signature_times(flatten(lines) if len(full) <= MAX_CHARS else full)
    sigs = list(signatures or [])
    findings: list[Finding] = []

    issued = date.fromisoformat(head.issued_on) if head.issued_on else None
    inferred = dropped = False
    signed = _earliest([*times, *(str(s.get("signed_at")) for s in sigs if s.get("signed_at"))])
    first = signed.date() if signed is not None else None
    if ocr and issued is not None and first is not None and issued > first:
        # A document is dated no later than it is signed: an OCR day after the signing time
        # is a misreading (`ngày 21` for `ngày 20`), and no day is better than a wrong one.
        issued, dropped = None, True
    # Without a readable day the earliest signing time stands in (SCHEMA:
    # `issue-date-inferred`). On a scan whose date line was read but not its handwritten day
    # this is a guess, doubted and explained: see _paper_day.
    guessed = False
    on_line = (head.year, head.month or first.month) if first is not None else None
    if (
        issued is None
        and signed is not None
        and first is not None
        and (not ocr or head.year is None or on_line == (first.year, first.month))
    ):
        # A guess only where the signing time agrees with the month and year printed on the
        # date line: a scan signed in January is no guide to a day of December.
        issued, inferred = first, True
        guessed = ocr and head.year is not None
        if guessed:
            issued = _paper_day(signed, on_line)
    year = issued.year if issued else head.year or _year_of(times)

    own = (head.number, head.symbol) if head.number and head.symbol else None
    references = find_references(flat, own, year)
    if ocr:
        references = _repaired_references(references)
    # Windows and deadlines are the body's; what follows `Nơi nhận` is the signer block,
    # footnotes and annexes, whose schedules are not this document's requests.
    body = flat if foot.heading_line is None else flatten(main[: foot.heading_line])
    periods, spans = find_periods(body, year)
    deadlines = find_deadlines(body, year, spans)

    issuer, parent = head.issuer, head.issuer_parent
    if issuer is None:
        m = _ISSUER_IN_BODY_RE.search(flat[:5000])
        if m:
            issuer = clean_value(m.group("org"))
    doc_type = head.doc_type
    if doc_type is None and any(ch.isalpha() for ch in flat[:5000]):
        # ND 30: a document without a type name is a công văn.
        doc_type = "Công văn"

    fix = fix_ocr if ocr else _same
    # OCR misreadings of a symbol are undone by its grammar; a typed symbol stays as written.
    symbol = repair_symbol(fix(head.symbol)) if ocr else head.symbol
    cleaned_subject = _without_header_line(head.subject, head.place)
    subject = fix(cleaned_subject)
    # The certificate names the signer exactly; the printed name may be OCR-damaged or missing.
    certified = _person_who_signed(sigs)
    printed = repair_surname(foot.name) if ocr else foot.name
    name = certified or printed
    evidence = Evidence(
        ocr=ocr,
        number_problems=bool(head.number_problems),
        symbol_fits=symbol is None or fits(symbol),
        symbol_repaired=symbol != fix(head.symbol),
        date_inferred=inferred,
        date_guessed=guessed,
        date_dropped=dropped,
        doc_type_from_heading=head.doc_type is not None,
        subject_cleaned=cleaned_subject != head.subject,
        name_certified=certified is not None,
        name_repaired=printed != foot.name,
        name_disagrees=bool(certified and printed and fold(certified) != fold(printed)),
        number_agreed=number_checked or (agreed is not None and agreed[0]),
        date_agreed=agreed is not None and agreed[1],
    )

    # Findings about the number, the date, the dates in the body, and the words.
    if unconfirmed is not None and number_vote is not None:
        readings = ", ".join(f"“{value}”" for value, _n in number_vote.counts if value)
        findings.append(
            finding(
                "number-illegible",
                "warning",
                f"Số văn bản trên bản quét (viết tay hoặc đóng dấu) không đọc được chắc chắn: "
                f"lần đọc đầu được “{unconfirmed}”, đọc lại vùng số được {readings or 'không rõ'}"
                ". Cần nhập số theo bản gốc.",
                unconfirmed,
            )
        )
    elif head.number is None and any(ch.isalpha() for ch in flat[:2000]):
        message = "Không tìm thấy số, ký hiệu của văn bản."
        if head.symbol:
            message = f"Văn bản chưa có số hoặc số không đọc được (trước “/{head.symbol}”)."
        findings.append(finding("missing-number", "error", message, head.number_raw))
    for problem in dict.fromkeys(head.number_problems):
        findings.append(
            finding(
                "bad-number-format",
                "warning",
                f"Số, ký hiệu không đúng thể thức Nghị định 30/2020/NĐ-CP: {problem}.",
                head.number_raw,
            )
        )
    if issued is None and any(ch.isalpha() for ch in flat[:2000]):
        message = "Không tìm thấy ngày ban hành của văn bản."
        if head.year:
            known = f"tháng {head.month} năm {head.year}" if head.month else f"năm {head.year}"
            message = f"Ngày ban hành chưa ghi ngày (chỉ có {known})."
            if ocr:
                message = (
                    f"Ngày viết tay trên bản quét không đọc được chắc chắn (chỉ đọc được "
                    f"{known}): cần đối chiếu bản gốc."
                )
        findings.append(finding("missing-issue-date", "error", message, None))
    elif inferred and issued is not None:
        message = f"Ngày ban hành {vn(issued)} được suy ra từ thời gian ký số sớm nhất."
        if guessed:
            message = (
                f"Ngày ban hành viết tay trên bản quét không đọc được; tạm lấy ngày ký số "
                f"{vn(issued)}. Văn bản giấy thường đề ngày sớm hơn ngày ký số một ngày: cần "
                "đối chiếu bản gốc."
            )
            if first is not None and issued != first:
                message = (
                    f"Ngày ban hành viết tay trên bản quét không đọc được; bản quét được ký số "
                    f"buổi sáng ngày {vn(first)}, nên tạm lấy ngày làm việc trước đó "
                    f"{vn(issued)}. Cần đối chiếu bản gốc."
                )
        findings.append(
            finding("issue-date-inferred", "warning" if guessed else "info", message, None)
        )
    if issued is not None:
        findings.extend(_date_findings(issued, periods, deadlines, references))
    if letters_lost:
        findings.append(
            finding(
                "letters-lost",
                "warning",
                "Bản sao này mất hết chữ có dấu tiếng Việt (mất khi chuyển đổi hoặc gõ không "
                "dấu): số, ngày và tên được giữ như bản sao ghi, cần đối chiếu bản gốc.",
                None,
            )
        )
    else:
        findings.extend(spelling(text, ocr=ocr))
    if len(full) > MAX_CHARS:
        findings.append(
            finding(
                "text-truncated",
                "info",
                f"Văn bản dài {len(full):,} ký tự; chỉ {MAX_CHARS:,} ký tự đầu được phân tích.",
                None,
            )
        )

    result: dict[str, object] = {
        "schema": SCHEMA,
        "source": source,
        "doc_type": doc_type,
        "number": head.number,
        "symbol": symbol,
        "issuer": fix(issuer),
        "issuer_parent": fix(parent),
        "place": head.place,
        "issued_on": issued.isoformat() if issued else None,
        "subject": subject,
        "addressees": [fix(a) or a for a in head.addressees],
        "references": [r.as_dict() for r in references],
        "deadlines": [
            {"date": d.isoformat(), "inclusive": inc, "text": phrase}
            for d, inc, phrase, _ in deadlines
        ],
        "periods": [
            {"start": p.start.isoformat(), "end": p.end.isoformat(), "text": p.text}
            for p in periods
        ],
        "recipients": [fix(r) or r for r in foot.recipients],
        "signer": {"authority": foot.authority, "title": fix(foot.title), "name": name},
        "signature_times": times,
        "signatures": sigs,
        "findings": findings,
    }
    result["confidence"] = field_confidence(result, evidence)
    return result


_STROKE_DAY_RE = re.compile(r"ngày\s*\d{1,2}\s*[|!]\s*(?:\S+\s+)?tháng", re.IGNORECASE)


def _reconcile(head: Header, rereads: Sequence[str]) -> tuple[bool, bool]:
    """Keep the number and date of a scan only where a second reading of its header does not
    contradict them: a wrong number is worse than none. A reading that is a part of the other
    (`60` and `660`: a stroke lost) gives way to the fuller one. Returns whether number and
    date were confirmed by both readings."""
    number_ok = date_ok = False
    for text in rereads:
        other = parse_header(prepare(text).split("\n"))
        if other.number_raw is not None or other.number is not None:
            mine, theirs = head.number, other.number
            if mine and theirs:
                if mine == theirs:
                    number_ok = True
                elif mine in theirs:
                    head.number = theirs
                elif theirs not in mine:
                    head.number = None  # the readings disagree: say nothing
            elif mine and not theirs:
                head.number = None  # `20M` beside `2044`: the number is not legible
            # A number only the second reading gives is not taken: on the corpus scans such
            # lone readings were fragments of handwriting (`4` for `24`) more often than not.
        if head.issued_on and _STROKE_DAY_RE.search(text):
            # `ngày 3| tháng`: a stroke beside a handwritten day is a digit half read (`31`).
            head.issued_on = None
        elif head.issued_on and other.issued_on:
            if head.issued_on == other.issued_on:
                date_ok = True
            else:
                head.issued_on = None  # `ngày 21` and `ngày 20`: say nothing
    return number_ok, date_ok


def _repaired_references(references: list[Reference]) -> list[Reference]:
    """References with OCR-damaged symbols repaired; a citation read twice, once damaged
    (`2024/QHI15` and `2024/QH15`), is listed once with what each reading gave."""
    merged: dict[tuple[str, str], Reference] = {}
    for ref in references:
        symbol = repair_symbol(ref.symbol) or ref.symbol
        key = (ref.number, symbol)
        old = merged.get(key)
        if old is None:
            merged[key] = Reference(ref.number, symbol, ref.date, ref.issuer)
        else:
            merged[key] = Reference(
                old.number, symbol, old.date or ref.date, old.issuer or ref.issuer
            )
    return list(merged.values())


def _same(value: str | None) -> str | None:
    return value


# The place-and-date line OCR or a two-column layout wove into the subject:
# `kế hoạch Hà Nội, ngày đầu tư công`, `… Lâm Đồng, ngày 20 tháng 5 năm 2025 …`.
_DATE_LINE_IN_TEXT_RE = re.compile(
    r"\s*(?<![\w.])(?P<place>(?:[^\W\d_][\w.]*\s+){0,4}[^\W\d_][\w.]*)\s*,\s*ngày\b"
    r"(?:\s*[\d.…_ ]{0,6})?(?:\s*tháng(?:\s*[\d.…_ ]{0,6})?)?(?:\s*năm(?:\s*\d{2,4})?)?"
)


_PLACE_PREPOSITIONS = frozenset({"tại", "ở", "đến", "về", "từ", "của", "cho"})


def _without_header_line(subject: str | None, place: str | None) -> str | None:
    """`subject` without a place-and-date line of the header caught in it; the place must be
    the document's own or a known administrative unit, so `…, ngày …` of a sentence stays."""
    if not subject:
        return subject

    def drop(m: re.Match[str]) -> str:
        before = subject[: m.start()].split()
        words = m.group("place").split()
        for start in range(len(words)):
            tail = words[start:]
            if all(w[:1].isupper() for w in tail) and is_place(" ".join(tail), place):
                previous = words[start - 1] if start else (before[-1] if before else "")
                if previous.lower() in _PLACE_PREPOSITIONS:
                    return m.group(0)  # `Hội nghị tại Hà Nội, ngày 20/5`: the subject's words
                kept = " ".join(words[:start])
                return f" {kept} " if kept else " "
        return m.group(0)

    cleaned = _DATE_LINE_IN_TEXT_RE.sub(drop, subject)
    return clean_value(cleaned) or subject


def _person_who_signed(sigs: list[dict[str, object]]) -> str | None:
    """The signer's name from the first PDF signature whose certificate names a person (the
    seal of a body and the publisher sign with the body's name)."""
    for sig in sigs:
        name = sig.get("signer")
        if isinstance(name, str) and name.isupper():
            name = " ".join(w.capitalize() for w in name.split())  # `NGUYỄN VĂN A`
        if isinstance(name, str) and looks_like_name(name):
            return name
    return None


def _earliest(stamps: list[str]) -> datetime | None:
    """The earliest of the signing times, in Vietnam's time."""
    moments: list[datetime] = []
    for stamp in stamps:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VIETNAM)
        moments.append(moment.astimezone(VIETNAM))
    return min(moments) if moments else None


# A scan signed before noon was most often put on paper the working day before: the leader
# signs the paper and dates it by hand, and the clerk scans it and signs it digitally when it
# is issued, the next morning. On the corpus's scans whose handwritten day could not be read,
# every scan signed in the morning (4) was dated the day before, and 4 of the 5 signed in the
# afternoon or evening were dated that same day.
PAPER_SIGNED_BEFORE = 12  # hour


def _paper_day(signed: datetime, on_line: tuple[int | None, int] | None) -> date:
    """The likeliest date written by hand on a scan signed digitally at `signed`: that day,
    or, when signed in the morning, the working day before (Saturday and Sunday skipped) if
    it is still in the month and year the date line prints."""
    day = signed.date()
    if signed.hour >= PAPER_SIGNED_BEFORE:
        return day
    before = day - timedelta(days=1)
    while before.weekday() >= 5:
        before -= timedelta(days=1)
    if on_line is not None and (before.year, before.month) != on_line:
        return day
    return before


def _year_of(times: list[str]) -> int | None:
    first = _earliest(times)
    return first.year if first else None


def _date_findings(
    issued: date,
    periods: list[Dated],
    deadlines: list[tuple[date, bool, str, str]],
    references: list[Reference],
) -> list[Finding]:
    out: list[Finding] = []
    for p in periods:
        reporting = is_reporting_window(p.context)
        if p.start.year != issued.year and p.end.year != issued.year and not reporting:
            out.append(
                finding(
                    "period-year-mismatch",
                    "warning",
                    f"Khoảng thời gian {vn(p.start)} – {vn(p.end)} không cùng năm với ngày "
                    f"ban hành {vn(issued)}; có thể gõ nhầm năm.",
                    p.text,
                )
            )
        if p.end < issued and not reporting:
            out.append(
                finding(
                    "period-before-issue",
                    "warning",
                    f"Khoảng thời gian kết thúc ngày {vn(p.end)}, trước ngày ban hành "
                    f"{vn(issued)}.",
                    p.text,
                )
            )
    for when, _inclusive, phrase, _ in deadlines:
        if when < issued:
            out.append(
                finding(
                    "deadline-before-issue",
                    "warning",
                    f"Thời hạn {vn(when)} đã qua so với ngày ban hành {vn(issued)}.",
                    phrase,
                )
            )
        if when.year != issued.year and (when < issued or when - issued > timedelta(days=366)):
            out.append(
                finding(
                    "period-year-mismatch",
                    "warning",
                    f"Thời hạn {vn(when)} không cùng năm với ngày ban hành {vn(issued)}; "
                    "có thể gõ nhầm năm.",
                    phrase,
                )
            )
    for ref in references:
        if ref.date and ref.date > issued.isoformat():
            out.append(
                finding(
                    "reference-after-issue",
                    "warning",
                    f"Văn bản số {ref.number}/{ref.symbol} được dẫn với ngày {vn(ref.date)}, "
                    f"sau ngày ban hành {vn(issued)}.",
                    f"{ref.number}/{ref.symbol}",
                )
            )
    return out


def _main_document_end(lines: list[str], head: Header) -> int:
    """Where an attached document of another body starts (its own header with the national
    motto and a `Số:` line, or another issuer); an annex of the same issuer (a Quy chế issued
    with a Quyết định) stays part of the document."""
    issuer = fold(head.issuer or "")
    # Not before the end of the document's own header, even when no subject was found.
    for i in range(max(head.body_start + 5, head.header_end + 1), len(lines)):
        motto = MOTTO_RE.search(lines[i])
        if motto is None:
            continue
        if any(NUMBER_RE.search(ln) for ln in lines[i : i + 6]):
            return i
        own = lines[i][: motto.start()].strip(" |_\t")
        if not own:
            for back in range(i - 1, max(i - 4, 0), -1):
                parts = cells(lines[back])
                if parts and is_upper_line(parts[0]) and len(parts[0].strip("_ ")) > 2:
                    own = parts[0]
                    break
        if own and issuer and fold(own) not in issuer:
            return i
    return len(lines)
