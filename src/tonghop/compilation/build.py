"""From a campaign's reports to the description of its consolidated report (Báo cáo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import timezone

from tonghop.campaigns.kinds import IndicatorKind, format_value
from tonghop.campaigns.models import Campaign
from tonghop.campaigns.values import format_number, to_number
from tonghop.compilation.citations import DIRECTIVE, RELAY, Citation, citations_for
from tonghop.compilation.layout import (
    Block,
    Chart,
    OfficialDocument,
    Paragraph,
    Section,
    Signer,
    Table,
    appendix_label,
    clean_text,
)
from tonghop.compilation.totals import (
    IndicatorInfo,
    IndicatorTotal,
    Totals,
    UnitRow,
    compute_totals,
)
from tonghop.orgs.models import Role, UnitKind
from tonghop.reports.models import Report, State

# The groups the office reads its units by, in the order a district report lists them.
GROUP_LABELS = {
    UnitKind.COMMUNE: "Xã, thị trấn",
    UnitKind.SCHOOL: "Trường học",
    UnitKind.AGENCY: "Cơ quan, đơn vị",
    UnitKind.OTHER: "Đơn vị khác",
    UnitKind.OFFICE: "Cơ quan",
}


def _date_vi(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def collect(campaign: Campaign) -> tuple[Totals, list[UnitRow], list[str], list[str]]:
    """Totals over submitted and accepted reports; the units missing; the units late."""
    indicators = [
        IndicatorInfo(
            i.code, i.label, i.kind, i.aggregation, i.unit_of_measure, tuple(i.choices or ())
        )
        for i in campaign.indicators.all()
    ]
    # Plain values, not model objects: a province's campaign has 10,000 of each.
    assignments = (
        campaign.assignments.active()
        .order_by("unit__kind", "unit__name")
        .values_list("pk", "state", "submitted_at", "due_at", "unit__name", "unit__kind")
    )
    reports = {
        assignment_id: (values, narrative)
        for assignment_id, values, narrative in Report.objects.filter(
            assignment__campaign=campaign
        ).values_list("assignment_id", "values", "narrative")
    }
    submitted = {State.SUBMITTED, State.ACCEPTED}
    labels: dict[str, str] = {kind.value: GROUP_LABELS[kind] for kind in GROUP_LABELS}
    rows: list[UnitRow] = []
    missing: list[str] = []
    late: list[str] = []
    for pk, state, submitted_at, due_at, name, kind in assignments:
        report = reports.get(pk)
        if state in submitted and report is not None:
            is_late = submitted_at is not None and submitted_at > due_at
            rows.append(
                UnitRow(
                    unit_name=name,
                    group=labels.get(kind, "Đơn vị khác"),
                    values=report[0] or {},
                    narrative=report[1],
                    late=is_late,
                )
            )
            if is_late:
                late.append(name)
        else:
            missing.append(name)
    return compute_totals(indicators, rows), rows, missing, late


def _signer(campaign: Campaign) -> Signer:
    head = campaign.office.memberships.filter(role=Role.HEAD).select_related("user").first()
    name = head.user.display_name() if head else ""
    return Signer(authority=None, authority_of=None, title="TRƯỞNG PHÒNG", name=name)


@dataclass(frozen=True)
class Issue:
    """What issuing adds to a draft: the register's number and the day of signing."""

    number: str
    issued_on: dt.date


# What the draft says where the office's own words are missing: a marked placeholder the head
# sees, never a sentence of praise the figures may contradict.
ASSESSMENT_PLACEHOLDER = (
    "[Chưa có nhận xét, đánh giá của cơ quan: chuyên viên nhập phần đánh giá chung "
    "(ưu điểm, hạn chế, nguyên nhân) trước khi trình ký.]"
)
PROPOSALS_PLACEHOLDER = "[Chưa có kiến nghị, đề xuất: chuyên viên nhập trước khi trình ký.]"
HIGHLIGHTS = 6
TOP_UNITS = 3
# Answers in words from more units than this are counted in the body and listed in an appendix.
SHORT_LIST = 5
NAMES_IN_TEXT = 30
# Figures side by side in one table: about six fit across a portrait page (four keeps the
# group tables of the report readable), eight across the landscape pages of the appendix
# (its figure columns then stay wide enough for a total like "447.164,41" in bold 13 pt).
COLUMNS_PER_TABLE = 4
COLUMNS_PER_LANDSCAPE_TABLE = 8


def _chunks[T](items: list[T], most: int) -> list[list[T]]:
    """``items`` in as few tables of at most ``most`` as possible, balanced (8, 7, 7, 7 rather
    than 8, 8, 8, 5), the way a clerk continues a table on the next sheet."""
    count = -(-len(items) // most)
    size, extra = divmod(len(items), count) if count else (0, 0)
    out, start = [], 0
    for k in range(count):
        end = start + size + (k < extra)
        out.append(items[start:end])
        start = end
    return out


def _intro(citations: list[Citation], office_name: str) -> str:
    """The opening paragraph: the documents the report answers, each cited in full the first
    time (ND 30 PL I, II.6.b: type, number and symbol, date, issuer, subject), the office's own
    relaying letter as what it did, then what follows."""
    above = [c.sentence() for c in citations if c.role == DIRECTIVE]
    relayed = [c for c in citations if c.role == RELAY]
    parts = []
    if above:
        parts.append("Thực hiện " + "; ".join(above))
    for letter in relayed:
        own = replace(letter, issuer="" if letter.issuer == office_name else letter.issuer)
        parts.append(
            f"{office_name} đã ban hành {own.sentence()}, đề nghị các đơn vị triển khai thực hiện"
        )
    if not parts:
        return f"{office_name} báo cáo kết quả thực hiện như sau:"
    return "; ".join(parts) + f". {office_name} báo cáo kết quả thực hiện như sau:"


def _names(names: list[str], where: str = " (danh sách tại Phụ lục)") -> str:
    if len(names) <= NAMES_IN_TEXT:
        return ", ".join(names)
    shown = ", ".join(names[:NAMES_IN_TEXT])
    return f"{shown} và {format_number(len(names) - NAMES_IN_TEXT)} đơn vị khác{where}"


def _paragraphs(text: str) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(line.strip()) for line in text.splitlines() if line.strip())


def _charts(campaign: Campaign, totals: Totals) -> list[Block]:
    """The main figures as bars, one chart per unit of measure (cái and lượt người never share
    an axis), and how many units of each group reported."""
    charts: list[Block] = []
    summed = [
        t
        for t in totals.totals
        if t.indicator.is_numeric and t.indicator.aggregation == "sum" and t.value is not None
    ]
    by_unit: dict[str, list[IndicatorTotal]] = {}
    for t in summed:
        by_unit.setdefault(t.indicator.unit_of_measure.strip(), []).append(t)
    for unit, group in by_unit.items():
        charts.append(
            Chart(
                # The chart prints "(Đơn vị tính: …)" under its title.
                title="Tổng số theo chỉ tiêu",
                labels=tuple(t.indicator.label for t in group),
                values=tuple(float(t.value or 0) for t in group),
                unit=unit,
            )
        )
    from tonghop.reports.dashboard import by_group

    groups = by_group(campaign)
    if groups:
        charts.append(
            Chart(
                title="Tỷ lệ đơn vị đã báo cáo theo nhóm",
                labels=tuple(g.label for g in groups),
                values=tuple(float(g.figures.reporting_percent) for g in groups),
                unit="%",
            )
        )
    return charts


# Kinds whose answer is short enough for a column of the per-unit appendix.
SHORT_ANSWER_KINDS = frozenset(
    {IndicatorKind.YES_NO, IndicatorKind.CHOICE, IndicatorKind.DATE, IndicatorKind.FILE}
)


def _appendix_total(total: IndicatorTotal) -> str:
    """The appendix's total for a column: the sum (or average) of a figure, the units answering
    "Có", the files; nothing under choices and dates, which do not add up."""
    info = total.indicator
    if info.is_numeric:
        return format_number(total.value)
    if total.value is None:
        return ""
    if info.mode == "yes":
        return f"{format_number(total.value)} Có"
    if info.mode == "files":
        return f"{format_number(total.value)} tệp"
    return ""


def percent_vi(part: int, whole: int) -> str:
    """A share as Vietnamese write it: one decimal after a comma, none when whole ("67,9%",
    "100%")."""
    if not whole:
        return "0%"
    share = (Decimal(100) * part / whole).quantize(Decimal("0.1"))
    text = format_number(share.normalize() if share == share.to_integral() else share)
    return f"{text.removesuffix(',0')}%"


@dataclass(frozen=True)
class Status:
    """Who reported, on time or late, who has not, and whose report was sent back."""

    rows: list[UnitRow]
    missing: list[str]
    late: list[str]
    returned: list[str]

    @property
    def expected(self) -> int:
        return len(self.rows) + len(self.missing)

    @property
    def on_time(self) -> int:
        return len(self.rows) - len(self.late)


def _returned(campaign: Campaign) -> list[str]:
    return list(
        campaign.assignments.active()
        .filter(state=State.RETURNED)
        .order_by("unit__kind", "unit__name")
        .values_list("unit__name", flat=True)
    )


def _status_section(status: Status, list_label: str | None) -> Section:
    """I: how many units were asked, how many reported (on time, late), who has not, whose
    report was returned for correction; every figure counted from the assignments."""
    expected, reported = status.expected, len(status.rows)
    where = f" (danh sách tại {list_label})" if list_label else ""
    blocks: list[Block] = []
    if not expected:
        blocks.append(Paragraph("Chưa có đơn vị nào được giao thực hiện."))
        return Section("I. TÌNH HÌNH TRIỂN KHAI VÀ BÁO CÁO CỦA CÁC ĐƠN VỊ", tuple(blocks))
    first = (
        f"Tổng số đơn vị được giao: {format_number(expected)}; đã báo cáo: "
        f"{format_number(reported)}/{format_number(expected)} đơn vị "
        f"({percent_vi(reported, expected)})"
    )
    if reported:
        first += f", trong đó {format_number(status.on_time)} đơn vị báo cáo đúng hạn"
        if status.late:
            first += f", {format_number(len(status.late))} đơn vị báo cáo chậm so với thời hạn"
    blocks.append(Paragraph(first + "."))
    if status.missing:
        blocks.append(
            Paragraph(
                f"Các đơn vị chưa báo cáo ({format_number(len(status.missing))}): "
                f"{_names(status.missing, where)}."
            )
        )
    else:
        blocks.append(Paragraph("Tất cả các đơn vị đã gửi báo cáo."))
    if status.returned:
        blocks.append(
            Paragraph(
                f"Trong số các đơn vị chưa báo cáo, {format_number(len(status.returned))} đơn vị "
                f"có báo cáo bị trả lại để chỉnh sửa, bổ sung: {_names(status.returned, where)}."
            )
        )
    if status.late:
        blocks.append(
            Paragraph(
                f"Các đơn vị báo cáo chậm ({format_number(len(status.late))}): "
                f"{_names(status.late, where)}."
            )
        )
    return Section("I. TÌNH HÌNH TRIỂN KHAI VÀ BÁO CÁO CỦA CÁC ĐƠN VỊ", tuple(blocks))


def _summary(totals: Totals) -> tuple[Table, list[IndicatorTotal]]:
    """II.1: the table of figures, one row per indicator that adds up; and the answers in
    words (texts, links, dates listed per unit) for II's last part or an appendix."""
    figure_rows = []
    lists: list[IndicatorTotal] = []
    # The table numbers its own rows: indicators listed in words below leave no gap.
    position = 0
    for total in totals.totals:
        info = total.indicator
        if info.mode == "options":
            # A choice: the units answering, then one line per option with its units.
            position += 1
            figure_rows.append((str(position), info.label, "", "", str(total.answered)))
            figure_rows.extend(
                ("", f"- {option}", "đơn vị", format_number(count), "")
                for option, count in total.counts
            )
        elif info.is_numeric or info.mode in ("count", "yes", "files"):
            label, unit = info.label, info.unit_of_measure
            if info.mode == "yes":
                label, unit = f"{label} (số đơn vị trả lời “Có”)", unit or "đơn vị"
            elif info.mode == "files":
                unit = unit or "tệp"
            position += 1
            figure_rows.append(
                (str(position), label, unit, format_number(total.value), str(total.answered))
            )
        elif total.items:
            lists.append(total)
    summary = Table(
        columns=("TT", "Chỉ tiêu", "Đơn vị tính", "Tổng số", "Số đơn vị báo cáo"),
        rows=tuple(figure_rows),
        numeric=(False, False, False, True, True),
    )
    return summary, lists


def _by_group_tables(totals: Totals) -> list[Table]:
    """II.2: the figures per group of units, with the grand total; wider forms are split into
    several tables (see COLUMNS_PER_TABLE)."""
    numeric = [t.indicator for t in totals.totals if t.indicator.is_numeric]
    grand = {t.indicator.code: t for t in totals.totals}
    chunks = [numeric[i : i + COLUMNS_PER_TABLE] for i in range(0, len(numeric), COLUMNS_PER_TABLE)]
    return [
        Table(
            columns=("Nhóm đơn vị", *[i.label for i in chunk]),
            rows=tuple(
                (
                    group,
                    *[
                        format_number(t.value)
                        for t in group_totals
                        if t.indicator.code in {i.code for i in chunk}
                    ],
                )
                for group, group_totals in totals.by_group.items()
            ),
            numeric=(False, *[True for _ in chunk]),
            total_row=("Tổng cộng", *[format_number(grand[i.code].value) for i in chunk]),
        )
        for chunk in chunks
    ]


def _highlights(totals: Totals, rows: list[UnitRow]) -> list[Paragraph]:
    """The results that stand out, chosen by the figures: for each summed figure of the form,
    its total and the units with the most, with their numbers."""
    lines = []
    summed = [
        t
        for t in totals.totals
        if t.indicator.mode == "number" and t.indicator.aggregation == "sum" and t.value
    ]
    for total in summed[:HIGHLIGHTS]:
        info = total.indicator
        figures = []
        for row in rows:
            number = to_number(row.values.get(info.code))
            if number is not None and number > 0:
                figures.append((number, row.unit_name))
        if not figures:
            continue
        figures.sort(key=lambda f: (-f[0], f[1]))
        top = figures[:TOP_UNITS]
        unit = f" {info.unit_of_measure}" if info.unit_of_measure else ""
        named = ", ".join(f"{name} ({_figure(number)})" for number, name in top)
        lines.append(
            Paragraph(
                f"- {info.label}: tổng số {format_number(total.value)}{unit}, "
                f"{format_number(total.answered)} đơn vị báo cáo; nhiều nhất: {named}."
            )
        )
    return lines


def _figure(number: Decimal) -> str:
    return format_number(int(number) if number == number.to_integral() else number)


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The office's latest earlier campaign of the same kind, to compare with: the same form
    (the same indicator codes, each of the same kind), due before this one, whose report was
    compiled (or issued). Only the office's own campaigns: another office's are never read."""
    from tonghop.compilation.models import Compilation, CompilationStatus

    form = set(campaign.indicators.values_list("code", "kind"))
    if not form:
        return None
    compiled = Compilation.objects.filter(status=CompilationStatus.DONE).values("campaign_id")
    candidates = (
        Campaign.objects.filter(
            office_id=campaign.office_id, due_at__lt=campaign.due_at, pk__in=compiled
        )
        .exclude(pk=campaign.pk)
        .order_by("-due_at", "-pk")
        .prefetch_related("indicators")
    )
    for candidate in candidates[:50]:
        if {(i.code, i.kind) for i in candidate.indicators.all()} == form:
            return candidate
    return None


def _change_percent(change: Decimal, before: Decimal) -> str:
    """A change as a share of the earlier figure, one decimal after a comma ("14,3%")."""
    share = (Decimal(100) * abs(change) / before).quantize(Decimal("0.1"))
    return f"{format_number(share).removesuffix(',0')}%"


def _comparison(totals: Totals, campaign: Campaign) -> tuple[Paragraph, ...]:
    """This campaign's summed figures against the previous campaign of the same kind (see
    previous_campaign): up or down by how much, as Vietnamese write it; nothing when there is
    no previous campaign or no figure both have."""
    previous = previous_campaign(campaign)
    if previous is None:
        return ()
    before_totals, _rows, _missing, _late = collect(previous)
    before = {t.indicator.code: t for t in before_totals.totals}
    lines = []
    for total in totals.totals:
        info = total.indicator
        earlier = before.get(info.code)
        if (
            not info.is_numeric
            or info.aggregation != "sum"
            or total.value is None
            or earlier is None
            or earlier.value is None
            or earlier.indicator.unit_of_measure != info.unit_of_measure
        ):
            continue
        now, then = Decimal(total.value), Decimal(earlier.value)
        unit = f" {info.unit_of_measure}" if info.unit_of_measure else ""
        change = now - then
        if change == 0:
            trend = "bằng kỳ trước"
        else:
            word = "tăng" if change > 0 else "giảm"
            share = f" ({_change_percent(change, then)})" if then else ""
            trend = f"{word} {_figure(abs(change))}{unit}{share} so với kỳ trước"
        lines.append(
            Paragraph(f"- {info.label}: {_figure(now)}{unit}, {trend} ({_figure(then)}{unit}).")
        )
    if not lines:
        return ()
    title = f"{previous.title[:1].lower()}{previous.title[1:]}"
    issued = (
        previous.compilations.filter(document__isnull=False)
        .select_related("document")
        .order_by("-issued_at", "-pk")
        .first()
    )
    if issued is not None and issued.document is not None:
        document = issued.document
        title += f", Báo cáo số {document.reference()}"
        if document.issued_on:
            title += f" ngày {_date_vi(document.issued_on)}"
    return (Paragraph(f"Kỳ trước: {title}."), *lines)


def _list_summary(total: IndicatorTotal, label: str) -> Paragraph:
    return Paragraph(
        f"- {total.indicator.label}: {format_number(len(total.items))} đơn vị báo cáo "
        f"(chi tiết tại {label})."
    )


def _list_appendix(lists: list[IndicatorTotal]) -> Section | None:
    """The long answers in words (slogans, lists of people commended), one table each: the
    body only counts them."""
    if not lists:
        return None
    blocks: list[Block] = []
    for total in lists:
        blocks.append(Paragraph(total.indicator.label, bold=True))
        blocks.append(
            Table(
                columns=("TT", "Đơn vị", "Nội dung"),
                rows=tuple(
                    (str(n), unit_name, text)
                    for n, (unit_name, text) in enumerate(total.items, start=1)
                ),
            )
        )
    return Section("NỘI DUNG CỤ THỂ DO CÁC ĐƠN VỊ BÁO CÁO", tuple(blocks))


def _long(lists: list[IndicatorTotal]) -> list[IndicatorTotal]:
    return [t for t in lists if len(t.items) > SHORT_LIST]


def _results_section(
    totals: Totals,
    rows: list[UnitRow],
    labels: dict[str, str],
    lists: list[IndicatorTotal],
    comparison: tuple[Paragraph, ...] = (),
) -> Section:
    """II: the figures, by group when there are groups, the results that stand out by their
    figures, and the answers in words (short ones here, long ones counted and sent to an
    appendix); the parts are numbered as they come, each pointing to its appendix."""
    summary, _lists = _summary(totals)
    units = labels.get("units")
    first = "1. Tổng hợp các chỉ tiêu"
    if units:
        first += f" (số liệu của từng đơn vị tại {units})"
    results: list[Block] = [Paragraph(first, bold=True), summary]
    number = 2
    has_figures = any(t.indicator.is_numeric for t in totals.totals)
    if has_figures and len(totals.by_group) > 1:
        results += [
            Paragraph(f"{number}. Tổng hợp theo nhóm đơn vị", bold=True),
            *_by_group_tables(totals),
        ]
        number += 1
    highlights = _highlights(totals, rows)
    if highlights:
        heading = f"{number}. Một số kết quả nổi bật"
        if labels.get("charts"):
            heading += f" (biểu đồ tại {labels['charts']})"
        results.append(Paragraph(heading, bold=True))
        results += highlights
        number += 1
    if comparison:
        results.append(Paragraph(f"{number}. So sánh với kỳ trước", bold=True))
        results += comparison
        number += 1
    if lists:
        results.append(Paragraph(f"{number}. Nội dung cụ thể", bold=True))
        for total in lists:
            if len(total.items) > SHORT_LIST and labels.get("lists"):
                results.append(_list_summary(total, labels["lists"]))
                continue
            results.append(Paragraph(f"{total.indicator.label}:", bold=True))
            results += [Paragraph(f"- {unit_name}: {text}") for unit_name, text in total.items]
    return Section("II. KẾT QUẢ THỰC HIỆN", tuple(results))


def _assessment_section(assessment: str, status: Status) -> Section:
    """III: the office's own assessment. Left empty, the draft states the facts the figures
    prove and marks the place of the office's judgement for the head to see."""
    written = _paragraphs(assessment)
    if written:
        return Section("III. ĐÁNH GIÁ CHUNG", written)
    facts = []
    if status.expected:
        fact = (
            f"Đến thời điểm báo cáo, {format_number(len(status.rows))}/"
            f"{format_number(status.expected)} đơn vị đã triển khai và gửi báo cáo kết quả "
            f"({percent_vi(len(status.rows), status.expected)})"
        )
        gaps = []
        if status.missing:
            gaps.append(f"{format_number(len(status.missing))} đơn vị chưa báo cáo")
        if status.late:
            gaps.append(f"{format_number(len(status.late))} đơn vị báo cáo chậm so với thời hạn")
        facts.append(Paragraph(fact + (f"; {', '.join(gaps)}." if gaps else ".")))
    return Section("III. ĐÁNH GIÁ CHUNG", (*facts, Paragraph(ASSESSMENT_PLACEHOLDER, italic=True)))


def _proposals_section(proposals: str, report_to: str, office: str, status: Status) -> Section:
    """IV: the office's proposals; left empty, what the office will do about the units still
    missing, and a proposal to the body the report goes to (never to the office's own units)."""
    written = _paragraphs(proposals)
    if written:
        return Section("IV. KIẾN NGHỊ, ĐỀ XUẤT", written)
    blocks: list[Block] = []
    if status.missing:
        blocks.append(
            Paragraph(
                f"{office} tiếp tục đôn đốc {format_number(len(status.missing))} đơn vị chưa "
                "báo cáo và sẽ báo cáo bổ sung khi nhận đủ báo cáo của các đơn vị."
            )
        )
    if report_to.strip():
        blocks.append(Paragraph(f"Kính đề nghị {report_to.strip()} xem xét, tổng hợp."))
    else:
        blocks.append(Paragraph(PROPOSALS_PLACEHOLDER, italic=True))
    return Section("IV. KIẾN NGHỊ, ĐỀ XUẤT", tuple(blocks))


def _units_appendix(totals: Totals, rows: list[UnitRow]) -> Section:
    """Each unit's figures and its short answers (yes/no, choice, date, files); texts and
    links are listed in section II instead, they do not fit a column. Landscape: one row per
    unit in each table, so half the tables are half the pages."""
    numeric = [t.indicator for t in totals.totals if t.indicator.is_numeric]
    grand = {t.indicator.code: t for t in totals.totals}
    in_appendix = numeric + [
        t.indicator for t in totals.totals if t.indicator.kind in SHORT_ANSWER_KINDS
    ]
    unit_tables = [
        Table(
            columns=("TT", "Đơn vị", *[i.label for i in chunk]),
            rows=tuple(
                (
                    str(n),
                    row.unit_name + (" (chậm)" if row.late else ""),
                    *[format_value(row.values.get(i.code), i.kind) for i in chunk],
                )
                for n, row in enumerate(rows, start=1)
            ),
            numeric=(False, False, *[i.is_numeric for i in chunk]),
            total_row=("", "Tổng cộng", *[_appendix_total(grand[i.code]) for i in chunk]),
        )
        for chunk in _chunks(in_appendix, COLUMNS_PER_LANDSCAPE_TABLE)
    ] or [
        Table(
            columns=("TT", "Đơn vị"),
            rows=tuple((str(n), row.unit_name) for n, row in enumerate(rows, start=1)),
        )
    ]
    return Section("PHỤ LỤC: KẾT QUẢ THEO ĐƠN VỊ", tuple(unit_tables), landscape=True)


def _missing_appendix(missing: list[str], late: list[str]) -> Section | None:
    """The full lists of units missing and late, when section I cannot name them all: a
    province's list of thousands of names would bury it."""
    if len(missing) <= NAMES_IN_TEXT and len(late) <= NAMES_IN_TEXT:
        return None
    listed = [(m, "Chưa báo cáo") for m in missing] + [(m, "Báo cáo chậm") for m in late]
    return Section(
        "PHỤ LỤC: CÁC ĐƠN VỊ CHƯA BÁO CÁO, BÁO CÁO CHẬM",
        (
            Table(
                columns=("TT", "Đơn vị", "Tình trạng"),
                rows=tuple(
                    (str(n), name, status) for n, (name, status) in enumerate(listed, start=1)
                ),
            ),
        ),
    )


def _charts_appendix(campaign: Campaign, totals: Totals) -> Section | None:
    charts = _charts(campaign, totals)
    if not charts:
        return None
    return Section("PHỤ LỤC: BIỂU ĐỒ CÁC CHỈ TIÊU CHÍNH", tuple(charts))


_ADMIN_WORDS = {"TỈNH", "HUYỆN", "XÃ", "QUẬN", "PHƯỜNG", "THỊ", "TRẤN", "THÀNH", "PHỐ"}


def body_name(name: str) -> str:
    """A body's name as a Nơi nhận line writes it: "UBND HUYỆN MINH HÒA" → "UBND huyện Minh
    Hòa" (abbreviations kept, the administrative level in lower case, the place capitalised)."""
    words = clean_text(name).split()
    out = []
    for word in words:
        if word.isupper() and word in _ADMIN_WORDS:
            out.append(word.lower())
        elif word.isupper() and len(word) > 1 and not any(c in "ĂÂÊÔƠƯĐ" for c in word[1:]):
            # Abbreviations (UBND, HĐND) stay; capitalised words are names.
            out.append(word if word in ("UBND", "HĐND", "MTTQ") else word.capitalize())
        else:
            out.append(word)
    return " ".join(out)


COPIES_KEPT = 2


def recipients_up(report_to: str, parent_body: str, short_name: str) -> tuple[str, ...]:
    """Nơi nhận of a report sent up (ND 30 PL I, II.9.b): "Như trên" for the body addressed
    in Kính gửi, the body the office belongs to for its information, then the archive with the
    drafting unit and the copies kept."""
    lines = []
    if report_to.strip():
        lines.append("Như trên")
    parent = body_name(parent_body) if parent_body.strip() else ""
    if parent and parent.casefold() != report_to.strip().casefold():
        lines.append(f"{parent} (b/c)")
    archive = f"Lưu: VT, {short_name.strip()}" if short_name.strip() else "Lưu: VT"
    lines.append(f"{archive}, {COPIES_KEPT:02d}b")
    return tuple(lines)


def build_document(
    campaign: Campaign,
    *,
    assessment: str = "",
    proposals: str = "",
    issue: Issue | None = None,
    today: dt.date | None = None,
) -> OfficialDocument:
    """The consolidated report as an experienced clerk lays it out (ND 30, Mẫu 1.4): one
    function per section and per appendix, put together here. The appendices come first, so
    the body can point to each by its Roman number (ND 30 PL I, III.1.a)."""
    totals, rows, missing, late = collect(campaign)
    status = Status(rows, missing, late, _returned(campaign))
    today = issue.issued_on if issue else (today or timezone.localdate())
    office = campaign.office
    _table, lists = _summary(totals)
    candidates = {
        "units": _units_appendix(totals, rows),
        "missing": _missing_appendix(missing, late),
        "lists": _list_appendix(_long(lists)),
        "charts": _charts_appendix(campaign, totals),
    }
    present = {key: section for key, section in candidates.items() if section is not None}
    labels = {key: appendix_label(index, len(present)) for index, key in enumerate(present)}
    sections = (
        Section("", (Paragraph(_intro(citations_for(campaign), office.name)),)),
        _status_section(status, labels.get("missing")),
        _results_section(totals, rows, labels, lists, _comparison(totals, campaign)),
        _assessment_section(assessment, status),
        _proposals_section(proposals, campaign.report_to, office.name, status),
    )
    return OfficialDocument(
        parent_body=office.parent_body or None,
        issuer=office.name.upper(),
        number=issue.number if issue else None,
        symbol=campaign.report_symbol or "BC",
        place=office.place or "",
        issued_on=issue.issued_on if issue else None,
        year=today.year,
        doc_type="BÁO CÁO",
        subject=f"Kết quả {campaign.title[0].lower()}{campaign.title[1:]}",
        addressees=(campaign.report_to,) if campaign.report_to else (),
        sections=sections,
        signer=_signer(campaign),
        recipients=recipients_up(campaign.report_to, office.parent_body, office.short_name),
        appendices=tuple(present.values()),
        author=office.name,
    )
