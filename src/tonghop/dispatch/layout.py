"""The regions of a text PDF's page as ND 30 Phụ lục I places them, and what they decide.

Reading order text mixes the columns of a page: the place-and-date line of the header sits on
the number's line, the signer's name on the line of a recipient. When the reader could cut the
page by its glyph positions (`pdf.py`), each field is taken from its own region:

- the issuer from the header's left column (ô 2), above the number line;
- the number from the number line of the left column (ô 3);
- the date and place from the right column's place-and-date line (ô 4), never from the body;
- the signer's name from the signing block (right column at the foot, ô 7-9), never from the
  `Nơi nhận` list of the left column.

A region the reader could not find is None, and a region that does not read leaves the field
as the text reader found it: the layer only ever narrows where a field comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from .footer import Footer, recipients_of, signer_of
from .header import Header, issuer_of, parse_header
from .textutil import fold, prepare


@dataclass(frozen=True)
class Regions:
    issuer: str | None = None  # header, left column above the number line
    number: str | None = None  # the `Số:` line, left column
    place_date: str | None = None  # the place-and-date line, right column
    signing: str | None = None  # foot, right column from the `Nơi nhận` row down
    recipients: str | None = None  # foot, left column from `Nơi nhận` down
    # A scan's signing block read again on its own (`pdf.py`), for a name the page's reading
    # lost under the signature or the seal.
    signing_rereads: tuple[str, ...] = ()
    # A scan's recipients' column read again on its own, when the page's reading listed none.
    recipients_reread: str | None = None

    def __bool__(self) -> bool:
        return any((self.issuer, self.number, self.place_date, self.signing, self.recipients))


def names_signer(signing: str) -> bool:
    """Whether a signing block's text names its signer on a line of its own."""
    return signer_of(_lines(signing), ocr=True, whole=True)[2] is not None


def lists_recipients(recipients: str) -> bool:
    """Whether a recipients' column's text lists at least one recipient."""
    return bool(recipients_of(_lines(recipients)))


def _lines(text: str) -> list[str]:
    return [line for line in prepare(text).split("\n") if line.strip()]


def apply_header(head: Header, regions: Regions) -> None:
    """Number, date, place and issuer from their header regions, where these read.

    A number or day left blank in print (`Số: /TB-UBND`, `ngày   tháng 11 năm 2024`) is
    filled by the signing tool's stamp over it, which the text reader already took: such a
    value stays when it fits the printed line (same symbol; same year and month)."""
    if regions.number:
        own = parse_header(_lines(regions.number))
        stamped = own.number is None and head.number is not None and own.symbol == head.symbol
        if (own.number_raw is not None or own.symbol is not None) and not stamped:
            head.number, head.symbol = own.number, own.symbol
            head.number_raw, head.number_problems = own.number_raw, own.number_problems
    if regions.place_date:
        own = parse_header(_lines(regions.place_date))
        if own.year is not None:
            issued = own.issued_on
            if issued is None and head.issued_on is not None:
                printed = f"{own.year:04d}-{own.month:02d}" if own.month else f"{own.year:04d}"
                issued = head.issued_on if head.issued_on.startswith(printed) else None
            head.issued_on, head.year, head.month = issued, own.year, own.month
            head.place = own.place or head.place
    if regions.issuer:
        issuer, parent = issuer_of(_lines(regions.issuer))
        if issuer is not None:
            head.issuer, head.issuer_parent = issuer, parent


def apply_footer(foot: Footer, regions: Regions, place: str | None, *, ocr: bool = False) -> None:
    """Signer and recipients from their columns: a name only the `Nơi nhận` list holds is a
    recipient's, not the signer's, and a signing block's line is no recipient."""
    for column in (regions.recipients, regions.recipients_reread):
        recipients = recipients_of(_lines(column or ""))
        if recipients:
            foot.recipients = recipients
            break
    if regions.signing:
        authority, title, name = signer_of(_lines(regions.signing), place, ocr=ocr)
        if title is not None:
            foot.authority, foot.title = authority, title
        if name is not None:
            foot.name = name
            return
    # Read again on its own, the block names the signer the page's reading lost; a name that
    # reading found stays.
    for reread in regions.signing_rereads if foot.name is None else ():
        authority, title, name = signer_of(_lines(reread), place, ocr=ocr, whole=True)
        if name is None:
            continue
        if foot.title is None and title is not None:
            foot.authority, foot.title = authority, title
        foot.name = name
        return
    if foot.name and regions.recipients:
        name = fold(foot.name)
        if name in fold(prepare(regions.recipients)) and name not in fold(
            prepare(regions.signing or "")
        ):
            foot.name = None
