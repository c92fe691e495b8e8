"""Regular expressions and word lists for the header of a document (ND 30, Phụ lục I and III),
shared by `header` and `abstract`."""

from __future__ import annotations

import re

from .textutil import cells, fold, fold_line

# How far into the text the header may reach: attachments and bodies come later.
HEADER_LINES = 80

# The national motto, or the Party's heading on Party documents (`ĐẢNG CỘNG SẢN VIỆT NAM`), or
# the Youth Union's on its own (`ĐOÀN TNCS HỒ CHÍ MINH`, which stands where the motto does). The
# Union's name is a cell of its own: inside a sentence or a longer name it is no heading.
MOTTO_FOLDED_RE = re.compile(
    r"C[OƠ]NG\s*H[OƠ]A?[\s,]*X[AÂ]\s*H[OƠ]I|DANG\s+C[OƠ]NG\s+SAN\s+VIET"
    r"|(?:^|\t|\s{3,}|\|)\s*DOAN\s+(?:TNCS|THANH\s+NIEN\s+CONG\s+SAN)\s+HO\s+CHI\s+MINH"
    r"\s*(?:$|\t|\s{3,}|\|)"
    # A line a narrow cell cut after `CỘNG`: the motto starts at whatever of it is left.
    r"|(?:H[OƠ]A[\s,]*)?(?:X[AÂ][\s,]*)?(?:H[OƠ]I[\s,]*)?CHU\s+NGHIA\s+VIET"
)


class FoldedSearch:
    """A regex run on the folded line (OCR drops and swaps Vietnamese marks in the motto)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def search(self, text: str) -> re.Match[str] | None:
        if MOTTO_HINT_RE.search(text) is None:
            return None  # most lines: no capitals that could be the motto
        return self.regex.search(fold_line(text))


MOTTO_HINT_RE = re.compile(r"X\S{0,2}[\s,]*H|NGH|C\S{0,2}NG\s*[HS]|TNCS")


MOTTO_RE = FoldedSearch(MOTTO_FOLDED_RE)
# The motto's second line, `Độc lập - Tự do - Hạnh phúc`, whole or cut where a narrow cell
# wrapped it; "hạnh phúc" inside a sentence (`gia đình no ấm, hạnh phúc`) is not it.
INDEPENDENCE_RE = re.compile(
    r"Đ[ộọo]c\s*l[ậạa]p\s*[-–—]|T[ựu]\s*do\s*[-–—]\s*H[ạa]nh"
    r"|^[\s\-–—]*H[ạa]nh\s+ph[úu]c[\s\-–—_=*.]*$",
    re.I,
)

# `Số: 542/SKHCN-CN&ĐMST`, `Số:   /UBND-VP`, `Số 12/KH-UBND`, `Số: 15/2010/QĐ-UBND`. The
# symbol may carry a stray space around a hyphen (`TTr -UBND`), a formatting error we report.
# After a spaced hyphen a part in mixed case must end in a capital (`BGDĐT- GDTrH`), so that
# `UBND- Kính gửi` is not read as one.
SYMBOL = (
    r"[0-9A-ZĐ][\w&.]*(?:(?:-|/)[A-ZĐ0-9][\w&.]*"
    r"|(?:\s[-–]\s?|[-–]\s)[A-ZĐ0-9](?:[A-ZĐ0-9&.]*|[\w&.]*[A-ZĐ0-9])\b)*"
)
# `Số`, and the forms OCR makes of it (`Sô`, `Só`, `Sé`).
SO = "S[ốôóòỏõọồổỗộoỐéèẻêếềểễệ]"
NUMBER_RE = re.compile(
    rf"(?:^|(?<=[\s|])){SO}\s*(?P<colon>:?)\s*(?P<num>[^\s/:](?:[^/:\n]{{0,8}}[^\s/:])?|)\s*"
    # `1281/-UBND`: a symbol that lost its type code is still read, as written.
    rf"(?P<slash>/)\s*(?P<sym>-?{SYMBOL})"
)
NUMBER_ONLY_RE = re.compile(rf"(?:^|(?<=[\s|])){SO}\s*:\s*(?P<num>\d{{1,6}})\s*$")
# `Số: 409 BCA-C04`: the slash is missing (a typing error, or lost by OCR).
# Party documents: `Số 123-CV/TU` → 123 + CV/TU (as SCHEMA splits `57-NQ/TW`), also typed with
# stray spaces (`Số 188- CV /BTGHU`), which are reported.
PARTY_NUMBER_RE = re.compile(
    rf"(?:^|(?<=[\s|])){SO}\s*:?\s*(?P<num>\d{{1,6}})\s*[-–]\s*"
    r"(?P<sym>[A-ZĐ][\w&.]*\s?/\s?[A-ZĐ][\w&.\-]*)"
)
NUMBER_NO_SLASH_RE = re.compile(
    rf"(?:^|(?<=[\s|])){SO}\s*:\s*(?P<num>\d{{1,6}})\s+"
    r"(?P<sym>[A-ZĐ][A-ZĐ0-9&.]*(?:-[A-ZĐ0-9][\w&.]*)+)"
)
SO_RE = re.compile(r"(?:^|(?<=\s))S[ốôó]\s*:")
SYMBOL_LINE_RE = re.compile(rf"^\s*/\s*(?P<sym>{SYMBOL})")
DATE_LINE_RE = re.compile(r"[,.]\s*ngày(?P<rest>[^\n]{0,30}?)n[ăa]m\s*(?P<y>\d{4})")
THANG_RE = re.compile(r"th[áa]ng")
CLEAN_NUM_RE = re.compile(r"^\s*(\d{1,2})\s*$")

# ND 30 Art. 7 and Phụ lục III: type names and their abbreviations in symbols.
TYPE_NAMES = (
    "Nghị quyết",
    "Quyết định",
    "Chỉ thị",
    "Quy chế",
    "Quy định",
    "Thông cáo",
    "Thông báo",
    "Hướng dẫn",
    "Chương trình",
    "Kế hoạch",
    "Phương án",
    "Đề án",
    "Dự án",
    "Báo cáo",
    "Biên bản",
    "Tờ trình",
    "Hợp đồng",
    "Công văn",
    "Công điện",
    "Bản ghi nhớ",
    "Bản thỏa thuận",
    "Bản thoả thuận",
    "Giấy ủy quyền",
    "Giấy uỷ quyền",
    "Giấy mời",
    "Giấy giới thiệu",
    "Giấy nghỉ phép",
    "Phiếu gửi",
    "Phiếu chuyển",
    "Phiếu báo",
    "Thư công",
    # Not among ND 30's types, but a UBND's appeal or invitation to the public is headed so.
    "Thư ngỏ",
    "Thư mời",
    "Kết luận",
    # Legal documents (Luật Ban hành văn bản quy phạm pháp luật) reach an office as often as
    # administrative ones and carry the same header.
    "Nghị định",
    "Thông tư liên tịch",
    "Thông tư",
    "Nghị quyết liên tịch",
    "Pháp lệnh",
)
TYPE_ABBREVIATIONS = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QYĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "TBKL": "Thông báo",
    "KL": "Kết luận",
}
# Their abbreviations, read only in a symbol that carries the year (`77/2008/TT-BTC`), as legal
# documents' symbols do; without a year `TT` may be an issuer's own abbreviation.
LEGAL_ABBREVIATIONS = {
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NQLT": "Nghị quyết liên tịch",
    "PL": "Pháp lệnh",
}
TYPE_HEAD_RE = re.compile(
    r"^(?P<t>"
    + "|".join(sorted((t.upper() for t in TYPE_NAMES), key=len, reverse=True))
    + r")(?:\s+[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ0-9 ,\-–]*)?\s*$"
)
TYPE_BY_UPPER = {t.upper(): t for t in TYPE_NAMES}
TYPE_BY_FOLD = {fold(t): t for t in TYPE_NAMES}

VV_RE = re.compile(
    r"^(?:V\s*/\s*[vV]\.?|V[ềêe]\s*vi[ệeêẹ]c\b|VỀ\s*VIỆC\b|(?:VA|V[íì]v)(?=\s))\s*:?\s*"
)
# OCR misreads the `Về` of `Về việc` (`và việc`, `\ việc`, `,Vêviệc`).
VV_OCR_RE = re.compile(r"^[^\w]{0,3}(?:V[ềêeé]|và|\w)?\s*việc\b\s*:?\s*")
# `Kính gởi`, the southern spelling, too.
KINH_GUI_RE = re.compile(r"K[íi]nh\s*g[ửưuởơ]i\s*:?|^[\W_]{0,6}g[ửưở][iỈI]\s*:", re.I)

# Words that open a body paragraph: a subject or addressee list never continues with them.
BODY_START_RE = re.compile(
    r"^(?:Căn cứ|Thực hiện|Theo|Để|Ngày \d|Trong|Nhằm|Xét|Qua|Thừa|Tiếp theo|Kính|Hiện nay|Nay|"
    r"Vừa qua|Trên cơ sở|Được|Sau khi|Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Chủ tịch|Phòng|"
    r"Nơi nhận|[IVX]+\.|\d+\.|[a-zđ]\)|Điều \d)"
)
RULE_RE = re.compile(r"^[\s_\-–—=*.…]+$")

# Words that open the name of a body: a header line starting so starts a new body.
ORG_HEAD_RE = re.compile(
    r"^(?:BỘ|SỞ|ỦY BAN|UỶ BAN|UBND|HĐND|HỘI ĐỒNG|BCĐ|CỤC|TỔNG CỤC|CHI CỤC|VỤ|VIỆN|TRƯỜNG|BAN|TỔ|"
    r"HỘI|PHÒNG|PHỊNG|VĂN PHÒNG|THANH TRA|CÔNG AN|TRUNG TÂM|ĐẢNG ỦY|ĐẢNG UỶ|TỈNH ỦY|TỈNH UỶ|"
    r"HUYỆN ỦY|BCH|"
    r"THỦ TƯỚNG|CHÍNH PHỦ|ĐOÀN|LIÊN ĐOÀN|MẶT TRẬN|TÒA ÁN|TOÀ ÁN|VIỆN KIỂM SÁT|KHO BẠC|"
    r"CHI NHÁNH|ĐẠI HỌC|HỌC VIỆN|CÔNG TY|TẬP ĐOÀN|QUỸ|ĐÀI|BÁO|NGÂN HÀNG|CẢNG VỤ|BỆNH VIỆN|"
    r"BỘ CHỈ HUY|BỘ TƯ LỆNH|KIỂM TOÁN|TỔNG CÔNG TY|BAN QUẢN LÝ|BQL|ĐẠI SỨ QUÁN|QUỐC HỘI|"
    r"CHỦ TỊCH|NHÀ|XÍ NGHIỆP|HTX|HỢP TÁC XÃ|BẢO HIỂM XÃ HỘI|BHXH|THÀNH ỦY|THÀNH UỶ|QUẬN ỦY|QUẬN UỶ|"
    r"THỊ ỦY|THỊ UỶ|ĐẢNG BỘ|CHI BỘ|CÔNG ĐOÀN|TỔNG LIÊN ĐOÀN|TỈNH ĐOÀN|THÀNH ĐOÀN|HUYỆN ĐOÀN)\b"
)


ORG_HEAD_FOLDED_RE = re.compile(
    r"^(?:BO|SO|UY BAN|UBND|HDND|CUC|TONG CUC|CHI CUC|VIEN|TRUONG|BAN|TO|HOI|PHONG|VAN PHONG|"
    r"THANH TRA|CONG AN|TRUNG TAM|DANG UY|TINH UY|HUYEN UY|BENH VIEN|DAI HOC|HOC VIEN|"
    r"BAO HIEM XA HOI|BHXH|THANH UY|QUAN UY|THI UY|DANG BO|CHI BO|CONG DOAN|TONG LIEN DOAN|"
    r"TINH DOAN|THANH DOAN|HUYEN DOAN|BCH)\b"
)


# The line under a decision's title that names who decides (`ỦY BAN NHÂN DÂN TỈNH KON TUM`,
# `CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH`, `BỘ TRƯỞNG BỘ TÀI CHÍNH`): the end of a trích yếu in capitals.
AUTHORITY_LINE_RE = re.compile(
    r"^(?:(?:PHÓ\s+)?(?:CHỦ TỊCH|BỘ TRƯỞNG|GIÁM ĐỐC|TỔNG GIÁM ĐỐC|HIỆU TRƯỞNG|THỦ TƯỚNG|"
    r"CỤC TRƯỞNG|TỔNG CỤC TRƯỞNG|VIỆN TRƯỞNG|TRƯỞNG BAN|CHÁNH VĂN PHÒNG|CHÁNH ÁN|CHỦ NHIỆM|"
    r"TỔ TRƯỞNG|CHÁNH THANH TRA|TRƯỞNG PHÒNG)\b|(?:ỦY|UỶ)\s+BAN\b|UBND\b|HỘI ĐỒNG\b|HĐND\b|"
    r"CHÍNH PHỦ\b|THƯỜNG TRỰC\b|BAN (?:THƯỜNG VỤ|CHẤP HÀNH|CHỈ ĐẠO|QUẢN LÝ)\b)"
)


def left_cell(line: str) -> str:
    """The first cell of a line: the left column of a two-column header."""
    parts = cells(line)
    return parts[0] if parts else ""
