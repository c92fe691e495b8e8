"""Reads compiled once (tonghop.db.prepared): each gives what its plain queryset gives, for
every key, on both databases; a read that cannot be prepared is refused, not run wrong."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.conftest import World
from tonghop.campaigns.models import Campaign
from tonghop.db.prepared import PreparedInsert, PreparedRead, PreparedUpdate
from tonghop.orgs.models import Membership, Role, Unit, User
from tonghop.reports import access, actions
from tonghop.reports.models import Assignment


def _state(obj: Model, related: tuple[str, ...], annotations: tuple[str, ...]) -> dict[str, Any]:
    """Every column of the object and of the related objects read with it, and annotations."""

    def columns(item: Model | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields}

    state: dict[str, Any] = {"self": columns(obj)}
    for path in related:
        item: Any = obj
        for step in path.split("__"):
            item = getattr(item, step, None)
        state[path] = columns(item)
    for name in annotations:
        state[name] = getattr(obj, name)
    return state


LOCK_RELATED = ("campaign", "campaign__office", "unit")


@pytest.mark.parametrize(
    ("with_report", "next_version", "with_reporter"),
    [(False, False, False), (True, False, True), (True, True, True), (False, True, False)],
)
def test_the_lock_reads_what_its_queryset_reads(
    world: World, with_report: bool, next_version: bool, with_reporter: bool
) -> None:
    actions.save_report(
        world.hoa, world.a_an_phu.pk, {"pano": 3}, "", expected_version=0, submit=False
    )
    related = LOCK_RELATED + (("report",) if with_report else ())
    annotations = ("reporter_checked",) if with_reporter else ()
    # A key for each case: the reporter's own unit, another unit, and an assignment of none.
    for pk in (world.a_an_phu.pk, world.a_binh_minh.pk, world.a_school.pk):
        for person in (world.hoa, world.nam):
            reporter = person if with_reporter else None
            with transaction.atomic():
                plain = _lock_plain(pk, reporter, with_report, next_version)
                with CaptureQueriesContext(connection) as queries:
                    read = actions._lock(
                        pk, reporter=reporter, with_report=with_report, next_version=next_version
                    )
            assert len(queries) == 1
            assert _state(read, related, annotations) == _state(plain, related, annotations)
            if next_version:
                # The key the next version gets: the same read twice gives the same key on
                # SQLite; PostgreSQL's sequence gives each read its own.
                key = getattr(read, "next_version_key", None)
                assert isinstance(key, int) and key > 0
            if with_report and pk != world.a_an_phu.pk:
                assert actions.report_of(read) is None
    with transaction.atomic(), pytest.raises(Assignment.DoesNotExist):
        actions._lock(10**9, with_report=with_report, next_version=next_version)


def _lock_plain(
    pk: int, reporter: User | None, with_report: bool, next_version: bool
) -> Assignment:
    queryset = actions._lock_query(
        pk,
        reporter.pk if reporter is not None else None,
        with_report=with_report,
        next_version=False,  # a second nextval would move PostgreSQL's sequence
    )
    return queryset.get()


def test_a_reporter_reads_only_own_units_assignments(world: World, rf: Any) -> None:
    request = rf.get("/")
    for with_document in (False, True):
        related = LOCK_RELATED + (("campaign__source_document",) if with_document else ())
        for person in (world.hoa, world.nam, world.lan, world.tu):
            request.user = person
            for assignment in (world.a_an_phu, world.a_binh_minh, world.a_school):
                plain = (
                    Assignment.objects.for_reporter(person)
                    .select_related(*related)
                    .filter(pk=assignment.pk)
                    .first()
                )
                if plain is None:
                    with pytest.raises(Http404):
                        access.get_assignment_for_reporter(
                            request, assignment.pk, with_document=with_document
                        )
                    continue
                read = access.get_assignment_for_reporter(
                    request, assignment.pk, with_document=with_document
                )
                assert _state(read, related, ()) == _state(plain, related, ())
    # Who sees what: Hoa her own commune's only, Nam his own, the office's staff none this way.
    request.user = world.hoa
    assert access.get_assignment_for_reporter(request, world.a_an_phu.pk).unit == world.an_phu
    with pytest.raises(Http404):
        access.get_assignment_for_reporter(request, world.a_binh_minh.pk)
    # A right given later is seen at once: nothing of the person is kept in the compiled read.
    Membership.objects.create(user=world.hoa, unit=world.binh_minh, role=Role.REPORTER)
    assert access.get_assignment_for_reporter(request, world.a_binh_minh.pk).pk == (
        world.a_binh_minh.pk
    )


def test_a_key_not_found_once_in_the_sql_is_refused(world: World) -> None:
    def ignores_key(pk: int) -> QuerySet[Unit]:
        return Unit.objects.filter(code="xa-an-phu")

    def uses_key_twice(pk: int) -> QuerySet[Unit]:
        return Unit.objects.filter(pk=pk, parent_id=pk)

    for build in (ignores_key, uses_key_twice):
        with pytest.raises(ImproperlyConfigured, match="key 'pk' appears"):
            PreparedRead(build, pk=int).run(pk=world.an_phu.pk)


def test_keys_are_checked(world: World) -> None:
    read = PreparedRead(lambda pk: Unit.objects.filter(pk=pk), pk=int)
    assert read.run(pk=world.an_phu.pk) == [world.an_phu]
    assert read.run(pk=world.school.pk) == [world.school]
    assert read.run(pk=-1) == []
    with pytest.raises(TypeError):
        read.run(code="x")
    with pytest.raises(TypeError):
        read.run(pk="1 OR 1=1")


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_is_refused_where_rows_lock() -> None:
    unit = Unit.objects.create(code="t-locked", name="Đơn vị thử")
    read = PreparedRead(lambda pk: Unit.objects.select_for_update().filter(pk=pk), pk=int)
    with transaction.atomic():
        assert read.run(pk=unit.pk) == [unit]
    if connection.features.has_select_for_update:
        # PostgreSQL: refused as Django refuses it, compiled or not.
        with pytest.raises(TransactionManagementError):
            read.run(pk=unit.pk)
        with pytest.raises(TransactionManagementError):
            list(Unit.objects.select_for_update().filter(pk=unit.pk))
    else:
        # SQLite has no row locks (its writers are served in turn): Django runs it, so do we.
        assert read.run(pk=unit.pk) == [unit]
        assert list(Unit.objects.select_for_update().filter(pk=unit.pk)) == [unit]


@pytest.mark.django_db(transaction=True)
def test_a_read_compiled_in_one_thread_runs_on_another_threads_connection() -> None:
    unit = Unit.objects.create(code="t-prepared", name="Đơn vị thử")
    read = PreparedRead(lambda pk: Unit.objects.filter(pk=pk), pk=int)
    assert read.run(pk=unit.pk) == [unit]
    seen: list[Any] = []

    def other() -> None:
        try:
            with CaptureQueriesContext(connections["default"]) as queries:
                seen.append(read.run(pk=unit.pk))
            seen.append(len(queries))
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [[unit], 1]


def test_the_person_of_a_session_is_read_compiled_once(world: World) -> None:
    from tonghop.audit.backends import ThrottledModelBackend

    backend = ThrottledModelBackend()
    assert backend.get_user(world.hoa.pk) == world.hoa
    assert backend.get_user(str(world.nam.pk)) == world.nam  # as the session keeps it
    for hostile in ("x", "1 OR 1=1", "", None, 10**9, -1, "9" * 40):
        assert backend.get_user(hostile) is None
    client = world.client_for(world.hoa)
    url = f"/reports/{world.a_an_phu.pk}/"
    assert client.get(url).status_code == 200
    # Disabled: the next request is a stranger's, at once.
    User.objects.filter(pk=world.hoa.pk).update(is_active=False)
    assert backend.get_user(world.hoa.pk) is None
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_session_is_read_compiled_once_and_its_expiry_still_holds(world: World) -> None:
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from tonghop.db.sessions import SessionStore

    client = world.client_for(world.hoa)
    url = f"/reports/{world.a_an_phu.pk}/"
    assert client.get(url).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(key).load()  # what the request read, the store reads
    # Run out a second ago: signed out at once, as Django's own query would have it.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert SessionStore(key).load() == {}
    # Cookies no session has, hostile or malformed: a stranger, never an error.
    # (UTF-8 bytes reach WSGI as Latin-1 characters.)
    for hostile in (
        "x" * 40,
        "' OR '1'='1' --",
        "ả".encode().decode("latin-1") * 16,
        "k" * 5000,
        "",
    ):
        stranger = world.client_for(world.hoa)
        stranger.cookies[settings.SESSION_COOKIE_NAME] = hostile
        response = stranger.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], hostile
    # Signed out on one side ends it everywhere: nothing of a session is kept in the process.
    other = world.client_for(world.nam)
    assert other.get(f"/reports/{world.a_binh_minh.pk}/").status_code == 200
    Session.objects.all().delete()
    assert other.get(f"/reports/{world.a_binh_minh.pk}/").status_code == 302


# Writes compiled once: the same row as the ORM's save, on both databases.


def _row(model: type[Model], pk: Any) -> dict[str, Any]:
    """The row as the database holds it, read back through the ORM."""
    obj = model._base_manager.get(pk=pk)
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def _event(world: World, **changes: Any) -> Any:
    from tonghop.reports.models import AssignmentEvent

    fields: dict[str, Any] = {
        "assignment": world.a_an_phu,
        "actor": world.hoa,
        "step": "save",
        "from_state": "draft",
        "to_state": "draft",
        "comment": "Đã lưu <b>nháp</b> — 'một' \"hai\"",
        "at": dt.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=dt.UTC),
        "details": {"link": 7, "giá trị": [1, 2.5, None, "ba"]},
    }
    return AssignmentEvent(**(fields | changes))


@pytest.mark.parametrize("actor", ["person", "none"])
def test_an_insert_writes_the_row_the_orm_writes(world: World, actor: str) -> None:
    from tonghop.reports.models import AssignmentEvent

    who = {"actor": world.hoa if actor == "person" else None}
    plain = _event(world, **who)
    plain.save(force_insert=True)
    prepared = _event(world, **who)
    with CaptureQueriesContext(connection) as queries:
        PreparedInsert(AssignmentEvent).run(prepared)
    assert len(queries) == 1 and queries[0]["sql"].upper().startswith("INSERT")
    assert prepared.pk is not None and prepared.pk != plain.pk
    assert not prepared._state.adding and prepared._state.db == "default"
    written, expected = _row(AssignmentEvent, prepared.pk), _row(AssignmentEvent, plain.pk)
    assert written.pop("id") == prepared.pk
    expected.pop("id")
    assert written == expected


def test_an_insert_with_the_callers_key_and_defaults_filled(world: World) -> None:
    from tonghop.reports.models import Report, ReportVersion

    report = Report.objects.create(assignment=world.a_an_phu, values={"pano": 3})
    version = ReportVersion(pk=10**6 + 17, report=report, number=1, values={"pano": 3})
    PreparedInsert(ReportVersion, with_pk=True).run(version)
    row = _row(ReportVersion, 10**6 + 17)
    assert row["values"] == {"pano": 3} and row["attachments"] == []
    assert row["receipt_attempts"] == 0 and row["receipt_number"] is None
    assert row["created_at"] == version.created_at
    # The key taken twice: the database refuses, nothing is half written.
    again = ReportVersion(pk=10**6 + 17, report=report, number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        PreparedInsert(ReportVersion, with_pk=True).run(again)
    assert ReportVersion.objects.filter(report=report).count() == 1


def test_an_insert_refuses_what_it_cannot_write(world: World) -> None:
    from tonghop.reports.models import AssignmentEvent, ReportVersion

    insert = PreparedInsert(AssignmentEvent)
    saved = _event(world)
    saved.save()
    with pytest.raises(TypeError):
        insert.run(saved)  # already in the database
    with pytest.raises(TypeError):
        PreparedInsert(AssignmentEvent).run(ReportVersion())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PreparedInsert(ReportVersion, with_pk=True).run(ReportVersion())  # no key given


def test_an_update_writes_the_fields_the_orm_writes(world: World) -> None:
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    twin = Assignment.objects.get(pk=world.a_binh_minh.pk)
    moment = dt.datetime(2026, 5, 4, 3, 2, 1, tzinfo=dt.UTC)
    fields = ("state", "version", "updated_at", "submitted_at", "first_submitted_at")
    for obj in (assignment, twin):
        obj.state = "submitted"
        obj.version += 3
        obj.submitted_at = moment
        obj.first_submitted_at = None
        obj.due_at = moment  # not among the fields: stays as it was
    twin.save(update_fields=fields)
    with CaptureQueriesContext(connection) as queries:
        PreparedUpdate(Assignment, fields).run(assignment)
    assert len(queries) == 1
    written = _row(Assignment, assignment.pk)
    assert written["due_at"] == world.a_an_phu.due_at
    assert written["updated_at"] == assignment.updated_at > world.a_an_phu.updated_at
    same = ("state", "version", "submitted_at", "first_submitted_at")
    assert {k: written[k] for k in same} == {k: _row(Assignment, twin.pk)[k] for k in same}


def test_an_update_of_a_row_gone_or_a_field_it_cannot_set_is_refused(world: World) -> None:
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    Assignment.objects.filter(pk=assignment.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        PreparedUpdate(Assignment, ("state",)).run(assignment)
    for fields in (("id",), ("events",), ("nonexistent",)):
        with pytest.raises((ImproperlyConfigured, FieldDoesNotExist)):
            PreparedUpdate(Assignment, fields)
    with pytest.raises(TypeError):
        PreparedUpdate(Assignment, ("state",)).run(Assignment())


def test_submissions_of_one_campaign_do_not_wait_for_each_other(world_tx: World) -> None:
    """A unit's submission locks its assignment for update, its campaign, office and unit in
    share mode: another unit's submission of the same campaign goes on at once, while a change
    of the campaign (closing it) waits for the submission under way."""
    first, second = world_tx.a_an_phu, world_tx.a_binh_minh
    assert first.campaign_id == second.campaign_id
    if connection.vendor != "postgresql":
        # SQLite has no row locks: a locking read takes the writers' turn (tonghop.db), so
        # submissions are served one after another whatever the lock names.
        with transaction.atomic():
            locked = actions._lock(first.pk, reporter=world_tx.hoa, with_report=True)
        assert locked.pk == first.pk
        assert all(" FOR " not in r.compiled().sql for r in actions._LOCKS.values())
        return
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold() -> None:
        try:
            with transaction.atomic():
                actions._lock(first.pk, reporter=world_tx.hoa, with_report=True)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    def other(name: str, work: Any) -> None:
        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                work()
            outcome[name] = "done"
        except DatabaseError as error:
            outcome[name] = type(error).__name__
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    try:
        for name, work in (
            ("submission", lambda: actions._lock(second.pk, with_report=True)),
            ("close", lambda: Campaign.objects.select_for_update().get(pk=first.campaign_id)),
        ):
            thread = threading.Thread(target=other, args=(name, work))
            thread.start()
            thread.join(30)
    finally:
        release.set()
        holder.join(30)
    assert outcome["submission"] == "done"
    assert outcome["close"] == "OperationalError"  # lock_timeout: it waited
    sql = actions._LOCKS[(True, True, False)].compiled().sql
    assert sql.endswith(
        ' FOR UPDATE OF "campaigns_assignment" FOR SHARE OF "campaigns_campaign", "T4", "orgs_unit"'
    )


@pytest.mark.django_db
def test_a_share_lock_on_what_the_query_does_not_lock_is_refused() -> None:
    read = PreparedRead(
        lambda pk: (
            Unit.objects.select_related("parent").select_for_update(of=("self",)).filter(pk=pk)
        ),
        shared=("parent",),
        pk=int,
    )
    if connection.vendor == "postgresql":
        with pytest.raises(ImproperlyConfigured, match="share mode"):
            read.compiled()
    else:
        # No row locks to choose between: the SQL is Django's, without any locking clause.
        assert "FOR " not in read.compiled().sql
