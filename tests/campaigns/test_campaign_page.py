"""The specialist's campaign page: the main action first, the units' table swapped in place by
its chips and pages, one count of late reports, the next report to review, and the chart.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.urls import reverse

from tests.conftest import VN, World
from tonghop.orgs.models import User
from tonghop.reports import actions, dashboard

LATE = dt.datetime(2030, 6, 20, 9, tzinfo=VN)  # six weeks after the campaign's due date
ON_TIME = dt.datetime(2030, 5, 1, 9, tzinfo=VN)


def _submit(assignment_pk: int, user: User, when: dt.datetime) -> None:
    actions.save_report(
        user, assignment_pk, {"pano": "1"}, "", expected_version=0, submit=True, now=when
    )


def test_it_puts_the_compile_button_above_the_chart_and_tables(world: World) -> None:
    _submit(world.a_an_phu.pk, world.hoa, ON_TIME)
    page = world.client_for(world.lan).get(reverse("campaigns:detail", args=["sang-tao-test"]))
    html = page.content.decode()
    button = html.index(reverse("compilation:start", args=["sang-tao-test"]))
    assert button < html.index('id="chart"') < html.index('id="units"')
    assert button < html.index('id="by-group"')


def test_a_chip_asked_by_htmx_gets_the_units_table_alone(world: World) -> None:
    _submit(world.a_an_phu.pk, world.hoa, ON_TIME)
    url = reverse("campaigns:detail", args=["sang-tao-test"]) + "?status=on_time"
    client = world.client_for(world.lan)
    part = client.get(url, headers={"HX-Request": "true", "HX-Target": "units-section"})
    html = part.content.decode()
    assert part.status_code == 200
    assert html.lstrip().startswith('<section id="units-section"')
    assert "<html" not in html and 'id="chart"' not in html
    assert 'data-unit="xa-an-phu"' in html and 'data-unit="xa-binh-minh"' not in html
    # Without script the same chip is a link to the whole page, landing on the table.
    whole = client.get(reverse("campaigns:detail", args=["sang-tao-test"])).content.decode()
    assert 'href="?status=on_time#units-section"' in whole
    # A person of another office asking for the fragment gets nothing of it.
    other = world.client_for(world.tu).get(
        url, headers={"HX-Request": "true", "HX-Target": "units-section"}
    )
    assert other.status_code in (403, 404)
    assert b"xa-an-phu" not in other.content


def test_the_late_figure_and_the_late_chip_agree_once_the_report_is_accepted(
    world: World,
) -> None:
    _submit(world.a_an_phu.pk, world.hoa, LATE)
    actions.accept_report(world.lan, world.a_an_phu.pk, expected_version=1, now=LATE)
    figures = world.campaign.assignments.figures()
    counts = dashboard.display_counts(world.campaign)
    assert figures.late == counts["late"] == 1
    assert figures.on_time == counts["on_time"] == 0
    client = world.client_for(world.lan)
    detail = reverse("campaigns:detail", args=["sang-tao-test"])
    late = client.get(detail + "?status=late").content.decode()
    row = late[late.index('data-unit="xa-an-phu"') :]
    row = row[: row.index("</tr>")]
    # Listed under the chip, accepted, and still said to be late.
    assert "Đã chấp nhận" in row and "Gửi chậm" in row
    assert "Gửi chậm (1)" in late


def test_the_review_page_leads_to_the_next_report_waiting(world: World) -> None:
    _submit(world.a_an_phu.pk, world.hoa, ON_TIME)
    _submit(world.a_binh_minh.pk, world.nam, ON_TIME)
    client = world.client_for(world.lan)

    def next_of(pk: int) -> str:
        html = client.get(reverse("campaigns:review", args=["sang-tao-test", pk])).content
        text = html.decode()
        if 'id="next-review"' not in text:
            return ""
        tag = text[text.index('id="next-review"') :]
        return tag[tag.index('href="') + 6 : tag.index('">')]

    an_phu = reverse("campaigns:review", args=["sang-tao-test", world.a_an_phu.pk])
    binh_minh = reverse("campaigns:review", args=["sang-tao-test", world.a_binh_minh.pk])
    assert next_of(world.a_an_phu.pk) == binh_minh
    assert next_of(world.a_binh_minh.pk) == an_phu  # round to the first
    assert next_of(world.a_school.pk) == an_phu  # from a unit not waiting
    actions.accept_report(world.lan, world.a_binh_minh.pk, expected_version=1)
    assert next_of(world.a_an_phu.pk) == ""  # nothing else waits


def test_a_reminder_sent_by_hand_shows_as_the_last_one_at_once(world: World) -> None:
    client = world.client_for(world.lan)
    page = reverse("reminders:campaign", args=["sang-tao-test"])

    def last_of(unit: str) -> str:
        html = client.get(page).content.decode()
        table = html[html.index('id="owed"') :]
        row = table[table.index(f'<tr data-unit="{unit}"') :]
        row = row[: row.index("</tr>")]
        cell = row[row.index('data-label="Lần nhắc gần nhất">') :]
        return cell[cell.index(">") + 1 : cell.index("</td>")]

    assert last_of("xa-binh-minh") == "-"
    answer = client.post(
        reverse("reminders:remind", args=["sang-tao-test"]),
        {"assignment": [world.a_binh_minh.pk]},
    )
    assert answer.status_code == 302
    assert last_of("xa-binh-minh") not in ("-", "")
    assert last_of("xa-an-phu") == "-"


def _timeline(first: int, late: int) -> dashboard.Timeline:
    due = dt.date(2030, 5, 5)
    days = [(due + dt.timedelta(days=first), 1, 1)]
    if late:
        days.append((due + dt.timedelta(days=late), 1, 2))
    return dashboard.Timeline(days, due, 3)


def test_a_very_late_report_does_not_squash_the_chart() -> None:
    # Before: one report 200 days late put the due date at 4% of the width.
    line = _timeline(first=-7, late=200)
    assert line.break_x() is not None
    assert line.due_x() > 0.4 * dashboard.CHART_WIDTH
    xs = [float(p.split(",")[0]) for p in line.svg_points().split()]
    assert xs == sorted(xs) and xs[-1] == dashboard.CHART_WIDTH
    # A little late stays on the one linear scale.
    assert _timeline(first=-7, late=3).break_x() is None


def test_the_charts_labels_never_overlap() -> None:
    for first, late in itertools.product(range(-40, 3), (0, 1, 2, 5, 9, 30, 200)):
        labels = _timeline(first, late).labels("hạn báo cáo")
        assert labels[0].kind == "due"
        for a, b in itertools.combinations(labels, 2):
            assert a.y != b.y or a.right <= b.x or b.right <= a.x, (first, late, a, b)
        for label in labels:
            assert label.x >= dashboard.CHART_LEFT and label.right <= dashboard.CHART_RIGHT
