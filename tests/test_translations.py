"""Vietnamese first: every interface string has a Vietnamese translation, compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "src" / "tonghop" / "locale" / "vi" / "LC_MESSAGES"


def _entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of the .po file, header left out."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
        current = None
        for line in block.splitlines():
            match = re.match(r"^(msgid|msgstr) (\".*\")$", line)
            if match:
                current = match.group(1)
                parts[current].append(ast.literal_eval(match.group(2)))
            elif line.startswith('"') and current:
                parts[current].append(ast.literal_eval(line))
            elif line.startswith("msgid_plural"):
                current = None
        msgid, msgstr = "".join(parts["msgid"]), "".join(parts["msgstr"])
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_string_is_translated_to_vietnamese() -> None:
    entries = _entries()
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_sources() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for msgid, msgstr, _fuzzy in _entries():
        assert catalogue.gettext(msgid) == msgstr, msgid
