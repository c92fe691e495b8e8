"""`tonghop backup` and `tonghop restore`, run as an office runs them: commands on real data
folders, in their own processes.

The data folders use SQLite whatever DATABASE_URL says (it is removed from the commands'
environment); the PostgreSQL variant exists only when DATABASE_URL names a server, and then
works on databases of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

TIMEOUT = 300
DOCUMENT_BYTES = "Công văn đến số 12/UBND: tệp gốc của văn thư.\n".encode() * 50

PRELUDE = """
import hashlib, json, os, sys
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
import django
django.setup()
from django.conf import settings
"""

# An incoming document with its file, and a compilation of the seed campaign (DOCX and PDF).
ADD_FILES = """
from django.core.files.base import ContentFile
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.documents.models import Direction, Document
from tonghop.orgs.models import User
campaign = Campaign.objects.get(slug="sang-tao-2025")
document = Document.objects.create(
    office=campaign.office, direction=Direction.INCOMING, number="12", symbol="UBND",
    subject="Về việc báo cáo kết quả", original_name="cong-van-den.txt",
)
document.file.save("cong-van-den.txt", ContentFile(Path(sys.argv[1]).read_bytes()))
compilation = Compilation.objects.create(
    campaign=campaign, created_by=User.objects.get(username="chuyenvien")
)
assert actions.run(compilation).docx
"""

# What must survive: counts, every report's values, every stored file's bytes, and the rules
# that tie a report to its assignment and its history.
FACTS = """
from django.apps import apps
from django.db import models
from tonghop.backup import MAIN_TABLES
from tonghop.reports.models import Assignment, AssignmentEvent, State
from tonghop.reports.models import Report
counts = {label: apps.get_model(name).objects.count() for label, name in MAIN_TABLES.items()}
reports = {
    f"{r.assignment.campaign.slug}/{r.assignment.unit.code}": [r.values, r.narrative]
    for r in Report.objects.select_related("assignment__campaign", "assignment__unit")
}
files = {}
for model in apps.get_models():
    for field in model._meta.concrete_fields:
        if isinstance(field, models.FileField):
            stored = model.objects.exclude(**{field.name: ""}).values_list(field.name, flat=True)
            for name in stored:
                path = Path(settings.MEDIA_ROOT) / name
                data = path.read_bytes() if path.is_file() else None
                files[name] = data and hashlib.sha256(data).hexdigest()
with_report = set(Report.objects.values_list("assignment_id", flat=True))
events, last = {}, {}
for e in AssignmentEvent.objects.order_by("at", "pk"):
    events[e.assignment_id] = events.get(e.assignment_id, 0) + 1
    last[e.assignment_id] = e.to_state
problems = []
for a in Assignment.objects.all():
    if (a.state != State.NOT_STARTED) != (a.pk in with_report):
        problems.append(f"{a.pk}: state {a.state}, report {a.pk in with_report}")
    if a.version != events.get(a.pk, 0) or last.get(a.pk, State.NOT_STARTED) != a.state:
        problems.append(f"{a.pk}: version {a.version}, events {events.get(a.pk)}, {a.state}")
    if a.state == State.SUBMITTED and a.submitted_at is None:
        problems.append(f"{a.pk}: submitted without a time")
print(json.dumps({"counts": counts, "reports": reports, "files": files, "problems": problems}))
"""

# Reports written without pause by a unit and returned by the office, until told to stop.
WRITER = """
from tonghop.reports.models import Assignment, State
from tonghop.orgs.models import User
from tonghop.reports import actions
stop, office, writes = Path(sys.argv[1]), User.objects.get(username="chuyenvien"), 0
while not stop.exists():
    # The office's own campaigns: the demo's Sở runs one too, which chuyenvien may not review.
    mine = Assignment.objects.active().filter(
        campaign__status="open", campaign__office__code="phong-vhkhtt"
    )
    for a in mine.select_related("unit"):
        if stop.exists():
            break
        if a.state == State.SUBMITTED:
            actions.return_report(office, a.pk, "Bổ sung số liệu", expected_version=a.version)
        elif a.state in (State.NOT_STARTED, State.DRAFT, State.RETURNED):
            values = {
                i.code: "7" if i.kind in ("integer", "decimal") else "Có"
                for i in a.campaign.indicators.all()
            }
            actions.save_report(
                User.objects.get(username=a.unit.code), a.pk, values, f"Lần {writes}",
                expected_version=a.version, submit=True,
            )
        else:
            continue
        writes += 1
        if writes == 1:
            print("ready", flush=True)
print(writes, flush=True)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TONGHOP_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["TONGHOP_EMAIL"] = "file"
    env.update(extra)
    return env


def tonghop(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tonghop", "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=_env(**env),
    )


def script(data: Path, code: str, *args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=_env(TONGHOP_DATA_DIR=str(data), **env),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def facts(data: Path, **env: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(script(data, FACTS, **env).splitlines()[-1])
    return found


def tree(folder: Path) -> dict[str, str]:
    """Every file below a folder with its sha256: to show that nothing changed."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def make_office(data: Path, **env: str) -> None:
    done = tonghop(data, "demo", "--no-serve", **env)
    assert done.returncode == 0, done.stderr[-3000:]
    upload = data.parent / f"{data.name}-upload.txt"
    upload.write_bytes(DOCUMENT_BYTES)
    script(data, ADD_FILES, str(upload), **env)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("kho") / "office"
    make_office(data)
    return data


@pytest.fixture
def office(seeded: Path, tmp_path: Path) -> Path:
    data = tmp_path / "office"
    shutil.copytree(seeded, data)
    return data


@pytest.fixture
def archive(office: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sao-luu.tar.gz"
    done = tonghop(office, "backup", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_it_restores_a_backup_into_a_fresh_folder_with_everything(
    office: Path, archive: Path, tmp_path: Path
) -> None:
    before = facts(office)
    assert before["problems"] == []
    assert before["counts"]["compilations"] == 1
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["counts"] == before["counts"]
    assert manifest["database"]["vendor"] == "sqlite"
    assert set(manifest["members"]) == set(names) - {"manifest.json", "manifest.sig"}
    assert names[-1] == "manifest.sig"
    assert "secret_key" in names and "pki/office-signing.p12" in names
    assert not [n for n in names if n.endswith(("-wal", "-shm")) or n.startswith("outbox")]
    assert archive.stat().st_mode & 0o077 == 0

    fresh = tmp_path / "may-moi"
    done = tonghop(fresh, "restore", str(archive), "--key", str(office / "backup_key"))
    assert done.returncode == 0, done.stderr
    assert "Đã khôi phục" in done.stdout
    after = facts(fresh)
    assert after == before
    assert DOCUMENT_BYTES in [p.read_bytes() for p in (fresh / "files").rglob("*.txt")]
    for name in ("secret_key", "pki/office-signing.p12", "pki/tonghop-demo-ca.pem"):
        assert (fresh / name).read_bytes() == (office / name).read_bytes(), name
    # The restored folder is a working install: its people can sign in.
    login = script(
        fresh,
        "from django.contrib.auth import authenticate\n"
        "print(authenticate(username='chuyenvien', password='demo-tonghop-2025') is not None)",
    )
    assert login.strip() == "True"


def test_a_backup_taken_while_reports_are_written_is_consistent(
    office: Path, tmp_path: Path
) -> None:
    stop = tmp_path / "dung"
    writer = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + WRITER, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(TONGHOP_DATA_DIR=str(office)),
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready", writer.stderr
        archives = []
        for n in range(2):
            path = tmp_path / f"luc-{n}.tar.gz"
            done = tonghop(office, "backup", str(path))
            assert done.returncode == 0, done.stderr
            archives.append(path)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=TIMEOUT)
    assert writer.returncode == 0, err
    assert int(out.split()[-1]) > 1
    for n, path in enumerate(archives):
        fresh = tmp_path / f"khoi-phuc-{n}"
        done = tonghop(fresh, "restore", str(path), "--key", str(office / "backup_key"))
        assert done.returncode == 0, done.stderr
        assert facts(fresh)["problems"] == []


def _rewrite(
    source: Path, target: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]
) -> None:
    with tarfile.open(source) as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar]  # type: ignore[union-attr]
    change(members)
    with tarfile.open(target, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)


def _recompute_manifest(
    members: list[tuple[tarfile.TarInfo, bytes]], extra: dict[str, bytes] | None = None
) -> None:
    """What a forger does after changing members: the manifest's sha256s made to match again
    (its signature cannot be, without the backup key)."""
    at = next(n for n, (info, _data) in enumerate(members) if info.name == "manifest.json")
    info, raw = members[at]
    manifest = json.loads(raw)
    for member, data in members:
        if member.name in manifest["members"]:
            manifest["members"][member.name] = hashlib.sha256(data).hexdigest()
    for name, data in (extra or {}).items():
        manifest["members"][name] = hashlib.sha256(data).hexdigest()
    raw = json.dumps(manifest).encode()
    info.size = len(raw)
    members[at] = (info, raw)


def _replace(members: list[tuple[tarfile.TarInfo, bytes]], name: str, data: bytes) -> None:
    at = next(n for n, (info, _data) in enumerate(members) if info.name == name)
    info = members[at][0]
    info.size = len(data)
    members[at] = (info, data)


def _refused(office: Path, path: Path, word: str) -> None:
    before = tree(office)
    done = tonghop(office, "restore", str(path), "--force")
    assert done.returncode == 1
    assert word in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1  # one line
    assert tree(office) == before


def test_a_truncated_archive_is_refused_before_anything_is_touched(
    office: Path, archive: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    _refused(office, cut, "bị hỏng hoặc không đầy đủ")


def test_a_changed_member_is_refused_by_its_sha256(
    office: Path, archive: Path, tmp_path: Path
) -> None:
    def tamper(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        for n, (info, data) in enumerate(members):
            if info.name == "secret_key":
                members[n] = (info, data[::-1])

    changed = tmp_path / "changed.tar.gz"
    _rewrite(archive, changed, tamper)
    _refused(office, changed, "sha256 không khớp")


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("../thoat-ra.txt", "không hợp lệ"),
        ("/var/thoat-ra.txt", "không hợp lệ"),
        ("files/../../thoat-ra.txt", "không hợp lệ"),
        ("khac/thoat-ra.txt", "không hợp lệ"),
        ("tonghop.sqlite3", "không hợp lệ"),
        ("files/lien-ket", "liên kết"),
    ],
)
def test_a_member_outside_the_data_folder_is_refused(
    office: Path, archive: Path, tmp_path: Path, name: str, word: str
) -> None:
    payload = b"ghi de"

    def smuggle(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        info = tarfile.TarInfo(name)
        if word == "liên kết":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        else:
            info.size = len(payload)
        # A forger lists the member too, so only the path check can stop it.
        members.insert(0, (info, payload))
        _recompute_manifest(members, extra={name: payload})

    evil = tmp_path / "evil.tar.gz"
    _rewrite(archive, evil, smuggle)
    _refused(office, evil, word)
    assert not list(tmp_path.parent.rglob("thoat-ra.txt"))


def test_an_existing_database_is_replaced_only_with_force(office: Path, tmp_path: Path) -> None:
    other = tmp_path / "khac"
    shutil.copytree(office, other)
    script(other, "from tonghop.campaigns.models import Campaign\nCampaign.objects.all().delete()")
    path = tmp_path / "other.tar.gz"
    assert tonghop(other, "backup", str(path)).returncode == 0
    wanted, before = facts(other), tree(office)

    key = ("--key", str(other / "backup_key"))
    done = tonghop(office, "restore", str(path), *key)
    assert done.returncode == 1
    assert "--force" in done.stderr
    assert tree(office) == before

    done = tonghop(office, "restore", str(path), "--force", *key)
    assert done.returncode == 0, done.stderr
    assert facts(office) == wanted
    aside = [p for p in office.iterdir() if p.name.startswith("truoc-khoi-phuc-")]
    assert len(aside) == 1
    assert (aside[0] / "tonghop.sqlite3").is_file()


def test_a_missing_file_is_listed_after_the_restore(
    office: Path, tmp_path: Path, archive: Path
) -> None:
    gone = next((office / "files" / "compilations").rglob("report.pdf"))
    gone.unlink()
    path = tmp_path / "thieu.tar.gz"
    assert tonghop(office, "backup", str(path)).returncode == 0
    done = tonghop(tmp_path / "moi", "restore", str(path), "--key", str(office / "backup_key"))
    assert done.returncode == 0, done.stderr
    assert "Thiếu 1 tệp" in done.stdout
    assert str(gone.relative_to(office / "files")) in done.stdout


def test_missing_postgresql_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from tonghop import backup

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match=r"không tìm thấy lệnh pg_dump.*postgresql-client"):
        backup._pg_run("pg_dump", "--format=custom")


@contextmanager
def _pg_database(url: str) -> Iterator[str]:
    """A fresh database on the server of DATABASE_URL, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"tonghop_backup_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


PG_URL = os.environ.get("DATABASE_URL", "")

if PG_URL.startswith(("postgres://", "postgresql://")):
    # Only collected when a PostgreSQL server is at hand, so it is never "skipped".

    def test_it_backs_up_and_restores_postgresql(tmp_path: Path) -> None:
        with _pg_database(PG_URL) as source_url, _pg_database(PG_URL) as target_url:
            office = tmp_path / "office"
            make_office(office, DATABASE_URL=source_url)
            script(office, SESSION, DATABASE_URL=source_url)
            before = facts(office, DATABASE_URL=source_url)
            path = tmp_path / "pg.tar.gz"
            done = tonghop(office, "backup", str(path), DATABASE_URL=source_url)
            assert done.returncode == 0, done.stderr
            with tarfile.open(path) as tar:
                assert "database/tonghop.pgdump" in tar.getnames()

            fresh = tmp_path / "may-moi"
            fresh.mkdir()
            shutil.copy(office / "backup_key", fresh / "backup_key")
            done = tonghop(fresh, "restore", str(path), DATABASE_URL=target_url)
            assert done.returncode == 0, done.stderr
            assert facts(fresh, DATABASE_URL=target_url) == before
            # pg_dump left the sessions' rows out.
            assert script(fresh, SESSIONS, DATABASE_URL=target_url).strip() == "0"
            done = tonghop(fresh, "restore", str(path), DATABASE_URL=target_url)
            assert done.returncode == 1
            assert "--force" in done.stderr
            done = tonghop(fresh, "restore", str(path), "--force", DATABASE_URL=target_url)
            assert done.returncode == 0, done.stderr
            assert facts(fresh, DATABASE_URL=target_url) == before


# ---------------------------------------------------------------------------- signature, sessions

SESSION = """
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY
from tonghop.orgs.models import User
store = SessionStore()
store[SESSION_KEY] = str(User.objects.get(username="chuyenvien").pk)
store.create()
print(store.session_key)
"""

SESSIONS = """
from django.contrib.sessions.models import Session
print(Session.objects.count())
"""


def _mode(path: Path) -> int:
    return path.lstat().st_mode & 0o777


def _database_with(data: bytes, tmp: Path, sql: str) -> bytes:
    """The archived SQLite database, changed by one statement."""
    copy = tmp / f"db-{uuid.uuid4().hex}.sqlite3"
    copy.write_bytes(data)
    with contextlib.closing(sqlite3.connect(copy)) as db:
        db.execute(sql)
        db.commit()
    return copy.read_bytes()


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle.read()


@pytest.mark.parametrize("changed", ["database", "secret_key"])
def test_a_tampered_archive_with_a_recomputed_manifest_is_refused(
    office: Path, archive: Path, tmp_path: Path, changed: str
) -> None:
    def tamper(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        if changed == "database":
            data = _database_with(
                _member(archive, "database/tonghop.sqlite3"),
                tmp_path,
                "UPDATE orgs_user SET is_superuser = 1, is_staff = 1 WHERE username = 'xa-an-phu'",
            )
            _replace(members, "database/tonghop.sqlite3", data)
        else:
            _replace(members, "secret_key", b"a-key-the-forger-knows-" * 3)
        _recompute_manifest(members)

    forged = tmp_path / "forged.tar.gz"
    _rewrite(archive, forged, tamper)
    _refused(office, forged, "chữ ký của tệp sao lưu không khớp với khoá sao lưu")
    fresh = tmp_path / "may-moi"
    done = tonghop(fresh, "restore", str(forged), "--key", str(office / "backup_key"))
    assert done.returncode == 1
    assert "không khôi phục gì" in done.stderr
    assert not (fresh / "tonghop.sqlite3").exists()


def test_an_archive_signed_with_another_key_or_without_a_key_is_refused(
    office: Path, archive: Path, tmp_path: Path
) -> None:
    other_key = tmp_path / "khoa-khac"
    other_key.write_text("k" * 40)
    fresh = tmp_path / "may-moi"
    done = tonghop(fresh, "restore", str(archive), "--key", str(other_key))
    assert done.returncode == 1
    assert "khoá đang dùng" in done.stderr
    done = tonghop(fresh, "restore", str(archive))
    assert done.returncode == 1
    assert "không tìm thấy khoá sao lưu" in done.stderr
    assert "TONGHOP_BACKUP_KEY" in done.stderr
    assert not (fresh / "tonghop.sqlite3").exists()
    # The key may come from the environment instead of a file.
    key = (office / "backup_key").read_text().strip()
    done = tonghop(fresh, "restore", str(archive), TONGHOP_BACKUP_KEY=key)
    assert done.returncode == 0, done.stderr


def test_an_archive_made_before_signatures_is_restored_only_when_told(
    office: Path, archive: Path, tmp_path: Path
) -> None:
    def unsigned(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        # As an older tonghop wrote it: no signature, and a live session in its database.
        members[:] = [(i, d) for i, d in members if i.name != "manifest.sig"]
        data = _database_with(
            _member(archive, "database/tonghop.sqlite3"),
            tmp_path,
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('phien-cu-con-song', 'x', '2999-01-01 00:00:00')",
        )
        _replace(members, "database/tonghop.sqlite3", data)
        _recompute_manifest(members)

    old = tmp_path / "cu.tar.gz"
    _rewrite(archive, old, unsigned)
    _refused(office, old, "--accept-unsigned")
    fresh = tmp_path / "may-moi"
    done = tonghop(fresh, "restore", str(old), "--accept-unsigned")
    assert done.returncode == 0, done.stderr
    assert "Không kiểm tra chữ ký" in done.stdout
    # Its live session is not carried over.
    assert script(fresh, SESSIONS).strip() == "0"


def test_a_backup_and_a_restore_are_private_and_carry_no_session(
    office: Path, tmp_path: Path
) -> None:
    script(office, SESSION)
    assert script(office, SESSIONS).strip() == "1"
    path = tmp_path / "sao-luu.tar.gz"
    done = tonghop(office, "backup", str(path))
    assert done.returncode == 0, done.stderr
    key = office / "backup_key"
    assert f"Khoá sao lưu mới được tạo: {key}" in done.stdout
    assert _mode(key) == 0o600 and _mode(path) == 0o600
    with tarfile.open(path) as tar:
        assert "backup_key" not in tar.getnames()
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(_member(path, "database/tonghop.sqlite3"))
    with contextlib.closing(sqlite3.connect(copy)) as db:
        assert db.execute("SELECT COUNT(*) FROM django_session").fetchone()[0] == 0
    # A second backup signs with the same key, and says so without making another.
    done = tonghop(office, "backup", str(tmp_path / "lan-hai.tar.gz"))
    assert "Khoá sao lưu mới" not in done.stdout
    assert "Đã ký bản kê" in done.stdout

    fresh = tmp_path / "may-moi"
    done = tonghop(fresh, "restore", str(path), "--key", str(key))
    assert done.returncode == 0, done.stderr
    assert "đăng nhập lại" in done.stdout
    assert script(fresh, SESSIONS).strip() == "0"
    found = {p: _mode(p) for p in [fresh, *fresh.rglob("*")]}
    assert len(found) > 8
    wanted = {p: 0o700 if p.is_dir() else 0o600 for p in found}
    assert found == wanted

    # Into the live folder, with --force: the folder and what replaced the old data, private.
    done = tonghop(office, "restore", str(path), "--force")
    assert done.returncode == 0, done.stderr
    restored = [office, office / "tonghop.sqlite3", office / "secret_key", office / "files"]
    restored += [*(office / "files").rglob("*"), *(office / "pki").rglob("*")]
    assert {p: _mode(p) for p in restored} == {p: 0o700 if p.is_dir() else 0o600 for p in restored}
    assert script(office, SESSIONS).strip() == "0"
