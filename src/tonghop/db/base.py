"""Django's SQLite backend, with the writers of every tonghop process taking turns.

SQLite lets one writer at a time in. One who finds the file locked sleeps and tries again, for
longer and longer (up to 100 ms a try), while writers arriving later may slip in first: in the
rush before a due time most submissions pass in milliseconds and a few wait seconds. Here a
transaction (IMMEDIATE: the write lock is taken at BEGIN) first queues for a turn:

1. within the process, on a lock that wakes the next thread as soon as it is released;
2. between processes (the server's, the worker, the command line), on an advisory lock on a file
   beside the database, which only the first thread in line of each process polls, every
   millisecond or two.

The turn is given back at COMMIT or ROLLBACK, or when the connection closes; the operating
system gives it back when a process dies. The queue sits in front of SQLite's own lock, which
still guards the file: a program that does not queue (the sqlite3 shell) is as safe as before.
Waiting longer than the connection's timeout ends as SQLite's own "database is locked", which
the server answers with its "busy, try again" page. Without fcntl (Windows) only the first queue
exists, which is all a single-process server needs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base as sqlite

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# The lock file polling: first after 0.2 ms, then twice as long each time up to this.
MAX_POLL = 0.002


class _Turns:
    """One process's queue for one database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.Lock()
        self.fd: int | None = None
        self.without_file = False

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self.local.acquire(timeout=timeout):
            return False
        try:
            if fcntl is None or self._try_file():
                return True
            pause = 0.0002
            while time.monotonic() < deadline:
                time.sleep(pause)
                if self._try_file():
                    return True
                pause = min(pause * 2, MAX_POLL)
        except BaseException:
            self.local.release()
            raise
        self.local.release()
        return False

    def release(self) -> None:
        if fcntl is not None and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.local.release()

    def _try_file(self) -> bool:
        assert fcntl is not None
        if self.without_file:
            return True
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                # A folder the server may read but not create files in: SQLite's own waiting
                # still keeps the writers apart, only less fairly. Said once per process.
                logger.warning(
                    "tonghop.db: no queue file %s (%s); SQLite's lock alone", self.path, exc
                )
                self.without_file = True
                return True
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


_queues: dict[str, _Turns] = {}
_queues_guard = threading.Lock()


def _forget_queues() -> None:
    # A child process must not share its parent's locks: the file lock belongs to the open file,
    # which a forked child would hold in common with its parent.
    global _queues_guard
    _queues.clear()
    _queues_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_queues)


def _queue_for(path: str) -> _Turns:
    with _queues_guard:
        queue = _queues.get(path)
        if queue is None:
            queue = _queues[path] = _Turns(path)
        return queue


class DatabaseWrapper(sqlite.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn: _Turns | None = None
        self._queue_name = ""
        self._queue_path = ""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        # A new database file is made private before SQLite opens it, whatever the process's
        # umask; SQLite gives its -wal and -shm files the database file's own mode.
        if not self.is_in_memory_db():
            name = str(conn_params.get("database", ""))
            if name and not name.startswith("file:") and not os.path.exists(name):
                with contextlib.suppress(FileExistsError, FileNotFoundError):
                    os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return super().get_new_connection(conn_params)

    def _queue(self) -> _Turns | None:
        if self.is_in_memory_db():
            return None
        # The lock file's name is the database's own, however the path was written.
        name = str(self.settings_dict["NAME"])
        if name != self._queue_name:
            self._queue_name = name
            self._queue_path = str(Path(name).resolve()) + "-writers.lock"
        return _queue_for(self._queue_path)

    def _start_transaction_under_autocommit(self) -> None:
        queue = self._queue()
        if queue is not None and self._turn is None:
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            if not queue.acquire(timeout):
                with self.wrap_database_errors:  # raised as Django's OperationalError
                    raise self.Database.OperationalError("database is locked")
            self._turn = queue
        try:
            # Private in Django and absent from its type stubs, as are the three below.
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._give_back()
            raise

    def _give_back(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._give_back()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._give_back()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._give_back()
