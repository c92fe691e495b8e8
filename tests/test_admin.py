"""The administration pages: every registered model's list opens, and the campaign's form is
shown there but not editable (it changes only through the form page, which keeps versions)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from tests.conftest import World
from tonghop.campaigns.form_models import Indicator
from tonghop.orgs.models import User


def _root() -> User:
    return User.objects.create_superuser(
        username="root", password="x" * 12, email="root@example.org", full_name="Quản trị"
    )


def test_every_admin_list_opens(world: World) -> None:
    client = world.client_for(_root())
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_the_form_cannot_be_changed_from_the_admin(world: World) -> None:
    client = world.client_for(_root())
    url = reverse("admin:campaigns_campaign_change", args=[world.campaign.pk])
    page = client.get(url).content.decode()
    assert "Pano đã treo" in page
    assert 'name="indicators-0-label"' not in page
    before = list(Indicator.objects.values_list("code", "label"))
    data = {
        "office": world.office.pk,
        "slug": world.campaign.slug,
        "title": world.campaign.title,
        "due_at_0": "2030-05-05",
        "due_at_1": "23:59:59",
        "status": "open",
        "indicators-TOTAL_FORMS": "1",
        "indicators-INITIAL_FORMS": "1",
        "indicators-0-id": str(world.campaign.indicators.first().pk),  # type: ignore[union-attr]
        "indicators-0-label": "đổi tên",
        "indicators-0-DELETE": "on",
    }
    client.post(url, data)
    assert list(Indicator.objects.values_list("code", "label")) == before
