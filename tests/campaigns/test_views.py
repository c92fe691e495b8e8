from __future__ import annotations

from django.urls import reverse

from tests.conftest import World
from tonghop.reports import actions
from tonghop.reports.models import Assignment, State


def _submit(world: World, a: Assignment, pano: str = "3") -> None:
    actions.save_report(
        world.hoa if a.unit == world.an_phu else world.nam,
        a.pk,
        {"pano": pano},
        "Đã tổ chức",
        expected_version=a.version,
        submit=True,
    )


def test_it_shows_the_campaign_with_every_units_status(world: World) -> None:
    _submit(world, world.a_an_phu)
    actions.save_report(
        world.nam, world.a_binh_minh.pk, {"pano": "1"}, "", expected_version=0, submit=False
    )
    response = world.client_for(world.lan).get(
        reverse("campaigns:detail", args=[world.campaign.slug])
    )
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("UBND xã An Phú", "UBND xã Bình Minh", "Trường THCS An Phú"):
        assert name in body
    assert "Gửi đúng hạn (1)" in body
    assert "Bản nháp (1)" in body
    assert "Chưa thực hiện (1)" in body
    assert 'data-figure="submitted">1<' in body


def test_it_filters_the_table_by_status(world: World) -> None:
    _submit(world, world.a_an_phu)
    body = (
        world.client_for(world.lan)
        .get(reverse("campaigns:detail", args=[world.campaign.slug]) + "?status=on_time")
        .content.decode()
    )
    assert 'data-unit="xa-an-phu"' in body
    assert 'data-unit="xa-binh-minh"' not in body


def test_it_lets_the_specialist_accept(world: World) -> None:
    _submit(world, world.a_an_phu)
    client = world.client_for(world.lan)
    url = reverse("campaigns:review-step", args=[world.campaign.slug, world.a_an_phu.pk, "accept"])
    response = client.post(url, {"version": 1})
    assert response.status_code == 302
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.ACCEPTED
    assert "Đã chấp nhận báo cáo." in client.get(response["Location"]).content.decode()


def test_it_lets_the_specialist_return_with_a_comment(world: World) -> None:
    _submit(world, world.a_an_phu)
    client = world.client_for(world.lan)
    url = reverse("campaigns:review-step", args=[world.campaign.slug, world.a_an_phu.pk, "return"])
    empty = client.post(url, {"version": 1, "comment": ""})
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.SUBMITTED
    assert "bắt buộc phải nhập" in client.get(empty["Location"]).content.decode()
    client.post(url, {"version": 1, "comment": "Bổ sung số liệu"})
    a = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert a.state == State.RETURNED
    last = a.events.last()
    assert last is not None
    assert last.comment == "Bổ sung số liệu"
    review = client.get(reverse("campaigns:review", args=[world.campaign.slug, a.pk]))
    assert "Bổ sung số liệu" in review.content.decode()


def test_it_hides_the_office_pages_from_reporters_and_other_offices(world: World) -> None:
    _submit(world, world.a_an_phu)
    slug = world.campaign.slug
    urls = [
        reverse("campaigns:detail", args=[slug]),
        reverse("campaigns:review", args=[slug, world.a_an_phu.pk]),
    ]
    for intruder in (world.hoa, world.nam, world.tu):
        client = world.client_for(intruder)
        for url in urls:
            assert client.get(url).status_code == 404, (intruder, url)
        step = reverse("campaigns:review-step", args=[slug, world.a_an_phu.pk, "accept"])
        assert client.post(step, {"version": 1}).status_code == 404
        listing = client.get(reverse("campaigns:list")).content.decode()
        assert world.campaign.title not in listing
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.SUBMITTED


def test_it_lists_campaigns_with_their_figures(world: World) -> None:
    _submit(world, world.a_an_phu)
    body = world.client_for(world.thach).get(reverse("campaigns:list")).content.decode()
    assert world.campaign.title in body
    assert "1/3" in body


def test_it_sends_each_person_home_by_role(world: World) -> None:
    assert world.client_for(world.lan).get("/")["Location"] == reverse("campaigns:list")
    assert world.client_for(world.hoa).get("/")["Location"] == reverse("reports:mine")


def test_it_answers_an_unknown_step_with_404(world: World) -> None:
    _submit(world, world.a_an_phu)
    client = world.client_for(world.lan)
    url = f"/campaigns/{world.campaign.slug}/units/{world.a_an_phu.pk}/delete/"
    response = client.post(url, {"version": 1})
    assert response.status_code == 404
    assert Assignment.objects.get(pk=world.a_an_phu.pk).state == State.SUBMITTED
