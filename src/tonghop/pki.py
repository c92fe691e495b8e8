"""Where the signing key and the trusted roots of this install are."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def trust_roots() -> list[Path]:
    """The configured roots, and the demo authority's root when the demo made one.

    The demo root only ever trusts signatures made by this install's demo key: a real
    deployment configures TONGHOP_TRUST_ROOTS (e.g. the Government CA's root) instead.
    """
    roots = [Path(root) for root in settings.TONGHOP_TRUST_ROOTS]
    demo = Path(settings.TONGHOP_DEMO_ROOT)
    if demo.exists():
        roots.append(demo)
    return roots
