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
