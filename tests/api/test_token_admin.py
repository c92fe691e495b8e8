"""An administrator sees people's API tokens and revokes them from the administration pages;
the token itself, or its fingerprint, is never shown there."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import World
from tonghop.api import tokens
from tonghop.api.models import ApiToken
from tonghop.audit.models import Action, AuditEvent
from tonghop.orgs.models import User


def test_an_administrator_revokes_a_persons_token(world: World) -> None:
    root = User.objects.create_superuser(
        username="root", password="x" * 12, email="root@example.org", full_name="Quản trị"
    )
    token, text = tokens.issue_token(world.lan, "Bảng theo dõi")
    kept, _text = tokens.issue_token(world.hoa, "Phần mềm của xã")
    client = world.client_for(root)
    listing = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert "Bảng theo dõi" in listing and "Phần mềm của xã" in listing
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.digest not in page and text not in page
    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.revoked_at is not None and kept.revoked_at is None
    event = AuditEvent.objects.get(action=Action.PERMISSION, details__api_token="revoked")
    assert event.actor == root and event.subject == world.lan
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
