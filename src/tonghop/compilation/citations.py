"""The documents a consolidated report cites in its opening (ND 30 PL I, II.6.b): the directive
from the level above that the campaign answers, and the office's own letter relaying it.

They are kept on the campaign (compilation.models.ReportCitation) once the specialist has seen
or changed them; until then they are read from the campaign's directive in the register: an
incoming directive is cited itself, an outgoing relaying letter is cited after the document it
relays, which the parser found among the letter's references.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from tonghop.campaigns.models import Campaign
from tonghop.compilation.layout import clean_text, format_date_nd30

DIRECTIVE = "directive"
RELAY = "relay"

# ND 30 PL III: the abbreviation a symbol opens with names the type; a công văn carries none
# ("542/SKHCN-CN&ĐMST" is the Sở's abbreviation and its drafting unit's).
TYPE_CODES = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QYĐ": "Quy định",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTR": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTR": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
}


@dataclass(frozen=True)
class Citation:
    role: str  # DIRECTIVE or RELAY
    doc_type: str
    number: str
    symbol: str
    issued_on: dt.date | None
    issuer: str
    subject: str

    def reference(self) -> str:
        number, symbol = clean_text(self.number).strip(), clean_text(self.symbol).strip()
        if number and symbol:
            return f"{number}/{symbol}"
        return number or symbol

    def sentence(self) -> str:
        """ "Công văn số 542/SKHCN-CN&ĐMST ngày 21 tháng 4 năm 2025 của Sở Khoa học và Công nghệ
        về việc hưởng ứng …": type, number and symbol, date, issuer, subject."""
        words = [clean_text(self.doc_type).strip() or "Văn bản"]
        reference = self.reference()
        if reference:
            words.append(f"số {reference}")
        if self.issued_on:
            words.append(format_date_nd30(self.issued_on))
        issuer = clean_text(self.issuer).strip()
        if issuer:
            words.append(f"của {issuer}")
        subject = " ".join(clean_text(self.subject).split()).rstrip(" .;")
        if subject:
            subject = subject.removeprefix("V/v ").removeprefix("về việc ")
            words.append(f"về việc {subject[:1].lower()}{subject[1:]}")
        return " ".join(words)

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "doc_type": self.doc_type,
            "number": self.number,
            "symbol": self.symbol,
            "issued_on": self.issued_on.isoformat() if self.issued_on else "",
            "issuer": self.issuer,
            "subject": self.subject,
        }


def type_from_symbol(symbol: str) -> str:
    head = symbol.split("-")[0].split("/")[0].strip().upper()
    return TYPE_CODES.get(head, "Công văn")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        try:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            return None
    return None


def _subject_after(text: str, reference: str, fallback: str) -> str:
    """The "về việc …" that follows a citation in the letter's own text, up to the clause's
    end; the letter's subject when the text says none."""
    flat = " ".join(text.split())
    at = flat.find(reference)
    if at >= 0:
        match = re.match(r"[^;]{0,200}?về việc\s+([^;]{3,300}?)\s*(?:[;]|\.\s|$)", flat[at:])
        if match:
            return match[1]
    return fallback


def derived_citations(campaign: Campaign) -> list[Citation]:
    """What the register says the report answers, before anyone changed it."""
    source = campaign.source_document
    if source is None:
        return []
    own = source.office_id == campaign.office_id and source.is_outgoing
    letter = Citation(
        role=RELAY if own else DIRECTIVE,
        doc_type=source.doc_type or type_from_symbol(source.symbol),
        number=source.number,
        symbol=source.symbol,
        issued_on=source.issued_on,
        issuer=source.issuer,
        subject=source.subject,
    )
    if not own:
        return [letter]
    above: list[Citation] = []
    for ref in (source.parsed or {}).get("references") or []:
        if not isinstance(ref, dict):
            continue
        issuer = str(ref.get("issuer") or "").strip()
        number, symbol = str(ref.get("number") or ""), str(ref.get("symbol") or "")
        # The document relayed comes from another body, with a date; a party resolution cited
        # in passing ("57-NQ/TW") has neither.
        if not issuer or not number or issuer == source.issuer:
            continue
        above.append(
            Citation(
                role=DIRECTIVE,
                doc_type=type_from_symbol(symbol),
                number=number,
                symbol=symbol,
                issued_on=_date(ref.get("date")),
                issuer=issuer,
                subject=_subject_after(source.text or "", f"{number}/{symbol}", source.subject),
            )
        )
        break
    return [*above, letter]


def citations_for(campaign: Campaign) -> list[Citation]:
    """The citations kept on the campaign, or those the register suggests."""
    from tonghop.compilation.models import ReportCitation

    kept = list(ReportCitation.objects.filter(campaign=campaign).order_by("position", "pk"))
    if kept:
        return [row.citation() for row in kept if not row.omitted]
    return derived_citations(campaign)


def has_directive(citations: list[Citation]) -> bool:
    return any(c.role == DIRECTIVE and c.reference() for c in citations)
