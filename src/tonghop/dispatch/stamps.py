"""Digital-signature stamps written in a document's text (ND 30, Phụ lục I: the time of a
digital signature is shown as ISO 8601 with the +07:00 offset; stamps of other tools write
`dd.mm.yyyy hh:mm:ss +07:00`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# Signature stamps: `2025-04-25T08:35:57+0700`, `Thời gian ký: 25.04.2025 08:35:57 +07:00`,
# `06.11.2024 09:27:05 +07:00`, `Thời gian ký: 05/01/2021 08:15:24`.
_ISO_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[T ](?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:\.\d+)?\s?(?P<z>Z|[+-]\d{2}:?\d{2})?"
)
_DMY_TIME_RE = re.compile(
    r"(?<![\d/.])(?P<d>\d{1,2})[./-](?P<mo>\d{1,2})[./-](?P<y>\d{4}),?\s+(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r":(?P<s>\d{2})(?:\s?(?P<z>[+-]\d{2}:?\d{2}|Z))?"
)
VIETNAM = timezone(timedelta(hours=7))


def signature_times(flat: str) -> list[str]:
    seen: dict[str, None] = {}
    for regex in (_ISO_RE, _DMY_TIME_RE):
        for m in regex.finditer(flat):
            stamp = _instant(m)
            if stamp:
                seen.setdefault(stamp, None)
    return list(seen)


def _instant(m: re.Match[str]) -> str | None:
    try:
        zone = VIETNAM
        z = m.group("z")
        if z and z != "Z":
            sign = -1 if z[0] == "-" else 1
            digits = z[1:].replace(":", "")
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        elif z == "Z":
            zone = UTC
        moment = datetime(
            int(m.group("y")),
            int(m.group("mo")),
            int(m.group("d")),
            int(m.group("h")),
            int(m.group("mi")),
            int(m.group("s")),
            tzinfo=zone,
        )
    except ValueError:
        return None
    if not 1990 <= moment.year <= 2100:
        return None
    return moment.astimezone(VIETNAM).isoformat()
