"""`drafter serve [--host H] [--port P] [--ingest DIR]`: the web UI, optionally after ingesting a folder.

Sign-in is required. On a loopback address with no users yet, an "admin" account is created so
`make run` works on a fresh machine: its password comes from DRAFTER_UI__ADMIN_PASSWORD, or a
generated one is printed once. On any other address the server refuses to start without users,
because a generated password on a shared network would be an open door.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from drafting.settings import Settings
from drafting.store.accounts import AccountError, UserStore, bootstrap_admin, is_loopback

if TYPE_CHECKING:
    from drafting.service.knowledge import BackgroundIngest

ADMIN_PASSWORD_ENV = "DRAFTER_UI__ADMIN_PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="启动网页端（需登录）")
    parser.add_argument("--host", help="监听地址（默认取配置 ui.host，即 127.0.0.1）")
    parser.add_argument("--port", type=int, help="端口（默认取配置 ui.port，即 7860）")
    parser.add_argument(
        "--ingest", metavar="DIR", help="启动前先把该文件夹中的往年材料入库（未变化的文件自动跳过）"
    )
    parser.set_defaults(func=run)


def prepare_accounts(store: UserStore, host: str, admin_password: str | None) -> tuple[bool, str]:
    """Make sure someone can sign in. Returns (ok, message to print)."""
    if store.count() > 0:
        return True, ""
    if not is_loopback(host):
        return False, (
            f"错误：监听地址 {host} 不是本机回环地址，而系统中还没有任何用户，拒绝启动。"
            "请先用 `drafter users add 用户名 --role admin` 新增管理员，再启动。"
        )
    try:
        generated = bootstrap_admin(store, admin_password)
    except AccountError as exc:
        return False, f"错误：{ADMIN_PASSWORD_ENV} 不可用：{exc}"
    if generated:
        return (
            True,
            f"已创建本机管理员账号 admin，一次性密码：{generated}\n（请登录后尽快用 `drafter users passwd admin` 修改。）",
        )
    return True, f"已创建本机管理员账号 admin，密码取自环境变量 {ADMIN_PASSWORD_ENV}。"


def run(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.ui.host
    port = args.port or settings.ui.port
    if args.ingest and not Path(args.ingest).is_dir():
        print(f"错误：要入库的文件夹不存在：{args.ingest}", file=sys.stderr)
        return 2
    settings.ensure_home()
    store = UserStore.from_settings(settings)
    admin_password = settings.ui.admin_password
    ok, message = prepare_accounts(store, host, admin_password.get_secret_value() if admin_password else None)
    if message:
        print(message, file=sys.stdout if ok else sys.stderr, flush=True)
    if not ok:
        return 2

    # The composition root: the only place in drafting/ that reaches into ui/, and only to start it.
    from drafting.service.facade import build_service
    from ui.app import launch

    service = build_service(settings, users=store)
    if args.ingest:
        print(f"正在后台入库 {args.ingest} …（网页端可先使用，入库完成前检索只覆盖已入库的材料）", flush=True)
        service.knowledge.ingest_in_background(
            Path(args.ingest), on_file=_print_progress, on_done=_print_summary
        )
    else:
        # Load the embedding model while people sign in, so the first search does not wait for it.
        threading.Thread(target=service.knowledge.warm_up, name="warm-up", daemon=True).start()
    print(f"网页端地址：http://{host}:{port}/ （按 Ctrl+C 停止）", flush=True)
    try:
        launch(service, host=host, port=port)
    except OSError as exc:  # most often the port is taken by another program
        print(
            f"错误：无法在 {host}:{port} 上启动网页端（{exc}）。端口可能已被占用，请用 --port 换一个端口。",
            file=sys.stderr,
        )
        return 1
    return 0


def _print_summary(done: BackgroundIngest) -> None:
    if done.failed:
        print(f"错误：{done.summary}", file=sys.stderr, flush=True)
    else:
        print(done.summary, flush=True)


def _print_progress(fraction: float, message: str) -> None:
    print(f"  [{fraction:4.0%}] {message}", flush=True)
