"""Names of Vietnam's administrative units, so that a place is never read as a person.

A place line (`Lâm Đồng, ngày …`) or a signature stamp (`Cơ quan: Thành phố Hà Nội`) sits near
the signer's name and is written the same way: two or three capitalised syllables, often
starting with a word that is also a family name (`Hà`, `Lâm`, `Cao`, `Thái`, `Ninh`). The
provinces and centrally-run cities before and after the 2025 merger are listed; a name equal to
one of them, or to the document's own place, is a place.
"""

from __future__ import annotations

import re

from .textutil import collapse, fold

PROVINCES = (
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bà Rịa Vũng Tàu",
    "Vũng Tàu",
    "Bạc Liêu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hoà Bình",
    "Hồ Chí Minh",
    "Hưng Yên",
    "Khánh Hòa",
    "Khánh Hoà",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thanh Hoá",
    "Thừa Thiên Huế",
    "Thừa Thiên - Huế",
    "Huế",
    "Tiền Giang",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
)

# What stands before a place name in a place line or a body's name.
_UNIT_WORD_RE = re.compile(
    r"^(?:Thành\s+phố|TP\.?|Tp\.?|Tỉnh|Huyện|Quận|Thị\s+xã|Thị\s+trấn|Xã|Phường|Đặc\s+khu)\s+",
    re.I,
)
_PROVINCES_FOLDED = frozenset(fold(p) for p in PROVINCES)


def is_place(value: str, *known: str | None) -> bool:
    """`value` names an administrative unit: a province or city, a unit word with a name
    (`Thành phố Hà Nội`, `Huyện Lâm Hà`), or one of the `known` places of this document."""
    text = collapse(value).strip(" ,.;:")
    if not text:
        return False
    if _UNIT_WORD_RE.match(text):
        return True
    folded = fold(text)
    if folded in _PROVINCES_FOLDED:
        return True
    return any(place and fold(_UNIT_WORD_RE.sub("", collapse(place))) == folded for place in known)
