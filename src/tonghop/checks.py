"""tonghop's own system checks, shown by `tonghop check` (and before `manage` commands)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tonghop import datadir


@checks.register(checks.Tags.security)
def data_folder_is_private(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when another account of the computer may open the data folder or anything in it.

    A production start refuses such a folder outright (settings); a laptop install is warned."""
    data_dir = Path(settings.DATA_DIR)
    found = datadir.open_entries(data_dir)
    signing = Path(settings.TONGHOP_SIGNING_P12)
    if signing.is_file() and not signing.is_relative_to(data_dir) and datadir.is_open(signing):
        found.append(signing)
    if not found:
        return []
    shown = ", ".join(str(path) for path in found[:5])
    return [
        checks.Warning(
            ngettext(
                "%(count)d path in the data folder can be read by other accounts of this "
                "computer, which could then take a session or a key: %(paths)s",
                "%(count)d paths in the data folder can be read by other accounts of this "
                "computer, which could then take a session or a key: %(paths)s",
                len(found),
            )
            % {"count": len(found), "paths": shown},
            hint=_("Make it private with: %(command)s (or run tonghop migrate, which does it).")
            % {
                "command": " && ".join(
                    [datadir.fix_command(data_dir)]
                    + ([f"chmod go-rwx {shlex.quote(str(signing))}"] if signing in found else [])
                )
            },
            id="tonghop.W001",
        )
    ]
