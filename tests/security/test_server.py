"""The production server: `tonghop serve` runs gunicorn with several worker processes on the
test database, serves pages, and stops cleanly; waitress stays for machines without gunicorn.

The helpers here (a server in its own process group, plain HTTP, the test database as a URL)
are also used by test_faults.py.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

from tests.conftest import World
from tonghop.reports.models import Assignment, State

ROOT = Path(__file__).resolve().parents[2]
# A CSRF secret of the cookie's form, sent back in the form field: what a browser does.
CSRF = get_random_string(32)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_url() -> str:
    """The test database (a file for SQLite, `test_…` on PostgreSQL) as a server's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(str(db['NAME'])).resolve()}"
    user, password = (
        quote(str(db["USER"] or ""), safe=""),
        quote(str(db["PASSWORD"] or ""), safe=""),
    )
    host = quote(str(db["HOST"] or "localhost"), safe="")
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(data: Path, url: str, **extra: str) -> dict[str, str]:
    """The environment of a tonghop process working on the test database, as this one does."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TONGHOP_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "TONGHOP_DATA_DIR": str(data),
            "DATABASE_URL": url,
            # Sessions made here by force_login are signed with this key.
            "TONGHOP_SECRET_KEY": settings.SECRET_KEY,
            "TONGHOP_ALLOWED_HOSTS": "127.0.0.1",
            "TONGHOP_EMAIL": "file",
            "TONGHOP_TASKS": "database",
            **extra,
        }
    )
    return env


def fetch(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Server:
    """`tonghop serve` in a process group of its own, so a test can kill all of it at once."""

    def __init__(self, tmp_path: Path, url: str, *args: str, **env: str) -> None:
        self.data = tmp_path
        self.url = url
        self.args = args
        self.env = env
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = tmp_path / "server.log"

    def start(self, timeout: float = 40) -> Server:
        self.port = free_port()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tonghop",
                    "serve",
                    "--addr",
                    f"127.0.0.1:{self.port}",
                    *self.args,
                ],
                cwd=ROOT,
                env=server_env(self.data, self.url, **self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped at start:\n{self.log}")
            try:
                fetch(self.port, "GET", "/health/", timeout=5)
            except OSError:
                time.sleep(0.2)
                continue
            return self
        raise AssertionError(f"the server did not answer within {timeout} s:\n{self.log}")

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, as a service manager stops it: gunicorn finishes its requests and exits."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a power cut of the server."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return fetch(self.port, method, path, body, headers)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers started by a test; any still running at its end is killed, whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.kill()


def session_cookie(user: Any) -> str:
    """A signed-in session of `user` (in the test database), as a browser sends it."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF}"


def report_post(cookie: str, version: int = 0, **values: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the report form sent with "Submit"."""
    fields = {
        "csrfmiddlewaretoken": CSRF,
        "version": str(version),
        "action": "submit",
        "pano": "12",
        "luot_nguoi": "1.250",
        "ty_le": "2,5",
        "khau_hieu": "Sáng tạo để phát triển",
        "narrative": "Đã treo pano, tổ chức tuyên truyền.",
        **values,
    }
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return urlencode(fields).encode(), headers


def test_it_serves_with_gunicorn_workers_and_stops_cleanly(
    world_tx: World, tmp_path: Path, servers: list[Server]
) -> None:
    server = Server(tmp_path, database_url(), "--workers", "2", "--threads", "2")
    servers.append(server)
    server.start()
    status, headers, body = server.request("GET", "/health/")
    assert (status, body) == (200, b'{"ok": true}')
    status, _headers, body = server.request("GET", "/accounts/login/")
    assert status == 200
    assert b"tonghop" in body
    # A real submission through the server, stored in the test database.
    url = f"/reports/{world_tx.a_an_phu.pk}/"
    status, headers, _body = server.request("POST", url, *report_post(session_cookie(world_tx.hoa)))
    assert status == 302
    assert headers["location"] == url
    world_tx.a_an_phu.refresh_from_db()
    assert world_tx.a_an_phu.state == State.SUBMITTED

    assert server.stop() == 0
    log = server.log
    assert "Starting gunicorn" in log
    assert len(re.findall(r"Booting worker with pid", log)) == 2
    assert "Shutting down: Master" in log
    assert "Traceback" not in log
    assert "gunicorn, 2 tiến trình × 2 luồng" in log


def test_the_workers_are_separate_processes_of_one_group(
    world_tx: World, tmp_path: Path, servers: list[Server]
) -> None:
    server = Server(tmp_path, database_url(), "--workers", "3")
    servers.append(server)
    server.start()
    assert server.process is not None
    deadline = time.monotonic() + 30
    while server.log.count("Booting worker with pid") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    # The command became the gunicorn master (exec), so signals from a service manager reach it.
    group = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "-g", str(server.process.pid)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    gunicorns = [line for line in group if "gunicorn" in line and "tonghop.wsgi" in line]
    assert len(gunicorns) == 4, group  # the master and 3 workers
    assert str(server.process.pid) in {line.split()[0] for line in gunicorns}
    assert server.stop() == 0


def test_waitress_still_serves_a_laptop_install(
    world_tx: World, tmp_path: Path, servers: list[Server]
) -> None:
    server = Server(tmp_path, database_url(), "--server", "waitress", "--threads", "2")
    servers.append(server)
    server.start()
    status, _headers, body = server.request("GET", "/health/")
    assert (status, body) == (200, b'{"ok": true}')
    assert server.process is not None
    server.process.send_signal(signal.SIGINT)  # Ctrl+C
    assert server.process.wait(timeout=30) == 0
    assert "waitress, 1 tiến trình × 2 luồng" in server.log
    assert "Traceback" not in server.log


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`tonghop serve` with arguments that must stop it before it serves anything."""
    return subprocess.run(
        [sys.executable, "-m", "tonghop", "serve", *args],
        cwd=ROOT,
        env=server_env(tmp_path, "sqlite:///" + str(tmp_path / "unused.sqlite3"), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "-2"],
        ["--workers", "năm"],
        ["--workers", "5000"],
        ["--workers", "9" * 400],
        ["--threads", ""],
        ["--graceful-timeout", "1e9"],
        ["--server", "uwsgi"],
        ["--addr", "localhost"],
        ["--addr", "127.0.0.1:99999"],
        ["--addr", "127.0.0.1:80; rm -rf /"],
    ],
)
def test_it_refuses_bad_options_before_serving(tmp_path: Path, args: list[str]) -> None:
    done = _serve(tmp_path, *args)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "Starting gunicorn" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TONGHOP_WORKERS", "-1"),
        ("TONGHOP_WORKERS", "many"),
        ("TONGHOP_WORKERS", "100000"),
        ("TONGHOP_THREADS", "4.5"),
        ("TONGHOP_GRACEFUL_TIMEOUT", "0"),
        ("TONGHOP_ACCESS_LOG", "maybe"),
        ("TONGHOP_SQLITE_BUSY_TIMEOUT", "-5"),
    ],
)
def test_a_bad_server_setting_stops_the_start_with_its_name(
    tmp_path: Path, name: str, value: str
) -> None:
    done = _serve(tmp_path, **{name: value})
    assert done.returncode != 0
    assert name in done.stderr


def test_the_defaults_follow_the_cores_and_the_environment(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tonghop.cli import _parser, _plan, default_workers

    assert [default_workers(n) for n in (1, 2, 3, 4, 64)] == [3, 5, 7, 8, 8]
    plan = _plan("127.0.0.1:8000", _parser().parse_args(["serve"]))
    assert plan.server == "gunicorn"
    assert plan.workers == default_workers(len(os.sched_getaffinity(0)))
    # One thread per process with SQLite, whose writers take turns; a few with PostgreSQL.
    threads = 1 if connection.vendor == "sqlite" else 4
    assert (plan.threads, plan.graceful_timeout, plan.access_log) == (threads, 30, False)
    argv = plan.gunicorn_argv()
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert "--access-logfile" not in argv
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    # A worker takes few connections beyond its threads, so a free worker takes the next one.
    assert argv[argv.index("--worker-connections") + 1] == str(threads + 4)

    settings.TONGHOP_WORKERS, settings.TONGHOP_THREADS = 3, 6
    settings.TONGHOP_ACCESS_LOG = True
    plan = _plan("[::1]:9000", _parser().parse_args(["serve"]))
    assert (plan.workers, plan.threads, plan.access_log) == (3, 6, True)
    argv = plan.gunicorn_argv()
    assert argv[argv.index("--bind") + 1] == "[::1]:9000"
    assert argv[argv.index("--access-logfile") + 1] == "-"
    # The command line wins over the environment.
    plan = _plan("127.0.0.1:8000", _parser().parse_args(["serve", "--workers", "2"]))
    assert plan.workers == 2
    waitress = _plan("127.0.0.1:8000", _parser().parse_args(["serve", "--server", "waitress"]))
    assert (waitress.workers, waitress.threads) == (1, 6)


def test_sqlite_writers_wait_for_each_other_instead_of_failing(db: None) -> None:
    """Several worker processes share one SQLite file: each connection waits its turn."""
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == settings.TONGHOP_SQLITE_BUSY_TIMEOUT == 20
    assert "journal_mode=WAL" in options["init_command"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_a_database_url_naming_a_sqlite_file_gets_the_same_options(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS'])",
        ],
        cwd=ROOT,
        env={
            **server_env(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}"),
            "DJANGO_SETTINGS_MODULE": "tonghop.settings",
            "TONGHOP_SQLITE_BUSY_TIMEOUT": "7",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "'transaction_mode': 'IMMEDIATE'" in done.stdout
    assert "'timeout': 7" in done.stdout


def test_a_reporter_of_another_unit_gets_nothing_through_the_real_server(
    world_tx: World, tmp_path: Path, servers: list[Server]
) -> None:
    """The same permission rules behind gunicorn: Nam, Tú and a stranger change nothing."""
    server = Server(tmp_path, database_url(), "--workers", "2")
    servers.append(server)
    server.start()
    url = f"/reports/{world_tx.a_an_phu.pk}/"
    for person in (world_tx.nam, world_tx.tu):
        status, _headers, _body = server.request("POST", url, *report_post(session_cookie(person)))
        assert status == 404
    body, headers = report_post(f"{settings.CSRF_COOKIE_NAME}={CSRF}")
    status, headers, _body = server.request("POST", url, body, headers)
    assert status == 302
    assert headers["location"].startswith("/accounts/login/")
    assert Assignment.objects.get(pk=world_tx.a_an_phu.pk).version == 0
    assert server.stop() == 0
