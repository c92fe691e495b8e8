"""The sweep of stray attachment files: those a request stored under attachments/ and never
attached, because it was killed between storing them and committing the row that names them.

Real files under the test's MEDIA_ROOT, real rows, the real upload path; a file is made "old" by
setting its modification time, never by waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.reports.test_attachments import EXE, form_post, png, send, stored_files
from tonghop.cli import main as cli_main
from tonghop.reminders.worker import Ticker, sweep_tick
from tonghop.reports import actions, attachments
from tonghop.reports.models import Attachment, Report

HOUR = 3600.0


def age(path: Path, hours: float) -> Path:
    """Make `path` look last written `hours` ago (the link itself for a symbolic link)."""
    moment = time.time() - hours * HOUR
    os.utime(path, (moment, moment), follow_symlinks=False)
    return path


def media(settings: Any) -> Path:
    return Path(settings.MEDIA_ROOT)


def put(settings: Any, name: str, data: bytes = b"stray bytes", hours: float = 7) -> Path:
    path = media(settings) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return age(path, hours)


def attach(world: World, name: str = "pano.png", hours: float = 30, width: int = 800) -> Attachment:
    """A file attached through the real path, its file and thumbnail made old."""
    attachment = attachments.add_attachment(
        world.hoa, world.a_an_phu.pk, SimpleUploadedFile(name, png(width))
    )
    for field in (attachment.file, attachment.thumbnail):
        age(Path(field.path), hours)
    return attachment


def files_of(attachment: Attachment) -> list[Path]:
    return [Path(attachment.file.path), Path(attachment.thumbnail.path)]


def test_it_removes_old_strays_and_keeps_everything_named_young_or_elsewhere(
    world: World, settings: Any
) -> None:
    live = attach(world)
    # A file removed from a submitted report: its row stays, and its file on purpose.
    removed = attach(world, "da-go.png", width=640)
    client = world.client_for(world.hoa)
    assert form_post(client, world.a_an_phu, "submit", pano="2").status_code == 302
    world.a_an_phu.refresh_from_db()
    actions.return_report(
        world.lan, world.a_an_phu.pk, "Thiếu ảnh", expected_version=world.a_an_phu.version
    )
    attachments.remove_attachment(world.hoa, world.a_an_phu.pk, removed.pk)
    removed.refresh_from_db()
    assert removed.removed_at is not None
    old = put(settings, "attachments/2026/11/abc123.jpg", b"x" * 1000)
    old_thumb = put(settings, "attachments/2026/11/abc123.thumb.jpg", b"y" * 24)
    loose = put(settings, "attachments/la-lung.bin", b"z" * 10, hours=100)
    young = put(settings, "attachments/2026/12/dang-tai.jpg", hours=5.5)
    elsewhere = [
        put(settings, "compilations/1/0f3e/report.pdf", hours=1000),
        put(settings, "documents/1/attachments/uid.pdf", hours=1000),
        put(settings, "le-loi.bin", hours=1000),
    ]

    result = attachments.sweep_strays(dt.timedelta(hours=6))

    assert result == attachments.SweepResult(seen=8, removed=3, freed=1034)
    assert not old.exists() and not old_thumb.exists() and not loose.exists()
    assert young.exists()
    for path in [*files_of(live), *files_of(removed), *elsewhere]:
        assert path.exists(), path
    # The month folder emptied stays; a second sweep finds nothing more.
    assert (media(settings) / "attachments/2026/11").is_dir()
    assert attachments.sweep_strays(dt.timedelta(hours=6)).removed == 0


def test_the_grace_comes_from_the_settings(world: World, settings: Any) -> None:
    attach(world)
    stray = put(settings, "attachments/2026/11/stray.jpg", hours=3)
    assert attachments.sweep_strays().removed == 0  # 6 hours by default
    settings.TONGHOP_STRAY_FILE_GRACE_HOURS = 2
    assert attachments.sweep_strays().removed == 1
    assert not stray.exists()
    with pytest.raises(ValueError, match="above zero"):
        attachments.sweep_strays(dt.timedelta(0))


def test_a_dry_run_removes_nothing_but_says_what_it_would(world: World, settings: Any) -> None:
    attach(world)
    strays = [put(settings, f"attachments/2026/11/s{n}.jpg", b"x" * 100) for n in range(3)]
    before = stored_files(settings)

    result = attachments.sweep_strays(dt.timedelta(hours=6), dry_run=True)

    assert result == attachments.SweepResult(seen=5, removed=3, freed=300, dry_run=True)
    assert stored_files(settings) == before
    assert all(path.exists() for path in strays)


def test_symbolic_links_are_neither_followed_nor_removed(
    world: World, settings: Any, tmp_path: Path
) -> None:
    attach(world)
    outside = tmp_path / "ngoai"
    outside.mkdir()
    secret = outside / "bi-mat.txt"
    secret.write_text("not ours")
    age(secret, 1000)
    folder = media(settings) / "attachments/2026/11"
    folder.mkdir(parents=True)
    file_link = folder / "link.jpg"
    file_link.symlink_to(secret)
    age(file_link, 1000)
    folder_link = media(settings) / "attachments/2026/ra-ngoai"
    folder_link.symlink_to(outside, target_is_directory=True)

    result = attachments.sweep_strays(dt.timedelta(hours=6))

    assert result.removed == 0 and result.seen == 2  # the live file and its thumbnail
    assert secret.read_text() == "not ours"
    assert file_link.is_symlink() and folder_link.is_symlink()


def test_an_attachments_folder_that_is_a_link_is_not_swept(
    world: World, settings: Any, tmp_path: Path
) -> None:
    # Its files would be judged by this database's rows: whatever tree it leads to is left.
    elsewhere = tmp_path / "o-dia-khac"
    (elsewhere / "2026/11").mkdir(parents=True)
    stray = elsewhere / "2026/11/stray.jpg"
    stray.write_bytes(b"x")
    age(stray, 1000)
    media(settings).mkdir(parents=True)
    (media(settings) / "attachments").symlink_to(elsewhere, target_is_directory=True)
    attach_row(world, "attachments/khac.jpg")

    assert attachments.sweep_strays(dt.timedelta(hours=6)) == attachments.SweepResult(0, 0, 0)
    assert stray.exists()


def attach_row(world: World, name: str) -> Attachment:
    """A row naming `name`, written the way _insert writes one."""
    report, _created = Report.objects.get_or_create(assignment=world.a_an_phu)
    return Attachment.objects.create(
        report=report,
        file=name,
        original_name="anh.jpg",
        content_type="image/jpeg",
        size=3,
        sha256="0" * 64,
        uploaded_by=world.hoa,
    )


def test_a_row_committed_between_the_walk_and_the_removal_keeps_its_file(
    world: World, settings: Any
) -> None:
    attach(world)
    late = put(settings, "attachments/2026/11/cham.jpg")
    other = put(settings, "attachments/2026/11/lac.jpg")
    cutoff = time.time() - 6 * HOUR
    # The walk finds both; then a slow request commits the row naming one of them.
    walked = list(attachments.stray_candidates(cutoff))
    assert {c.name for c in walked} >= {
        "attachments/2026/11/cham.jpg",
        "attachments/2026/11/lac.jpg",
    }
    attach_row(world, "attachments/2026/11/cham.jpg")

    assert attachments.remove_unnamed(walked, cutoff) == (1, len(b"stray bytes"))
    assert late.exists()
    assert not other.exists()


def test_a_file_rewritten_after_the_walk_is_kept(world: World, settings: Any) -> None:
    attach(world)
    path = put(settings, "attachments/2026/11/moi.jpg")
    cutoff = time.time() - 6 * HOUR
    walked = list(attachments.stray_candidates(cutoff))
    age(path, 0)
    assert attachments.remove_unnamed(walked, cutoff) == (0, 0)
    assert path.exists()


def test_two_sweeps_at_once_remove_each_file_once(world: World, settings: Any) -> None:
    attach(world)
    strays = [put(settings, f"attachments/2026/11/s{n}.jpg") for n in range(5)]
    cutoff = time.time() - 6 * HOUR
    first = list(attachments.stray_candidates(cutoff))
    second = list(attachments.stray_candidates(cutoff))
    # The first worker removes them while the second is between its walk and its removal.
    assert attachments.remove_unnamed(first, cutoff)[0] == 5
    assert attachments.remove_unnamed(second, cutoff) == (0, 0)
    assert not any(path.exists() for path in strays)


def test_it_goes_through_many_files_in_batches(world: World, settings: Any) -> None:
    live = attach(world)
    count = attachments.SWEEP_BATCH * 2 + 17
    folder = media(settings) / "attachments/2026/10"
    folder.mkdir(parents=True)
    moment = time.time() - 10 * HOUR
    for n in range(count):
        path = folder / f"{n:05}.jpg"
        path.write_bytes(b"x")
        os.utime(path, (moment, moment))

    result = attachments.sweep_strays(dt.timedelta(hours=6))

    assert result == attachments.SweepResult(seen=count + 2, removed=count, freed=count)
    assert list(folder.iterdir()) == []
    assert all(path.exists() for path in files_of(live))


def test_nothing_is_removed_when_the_database_names_no_attachment(
    db: None, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The mark of a sweep pointed at an empty or wrong database: every file would look stray.
    strays = [put(settings, f"attachments/2026/11/s{n}.jpg") for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="tonghop.reports.attachments"):
        result = attachments.sweep_strays(dt.timedelta(hours=6))
    assert result.removed == 0 and result.stopped
    assert all(path.exists() for path in strays)
    assert "names no attachment" in caplog.text


def test_a_request_killed_after_storing_its_photo_leaves_a_stray_the_sweep_removes(
    world: World, settings: Any
) -> None:
    live = attach(world)
    before = set(stored_files(settings))
    # What save_with_files does, cut where a killed process stops: the photo checked and
    # stored, its row written, and the transaction never committed. (save_with_files' own
    # handler, which deletes the files, never runs when the process is killed.)
    now = timezone.now()
    checked = attachments._check_and_store(SimpleUploadedFile("bang-ron.png", png()), "", now)
    with pytest.raises(RuntimeError), transaction.atomic():
        report = Report.objects.get(assignment=world.a_an_phu)
        attachments._insert(report, checked, world.hoa, None, now)
        raise RuntimeError("killed")
    left = set(stored_files(settings)) - before
    assert {p.relative_to(media(settings)).as_posix() for p in left} == {
        checked.stored,
        checked.thumb,
    }
    assert not Attachment.objects.filter(file=checked.stored).exists()
    # Within the grace the sweep leaves it: the request might still be under way.
    assert attachments.sweep_strays(dt.timedelta(hours=6)).removed == 0
    for path in left:
        age(path, 7)

    result = attachments.sweep_strays(dt.timedelta(hours=6))

    assert result.removed == 2
    assert set(stored_files(settings)) == before
    assert all(path.exists() for path in files_of(live))


def test_a_refused_save_leaves_no_stray(world: World, settings: Any) -> None:
    """A good photo beside a hostile file, sent with a stale form: the photo is attached, the
    other never stored, nothing left unnamed on disk."""
    client = world.client_for(world.hoa)
    assert form_post(client, world.a_an_phu, pano="5").status_code == 302
    world.a_an_phu.refresh_from_db()
    stale = world.a_an_phu.version - 1
    response = client.post(
        reverse("reports:form", args=[world.a_an_phu.pk]),
        {
            "version": stale,
            "action": "submit",
            "pano": "9",
            "narrative": "",
            "attachments": [
                SimpleUploadedFile("tot.png", png()),
                SimpleUploadedFile("virus.jpg", EXE),
            ],
        },
    )
    assert response.status_code == 400
    send(client, world.a_an_phu, "virus2.jpg", EXE)
    named = {
        name for row in Attachment.objects.values_list("file", "thumbnail") for name in row if name
    }
    on_disk = {p.relative_to(media(settings)).as_posix() for p in stored_files(settings)}
    assert on_disk == named and len(named) == 2
    for path in stored_files(settings):
        age(path, 7)
    assert attachments.sweep_strays(dt.timedelta(hours=6)).removed == 0


def test_the_command_sweeps_and_says_so_in_vietnamese(
    world: World, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live = attach(world)
    stray = put(settings, "attachments/2026/11/s.jpg", b"x" * (3 * 1024 * 1024))
    young = put(settings, "attachments/2026/11/moi.jpg", hours=2)

    assert cli_main(["sweep-files", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "đã xem 4 tệp" in said and "1 tệp" in said and "3,0 MB" in said
    assert "chưa xoá tệp nào" in said
    assert stray.exists()

    assert cli_main(["sweep-files"]) == 0
    said = capsys.readouterr().out
    assert "đã xoá 1 tệp" in said and "cũ hơn 6 giờ" in said and "3,0 MB" in said
    assert not stray.exists() and young.exists()

    assert cli_main(["sweep-files", "--older-than", "1"]) == 0
    assert "đã xoá 1 tệp" in capsys.readouterr().out
    assert not young.exists()
    assert all(path.exists() for path in files_of(live))


@pytest.mark.parametrize("hours", ["0", "-3", "sáu", "1.5"])
def test_the_command_refuses_a_bad_grace(hours: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main(["sweep-files", "--older-than", hours])
    assert "cần một số nguyên từ 1" in capsys.readouterr().err


def test_the_worker_sweeps_by_itself_and_outlives_a_failed_run(
    world_tx: World, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    attach(world_tx)
    stray = put(settings, "attachments/2026/11/s.jpg")
    settings.TONGHOP_STRAY_FILE_GRACE_HOURS = 0  # a run that fails (the settings refuse it)
    with caplog.at_level(logging.ERROR, logger="tonghop.reminders.worker"):
        sweep_tick()  # logged, not raised
    assert "attachments sweep: the run failed" in caplog.text
    assert stray.exists()
    settings.TONGHOP_STRAY_FILE_GRACE_HOURS = 6
    ticker = Ticker(0.05, sweep_tick, "tonghop-sweep")
    ticker.start()
    try:
        for _attempt in range(100):
            if not stray.exists():
                break
            ticker.join(0.05)
    finally:
        ticker.stop()
        ticker.join(5)
    assert not stray.exists()
