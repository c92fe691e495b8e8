from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tonghop.cli import main

SEED = Path(str(resources.files("tonghop.demo").joinpath("seed.txt")))


def test_tonghop_parse_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--jsonl", str(SEED)]) == 0
    fields = json.loads(capsys.readouterr().out.splitlines()[0])
    assert fields["schema"] == "tonghop.dispatch/1"
    assert fields["signer"]["name"] == "Phạm Viết Thạch"


def test_tonghop_parse_goes_on_after_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "hong.pdf"
    junk.write_bytes(b"%PDF-1.7 not really")
    code = main(["parse", "--jsonl", str(junk), str(SEED)])
    captured = capsys.readouterr()
    assert code != 0
    assert "hong.pdf" in captured.err
    assert len(captured.out.splitlines()) == 1


def test_every_command_takes_a_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "du-lieu"
    done = subprocess.run(
        [sys.executable, "-m", "tonghop", "migrate", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert (data / "tonghop.sqlite3").exists()
    assert (data / "secret_key").exists()


def test_a_bad_setting_stops_the_start_with_its_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tonghop", "--data", str(tmp_path), "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TONGHOP_DEBUG": "maybe"},
    )
    assert done.returncode != 0
    assert "TONGHOP_DEBUG" in done.stderr


def test_tonghop_verify_trusts_the_demo_root_of_the_data_folder(tmp_path: Path) -> None:
    from tonghop.issuing.signing import create_demo_authority, sign_pdf

    data = tmp_path / "du-lieu"
    authority = create_demo_authority(
        data / "pki", office_name="Phòng", signer_name="Phạm Viết Thạch", passphrase="mat-khau"
    )
    import pypdfium2 as pdfium

    blank = pdfium.PdfDocument.new()
    blank.new_page(595, 842).close()
    pdf_path = tmp_path / "blank.pdf"
    blank.save(str(pdf_path))
    signed = sign_pdf(
        pdf_path.read_bytes(),
        p12_path=authority.signing_p12,
        passphrase="mat-khau",
        signer_name="Phạm Viết Thạch",
        body="Phòng",
    )
    target = tmp_path / "signed.pdf"
    target.write_bytes(signed)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "tonghop", "verify", str(target)]
    without = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False, env=env)
    with_data = subprocess.run(
        [*run, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    # The folder may also come first, as with every other command.
    data_first = subprocess.run(
        [sys.executable, "-m", "tonghop", "--data", str(data), "verify", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert "nguyên vẹn — tin cậy" in data_first.stdout, data_first.stderr
    # Without the data folder the demo root is unknown: intact, but not trusted.
    assert "nguyên vẹn — không tin cậy" in without.stdout
    assert "nguyên vẹn — tin cậy" in with_data.stdout, with_data.stderr
    assert with_data.returncode == 0


def test_sweep_files_on_a_data_folder_keeps_files_a_database_without_attachments_cannot_judge(
    tmp_path: Path,
) -> None:
    import os
    import time

    data = tmp_path / "du-lieu"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def tonghop(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tonghop", "--data", str(data), *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**env, **extra},
        )

    assert tonghop("migrate").returncode == 0
    old = time.time() - 30 * 3600
    stray = data / "files/attachments/2026/11/lac.jpg"
    report = data / "files/compilations/1/uid/report.pdf"
    for path in (stray, report):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
        os.utime(path, (old, old))
    # A database that names no attachment (this fresh one, or a wrong DATABASE_URL) would make
    # every file look stray: the command removes nothing and says why.
    done = tonghop("sweep-files")
    assert done.returncode == 1
    assert "không ghi tệp đính kèm nào" in done.stderr
    assert stray.exists() and report.exists()
    # A bad grace is refused with the variable's name before anything is touched.
    for bad, why in (("sau", "must be a whole number"), ("0", "must be 1 or more")):
        refused = tonghop("sweep-files", TONGHOP_STRAY_FILE_GRACE_HOURS=bad)
        assert refused.returncode != 0
        assert f"TONGHOP_STRAY_FILE_GRACE_HOURS {why}" in refused.stderr
    assert stray.exists()
    # The worker's interval too: its start is refused, naming it.
    refused = tonghop("worker", TONGHOP_SWEEP_INTERVAL="0")
    assert refused.returncode != 0
    assert "TONGHOP_SWEEP_INTERVAL must be a number of seconds above 0" in refused.stderr
