"""Surviving faults: the server killed mid-submission, the database locked or unreachable, the
worker's database going away and coming back.

Every test runs the real pieces (`tonghop serve` with gunicorn, `tonghop worker`) as processes on
the test database. The database is taken away without disturbing the rest of the suite:
- SQLite: the server reaches the file through a link to its folder, and the link is removed (a
  network share gone) or another connection holds the write lock (a long writer);
- PostgreSQL: the server reaches the database through a TCP relay run by the test, and the relay
  is cut (every connection dropped, new ones closed at once: a network cut or a server restart).
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test import RequestFactory

from tests.conftest import PASSWORD, World
from tests.security.test_server import (
    ROOT,
    Server,
    database_url,
    free_port,
    report_post,
    server_env,
    session_cookie,
)
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
from tonghop.reports.models import Assignment, Report, ReportVersion, State, Step
from tonghop.resilience import DatabaseUnavailableMiddleware, server_error

BUSY = "Hệ thống đang bận hoặc tạm mất kết nối cơ sở dữ liệu"


class Cable:
    """A TCP relay between tonghop's processes and PostgreSQL, which the test can cut."""

    def __init__(self, host: str, port: int) -> None:
        # A server reached through a Unix socket folder (HOST=/run/postgresql) or over TCP.
        self.target: Any = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.is_cut = threading.Event()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _upstream(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            return upstream
        return socket.create_connection(self.target, timeout=10)

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.is_cut.is_set():
                client.close()
                continue
            try:
                upstream = self._upstream()
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.is_cut.set()
        with self.lock:
            for end in self.sockets:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.is_cut.clear()

    def close(self) -> None:
        self.listener.close()
        self.cut()


class DatabaseLink:
    """The test database as tonghop's processes reach it, through something the test can cut."""

    def __init__(self, tmp_path: Path) -> None:
        db = connection.settings_dict
        self.cable: Cable | None = None
        if connection.vendor == "sqlite":
            real = Path(str(db["NAME"])).resolve()
            self.folder, self.link = real.parent, tmp_path / "db-folder"
            self.link.symlink_to(self.folder, target_is_directory=True)
            self.url = f"sqlite:///{self.link / real.name}"
        else:
            self.cable = Cable(str(db["HOST"] or "localhost"), int(db["PORT"] or 5432))
            url = database_url()
            authority = url.split("@", 1)[1].split("/", 1)[0]
            self.url = url.replace(f"@{authority}/", f"@127.0.0.1:{self.cable.port}/", 1)

    def cut(self) -> None:
        if self.cable is not None:
            self.cable.cut()
        else:
            self.link.unlink()

    def restore(self) -> None:
        if self.cable is not None:
            self.cable.restore()
        else:
            self.link.symlink_to(self.folder, target_is_directory=True)

    def close(self) -> None:
        if self.cable is not None:
            self.cable.close()


@pytest.fixture
def link(tmp_path: Path) -> Iterator[DatabaseLink]:
    made = DatabaseLink(tmp_path)
    yield made
    made.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.kill()


@contextlib.contextmanager
def outage(link: DatabaseLink) -> Iterator[str]:
    """The database unavailable to the server: on SQLite another writer holds the lock (the
    server's busy timeout is 1 s in these tests); on PostgreSQL the cable is cut."""
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(str(connection.settings_dict["NAME"]), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield "locked"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        link.cut()
        try:
            yield "unreachable"
        finally:
            link.restore()


def _consistency(pks: list[int]) -> dict[int, str]:
    """Each assignment's state as the database tells it: "submitted" when the whole submission
    is there exactly once, "untouched" when none of it is, else what is wrong."""
    rows = (
        Assignment.objects.filter(pk__in=pks)
        .annotate(
            versions=Count("report__versions", distinct=True),
            submits=Count("events", filter=Q(events__step=Step.SUBMIT), distinct=True),
            events_n=Count("events", distinct=True),
        )
        .values("pk", "state", "version", "submitted_at", "versions", "submits", "events_n")
    )
    reports = set(
        Report.objects.filter(assignment_id__in=pks).values_list("assignment_id", flat=True)
    )
    found: dict[int, str] = {}
    for row in rows:
        whole = (
            row["state"] == State.SUBMITTED
            and row["version"] == 1
            and row["submitted_at"] is not None
            and row["versions"] == 1
            and row["submits"] == 1
            and row["events_n"] == 1
            and row["pk"] in reports
        )
        none = (
            row["state"] == State.NOT_STARTED
            and row["version"] == 0
            and row["submitted_at"] is None
            and row["versions"] == 0
            and row["events_n"] == 0
            and row["pk"] not in reports
        )
        found[row["pk"]] = "submitted" if whole else "untouched" if none else f"HALF: {row}"
    return found


def _many_units(world: World, count: int) -> tuple[User, list[int]]:
    """`count` more communes in the World's campaign, all reported by Bảo."""
    units = Unit.objects.bulk_create(
        Unit(
            code=f"xa-thu-{i}", name=f"UBND xã Thử {i}", kind=UnitKind.COMMUNE, parent=world.office
        )
        for i in range(count)
    )
    bao = User.objects.create_user(username="bao", password=PASSWORD, full_name="Ngô Văn Bảo")
    Membership.objects.bulk_create(Membership(user=bao, unit=u, role=Role.REPORTER) for u in units)
    Assignment.objects.bulk_create(
        Assignment(campaign=world.campaign, unit=u, due_at=world.campaign.due_at) for u in units
    )
    pks = list(
        Assignment.objects.filter(unit__in=units).order_by("pk").values_list("pk", flat=True)
    )
    return bao, pks


def test_a_killed_server_loses_no_acknowledged_report_and_leaves_none_half_written(
    world_tx: World, tmp_path: Path, servers: list[Server]
) -> None:
    bao, pks = _many_units(world_tx, 60)
    cookie = session_cookie(bao)
    server = Server(tmp_path, database_url(), "--workers", "2", "--threads", "4")
    servers.append(server)
    server.start()

    todo: queue.Queue[int] = queue.Queue()
    for pk in pks:
        todo.put(pk)
    acked: set[int] = set()
    failed: dict[int, str] = {}
    enough = threading.Event()
    guard = threading.Lock()

    def submit() -> None:
        while True:
            try:
                pk = todo.get_nowait()
            except queue.Empty:
                return
            url = f"/reports/{pk}/"
            try:
                status, headers, _body = server.request("POST", url, *report_post(cookie))
            except OSError as exc:  # the server died under this request, or was already dead
                with guard:
                    failed[pk] = repr(exc)
                continue
            with guard:
                if status == 302 and headers.get("location") == url:
                    acked.add(pk)
                else:
                    failed[pk] = f"HTTP {status}"
                if len(acked) >= 20:
                    enough.set()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert enough.wait(60), server.log
    server.kill()  # mid-way: 8 clients are sending, more are queued
    for thread in threads:
        thread.join(60)

    assert 20 <= len(acked) < len(pks)
    assert not any(reason.startswith("HTTP") for reason in failed.values()), failed
    # After the kill, before any restart: nothing half written, every acknowledged one stored.
    found = _consistency(pks)
    assert [state for state in found.values() if state.startswith("HALF")] == []
    assert {pk for pk in acked if found[pk] != "submitted"} == set()

    # The restarted server takes the rest; in the end each report is stored exactly once.
    restarted = Server(tmp_path, database_url(), "--workers", "2")
    servers.append(restarted)
    restarted.start()
    untouched = [pk for pk, state in found.items() if state == "untouched"]

    def resend(pk: int) -> tuple[int, str]:
        status, headers, _body = restarted.request("POST", f"/reports/{pk}/", *report_post(cookie))
        return status, headers.get("location", "")

    with ThreadPoolExecutor(4) as pool:
        answers = dict(zip(untouched, pool.map(resend, untouched), strict=True))
    assert {pk: (302, f"/reports/{pk}/") for pk in untouched} == answers
    assert set(_consistency(pks).values()) == {"submitted"}
    assert ReportVersion.objects.filter(report__assignment_id__in=pks).count() == len(pks)
    assert restarted.stop() == 0


def test_a_busy_database_gives_the_503_page_and_the_same_post_then_succeeds(
    world_tx: World, tmp_path: Path, servers: list[Server], link: DatabaseLink
) -> None:
    server = Server(tmp_path, link.url, "--workers", "2", TONGHOP_SQLITE_BUSY_TIMEOUT="1")
    servers.append(server)
    server.start()
    url = f"/reports/{world_tx.a_an_phu.pk}/"
    body, headers = report_post(session_cookie(world_tx.hoa), narrative="Gửi lúc hệ thống bận.")

    with outage(link) as kind:
        status, answer_headers, page = server.request("POST", url, body, headers)

    text = page.decode()
    assert status == 503, text[:500]
    assert BUSY in text
    assert "Service temporarily unavailable" in text
    assert "was not saved" in text
    assert answer_headers["retry-after"] == "30"
    assert "no-store" in answer_headers["cache-control"]
    assert answer_headers["content-type"].startswith("text/html")
    assert "Server Error" not in text
    # Nothing half saved.
    assert _consistency([world_tx.a_an_phu.pk]) == {world_tx.a_an_phu.pk: "untouched"}
    assert "database unavailable: POST " + url in server.log
    assert ("locked" if kind == "locked" else "OperationalError") in server.log

    # The database is back: the very same POST (what the person resends) goes through.
    status, answer_headers, _page = server.request("POST", url, body, headers)
    assert (status, answer_headers["location"]) == (302, url)
    assert _consistency([world_tx.a_an_phu.pk]) == {world_tx.a_an_phu.pk: "submitted"}
    assert Report.objects.get(assignment=world_tx.a_an_phu).narrative == "Gửi lúc hệ thống bận."
    assert server.stop() == 0
    assert "Traceback" not in server.log


def test_an_unreachable_database_gives_503_pages_and_health_json_not_500(
    world_tx: World, tmp_path: Path, servers: list[Server], link: DatabaseLink
) -> None:
    # An open SQLite connection keeps its file when the path to it goes away (the cut here):
    # each request opens its own, to meet the missing path as a new connection does.
    keep = "0" if connection.vendor == "sqlite" else "60"
    server = Server(tmp_path, link.url, "--workers", "2", TONGHOP_DB_CONN_MAX_AGE=keep)
    servers.append(server)
    server.start()
    cookie = session_cookie(world_tx.hoa)
    assert server.request("GET", "/health/")[0] == 200

    link.cut()
    status, headers, body = server.request("GET", "/health/")
    assert status == 503
    assert json.loads(body) == {"ok": False, "database": "unreachable"}
    assert headers["retry-after"] == "30"
    # Every kind of page, signed in or not, says the same instead of a 500.
    for path, method in (
        ("/reports/", "GET"),
        ("/accounts/login/", "GET"),
        (f"/reports/{world_tx.a_an_phu.pk}/", "POST"),
    ):
        body_, headers_ = report_post(cookie) if method == "POST" else (b"", {"Cookie": cookie})
        status, headers, page = server.request(method, path, body_, headers_)
        assert status == 503, (path, page[:300])
        assert BUSY in page.decode()
        if method == "GET":
            assert "Tải lại trang" in page.decode()
    status, headers, body = server.request(
        "GET", "/reports/", headers={"Cookie": cookie, "Accept": "application/json"}
    )
    assert (status, json.loads(body)["ok"]) == (503, False)

    link.restore()
    assert server.request("GET", "/health/")[:1] == (200,)
    status, headers, _page = server.request(
        "POST", f"/reports/{world_tx.a_an_phu.pk}/", *report_post(cookie)
    )
    assert status == 302
    assert server.stop() == 0
    assert "Traceback" not in server.log


def test_the_worker_resumes_its_queue_when_the_database_comes_back(
    world_tx: World, tmp_path: Path, link: DatabaseLink, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from tonghop.reminders.tasks import deliver_reminders

    log_path = tmp_path / "worker.log"
    env = server_env(
        tmp_path,
        link.url,
        TONGHOP_SQLITE_BUSY_TIMEOUT="1",
        TONGHOP_REMINDER_INTERVAL="3600",
        PYTHONUNBUFFERED="1",
        # As for the server above: on SQLite, a kept connection would not notice the cut.
        TONGHOP_DB_CONN_MAX_AGE="0" if connection.vendor == "sqlite" else "60",
    )
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tonghop", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_for(text: str, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while text not in log_path.read_text(encoding="utf-8", errors="replace"):
            assert worker.poll() is None, log_path.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, log_path.read_text(encoding="utf-8")
            time.sleep(0.1)

    try:
        wait_for("Starting worker")
        link.cut()
        wait_for("task worker: the database is unavailable")
        # Queued while the worker cannot see the database (this process reaches it directly).
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
        result = deliver_reminders.enqueue()
        # Still away at the next attempt, after a longer pause: the task waits in the queue.
        wait_for("starting again in 2 s")
        assert DBTaskResult.objects.get(pk=result.id).status == "READY"

        link.restore()
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.get(pk=result.id).status != "SUCCESSFUL":
            assert time.monotonic() < deadline, log_path.read_text(encoding="utf-8")
            time.sleep(0.2)
        assert DBTaskResult.objects.get(pk=result.id).return_value == 0
        assert worker.poll() is None
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0
    # One line per restart, each pause twice the one before.
    assert log_path.read_text(encoding="utf-8").count("starting again in 1 s") == 1


def test_a_worker_started_while_the_database_is_locked_waits_for_it(
    world_tx: World, tmp_path: Path, link: DatabaseLink, settings: Any
) -> None:
    """Started during the outage (SQLite: locked; PostgreSQL: unreachable), with a task already
    queued: the worker neither exits nor loses the task."""
    from django_tasks_db.models import DBTaskResult

    from tonghop.reminders.tasks import deliver_reminders

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = deliver_reminders.enqueue()
    log_path = tmp_path / "worker.log"
    env = server_env(
        tmp_path, link.url, TONGHOP_SQLITE_BUSY_TIMEOUT="1", TONGHOP_REMINDER_INTERVAL="3600"
    )
    with outage(link):
        with log_path.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "tonghop", "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 40
            while "task worker: the database is unavailable" not in log_path.read_text():
                assert worker.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        except BaseException:
            worker.kill()
            raise
    try:
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.get(pk=result.id).status != "SUCCESSFUL":
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0


# The pieces on their own, in this process, with real database errors: a connection to a
# database that is not there.


def _unreachable() -> BaseDatabaseWrapper:
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        db["NAME"] = "/nonexistent-tonghop-folder/tonghop.sqlite3"
    else:
        db["HOST"], db["PORT"] = "127.0.0.1", str(free_port())
    wrapper: BaseDatabaseWrapper = load_backend(str(db["ENGINE"])).DatabaseWrapper(
        db, "unreachable"
    )
    return wrapper


def _answer_to_a_real_outage(path: str, **headers: str) -> HttpResponse:
    request = RequestFactory().post(path, headers=headers)
    middleware = DatabaseUnavailableMiddleware(lambda _request: HttpResponse())
    try:
        _unreachable().ensure_connection()
    except OperationalError as exc:
        answer = middleware.process_exception(request, exc)
        assert answer is not None
        return answer
    raise AssertionError("the unreachable database was reached")


def test_the_503_page_needs_no_database(
    db: None, django_assert_num_queries: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with django_assert_num_queries(0):
        response = _answer_to_a_real_outage("/reports/12/")
    text = response.content.decode()
    assert response.status_code == 503
    assert text.index(BUSY) < text.index("The system is busy")  # Vietnamese first
    assert "Dữ liệu bạn đã gửi trước đó không bị mất. Vui lòng thử lại sau ít phút." in text
    assert "Quay lại" in text
    assert response["Retry-After"] == "30"
    # The site's own stylesheet, and nothing the Content Security Policy would block.
    assert "/static/tonghop/site.css" in text
    assert "<script" not in text
    assert "style=" not in text
    assert "database unavailable: POST /reports/12/ answered 503" in caplog.text


def test_api_clients_and_the_health_check_get_json(db: None) -> None:
    for path, headers in (("/health/", {}), ("/reports/", {"Accept": "application/json"})):
        response = _answer_to_a_real_outage(path, **headers)
        assert response.status_code == 503
        assert json.loads(response.content) == {"ok": False, "database": "unreachable"}
    browser = _answer_to_a_real_outage("/reports/", Accept="text/html,*/*;q=0.8")
    assert browser["Content-Type"].startswith("text/html")


def test_a_database_error_outside_a_view_gets_503_and_any_other_error_500(db: None) -> None:
    request = RequestFactory().post("/reports/12/")
    try:
        _unreachable().ensure_connection()
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    # A query on a table the database lacks (a migration not run) is a bug on every database,
    # though SQLite calls it an OperationalError: a retry would never succeed, so it stays a 500.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM tonghop_no_such_table")
    except DatabaseError:
        response = server_error(request)
    assert response.status_code == 500
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    middleware = DatabaseUnavailableMiddleware(lambda _request: HttpResponse())
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_the_worker_loop_gives_up_only_on_what_is_not_an_outage(db: None) -> None:
    """A bad option or a bug is not retried for ever: only database outages are."""
    from django.core.management.base import CommandError

    from tonghop.resilience import run_task_worker

    with pytest.raises(CommandError):
        run_task_worker("--queue-name", "default", "--exclude-queues", "x")
