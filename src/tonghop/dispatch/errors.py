"""Errors raised while reading an incoming document.

One hierarchy, so callers catch ``DispatchError`` and show ``str(e)`` to the clerk: every
message is a Vietnamese sentence written for a person, not a traceback.
"""

from __future__ import annotations

from tonghop import errors


class DispatchError(errors.Invalid):
    """Base class of every error of ``tonghop.dispatch``."""

    default_message = "Không xử lý được văn bản."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class UnsupportedFormat(DispatchError):
    """The file is none of the formats we read (PDF, DOCX, DOC, TXT)."""

    default_message = (
        "Định dạng tệp không được hỗ trợ: chỉ nhận tệp PDF, DOCX, DOC hoặc văn bản thuần (TXT)."
    )


class UnreadableDocument(DispatchError):
    """The file claims a known format but is empty, corrupt, encrypted, too big or unreadable."""

    default_message = "Không đọc được tệp: tệp bị hỏng, rỗng hoặc được bảo vệ bằng mật khẩu."


class OcrUnavailable(DispatchError):
    """A scanned page needs OCR but tesseract or its Vietnamese model is not installed."""

    default_message = (
        "Văn bản là bản quét cần nhận dạng chữ (OCR) nhưng máy chủ chưa cài tesseract "
        "với gói tiếng Việt (tesseract-ocr-vie)."
    )
