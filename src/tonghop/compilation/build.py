"""From a campaign's reports to the description of its consolidated report (Báo cáo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tonghop.campaigns.kinds import IndicatorKind, format_value
from tonghop.campaigns.models import Campaign
from tonghop.campaigns.values import format_number
from tonghop.compilation.layout import (
    Block,
    Chart,
    OfficialDocument,
    Paragraph,
    Section,
    Signer,
    Table,
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


DEFAULT_ASSESSMENT = (
    "Các đơn vị đã quan tâm triển khai thực hiện, bảo đảm nội dung và thời gian theo yêu cầu."
)
DEFAULT_PROPOSALS = "Đề nghị các đơn vị chưa báo cáo khẩn trương gửi báo cáo để tổng hợp."
HIGHLIGHTS = 6
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


def _intro(campaign: Campaign) -> str:
    source = campaign.source_document
    parts = []
    if source is not None:
        reference = source.reference()
        text = f"Thực hiện Văn bản số {reference}" if reference else "Thực hiện văn bản"
        if source.issued_on:
            text += f" ngày {_date_vi(source.issued_on)}"
        if source.issuer:
            text += f" của {source.issuer}"
        if source.subject:
            text += f" về việc {source.subject[:1].lower()}{source.subject[1:]}"
        parts.append(text)
    lead = "; ".join(parts)
    return (lead + "; " if lead else "") + (
        f"{campaign.office.name} báo cáo kết quả thực hiện như sau:"
    )


def _first_sentence(text: str, limit: int = 300) -> str:
    sentence = text.strip().split("\n")[0]
    for mark in (". ", "; "):
        if mark in sentence[:limit]:
            sentence = sentence[: sentence.index(mark) + 1]
            break
    return sentence[:limit].rstrip(" ;,") + ("" if sentence[:limit].endswith(".") else ".")


def _names(names: list[str]) -> str:
    if len(names) <= NAMES_IN_TEXT:
        return ", ".join(names)
    shown = ", ".join(names[:NAMES_IN_TEXT])
    return f"{shown} và {len(names) - NAMES_IN_TEXT} đơn vị khác (danh sách tại Phụ lục)"


def _paragraphs(text: str) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(line.strip()) for line in text.splitlines() if line.strip())


def _charts(campaign: Campaign, totals: Totals) -> list[Block]:
    """The main figures as bars, and how many units of each group reported."""
    charts: list[Block] = []
    summed = [
        t
        for t in totals.totals
        if t.indicator.is_numeric and t.indicator.aggregation == "sum" and t.value is not None
    ]
    if summed:
        charts.append(
            Chart(
                title="Tổng số theo chỉ tiêu",
                labels=tuple(
                    f"{t.indicator.label} ({t.indicator.unit_of_measure})"
                    if t.indicator.unit_of_measure
                    else t.indicator.label
                    for t in summed
                ),
                values=tuple(float(t.value or 0) for t in summed),
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


def _status_section(rows: list[UnitRow], missing: list[str], late: list[str]) -> Section:
    """I: how many units were asked, how many reported, who has not, who was late."""
    expected = len(rows) + len(missing)
    blocks: list[Block] = [
        Paragraph(
            f"Tổng số đơn vị được giao: {expected}; số đơn vị đã báo cáo: {len(rows)}/{expected}"
            f"{f', trong đó {len(late)} đơn vị báo cáo chậm' if late else ''}."
        )
    ]
    if missing:
        blocks.append(Paragraph(f"Các đơn vị chưa báo cáo ({len(missing)}): {_names(missing)}."))
    else:
        blocks.append(Paragraph("Tất cả các đơn vị đã gửi báo cáo."))
    if late:
        blocks.append(Paragraph(f"Các đơn vị báo cáo chậm ({len(late)}): {_names(late)}."))
    return Section("I. TÌNH HÌNH TRIỂN KHAI VÀ BÁO CÁO CỦA CÁC ĐƠN VỊ", tuple(blocks))


def _summary(totals: Totals) -> tuple[Table, list[Block]]:
    """II.1: the table of figures, one row per indicator that adds up; and the answers in
    words (texts, links, dates listed per unit) for II's last part."""
    figure_rows = []
    list_blocks: list[Block] = []
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
            list_blocks.append(Paragraph(f"{info.label}:", bold=True))
            for unit_name, text in total.items:
                list_blocks.append(Paragraph(f"- {unit_name}: {text}"))
    summary = Table(
        columns=("TT", "Chỉ tiêu", "Đơn vị tính", "Tổng số", "Số đơn vị báo cáo"),
        rows=tuple(figure_rows),
        numeric=(False, False, False, True, True),
    )
    return summary, list_blocks


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


def _results_section(totals: Totals, rows: list[UnitRow]) -> Section:
    """II: the figures, by group when there are groups, the highlights from the units'
    narratives, and the answers in words; the parts are numbered as they come."""
    summary, list_blocks = _summary(totals)
    results: list[Block] = [Paragraph("1. Tổng hợp các chỉ tiêu", bold=True), summary]
    number = 2
    has_figures = any(t.indicator.is_numeric for t in totals.totals)
    if has_figures and len(totals.by_group) > 1:
        results += [
            Paragraph(f"{number}. Tổng hợp theo nhóm đơn vị", bold=True),
            *_by_group_tables(totals),
        ]
        number += 1
    highlights = [row for row in rows if row.narrative.strip()][:HIGHLIGHTS]
    if highlights:
        results.append(Paragraph(f"{number}. Một số kết quả nổi bật", bold=True))
        results += [Paragraph(f"- {_first_sentence(row.narrative)}") for row in highlights]
        number += 1
    if list_blocks:
        results += [Paragraph(f"{number}. Nội dung cụ thể", bold=True), *list_blocks]
    return Section("II. KẾT QUẢ THỰC HIỆN", tuple(results))


def _assessment_section(assessment: str) -> Section:
    """III: the office's own assessment, or the usual sentence."""
    return Section(
        "III. ĐÁNH GIÁ CHUNG", _paragraphs(assessment) or (Paragraph(DEFAULT_ASSESSMENT),)
    )


def _proposals_section(proposals: str) -> Section:
    """IV: the office's proposals, or the usual one."""
    return Section(
        "IV. KIẾN NGHỊ, ĐỀ XUẤT", _paragraphs(proposals) or (Paragraph(DEFAULT_PROPOSALS),)
    )


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


def build_document(
    campaign: Campaign,
    *,
    assessment: str = "",
    proposals: str = "",
    issue: Issue | None = None,
    today: dt.date | None = None,
) -> OfficialDocument:
    """The consolidated report as an experienced clerk lays it out (ND 30, Mẫu 1.4): one
    function per section and per appendix, put together here."""
    totals, rows, missing, late = collect(campaign)
    today = issue.issued_on if issue else (today or timezone.localdate())
    office = campaign.office
    sections = (
        Section("", (Paragraph(_intro(campaign)),)),
        _status_section(rows, missing, late),
        _results_section(totals, rows),
        _assessment_section(assessment),
        _proposals_section(proposals),
    )
    appendices = [
        appendix
        for appendix in (
            _units_appendix(totals, rows),
            _missing_appendix(missing, late),
            _charts_appendix(campaign, totals),
        )
        if appendix is not None
    ]
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
        recipients=tuple(
            r
            for r in (
                f"{campaign.report_to} (b/c)" if campaign.report_to else "",
                f"Lưu: VT, {office.short_name}" if office.short_name else "Lưu: VT",
            )
            if r
        ),
        appendices=tuple(appendices),
    )
