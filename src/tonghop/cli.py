"""The `tonghop` command: one entry point for the demo, the server, the worker and the tools."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path


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

    serve = sub.add_parser("serve", help="chạy máy chủ web (waitress)")
    serve.add_argument("--addr", default="127.0.0.1:8000", help="địa chỉ HOST:PORT")
    serve.add_argument("--threads", type=int, default=8, help="số luồng xử lý")

    worker = sub.add_parser("worker", help="chạy tiến trình nền (tổng hợp, nhắc việc)")
    worker.add_argument(
        "--batch", action="store_true", help="xử lý hết việc đang chờ rồi dừng (dùng cho cron)"
    )
    worker.add_argument("--interval", type=float, default=1.0, help="giây giữa hai lần kiểm tra")
    sub.add_parser("migrate", help="tạo hoặc nâng cấp cơ sở dữ liệu")

    compile_ = sub.add_parser("compile", help="tổng hợp báo cáo của một đợt ra tệp DOCX")
    compile_.add_argument("campaign", help="mã đợt báo cáo, ví dụ sang-tao-2025")
    compile_.add_argument("--out", required=True, type=Path, help="thư mục ghi tệp")

    parse = sub.add_parser(
        "parse",
        help="đọc văn bản (PDF, DOCX, DOC, TXT) và in các trường; tonghop parse --help",
        add_help=False,
    )

    manage = sub.add_parser("manage", help="lệnh quản trị Django (createsuperuser, shell…)")
    manage.add_argument("args", nargs=argparse.REMAINDER)

    for action in sub.choices.values():
        if action is not parse:
            _common(action)
    return top


def _setup(data: str | None) -> Path:
    if data:
        os.environ["TONGHOP_DATA_DIR"] = str(Path(data).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tonghop.settings")
    import django
    from django.conf import settings

    django.setup()
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"tonghop: địa chỉ không hợp lệ: {addr!r} (cần dạng HOST:PORT)")
    return host.strip("[]"), int(port)


def _serve(addr: str, threads: int = 8) -> None:
    from waitress import serve

    from tonghop.wsgi import application

    host, port = _split_addr(addr)
    print(f"Đang phục vụ tại http://{addr}/  (Ctrl+C để dừng)", flush=True)
    serve(application, host=host, port=port, threads=threads, ident="tonghop")


def _demo(args: argparse.Namespace, data_dir: Path) -> int:
    from tonghop.demo.scenario import DEMO_PASSWORD, demo_logins, load_scenario

    _migrate()
    created = load_scenario()
    print("Dữ liệu mẫu đã được tạo." if created else "Dữ liệu mẫu đã có sẵn, giữ nguyên.")
    print(f"Thư mục dữ liệu: {data_dir}")
    print(f"Tài khoản thử (mật khẩu chung: {DEMO_PASSWORD}):")
    for username, role in demo_logins():
        print(f"  {username:<22} {role}")
    if args.no_serve:
        return 0
    # The demo runs its own worker, so compiling from the page works with one command.
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tonghop.cli", "--data", str(data_dir), "worker"]
    )
    try:
        _serve(args.addr)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    return 0


def _compile(args: argparse.Namespace) -> int:
    from tonghop.campaigns.models import Campaign
    from tonghop.compilation.actions import render_campaign_docx

    campaign = Campaign.objects.filter(slug=args.campaign).first()
    if campaign is None:
        print(f"tonghop compile: không có đợt báo cáo “{args.campaign}”", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    target = out / "report.docx"
    target.write_bytes(render_campaign_docx(campaign))
    print(target)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `parse` needs neither Django nor a data folder, and its options are its own.
    if argv[:1] == ["parse"]:
        from tonghop.dispatch.cli import main as parse_main

        return parse_main(argv[1:])
    args = _parser().parse_args(argv)
    data_dir = _setup(args.data)
    if args.command == "demo":
        return _demo(args, data_dir)
    if args.command == "migrate":
        _migrate()
        return 0
    if args.command == "serve":
        _serve(args.addr, args.threads)
        return 0
    if args.command == "worker":
        from django.core.management import call_command

        options = ["--interval", str(args.interval), "--no-startup-delay"]
        call_command("db_worker", *options, *(["--batch"] if args.batch else []))
        return 0
    if args.command == "compile":
        return _compile(args)
    if args.command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["tonghop manage", *args.args])
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
