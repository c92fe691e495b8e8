"""A campaign's reports as a table: one row per unit, one column per indicator; CSV and Excel.

Both formats are streamed: the rows are read from the database in chunks of plain values (never
model objects) and written as they come, so that 100,000 reports export in bounded memory
(`bench/export.py`). Text is Vietnamese whatever the language of the request, and times are
Vietnam time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.utils import translation

from tonghop.audit.spreadsheet import is_formula, safe_cell
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import UnitKind
from tonghop.reports.models import Assignment, DisplayStatus, State

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHUNK_SIZE = 2000
TIME_FORMAT = "%H:%M %d/%m/%Y"
XLSX_TIME_FORMAT = "hh:mm dd/mm/yyyy"
DATE_FORMAT = "%d/%m/%Y"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
NUMERIC_KINDS = (IndicatorKind.INTEGER, IndicatorKind.DECIMAL)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIXED_HEADER = [
    "Mã đơn vị",
    "Đơn vị",
    "Nhóm",
    "Trạng thái",
    "Hạn báo cáo",
    "Thời điểm gửi",
    "Thời điểm chấp nhận",
]
NARRATIVE_HEADER = "Nội dung báo cáo"
# The width of each fixed column.
FIXED_WIDTHS = (18, 36, 16, 20, 17, 17, 17)
NARRATIVE_WIDTH = 60


def filename(campaign: Campaign, fmt: str) -> str:
    return f"bao-cao-{campaign.slug}.{fmt}"


def _indicators(campaign: Campaign) -> list[Indicator]:
    return list(campaign.indicators.order_by("order", "pk"))


def _header_label(indicator: Indicator) -> str:
    if indicator.unit_of_measure:
        return f"{indicator.label} ({indicator.unit_of_measure})"
    if indicator.kind == IndicatorKind.FILE:
        return f"{indicator.label} (số tệp)"
    return indicator.label


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """The Vietnamese labels of unit kinds and display statuses, as plain strings."""
    with translation.override("vi"):
        kinds = {str(value): str(label) for value, label in UnitKind.choices}
        statuses = {str(value): str(label) for value, label in DisplayStatus.choices}
    return kinds, statuses


def _display_status(state: str, due_at: dt.datetime, submitted_at: dt.datetime | None) -> str:
    # As Assignment.display_status, without building a model object per row.
    if state == State.SUBMITTED:
        late = submitted_at is not None and submitted_at > due_at
        return DisplayStatus.LATE.value if late else DisplayStatus.ON_TIME.value
    return state


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Vietnam time without the zone: what Excel stores, and what the CSV prints."""
    if moment is None:
        return None
    return moment.astimezone(VN).replace(tzinfo=None)


def _number(value: object) -> object:
    """A stored figure as a number: int as is, a decimal string as Decimal; else as text."""
    if value is None or isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return number if number.is_finite() else str(value)


def _cell(kind: str, value: object) -> object:
    """A stored answer as a cell: figures as numbers, a date as a date, yes/no as Có/Không,
    files as their number; None when blank."""
    if kind in NUMERIC_KINDS:
        return _number(value)
    if value is None or value == "" or value == []:
        return None
    if kind == IndicatorKind.YES_NO and isinstance(value, bool):
        return "Có" if value else "Không"
    if kind == IndicatorKind.DATE:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if kind == IndicatorKind.FILE:
        return len(value) if isinstance(value, list) else None
    return str(value)


def rows(campaign: Campaign) -> Iterator[list[object]]:
    """The header, then one row per active assignment, ordered by unit name.

    Times are naive datetimes in Vietnam time (None when absent); figures are int or Decimal;
    dates are dt.date; yes/no is "Có"/"Không"; files are their number; text is str; a missing
    value is None.
    """
    indicators = _indicators(campaign)
    kinds, statuses = _labels()
    yield [*FIXED_HEADER, *(_header_label(i) for i in indicators), NARRATIVE_HEADER]
    columns = [(i.code, i.kind) for i in indicators]
    queryset = (
        Assignment.objects.filter(campaign=campaign, is_active=True)
        .order_by("unit__name", "pk")
        .values_list(
            "unit__code",
            "unit__name",
            "unit__kind",
            "state",
            "due_at",
            "submitted_at",
            "accepted_at",
            "report__values",
            "report__narrative",
        )
    )
    for (
        code,
        name,
        kind,
        state,
        due_at,
        submitted_at,
        accepted_at,
        values,
        narrative,
    ) in queryset.iterator(chunk_size=CHUNK_SIZE):
        values = values if isinstance(values, dict) else {}
        row: list[object] = [
            code,
            name,
            kinds.get(kind, kind),
            statuses.get(_display_status(state, due_at, submitted_at), state),
            _local(due_at),
            _local(submitted_at),
            _local(accepted_at),
        ]
        for indicator_code, indicator_kind in columns:
            row.append(_cell(indicator_kind, values.get(indicator_code)))
        row.append(narrative or None)
        yield row


# CSV


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str):
        return safe_cell(value)
    return value


def iter_csv(campaign: Campaign, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text in pieces of a few hundred rows, starting with the byte-order mark that
    makes Excel read the Vietnamese text as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    pending = 0
    for row in rows(campaign):
        writer.writerow([_csv_cell(value) for value in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def write_csv(campaign: Campaign, stream: IO[bytes]) -> None:
    """Write the CSV (UTF-8 with a byte-order mark) to a binary stream."""
    for piece in iter_csv(campaign):
        stream.write(piece.encode("utf-8"))


# Excel


def write_xlsx(campaign: Campaign, path_or_stream: str | Path | IO[bytes]) -> None:
    """Write the Excel workbook with openpyxl in write-only mode: rows go to disk as they come.

    The header is bold and frozen, columns have widths, times are real Excel dates, and text
    that looks like a formula stays text.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(title="Báo cáo")
    source = rows(campaign)
    header = next(source)
    widths = [
        *FIXED_WIDTHS,
        *(min(max(len(str(label)) + 2, 12), 40) for label in header[len(FIXED_HEADER) : -1]),
        NARRATIVE_WIDTH,
    ]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = bold
        cell.alignment = wrap
        header_cells.append(cell)
    sheet.append(header_cells)

    def text_cell(text: str) -> object:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        if is_formula(text) or text.startswith("#"):
            # openpyxl would store "=..." as a formula and "#N/A" as an error: keep them text,
            # as typed (a cell of text is never run, so no apostrophe is needed here).
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def time_cell(moment: dt.datetime) -> object:
        cell = WriteOnlyCell(sheet, value=moment)
        cell.number_format = XLSX_TIME_FORMAT
        return cell

    def date_cell(day: dt.date) -> object:
        cell = WriteOnlyCell(sheet, value=day)
        cell.number_format = XLSX_DATE_FORMAT
        return cell

    for row in source:
        out: list[object] = []
        for value in row:
            if isinstance(value, str):
                out.append(text_cell(value))
            elif isinstance(value, dt.datetime):
                out.append(time_cell(value))
            elif isinstance(value, dt.date):
                out.append(date_cell(value))
            else:
                out.append(value)
        sheet.append(out)
    workbook.save(path_or_stream)
