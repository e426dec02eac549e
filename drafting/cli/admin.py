"""`drafter users add|list|passwd`: accounts for the web UI, kept under the data directory."""

from __future__ import annotations

import argparse
import getpass
import sys

from drafting.settings import Settings
from drafting.store.accounts import (
    ROLE_LABELS,
    ROLES,
    AccountError,
    UserStore,
    generate_password,
)
from drafting.store.run_log import RunLogStore


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="管理网页端用户（起草人、审核人、提示词维护人、管理员）")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION")

    add = actions.add_parser("add", help="新增用户")
    add.add_argument("name", help="用户名")
    add.add_argument("--role", required=True, choices=ROLES, help="角色：writer|reviewer|maintainer|admin")
    _password_options(add)
    add.set_defaults(func=run_add)

    listing = actions.add_parser("list", help="列出用户")
    listing.set_defaults(func=run_list)

    passwd = actions.add_parser("passwd", help="修改用户密码")
    passwd.add_argument("name", help="用户名")
    _password_options(passwd)
    passwd.set_defaults(func=run_passwd)

    users.set_defaults(func=lambda args, settings: _usage(users))


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    group.add_argument("--generate-password", action="store_true", help="生成随机密码并显示一次")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def user_store(settings: Settings) -> UserStore:
    return UserStore.from_settings(settings)


def record(settings: Settings, action: str, target: str, detail: str = "") -> None:
    """The run log names a command-line change by the operating-system user who ran it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        who = "?"
    RunLogStore.from_settings(settings).record(f"命令行:{who}", action, target, detail)


def read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown once)."""
    if args.generate_password:
        return generate_password(), True
    if args.password_stdin:
        # Only the line ending is dropped; spaces inside the password are the user's choice.
        return sys.stdin.readline().rstrip("\r\n"), False
    if not sys.stdin.isatty():
        raise AccountError(
            "标准输入不是终端：请加 --password-stdin 从标准输入读取密码，或加 --generate-password。"
        )
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise AccountError("两次输入的密码不一致。")
    return first, False


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        password, generated = read_password(args)
        user = user_store(settings).add(args.name, args.role, password)
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    record(settings, "user_add", user.name, f"角色：{user.role_label}")
    print(f"已新增用户 {user.name}（{user.role_label}）。")
    if generated:
        print(f"初始密码（只显示这一次）：{password}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    users = user_store(settings).list()
    if not users:
        print("还没有用户。用 `drafter users add 用户名 --role writer` 新增。")
        return 0
    width = max(len(u.name) for u in users) + 2
    print(f"{'用户名':<{width}}{'角色':<14}创建时间")
    for u in users:
        print(f"{u.name:<{width}}{u.role + '（' + ROLE_LABELS[u.role] + '）':<14}{u.created_at}")
    return 0


def run_passwd(args: argparse.Namespace, settings: Settings) -> int:
    store = user_store(settings)
    if store.get(args.name.strip()) is None:
        print(f"错误：用户“{args.name}”不存在。", file=sys.stderr)
        return 1
    try:
        password, generated = read_password(args)
        store.set_password(args.name.strip(), password)
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    record(settings, "user_password", args.name.strip())
    print(f"已修改用户 {args.name.strip()} 的密码。")
    if generated:
        print(f"新密码（只显示这一次）：{password}")
    return 0
