"""Back up and restore one install: the database and the data folder's files, in one archive.

The archive is a `.tar.gz` holding

- `database/tonghop.sqlite3` (SQLite) or `database/tonghop.pgdump` (PostgreSQL, `pg_dump`
  custom format);
- `files/...` (uploaded and generated files, `MEDIA_ROOT`), `pki/...` (the signing key and the
  demo authority), `secret_key`;
- `manifest.json`: format, tonghop version, time, database vendor, counts of the main tables,
  the files the database names but the folder lacked, and the sha256 of every member;
- `manifest.sig`, last: an HMAC-SHA256 of the manifest under the backup key, which is never in
  an archive (TONGHOP_BACKUP_KEY, or `backup_key` in the data folder, made 0600 by the first
  backup). The sha256s find damage; the signature finds a change, since whoever edits a member
  and recomputes the manifest cannot sign it again without the key.

Consistency while the server runs: the database is copied first as one snapshot (SQLite's online
backup API in one step, which reads one WAL snapshot; `pg_dump` in one transaction, whose
snapshot the counts and the list of named files share), then the files. A file written after the
snapshot is an extra that nothing names; a file the snapshot names but the folder lacks is listed.
Live `*.sqlite3`, `-wal` and `-shm` files and the outbox are never archived, nor the sessions
(django_session is emptied in the copy): a stolen archive opens no live session.

Restore checks the whole archive (member names, types, the manifest's signature, sha256s against
the manifest) before it touches anything, refuses to replace an existing database unless forced
(the old one is then moved aside, never deleted), makes every restored file 0600, removes any
session the copy still holds, and reports what the restored database names but lacks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from tonghop import datadir, errors

FORMAT = "tonghop-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KEY_FILE = "backup_key"
KEY_ENV = "TONGHOP_BACKUP_KEY"
MAC_CONTEXT = b"tonghop-backup manifest\n"
SQLITE_MEMBER = "database/tonghop.sqlite3"
PG_MEMBER = "database/tonghop.pgdump"
# Folders and files of the data folder that belong in a backup (never the live database, its
# -wal/-shm files or the outbox).
TREES = ("files", "pki")
SECRET = "secret_key"  # noqa: S105 - the name of the file, not a secret
SPOOL_BYTES = 8 * 1024 * 1024
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
MIN_KEY_CHARS = 32
LIVE_DB = re.compile(r"\.sqlite3(-wal|-shm|-journal)?$")

# The tables counted in the manifest and checked after a restore.
MAIN_TABLES = {
    "units": "orgs.Unit",
    "users": "orgs.User",
    "campaigns": "campaigns.Campaign",
    "assignments": "reports.Assignment",
    "events": "reports.AssignmentEvent",
    "reports": "reports.Report",
    "report_versions": "reports.ReportVersion",
    "documents": "documents.Document",
    "compilations": "compilation.Compilation",
    "news": "portal.NewsItem",
}


class BackupError(errors.Refused):
    """A refused backup or restore; str() is a Vietnamese sentence for the person at the desk."""


@dataclass(frozen=True)
class BackupInfo:
    archive: Path
    created_at: str
    vendor: str
    version: str
    counts: dict[str, int]
    files: int
    size: int
    # Files the database names but that are absent: at backup, from the data folder; after a
    # restore, from the restored folder.
    missing: tuple[str, ...] = ()
    moved_aside: Path | None = None
    restored_counts: dict[str, int] = field(default_factory=dict)
    # The backup key that signed (backup) or checked (restore) the manifest; None when a restore
    # was told to accept an archive without checking its signature.
    key: BackupKey | None = None


@dataclass(frozen=True)
class BackupKey:
    """The key that signs every manifest. Kept out of every archive and apart from them: whoever
    holds it and an archive can make an archive that restore accepts."""

    secret: bytes = field(repr=False)
    where: str  # the variable's name or the file's path, for messages
    created: bool = False

    @property
    def key_id(self) -> str:
        """A short fingerprint to tell keys apart in messages (never the key)."""
        return hashlib.sha256(b"tonghop backup key id\n" + self.secret).hexdigest()[:12]

    def sign(self, raw_manifest: bytes) -> str:
        return hmac.new(self.secret, MAC_CONTEXT + raw_manifest, hashlib.sha256).hexdigest()


class _Cursor(Protocol):
    def execute(self, sql: str) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


# ---------------------------------------------------------------------------- the backup key


def _key_from_file(path: Path) -> BackupKey:
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise BackupError(f"không đọc được tệp khoá sao lưu {path}: {exc.strerror}") from exc
    if len(secret) < MIN_KEY_CHARS:
        raise BackupError(
            f"tệp khoá sao lưu {path} không hợp lệ (cần ít nhất {MIN_KEY_CHARS} ký tự)"
        )
    return BackupKey(secret, str(path))


def backup_key(
    data_dir: Path, *, create: bool = False, key_file: Path | None = None
) -> BackupKey | None:
    """The backup key: a file given on the command line, else TONGHOP_BACKUP_KEY, else
    `backup_key` in the data folder, made (0600) by the first backup when `create`."""
    from django.conf import settings

    if key_file is not None:
        return _key_from_file(key_file)
    if settings.TONGHOP_BACKUP_KEY:
        return BackupKey(settings.TONGHOP_BACKUP_KEY.encode(), KEY_ENV)
    path = data_dir / KEY_FILE
    if path.is_file():
        return _key_from_file(path)
    if not create:
        return None
    datadir.make_folder(data_dir)
    secret = secrets.token_urlsafe(48).encode("ascii")
    try:
        # O_EXCL: two first backups at once keep one key between them.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, datadir.FILE_MODE)
    except FileExistsError:
        return _key_from_file(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret + b"\n")
    return BackupKey(secret, str(path), created=True)


def _check_signature(
    raw_manifest: bytes, raw_signature: bytes | None, key: BackupKey | None
) -> None:
    if raw_signature is None:
        raise BackupError(
            "tệp sao lưu không có chữ ký (làm trước khi tonghop ký các bản sao lưu), nên không "
            "kiểm chứng được là chưa bị sửa; chỉ khi chắc chắn tệp là của cơ quan và chưa ai sửa, "
            "khôi phục bằng tuỳ chọn --accept-unsigned"
        )
    if key is None:
        raise BackupError(
            "không tìm thấy khoá sao lưu để kiểm tra chữ ký của tệp sao lưu: đặt "
            f"{KEY_ENV}, dùng --key TỆP, hoặc chép tệp {KEY_FILE} vào thư mục dữ liệu; "
            "không khôi phục gì"
        )
    try:
        signature = json.loads(raw_signature)
        mac, signed_by = str(signature["mac"]), str(signature.get("key", "?"))
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("chữ ký (manifest.sig) không đọc được; không khôi phục gì") from exc
    if not hmac.compare_digest(mac, key.sign(raw_manifest)):
        raise BackupError(
            "chữ ký của tệp sao lưu không khớp với khoá sao lưu: tệp đã bị sửa sau khi sao lưu, "
            f"hoặc được ký bằng khoá khác (khoá ký {signed_by[:12]}, khoá đang dùng "
            f"{key.key_id}, ở {key.where}); không khôi phục gì"
        )


# ---------------------------------------------------------------------------- shared helpers


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(cursor: _Cursor) -> dict[str, int]:
    from django.apps import apps

    counts: dict[str, int] = {}
    for label, model_name in MAIN_TABLES.items():
        table = apps.get_model(model_name)._meta.db_table
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")  # noqa: S608 - our own table names
        counts[label] = int(cursor.fetchone()[0])
    return counts


def _named_files(cursor: _Cursor) -> set[str]:
    """Every file name stored in a FileField of the project's models."""
    from django.apps import apps
    from django.db import models

    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                table, column = _q(model._meta.db_table), _q(str(model_field.column))
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                names.update(str(row[0]) for row in cursor.fetchall() if row[0])
    return names


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tonghop")
    except PackageNotFoundError:
        return "0"


def _pg_env() -> dict[str, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    names["NAME"] = "PGDATABASE"
    return {**os.environ, **{var: str(db[key]) for key, var in names.items() if db.get(key)}}


def _pg_run(name: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the configured database; say clearly when it is missing."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"không tìm thấy lệnh {name}: cần cài gói PostgreSQL client "
            "(Debian: apt-get install postgresql-client) để sao lưu/khôi phục PostgreSQL"
        )
    done = subprocess.run(  # noqa: S603 - a PostgreSQL tool from PATH, arguments are ours
        [tool, "--no-owner", "--no-privileges", *args],
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{name} thất bại: {_one_line(done.stderr)}")


def _digest(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return _digest(handle)


# ---------------------------------------------------------------------------- backup


def _snapshot_sqlite(into: Path) -> tuple[dict[str, int], set[str]]:
    from django.conf import settings

    live = Path(settings.DATABASES["default"]["NAME"])
    if not live.is_file():
        raise BackupError(f"chưa có cơ sở dữ liệu ({live}); chạy tonghop migrate trước")
    source = sqlite3.connect(str(live), timeout=20)
    target = sqlite3.connect(str(into))
    try:
        # One step (pages=-1): the copy reads a single WAL snapshot while writers go on.
        source.backup(target, pages=-1)
    finally:
        source.close()
    try:
        # A self-contained file: no -wal beside it in the archive.
        target.execute("PRAGMA journal_mode=DELETE")
        _drop_sessions(target)
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"bản chụp cơ sở dữ liệu bị lỗi: {check}")
        cursor = target.cursor()
        return _counts(cursor), _named_files(cursor)
    finally:
        target.close()


def _drop_sessions(db: sqlite3.Connection) -> None:
    """No live session travels in an archive. secure_delete overwrites the freed pages, so the
    session keys are not left readable in the file's free space."""
    from django.contrib.sessions.models import Session

    table = Session._meta.db_table
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if found:
        db.execute("PRAGMA secure_delete = ON")
        with db:
            db.execute(f"DELETE FROM {_q(table)}")  # noqa: S608 - Django's own table name


def _snapshot_postgres(into: Path) -> tuple[dict[str, int], set[str]]:
    """pg_dump reads the snapshot of our own REPEATABLE READ transaction, where we count."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        counts, named = _counts(cursor), _named_files(cursor)
        # The transaction stays open until pg_dump is done, so its snapshot stays valid.
        from django.contrib.sessions.models import Session

        _pg_run(
            "pg_dump",
            "--format=custom",
            f"--snapshot={snapshot}",
            # The table is kept, its rows (live sessions) are not.
            f"--exclude-table-data={Session._meta.db_table}",
            f"--file={into}",
        )
    return counts, named


def _data_files(data_dir: Path, media_root: Path) -> Iterator[tuple[str, Path]]:
    """(member name, path) of every regular file to archive; links are never followed."""
    roots = [("files", media_root), ("pki", data_dir / "pki")]
    for prefix, root in roots:
        if not root.is_dir():
            continue
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file() or LIVE_DB.search(name):
                    continue
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path
    secret = data_dir / SECRET
    if secret.is_file() and not secret.is_symlink():
        yield SECRET, secret


def _add(tar: tarfile.TarFile, name: str, handle: IO[bytes], mtime: float) -> tuple[str, int]:
    """Copy a file into the archive through a spool (a file growing or shrinking meanwhile
    cannot break the archive); returns its sha256 and size."""
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            spool.write(chunk)
        size = spool.tell()
        spool.seek(0)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), 0o600
        tar.addfile(info, spool)
    return digest.hexdigest(), size


def backup(path: Path) -> BackupInfo:
    """Write one archive of the database and the data folder's files to `path`."""
    from django.conf import settings

    data_dir, media_root = Path(settings.DATA_DIR), Path(settings.MEDIA_ROOT)
    vendor = _vendor()
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"không hỗ trợ sao lưu cơ sở dữ liệu loại {vendor}")
    path = path.resolve()
    for tree in (media_root.resolve(), (data_dir / "pki").resolve()):
        if path.is_relative_to(tree):
            raise BackupError(f"không ghi tệp sao lưu vào trong {tree}: thư mục này được sao lưu")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = backup_key(data_dir, create=True)
    assert key is not None
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".tonghop-backup-") as work:
        dump = Path(work) / "db"
        if vendor == "sqlite":
            counts, named = _snapshot_sqlite(dump)
            db_member = SQLITE_MEMBER
        else:
            counts, named = _snapshot_postgres(dump)
            db_member = PG_MEMBER
        partial = Path(work) / "archive.tar.gz"
        members: dict[str, str] = {}
        present: set[str] = set()
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            with dump.open("rb") as handle:
                members[db_member], _size = _add(tar, db_member, handle, dump.stat().st_mtime)
            # Files after the snapshot: an extra file is harmless, a missing one is listed.
            for name, source in _data_files(data_dir, media_root):
                try:
                    handle = source.open("rb")
                except FileNotFoundError:  # deleted since the listing
                    continue
                with handle:
                    members[name], _size = _add(tar, name, handle, source.stat().st_mtime)
                if name.startswith("files/"):
                    present.add(name.removeprefix("files/"))
            missing = sorted(named - present)
            manifest = {
                "format": FORMAT,
                "tonghop_version": _version(),
                "created_at": created,
                "database": {"vendor": vendor, "member": db_member},
                "counts": counts,
                "missing_files": missing,
                "members": members,
            }
            raw = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            now = dt.datetime.now().timestamp()
            _add(tar, MANIFEST, io.BytesIO(raw), now)
            signature = {"algorithm": "HMAC-SHA256", "key": key.key_id, "mac": key.sign(raw)}
            _add(tar, SIGNATURE, io.BytesIO(json.dumps(signature).encode()), now)
        # The archive holds the secret key and the signing key: readable by its owner only.
        partial.chmod(0o600)
        os.replace(partial, path)
    return BackupInfo(
        archive=path,
        created_at=created,
        vendor=vendor,
        version=str(manifest["tonghop_version"]),
        counts=counts,
        files=len(members) - 1,
        size=path.stat().st_size,
        missing=tuple(missing),
        key=key,
    )


# ---------------------------------------------------------------------------- restore


def _member_allowed(name: str) -> bool:
    pure = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or pure.is_absolute():
        return False
    if any(part in ("", ".", "..") for part in name.split("/")):
        return False
    if name in (MANIFEST, SIGNATURE, SQLITE_MEMBER, PG_MEMBER, SECRET):
        return True
    return pure.parts[0] in TREES and len(pure.parts) >= 2 and not LIVE_DB.search(name)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, "r:gz") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(f"không có tệp sao lưu {path}") from exc
        raise BackupError(
            f"tệp sao lưu {path.name} bị hỏng hoặc không đầy đủ ({exc.__class__.__name__}); "
            "không khôi phục gì"
        ) from exc


def _check(path: Path, key: BackupKey | None, accept_unsigned: bool) -> dict[str, Any]:
    """Read the whole archive once: names, types and sha256s must match the manifest, and the
    manifest its signature (unless told to accept an archive without checking it)."""
    seen: dict[str, str] = {}
    raw_manifest: bytes | None = None
    raw_signature: bytes | None = None
    with _open(path) as tar:
        for info in tar:
            if not _member_allowed(info.name):
                raise BackupError(
                    f"tệp sao lưu chứa đường dẫn không hợp lệ “{info.name}”; từ chối khôi phục"
                )
            if not info.isfile():
                raise BackupError(
                    f"tệp sao lưu chứa liên kết hoặc mục không phải tệp “{info.name}”; "
                    "từ chối khôi phục"
                )
            if (
                info.name in seen
                or (info.name == MANIFEST and raw_manifest is not None)
                or (info.name == SIGNATURE and raw_signature is not None)
            ):
                raise BackupError(f"tệp sao lưu chứa “{info.name}” hai lần; từ chối khôi phục")
            handle = tar.extractfile(info)
            assert handle is not None
            if info.name == MANIFEST:
                if info.size > MAX_MANIFEST_BYTES:
                    raise BackupError("bản kê (manifest.json) quá lớn; từ chối khôi phục")
                raw_manifest = handle.read()
                continue
            if info.name == SIGNATURE:
                if info.size > MAX_SIGNATURE_BYTES:
                    raise BackupError("chữ ký (manifest.sig) quá lớn; từ chối khôi phục")
                raw_signature = handle.read()
                continue
            seen[info.name] = _digest(handle)
    if raw_manifest is None:
        raise BackupError("tệp sao lưu không có bản kê (manifest.json); không khôi phục gì")
    if not accept_unsigned:
        _check_signature(raw_manifest, raw_signature, key)
    try:
        manifest = json.loads(raw_manifest)
        listed = dict(manifest["members"])
        fmt = manifest["format"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("bản kê (manifest.json) không đọc được; không khôi phục gì") from exc
    if fmt != FORMAT:
        raise BackupError(f"định dạng sao lưu “{fmt}” không được hỗ trợ (cần {FORMAT})")
    if listed != seen:
        wrong = sorted(set(listed) ^ set(seen)) or sorted(
            name for name in listed if listed[name] != seen.get(name)
        )
        raise BackupError(
            "tệp sao lưu bị hỏng: mã kiểm tra sha256 không khớp với bản kê "
            f"({', '.join(wrong[:5])}); không khôi phục gì"
        )
    return dict(manifest)


def _holds_database(db_file: Path, vendor: str) -> bool:
    if vendor == "postgresql":
        from django.db import connection

        return "django_migrations" in connection.introspection.table_names()
    if not db_file.is_file() or db_file.stat().st_size == 0:
        return False
    with contextlib.closing(sqlite3.connect(str(db_file))) as db:
        row = db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return bool(row[0])


def _extract(path: Path, manifest: dict[str, Any], staging: Path) -> None:
    listed: dict[str, str] = manifest["members"]
    with _open(path) as tar:
        for info in tar:
            if info.name in (MANIFEST, SIGNATURE):
                continue
            if info.name not in listed or not info.isfile():  # changed since it was checked
                raise BackupError(f"tệp sao lưu thay đổi trong khi khôi phục: {info.name}")
            target = staging.joinpath(*PurePosixPath(info.name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = tar.extractfile(info)
            assert handle is not None
            with target.open("wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            if _sha256(target) != listed[info.name]:
                raise BackupError(f"tệp sao lưu thay đổi trong khi khôi phục: {info.name}")


def _pg_restore(dump: Path) -> None:
    from django.db import connection

    connection.close()
    database = _pg_env().get("PGDATABASE", "")
    options = ("--clean", "--if-exists", "--single-transaction", "--exit-on-error")
    _pg_run("pg_restore", *options, f"--dbname={database}", str(dump))


def restore(
    path: Path,
    *,
    into: Path | None = None,
    force: bool = False,
    key_file: Path | None = None,
    accept_unsigned: bool = False,
) -> BackupInfo:
    """Restore an archive into a data folder (default: the configured one).

    The manifest's signature is checked with the backup key (`key_file`, else TONGHOP_BACKUP_KEY,
    else the folder's `backup_key`); `accept_unsigned` skips that check, for an archive made
    before archives were signed, or whose key is lost. Sessions never come back: every restored
    person signs in again."""
    from django.conf import settings
    from django.db import connection

    data_dir = Path(settings.DATA_DIR).resolve()
    target = (into or data_dir).resolve()
    same = target == data_dir
    media_root = Path(settings.MEDIA_ROOT) if same else target / "files"
    vendor = _vendor()
    db_file = Path(settings.DATABASES["default"]["NAME"]) if same else target / "tonghop.sqlite3"
    key = backup_key(target, key_file=key_file)
    if key is None and not same:
        key = backup_key(data_dir)
    manifest = _check(path, key, accept_unsigned)  # before anything is touched
    archived = manifest["database"]["vendor"]
    if archived != vendor:
        raise BackupError(
            f"bản sao lưu là cơ sở dữ liệu {archived}, nhưng cấu hình hiện dùng {vendor}"
            + (" (DATABASE_URL)" if vendor == "postgresql" else "")
            + "; không khôi phục gì"
        )
    if vendor == "postgresql" and not same:
        raise BackupError("với PostgreSQL, chỉ khôi phục vào thư mục dữ liệu đang cấu hình")
    datadir.make_folder(target)
    held = _holds_database(db_file, vendor)
    if held and not force:
        raise BackupError(
            f"thư mục dữ liệu {target} đã có cơ sở dữ liệu; dùng --force để thay thế "
            "(dữ liệu cũ được chuyển sang một thư mục bên cạnh, không bị xoá)"
        )
    connection.close()
    moved: Path | None = None
    with tempfile.TemporaryDirectory(dir=target, prefix=".tonghop-restore-") as work:
        staging = Path(work)
        _extract(path, manifest, staging)
        datadir.private_tree(staging)
        if vendor == "sqlite":
            # An archive made before sessions were left out still opens none of them.
            with contextlib.closing(sqlite3.connect(str(staging / SQLITE_MEMBER))) as db:
                _drop_sessions(db)
        if vendor == "postgresql":
            # One transaction: a failure leaves the database as it was, and the files too.
            _pg_restore(staging / "database" / "tonghop.pgdump")
            _drop_sessions_postgres()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = target / f"truoc-khoi-phuc-{stamp}"
        # A fresh folder's secret key was made by this very start: replaced, not kept.
        old = [media_root, target / "pki", *([target / SECRET] if held else [])]
        if vendor == "sqlite":
            old += [db_file, *(db_file.with_name(db_file.name + s) for s in ("-wal", "-shm"))]
        for item in old:
            if item.exists() or item.is_symlink():
                datadir.make_folder(aside)
                shutil.move(str(item), str(aside / item.name))
                moved = aside
        if vendor == "sqlite":
            os.replace(staging / "database" / "tonghop.sqlite3", db_file)
        if (staging / "files").is_dir():
            shutil.move(str(staging / "files"), str(media_root))
        if (staging / "pki").is_dir():
            shutil.move(str(staging / "pki"), str(target / "pki"))
        if (staging / SECRET).is_file():
            os.replace(staging / SECRET, target / SECRET)
    if vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(str(db_file))) as db:
            counts, named = _counts(db.cursor()), _named_files(db.cursor())
    else:
        with connection.cursor() as cursor:
            counts, named = _counts(cursor), _named_files(cursor)
    missing = sorted(name for name in named if not (media_root / name).is_file())
    return BackupInfo(
        archive=path,
        created_at=str(manifest.get("created_at", "")),
        vendor=vendor,
        version=str(manifest.get("tonghop_version", "")),
        counts=dict(manifest.get("counts", {})),
        files=len(manifest["members"]) - 1,
        size=path.stat().st_size,
        missing=tuple(missing),
        moved_aside=moved,
        restored_counts=counts,
        key=None if accept_unsigned else key,
    )


def _drop_sessions_postgres() -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    table = Session._meta.db_table
    if table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_q(table)}")  # noqa: S608 - Django's own table name
