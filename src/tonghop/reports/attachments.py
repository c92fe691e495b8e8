"""Files a unit attaches to its report: checked, stored, removed and served.

Every file is judged by its content (reports.filecheck), within the size and count limits of the
settings, stored under a random name in MEDIA_ROOT/attachments/<yyyy>/<mm>/ with a thumbnail, and
served only after a permission check, with headers that stop a browser from running it.

A file is stored before the transaction that attaches it; a request killed in between (the
server's process ended, the machine stopped) leaves a file no row names. sweep_strays removes
those once they are older than any request can be, and `tonghop worker` runs it now and then.

Adding and removing go through here like every other change of a report: permission through
reports.actions._check_allowed (a signed-in reporter, or the unit's personal link), and only
while the report can still be saved. The slow part of an upload (reading the file, drawing the
thumbnail) happens outside any transaction, so a 20 MB PDF never holds the database's write lock;
the checks are taken again, under the assignment's lock, before the row is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import logging
import os
import re
import secrets
import stat
import time
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from PIL import Image

from tonghop import datadir, errors
from tonghop.campaigns.form_models import FormRule, Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.db.prepared import PreparedInsert
from tonghop.orgs.models import User
from tonghop.reports import actions, filecheck
from tonghop.reports.actions import (
    ActionError,
    Grant,
    InvalidStep,
    _check_allowed,
    _check_open,
    _lock,
    _refusal,
    report_of,
)
from tonghop.reports.models import (
    TRANSITIONS,
    Assignment,
    Attachment,
    Report,
    State,
    Step,
)

logger = logging.getLogger(__name__)

# An attachment's row, written on the busiest path (a unit's submission with its photo).
_NEW_ATTACHMENT = PreparedInsert(Attachment)

# Form field names: general attachments, and the files of one FILE indicator.
GENERAL_FIELD = "attachments"
INDICATOR_FIELD_PREFIX = "file-"
# The child that opens images and PDFs: far more than a real photo or scan needs.
CHILD_TIMEOUT = 60.0
CHILD_MEMORY_MB = 1024


class AttachmentRefused(ActionError, errors.Invalid):
    """A file that is not taken; str() names the file and says why."""


def file_codes(assignment: Assignment, indicators: list[Indicator] | None = None) -> list[str]:
    """The codes of the campaign's FILE indicators, in the form's order (from `indicators`, the
    campaign's already loaded, when given)."""
    if indicators is None:
        indicators = list(assignment.campaign.indicators.all())
    return [i.code for i in indicators if i.kind == IndicatorKind.FILE]


def _sync_file_values(report: Report, codes: list[str]) -> None:
    if not codes:
        return
    report.values = {**report.values, **report.file_values(codes)}
    report.save(update_fields=["values"])


def _refused(name: str, refusal: filecheck.Refused) -> AttachmentRefused:
    """Word a refusal from filecheck for the person, naming the file."""
    code, params = refusal.code, refusal.params
    texts = {
        "empty": _("“%(name)s” is empty."),
        "image_too_large": _(
            "“%(name)s” was refused: the image is too large (at most %(side)s pixels a side)."
        ),
        "image_bomb": _(
            "“%(name)s” was refused: the image has too many pixels to be opened safely."
        ),
        "image_unreadable": _("“%(name)s” could not be read as an image; it may be damaged."),
        "image_too_many_scans": _(
            "“%(name)s” was refused: the JPEG is made of more than %(limit)s scans, which no "
            "camera, phone or editor writes. Save it again as an ordinary JPEG."
        ),
        "image_too_complex": _(
            "“%(name)s” was refused: the image holds far more parts than a photo does. Save it "
            "again as an ordinary JPEG."
        ),
        "pdf_unreadable": _("“%(name)s” could not be read as a PDF; it may be damaged."),
        "pdf_encrypted": _(
            "“%(name)s” is protected by a password or encrypted; attach it without protection."
        ),
        "pdf_too_many_pages": _(
            "“%(name)s” has %(pages)s pages; a PDF of at most %(limit)s pages is accepted."
        ),
        "zip_unreadable": _("“%(name)s” could not be read; it may be damaged."),
        "zip_too_many_members": _(
            "“%(name)s” was refused: it holds too many parts (%(count)s; at most %(limit)s)."
        ),
        "zip_bomb": _(
            "“%(name)s” was refused: it expands to far more than its size (a compressed bomb)."
        ),
        "zip_bad_names": _("“%(name)s” was refused: it holds parts with unsafe paths."),
        "zip_encrypted": _("“%(name)s” is encrypted; attach it without protection."),
        "ooxml_not_office": _(
            "“%(name)s” was refused: it is an archive, not a Word (DOCX) or Excel (XLSX) file."
        ),
        "ooxml_macros": _(
            "“%(name)s” was refused: it contains macros. Save it as a plain .docx or .xlsx."
        ),
        "too_slow": _("“%(name)s” took too long to check and was refused."),
        "too_much_memory": _(
            "“%(name)s” needed too much memory to open and was refused; it may be damaged "
            "or made to cause harm."
        ),
    }
    if code in texts:
        return AttachmentRefused(texts[code] % {"name": name, **params})
    if filecheck.extension(name) in filecheck.ACCEPTED_EXTENSIONS:
        return AttachmentRefused(
            _(
                "“%(name)s” was refused: its content does not match its name. Only photos "
                "(JPEG, PNG, WebP), PDF, Word (DOCX) and Excel (XLSX) files are accepted."
            )
            % {"name": name}
        )
    return AttachmentRefused(
        _(
            "“%(name)s” was refused: only photos (JPEG, PNG, WebP), PDF, Word (DOCX) and "
            "Excel (XLSX) files are accepted."
        )
        % {"name": name}
    )


def _check_can_attach(
    user: User | None,
    assignment: Assignment,
    indicator_code: str,
    name: str,
    grant: Grant | None,
    *,
    indicators: list[Indicator] | None = None,
    present: list[Attachment] | None = None,
) -> Report | None:
    """Refuse unless this person may add a file to this report now; the report if it exists.
    `present`: the report's files present, when the caller has read them."""
    _check_editable(user, assignment, grant)
    _check_code(assignment, indicator_code, name, indicators)
    report = Report.objects.filter(assignment=assignment).first()
    count = len(present) if present is not None else None
    if report is not None and count is None:
        count = report.attachments.present().count()
    _check_count(count or 0, name)
    return report


def _check_code(
    assignment: Assignment, indicator_code: str, name: str, indicators: list[Indicator] | None
) -> None:
    if indicator_code and indicator_code not in file_codes(assignment, indicators):
        raise AttachmentRefused(
            _("“%(name)s” was refused: this form has no file field “%(code)s”.")
            % {"name": name, "code": indicator_code[:40]}
        )


def _check_count(count: int, name: str) -> None:
    limit = settings.TONGHOP_ATTACHMENTS_PER_REPORT
    if count >= limit:
        raise AttachmentRefused(
            _("“%(name)s” was not added: a report can have at most %(limit)s attachments.")
            % {"name": name, "limit": limit}
        )


def _unlocked(assignment_id: int) -> Assignment:
    return Assignment.objects.select_related("campaign", "campaign__office", "unit").get(
        pk=assignment_id
    )


def _check_editable(user: User | None, assignment: Assignment, grant: Grant | None) -> None:
    _check_allowed(user, assignment, Step.SAVE, grant)
    if (State(assignment.state), Step.SAVE) not in TRANSITIONS:
        raise InvalidStep(_refusal(assignment, Step.SAVE))


def _spool(upload: UploadedFile[bytes], path: Path, name: str) -> tuple[int, str]:
    """Copy the upload to a new private file at `path`, counting its real size (never the one
    declared); its size and SHA-256."""
    limit = settings.TONGHOP_ATTACHMENT_MAX_BYTES
    too_large = AttachmentRefused(
        _("“%(name)s” is too large: at most %(mb)s MB per file.")
        % {"name": name, "mb": limit // (1024 * 1024)}
    )
    if (upload.size or 0) > limit:
        raise too_large
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, datadir.FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                raise too_large
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


@dataclass(frozen=True)
class _Checked:
    """An upload checked and stored under its random name, not yet attached."""

    indicator_code: str
    shown: str  # the name in a refusal
    name: str  # the name kept
    stored: str
    thumb: str
    content_type: str
    size: int
    sha256: str


def _early(
    user: User | None,
    assignment_id: int,
    indicator_code: str,
    shown: str,
    grant: Grant | None,
    seen: Assignment | None,
    indicators: list[Indicator] | None,
) -> None:
    """Refuse early what will be refused anyway, before spending time on the file. A plain
    read: the same checks run again under the lock, where they count."""
    if seen is None:
        _check_can_attach(user, _unlocked(assignment_id), indicator_code, shown, grant)
    else:
        # The caller's read says who may write; what can be refused without a query is.
        _check_open(seen, Step.SAVE)
        if (State(seen.state), Step.SAVE) not in TRANSITIONS:
            raise InvalidStep(_refusal(seen, Step.SAVE))
        _check_code(seen, indicator_code, shown, indicators)


def _check_and_store(
    upload: UploadedFile[bytes], indicator_code: str, now: dt.datetime
) -> _Checked:
    """The slow part of an upload, outside any transaction: its real size, its content judged,
    the file and its thumbnail stored."""
    name = filecheck.clean_name(upload.name or "")
    # A file sent without a usable name is called "tep" (file), with the extension it deserves.
    shown = name or "tep"
    # Spooled beside where it will stay, under its random name: one write, then a rename once
    # it is judged, and nothing to copy or clean up elsewhere. A file of a request killed here
    # is attached to nothing: the sweep (sweep_strays) removes it later.
    base = _random_base(now)
    part = Path(default_storage.path(f"{base}.part"))
    datadir.make_folder(part.parent, within=Path(settings.MEDIA_ROOT).parent)
    try:
        size, sha256 = _spool(upload, part, shown)
        try:
            checked = filecheck.check_file(
                part,
                max_pixels=Image.MAX_IMAGE_PIXELS,
                timeout=CHILD_TIMEOUT,
                memory_mb=min(CHILD_MEMORY_MB, settings.TONGHOP_INTAKE_MEMORY_MB),
            )
        except filecheck.Refused as refusal:
            raise _refused(shown, refusal) from None
        stored, thumb = _store(part, checked, base)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return _Checked(
        indicator_code=indicator_code,
        shown=shown,
        name=name or filecheck.download_name("tep", checked.kind),
        stored=stored,
        thumb=thumb,
        content_type=checked.content_type,
        size=size,
        sha256=sha256,
    )


def _same(present: Iterable[Attachment], checked: _Checked) -> Attachment | None:
    """The file already attached that this one is sent again of (a resend after a lost answer,
    a double tap): there once already, which is what the person wants, not a second copy."""
    return next(
        (
            a
            for a in present
            if a.sha256 == checked.sha256 and a.indicator_code == checked.indicator_code
        ),
        None,
    )


def _insert(
    report: Report, checked: _Checked, user: User | None, grant: Grant | None, now: dt.datetime
) -> Attachment:
    return _NEW_ATTACHMENT.run(
        Attachment(
            report=report,
            indicator_code=checked.indicator_code,
            file=checked.stored,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            thumbnail=checked.thumb,
            uploaded_by=user,
            via_link_id=grant.pk if grant is not None else None,
            uploaded_at=now,
        )
    )


def add_attachment(
    user: User | None,
    assignment_id: int,
    upload: UploadedFile[bytes],
    *,
    indicator_code: str = "",
    now: dt.datetime | None = None,
    grant: Grant | None = None,
    seen: Assignment | None = None,
    indicators: list[Indicator] | None = None,
) -> Attachment:
    """Check one uploaded file and attach it to the assignment's report, or raise.

    `indicator_code` names the FILE indicator it answers; blank for a general attachment.
    The report's values are untouched apart from that indicator's list of files. `seen`: the
    assignment as the caller read it in this request, through the person's own access
    (reports.access) or the unit's link; `indicators`: its campaign's form, read by the caller.
    Both spare queries only: everything is checked again under the assignment's lock."""
    now = now or timezone.now()
    shown = filecheck.clean_name(upload.name or "") or "tep"
    _early(user, assignment_id, indicator_code, shown, grant, seen, indicators)
    checked = _check_and_store(upload, indicator_code, now)
    try:
        with transaction.atomic():
            # The person's right and the report come with the lock (see actions._lock).
            assignment = _lock(assignment_id, reporter=user, with_report=True)
            _check_editable(user, assignment, grant)
            _check_code(assignment, indicator_code, shown, indicators)
            report = report_of(assignment)
            # The files present, read once: counted against the limit, and searched for this
            # same file sent again.
            present = [] if report is None else list(report.attachments.present())
            _check_count(len(present), shown)
            if report is None:
                # The assignment is locked: no one else can be creating its report now.
                report = Report.objects.create(assignment=assignment)
            same = _same(present, checked)
            if same is None:
                attachment = _insert(report, checked, user, grant, now)
                if indicator_code:
                    _sync_file_values(report, file_codes(assignment, indicators))
    except BaseException:
        _delete_files([checked.stored, checked.thumb])
        raise
    if same is not None:
        _delete_files([checked.stored, checked.thumb])
        return same
    return attachment


class FilesRefused(ActionError, errors.Invalid):
    """Some files sent with a report were refused (`errors`, by indicator code, "" for general
    files): the others were attached, nothing else was saved."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Some files were not attached; nothing else was saved."))
        self.errors = errors


def save_with_files(
    user: User | None,
    assignment_id: int,
    uploads: Iterable[tuple[str, UploadedFile[bytes]]],
    data: Mapping[str, object],
    narrative: str,
    *,
    expected_version: int,
    submit: bool,
    seen: Assignment,
    indicators: list[Indicator],
    rules: list[FormRule],
    hold: actions.GrantHold | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    """The report form sent with files: each file checked and stored first, outside any
    transaction, then the files attached and the report saved or submitted in one transaction,
    under one lock of the assignment (add_uploads then save_report would take two).

    What the person gets is what the two steps one after the other would give: the files the
    form's `seen` assignment could not take refused at once (InvalidStep, NotAllowed); a
    refused file (FilesRefused, after the others are attached) saves nothing else; a refusal
    of the save itself (values, state, version) is raised after the files are attached, since
    a file does not wait for the figures to be right. `indicators` and `rules`: the campaign's
    form (actions.read_form), read by the caller. `hold`: sent through a unit's personal link
    (user None), read again under its lock within the same transaction."""
    now = now or timezone.now()
    grant: Grant | None = None
    refusals: dict[str, list[str]] = {}
    checked: list[_Checked] = []
    unused: list[_Checked] = []
    refusal: ActionError | None = None
    try:
        for code, upload in uploads:
            shown = filecheck.clean_name(upload.name or "") or "tep"
            try:
                _early(user, assignment_id, code, shown, None, seen, indicators)
                checked.append(_check_and_store(upload, code, now))
            except AttachmentRefused as exc:
                refusals.setdefault(code, []).append(str(exc))
        if refusals and not checked:
            raise FilesRefused(refusals)
        with transaction.atomic():
            assignment = _lock(assignment_id, reporter=user, with_report=True, next_version=submit)
            if hold is not None:
                grant = hold.lock(assignment)
            if checked:
                _check_editable(user, assignment, grant)
            report = report_of(assignment)
            present = [] if report is None else list(report.attachments.present())

            def check(files: list[tuple[int, str]]) -> actions.Save:
                """Every check of the save, with `files` as the report's files present."""
                return actions.check_save(
                    user,
                    assignment,
                    data,
                    narrative,
                    expected_version=expected_version,
                    submit=submit,
                    now=now,
                    grant=grant,
                    autosave=False,
                    indicators=indicators,
                    rules=rules,
                    present=files,
                )

            taken: list[_Checked] = []
            for item in checked:
                try:
                    _check_code(assignment, item.indicator_code, item.shown, indicators)
                    _check_count(len(present) + len(taken), item.shown)
                except AttachmentRefused as exc:
                    refusals.setdefault(item.indicator_code, []).append(str(exc))
                    unused.append(item)
                    continue
                if _same(present, item) is not None or any(
                    t.sha256 == item.sha256 and t.indicator_code == item.indicator_code
                    for t in taken
                ):
                    unused.append(item)
                else:
                    taken.append(item)
            save: actions.Save | None = None
            new_with_values = False
            if report is None and not refusals and not any(t.indicator_code for t in taken):
                # General files are no indicator's value: the save is checked first, so that a
                # new report is inserted once, with its values.
                try:
                    save = check([])
                except ActionError as exc:
                    refusal = exc
                else:
                    report, new_with_values = actions.new_report(save), True
            if report is None and taken:
                # The assignment is locked: no one else can be creating its report now.
                report = Report.objects.create(assignment=assignment)
            added = [_insert(report, t, user, grant, now) for t in taken] if report else []
            pairs = sorted((a.pk, a.indicator_code) for a in [*present, *added])
            if refusals or refusal is not None:
                if any(t.indicator_code for t in taken) and report is not None:
                    _sync_file_values(report, file_codes(assignment, indicators))
            else:
                if save is None:
                    try:
                        save = check(pairs)
                    except ActionError as exc:
                        refusal = exc
                        if any(t.indicator_code for t in taken) and report is not None:
                            _sync_file_values(report, file_codes(assignment, indicators))
                if save is not None:
                    # The version lists every file present, those just added too.
                    save = dataclasses.replace(save, present=pairs)
                    actions.write_save(save, report, report_written=new_with_values)
                    if hold is not None:
                        hold.used(now)
    except BaseException:
        _delete_files(name for item in checked for name in (item.stored, item.thumb))
        raise
    _delete_files(name for item in unused for name in (item.stored, item.thumb))
    if refusals:
        raise FilesRefused(refusals)
    if refusal is not None:
        raise refusal
    return assignment


def _random_base(now: dt.datetime) -> str:
    """The storage name, without extension, of a new file: its month's folder, a random name."""
    local = timezone.localtime(now)
    return f"attachments/{local:%Y}/{local:%m}/{secrets.token_urlsafe(24)}"


def _store(part: Path, checked: filecheck.Checked, base: str) -> tuple[str, str]:
    """Give the checked file its name and write its thumbnail beside it; the names saved."""
    storage = default_storage
    stored = f"{base}.{filecheck.EXTENSIONS[checked.kind][0]}"
    os.rename(part, storage.path(stored))
    thumb = ""
    if checked.thumbnail:
        thumb = f"{base}.thumb.jpg"
        try:
            fd = os.open(
                storage.path(thumb),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                datadir.FILE_MODE,
            )
            with os.fdopen(fd, "wb") as out:
                out.write(checked.thumbnail)
        except BaseException:
            _delete_files((stored, thumb))
            raise
    return stored, thumb


def _delete_files(names: Iterable[str]) -> None:
    storage = default_storage
    for name in names:
        if name:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete attachment file %s", name, exc_info=True)


# Stray files: stored by a request that never committed the row naming them.

# Names checked per query: the two IN lists together stay under SQLite's 999 parameters.
SWEEP_BATCH = 400
ATTACHMENTS_FOLDER = "attachments"


@dataclass(frozen=True)
class SweepResult:
    """What one sweep of MEDIA_ROOT/attachments/ did. In a dry run, `removed` and `freed` are
    what it would have removed; nothing is."""

    seen: int  # regular files walked
    removed: int
    freed: int  # bytes
    dry_run: bool = False
    # Old files were found but the database names no attachment at all: nothing was removed.
    stopped: bool = False


@dataclass(frozen=True)
class StrayCandidate:
    """A regular file under attachments/ older than the grace, not yet checked against the
    database."""

    name: str  # relative to MEDIA_ROOT, as a FileField stores it
    path: str


def _regular_files(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """Every regular file under `root`, streamed (os.scandir reads a folder a block at a time,
    so a month of 100,000 photos is never one list). Symbolic links are neither followed nor
    yielded: nothing outside the folder is ever reached or removed."""
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            # Plain strings: a Path per file costs more than the walk itself.
                            yield entry.path, entry.stat(follow_symlinks=False)
                    except OSError:  # gone meanwhile (another worker's sweep): nothing to do
                        continue
        except OSError:
            logger.warning("attachments sweep: could not read %s", folder, exc_info=True)


def stray_candidates(cutoff: float, counter: list[int] | None = None) -> Iterator[StrayCandidate]:
    """The regular files under MEDIA_ROOT/attachments/ last changed before `cutoff` (a POSIX
    time). `counter`, when given, has its first item raised by one for every file walked."""
    media = Path(settings.MEDIA_ROOT)
    root = media / ATTACHMENTS_FOLDER
    if root.is_symlink():
        # Walking it would judge another tree's files by this database's rows.
        logger.warning("attachments sweep: %s is a symbolic link; it is not swept", root)
        return
    if not root.is_dir():
        return
    skip = len(str(media)) + 1
    for path, info in _regular_files(str(root)):
        if counter is not None:
            counter[0] += 1
        if info.st_mtime < cutoff:
            name = path[skip:].replace(os.sep, "/")
            yield StrayCandidate(name=name, path=path)


def remove_unnamed(
    batch: list[StrayCandidate], cutoff: float, *, dry_run: bool = False
) -> tuple[int, int]:
    """Remove the files of `batch` that no attachment names, removed ones included (their file
    stays while a submission lists it); the count and the bytes removed.

    The names are read from the database here, right before removing, in one query: a request
    that committed its row after the walk keeps its file. A file changed since the walk (younger
    than `cutoff` now) or removed by another worker's sweep is left alone."""
    if not batch:
        return 0, 0
    names = [candidate.name for candidate in batch]
    named: set[str] = set()
    for file, thumbnail in Attachment.objects.filter(
        Q(file__in=names) | Q(thumbnail__in=names)
    ).values_list("file", "thumbnail"):
        named.update((file, thumbnail))
    removed = freed = 0
    for candidate in batch:
        if candidate.name in named:
            continue
        try:
            info = os.lstat(candidate.path)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
            continue
        if not dry_run:
            try:
                os.unlink(candidate.path)
            except FileNotFoundError:
                continue
            except OSError:
                logger.warning(
                    "attachments sweep: could not remove %s", candidate.name, exc_info=True
                )
                continue
        removed += 1
        freed += info.st_size
    return removed, freed


def sweep_strays(older_than: dt.timedelta | None = None, *, dry_run: bool = False) -> SweepResult:
    """Remove the files under MEDIA_ROOT/attachments/ that no attachment names and that are
    older than `older_than` (TONGHOP_STRAY_FILE_GRACE_HOURS by default): those a request stored
    and never attached, because it was killed between the two. Nothing outside attachments/ is
    looked at; empty month folders stay.

    Safe with several sweeps at once and with requests under way: a file in flight is younger
    than the grace, and each batch's names are read from the database right before removing.
    With no attachment at all in the database nothing is removed: that is the mark of a sweep
    pointed at the wrong (or an empty) database, which would otherwise take every file."""
    if older_than is None:
        older_than = dt.timedelta(hours=settings.TONGHOP_STRAY_FILE_GRACE_HOURS)
    if older_than <= dt.timedelta(0):
        raise ValueError("the grace of a sweep must be above zero")
    cutoff = time.time() - older_than.total_seconds()
    counter = [0]
    removed = freed = 0
    rows_checked = stopped = False
    for batch in itertools.batched(stray_candidates(cutoff, counter), SWEEP_BATCH):
        if not rows_checked:
            if not Attachment.objects.exists():
                logger.warning(
                    "attachments sweep: the database names no attachment at all; nothing is "
                    "removed from %s (is it this install's database?)",
                    Path(settings.MEDIA_ROOT) / ATTACHMENTS_FOLDER,
                )
                stopped = True
                break
            rows_checked = True
        done, size = remove_unnamed(list(batch), cutoff, dry_run=dry_run)
        removed, freed = removed + done, freed + size
    result = SweepResult(
        seen=counter[0], removed=removed, freed=freed, dry_run=dry_run, stopped=stopped
    )
    logger.info(
        "attachments sweep%s: %d files seen, %d strays older than %s %s, %d bytes",
        " (dry run)" if dry_run else "",
        result.seen,
        result.removed,
        older_than,
        "found" if dry_run else "removed",
        result.freed,
    )
    return result


def uploads_in(
    files: MultiValueDict[str, UploadedFile[bytes]], codes: Iterable[str]
) -> list[tuple[str, UploadedFile[bytes]]]:
    """The files of a POST as (indicator code or "", file): the general `attachments` field and
    one `file-<code>` field per FILE indicator. Fields of other names are ignored."""
    found = [("", upload) for upload in files.getlist(GENERAL_FIELD)]
    for code in codes:
        found += [(code, upload) for upload in files.getlist(INDICATOR_FIELD_PREFIX + code)]
    return found


def add_uploads(
    user: User | None,
    assignment_id: int,
    uploads: Iterable[tuple[str, UploadedFile[bytes]]],
    *,
    grant: Grant | None = None,
    seen: Assignment | None = None,
    indicators: list[Indicator] | None = None,
) -> dict[str, list[str]]:
    """Attach each file on its own; the refusals, by indicator code ("" for general files).
    `seen` and `indicators` as for add_attachment.

    A refused file does not stop the others. InvalidStep and NotAllowed (the report cannot be
    changed now) are raised at the first file, since no other can be taken either."""
    refusals: dict[str, list[str]] = {}
    for code, upload in uploads:
        try:
            add_attachment(
                user,
                assignment_id,
                upload,
                indicator_code=code,
                grant=grant,
                seen=seen,
                indicators=indicators,
            )
        except AttachmentRefused as exc:
            refusals.setdefault(code, []).append(str(exc))
    return refusals


def remove_attachment(
    user: User | None,
    assignment_id: int,
    attachment_id: int,
    *,
    now: dt.datetime | None = None,
    grant: Grant | None = None,
) -> Attachment:
    """Take a file off the report while it can still be changed.

    The row stays (who removed it, when); the file on disk stays too when a submitted version
    lists it, so the history still shows what was sent. Otherwise it is deleted after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _lock(assignment_id)
        _check_editable(user, assignment, grant)
        # The assignment's lock serialises every change of its report's files.
        attachment = Attachment.objects.filter(
            pk=attachment_id, report__assignment=assignment, removed_at__isnull=True
        ).first()
        if attachment is None:
            raise AttachmentRefused(_("This file is no longer attached to the report."))
        attachment.removed_at = now
        attachment.removed_by = user
        attachment.save(update_fields=["removed_at", "removed_by"])
        report = attachment.report
        if attachment.indicator_code:
            _sync_file_values(report, file_codes(assignment))
        if not attachment.in_a_submission():
            names = [attachment.file.name or "", attachment.thumbnail.name or ""]
            transaction.on_commit(lambda: _delete_files(names), robust=True)
        return attachment


def content_disposition(name: str, *, inline: bool) -> str:
    """An RFC 6266 header: an ASCII fallback name, and the real name as UTF-8 in filename*."""
    plain = name.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^A-Za-z0-9._ ()-]+", "_", plain).strip(" ._") or "tep"
    encoded = urllib.parse.quote(name, safe="")
    return (
        f"{'inline' if inline else 'attachment'}; filename=\"{plain}\"; filename*=UTF-8''{encoded}"
    )


def _kind_of(content_type: str) -> str:
    return next(kind for kind, value in filecheck.CONTENT_TYPES.items() if value == content_type)


def serve_attachment(
    request: HttpRequest, attachment: Attachment, *, thumbnail: bool
) -> FileResponse:
    """The file or its thumbnail, with headers that keep a browser from running it.

    Call only after checking that the person may see the assignment's report. A removed file is
    still served while a submitted version lists it (the history shows it), never otherwise."""
    if attachment.removed_at is not None and not attachment.in_a_submission():
        raise Http404
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    if thumbnail:
        content_type = "image/jpeg"
        stem = attachment.original_name.rpartition(".")[0] or attachment.original_name
        name = f"{stem}-thumb.jpg"
    else:
        content_type = attachment.content_type
        name = filecheck.download_name(attachment.original_name, _kind_of(content_type))
    response = FileResponse(handle, content_type=content_type)
    # Photos are shown in the page; everything else only ever downloads.
    response["Content-Disposition"] = content_disposition(
        name, inline=thumbnail or attachment.is_image
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened on its own, the file gets no script, no plugin, no same-origin rights.
    response["Content-Security-Policy"] = "sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-cache"
    return response
