"""The images shown with a signature: a person's handwritten signature (ô 7c) and an office's
seal (ô 8), uploaded once and kept with the person or the office.

ND 30 Phụ lục I II.7.c and II.8.a: a PNG with a transparent background, so the text under the
signature and the seal over it both show through.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from tonghop import errors

MAX_BYTES = 512 * 1024
MIN_SIDE = 40
MAX_SIDE = 2000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class BadImage(errors.Invalid):
    """The uploaded image cannot be used; the message says why."""


def checked_png(data: bytes) -> bytes:
    """``data`` when it is a usable signature or seal image, else :class:`BadImage`."""
    if not data:
        raise BadImage(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise BadImage(_("The image is too large: at most %(kb)s KB.") % {"kb": MAX_BYTES // 1024})
    if not data.startswith(PNG_MAGIC):
        raise BadImage(_("The image must be a PNG file."))
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            # Reading the pixels catches a file cut short after a valid header.
            image.load()
            transparent = image.mode in ("RGBA", "LA", "PA") or ("transparency" in image.info)
            if transparent:
                # Declared transparent is not enough: some pixel must actually be see-through.
                alpha = image.convert("RGBA").getchannel("A").getextrema()
                transparent = int(alpha[0]) < 255  # type: ignore[arg-type]
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise BadImage(_("The PNG file is damaged and cannot be read.")) from error
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise BadImage(
            _("The image must be between %(low)s and %(high)s pixels on each side.")
            % {"low": MIN_SIDE, "high": MAX_SIDE}
        )
    if not transparent:
        raise BadImage(
            _(
                "The image has no transparent background: save it as a PNG with transparency, "
                "so the text under the signature or seal shows through."
            )
        )
    return data
