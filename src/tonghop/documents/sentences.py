"""The sentences the document reader and the signature checker write (tonghop.dispatch is pure
Python and writes them in Vietnamese), said in the reader's language through the catalogue.

Each sentence is known by its Vietnamese form with %(name)s where a value goes; a text made of
such sentences (a signature's problems are joined by spaces) is put into the active language
sentence by sentence. A text with a sentence not known here is shown as it was written.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as N_

from tonghop.dispatch import signatures as sig

# (the Vietnamese sentence as dispatch writes it, its English msgid); the more precise first.
SENTENCES: tuple[tuple[str, str], ...] = (
    (sig.PROBLEM_MODIFIED, N_("The file was changed after it was signed.")),
    (
        sig.PROBLEM_INVALID,
        N_("The digital signature is not valid: its value does not match the certificate."),
    ),
    (sig.PROBLEM_SHA1, N_("The signature uses SHA-1, an outdated algorithm.")),
    (
        sig.PROBLEM_SHA1.replace("SHA-1", "MD5"),
        N_("The signature uses MD5, an outdated algorithm."),
    ),
    (sig.PROBLEM_UNTRUSTED, N_("The certificate is not on the configured trust list.")),
    (
        sig.PROBLEM_UNREADABLE,
        N_("The digital signature could not be checked: its data is damaged or not supported."),
    ),
    (sig.PROBLEM_PARTIAL, N_("The digital signature does not cover the whole file.")),
    (
        sig.PROBLEM_EARLIER_REVISION,
        N_(
            "This signature covers only revision %(revision)s of %(revisions)s of the file "
            "(that revision is intact), not the content as it is now."
        ),
    ),
    (sig.PROBLEM_CHANGES, N_("Changed after signing: %(kind)s.")),
    (
        sig.PROBLEM_BEYOND_CERTIFICATION,
        N_(
            "This is a certifying signature; this change goes beyond what the certifying "
            "signature allows."
        ),
    ),
    (sig.PROBLEM_CHANGE_SIGNED_BY, N_("The change was signed by: %(signers)s.")),
    (sig.PROBLEM_CHANGE_UNSIGNED, N_("No signature covers this change.")),
    (sig.PROBLEM_LAST_CHANGE_UNSIGNED, N_("No signature covers the file's last change.")),
    (
        sig.PROBLEM_EXPIRED,
        N_(
            "The signer's certificate is valid only from %(start)s to %(end)s. The signing time "
            "is the signer's own claim, not proven by a trusted timestamp, so the signature is "
            "checked at the present time."
        ),
    ),
    (
        sig.PROBLEM_NOT_PDF,
        N_(
            "This file could not be read as a PDF: it is damaged, cut short or not a PDF, so "
            "its digital signatures could not be checked."
        ),
    ),
    (
        sig.NOTE_ALLOWED_CHANGES,
        N_("After this signature the file has further allowed changes: %(kind)s."),
    ),
    (
        sig.NOTE_REVOCATION,
        N_("Whether the certificate was revoked was not checked (no CRL or OCSP lookup)."),
    ),
    # The reader's findings (tonghop.dispatch.parse and checks).
    (
        "Không tìm thấy số, ký hiệu của văn bản.",
        N_("The document's number and symbol were not found."),
    ),
    (
        "Văn bản chưa có số hoặc số không đọc được (trước “/%(symbol)s”).",
        N_("The document has no number yet, or it cannot be read (before “/%(symbol)s”)."),
    ),
    (
        "Số, ký hiệu không đúng thể thức Nghị định 30/2020/NĐ-CP: %(problem)s.",
        N_("The number and symbol do not follow Decree 30/2020/ND-CP: %(problem)s."),
    ),
    (
        "Không tìm thấy ngày ban hành của văn bản.",
        N_("The document's date of issue was not found."),
    ),
    (
        "Ngày viết tay trên bản quét không đọc được chắc chắn (chỉ đọc được %(known)s): cần "
        "đối chiếu bản gốc.",
        N_(
            "The handwritten day on the scan could not be read for certain (only %(known)s "
            "was read): check it against the original."
        ),
    ),
    (
        "Ngày ban hành chưa ghi ngày (chỉ có %(known)s).",
        N_("The date of issue has no day (only %(known)s)."),
    ),
    (
        "Ngày ban hành %(date)s được suy ra từ thời gian ký số sớm nhất.",
        N_("The date of issue %(date)s was taken from the earliest digital signature."),
    ),
    (
        "Ngày ban hành viết tay trên bản quét không đọc được; tạm lấy ngày ký số %(date)s.",
        N_(
            "The handwritten date of issue on the scan could not be read; the signing date "
            "%(date)s stands in for now."
        ),
    ),
    (
        "Ngày ban hành viết tay trên bản quét không đọc được; bản quét được ký số buổi sáng "
        "ngày %(signed)s, nên tạm lấy ngày làm việc trước đó %(date)s.",
        N_(
            "The handwritten date of issue on the scan could not be read; the scan was signed "
            "digitally on the morning of %(signed)s, so the working day before, %(date)s, "
            "stands in for now."
        ),
    ),
    ("Cần đối chiếu bản gốc.", N_("Check it against the original.")),
    (
        "Văn bản giấy thường đề ngày sớm hơn ngày ký số một ngày: cần đối chiếu bản gốc.",
        N_(
            "Paper documents are often dated a day before they are signed: check it against "
            "the original."
        ),
    ),
    (
        "Số văn bản trên bản quét (viết tay hoặc đóng dấu) không đọc được chắc chắn: lần đọc "
        "đầu được “%(first)s”, đọc lại vùng số được %(readings)s.",
        N_(
            "The number on the scan (handwritten or stamped) could not be read for certain: "
            "the page gave “%(first)s”, its box read again gave %(readings)s."
        ),
    ),
    ("Cần nhập số theo bản gốc.", N_("Type the number from the original.")),
    (
        "Văn bản dài %(length)s ký tự; chỉ %(limit)s ký tự đầu được phân tích.",
        N_("The document is %(length)s characters long; only the first %(limit)s were read."),
    ),
    (
        "Khoảng thời gian %(start)s – %(end)s không cùng năm với ngày ban hành %(issued)s; "
        "có thể gõ nhầm năm.",
        N_(
            "The period %(start)s – %(end)s is not in the year of the date of issue "
            "%(issued)s; the year may be mistyped."
        ),
    ),
    (
        "Khoảng thời gian kết thúc ngày %(end)s, trước ngày ban hành %(issued)s.",
        N_("The period ends on %(end)s, before the date of issue %(issued)s."),
    ),
    (
        "Thời hạn %(date)s đã qua so với ngày ban hành %(issued)s.",
        N_("The deadline %(date)s is before the date of issue %(issued)s."),
    ),
    (
        "Thời hạn %(date)s không cùng năm với ngày ban hành %(issued)s; có thể gõ nhầm năm.",
        N_(
            "The deadline %(date)s is not in the year of the date of issue %(issued)s; the "
            "year may be mistyped."
        ),
    ),
    (
        "Văn bản số %(reference)s được dẫn với ngày %(date)s, sau ngày ban hành %(issued)s.",
        N_(
            "Document no. %(reference)s is cited as dated %(date)s, after the date of issue "
            "%(issued)s."
        ),
    ),
    (
        "Có thể viết sai chính tả: “%(word)s” (đúng là “%(right)s”).",
        N_("Possibly misspelt: “%(word)s” (should be “%(right)s”)."),
    ),
    (
        "Có thể viết sai chính tả: “%(word)s”. Có thể do nhận dạng chữ (OCR) đọc sai.",
        N_("Possibly misspelt: “%(word)s”. Text recognition (OCR) may have misread it."),
    ),
    ("Có thể viết sai chính tả: “%(word)s”.", N_("Possibly misspelt: “%(word)s”.")),
)

_PLACEHOLDER = re.compile(r"%\\\(([a-z_]+)\\\)s")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for vietnamese, english in SENTENCES:
        body = _PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(vietnamese))
        # A sentence ends the text or is followed by the next one.
        compiled.append((re.compile(body + r"(?=\s|$)"), english))
    return tuple(compiled)


def in_language(text: object) -> str:
    """`text` (the reader's or the checker's Vietnamese) in the active language."""
    if text is None:
        return ""
    if isinstance(text, Promise):
        text = str(text)
    original = str(text)
    if (get_language() or "vi").startswith("vi"):
        return original
    said: list[str] = []
    position = 0
    while position < len(original):
        if original[position].isspace():
            position += 1
            continue
        for pattern, english in _patterns():
            match = pattern.match(original, position)
            if match is not None:
                said.append(gettext(english) % match.groupdict())
                position = match.end()
                break
        else:
            return original
    return " ".join(said)
