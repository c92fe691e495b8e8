"""Benchmark: the production server in the rush before a due time.

    python bench/load.py [--quick] [--database sqlite|postgres|both] [--rate N]
                         [--no-attachments] [--no-kill] [--workers N] [--threads N]
                         [--connection close|keep-alive] [--pstats FILE]

For each database it builds its own data folder and database in a new folder under `var/`
(PostgreSQL: a new database on the server of DATABASE_URL, dropped at the end), with one office,
10,000 units each with an assignment in the campaigns below, due 30 minutes later, and 200
reporters of 50 units each, signed in once. First, in this process, 50 submissions one after
another through the whole middleware stack (Django's test client): the queries and CPU time of
one submission, where the queries go, and where the CPU goes (queries counted on some, CPU
timed on others, since counting them costs CPU; Python's profiler on the last third, not counted
in the CPU figure; `--pstats FILE` saves it). Then it starts the real server
(`tonghop serve`: gunicorn, several worker processes), and 200 clients (threads, each request on
a new connection closed after it as nginx sends them to the app server by default, the README's
deployment; `--connection keep-alive` keeps one connection a client instead, as a client
straight to the server would):
1. ask for the trivial endpoint, GET /health/ (one query), 10,000 times in all;
2. submit the first campaign's 10,000 reports as fast as the server answers: the report form as
   a browser sends it (multipart, the figures, a narrative, a small real JPEG in
   `attachments`), each client its reporter's 50 units;
3. submit the second campaign's 10,000 at a steady N a second in all (`--rate`, 100 by default:
   five times a whole province's units in their last minutes; 0 skips it), each latency
   counted from when the request was due to be sent;
4. submit a third campaign's 2,000 at the same rate, the whole server killed (SIGKILL) halfway
   and started again, each client sending a failed request again until it is answered, as a
   person would (`--no-kill` skips it).
It reports throughput, median and p99 latency of each, the ratio of (2) to (1), and then checks
the database after each: every acknowledged submission (302 back to the form) stored exactly
once (state, version, one ReportVersion, one SUBMIT event, the narrative sent), none
duplicated, its one attachment and the attachment's files on disk. Goals (issue 21): at most 10
queries and 5 ms of server CPU per submission with a photo; submissions at least 0.15 of the
trivial endpoint's throughput with p99 at most 1 s; paced, p99 at most 250 ms.

The clients run on the same machine as the server: their CPU time is measured and printed beside
the server's, since on a small machine they take a real share of the cores; so is PostgreSQL's,
summed over its processes on this machine (a database on another machine shows 0).
`--quick`: 20 clients, 500 reports (25 measured in process). With DATABASE_URL set both
databases are measured, else SQLite only. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
# One request of a client: method, path, body, headers, and the assignment a submission is for.
Job = tuple[str, str, bytes, dict[str, str], int]
sys.path.insert(0, str(ROOT / "src"))

# The goals of a submission with a photo (issue 21): measured in process, and under load beside
# the trivial endpoint.
GOAL_QUERIES = 10
GOAL_CPU_MS = 5.0
GOAL_RATIO = 0.15
GOAL_P99_MS = 1000.0
GOAL_PACED_P99_MS = 250.0
# Submissions measured one by one in process; submissions of the paced rush the server is
# killed in (at most: each client sends the same number).
PROFILE_REPORTS = 50
KILL_REPORTS = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 clients, 500 reports")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default=None)
    parser.add_argument("--clients", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--reports", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=None, help="server processes")
    parser.add_argument("--threads", type=int, default=None, help="threads per process")
    parser.add_argument(
        "--no-attachments", action="store_true", help="submit without the JPEG (to compare)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="submissions a second offered in the paced rush (default 100; 0: none)",
    )
    parser.add_argument(
        "--no-kill", action="store_true", help="skip the paced rush the server is killed in"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    parser.add_argument(
        "--pstats", metavar="FILE", help="save the in-process profile (Python's pstats) to FILE"
    )
    parser.add_argument(
        "--connection",
        choices=("close", "keep-alive"),
        default="close",
        help="a new connection a request, as nginx in front (default), or one kept a client",
    )
    parser.add_argument("--one", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    clients = args.clients or (20 if args.quick else 200)
    reports = args.reports or (500 if args.quick else 10_000)
    if reports % clients:
        parser.error("--reports must be a multiple of --clients")
    if args.rate is None:
        # Five times the rush of a whole province's units in the last minutes (issue 21).
        args.rate = 100.0
    if args.rate < 0:
        parser.error("--rate must be 0 or more")
    if args.one:
        # One database in this process: Django is set up once per process.
        print(json.dumps(run_one(args.one, clients, reports, args)))
        return

    base_url = os.environ.get("DATABASE_URL", "")
    wanted = args.database or ("both" if base_url else "sqlite")
    databases = ["sqlite", "postgres"] if wanted == "both" else [wanted]
    if not base_url:
        if "postgres" in databases:
            print("PostgreSQL: skipped, DATABASE_URL is not set (a server where a database may")
            print("be created, e.g. postgres://tonghop:tonghop@127.0.0.1:5432/tonghop).")
            databases.remove("postgres")
        else:
            print("DATABASE_URL is not set: SQLite only.")
    runs: list[dict[str, Any]] = []
    for database in databases:
        command = [sys.executable, __file__, "--one", database, "--clients", str(clients)]
        command += ["--reports", str(reports)]
        for flag in ("workers", "threads"):
            if getattr(args, flag):
                command += [f"--{flag}", str(getattr(args, flag))]
        command += ["--rate", str(args.rate), "--connection", args.connection]
        if args.pstats:
            command += ["--pstats", f"{args.pstats}.{database}"]
        for flag in ("keep", "no_attachments", "no_kill"):
            if getattr(args, flag):
                command.append("--" + flag.replace("_", "-"))
        # The run's lines as they come (a full run takes a while), its JSON line kept.
        last = ""
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if last:
                    print(last, flush=True)
                last = line.rstrip("\n")
        try:
            runs.append(json.loads(last))
        except json.JSONDecodeError:
            print(last)
            runs.append({"database": database, "error": f"the run failed ({child.returncode})"})
    ok = bool(runs) and all(run.get("check_ok") for run in runs)
    print(json.dumps({"benchmark": "load", "clients": clients, "reports": reports, "ok": ok,
                      "runs": runs}))  # fmt: skip
    sys.exit(0 if ok else 1)


# --- one database -----------------------------------------------------------------------------


def _create_postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database beside the one DATABASE_URL names; returns its URL and how to drop it."""
    import psycopg

    name = f"tonghop_load_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(base_url)
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def _jpeg() -> bytes:
    """A small real photo-like JPEG (a gradient), as a phone would attach, only smaller."""
    from PIL import Image

    image = Image.new("RGB", (120, 90))
    image.putdata([(x * 2, y * 2, (x + y) % 256) for y in range(90) for x in range(120)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _multipart(fields: list[tuple[str, str]], jpeg: bytes | None) -> tuple[bytes, str]:
    boundary = f"----tonghop{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    if jpeg is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="hoat-dong.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + jpeg
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Phase:
    """What the clients saw during one phase."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    reconnects: int = 0
    resent: int = 0
    down_s: float = 0.0
    kill_error: str = ""

    def summary(self, cores: int) -> dict[str, Any]:
        done = len(self.latencies)
        ordered = sorted(self.latencies)
        p99 = ordered[min(done - 1, int(done * 0.99))] if done else 0.0
        return {
            "requests": done,
            "throughput_per_s": round(done / self.wall, 1) if self.wall else 0.0,
            "median_ms": round(statistics.median(ordered) * 1000, 1) if done else 0.0,
            "p99_ms": round(p99 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if done else 0.0,
            "answers": dict(sorted(self.statuses.items())),
            "wall_s": round(self.wall, 2),
            "client_cpu_s": round(self.client_cpu, 1),
            "server_cpu_s": round(self.server_cpu, 1),
            "database_cpu_s": round(self.database_cpu, 1),
            "reconnects": self.reconnects,
            "resent": self.resent,
            "server_down_s": round(self.down_s, 2),
            "kill_error": self.kill_error,
            # The share of the machine's cores the clients themselves used.
            "client_cpu_share": round(self.client_cpu / (self.wall * cores), 2)
            if self.wall
            else 0.0,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cpu_of(wanted: Callable[[str, list[str]], bool]) -> float:
    """CPU seconds used so far by the live processes `wanted(name, fields)` picks, and by the
    children they waited for, from Linux's /proc (`fields`: what follows the name in stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = tail.split()
        if wanted(head.split("(", 1)[-1], fields):
            total += sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick  # u, s, cu, cs
    return total


def _process_group_cpu(pgid: int) -> float:
    """The server's group: its processes and the file checkers they started per upload."""
    return _cpu_of(lambda _name, fields: int(fields[2]) == pgid)  # state, ppid, pgrp, …


def _postgres_cpu() -> float:
    """PostgreSQL's own processes on this machine (the benchmark's database runs here; each
    server thread's backend lives through a phase, its connection being kept). 0 on SQLite,
    whose work is done in the server's processes."""
    return _cpu_of(lambda name, _fields: name == "postgres")


class Server:
    def __init__(self, data: Path, args: argparse.Namespace) -> None:
        self.port = _free_port()
        self.log_path = data / "server.log"
        self.command = [sys.executable, "-m", "tonghop", "serve"]
        self.command += ["--addr", f"127.0.0.1:{self.port}"]
        for flag in ("workers", "threads"):
            if getattr(args, flag):
                self.command += [f"--{flag}", str(getattr(args, flag))]
        # CPU used by the server processes killed so far (see kill_and_restart).
        self.spent = 0.0
        self._start()

    def _start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        # A shared, busy machine can take a while to start the workers.
        deadline = time.monotonic() + 300
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                # Never leave a half-started server behind.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                raise SystemExit(f"the server did not start:\n{self.log_path.read_text()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/health/")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.2)

    def banner(self) -> str:
        return self.log_path.read_text(encoding="utf-8").splitlines()[0]

    def cpu(self) -> float:
        return self.spent + _process_group_cpu(self.process.pid)

    def kill_and_restart(self) -> float:
        """SIGKILL the whole server (master, workers, file checkers) as a power cut or the
        kernel's OOM killer would, then start it again on the same port; seconds it was down."""
        down = time.perf_counter()
        self.spent += _process_group_cpu(self.process.pid)
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self._start()
        return time.perf_counter() - down

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


# A client waits as long as the server takes, so that its latency is measured, not cut off (a
# proxy in front would answer 504 after its own timeout, nginx's 60 s by default).
CLIENT_TIMEOUT = 900
# What a request on a kept-alive connection the server has since closed fails with.
STALE = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)
# After the server is killed: how often and how many times a client sends a failed request again.
RESEND_PAUSE = 0.25
RESEND_TRIES = 480


def _drive(
    port: int,
    jobs: list[list[Job]],
    server: Server,
    say: Callable[[str], None] | None = None,
    rate: float = 0.0,
    kill_after: float | None = None,
    keep_alive: bool = False,
) -> Phase:
    """Each client (thread) sends its own jobs in order, each on a new connection (as nginx
    does) or, with `keep_alive`, over one kept-alive connection: as fast
    as the server answers, or, with `rate`, at its share of that many requests a second in all
    (the k-th request of client c at (k × clients + c) / rate). A paced request's latency runs
    from when it was due to be sent: a client held up by a slow answer counts the delay it
    caused to its next requests too, as a person waiting would.

    With `kill_after`, the whole server is killed (SIGKILL) that many seconds in and started
    again; a client whose request fails sends it again until answered (`resend`)."""
    phase = Phase()
    resend = kill_after is not None
    guard = threading.Lock()
    start = threading.Barrier(len(jobs) + 1)
    sent = [0]
    begin = [0.0]
    reconnects = [0]
    resent = [0]

    def client(number: int, mine: list[Job]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        latencies: list[float] = []
        statuses: list[str] = []
        acked: list[int] = []
        used = False  # whether the connection has answered a request since it was opened
        start.wait()
        for k, (method, path, body, headers, pk) in enumerate(mine):
            if not keep_alive:
                headers = {**headers, "Connection": "close"}
            sent[0] += 1  # a progress figure only: a lost update under threads does no harm
            t0 = time.perf_counter()
            if rate:
                due = begin[0] + (k * len(jobs) + number) / rate
                if due > t0:
                    time.sleep(due - t0)
                t0 = due
            attempt = 0
            while True:
                attempt += 1
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = str(response.status)
                    if response.status == 302 and response.getheader("Location") == path and pk:
                        acked.append(pk)
                    if not keep_alive or response.getheader("Connection", "").lower() == "close":
                        conn.close()
                    used = True
                    break
                except STALE as exc:
                    # The server closed the kept-alive connection while this client was idle
                    # (gunicorn keeps one 2 s): the request never reached it. A browser sends it
                    # again on a new connection, once; so does this client.
                    status = type(exc).__name__
                    conn.close()
                    if used and attempt == 1:
                        used = False
                        reconnects[0] += 1
                        continue
                except (OSError, http.client.HTTPException) as exc:
                    status = type(exc).__name__
                    conn.close()
                if not resend or attempt >= RESEND_TRIES:
                    break
                # The server is down (killed, restarting): the person presses send again a
                # moment later, with the same form (the same version, the same photo).
                resent[0] += 1
                used = False
                time.sleep(RESEND_PAUSE)
            latencies.append(time.perf_counter() - t0)
            statuses.append(status)
        conn.close()
        with guard:
            phase.latencies += latencies
            for status in statuses:
                phase.statuses[status] = phase.statuses.get(status, 0) + 1
            phase.acked.update(acked)

    threads = [threading.Thread(target=client, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    cpu0, server0, database0 = time.process_time(), server.cpu(), _postgres_cpu()
    begin[0] = time.perf_counter()
    start.wait()
    t0 = begin[0]
    killer = None
    if kill_after is not None:

        def kill() -> None:
            try:
                phase.down_s = server.kill_and_restart()
            except BaseException as exc:  # SystemExit included: a thread would hide it
                phase.kill_error = repr(exc)[:300]

        killer = threading.Timer(kill_after, kill)
        killer.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(60)
            if say is not None and thread.is_alive():
                say(f"  … {sent[0]} sent after {time.perf_counter() - t0:.0f} s")
    if killer is not None:
        killer.join()
    phase.wall = time.perf_counter() - t0
    phase.reconnects = reconnects[0]
    phase.resent = resent[0]
    phase.client_cpu = time.process_time() - cpu0
    phase.server_cpu = server.cpu() - server0
    phase.database_cpu = _postgres_cpu() - database0
    return phase


def _attachment_counts(pks: list[int]) -> dict[int, int] | None:
    """Attachments per assignment, when the reports app has an Attachment model (else None)."""
    from django.apps import apps
    from django.core.exceptions import FieldError
    from django.db.models import Count

    try:
        model = apps.get_model("reports", "Attachment")
    except LookupError:
        return None
    for path in (
        "report__assignment",
        "version__report__assignment",
        "report_version__report__assignment",
        "assignment",
    ):
        try:
            rows = (
                model.objects.filter(**{f"{path}__in": pks})
                .values(path)
                .annotate(n=Count("pk"))
                .values_list(path, "n")
            )
            return {int(pk): n for pk, n in rows}
        except FieldError:
            continue
    return None


def _submit_jobs(
    campaign: Any, units: list[Any], cookies: list[str], csrf: str, jpeg: bytes | None
) -> tuple[list[list[Job]], list[int]]:
    """Each client's submissions, one per unit of its reporter, as a browser sends the form."""
    from tonghop.reports.models import Assignment

    by_unit = dict(Assignment.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
    per_client = len(units) // len(cookies)
    jobs: list[list[Job]] = []
    pks: list[int] = []
    for c, cookie in enumerate(cookies):
        mine: list[Job] = []
        for unit in units[c * per_client : (c + 1) * per_client]:
            pk = by_unit[unit.pk]
            pks.append(pk)
            body, content_type = _multipart(
                [
                    ("csrfmiddlewaretoken", csrf),
                    ("version", "0"),
                    ("action", "submit"),
                    ("pano", str(pk % 40)),
                    ("luot_nguoi", "1.250"),
                    ("ty_le", "2,5"),
                    ("khau_hieu", "Sáng tạo để phát triển"),
                    ("narrative", f"Đơn vị đã treo pano, tổ chức tuyên truyền. #{pk}"),
                ],
                jpeg,
            )
            headers = {"Cookie": cookie, "Content-Type": content_type}
            mine.append(("POST", f"/reports/{pk}/", body, headers, pk))
        jobs.append(mine)
    return jobs, pks


def _check(pks: list[int], acked: set[int], with_attachments: bool) -> dict[str, Any]:
    """What the database holds after the run, against what the clients were told."""
    from django.db.models import Count, Q

    from tonghop.reports.models import Assignment, Report, State, Step

    rows = {
        row["pk"]: row
        for row in Assignment.objects.filter(pk__in=pks)
        .annotate(
            versions=Count("report__versions", distinct=True),
            submits=Count("events", filter=Q(events__step=Step.SUBMIT), distinct=True),
        )
        .values("pk", "state", "version", "versions", "submits")
    }
    narratives = dict(
        Report.objects.filter(assignment_id__in=pks).values_list("assignment_id", "narrative")
    )
    stored = {
        pk
        for pk, row in rows.items()
        if row["state"] == State.SUBMITTED
        and row["version"] == 1
        and row["versions"] == 1
        and row["submits"] == 1
        and narratives.get(pk, "").endswith(f"#{pk}")
    }
    duplicated = [pk for pk, row in rows.items() if row["versions"] > 1 or row["submits"] > 1]
    lost = sorted(acked - stored)
    attachments = _attachment_counts(pks) if with_attachments else None
    lost_attachments = (
        None if attachments is None else sorted(pk for pk in acked if attachments.get(pk, 0) != 1)
    )
    missing_files = _missing_files(pks) if attachments is not None else []
    ok = not lost and not duplicated and not lost_attachments and not missing_files
    return {
        "check_ok": ok,
        "acknowledged": len(acked),
        "stored_once": len(stored & acked),
        "stored_not_acknowledged": len(stored - acked),
        "lost": lost[:20],
        "duplicated": duplicated[:20],
        "attachments_checked": attachments is not None,
        "attachments_lost": None if lost_attachments is None else lost_attachments[:20],
        # Attachment rows whose file is not on disk: a photo lost although its row says stored.
        "attachment_files_missing": missing_files[:20],
    }


def _missing_files(pks: list[int]) -> list[int]:
    """Assignments with an attachment row whose stored file or thumbnail is not on disk."""
    from django.core.files.storage import default_storage

    from tonghop.reports.models import Attachment

    rows = Attachment.objects.filter(report__assignment_id__in=pks).values_list(
        "report__assignment_id", "file", "thumbnail"
    )
    return sorted(
        {
            pk
            for pk, name, thumb in rows
            for n in (name, thumb)
            if n and not default_storage.exists(n)
        }
    )


def _stray_files() -> int:
    """Files in the attachments folder that no row names: written by a request killed before
    its row was committed (harmless, never shown; counted so that it is seen)."""
    from django.conf import settings

    from tonghop.reports.models import Attachment

    folder = Path(settings.MEDIA_ROOT) / "attachments"
    on_disk = {
        str(path.relative_to(settings.MEDIA_ROOT)) for path in folder.rglob("*") if path.is_file()
    }
    named: set[str] = set()
    for name, thumb in Attachment.objects.values_list("file", "thumbnail"):
        named.update((name, thumb))
    return len(on_disk - named)


def _query_kind(sql: str) -> str:
    """A query's verb and table (a SELECT's own, not a subquery's), to say where a
    submission's queries go."""
    words = sql.replace('"', " ").replace("`", " ").split()
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"):
        return verb
    depth = 0
    for index, word in enumerate(words):
        if depth == 0 and word.upper() in ("FROM", "INTO", "UPDATE") and index + 1 < len(words):
            return f"{verb} {words[index + 1].strip('(),')}"
        depth += word.count("(") - word.count(")")
    return verb


def _profile(
    campaign: Any, units: list[Any], reporter: Any, jpeg: bytes | None, pstats_path: str | None
) -> dict[str, Any]:
    """The cost of one submission inside the server, without the HTTP load: the same form
    through the whole middleware stack (Django's test client), one after another in this
    process, counting the queries (CaptureQueriesContext) and the CPU time (this process and
    the file checker's children it waited for). The first submission warms the imports and
    templates and is not counted."""
    from collections import Counter

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tonghop.reports.models import Assignment

    client = Client(HTTP_HOST="127.0.0.1")  # the host the settings allow
    client.force_login(reporter)
    by_unit = dict(Assignment.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
    pks = [by_unit[unit.pk] for unit in units]

    def submit(pk: int) -> int:
        data: dict[str, Any] = {
            "version": "0",
            "action": "submit",
            "pano": str(pk % 40),
            "luot_nguoi": "1.250",
            "ty_le": "2,5",
            "khau_hieu": "Sáng tạo để phát triển",
            "narrative": f"Đơn vị đã treo pano, tổ chức tuyên truyền. #{pk}",
        }
        if jpeg is not None:
            data["attachments"] = SimpleUploadedFile("hoat-dong.jpg", jpeg, "image/jpeg")
        response = client.post(f"/reports/{pk}/", data)
        # A browser follows the redirect, whose page shows the message and so drops it; the
        # clients under load send no messages cookie either. Kept, it would grow with every
        # submission and be decoded and signed again each time.
        client.cookies.pop("messages", None)
        return response.status_code

    warm = submit(pks[0])
    # The last third under Python's profiler, for where the time goes (the profiler slows what it
    # watches, so those are not in the CPU figure); the others measured plain.
    profiled = pks[1:][-max(1, (len(pks) - 1) // 3) :]
    pks = pks[: len(pks) - len(profiled)]
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
    counts: list[int] = []
    transactions: list[int] = []
    kinds: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    cpu = 0.0
    each: list[float] = []
    # Queries counted on the first third, CPU timed on the rest: capturing queries is not free
    # (Django's debug cursor formats every statement with its values, on SQLite by asking the
    # database to quote each one), and that work is no part of a served submission.
    counted = pks[1:][: max(1, (len(pks) - 1) // 3)]
    timed = pks[1 + len(counted) :]
    for pk in timed:
        before, children = time.process_time(), os.times()
        statuses[submit(pk)] += 1
        after = os.times()
        spent = time.process_time() - before
        spent += (after.children_user - children.children_user) + (
            after.children_system - children.children_system
        )
        cpu += spent
        each.append(spent)
    for pk in counted:
        with CaptureQueriesContext(connection) as queries:
            statuses[submit(pk)] += 1
        statements = [q["sql"].lstrip() for q in queries.captured_queries]
        counts.append(sum(not sql.upper().startswith(control) for sql in statements))
        transactions.append(sum(sql.upper().startswith("BEGIN") for sql in statements))
        kinds.update(_query_kind(q["sql"]) for q in queries.captured_queries)
    # Timed by CPU, not by the clock: waiting for the database is not the server's CPU.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for pk in profiled:
        statuses[submit(pk)] += 1
    profiler.disable()
    if pstats_path:
        profiler.dump_stats(pstats_path)  # for `python -m pstats`: every function's share
    measured = len(counts)
    return {
        "submissions": measured,
        "timed": len(timed),
        "answers": {str(k): v for k, v in sorted(statuses.items())},
        "warm_answer": warm,
        # Queries, not counting the statements that open and close transactions.
        "queries": max(counts) if counts else 0,
        "queries_median": statistics.median(counts) if counts else 0,
        "transactions": max(transactions) if transactions else 0,
        "cpu_ms": round(cpu * 1000 / len(timed), 2) if timed else 0.0,
        # On a shared machine a few slow submissions move the mean: the median says what one
        # costs when nothing else intervenes.
        "cpu_ms_median": round(statistics.median(each) * 1000, 2) if each else 0.0,
        # Queries of one submission by verb and table (averaged over the submissions measured).
        "query_kinds": {kind: round(n / measured, 2) for kind, n in kinds.most_common()}
        if measured
        else {},
        # Shares of the server's own time by what spends it.
        "cpu_shares": _cpu_shares(profiler),
    }


# Where a function's own time is counted, by its file: the first part found in the path.
CPU_AREAS = (
    ("django/db/", "ORM: building SQL, rows to objects"),
    ("sqlite3", "database driver"),
    ("psycopg", "database driver"),
    ("django/http/multipartparser", "form and file parsing"),
    ("django/contrib/sessions", "session, person, messages"),
    ("django/contrib/auth", "session, person, messages"),
    ("django/contrib/messages", "session, person, messages"),
    ("django_otp", "session, person, messages"),
    ("PIL/", "photo check and thumbnail"),
    ("tonghop/reports/filecheck", "photo check and thumbnail"),
    ("django/test/", "test client (not in a real server)"),
    ("/tonghop/", "tonghop's own code"),
    ("django/", "Django: requests, middleware, forms"),
)


def _cpu_shares(profiler: Any) -> dict[str, float]:
    import pstats

    stats = pstats.Stats(profiler)
    spent: dict[str, float] = {}
    for (path, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        where = path if path != "~" else name
        area = next((label for part, label in CPU_AREAS if part in where), "other")
        if path == "~":
            # Built-ins: the database's own C code (running the SQL), else Python's.
            database = ("sqlite3", "SQLiteCursor", "psycopg", "pq.")
            area = (
                "database driver"
                if any(word in name for word in database)
                else "Python built-ins (called by all the rest) and file calls"
            )
        spent[area] = spent.get(area, 0.0) + own
    total = sum(spent.values()) or 1.0
    return {
        area: round(100 * t / total, 1) for area, t in sorted(spent.items(), key=lambda i: -i[1])
    }


def run_one(database: str, clients: int, reports: int, args: argparse.Namespace) -> dict[str, Any]:
    # The data folder on the repository's disk, as an install's would be, not in the temporary
    # folder: that may be another filesystem (tmpfs) or one watched by other software, where
    # making a file costs a millisecond of the server's CPU instead of tens of microseconds.
    (ROOT / "var").mkdir(exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix=f"tonghop-load-{database}-", dir=ROOT / "var"))
    os.environ["TONGHOP_DATA_DIR"] = str(data)
    os.environ["TONGHOP_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["TONGHOP_TASKS"] = "database"
    os.environ["TONGHOP_EMAIL"] = "file"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    drop: Callable[[], None] | None = None
    if database == "postgres":
        os.environ["DATABASE_URL"], drop = _create_postgres_database(os.environ["DATABASE_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        return _measure(database, data, clients, reports, args)
    finally:
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
        if not args.keep:
            import shutil

            shutil.rmtree(data, ignore_errors=True)


def _measure(
    database: str, data: Path, clients: int, reports: int, args: argparse.Namespace
) -> dict[str, Any]:
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from tonghop.campaigns.actions import CampaignSpec, IndicatorSpec
    from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
    from tonghop.reports.assigning import create_campaign

    cores = len(os.sched_getaffinity(0))

    def say(text: str) -> None:
        print(f"[{database}] {text}", flush=True)

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, run_syncdb=True)
    office = Unit.objects.create(code="load-office", name="Phòng thử tải", kind=UnitKind.OFFICE)
    Unit.objects.bulk_create(
        (
            Unit(code=f"load-u{i}", name=f"Đơn vị {i}", kind=UnitKind.COMMUNE, parent=office)
            for i in range(reports)
        ),
        batch_size=2000,
    )
    units = list(Unit.objects.filter(parent=office).order_by("pk"))
    lan = User.objects.create_user("load-lan", password=None, full_name="Chuyên viên")
    Membership.objects.create(user=lan, unit=office, role=Role.SPECIALIST)
    per_client = reports // clients
    # The units of the killed rush: each reporter's first few, so that each client still
    # submits only its own reporter's units.
    kill_units = [
        units[c * per_client + i]
        for c in range(clients)
        for i in range(min(per_client, KILL_REPORTS // clients or 1))
    ]
    # The rush: every unit's report is due in half an hour. Campaigns alike: one for the
    # clients at full speed, one for the paced rush, one for the paced rush the server is
    # killed in, one measured in this process (the first reporter's units).
    due = timezone.now() + dt.timedelta(minutes=30)
    wanted: list[tuple[str, list[Any]]] = [("load", units)]
    if args.rate:
        wanted += [("rush", units)]
        if not args.no_kill:
            wanted += [("killed", kill_units)]
    wanted += [("profile", units[: min(per_client, PROFILE_REPORTS)])]
    campaigns = {
        slug: create_campaign(
            office,
            CampaignSpec(
                slug=slug,
                title="Thử tải",
                due_at=due,
                indicators=(
                    IndicatorSpec("pano", "Pano", "integer", "sum", "", "cái", required=True),
                    IndicatorSpec("luot_nguoi", "Lượt người", "integer", "sum", "", "lượt"),
                    IndicatorSpec("ty_le", "Tỷ lệ", "decimal", "average", "", "%"),
                    IndicatorSpec("khau_hieu", "Khẩu hiệu", "text", "list"),
                ),
            ),
            chosen,
            by=lan,
        )
        for slug, chosen in wanted
    }
    password = make_password(None)
    User.objects.bulk_create(
        User(username=f"load-r{i}", password=password, full_name=f"Báo cáo viên {i}")
        for i in range(clients)
    )
    reporters = list(User.objects.filter(username__startswith="load-r").order_by("pk"))
    Membership.objects.bulk_create(
        (
            Membership(user=reporters[i // per_client], unit=unit, role=Role.REPORTER)
            for i, unit in enumerate(units)
        ),
        batch_size=2000,
    )
    csrf = uuid.uuid4().hex  # 32 characters, the form of Django's CSRF secret
    cookies = []
    for reporter in reporters:  # signed in once each
        client = Client()
        client.force_login(reporter)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}")
    build_s = time.perf_counter() - t0
    say(f"built {reports} units and assignments, {clients} reporters in {build_s:.0f} s")

    jpeg = None if args.no_attachments else _jpeg()
    # Where a submission's time goes, before any load: queries and CPU, in this process.
    profile = _profile(campaigns["profile"], units[: min(per_client, PROFILE_REPORTS)],
                       reporters[0], jpeg, args.pstats)  # fmt: skip
    connections.close_all()
    say(
        f"one submission{' + JPEG' if jpeg is not None else ''} in process: "
        f"{profile['queries']} queries (goal ≤ {GOAL_QUERIES}) in {profile['transactions']} "
        f"transactions over {profile['submissions']} submissions, {profile['cpu_ms']} ms CPU "
        f"(goal ≤ {GOAL_CPU_MS:g}; median {profile['cpu_ms_median']} ms) over "
        f"{profile['timed']} others, answers {profile['answers']}"
    )
    say("  queries: " + ", ".join(f"{k} ×{n:g}" for k, n in profile["query_kinds"].items()))
    say("  CPU by area (%): " + ", ".join(f"{k} {v:g}" for k, v in profile["cpu_shares"].items()))
    trivial: Job = ("GET", "/health/", b"", {}, 0)
    health_jobs = [[trivial] * per_client for _ in range(clients)]
    submit_jobs, pks = _submit_jobs(campaigns["load"], units, cookies, csrf, jpeg)
    rush_jobs, rush_pks = (
        _submit_jobs(campaigns["rush"], units, cookies, csrf, jpeg) if args.rate else ([], [])
    )
    kill_jobs, kill_pks = (
        _submit_jobs(campaigns["killed"], kill_units, cookies, csrf, jpeg)
        if "killed" in campaigns
        else ([], [])
    )

    # Other work on the machine skews every figure: the load average says how much there was.
    load_before = os.getloadavg()[0]
    server = Server(data, args)
    say(f"{server.banner()}; clients' connections: {args.connection}")
    # Warm every worker: the first request of a process imports the views and templates, the
    # first of a thread opens its database connection.
    warm = [[trivial] * 10 for _ in range(clients)]
    keep_alive = args.connection == "keep-alive"
    _drive(server.port, warm, server, keep_alive=keep_alive)
    health = _drive(server.port, health_jobs, server, say, keep_alive=keep_alive)
    submit = _drive(server.port, submit_jobs, server, say, keep_alive=keep_alive)
    rush = (
        _drive(server.port, rush_jobs, server, say, rate=args.rate, keep_alive=keep_alive)
        if args.rate
        else None
    )
    killed = (
        _drive(
            server.port,
            kill_jobs,
            server,
            say,
            rate=args.rate,
            kill_after=len(kill_pks) / args.rate / 2,
            keep_alive=keep_alive,
        )
        if kill_jobs
        else None
    )
    load_after = os.getloadavg()[0]
    server.stop()
    check = _check(pks, submit.acked, with_attachments=jpeg is not None)
    rush_check = _check(rush_pks, rush.acked, with_attachments=jpeg is not None) if rush else None
    kill_check = (
        _check(kill_pks, killed.acked, with_attachments=jpeg is not None) if killed else None
    )
    stray_files = _stray_files() if jpeg is not None else 0
    swept = stray_after_sweep = 0
    if stray_files:
        # What the worker's sweep does hours later, done now that no request is under way: the
        # files of the killed requests go, every file a report names stays (checked above).
        from tonghop.reports.attachments import sweep_strays

        time.sleep(1.1)
        swept = sweep_strays(dt.timedelta(seconds=1)).removed
        stray_after_sweep = _stray_files()
        if _missing_files(pks + rush_pks + kill_pks):
            raise SystemExit("the sweep removed a file a report names")
    errors_in_log = server.log_path.read_text(encoding="utf-8").count("Traceback")

    h, s = health.summary(cores), submit.summary(cores)
    ratio = s["throughput_per_s"] / h["throughput_per_s"] if h["throughput_per_s"] else 0.0
    say(
        f"GET /health/      {h['throughput_per_s']:7.1f}/s  median {h['median_ms']:6.1f} ms  "
        f"p99 {h['p99_ms']:7.1f} ms  answers {h['answers']}"
    )
    say(
        f"{'submit + JPEG' if jpeg is not None else 'submit, no file'}   "
        f"{s['throughput_per_s']:7.1f}/s  median {s['median_ms']:6.1f} ms  "
        f"p99 {s['p99_ms']:7.1f} ms  answers {s['answers']}"
    )
    say(
        f"ratio {ratio:.3f} (goal ≥ {GOAL_RATIO}); p99 of submissions "
        f"{s['p99_ms']:.0f} ms (goal ≤ {GOAL_P99_MS:.0f})"
    )
    say(
        f"CPU during submissions: clients {s['client_cpu_s']} s, server {s['server_cpu_s']} s, "
        f"PostgreSQL {s['database_cpu_s']} s over {s['wall_s']} s on {cores} cores (clients "
        f"took {s['client_cpu_share']:.0%} of the machine); load average before the run "
        f"{load_before:.1f}, after {load_after:.1f}"
    )
    for name, found in (
        ("check", check),
        ("paced check", rush_check),
        ("check after SIGKILL", kill_check),
    ):
        if found is not None:
            say(_check_line(name, found, jpeg is not None))
    r = rush.summary(cores) if rush is not None else None
    if r is not None:
        say(
            f"paced rush at {args.rate:g}/s: {r['throughput_per_s']:7.1f}/s  median "
            f"{r['median_ms']:6.1f} ms  p99 {r['p99_ms']:7.1f} ms  (goal ≤ "
            f"{GOAL_PACED_P99_MS:.0f}) answers {r['answers']}, reconnected {r['reconnects']}"
        )
    k = killed.summary(cores) if killed is not None else None
    if k is not None:
        say(
            f"paced rush killed midway: server down {k['server_down_s']} s, "
            f"{k['resent']} requests sent again, answers {k['answers']}; "
            f"{stray_files} stray files, {swept} swept, {stray_after_sweep} left "
            f"{k['kill_error']}"
        )
    if errors_in_log:
        say(f"the server logged {errors_in_log} tracebacks: {server.log_path}")
    checks = [c for c in (check, rush_check, kill_check) if c is not None]
    return {
        "database": connection.vendor,
        "server": server.banner(),
        "connection": args.connection,
        "cores": cores,
        "clients": clients,
        "reports": reports,
        "build_s": round(build_s, 1),
        "per_submission": profile,
        "goal_queries_met": profile["queries"] <= GOAL_QUERIES,
        "goal_cpu_met": profile["cpu_ms"] <= GOAL_CPU_MS,
        "health": h,
        "submit": s,
        "ratio": round(ratio, 3),
        "goal_ratio_met": ratio >= GOAL_RATIO,
        "goal_p99_met": s["p99_ms"] <= GOAL_P99_MS,
        "paced_rate_per_s": args.rate,
        "paced": r,
        "goal_p99_met_paced": r["p99_ms"] <= GOAL_PACED_P99_MS if r is not None else None,
        "paced_check": rush_check,
        "killed": k,
        "killed_check": kill_check,
        "stray_files": stray_files,
        "stray_files_swept": swept,
        "stray_files_after_sweep": stray_after_sweep,
        "server_tracebacks": errors_in_log,
        "attachments_sent": jpeg is not None,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        **check,
        "check_ok": all(c["check_ok"] for c in checks),
    }


def _check_line(name: str, check: dict[str, Any], with_attachments: bool) -> str:
    attachments = (
        ("not sent" if not with_attachments else "not checked (no Attachment model)")
        if not check["attachments_checked"]
        else f"lost {len(check['attachments_lost'] or [])}"
    )
    return (
        f"{name}: {'OK' if check['check_ok'] else 'FAILED'}: {check['acknowledged']} "
        f"acknowledged, {check['stored_once']} stored once, lost {len(check['lost'])}, "
        f"duplicated {len(check['duplicated'])}, attachments {attachments}"
    )


if __name__ == "__main__":
    main()
