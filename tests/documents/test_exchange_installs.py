"""Two tonghop installs on one machine (two data folders, two ports, real servers started as
processes) exchange the seed's issued report and its status messages, over HTTP and over a
directory: the district office (the demo) reports to the Department (a second install)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DISTRICT = "000.30.25.H99"  # the demo office
DEPARTMENT = "000.00.21.H99"  # the body its seed campaign reports to
SECRET = "bi-mat-chung-cua-hai-co-quan"

ISSUE = """
from tonghop.campaigns.models import Campaign
from tonghop.compilation import actions
from tonghop.compilation.models import Compilation
from tonghop.demo.scenario import DEMO_SIGNING_PASSPHRASE, SEED_SLUG
from tonghop.issuing import actions as issuing
from tonghop.orgs.models import Role
campaign = Campaign.objects.get(slug=SEED_SLUG)
office = campaign.office
specialist = office.memberships.filter(role=Role.SPECIALIST).first().user
head = office.memberships.filter(role=Role.HEAD).first().user
clerk = office.memberships.filter(role=Role.CLERK).first().user
c = actions.run(Compilation.objects.create(campaign=campaign, created_by=specialist))
c = actions.submit_for_signature(specialist, c.pk)
c = issuing.sign_and_issue(
    head, clerk, c.pk, passphrase=DEMO_SIGNING_PASSPHRASE, office_passphrase=DEMO_SIGNING_PASSPHRASE
)
print("RESULT", c.document.reference())
"""
DEPARTMENT_SETUP = f"""
from tonghop.orgs.models import Membership, Role, Unit, UnitKind, User
office = Unit.objects.create(code="so-khcn", name="Sở Khoa học và Công nghệ",
    kind=UnitKind.AGENCY, organ_id="{DEPARTMENT}")
user = User.objects.create_user("vanthu", full_name="Lê Thị Văn Thư")
Membership.objects.create(user=user, unit=office, role=Role.SPECIALIST)
print("RESULT ok")
"""
REGISTER = """
from tonghop.documents import actions
from tonghop.documents.models import Document
from tonghop.orgs.models import User
d = Document.objects.get(direction="in")
actions.register(User.objects.get(username="vanthu"), d.pk, {})
print("RESULT", d.reference())
"""
INCOMING = """
import json
from tonghop.documents.models import Document
docs = Document.objects.filter(direction="in")
rows = [[d.reference(), d.status, d.attachments.count(), d.size] for d in docs]
print("RESULT", json.dumps(rows))
"""
TRAIL = """
import json
from tonghop.documents.models import Document
d = Document.objects.filter(direction="out").order_by("-pk").first()
print("RESULT", json.dumps([[m.direction, m.kind, m.status_code, m.state]
    for m in d.exchange_messages.order_by("pk")]))
"""
SIGNED = """
from tonghop.compilation.models import Compilation
print("RESULT", Compilation.objects.get(document__isnull=False).signed_pdf.path)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TONGHOP_"))}
    env.pop("DATABASE_URL", None)  # each install keeps its own SQLite in its data folder
    return env


def _cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "tonghop.cli", "--data", str(data), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def _python(data: Path, code: str) -> str:
    out = _cli(data, "manage", "shell", "-c", code).stdout
    return next(line for line in out.splitlines() if line.startswith("RESULT ")).split(" ", 1)[1]


def _partners(data: Path, entries: list[dict[str, str]]) -> None:
    folder = data / "exchange"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "partners.json").write_text(json.dumps(entries), encoding="utf-8")


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no server on {port}")


@contextlib.contextmanager
def _served(*folders: Path) -> Iterator[list[int]]:
    """Each data folder served by `tonghop serve` on a free port of its own while the block
    runs; yields the ports in the folders' order."""
    ports = [_free_port() for _ in folders]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "tonghop.cli", "--data", str(data), "serve",
             "--server", "waitress", "--addr", f"127.0.0.1:{port}"],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for data, port in zip(folders, ports, strict=True)
    ]  # fmt: skip
    try:
        for port in ports:
            _wait(port)
        yield ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def installs(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    district, department = tmp_path / "huyen", tmp_path / "so"
    _cli(district, "demo", "--no-serve")
    _cli(department, "migrate")
    _python(department, DEPARTMENT_SETUP)
    with _served(district, department) as ports:
        _partners(
            district,
            [{"organ_id": DEPARTMENT, "url": f"http://127.0.0.1:{ports[1]}", "secret": SECRET}],
        )
        _partners(
            department,
            [{"organ_id": DISTRICT, "url": f"http://127.0.0.1:{ports[0]}", "secret": SECRET}],
        )
        yield district, department


def test_two_installs_exchange_the_report_and_its_status(
    installs: tuple[Path, Path], tmp_path: Path
) -> None:
    district, department = installs
    assert _python(district, ISSUE) == "01/BC-VHKHTT"
    # Issuing put the package in the outbox; one run sends it over HTTP.
    assert "gửi được 1" in _cli(district, "exchange", "run").stdout
    [[reference, status, attachments, size]] = json.loads(_python(department, INCOMING))
    signed = Path(_python(district, SIGNED)).read_bytes()
    assert (reference, status, attachments, size) == ("01/BC-VHKHTT", "read", 1, len(signed))
    # The Department answered "arrived" (01); its run sends it back.
    assert "gửi được 1" in _cli(department, "exchange", "run").stdout
    assert json.loads(_python(district, TRAIL)) == [
        ["out", "document", "", "sent"],
        ["in", "status", "01", "taken"],
    ]

    # Over a directory now (a USB stick between the two): the clerk registers the report,
    # the "received" status (03) is dropped in the folder and picked up by the district.
    stick = tmp_path / "usb"
    _partners(district, [{"organ_id": DEPARTMENT, "directory": str(stick), "secret": SECRET}])
    _partners(department, [{"organ_id": DISTRICT, "directory": str(stick), "secret": SECRET}])
    assert _python(department, REGISTER) == "01/BC-VHKHTT"
    assert "gửi được 1" in _cli(department, "exchange", "run").stdout
    assert list(stick.glob("*.edxml"))
    assert "nhận 1 gói" in _cli(district, "exchange", "run").stdout
    assert json.loads(_python(district, TRAIL))[-1] == ["in", "status", "03", "taken"]
    assert not list(stick.glob("*.edxml"))  # moved to done/

    # The same package taken in by hand again is recognised, not registered twice.
    package = tmp_path / "report.edxml"
    package.write_bytes(Path(_python(district, SIGNED)).with_name("report.edxml").read_bytes())
    again = _cli(department, "receive", str(package), "--json")
    assert json.loads(again.stdout)["status"] == "duplicate"
    assert len(json.loads(_python(department, INCOMING))) == 1
    # A package for someone else is refused with the reason and a non-zero exit. (The demo
    # holds the Sở above the district too, so the report itself would be ours there: the
    # package goes to a body neither install has, unsigned as another system's may be.)
    elsewhere = tmp_path / "elsewhere.edxml"
    unsigned = re.sub(
        rb'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>',
        b"",
        package.read_bytes(),
        flags=re.S,
    )
    elsewhere.write_bytes(unsigned.replace(DEPARTMENT.encode(), b"000.00.77.H77"))
    refused = _cli(district, "receive", str(elsewhere), "--json", check=False)
    assert refused.returncode == 1, refused.stdout
    assert json.loads(refused.stdout)["status"] == "refused"
