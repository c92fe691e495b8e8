"""Production settings: `manage.py check --deploy` is clean, and a bad value stops the start."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TONGHOP_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.update({"TONGHOP_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "-m", "tonghop", "manage", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production(**extra: str) -> dict[str, str]:
    return {
        "TONGHOP_PRODUCTION": "true",
        "TONGHOP_SECRET_KEY": secrets.token_urlsafe(60),
        "TONGHOP_ALLOWED_HOSTS": "baocao.example.gov.vn",
        **extra,
    }


def test_it_passes_the_deployment_checks_in_production(tmp_path: Path) -> None:
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_passes_behind_a_proxy_too(tmp_path: Path) -> None:
    env = _production(TONGHOP_BEHIND_PROXY="true", TONGHOP_HSTS_SECONDS="600")
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_laptop_default_is_not_production(tmp_path: Path) -> None:
    # No TLS on http://127.0.0.1: the deployment checks have things to say, and that is right.
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TONGHOP_SECRET_KEY": ""}, "TONGHOP_SECRET_KEY"),
        ({"TONGHOP_SECRET_KEY": "short"}, "TONGHOP_SECRET_KEY"),
        ({"TONGHOP_ALLOWED_HOSTS": ""}, "TONGHOP_ALLOWED_HOSTS"),
        ({"TONGHOP_DEBUG": "true"}, "TONGHOP_DEBUG"),
        ({"TONGHOP_HSTS_SECONDS": "a year"}, "TONGHOP_HSTS_SECONDS"),
        ({"TONGHOP_BEHIND_PROXY": "maybe"}, "TONGHOP_BEHIND_PROXY"),
        ({"TONGHOP_LOGIN_ATTEMPTS": "0"}, "TONGHOP_LOGIN_ATTEMPTS"),
    ],
)
def test_a_bad_value_stops_the_start(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = _manage(tmp_path, "check", **_production(**env))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_production_never_writes_a_key_file(tmp_path: Path) -> None:
    _manage(tmp_path, "check", **_production(TONGHOP_SECRET_KEY=""))
    assert not (tmp_path / "data" / "secret_key").exists()
