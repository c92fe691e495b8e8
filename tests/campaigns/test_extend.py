from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from django.urls import reverse

from tests.conftest import VN, World
from tonghop.reports import actions
from tonghop.reports.links.actions import lengthen_links
from tonghop.reports.models import Assignment, AssignmentEvent, DisplayStatus, State, Step

DUE = dt.datetime(2030, 5, 5, 23, 59, 59, tzinfo=VN)
LATER = dt.datetime(2030, 5, 12, 17, 0, tzinfo=VN)
NOW = dt.datetime(2030, 5, 4, 8, 0, tzinfo=VN)

# As the office's page extends: with the unit's personal links lengthened.
extend_due = partial(actions.extend_due, lengthen=lengthen_links)


def _fresh(assignment: Assignment) -> Assignment:
    return Assignment.objects.get(pk=assignment.pk)


def test_the_office_extends_with_a_reason(world: World) -> None:
    a = world.a_an_phu
    assert a.due_at == DUE
    extend_due(world.lan, a.pk, LATER, "Mưa bão", expected_version=0, now=NOW)
    a = _fresh(a)
    assert a.due_at == LATER
    assert a.version == 1
    assert a.state == State.NOT_STARTED
    event = a.events.get()
    assert (event.step, event.actor, event.comment, event.at) == (
        Step.EXTEND,
        world.lan,
        "Mưa bão",
        NOW,
    )
    assert (event.from_state, event.to_state) == (State.NOT_STARTED, State.NOT_STARTED)
    assert dt.datetime.fromisoformat(event.details["old_due"]) == DUE
    assert dt.datetime.fromisoformat(event.details["new_due"]) == LATER
    # Only this unit's due time moves.
    assert _fresh(world.a_binh_minh).due_at == DUE


def test_a_submission_after_the_old_due_counts_on_time(world: World) -> None:
    a = world.a_an_phu
    extend_due(world.thach, a.pk, LATER, "Mưa bão", expected_version=0, now=NOW)
    submitted = dt.datetime(2030, 5, 10, 9, 0, tzinfo=VN)
    actions.save_report(
        world.hoa, a.pk, {"pano": "2"}, "", expected_version=1, submit=True, now=submitted
    )
    a = _fresh(a)
    assert not a.is_late
    assert a.display_status == DisplayStatus.ON_TIME
    assert world.campaign.assignments.figures().on_time == 1
    # Without the extension the same time is late.
    actions.save_report(
        world.nam,
        world.a_binh_minh.pk,
        {"pano": "2"},
        "",
        expected_version=0,
        submit=True,
        now=submitted,
    )
    assert _fresh(world.a_binh_minh).display_status == DisplayStatus.LATE


def test_it_requires_a_reason(world: World) -> None:
    with pytest.raises(actions.InvalidValues) as info:
        extend_due(world.lan, world.a_an_phu.pk, LATER, "  ", expected_version=0, now=NOW)
    assert info.value.errors == {"reason": ["Cần nêu lý do gia hạn."]}
    assert _fresh(world.a_an_phu).due_at == DUE


def test_it_refuses_an_earlier_or_past_due(world: World) -> None:
    a = world.a_an_phu
    with pytest.raises(actions.InvalidValues) as earlier:
        extend_due(world.lan, a.pk, DUE - dt.timedelta(days=1), "Sớm", expected_version=0, now=NOW)
    assert earlier.value.errors == {"due_at": ["Hạn mới phải sau hạn hiện tại (23:59 05/05/2030)."]}
    with pytest.raises(actions.InvalidValues) as same:
        extend_due(world.lan, a.pk, DUE, "Như cũ", expected_version=0, now=NOW)
    assert "Hạn mới phải sau hạn hiện tại" in same.value.errors["due_at"][0]
    # Later than the old due, but that has passed too.
    with pytest.raises(actions.InvalidValues) as past:
        extend_due(
            world.lan,
            a.pk,
            DUE + dt.timedelta(days=1),
            "Muộn",
            expected_version=0,
            now=DUE + dt.timedelta(days=3),
        )
    assert past.value.errors == {"due_at": ["Hạn mới không được ở thời điểm đã qua."]}
    a = _fresh(a)
    assert (a.due_at, a.version) == (DUE, 0)
    assert not AssignmentEvent.objects.filter(step=Step.EXTEND).exists()


def test_reporters_and_other_offices_are_refused(world: World) -> None:
    for person in (world.hoa, world.nam, world.tu):
        with pytest.raises(actions.NotAllowed):
            extend_due(person, world.a_an_phu.pk, LATER, "Xin gia hạn", expected_version=0, now=NOW)
    assert _fresh(world.a_an_phu).due_at == DUE


def test_a_stale_version_is_refused(world: World) -> None:
    a = world.a_an_phu
    actions.save_report(world.hoa, a.pk, {"pano": "2"}, "", expected_version=0, submit=False)
    with pytest.raises(actions.StaleForm):
        extend_due(world.lan, a.pk, LATER, "Mưa bão", expected_version=0, now=NOW)
    assert _fresh(a).due_at == DUE


def _url(world: World) -> str:
    return reverse("campaigns:extend", args=[world.campaign.slug, world.a_an_phu.pk])


def test_the_review_page_extends(world: World) -> None:
    client = world.client_for(world.lan)
    review = reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    page = client.get(review).content.decode()
    assert "Gia hạn" in page
    assert 'type="datetime-local"' in page
    assert 'value="2030-05-05T23:59"' in page
    response = client.post(
        _url(world), {"version": 0, "due_at": "2030-05-12T17:00", "reason": "Mưa bão"}
    )
    assert response.status_code == 302
    assert _fresh(world.a_an_phu).due_at == LATER
    page = client.get(response["Location"]).content.decode()
    assert "Đã gia hạn báo cáo đến 17:00 12/05/2030." in page
    assert "Gia hạn thời hạn báo cáo" in page  # the event in the history
    assert "Mưa bão" in page


def test_the_page_explains_a_refusal(world: World) -> None:
    client = world.client_for(world.lan)
    response = client.post(
        _url(world), {"version": 0, "due_at": "2030-05-01T17:00", "reason": "Sớm"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Hạn mới phải sau hạn hiện tại" in page
    response = client.post(_url(world), {"version": 0, "due_at": "2030-05-12T17:00"})
    assert "Lý do gia hạn" in client.get(response["Location"]).content.decode()
    assert _fresh(world.a_an_phu).due_at == DUE


def test_others_get_404_on_the_extension(world: World) -> None:
    data = {"version": 0, "due_at": "2030-05-12T17:00", "reason": "Xin gia hạn"}
    for person in (world.hoa, world.nam, world.tu):
        assert world.client_for(person).post(_url(world), data).status_code == 404
    assert world.client_for(world.lan).get(_url(world)).status_code == 405
    assert _fresh(world.a_an_phu).due_at == DUE


def test_extending_lengthens_the_units_live_link_and_no_other(world: World) -> None:
    from tonghop.reports.links.actions import issue_link, revoke_link
    from tonghop.reports.links.models import AccessLink

    # An Phú's link as issued: until 30 days after the old due time; Bình Minh's revoked.
    live, _path = issue_link(world.a_an_phu, by=world.lan, now=NOW)
    assert live.expires_at == DUE + dt.timedelta(days=30)
    gone, _path = issue_link(world.a_binh_minh, by=world.lan, now=NOW)
    revoke_link(gone, by=world.lan, now=NOW)
    much_later = DUE + dt.timedelta(days=45)
    extend_due(world.lan, world.a_an_phu.pk, much_later, "Lũ", expected_version=0, now=NOW)
    live.refresh_from_db()
    assert live.expires_at == much_later + dt.timedelta(days=30)
    event = _fresh(world.a_an_phu).events.get()
    assert event.details["links_lengthened"] == [live.pk]
    # Another unit's link, revoked or not, is not touched by this unit's extension.
    gone.refresh_from_db()
    assert gone.expires_at == DUE + dt.timedelta(days=30)
    extend_due(world.lan, world.a_binh_minh.pk, much_later, "Lũ", expected_version=0, now=NOW)
    gone.refresh_from_db()
    assert gone.expires_at == DUE + dt.timedelta(days=30)
    assert gone.revoked_at is not None
    # A link already lasting past the new due time plus 30 days is left as it is.
    long, _path = issue_link(world.a_an_phu, by=world.lan, days=365, now=NOW)
    extend_due(world.lan, world.a_an_phu.pk, much_later + dt.timedelta(days=1), "Lũ",
                       expected_version=1, now=NOW)  # fmt: skip
    long.refresh_from_db()
    assert long.expires_at == NOW + dt.timedelta(days=365)
    assert "links_lengthened" not in _fresh(world.a_an_phu).events.latest("pk").details
    assert AccessLink.objects.filter(assignment=world.a_an_phu).count() == 2
