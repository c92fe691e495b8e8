"""The English UI speaks English: on each role's main pages, no Vietnamese word is left but
the office's data (unit and people's names, the campaign's title and indicators), so every
string a view or form shows went through gettext."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.models import Campaign
from tonghop.orgs.models import Unit, User
from tonghop.reports.actions import save_report
from tonghop.reports.links import actions as link_actions
from tonghop.reports.models import Report

# A letter that only Vietnamese writes (đ, and vowels with a mark or a tone).
VIETNAMESE = re.compile(
    r"[\w]*[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ][\w]*",
    re.IGNORECASE,
)

# Words shown in Vietnamese on purpose: the switch back to Vietnamese, offered in its own
# name, and the fixed wording of an ND 30 document that a setting's label quotes (the document
# prints it so whatever language the person reads the page in).
OFFERED = ("Tiếng Việt", "ngày … tháng … năm …", "the Lưu line")


class _Visible(HTMLParser):
    """The text a person sees or hears: text nodes outside script, style and template, and
    the attributes people read."""

    SKIP = frozenset({"script", "style", "template", "textarea"})
    READ = frozenset({"placeholder", "title", "aria-label", "alt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.hidden += 1
        for name, value in attrs:
            if name in self.READ and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _data_strings() -> list[str]:
    """What the office typed or the directive says: shown as it is in either language."""
    strings: list[str] = list(OFFERED)
    for unit in Unit.objects.all():
        strings += [unit.name, unit.parent_body, unit.place, unit.contact_name]
    for report in Report.objects.all():
        strings.append(report.narrative)
        strings += [v for v in report.values.values() if isinstance(v, str)]
    # An ND 30 heading writes a unit's name in capitals.
    strings += [name.upper() for name in strings if name]
    strings += [u.full_name for u in User.objects.all()]
    for campaign in Campaign.objects.all():
        strings += [campaign.title, campaign.description, campaign.report_to]
    for indicator in Indicator.objects.all():
        strings += [
            indicator.label,
            indicator.section,
            indicator.unit_of_measure,
            indicator.help_text,
        ]
    # Longest first, so a unit's full name goes before a shorter name inside it.
    return sorted({s for s in strings if s}, key=len, reverse=True)


def vietnamese_left(html: str, data: list[str]) -> list[str]:
    reader = _Visible()
    reader.feed(html)
    text = unescape(" ".join(reader.parts))
    for value in data:
        text = text.replace(value, " ")
    found = []
    for line in text.splitlines():
        if VIETNAMESE.search(line):
            found.append(" ".join(line.split())[:120])
    return found


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _nav_links(html: str) -> list[str]:
    """The pages the role's navigation offers (the header's links)."""
    header = re.search(r"<header.*?</header>", html, re.S)
    hrefs = re.findall(r'href="(/[^"#]*)"', header.group(0) if header else "")
    return [h for h in dict.fromkeys(hrefs) if not h.startswith(("/static/", "/media/"))]


def _walk(client: Client, extra: list[str]) -> dict[str, list[str]]:
    home = client.get("/", follow=True)
    assert home.status_code == 200
    pages = [home.request["PATH_INFO"], *_nav_links(home.content.decode()), *extra]
    data = _data_strings()
    found: dict[str, list[str]] = {}
    for path in dict.fromkeys(pages):
        page = client.get(path, follow=True)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        left = vietnamese_left(page.content.decode(), data)
        if left:
            found[path] = left
    return found


def _reports_in(world: World) -> None:
    """An Phú has submitted (late-free), Bình Minh has a draft: the pages show rows and states."""
    save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": 12, "luot_nguoi": 1250, "ty_le": "68.5", "khau_hieu": "Sáng tạo"},
        "Đã treo pano tại trụ sở xã.",
        expected_version=world.a_an_phu.version,
        submit=True,
    )
    save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": 3},
        "",
        expected_version=world.a_binh_minh.version,
        submit=False,
    )


def _office_pages(world: World) -> list[str]:
    slug = world.campaign.slug
    return [
        reverse("campaigns:detail", args=[slug]),
        reverse("campaigns:review", args=[slug, world.a_an_phu.pk]),
        reverse("campaigns:missing", args=[slug]),
        reverse("campaigns:units", args=[slug]),
        reverse("campaigns:form", args=[slug]),
    ]


def test_the_reader_finds_vietnamese_left_outside_the_data() -> None:
    html = '<p>Due <b>05/05/2030</b></p><p title="Lưu">UBND xã An Phú</p><script>"Gửi"</script>'
    assert vietnamese_left(html, ["UBND xã An Phú"]) == ["Due 05/05/2030 Lưu"]


def test_the_reporters_pages_in_english_have_no_vietnamese_but_data(world: World) -> None:
    _reports_in(world)
    client = _english(world.client_for(world.hoa))
    form = reverse("reports:form", args=[world.a_an_phu.pk])
    assert _walk(client, [form]) == {}


def test_the_reporter_by_link_in_english_sees_no_vietnamese_but_data(world: World) -> None:
    _link, path = link_actions.issue_link(world.a_an_phu, by=world.lan)
    client = _english(Client())
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert vietnamese_left(page.content.decode(), _data_strings()) == []


def test_the_specialists_pages_in_english_have_no_vietnamese_but_data(world: World) -> None:
    _reports_in(world)
    client = _english(world.client_for(world.lan))
    assert _walk(client, [*_office_pages(world), reverse("campaigns:new")]) == {}


def test_the_heads_pages_in_english_have_no_vietnamese_but_data(world: World) -> None:
    _reports_in(world)
    client = _english(world.client_for(world.thach))
    assert _walk(client, _office_pages(world)) == {}


def test_the_clerks_pages_in_english_have_no_vietnamese_but_data(world: World) -> None:
    client = _english(world.client_for(world.hang))
    assert _walk(client, []) == {}


# Small English words that Vietnamese never writes: one of them on a Vietnamese page is a string
# that missed the catalogue.
ENGLISH = re.compile(
    r"\b(the|and|of|with|your|this|is|are|not|for|from|has|have|was|were|will|please|"
    r"click|save|submit|cancel|back|next|search|none|yes|no)\b",
    re.IGNORECASE,
)


def english_left(html: str, data: list[str]) -> list[str]:
    reader = _Visible()
    reader.feed(html)
    text = unescape("\n".join(reader.parts))
    for value in data:
        text = text.replace(value, " ")
    return [" ".join(line.split())[:120] for line in text.splitlines() if ENGLISH.search(line)]


def test_the_reader_finds_english_left_on_a_vietnamese_page() -> None:
    html = "<p>Hạn báo cáo</p><p>Submit the report</p><p>Trả lời: không</p>"
    assert english_left(html, []) == ["Submit the report"]


def test_the_vietnamese_pages_of_each_role_have_no_english(world: World) -> None:
    _reports_in(world)
    data = _data_strings()
    found: dict[str, list[str]] = {}
    for person, extra in (
        (world.hoa, [reverse("reports:form", args=[world.a_an_phu.pk])]),
        (world.lan, [*_office_pages(world), reverse("campaigns:new")]),
        (world.thach, _office_pages(world)),
        (world.hang, []),
    ):
        client = world.client_for(person)
        home = client.get("/", follow=True)
        pages = [home.request["PATH_INFO"], *_nav_links(home.content.decode()), *extra]
        for path in dict.fromkeys(pages):
            page = client.get(path, follow=True)
            if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
                left = english_left(page.content.decode(), data)
                if left:
                    found[f"{person.username} {path}"] = left
    assert found == {}
