"""Vietnamese first: every interface string has a Vietnamese translation, compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "src" / "tonghop" / "locale" / "vi" / "LC_MESSAGES"


def _entries() -> list[tuple[str, str, bool, str]]:
    """(msgid, msgstr, fuzzy, msgid_plural) for each entry of the .po file, header left out.

    Vietnamese has one plural form, so a plural entry's translation is its msgstr[0]."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts: dict[str, list[str]] = {"msgid": [], "msgstr": [], "msgid_plural": []}
        current = None
        for line in block.splitlines():
            match = re.match(r"^(msgid|msgstr|msgid_plural|msgstr\[0\]) (\".*\")$", line)
            if match:
                current = match.group(1).replace("[0]", "")
                parts[current].append(ast.literal_eval(match.group(2)))
            elif line.startswith('"') and current:
                parts[current].append(ast.literal_eval(line))
            elif line.startswith("msgstr["):
                current = None  # a second plural form: Vietnamese does not have one
        msgid, msgstr = "".join(parts["msgid"]), "".join(parts["msgstr"])
        if msgid:
            entries.append((msgid, msgstr, fuzzy, "".join(parts["msgid_plural"])))
    return entries


def test_every_string_is_translated_to_vietnamese() -> None:
    entries = _entries()
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, fuzzy, _plural in entries if not msgstr or fuzzy]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_sources() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for msgid, msgstr, _fuzzy, plural in _entries():
        if plural:
            assert catalogue.ngettext(msgid, plural, 1) == msgstr, msgid
        else:
            assert catalogue.gettext(msgid) == msgstr, msgid
