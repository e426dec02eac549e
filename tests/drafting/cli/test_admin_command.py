from __future__ import annotations

import io

import pytest

from drafting.cli.main import main
from drafting.store.accounts import UserStore, accounts_db_path


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_add_list_passwd(settings, monkeypatch, capsys) -> None:
    _stdin(monkeypatch, "first-password\n")
    assert main(["users", "add", "张三", "--role", "writer", "--password-stdin"]) == 0
    assert "已新增用户 张三（起草人）" in capsys.readouterr().out

    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "张三" in out and "writer（起草人）" in out

    _stdin(monkeypatch, "second-password\r\n")
    assert main(["users", "passwd", "张三", "--password-stdin"]) == 0
    store = UserStore(accounts_db_path(settings.home))
    assert store.verify("张三", "second-password") is not None
    assert store.verify("张三", "first-password") is None


def test_generated_password_is_shown_once_and_works(settings, capsys) -> None:
    assert main(["users", "add", "admin2", "--role", "admin", "--generate-password"]) == 0
    out = capsys.readouterr().out
    password = out.split("：")[-1].strip()
    assert UserStore(accounts_db_path(settings.home)).verify("admin2", password) is not None


def test_errors_are_messages_not_tracebacks(settings, monkeypatch, capsys) -> None:
    _stdin(monkeypatch, "short\n")
    assert main(["users", "add", "x", "--role", "writer", "--password-stdin"]) == 1
    assert "至少" in capsys.readouterr().err

    _stdin(monkeypatch, "")  # not a terminal and no flag: say what to do
    assert main(["users", "add", "x", "--role", "writer"]) == 1
    assert "--password-stdin" in capsys.readouterr().err

    assert main(["users", "passwd", "ghost", "--generate-password"]) == 1
    assert "不存在" in capsys.readouterr().err

    _stdin(monkeypatch, "good-password\n")
    main(["users", "add", "x", "--role", "writer", "--password-stdin"])
    _stdin(monkeypatch, "good-password\n")
    assert main(["users", "add", "x", "--role", "admin", "--password-stdin"]) == 1
    assert "已存在" in capsys.readouterr().err


def test_bad_role_rejected_by_argparse(settings, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["users", "add", "x", "--role", "boss"])
    assert exc.value.code == 2


def test_empty_list_explains(settings, capsys) -> None:
    assert main(["users", "list"]) == 0
    assert "还没有用户" in capsys.readouterr().out
    assert main(["users"]) == 2


def test_user_changes_from_the_command_line_are_in_the_run_log(settings, monkeypatch, capsys) -> None:
    from drafting.store.run_log import RunLogStore

    _stdin(monkeypatch, "first-password\n")
    assert main(["users", "add", "李四", "--role", "reviewer", "--password-stdin"]) == 0
    _stdin(monkeypatch, "second-password\n")
    assert main(["users", "passwd", "李四", "--password-stdin"]) == 0
    entries = RunLogStore(settings.run_log_path).query().entries
    assert [(e.action, e.target) for e in entries] == [("user_password", "李四"), ("user_add", "李四")]
    assert all(e.user.startswith("命令行:") for e in entries)
    assert not [e for e in entries if "password" in e.detail]
