"""Surviving faults: a database that is locked or away, and a task worker that must outlive it.

A database that is busy (SQLite: another writer held the lock longer than the busy timeout) or
unreachable (PostgreSQL stopped, the network cut, a connection dropped) raises OperationalError
or InterfaceError wherever the request happens to touch it. Left alone, Django answers with its
500 page, which reads as "the site is broken and my report is gone". It is neither: every change
goes through one transaction (reports/actions.py and the other `actions` modules), so a request
that failed this way changed nothing, and whatever was saved before is still there. The person
only has to send again a little later, and the page says exactly that, with 503 and Retry-After
so that a proxy, a load balancer or a script knows to retry.

The worker side: django_tasks_db's `db_worker` stops on any database error that is not "locked",
and even a lock stops it when it outlasts the busy timeout. `run_task_worker` starts it again with
a growing pause, so a worker left running through an outage resumes its queue by itself.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

# The errors of a database that is busy, away or cut off, as opposed to a bug in a query
# (ProgrammingError, IntegrityError), which must stay a 500 and be fixed.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# SQLite reports a few bugs as OperationalError too: a table or column the code expects but the
# database lacks (a migration not run) is no outage, and a retry would never succeed.
_SQLITE_BUGS = ("no such table", "no such column", "has no column named", "syntax error")

# What the 503 answer asks of a client before it tries again. Short: most outages seen here are
# a lock that lasts seconds or a database server restarting.
RETRY_AFTER_SECONDS = 30

# The task worker's pause before a restart doubles from the first to the last figure.
FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 60.0


def is_outage(exc: BaseException | None) -> bool:
    """Whether `exc` says the database is busy or away (try again later), not a bug."""
    if not isinstance(exc, DATABASE_ERRORS):
        return False
    message = str(exc).lower()
    return not any(bug in message for bug in _SQLITE_BUGS)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text[:300]}"


def _wants_json(request: HttpRequest) -> bool:
    """The health check and API clients get JSON; a browser gets the page."""
    if request.path_info in ("/health/", "/health") or request.path_info.startswith("/api/"):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The answer to a request that met a locked or unreachable database: 503, never a 500."""
    logger.error(
        "database unavailable: %s %s answered 503 (%s)",
        request.method,
        request.path,
        _one_line(exc),
    )
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"ok": False, "database": "unreachable"}, status=503)
    else:
        # Rendered without the request on purpose: the context processors (the signed-in user,
        # messages, unread notifications) would each ask the database that just failed.
        page = loader.render_to_string(
            "503.html",
            {"retry_after": RETRY_AFTER_SECONDS, "reload": request.method in ("GET", "HEAD")},
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Logged above with its cause; Django's own "Service Unavailable: /path" would repeat it.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database that is locked or unreachable during a view into the 503 page.

    Errors raised outside the view (a middleware saving the session after the view ran) have
    already become a response when they reach any middleware; `server_error`, the project's
    handler500, catches those.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_outage(exception):
            return database_unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside the view still gets the 503 page."""
    exc = sys.exception()
    if exc is not None and is_outage(exc):
        return database_unavailable(request, exc)
    return defaults.server_error(request)


def close_connections() -> None:
    """Drop every database connection of this thread, even broken ones, without raising."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a connection that is already gone may fail to close; it is gone
            logger.debug("closing a broken connection failed", exc_info=True)


def run_task_worker(
    *options: str,
    first_delay: float = FIRST_RESTART_DELAY,
    max_delay: float = MAX_RESTART_DELAY,
) -> None:
    """Run django_tasks_db's db_worker until it stops by itself or is told to stop (SIGTERM,
    Ctrl+C); each time it stops on a database error, log it and start it again.

    The pause doubles from `first_delay` to `max_delay` while the database stays away, so a long
    outage costs one log line a minute, and goes back to `first_delay` once the worker has run
    longer than `max_delay` (the database had come back in between). A signal during the pause
    still stops the worker: db_worker's handler, left installed, exits at once when idle.
    """
    from django.core.management import call_command

    delay = first_delay
    while True:
        started = time.monotonic()
        try:
            call_command("db_worker", *options)
            return
        except DATABASE_ERRORS as exc:
            if not is_outage(exc):
                raise
            if time.monotonic() - started > max_delay:
                delay = first_delay
            logger.warning(
                "task worker: the database is unavailable (%s); starting again in %.0f s",
                _one_line(exc),
                delay,
            )
        close_connections()
        time.sleep(delay)
        delay = min(delay * 2, max_delay)
