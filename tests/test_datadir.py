"""The data folder is private to the account that runs tonghop: the folder 0700, every file in
it 0600, after a migrate, an upload, a new signing key, a backup and a restore (those two in
tests/test_backup.py); `tonghop check` warns about a folder others can open, `tonghop migrate`
closes it, and a production start refuses it."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.reports.test_attachments import png, send

TIMEOUT = 300


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGHOP_", "DJANGO_")) and k != "DATABASE_URL"
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


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(folder: Path) -> dict[str, int]:
    """The folder's own mode (as "."), and every entry's below it."""
    found = {".": mode(folder)}
    for path in sorted(folder.rglob("*")):
        found[str(path.relative_to(folder))] = mode(path)
    return found


def private(folder: Path) -> dict[str, int]:
    """What the folder should look like: folders 0700, files 0600."""
    return {name: 0o700 if (folder / name).is_dir() else 0o600 for name in modes(folder)}


@contextlib.contextmanager
def loose_umask() -> Iterator[None]:
    """The usual umask (022) of a shell or a service manager, whatever this process had."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_migrate_makes_a_private_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "du-lieu"
    done = tonghop(data, "migrate")
    assert done.returncode == 0, done.stderr
    # The database's -wal and -shm, made by a writer with the usual umask, take the database
    # file's mode (SQLite gives them its own).
    with loose_umask(), contextlib.closing(sqlite3.connect(data / "tonghop.sqlite3")) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE lan_thu (x)")
        db.commit()
        assert (data / "tonghop.sqlite3-wal").is_file()
        found, wanted = modes(data), private(data)
    assert {"tonghop.sqlite3", "tonghop.sqlite3-wal", "tonghop.sqlite3-shm", "secret_key"} <= set(
        found
    )
    assert found == wanted, found


def test_check_warns_and_migrate_closes_an_old_install(tmp_path: Path) -> None:
    data = tmp_path / "cu"
    assert tonghop(data, "migrate").returncode == 0
    (data / "files" / "documents").mkdir(parents=True)
    (data / "files" / "documents" / "cong-van.pdf").write_bytes(b"%PDF-1.7 ...")
    # An install made before: a folder and files every account of the computer can read.
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    done = tonghop(data, "check")
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "tonghop.W001" in said
    assert f"chmod -R go-rwx {data}" in said
    assert "tài khoản khác" in said  # in Vietnamese

    done = tonghop(data, "migrate")
    assert done.returncode == 0, done.stderr
    assert "Đã khoá thư mục dữ liệu" in done.stdout
    assert modes(data) == private(data)
    done = tonghop(data, "check")
    assert done.returncode == 0
    assert "W001" not in done.stdout + done.stderr


def _production(data: Path) -> subprocess.CompletedProcess[str]:
    env = _env(
        TONGHOP_DATA_DIR=str(data),
        TONGHOP_PRODUCTION="true",
        TONGHOP_SECRET_KEY=secrets.token_urlsafe(60),
        TONGHOP_ALLOWED_HOSTS="baocao.example.gov.vn",
    )
    return subprocess.run(
        [sys.executable, "-c", "import tonghop.wsgi"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )


def test_production_refuses_a_data_folder_others_can_open(tmp_path: Path) -> None:
    data = tmp_path / "may-chu"
    data.mkdir()
    for loose in (0o755, 0o750, 0o711):
        data.chmod(loose)
        done = _production(data)
        assert done.returncode != 0
        assert "ImproperlyConfigured" in done.stderr
        assert f"chmod -R go-rwx {data}" in done.stderr
        assert f"{loose:04o}" in done.stderr
    data.chmod(0o700)
    done = _production(data)
    assert done.returncode == 0, done.stderr


def test_an_upload_is_private(world: World, settings: Any) -> None:
    client = world.client_for(world.hoa)
    with loose_umask():
        response = send(client, world.a_an_phu, "anh-pano.png", png(200, 100))
    assert response.status_code == 200, response.content
    media = Path(settings.MEDIA_ROOT)
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert stored
    assert modes(media) == private(media)


def test_a_new_signing_key_is_private(tmp_path: Path) -> None:
    from tonghop.issuing.signing import create_demo_authority

    with loose_umask():
        authority = create_demo_authority(
            tmp_path / "pki", office_name="Phòng VHKHTT", signer_name="Lãnh đạo", passphrase="mk"
        )
    assert mode(tmp_path / "pki") == 0o700
    assert mode(authority.signing_p12) == 0o600
    assert mode(authority.root_certificate) == 0o600


@pytest.mark.parametrize("where", ["secret_key"])
def test_a_new_secret_key_is_private(tmp_path: Path, where: str) -> None:
    data = tmp_path / "moi"
    done = subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); import tonghop.settings"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=_env(TONGHOP_DATA_DIR=str(data)),
    )
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / where) == 0o600


def test_processes_starting_together_on_a_new_folder_share_one_secret_key(tmp_path: Path) -> None:
    """The server and the worker of a new install start at once: each would make a key, and
    sessions and signed links would break between them. The first key written wins."""
    data = tmp_path / "data"
    show = (
        "import hashlib; from django.conf import settings; "
        "print(hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest())"
    )
    env = {**_env(), "TONGHOP_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "tonghop.settings"}
    processes = [
        subprocess.Popen([sys.executable, "-c", show], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in data.iterdir() if p.name.endswith(".partial")] == []
