"""Legacy Vietnamese encodings: round trips through encoders built from the same tables."""

from __future__ import annotations

import unicodedata

from tonghop.dispatch.legacy import (
    TCVN3,
    VNI_MARKS,
    VNI_SINGLE,
    decode_tcvn3,
    decode_text_bytes,
    decode_vni,
    fix_legacy,
    vietnamese_score,
)
from tonghop.dispatch.read import read_bytes

SENTENCES = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 542/SKHCN-CN&ĐMST, Quảng Ngãi, ngày 06 tháng 5 năm 2025",
    "Đề nghị các đơn vị gửi báo cáo kết quả thực hiện trước ngày 06/5/2025 để tổng hợp.",
    "Tuyên truyền, treo băng rôn, khẩu hiệu hưởng ứng Ngày Sáng tạo và Đổi mới thế giới.",
    "Nơi nhận: như trên; lưu văn thư. Người ký: trưởng phòng Nguyễn Thị Ngọc Lan.",
    "Thuyết phục, khuyến khích, nghiêng ngả, giữ gìn, quyển vở, khuỷu tay, ngoằn ngoèo.",
]
LOWER_LETTERS = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"

# --- encoders, from the decoder's own tables ------------------------------------------------
_TCVN3_ENCODE = {uni: legacy for legacy, uni in TCVN3.items()}


def encode_tcvn3(text: str) -> str:
    """TCVN3 as a .VnTime user typed it: capital toned letters use the lower-case codes."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch.lower() in _TCVN3_ENCODE and not ch.isascii():
            out.append(_TCVN3_ENCODE[ch.lower()])
        else:
            assert ch.isascii(), ch
            out.append(ch)
    return "".join(out)


_VNI_SINGLE_ENCODE = {uni: legacy for legacy, uni in VNI_SINGLE.items()}
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _vni_mark(marks: str, upper: bool) -> str:
    keys = [k for k, v in VNI_MARKS.items() if v == marks and k.isupper() == upper]
    assert len(keys) == 1, (marks, keys)
    return keys[0]


def encode_vni(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ch)
            continue
        if ch in _VNI_SINGLE_ENCODE:
            out.append(_VNI_SINGLE_ENCODE[ch])
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in decomposed if c in _TONE_MARKS)
        toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tone))
        if toneless in _VNI_SINGLE_ENCODE:  # ơ, ư (and their capitals) carry the tone after
            out.append(_VNI_SINGLE_ENCODE[toneless] + _vni_mark(tone, ch.isupper()))
            continue
        # NFD puts the dot below before the circumflex; VNI's tables write shape, then tone.
        base, shape = decomposed[0], "".join(c for c in decomposed[1:] if c not in tone)
        out.append(base + _vni_mark(shape + tone, ch.isupper()))
    return "".join(out)


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Word wrote it: base letters plus combining tone marks."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in decomposed if c in _TONE_MARKS)
        toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tone))
        out += (toneless + tone).encode("cp1258")
    return out


# --- tests ----------------------------------------------------------------------------------


def test_it_round_trips_every_lower_case_letter_through_tcvn3() -> None:
    assert decode_tcvn3(encode_tcvn3(LOWER_LETTERS)) == LOWER_LETTERS


def test_it_round_trips_every_letter_through_vni() -> None:
    assert decode_vni(encode_vni(LOWER_LETTERS)) == LOWER_LETTERS
    upper = LOWER_LETTERS.upper()
    assert decode_vni(encode_vni(upper)) == upper


def test_it_round_trips_sentences_through_tcvn3() -> None:
    for sentence in SENTENCES:
        encoded = encode_tcvn3(sentence)
        assert encoded != sentence
        fixed = fix_legacy(encoded)
        assert fixed.encoding == "tcvn3", sentence
        assert fixed.text == sentence


def test_it_round_trips_sentences_through_vni() -> None:
    for sentence in SENTENCES:
        fixed = fix_legacy(encode_vni(sentence))
        assert fixed.encoding == "vni", sentence
        assert fixed.text == sentence


def test_it_restores_capitals_of_vntimeh_headings() -> None:
    heading = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    encoded = encode_tcvn3(heading)
    assert "é" in encoded  # the lower-case code of "ộ"
    assert fix_legacy(encoded).text == heading


def test_it_decodes_legacy_byte_files() -> None:
    text = "\n".join(SENTENCES)
    assert decode_text_bytes(encode_tcvn3(text).encode("latin-1")) == (text, "tcvn3")
    assert decode_text_bytes(encode_vni(text).encode("cp1252")) == (text, "vni")
    assert decode_text_bytes(encode_cp1258(text)) == (text, "cp1258")


def test_it_reads_legacy_txt_files_with_a_warning() -> None:
    text = "\n".join(SENTENCES)
    for data, name in (
        (encode_tcvn3(text).encode("latin-1"), "TCVN3"),
        (encode_vni(text).encode("cp1252"), "VNI"),
        (encode_cp1258(text), "Windows-1258"),
    ):
        result = read_bytes(data, "cv.txt")
        assert result.text == text
        assert result.kind == "txt"
        assert any(name in w for w in result.warnings), result.warnings


def test_it_converts_legacy_text_that_arrives_as_unicode() -> None:
    # Text typed in .VnTime inside a DOCX or PDF comes to us as Latin-1 characters.
    body = "Kính gửi: các sở, ban, ngành\n" + encode_tcvn3(SENTENCES[3])
    fixed = fix_legacy(body)
    assert fixed.encoding == "tcvn3"
    assert fixed.text == "Kính gửi: các sở, ban, ngành\n" + SENTENCES[3]


def test_it_leaves_unicode_text_alone() -> None:
    for sentence in [*SENTENCES, "Hà Nội", "Tháng 5", "Giấy mời", "Café à la mode"]:
        assert fix_legacy(sentence) == type(fix_legacy(sentence))(sentence, None)


def test_it_scores_vietnamese_above_mojibake() -> None:
    for sentence in SENTENCES:
        assert vietnamese_score(sentence) > 1.0
        assert vietnamese_score(encode_tcvn3(sentence)) < 0.5
        assert vietnamese_score(encode_vni(sentence)) < 0.5
