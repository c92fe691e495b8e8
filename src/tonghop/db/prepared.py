"""Reads of the busiest requests whose SQL is compiled once per process, then run with new values.

Django compiles a query's SQL each time it runs it. For the wide reads of a unit's submission
(the assignment with its campaign, office, unit and report, locked; the same through the
person's units) compiling costs about fifteen times running: 1.5 ms against 0.1 ms on SQLite,
most of what is left of a submission's CPU after its queries were cut to ten.

A PreparedRead is built from a function that returns the queryset for given keys (an id, a
person's id, a session's key), each an int or a str. It calls that function once per database
with sentinel keys, lets Django compile it, and finds each sentinel among the SQL's
parameters. Each run then substitutes the real keys into a copy of those parameters and hands
Django's own row-to-object code (ModelIterable: select_related objects, annotations) a
compiler that answers with the SQL already made. What the queryset means stays written once,
in the ORM; the SQL is Django's.

The function must give SQL that depends on nothing but its keys: no time, no setting that
changes while the process runs. A sentinel that is not found exactly once among the parameters
is refused when the read is first used (tests/db/test_prepared.py runs each read against its
plain queryset on both databases).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

# Keys no table holds (ids are positive), distinct from any constant a query carries.
_SENTINEL = -7_340_000_001
Key = type[int] | type[str]


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: Any  # django.db.models.sql.compiler.SQLCompiler, after as_sql()
    sql: str
    params: tuple[Any, ...]
    positions: dict[str, int]


class PreparedRead[M: Model]:
    """`build(**keys)` returns the queryset; `run(**keys)` its objects, as list(queryset).
    `keys`: each key's name and type (int or str)."""

    def __init__(self, build: Callable[..., QuerySet[M]], **keys: Key) -> None:
        if not keys or any(kind not in (int, str) for kind in keys.values()):
            raise ImproperlyConfigured("prepared read: keys must be ints or strs")
        self._build = build
        self._keys = keys
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> _Compiled:
        sentinels: dict[str, int | str] = {
            key: _SENTINEL - i if kind is int else f"tonghop-prepared-key-{i}{_SENTINEL}"
            for i, (key, kind) in enumerate(self._keys.items())
        }
        queryset = self._build(**sentinels)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions: dict[str, int] = {}
        for key, value in sentinels.items():
            found = [i for i, p in enumerate(params) if type(p) is type(value) and p == value]
            if len(found) != 1:
                raise ImproperlyConfigured(
                    f"prepared read: key {key!r} appears {len(found)} times in the SQL's "
                    "parameters, not once"
                )
            positions[key] = found[0]
        return _Compiled(queryset, compiler, sql, tuple(params), positions)

    def compiled(self, using: str = "default") -> _Compiled:
        connection = connections[using]
        slot = (using, connection.vendor)
        found = self._compiled.get(slot)
        if found is None:
            with self._lock:
                found = self._compiled.get(slot)
                if found is None:
                    found = self._compiled[slot] = self._compile(using)
        return found

    def run(self, using: str = "default", **keys: int | str) -> list[M]:
        if set(keys) != set(self._keys):
            raise TypeError(f"prepared read takes the keys {tuple(self._keys)}, not {tuple(keys)}")
        connection = connections[using]
        compiled = self.compiled(using)
        if (
            compiled.queryset.query.select_for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            # What Django says when a locking read runs outside a transaction.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for key, position in compiled.positions.items():
            value = keys[key]
            kind = self._keys[key]
            if type(value) is not kind:
                raise TypeError(
                    f"prepared read: key {key!r} must be {kind.__name__}, not {value!r}"
                )
            params[position] = value
        # A compiler of this request's own connection (connections are per thread), answering
        # with the SQL made once; its select and related-object map come from the compiling.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        compiler.using = using
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = compiled.queryset.all()  # a clone: the compiled one is shared
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)
