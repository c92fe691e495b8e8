"""The page where a person makes and revokes their own API tokens."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tonghop.api import tokens
from tonghop.api.models import ApiToken

PAGE = "/accounts/tokens/"


def _token_on(page: Any) -> str:
    found = re.search(r'<code class="secret" id="token-text">(thk_[\w-]+)</code>', page)
    assert found, page
    return found.group(1)


def test_a_token_is_shown_once_and_only_its_fingerprint_kept(world: World) -> None:
    client = world.client_for(world.lan)
    response = client.post(PAGE, {"name": "  Hệ thống   của Sở ", "days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = _token_on(response.content.decode())
    stored = ApiToken.objects.get(user=world.lan)
    assert stored.name == "Hệ thống của Sở"
    assert stored.digest == hashlib.sha256(text.encode()).hexdigest() and text not in stored.digest
    assert stored.hint == text[-4:]
    assert 29 <= (stored.expires_at - stored.created_at).days <= 30
    # It works, and the list shows it by name and last characters, never whole again.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"})
    assert me.json()["username"] == "lan"
    page = client.get(PAGE).content.decode()
    assert "Hệ thống của Sở" in page and f"…{text[-4:]}" in page and text not in page
    # Revoked from the page: the program is refused at once.
    response = client.post(reverse("tokens:revoke", args=[stored.pk]))
    assert response.status_code == 302
    assert client.get(response["Location"]).content.decode().count("Đã thu hồi mã") == 1
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 401


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "30"}, "Nội dung này bắt buộc phải nhập."),
        ({"name": "   ", "days": "30"}, "Nội dung này bắt buộc phải nhập."),
        ({"name": "x" * 101, "days": "30"}, "101"),
        ({"name": "Sở", "days": "0"}, "1"),
        ({"name": "Sở", "days": "5000"}, "1095"),
        ({"name": "Sở", "days": "một năm"}, "Vui lòng nhập số nguyên."),
        ({"days": "30"}, "Nội dung này bắt buộc phải nhập."),
    ],
)
def test_bad_input_makes_no_token(world: World, data: dict[str, str], message: str) -> None:
    response = world.client_for(world.hoa).post(PAGE, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'id="token-text"' not in body
    assert not ApiToken.objects.exists()


def test_a_person_has_at_most_twenty_live_tokens(world: World) -> None:
    for number in range(tokens.MAX_LIVE_PER_PERSON):
        tokens.issue_token(world.nam, f"chương trình {number}")
    response = world.client_for(world.nam).post(PAGE, {"name": "thêm", "days": "30"})
    assert response.status_code == 400
    assert "Bạn đã có 20 mã đang dùng" in response.content.decode()
    assert ApiToken.objects.filter(user=world.nam).count() == tokens.MAX_LIVE_PER_PERSON
    first = ApiToken.objects.filter(user=world.nam).last()
    assert first is not None
    tokens.revoke_token(world.nam, first.pk)
    assert world.client_for(world.nam).post(PAGE, {"name": "thêm", "days": "30"}).status_code == 200


def test_nobody_sees_or_revokes_another_persons_token(world: World) -> None:
    token, _text = tokens.issue_token(world.lan, "Bảng theo dõi của Lan")
    for person in (world.thach, world.hoa, world.tu):
        client = world.client_for(person)
        assert "Bảng theo dõi của Lan" not in client.get(PAGE).content.decode()
        assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
