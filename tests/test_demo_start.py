"""The demo's first start, as a newcomer runs it: `tonghop demo --addr HOST:PORT`. Its mail links
to the address it serves, it says what it did in a few lines, and the 2025 campaign's mail is
history (sent in 2025), not queued for the worker to send today."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# Starts a process that builds the whole demo.
pytestmark = pytest.mark.slow


def test_the_demo_follows_its_address_and_starts_quietly(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "tonghop", "--data", str(data), "demo", "--no-serve"]
    done = subprocess.run(
        [*command, "--addr", "127.0.0.1:8701"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "Dữ liệu mẫu đã được tạo." in said
    assert "TickReport" not in said and "Task id=" not in said
    assert len(said.strip().splitlines()) <= 15, said
    with sqlite3.connect(data / "tonghop.sqlite3") as db:
        links = {
            host
            for (body,) in db.execute("SELECT body FROM reminders_message")
            for host in re.findall(r"https?://([^/\s]+)", body)
        }
        queued_2025 = db.execute(
            "SELECT count(*) FROM reminders_message m JOIN campaigns_campaign c"
            " ON c.id = m.campaign_id WHERE c.slug = 'sang-tao-2025' AND m.status = 'queued'"
        ).fetchone()[0]
        sent_years = {
            year
            for (year,) in db.execute(
                "SELECT substr(m.sent_at, 1, 4) FROM reminders_message m JOIN campaigns_campaign c"
                " ON c.id = m.campaign_id WHERE c.slug = 'sang-tao-2025'"
            )
        }
    assert links == {"127.0.0.1:8701"}
    assert queued_2025 == 0
    assert sent_years == {"2025"}
