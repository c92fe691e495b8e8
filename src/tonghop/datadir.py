"""The data folder is private to the account that runs tonghop.

It holds the database (live sessions, password hashes, two-step secrets), the secret key, the
signing key and every uploaded file: another account of the same computer must not read any of
it. The folder is kept 0700 and everything in it 0600 (folders 0700):

- the `tonghop` command and the WSGI application set the process umask to 077 when they start,
  so whatever they create (SQLite's -wal and -shm files, mail kept as files, generated reports)
  is private;
- Django saves uploaded and generated files 0600 in 0700 folders (FILE_UPLOAD_PERMISSIONS);
- code that writes a key, a backup or a restored folder gives the mode itself;
- `tonghop migrate` tightens an existing install; `tonghop check` warns and says the command that
  fixes it; a production start refuses a folder others can open (settings).

Pure standard library: settings imports it before Django is set up.
"""

from __future__ import annotations

import os
import secrets
import shlex
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600
# Any permission for the group or for others: read, write, or (on a folder) entry by name.
OPEN_BITS = 0o077


def private_umask() -> None:
    """Files and folders this process creates are its owner's alone."""
    os.umask(PRIVATE_UMASK)


def is_open(path: Path) -> bool:
    """Whether the group or others have any permission on this path (links not followed)."""
    return bool(path.lstat().st_mode & OPEN_BITS)


def open_entries(data_dir: Path) -> list[Path]:
    """The folder itself and every file or folder in it that the group or others may use."""
    if not data_dir.is_dir():
        return []
    found = [data_dir] if is_open(data_dir) else []
    for folder, dirs, names in os.walk(data_dir):
        for name in (*dirs, *names):
            path = Path(folder) / name
            if not path.is_symlink() and is_open(path):
                found.append(path)
    return found


def tighten(data_dir: Path) -> int:
    """Take every permission of the group and of others away; returns how many paths changed.

    Links are left alone (their target may be anywhere); the owner's bits are kept."""
    changed = 0
    for path in open_entries(data_dir):
        mode = stat.S_IMODE(path.lstat().st_mode)
        path.chmod(mode & ~OPEN_BITS)
        changed += 1
    return changed


def fix_command(data_dir: Path) -> str:
    return f"chmod -R go-rwx {shlex.quote(str(data_dir))}"


def make_folder(path: Path, *, within: Path | None = None) -> None:
    """A folder made private whatever the umask (mkdir's mode is only ever narrowed by it); an
    existing one is left as it is (`tonghop migrate` tightens the data folder). `within`: each
    missing folder between it and `path` is made private too (`mkdir(parents=True)` gives
    those the umask's mode); folders above it are never created here."""
    if within is None:
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        return
    if path.is_dir():
        return  # the usual case (a photo's month folder): one look, not one a level
    missing = [p for p in (path, *path.parents) if p.is_relative_to(within) and not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, created so from the first byte (never a moment
    with the umask's mode), replacing any earlier file whole."""
    partial = _partial_file(path, data)
    try:
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def create_private_once(path: Path, data: bytes) -> bytes:
    """Create a private file unless it exists, and return what it holds. Processes starting
    together (the server and the worker of a new install) each make a candidate; the first to
    link it in place wins and the others read the winner's, so they all hold the same."""
    partial = _partial_file(path, data)
    try:
        os.link(partial, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        partial.unlink(missing_ok=True)
    return data


def _partial_file(path: Path, data: bytes) -> Path:
    """`data` in a new private file beside `path`, named for this process alone."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


def private_tree(root: Path) -> None:
    """A restored or copied tree: folders 0700, files 0600 (links are not followed)."""
    if not root.exists():
        return
    root.chmod(FOLDER_MODE if root.is_dir() else FILE_MODE)
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(FOLDER_MODE)
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(FILE_MODE)
