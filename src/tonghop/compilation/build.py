"""From a campaign's reports to the description of its consolidated report (Báo cáo)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tonghop.campaigns.models import Campaign, State
from tonghop.compilation.layout import OfficialDocument, Paragraph, Section, Signer, Table
from tonghop.compilation.totals import (
    IndicatorInfo,
    Totals,
    UnitRow,
    compute_totals,
    format_number,
    format_value,
)
from tonghop.orgs.models import Role, UnitKind
from tonghop.reports.models import Report

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
        IndicatorInfo(i.code, i.label, i.kind, i.aggregation, i.unit_of_measure)
        for i in campaign.indicators.all()
    ]
    assignments = list(
        campaign.assignments.active().select_related("unit").order_by("unit__kind", "unit__name")
    )
    reports = {
        r.assignment_id: r
        for r in Report.objects.filter(assignment__in=[a.pk for a in assignments])
    }
    rows: list[UnitRow] = []
    missing: list[str] = []
    late: list[str] = []
    for assignment in assignments:
        report = reports.get(assignment.pk)
        if assignment.state in (State.SUBMITTED, State.ACCEPTED) and report is not None:
            rows.append(
                UnitRow(
                    unit_name=assignment.unit.name,
                    group=GROUP_LABELS.get(UnitKind(assignment.unit.kind), "Đơn vị khác"),
                    values=report.values,
                    narrative=report.narrative,
                    late=assignment.is_late,
                )
            )
            if assignment.is_late:
                late.append(assignment.unit.name)
        else:
            missing.append(assignment.unit.name)
    return compute_totals(indicators, rows), rows, missing, late


def _signer(campaign: Campaign) -> Signer:
    head = campaign.office.memberships.filter(role=Role.HEAD).select_related("user").first()
    name = head.user.display_name() if head else ""
    return Signer(authority=None, authority_of=None, title="TRƯỞNG PHÒNG", name=name)


def build_document(campaign: Campaign, *, today: dt.date | None = None) -> OfficialDocument:
    totals, rows, missing, late = collect(campaign)
    today = today or timezone.localdate()
    office = campaign.office
    expected = len(rows) + len(missing)
    source = campaign.source_document
    intro_parts = []
    if source is not None:
        ref = source.reference()
        when = f" ngày {_date_vi(source.issued_on)}" if source.issued_on else ""
        intro_parts.append(f"Thực hiện Văn bản số {ref}{when} của {source.issuer}")
        intro_parts.append(f"về việc {source.subject}" if source.subject else "")
    intro = " ".join(p for p in intro_parts if p)
    intro = (intro + "; " if intro else "") + (f"{office.name} báo cáo kết quả thực hiện như sau:")

    figure_rows = []
    list_sections: list[Paragraph | Table | Section] = []
    for position, total in enumerate(totals.totals, start=1):
        info = total.indicator
        if info.is_numeric or info.aggregation == "count":
            figure_rows.append(
                (
                    str(position),
                    info.label,
                    info.unit_of_measure,
                    format_number(total.value),
                    str(total.answered),
                )
            )
        elif total.items:
            list_sections.append(Paragraph(f"{info.label}:", bold=True))
            for unit_name, text in total.items:
                list_sections.append(Paragraph(f"- {unit_name}: {text}"))
    summary = Table(
        columns=("TT", "Chỉ tiêu", "Đơn vị tính", "Tổng số", "Số đơn vị báo cáo"),
        rows=tuple(figure_rows),
        numeric=(False, False, False, True, True),
        total_row=None,
        caption=None,
    )
    numeric = [t.indicator for t in totals.totals if t.indicator.is_numeric]
    unit_table = Table(
        columns=("TT", "Đơn vị", *[i.label for i in numeric]),
        rows=tuple(
            (
                str(n),
                row.unit_name + (" (chậm)" if row.late else ""),
                *[format_value(row.values.get(i.code)) for i in numeric],
            )
            for n, row in enumerate(rows, start=1)
        ),
        numeric=(False, False, *[True for _ in numeric]),
        total_row=(
            "",
            "Tổng cộng",
            *[format_number(t.value) for t in totals.totals if t.indicator.is_numeric],
        ),
        caption=None,
    )
    rate = f"{len(rows)}/{expected}"
    status_paragraphs: list[Paragraph | Table | Section] = [
        Paragraph(
            f"Tổng số đơn vị được giao: {expected}; số đơn vị đã báo cáo: {rate}"
            f"{f', trong đó {len(late)} đơn vị báo cáo chậm' if late else ''}."
        )
    ]
    if missing:
        status_paragraphs.append(
            Paragraph(f"Các đơn vị chưa báo cáo ({len(missing)}): {', '.join(missing)}.")
        )
    else:
        status_paragraphs.append(Paragraph("Tất cả các đơn vị đã gửi báo cáo."))
    if late:
        status_paragraphs.append(Paragraph(f"Các đơn vị báo cáo chậm: {', '.join(late)}."))

    sections = (
        Section("I. TÌNH HÌNH TRIỂN KHAI VÀ BÁO CÁO CỦA CÁC ĐƠN VỊ", tuple(status_paragraphs)),
        Section(
            "II. KẾT QUẢ THỰC HIỆN",
            (
                Paragraph("1. Tổng hợp các chỉ tiêu", bold=True),
                summary,
                *(
                    [Paragraph("2. Nội dung cụ thể", bold=True), *list_sections]
                    if list_sections
                    else []
                ),
            ),
        ),
        Section(
            "III. ĐÁNH GIÁ, ĐỀ XUẤT",
            (
                Paragraph(
                    "Các đơn vị đã quan tâm triển khai thực hiện; đề nghị các đơn vị chưa báo "
                    "cáo khẩn trương gửi báo cáo để tổng hợp."
                ),
            ),
        ),
    )
    appendix = Section("PHỤ LỤC: KẾT QUẢ THEO ĐƠN VỊ", (unit_table,))
    symbol = campaign.report_symbol or "BC"
    return OfficialDocument(
        parent_body=office.parent_body or None,
        issuer=office.name.upper(),
        number=None,
        symbol=symbol,
        place=office.place or "",
        issued_on=None,
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
                "Lưu: VT",
            )
            if r
        ),
        appendices=(appendix,),
    )
