"""No text a person reads is left out of the catalogue: every word in a template's text, and in
the attributes people read (placeholder, title, aria-label, alt), sits inside {% translate %}
or {% blocktranslate %}, so the Vietnamese UI has no English and the English UI no Vietnamese."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "tonghop" / "templates"

# Attributes a person reads or hears (a screen reader announces aria-label and title).
READ_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt", "aria-description"})

# Words that are the same in both languages, so they need no catalogue entry.
ALLOWED = frozenset(
    {
        "tonghop",  # the product's name
        "edXML",  # the exchange format's name (QCVN 102:2016)
        "PDF",  # file formats, named as they are in both languages
        "DOCX",
        "CSV",
        "XLSX",
        "JSON",
        "Atom",
        "API",  # a technical acronym used as is in Vietnamese
        "OpenAPI",
        "QCVN",  # a standard's code: "QCVN 102:2016"
        "ND",
        "Email",  # used as is in Vietnamese administration
        "email",
        "TOTP",
        "PKCS",
        "Zalo",
        "PAdES",  # the signature standard's level, "PAdES B-LT"
    }
)

# Whole lines allowed as they are, with why.
ALLOWED_LINES = {
    # Each language is offered in its own name, so a person who cannot read the current one
    # still finds theirs.
    ("base.html", "English"),
    ("base.html", "Tiếng Việt"),
}

# Templates that are bilingual on purpose: 503.html stands alone when the database is down
# and says the same thing in both languages at once (see its comment).
BILINGUAL = frozenset({"503.html"})

WORD = re.compile(r"[^\W\d_]{2,}")

# Parts of a template that are not text: their characters become spaces, their newlines stay,
# so a finding keeps its line number.
HIDDEN = re.compile(
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}"
    r"|\{#[^\n]*?#\}"  # Django reads {# #} on one line only: a longer one shows
    r"|\{\{.*?\}\}"
    r"|\{%.*?%\}"
    r"|<!--.*?-->"
    r"|<script\b.*?</script>"
    r"|<style\b.*?</style>",
    re.DOTALL,
)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_data(self, data: str) -> None:
        self._check(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value)

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(text) if w not in ALLOWED]
        if words:
            self.found.append((self.getpos()[0], " ".join(words)))


def raw_text(template: Path) -> list[str]:
    source = HIDDEN.sub(_blank, template.read_text(encoding="utf-8"))
    reader = _Reader()
    reader.feed(source)
    reader.close()
    name = template.relative_to(TEMPLATES).as_posix()
    if name in BILINGUAL:
        return []
    return [
        f"{name}:{line}: {words}"
        for line, words in reader.found
        if (name, words) not in ALLOWED_LINES
    ]


def test_the_scanner_finds_a_raw_word_and_passes_translated_ones(tmp_path: Path) -> None:
    sample = tmp_path / "sample.html"
    sample.write_text(
        '{% load i18n %}<p>{% translate "Save" %}</p>\n<p title="Lưu lại">Gửi</p>\n'
        "{% blocktranslate %}Due {{ day }}{% endblocktranslate %} {{ x }} PDF\n"
        '<input placeholder="{% translate "Search" %}" aria-label="Search">\n'
        "{# one line #}{# two\nlines #}",
        encoding="utf-8",
    )
    reader = _Reader()
    reader.feed(HIDDEN.sub(_blank, sample.read_text(encoding="utf-8")))
    # Django reads {# #} on one line only: a comment on two lines is shown on the page.
    assert reader.found == [(2, "Lưu lại"), (2, "Gửi"), (4, "Search"), (4, "two lines")]


def test_no_template_text_is_left_out_of_the_catalogue() -> None:
    found = [line for t in sorted(TEMPLATES.rglob("*.html")) for line in raw_text(t)]
    assert found == [], "\n" + "\n".join(found)
