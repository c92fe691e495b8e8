"""One tonghop process on a SQLite file, for test_sqlite_turns.py (run as a script).

    python sqlite_turns_child.py hold SECONDS       write, say "held", wait, commit, say "released"
                                                     (SECONDS "stdin": until a line arrives there)
    python sqlite_turns_child.py write               say "trying", one write; prints its wait in
                                                     ms, or "locked"
    python sqlite_turns_child.py count THREADS EACH  read-modify-write of one counter, in threads
    python sqlite_turns_child.py rollback            a transaction that fails, then a write
    python sqlite_turns_child.py closed              a connection closed mid-transaction, a write

The database is DATABASE_URL's, a file the test made with tables t(who) and counter(n).
"""

from __future__ import annotations

import os
import sys
import threading
import time


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tonghop.settings"
    import django

    django.setup()
    from django.db import OperationalError, connection, transaction

    def write(who: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO t(who) VALUES (%s)", [who])

    mode = sys.argv[1]
    if mode == "hold":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO t(who) VALUES ('holder')")
            print("held", flush=True)
            if sys.argv[2] == "stdin":
                sys.stdin.readline()
            else:
                time.sleep(float(sys.argv[2]))
        print("released", flush=True)
    elif mode == "write":
        print("trying", flush=True)
        t0 = time.monotonic()
        try:
            write("writer")
        except OperationalError as exc:
            print(f"locked after {(time.monotonic() - t0) * 1000:.0f} ms: {exc}", flush=True)
            return
        print(f"{(time.monotonic() - t0) * 1000:.0f}", flush=True)
    elif mode == "count":
        threads, each = int(sys.argv[2]), int(sys.argv[3])
        failures: list[str] = []

        def work() -> None:
            try:
                for _ in range(each):
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("SELECT n FROM counter")
                        n = cursor.fetchone()[0]
                        cursor.execute("UPDATE counter SET n = %s", [n + 1])
            except Exception as exc:
                failures.append(repr(exc))
            finally:
                connection.close()

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        print("failures:", failures, flush=True)
    elif mode in ("rollback", "closed"):
        try:
            with transaction.atomic():
                write("undone")
                if mode == "closed":
                    connection.close()
                raise RuntimeError("the work failed")
        except RuntimeError:
            pass
        # Another thread of the same process comes next: it must not wait for a turn that
        # was never given back.
        done: list[str] = []

        def other() -> None:
            t0 = time.monotonic()
            try:
                write("after")
                done.append(f"{(time.monotonic() - t0) * 1000:.0f}")
            except OperationalError as exc:
                done.append(f"locked: {exc}")
            finally:
                connection.close()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        print(done[0], flush=True)


if __name__ == "__main__":
    main()
