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
compiler that answers with the SQL and the columns' conversions already made. What the
queryset means stays written once, in the ORM; the SQL is Django's.

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
from django.db import DatabaseError, connections
from django.db.models import Field, Model, QuerySet
from django.db.transaction import TransactionManagementError

# Keys no table holds (ids are positive), distinct from any constant a query carries.
_SENTINEL = -7_340_000_001
Key = type[int] | type[str]


class _PerDatabase[T]:
    """What is compiled once for each database (alias and vendor), made by the first thread
    that needs it while the others wait."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], T] = {}
        self._lock = threading.Lock()

    def get(self, using: str, make: Callable[[], T]) -> T:
        slot = (using, connections[using].vendor)
        found = self._made.get(slot)
        if found is None:
            with self._lock:
                found = self._made.get(slot)
                if found is None:
                    found = self._made[slot] = make()
        return found


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: Any  # django.db.models.sql.compiler.SQLCompiler, after as_sql()
    sql: str
    params: tuple[Any, ...]
    positions: dict[str, int]
    # Each column's conversions from the database's value (dates, JSON…), which Django works
    # out again on every run; they hold the database's operations object, not a connection.
    converters: dict[int, Any]


class PreparedRead[M: Model]:
    """`build(**keys)` returns the queryset; `run(**keys)` its objects, as list(queryset).
    `keys`: each key's name and type (int or str).

    `shared` names relations of the queryset's `select_for_update(of=…)` to lock in share mode
    where the database has one (PostgreSQL's FOR SHARE; Django's ORM locks every row it names
    alike). A unit's submission locks its own assignment for update, but the campaign, office
    and unit only against change: locked for update, every submission of a campaign waited for
    the one before it to commit (166 ms a read in the rush, on PostgreSQL), while closing the
    campaign, which updates its row, must still wait for the submissions under way."""

    def __init__(
        self,
        build: Callable[..., QuerySet[M]],
        *,
        shared: tuple[str, ...] = (),
        **keys: Key,
    ) -> None:
        if not keys or any(kind not in (int, str) for kind in keys.values()):
            raise ImproperlyConfigured("prepared read: keys must be ints or strs")
        self._build = build
        self._keys = keys
        self._shared = shared
        self._compiled: _PerDatabase[_Compiled] = _PerDatabase()

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
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        if self._shared and connections[using].vendor == "postgresql":
            sql = _share_locks(sql, compiler, queryset, self._shared)
        return _Compiled(queryset, compiler, sql, tuple(params), positions, converters)

    def compiled(self, using: str = "default") -> _Compiled:
        return self._compiled.get(using, lambda: self._compile(using))

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
        converters = compiled.converters
        compiler.get_converters = lambda expressions: converters
        queryset = compiled.queryset.all()  # a clone: the compiled one is shared
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)


def _share_locks(sql: str, compiler: Any, queryset: QuerySet[Any], shared: tuple[str, ...]) -> str:
    """`sql` with the rows of the `shared` relations locked FOR SHARE, the others FOR UPDATE."""
    of = tuple(queryset.query.select_for_update_of)
    names = compiler.get_select_for_update_of_arguments()
    clause = " FOR UPDATE OF " + ", ".join(names)
    unknown = set(shared) - set(of)
    if unknown or len(names) != len(of) or not sql.endswith(clause):
        raise ImproperlyConfigured(
            f"prepared read: cannot lock {sorted(shared)} in share mode; the query locks "
            f"{of} as {clause.strip()!r}"
        )
    exclusive = [name for name, relation in zip(names, of, strict=True) if relation not in shared]
    share = [name for name, relation in zip(names, of, strict=True) if relation in shared]
    locks = (" FOR UPDATE OF " + ", ".join(exclusive) if exclusive else "") + (
        " FOR SHARE OF " + ", ".join(share)
    )
    return sql[: -len(clause)] + locks


@dataclass(frozen=True)
class _CompiledInsert:
    compiler: Any  # django.db.models.sql.compiler.SQLInsertCompiler, after as_sql()
    sql: str
    fields: tuple[Any, ...]
    returning: tuple[Any, ...]
    returning_params: tuple[Any, ...]


class PreparedInsert[M: Model]:
    """One new row of `model`, as `obj.save(force_insert=True)` writes it (the same columns,
    each value through its field's pre_save and get_db_prep_save, the database's own key read
    back), with the INSERT compiled by Django once per database; an INSERT through the ORM
    costs seven times running it.

    `with_pk`: the caller sets the key (the receipt's number is made from it). The model's
    save() is not called and no signal is sent: a model written this way must not depend on
    either (tonghop uses no signals for its own flow). A field whose value the database makes
    (db_default, a generated column) or that needs its own placeholder is refused."""

    def __init__(self, model: type[M], *, with_pk: bool = False) -> None:
        self._model = model
        self._with_pk = with_pk
        self._compiled: _PerDatabase[_CompiledInsert] = _PerDatabase()

    def _compile(self, using: str) -> _CompiledInsert:
        from django.db.models.sql import InsertQuery

        meta = self._model._meta
        fields = tuple(
            f
            for f in meta.local_concrete_fields
            if not (f is meta.auto_field and not self._with_pk)
        )
        for field in fields:
            if (
                field.generated
                or field.has_db_default()
                or getattr(field, "get_placeholder_sql", None) is not None
            ):
                raise ImproperlyConfigured(
                    f"prepared insert: {meta.label}.{field.name} is made by the database or "
                    "needs its own placeholder"
                )
        returning = tuple(f for f in meta.db_returning_fields if f not in fields)
        query = InsertQuery(self._model)
        # Compiled on a blank row: the statement is the same for every row, and the first real
        # one goes through pre_save once, in run(), like every other.
        query.insert_values(list(fields), [self._model()])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = list(returning)
        ((sql, params),) = compiler.as_sql()
        returning_params = tuple(compiler.returning_params)
        if len(params) != len(fields) + len(returning_params):
            raise ImproperlyConfigured(f"prepared insert: {meta.label} is not one value a column")
        return _CompiledInsert(compiler, sql, fields, returning, returning_params)

    def run(self, obj: M, using: str = "default") -> M:
        if not isinstance(obj, self._model) or not obj._state.adding:
            raise TypeError(f"prepared insert: a new {self._model.__name__} is needed")
        if self._with_pk and obj.pk is None:
            raise TypeError("prepared insert: this insert takes the key from the caller")
        connection = connections[using]
        compiled = self._compiled.get(using, lambda: self._compile(using))
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        compiler.using = using
        compiler.query = copy.copy(compiled.compiler.query)
        compiler.query.objs = [obj]
        # The values as Django's as_sql prepares them: pre_save (auto_now_add…), then the
        # field's conversion for this database.
        params = tuple(
            compiler.prepare_value(field, compiler.pre_save_val(field, obj))
            for field in compiled.fields
        )
        sql = compiled.sql
        compiler.as_sql = lambda: [(sql, params + compiled.returning_params)]
        rows = compiler.execute_sql(list(compiled.returning) or None)
        if compiled.returning:
            for value, field in zip(rows[0], compiled.returning, strict=True):
                setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
        return obj


class PreparedUpdate[M: Model]:
    """`obj.save(update_fields=fields)` of a row already read: UPDATE … SET each field WHERE
    its key, the values through each field's pre_save (auto_now) and get_db_prep_save, without
    Django compiling the statement on each save. Refuses, as Django does, a save that changed
    no row. No save() or signal, as PreparedInsert."""

    def __init__(self, model: type[M], fields: tuple[str, ...]) -> None:
        meta = model._meta
        found = [meta.get_field(name) for name in fields]
        self._model = model
        self._fields = tuple(f for f in found if isinstance(f, Field))
        if len(self._fields) != len(found) or any(
            not f.concrete or f.primary_key or f.generated for f in self._fields
        ):
            raise ImproperlyConfigured(f"prepared update: {meta.label}: {fields}")
        assert meta.pk is not None  # every concrete model has one
        self._pk = meta.pk
        self._columns = tuple(f.column for f in self._fields if f.column is not None)
        if len(self._columns) != len(self._fields) or self._pk.column is None:
            raise ImproperlyConfigured(f"prepared update: {meta.label}: {fields}")
        self._pk_column: str = self._pk.column
        self._sql: _PerDatabase[str] = _PerDatabase()

    def _statement(self, quote: Callable[[str], str]) -> str:
        columns = ", ".join(f"{quote(column)} = %s" for column in self._columns)
        table = quote(self._model._meta.db_table)
        # Only the model's own table and column names, quoted; every value is a parameter.
        return f"UPDATE {table} SET {columns} WHERE {quote(self._pk_column)} = %s"  # noqa: S608

    def run(self, obj: M, using: str = "default") -> None:
        if not isinstance(obj, self._model) or obj._state.adding or obj.pk is None:
            raise TypeError(f"prepared update: a saved {self._model.__name__} is needed")
        connection = connections[using]
        sql = self._sql.get(using, lambda: self._statement(connection.ops.quote_name))
        params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in self._fields]
        params.append(self._pk.get_db_prep_value(obj.pk, connection))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount != 1:
                raise DatabaseError("Save with update_fields did not affect any rows.")
