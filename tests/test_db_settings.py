"""Database connections from the environment: kept and health-checked, PostgreSQL through
psycopg's pool and with prepared statements (issue 21), and a bad value stops the start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://tonghop:tonghop@127.0.0.1:5433/tonghop"
SHOW = (
    "import json; from tonghop import settings as s; d = s.DATABASES['default']; "
    "pool = d.get('OPTIONS', {}).get('pool'); "
    "print(json.dumps({'age': d.get('CONN_MAX_AGE'), 'checks': d.get('CONN_HEALTH_CHECKS'), "
    "'pool': None if pool is None else {k: pool[k] for k in ('min_size', 'max_size')}, "
    "'prepared': {k: d.get('OPTIONS', {}).get(k) "
    "for k in ('server_side_binding', 'prepare_threshold')}}))"
)
PREPARED = {"server_side_binding": True, "prepare_threshold": 2}
UNPREPARED = {"server_side_binding": None, "prepare_threshold": None}


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TONGHOP_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.update({"TONGHOP_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _databases(tmp_path: Path, **env: str) -> dict[str, object]:
    result = _settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_postgres_keeps_checked_connections_and_a_pool_when_asked(tmp_path: Path) -> None:
    # By default the connections are kept and checked (an outage answers "busy" at once).
    assert _databases(tmp_path, DATABASE_URL=POSTGRES) == {
        "age": 60,
        "checks": True,
        "pool": None,
        "prepared": PREPARED,
    }
    # The pool keeps the connections: Django's own keeping is off then.
    pooled = _databases(tmp_path, DATABASE_URL=POSTGRES, TONGHOP_DB_POOL="true")
    assert pooled == {
        "age": 0,
        "checks": True,
        "pool": {"min_size": 1, "max_size": 16},
        "prepared": PREPARED,
    }
    sized = _databases(
        tmp_path, DATABASE_URL=POSTGRES, TONGHOP_DB_POOL="true", TONGHOP_DB_POOL_SIZE="4"
    )
    assert sized["pool"] == {"min_size": 1, "max_size": 4}


def test_the_kept_connections_follow_the_environment(tmp_path: Path) -> None:
    found = _databases(
        tmp_path,
        DATABASE_URL=POSTGRES,
        TONGHOP_DB_POOL="false",
        TONGHOP_DB_CONN_MAX_AGE="30",
        TONGHOP_DB_HEALTH_CHECKS="false",
        TONGHOP_DB_PREPARED="false",
    )
    assert found == {"age": 30, "checks": False, "pool": None, "prepared": UNPREPARED}


def test_sqlite_keeps_its_connections_checked(tmp_path: Path) -> None:
    # SQLite has no server to prepare statements on.
    assert _databases(tmp_path) == {
        "age": 60,
        "checks": True,
        "pool": None,
        "prepared": UNPREPARED,
    }
    assert _databases(tmp_path, TONGHOP_DB_HEALTH_CHECKS="no")["checks"] is False


def test_a_bad_value_stops_the_start(tmp_path: Path) -> None:
    for name, value in (
        ("TONGHOP_DB_HEALTH_CHECKS", "maybe"),
        ("TONGHOP_DB_POOL", "sometimes"),
        ("TONGHOP_DB_POOL_SIZE", "0"),
        ("TONGHOP_DB_POOL_TIMEOUT", "soon"),
        ("TONGHOP_DB_PREPARED", "often"),
    ):
        result = _settings(tmp_path, DATABASE_URL=POSTGRES, **{name: value})
        assert result.returncode != 0
        assert name in result.stderr
