from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/static/tonghop/site.css", "/static/tonghop/vendor/htmx.min.js"])
def test_it_serves_its_static_files_without_collectstatic(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200


def test_it_speaks_vietnamese_to_an_english_browser(db: None) -> None:
    body = Client().get("/accounts/login/", headers={"Accept-Language": "en-US,en"})
    assert "Đăng nhập" in body.content.decode()
    assert body["Content-Language"] == "vi"


def test_it_reports_health(db: None) -> None:
    assert Client().get("/health/").json() == {"ok": True}


def test_the_models_and_migrations_agree(db: None) -> None:
    from django.core.management import call_command

    # Exits non-zero when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
