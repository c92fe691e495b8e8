"""The `tonghop` command: one entry point for the demo, the server, the worker and the tools."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On subcommands the default is SUPPRESS, so `tonghop --data X demo` is not undone by the
    # subcommand's own (absent) --data.
    parser.add_argument(
        "--data",
        metavar="DIR",
        default=None if top else argparse.SUPPRESS,
        help="thư mục dữ liệu (cơ sở dữ liệu và tệp); mặc định TONGHOP_DATA_DIR hoặc ./var",
    )


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tonghop",
        description="tonghop: giao nhiệm vụ, thu thập và tổng hợp báo cáo của các đơn vị.",
    )
    _common(top, top=True)
    sub = top.add_subparsers(dest="command", required=True, metavar="LỆNH")

    demo = sub.add_parser("demo", help="tạo dữ liệu mẫu (kịch bản văn bản gốc) và chạy máy chủ")
    demo.add_argument("--addr", default="127.0.0.1:8000", help="địa chỉ HOST:PORT")
    demo.add_argument("--no-serve", action="store_true", help="chỉ tạo dữ liệu, không chạy")

    serve = sub.add_parser(
        "serve", help="chạy máy chủ web (gunicorn nhiều tiến trình; waitress trên Windows)"
    )
    serve.add_argument("--addr", default="127.0.0.1:8000", help="địa chỉ HOST:PORT")
    serve.add_argument(
        "--server",
        choices=SERVERS,
        default=None,
        help="gunicorn (mặc định trên Linux, macOS) hoặc waitress (một tiến trình, mọi hệ thống)",
    )
    serve.add_argument(
        "--workers",
        type=_count(64),
        default=None,
        metavar="N",
        help="số tiến trình (gunicorn); mặc định TONGHOP_WORKERS hoặc 2 × số lõi + 1, tối đa 8",
    )
    serve.add_argument(
        "--threads",
        type=_count(256),
        default=None,
        metavar="N",
        help="số luồng mỗi tiến trình; mặc định TONGHOP_THREADS hoặc 4 (gunicorn), 8 (waitress)",
    )
    serve.add_argument(
        "--graceful-timeout",
        type=_count(3600),
        default=None,
        metavar="GIÂY",
        help="thời gian cho các yêu cầu đang xử lý khi dừng; mặc định TONGHOP_GRACEFUL_TIMEOUT "
        "hoặc 30",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        default=None,
        help="ghi mỗi yêu cầu ra màn hình (mặc định TONGHOP_ACCESS_LOG, tắt)",
    )

    worker = sub.add_parser("worker", help="chạy tiến trình nền (tổng hợp, nhắc việc)")
    worker.add_argument(
        "--batch", action="store_true", help="xử lý hết việc đang chờ rồi dừng (dùng cho cron)"
    )
    worker.add_argument("--interval", type=float, default=1.0, help="giây giữa hai lần kiểm tra")
    sub.add_parser(
        "migrate", help="tạo hoặc nâng cấp cơ sở dữ liệu; khoá thư mục dữ liệu cho riêng chủ sở hữu"
    )
    check = sub.add_parser(
        "check", help="kiểm tra cấu hình và quyền của thư mục dữ liệu (chỉ cảnh báo, không sửa)"
    )
    check.add_argument("--deploy", action="store_true", help="cả các kiểm tra khi triển khai")

    compile_ = sub.add_parser("compile", help="tổng hợp báo cáo của một đợt ra tệp DOCX")
    compile_.add_argument("campaign", help="mã đợt báo cáo, ví dụ sang-tao-2025")
    compile_.add_argument("--out", required=True, type=Path, help="thư mục ghi tệp")
    compile_.add_argument(
        "--issue", action="store_true", help="lấy số văn bản đi và ban hành (cần --sign)"
    )
    compile_.add_argument("--sign", action="store_true", help="ký số PAdES bản PDF")
    compile_.add_argument(
        "--as", dest="signer", help="tên đăng nhập của lãnh đạo ký (mặc định: trưởng phòng)"
    )

    export = sub.add_parser(
        "export", help="xuất báo cáo của các đơn vị trong một đợt ra tệp Excel hoặc CSV"
    )
    export.add_argument("campaign", help="mã đợt báo cáo, ví dụ sang-tao-2025")
    export.add_argument(
        "--format",
        dest="fmt",
        choices=("xlsx", "csv"),
        default="xlsx",
        help="định dạng tệp: xlsx (Excel, mặc định) hoặc csv",
    )
    export.add_argument("--out", required=True, type=Path, help="tệp sẽ ghi, ví dụ bao-cao.xlsx")

    verify = sub.add_parser(
        "verify", help="kiểm tra chữ ký số của tệp PDF; tonghop verify --help", add_help=False
    )

    parse = sub.add_parser(
        "parse",
        help="đọc văn bản (PDF, DOCX, DOC, TXT) và in các trường; tonghop parse --help",
        add_help=False,
    )

    backup = sub.add_parser(
        "backup", help="sao lưu cơ sở dữ liệu và tệp vào một tệp .tar.gz (khi máy chủ đang chạy)"
    )
    backup.add_argument("file", type=Path, help="tệp sao lưu sẽ ghi, ví dụ sao-luu.tar.gz")
    restore = sub.add_parser(
        "restore", help="khôi phục một tệp sao lưu vào thư mục dữ liệu (--data)"
    )
    restore.add_argument("file", type=Path, help="tệp sao lưu (.tar.gz) do tonghop backup ghi")
    restore.add_argument(
        "--force",
        action="store_true",
        help="thay thế cơ sở dữ liệu đang có (dữ liệu cũ được chuyển sang thư mục bên cạnh)",
    )
    restore.add_argument(
        "--key",
        type=Path,
        metavar="TỆP",
        help="tệp khoá sao lưu để kiểm tra chữ ký; mặc định TONGHOP_BACKUP_KEY hoặc DIR/backup_key",
    )
    restore.add_argument(
        "--accept-unsigned",
        action="store_true",
        help="khôi phục mà không kiểm tra chữ ký: chỉ cho tệp sao lưu làm trước khi tonghop ký "
        "bản sao lưu (hoặc khi mất khoá), và chắc chắn chưa ai sửa",
    )

    setup = sub.add_parser(
        "setup", help="khởi tạo cơ quan và quản trị viên đầu tiên (hỏi từng mục, hoặc --from)"
    )
    setup.add_argument(
        "--from",
        dest="settings_file",
        metavar="TỆP",
        help=(
            "tệp TOML có mục [office], [admin] và tùy chọn [smtp], [signing.head], "
            "[signing.office] (README)"
        ),
    )

    receive = sub.add_parser(
        "receive", help="tiếp nhận văn bản đến: gói edXML (liên thông) hoặc PDF, DOCX, DOC, TXT"
    )
    receive.add_argument("files", nargs="+", type=Path, metavar="TỆP")
    receive.add_argument(
        "--office", help="mã đơn vị nhận; mặc định: cơ quan có mã định danh ghi trong gói edXML"
    )
    receive.add_argument("--user", help="tên đăng nhập của văn thư (bắt buộc với PDF, DOCX…)")
    receive.add_argument(
        "--forwarded",
        action="store_true",
        help="gói được chuyển tiếp có chủ đích: nhận dù gửi cho cơ quan khác",
    )
    receive.add_argument("--json", action="store_true", help="in kết quả mỗi tệp dạng JSON")
    exchange = sub.add_parser("exchange", help="liên thông văn bản: chuyển hộp thư đi và đến")
    exchange.add_argument("action", choices=("run",), help="run: chuyển một lượt")
    exchange.add_argument(
        "--every",
        type=float,
        default=0.0,
        metavar="GIÂY",
        help="lặp lại sau mỗi ngần ấy giây (tiến trình nền liên thông); mặc định chạy một lượt",
    )

    sweep = sub.add_parser(
        "sweep-files",
        help="xoá tệp đính kèm không thuộc báo cáo nào (do yêu cầu bị ngắt giữa chừng để lại); "
        "tonghop worker tự làm việc này định kỳ",
    )
    sweep.add_argument(
        "--older-than",
        type=_count(24 * 365 * 10),
        default=None,
        metavar="GIỜ",
        help="chỉ xoá tệp cũ hơn ngần ấy giờ; mặc định TONGHOP_STRAY_FILE_GRACE_HOURS hoặc 6",
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="chỉ đếm và báo cáo, không xoá tệp nào"
    )

    levels = sub.add_parser(
        "levels", help="đợt báo cáo nhiều cấp: gửi đợt cho đơn vị cấp dưới qua liên thông"
    )
    levels.add_argument("action", choices=("send",), help="send: gửi đợt kèm văn bản chỉ đạo")
    levels.add_argument("campaign", help="mã đợt báo cáo, ví dụ sang-tao-2025")
    levels.add_argument(
        "--directive",
        required=True,
        type=int,
        metavar="MÃ_VĂN_BẢN",
        help="mã (id) văn bản đi đã ban hành của cơ quan, kèm tệp PDF đã ký",
    )
    levels.add_argument(
        "--user", help="tên đăng nhập của người gửi (mặc định: lãnh đạo của cơ quan)"
    )

    manage = sub.add_parser("manage", help="lệnh quản trị Django (createsuperuser, shell…)")
    manage.add_argument("args", nargs=argparse.REMAINDER)

    for action in sub.choices.values():
        if action not in (parse, verify):
            _common(action)
    return top


def _setup(data: str | None) -> Path:
    if data:
        os.environ["TONGHOP_DATA_DIR"] = str(Path(data).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django
    from django.conf import settings

    from tonghop import datadir

    django.setup()
    data_dir = Path(settings.DATA_DIR)
    if not data_dir.exists():
        datadir.make_folder(data_dir)
    return data_dir


def _migrate() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from tonghop import datadir

    call_command("migrate", interactive=False, verbosity=0)
    # An install made before the data folder was private is closed here (tonghop.datadir).
    data_dir = Path(settings.DATA_DIR)
    changed = datadir.tighten(data_dir)
    if changed:
        print(
            f"Đã khoá thư mục dữ liệu {data_dir}: {changed} mục trước đây tài khoản khác trên "
            "máy này mở được, nay chỉ chủ sở hữu đọc được."
        )


def _check(args: argparse.Namespace) -> int:
    """Django's system checks, with tonghop's own (tonghop.checks), spoken in Vietnamese."""
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    try:
        call_command("check", deploy=args.deploy)
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"tonghop: địa chỉ không hợp lệ: {addr!r} (cần dạng HOST:PORT)")
    return host.strip("[]"), int(port)


SERVERS = ("gunicorn", "waitress")


def _count(limit: int) -> Callable[[str], int]:
    """A whole number from 1 to `limit`: a typo such as `--workers 5000` must not fork 5000."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(
                f"cần một số nguyên từ 1 đến {limit}, không phải {raw[:40]!r}"
            )
        return value

    return parse


def _gunicorn_runs_here() -> bool:
    """gunicorn forks worker processes: POSIX only. Windows (a laptop install) gets waitress."""
    import importlib.util

    return os.name == "posix" and importlib.util.find_spec("gunicorn") is not None


def default_workers(cores: int) -> int:
    """gunicorn's advice, twice the cores plus one, keeps every core busy while some workers
    wait on the database; each worker holds its own Django (about 100 MB), so a large machine
    stops at 8 unless TONGHOP_WORKERS asks for more."""
    return max(2, min(2 * cores + 1, 8))


def default_threads(server: str) -> int:
    """waitress is one process: its threads are all the requests it serves at once. gunicorn's
    processes each take a few threads with PostgreSQL, where writers wait on their own rows.
    With SQLite every writer waits for the one before, and a thread holding the write lock
    competes for its process's interpreter lock with the other threads there: with one thread
    per process the lock is held for less time, and the rush before a due time is served
    faster (see bench/load.py)."""
    from django.db import connection

    if server != "gunicorn":
        return 8
    return 1 if connection.vendor == "sqlite" else 4


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Connections a gunicorn worker accepts beyond its threads: an idle connection a browser opens
# ahead of need holds one for gunicorn's keep-alive time (2 s) at most.
WORKER_SPARE_CONNECTIONS = 4


@dataclass(frozen=True)
class ServerPlan:
    """How `tonghop serve` and `tonghop demo` run the web server."""

    server: str
    host: str
    port: int
    workers: int
    threads: int
    graceful_timeout: int
    access_log: bool

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def gunicorn_argv(self) -> list[str]:
        """gunicorn through our own interpreter, as a list (never a shell string)."""
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            self.address,
            "--workers",
            str(self.workers),
            # Threads let one worker wait on the database for one request while serving others.
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            # A worker takes only a few connections more than it has threads; the rest wait in
            # the kernel's queue, shared by all workers, for the first one free. gunicorn's
            # default (1,000) lets a busy worker take in hundreds that wait behind each other
            # while another worker is idle: in the rush before a due time most answers come in
            # milliseconds and some after seconds (bench/load.py: p99 4.2 s, 1.9 s with this).
            "--worker-connections",
            str(self.threads + WORKER_SPARE_CONNECTIONS),
            "--graceful-timeout",
            str(self.graceful_timeout),
            "--name",
            "tonghop",
            # The control socket's default path is shared by every gunicorn of the user.
            "--no-control-socket",
            "--error-logfile",
            "-",
        ]
        if self.access_log:
            argv += ["--access-logfile", "-"]
        return [*argv, "tonghop.wsgi:application"]


def _plan(addr: str, args: argparse.Namespace | None = None) -> ServerPlan:
    from django.conf import settings

    def option(name: str) -> Any:
        return getattr(args, name, None) if args is not None else None

    server = option("server") or ("gunicorn" if _gunicorn_runs_here() else "waitress")
    if server == "gunicorn" and not _gunicorn_runs_here():
        raise SystemExit(
            "tonghop serve: gunicorn chỉ chạy trên Linux và macOS; dùng --server waitress"
        )
    host, port = _split_addr(addr)
    workers = option("workers") or settings.TONGHOP_WORKERS or default_workers(_cores())
    threads = option("threads") or settings.TONGHOP_THREADS or default_threads(server)
    return ServerPlan(
        server=server,
        host=host,
        port=port,
        workers=workers if server == "gunicorn" else 1,
        threads=threads,
        graceful_timeout=option("graceful_timeout") or settings.TONGHOP_GRACEFUL_TIMEOUT,
        access_log=bool(option("access_log") or settings.TONGHOP_ACCESS_LOG),
    )


def _announce(plan: ServerPlan) -> None:
    processes = f"{plan.workers} tiến trình × {plan.threads} luồng"
    print(
        f"Đang phục vụ tại http://{plan.address}/  ({plan.server}, {processes}; Ctrl+C để dừng)",
        flush=True,
    )


def _serve_waitress(plan: ServerPlan) -> None:
    from waitress import serve

    from tonghop.upload_limits import max_body_bytes
    from tonghop.wsgi import application

    try:
        serve(
            application,
            host=plan.host,
            port=plan.port,
            threads=plan.threads,
            ident="tonghop",
            # waitress reads a whole body (to a temporary file) before the application sees it:
            # its ceiling is the largest body any address takes, not its default of 1 GB.
            max_request_body_size=max_body_bytes(),
        )
    except KeyboardInterrupt:  # Ctrl+C is how a laptop install is stopped, not an error
        print("Đã dừng máy chủ.", flush=True)


def _pin_environment() -> None:
    """The server's processes read the same settings as this one, whatever their directory."""
    from django.conf import settings

    os.environ["TONGHOP_DATA_DIR"] = str(settings.DATA_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")


def _serve(plan: ServerPlan) -> None:
    """`tonghop serve`: gunicorn replaces this process, so a service manager's signals (SIGTERM
    to stop gracefully, SIGHUP to reload, SIGTTIN/SIGTTOU for more or fewer workers) reach its
    master directly, and its workers fork from a clean interpreter, not from this command."""
    _announce(plan)
    if plan.server == "waitress":
        _serve_waitress(plan)
        return
    _pin_environment()
    argv = plan.gunicorn_argv()
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, arguments as a list


def _serve_beside(plan: ServerPlan) -> int:
    """The demo's server: gunicorn as a child, so this process stays to stop the worker after.

    Ctrl+C reaches gunicorn by itself (one process group); SIGTERM sent to this process alone is
    passed on. Either way gunicorn is waited for, within its graceful timeout."""
    _announce(plan)
    if plan.server == "waitress":
        _serve_waitress(plan)
        return 0
    _pin_environment()
    server = subprocess.Popen(plan.gunicorn_argv())  # noqa: S603 - our interpreter, a list

    def forward(signum: int, _frame: object) -> None:
        if server.poll() is None:
            server.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return server.wait()
    except KeyboardInterrupt:
        try:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(timeout=plan.graceful_timeout + 5)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            server.kill()
            server.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _demo(args: argparse.Namespace, data_dir: Path) -> int:
    from tonghop.demo.scenario import (
        DEMO_PASSWORD,
        DEMO_SIGNING_PASSPHRASE,
        demo_logins,
        ensure_demo_signing_key,
        load_scenario,
    )

    _migrate()
    created = load_scenario()
    key = ensure_demo_signing_key()
    print("Dữ liệu mẫu đã được tạo." if created else "Dữ liệu mẫu đã có sẵn, giữ nguyên.")
    print(f"Thư mục dữ liệu: {data_dir}")
    print(f"Tài khoản thử (mật khẩu chung: {DEMO_PASSWORD}):")
    for username, role in demo_logins():
        print(f"  {username:<22} {role}")
    print(f"Khóa ký số thử nghiệm: {key} (mật khẩu: {DEMO_SIGNING_PASSPHRASE})")
    if os.environ.get("TONGHOP_EMAIL") == "file":
        print(f"Thư gửi đi (nhắc việc, báo cáo) được lưu tại: {data_dir / 'outbox'}")
    if args.no_serve:
        return 0
    # The demo runs its own worker, so compiling from the page works with one command.
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tonghop.cli", "--data", str(data_dir), "worker"]
    )
    try:
        return _serve_beside(_plan(args.addr))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)


def _verify(argv: list[str]) -> int:
    """Verification needs the demo root of the data folder when there is one, so it sets up
    Django only to learn the trust roots; the check itself is pure."""
    from tonghop.issuing.verify_cli import main as verify_main

    data = os.environ.get("TONGHOP_DATA_DIR")
    if "--data" in argv:
        at = argv.index("--data")
        if at + 1 >= len(argv):
            print("tonghop verify: --data cần một thư mục", file=sys.stderr)
            return 2
        data = argv[at + 1]
        argv = argv[:at] + argv[at + 2 :]
    extra: list[str] = []
    try:
        _setup(data)
        from tonghop.pki import trust_roots

        for root in trust_roots():
            extra += ["--trust-root", str(root)]
    except Exception:  # a broken data folder must not stop a plain verification
        extra = []
    return verify_main([*argv, *extra])


def _compile(args: argparse.Namespace) -> int:
    from tonghop.campaigns.models import Campaign
    from tonghop.compilation import actions
    from tonghop.compilation.models import Compilation
    from tonghop.issuing import actions as issuing_actions
    from tonghop.orgs.models import Role, User

    campaign = Campaign.objects.select_related("office").filter(slug=args.campaign).first()
    if campaign is None:
        print(f"tonghop compile: không có đợt báo cáo “{args.campaign}”", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.issue != args.sign:
        print(
            "tonghop compile: --issue và --sign đi cùng nhau (ban hành là ký số)", file=sys.stderr
        )
        return 2
    if not args.issue:
        rendered = actions.render(campaign)
        (out / "report.docx").write_bytes(rendered.docx)
        (out / "report.pdf").write_bytes(rendered.pdf)
        print(out / "report.docx")
        print(out / "report.pdf")
        return 0
    heads = User.objects.filter(memberships__unit=campaign.office, memberships__role=Role.HEAD)
    signer = heads.filter(username=args.signer).first() if args.signer else heads.first()
    if signer is None:
        print("tonghop compile: không tìm thấy lãnh đạo ký của cơ quan", file=sys.stderr)
        return 2
    clerks = User.objects.filter(memberships__unit=campaign.office, memberships__role=Role.CLERK)
    clerk = clerks.order_by("pk").first()
    if clerk is None:
        print("tonghop compile: cơ quan chưa có văn thư để ban hành", file=sys.stderr)
        return 2
    passphrase = os.environ.get("TONGHOP_SIGNING_PASSPHRASE") or ""
    if not passphrase and sys.stdin.isatty():
        import getpass

        passphrase = getpass.getpass("Mật khẩu khóa ký số của lãnh đạo: ")
    # The office's key may share the passphrase (as the demo's does) or have its own.
    office_passphrase = os.environ.get("TONGHOP_OFFICE_SIGNING_PASSPHRASE") or passphrase
    draft = campaign.compilations.filter(document__isnull=True).first()
    compilation = Compilation.objects.create(
        campaign=campaign,
        created_by=signer,
        assessment=draft.assessment if draft else "",
        proposals=draft.proposals if draft else "",
    )
    actions.run(compilation)
    try:
        # From the command line the head drafts, submits to himself and signs, and the clerk
        # issues, in one go.
        actions.submit_for_signature(signer, compilation.pk)
        issued = issuing_actions.sign_and_issue(
            signer,
            clerk,
            compilation.pk,
            passphrase=passphrase,
            office_passphrase=office_passphrase,
        )
    except actions.CompilationError as exc:
        compilation.delete()
        print(f"tonghop compile: {exc}", file=sys.stderr)
        return 1
    for field, name in (
        ("docx", "report.docx"),
        ("pdf", "report.pdf"),
        ("signed_pdf", "report.signed.pdf"),
        ("edxml", "report.edxml"),
    ):
        if not getattr(issued, field):
            print(f"tonghop compile: không có {name}: {issued.error}", file=sys.stderr)
            continue
        with getattr(issued, field).open("rb") as handle:
            (out / name).write_bytes(handle.read())
        print(out / name)
    assert issued.document is not None
    print(f"Số văn bản đi: {issued.document.reference()}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from tonghop.campaigns.models import Campaign
    from tonghop.reports import export

    campaign = Campaign.objects.filter(slug=args.campaign).first()
    if campaign is None:
        print(f"tonghop export: không có đợt báo cáo “{args.campaign}”", file=sys.stderr)
        return 2
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        if args.fmt == "csv":
            export.write_csv(campaign, handle)
        else:
            export.write_xlsx(campaign, handle)
    print(out)
    return 0


def _levels(args: argparse.Namespace) -> int:
    """`tonghop levels send`: the Sở's issued directive, with the campaign's form, queued to
    each office of the campaign that is an exchange partner; `tonghop exchange run` (or the
    worker) carries it."""
    from tonghop.campaigns.models import Campaign
    from tonghop.documents.models import Document
    from tonghop.orgs.models import Role, User
    from tonghop.reports import levels, remote

    campaign = Campaign.objects.select_related("office").filter(slug=args.campaign).first()
    if campaign is None:
        print(f"tonghop levels: không có đợt báo cáo “{args.campaign}”", file=sys.stderr)
        return 2
    directive = Document.objects.filter(pk=args.directive, office=campaign.office).first()
    if directive is None:
        print(
            f"tonghop levels: sổ văn bản của {campaign.office.name} không có văn bản "
            f"mã {args.directive}",
            file=sys.stderr,
        )
        return 2
    if args.user:
        user = User.objects.filter(username=args.user).first()
    else:
        user = (
            User.objects.filter(
                memberships__unit=campaign.office, memberships__role=Role.HEAD, is_active=True
            )
            .order_by("pk")
            .first()
        )
    if user is None:
        print("tonghop levels: không tìm thấy người gửi", file=sys.stderr)
        return 2
    try:
        queued = remote.send_campaign(user, campaign, directive)
    except (levels.LevelNotAllowed, levels.LevelRefused) as exc:
        print(f"tonghop levels: {exc}", file=sys.stderr)
        return 1
    print(
        f"Đã xếp văn bản {directive.reference()} kèm biểu mẫu đợt “{campaign.slug}” vào hộp thư "
        f"đi cho: {', '.join(queued)}. Lệnh tonghop exchange run (hoặc tiến trình nền) sẽ gửi."
    )
    return 0


def _counts_line(counts: dict[str, int]) -> str:
    labels = {
        "units": "đơn vị",
        "users": "người dùng",
        "campaigns": "đợt báo cáo",
        "assignments": "phân công",
        "reports": "báo cáo",
        "documents": "văn bản",
        "compilations": "bản tổng hợp",
    }
    return ", ".join(f"{counts.get(key, 0)} {label}" for key, label in labels.items())


def _backup_restore(args: argparse.Namespace, data_dir: Path) -> int:
    from tonghop.backup import BackupError, backup, restore

    name = f"tonghop {args.command}"
    try:
        if args.command == "backup":
            info = backup(args.file)
        else:
            info = restore(
                args.file,
                into=data_dir,
                force=args.force,
                key_file=args.key,
                accept_unsigned=args.accept_unsigned,
            )
    except BackupError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    size = f"{info.size / (1024 * 1024):.1f} MB"
    if args.command == "backup":
        print(f"Đã sao lưu vào {info.archive} ({size}, {info.vendor}).")
        print(f"Cơ sở dữ liệu: {_counts_line(info.counts)}; {info.files} tệp.")
        if info.key is not None:
            print(f"Đã ký bản kê bằng khoá sao lưu {info.key.key_id} ({info.key.where}).")
            if info.key.created:
                print(
                    f"Khoá sao lưu mới được tạo: {info.key.where}. Hãy chép tệp này ra nơi khác, "
                    "tách khỏi các tệp sao lưu: thiếu nó, tonghop restore không kiểm chứng được "
                    "tệp sao lưu."
                )
        if info.missing:
            print(f"Cơ sở dữ liệu nhắc đến {len(info.missing)} tệp không có trong thư mục:")
            for missing in info.missing:
                print(f"  {missing}")
        return 0
    # A backup of an older version is brought up to this version's tables.
    _migrate()
    print(f"Đã khôi phục {info.archive.name} (sao lưu lúc {info.created_at}) vào {data_dir}.")
    print(f"Cơ sở dữ liệu: {_counts_line(info.restored_counts)}; {info.files} tệp.")
    if info.key is None:
        print("Không kiểm tra chữ ký của tệp sao lưu (--accept-unsigned).")
    print("Các phiên đăng nhập không được khôi phục: mọi người đăng nhập lại.")
    if info.moved_aside:
        print(f"Dữ liệu cũ được chuyển sang: {info.moved_aside}")
    if info.restored_counts != info.counts:
        print(f"{name}: số bản ghi khác với bản kê của tệp sao lưu", file=sys.stderr)
        return 1
    if info.missing:
        print(f"Thiếu {len(info.missing)} tệp mà cơ sở dữ liệu nhắc đến:")
        for missing in info.missing:
            print(f"  {missing}")
    return 0


# The questions of `tonghop setup`, in order: (section, key, question, required).
SETUP_QUESTIONS = [
    (
        "office",
        "code",
        "Mã cơ quan trong tonghop (chữ thường, số, gạch ngang; vd. phong-vhkhtt)",
        True,
    ),
    (
        "office",
        "name",
        "Tên cơ quan, như Nghị định 30 viết (vd. PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN)",
        True,
    ),
    ("office", "parent_body", "Cơ quan cấp trên (vd. UBND HUYỆN ĐÔNG SƠN)", False),
    ("office", "organ_id", "Mã định danh để liên thông (vd. 000.00.11.H53)", False),
    ("office", "place", "Địa danh (trong “…, ngày … tháng … năm …”)", False),
    ("office", "abbreviation", "Chữ viết tắt (trong ký hiệu và dòng Lưu; vd. VHKHTT)", False),
    ("office", "email", "Email của cơ quan", False),
    ("admin", "username", "Tên đăng nhập của quản trị viên", True),
    ("admin", "full_name", "Họ tên quản trị viên", False),
    ("admin", "email", "Email của quản trị viên", True),
]


# Sections of the settings file beyond the office and its administrator: the mail server and
# the two signing keys, done as the setup page does them (each checked before it is kept).
EXTRA_SECTIONS = ("smtp", "signing.head", "signing.office")
# Secrets are better kept out of the file: each is also read from the environment.
SECRET_ENV = {
    "smtp": "TONGHOP_SMTP_PASSWORD",
    "signing.head": "TONGHOP_SIGNING_PASSPHRASE",
    "signing.office": "TONGHOP_OFFICE_SIGNING_PASSPHRASE",
}


def _section(loaded: dict[str, Any], name: str) -> dict[str, str]:
    found: Any = loaded
    for part in name.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return {k: str(v) for k, v in dict(found or {}).items() if not isinstance(v, dict)}


def _ask(question: str) -> str:
    """A question whose answer may be left empty; the end of the input counts as empty, so a
    scripted answer list may stop after the required questions."""
    try:
        return input(f"{question}: ").strip()
    except EOFError:
        return ""


def _secret(question: str) -> str:
    import getpass

    try:
        return getpass.getpass(f"{question}: ")
    except EOFError:
        return ""


def _read_setup(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    if args.settings_file:
        import tomllib

        with open(args.settings_file, "rb") as handle:
            loaded = tomllib.load(handle)
        return {name: _section(loaded, name) for name in ("office", "admin", *EXTRA_SECTIONS)}
    answers: dict[str, dict[str, str]] = {"office": {}, "admin": {}}
    for section, key, question, required in SETUP_QUESTIONS:
        while True:
            value = input(f"{question}: ").strip()
            if value or not required:
                break
            print("  Mục này là bắt buộc.")
        answers[section][key] = value
    password = _secret("Mật khẩu (để trống: in ra một liên kết dùng một lần để tự đặt)")
    answers["admin"]["password"] = password
    host = _ask("Máy chủ thư SMTP (để trống: đặt sau trên trang /setup/)")
    if host:
        answers["smtp"] = {
            "host": host,
            "port": _ask("Cổng (mặc định 587)") or "587",
            "security": _ask("Bảo vệ kết nối: starttls, ssl hoặc none (mặc định starttls)")
            or "starttls",
            "username": _ask("Tên đăng nhập máy chủ thư"),
            "password": _secret("Mật khẩu máy chủ thư"),
            "from_address": _ask("Địa chỉ gửi đi"),
        }
    for which, label in (("head", "người ký"), ("office", "cơ quan")):
        p12 = _ask(f"Tệp khóa .p12 của {label} (để trống: đặt sau trên trang /setup/)")
        if p12:
            answers[f"signing.{which}"] = {
                "p12": p12,
                "passphrase": _secret(f"Mật khẩu của tệp khóa {label}"),
            }
    return answers


def _setup_extras(answers: dict[str, dict[str, str]], office: Any, admin: Any) -> list[str]:
    """The mail server and the signing keys, when given: each goes through the same step as on
    the setup page, so it is kept only once it works. Returns what failed (the office and its
    administrator stay: the rest can be finished on /setup/)."""
    from tonghop import errors, office_setup
    from tonghop.outbox.smtp import SmtpSettings

    failed: list[str] = []
    smtp = answers.get("smtp") or {}
    if smtp:
        try:
            values = SmtpSettings(
                host=smtp.get("host", "").strip(),
                port=int(smtp.get("port") or 587),
                username=smtp.get("username", "").strip(),
                password=smtp.get("password") or os.environ.get(SECRET_ENV["smtp"], ""),
                security=smtp.get("security", "starttls").strip(),
                from_address=smtp.get("from_address", "").strip(),
            )
            office_setup.save_smtp(
                admin, office, values, smtp.get("test_to") or admin.email or values.from_address
            )
            print(f"Đã gửi thư thử qua {values.host} và lưu cấu hình máy chủ thư.")
        except (errors.Refused, ValueError) as exc:
            failed.append(f"[smtp] {exc}")
    for which in ("head", "office"):
        section = f"signing.{which}"
        key = answers.get(section) or {}
        if not key:
            continue
        secret = key.get("passphrase") or key.get("pin") or os.environ.get(SECRET_ENV[section], "")
        try:
            if key.get("p12"):
                data = Path(key["p12"]).expanduser().read_bytes()
                facts = office_setup.install_p12(admin, office, which, data, secret)
            else:
                facts = office_setup.choose_token(
                    admin,
                    office,
                    which,
                    module=key.get("module", ""),
                    token=key.get("token", ""),
                    key=key.get("key", ""),
                    pin=secret,
                )
            print(f"Đã nhận khóa ký [{section}]: {facts.get('subject', '')}")
        except (errors.Refused, OSError) as exc:
            failed.append(f"[{section}] {exc}")
    return failed


def _first_run(args: argparse.Namespace) -> int:
    """The office and its first administrator (tonghop.office_setup), from questions or a
    settings file; without a password, a one-time link to set it is printed."""
    from django.conf import settings
    from django.utils import translation

    from tonghop import errors, office_setup

    translation.activate(settings.LANGUAGE_CODE)
    try:
        answers = _read_setup(args)
    except (OSError, ValueError) as exc:
        print(f"tonghop setup: không đọc được tệp cấu hình: {exc}", file=sys.stderr)
        return 2
    office, admin = answers["office"], answers["admin"]
    missing = [
        f"[{s}] {k}"
        for s, k, _q, required in SETUP_QUESTIONS
        if required and not answers[s].get(k, "").strip()
    ]
    if missing:
        print(f"tonghop setup: thiếu {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        unit, user, link = office_setup.start_office(
            office_setup.OfficeSpec(
                code=office["code"].strip(),
                name=office["name"],
                parent_body=office.get("parent_body", ""),
                organ_id=office.get("organ_id", "").strip(),
                place=office.get("place", ""),
                abbreviation=office.get("abbreviation", "").strip(),
                email=office.get("email", ""),
            ),
            office_setup.AdminSpec(
                username=admin["username"].strip(),
                email=admin["email"],
                full_name=admin.get("full_name", ""),
                password=admin.get("password", ""),
            ),
        )
    except errors.Refused as exc:
        print(f"tonghop setup: {exc}", file=sys.stderr)
        return 2
    site = settings.SITE_URL.rstrip("/")
    print(f"Đã tạo cơ quan {unit.name} ({unit.code}) và quản trị viên {user.username}.")
    failed = _setup_extras(answers, unit, user)
    if link:
        print(f"Quản trị viên đặt mật khẩu tại liên kết này (dùng một lần): {link}")
    print(f"Sau khi đăng nhập, làm tiếp tại {site}/setup/: người dùng, cây đơn vị, thư, ký số.")
    for reason in failed:
        print(f"tonghop setup: chưa lưu {reason}", file=sys.stderr)
    return 3 if failed else 0


def _receive_one(args: argparse.Namespace, path: Path) -> dict[str, object]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tonghop.documents import actions
    from tonghop.documents.channel import ChannelRefused, take_in
    from tonghop.documents.exchange import ImportRefused
    from tonghop.errors import Refused
    from tonghop.orgs.models import Unit, User

    data = path.read_bytes()
    user = User.objects.filter(username=args.user).first() if args.user else None
    if args.user and user is None:
        return {"status": "refused", "reason": f"Không có người dùng {args.user}."}
    office = Unit.objects.filter(code=args.office).first() if args.office else None
    if args.office and office is None:
        return {"status": "refused", "reason": f"Không có đơn vị {args.office}."}
    is_edxml = path.suffix.lower() in (".edxml", ".xml") or data.lstrip()[:5] == b"<?xml"
    try:
        if is_edxml:
            if office is None:
                from tonghop.dispatch.edxml import EdxmlError, parse_package

                try:
                    addressed = [r.organ_id for r in parse_package(data).receivers]
                except EdxmlError as exc:
                    return {"status": "refused", "reason": str(exc)}
                office = Unit.objects.filter(organ_id__in=addressed).exclude(organ_id="").first()
                if office is None:
                    return {
                        "status": "refused",
                        "reason": "Gói gửi cho "
                        + ", ".join(addressed)
                        + ", không phải cơ quan nào của hệ thống này.",
                    }
            result = take_in(user, office, data, forwarded=args.forwarded)
            return {
                "status": result.status,
                "document": str(result.document.uid),
                "reference": result.document.reference(),
            }
        if user is None or office is None:
            return {
                "status": "refused",
                "reason": "Tệp PDF, DOCX, DOC, TXT cần --user và --office.",
            }
        document = actions.receive_upload(user, office, SimpleUploadedFile(path.name, data))
        return {"status": "received", "document": str(document.uid), "reference": ""}
    except (ImportRefused, ChannelRefused, Refused) as exc:
        return {"status": "refused", "reason": str(exc)}


def _receive(args: argparse.Namespace) -> int:
    """``tonghop receive FILE...``: each file into the intake as the page takes it; exit 0 when
    every one was taken (new, already received or applied), 1 when one was refused."""
    import json

    from django.utils import translation

    translation.activate("vi")
    worst = 0
    for path in args.files:
        if not path.is_file():
            outcome: dict[str, object] = {"status": "refused", "reason": "Không có tệp này."}
        else:
            outcome = _receive_one(args, path)
        if outcome["status"] == "refused":
            worst = 1
        if args.json:
            print(json.dumps({"file": str(path), **outcome}, ensure_ascii=False))
        elif outcome["status"] == "refused":
            print(f"{path}: từ chối — {outcome['reason']}", file=sys.stderr)
        else:
            words = {
                "received": "đã tiếp nhận",
                "duplicate": "đã nhận trước đó",
                "applied": "đã áp dụng cho văn bản",
            }
            print(
                f"{path}: {words.get(str(outcome['status']), outcome['status'])} "
                f"{outcome.get('reference', '')}"
            )
    return worst


def _sweep_files(args: argparse.Namespace) -> int:
    """`tonghop sweep-files`: one sweep of the stray attachment files, and one line saying it."""
    import datetime as dt

    from django.conf import settings

    from tonghop.reports.attachments import sweep_strays

    hours = args.older_than or settings.TONGHOP_STRAY_FILE_GRACE_HOURS
    result = sweep_strays(dt.timedelta(hours=hours), dry_run=args.dry_run)
    if result.stopped:
        print(
            "Tệp đính kèm: cơ sở dữ liệu không ghi tệp đính kèm nào, nên không xoá tệp nào trong "
            f"{Path(settings.MEDIA_ROOT) / 'attachments'} (có đúng cơ sở dữ liệu của bản cài đặt "
            "này không? kiểm tra DATABASE_URL và --data).",
            file=sys.stderr,
        )
        return 1
    size = f"{result.freed / (1024 * 1024):.1f}".replace(".", ",")
    if args.dry_run:
        print(
            f"Tệp đính kèm: đã xem {result.seen} tệp; {result.removed} tệp không thuộc báo cáo "
            f"nào và cũ hơn {hours} giờ sẽ bị xoá ({size} MB). Chạy thử: chưa xoá tệp nào."
        )
    else:
        print(
            f"Tệp đính kèm: đã xem {result.seen} tệp; đã xoá {result.removed} tệp không thuộc "
            f"báo cáo nào và cũ hơn {hours} giờ ({size} MB)."
        )
    return 0


def _command_first(argv: list[str]) -> list[str]:
    """`tonghop --data DIR verify FILE` is how every other command is written, but `verify` and
    `parse` skip the common parser (they need no Django), so the folder moves behind `verify`
    (which reads the folder's trust roots) and is dropped for `parse` (which reads none)."""
    if argv[:1] == ["--data"] and len(argv) > 2:
        folder, rest = argv[1], argv[2:]
    elif argv[:1] and argv[0].startswith("--data="):
        folder, rest = argv[0].removeprefix("--data="), argv[1:]
    else:
        return argv
    if rest[:1] == ["verify"]:
        return [*rest, "--data", folder]
    if rest[:1] == ["parse"]:
        return rest
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from tonghop import datadir

    # Everything written from here on (database, its -wal and -shm, keys, files, archives) is
    # this account's alone.
    datadir.private_umask()
    argv = _command_first(argv)
    # `parse` needs neither Django nor a data folder, and its options are its own.
    if argv[:1] == ["parse"]:
        from tonghop.dispatch.cli import main as parse_main

        return parse_main(argv[1:])
    if argv[:1] == ["verify"]:
        return _verify(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "demo":
        # Without a mail server configured, the demo keeps its mail in DATA/outbox.
        os.environ.setdefault(
            "TONGHOP_EMAIL", "smtp" if "TONGHOP_SMTP_HOST" in os.environ else "file"
        )
        # The links in the demo's mail lead to the address it serves (--addr), unless the
        # operator set the site's address; its worker and server (child processes) inherit it.
        os.environ.setdefault("TONGHOP_SITE_URL", f"http://{args.addr}")
        # A quiet start: the demo says what it did in its own lines, not one log line per task.
        os.environ.setdefault("TONGHOP_LOG_LEVEL", "WARNING")
    data_dir = _setup(args.data)
    if args.command == "demo":
        return _demo(args, data_dir)
    if args.command == "migrate":
        _migrate()
        return 0
    if args.command == "check":
        return _check(args)
    if args.command == "serve":
        _serve(_plan(args.addr, args))
        return 0
    if args.command == "worker":
        from django.core.management import call_command

        from tonghop.reminders.worker import (
            Ticker,
            exchange_tick,
            interval_from_env,
            sweep_tick,
            tick,
        )
        from tonghop.resilience import run_task_worker

        options = ["--interval", str(args.interval), "--no-startup-delay"]
        if args.batch:
            # One reminder tick and one exchange run, then the queue (which holds what they
            # queued) to the end.
            tick()
            exchange_tick()
            call_command("db_worker", *options, "--batch")
            return 0
        # Reminders, the exchange and the sweep of stray attachment files tick in threads beside
        # the task queue; several workers may run at once. All outlive the database going away:
        # a ticker logs and tries at its next tick, the task queue is started again after a pause.
        tickers = [
            Ticker(interval_from_env()),
            Ticker(
                interval_from_env("TONGHOP_EXCHANGE_INTERVAL", "30"),
                exchange_tick,
                "tonghop-exchange",
            ),
            Ticker(
                interval_from_env("TONGHOP_SWEEP_INTERVAL", "3600"), sweep_tick, "tonghop-sweep"
            ),
        ]
        for ticker in tickers:
            ticker.start()
        try:
            run_task_worker(*options)
        finally:
            for ticker in tickers:
                ticker.stop()
        return 0
    if args.command == "compile":
        return _compile(args)
    if args.command == "export":
        return _export(args)
    if args.command == "levels":
        return _levels(args)
    if args.command in ("backup", "restore"):
        return _backup_restore(args, data_dir)
    if args.command == "receive":
        return _receive(args)
    if args.command == "sweep-files":
        return _sweep_files(args)
    if args.command == "exchange":
        import time

        from tonghop.documents.channel import run_once

        while True:
            moved = run_once()
            print(
                f"Liên thông: nhận {moved['picked_up']} gói từ thư mục, gửi được {moved['sent']}, "
                f"lỗi {moved['failed']} (sẽ gửi lại).",
                flush=True,
            )
            if args.every <= 0:
                return 0
            time.sleep(args.every)
    if args.command == "setup":
        _migrate()
        return _first_run(args)
    if args.command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["tonghop manage", *args.args])
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
