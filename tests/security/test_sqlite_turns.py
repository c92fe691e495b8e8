"""SQLite writers take turns (tonghop.db): between processes and threads, given back on commit,
rollback, close and death, and bounded by the busy timeout. Real processes on a real file,
whichever database the rest of the suite runs on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("sqlite_turns_child.py")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "turns.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
        db.execute("CREATE TABLE counter (n INTEGER)")
        db.execute("INSERT INTO counter VALUES (0)")
    return path


def _env(database: Path, timeout: int = 20) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TONGHOP_"))}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{database}",
        "TONGHOP_DATA_DIR": str(database.parent / "data"),
        "TONGHOP_SQLITE_BUSY_TIMEOUT": str(timeout),
        "PYTHONPATH": str(ROOT / "src"),
    }


def _run(database: Path, *args: str, timeout: int = 20) -> str:
    done = subprocess.run(
        [sys.executable, str(CHILD), *args],
        env=_env(database, timeout),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The last line is the outcome ("write" first says it is trying).
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def _start(database: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args], env=_env(database), stdout=subprocess.PIPE, text=True
    )


def _holding(database: Path, seconds: float) -> subprocess.Popen[str]:
    """A process that has taken its turn (a write transaction) and keeps it `seconds`."""
    process = _start(database, "hold", str(seconds))
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


@pytest.fixture
def holder(database: Path) -> Iterator[subprocess.Popen[str]]:
    """A process holding its turn for a minute, until the test ends it."""
    process = _holding(database, 60)
    yield process
    process.kill()
    process.wait(timeout=30)


def _rows(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT who FROM t ORDER BY id")]


def test_the_server_uses_the_backend_that_queues_writers(database: Path) -> None:
    out = _run(database, "write")
    assert out.isdigit()
    assert _rows(database) == ["writer"]
    # The queue's file sits beside the database; the database itself is SQLite's as ever.
    assert database.with_name("turns.sqlite3-writers.lock").exists()


def test_processes_and_threads_counting_together_lose_no_update(database: Path) -> None:
    processes = [_start(database, "count", "4", "30") for _ in range(3)]
    outputs = [process.communicate(timeout=120)[0].strip() for process in processes]
    assert outputs == ["failures: []"] * 3
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT n FROM counter").fetchone()[0] == 3 * 4 * 30


def test_a_writer_waits_for_the_turn_of_another_process_then_writes(database: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", "stdin"],
        env=_env(database),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    writer = _start(database, "write")
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "trying"
    # However slow the machine, the writer cannot finish while the holder keeps its turn.
    with pytest.raises(subprocess.TimeoutExpired):
        writer.wait(timeout=0.5)
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    holder.wait(timeout=30)
    waited = writer.communicate(timeout=60)[0].strip()
    assert waited.isdigit(), waited
    assert _rows(database) == ["holder", "writer"]


def test_a_process_killed_during_its_turn_gives_it_back(
    database: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    waited = _run(database, "write")
    assert waited.isdigit(), waited
    assert int(waited) < 10_000  # not the 20 s of the timeout
    # The killed process's write never happened.
    assert _rows(database) == ["writer"]


def test_waiting_longer_than_the_busy_timeout_is_database_is_locked(
    database: Path, holder: subprocess.Popen[str]
) -> None:
    out = _run(database, "write", timeout=1)
    assert out.startswith("locked after"), out
    assert "database is locked" in out
    waited_ms = int(out.split()[2])
    assert 900 <= waited_ms < 10_000
    holder.kill()
    holder.wait(timeout=30)
    # Nothing of the refused write was kept; the next one goes through.
    assert _run(database, "write").isdigit()
    assert _rows(database) == ["writer"]


@pytest.mark.parametrize("mode", ["rollback", "closed"])
def test_a_failed_or_closed_transaction_gives_its_turn_back(database: Path, mode: str) -> None:
    # With the turn kept, the next thread would wait out the 2 s timeout and be refused.
    out = _run(database, mode, timeout=2)
    assert out.isdigit(), out
    assert int(out) < 1500
    assert _rows(database) == ["after"]


def test_without_a_usable_queue_file_writers_still_write(database: Path) -> None:
    # Something that cannot be opened as the queue file (here a folder by its name): SQLite's
    # own lock still keeps the writers apart, and the server says why it queues no longer.
    database.with_name("turns.sqlite3-writers.lock").mkdir()
    done = subprocess.run(
        [sys.executable, str(CHILD), "count", "3", "10"],
        env=_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "failures: []"
    assert "no queue file" in done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT n FROM counter").fetchone()[0] == 30
