from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from drafting.cli.main import main
from drafting.cli.serve import ADMIN_PASSWORD_ENV, prepare_accounts
from drafting.store.accounts import UserStore, accounts_db_path

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def store(settings) -> UserStore:
    return UserStore(accounts_db_path(settings.home), hasher=FAST)


def test_loopback_without_users_gets_a_one_time_admin_password(store) -> None:
    ok, message = prepare_accounts(store, "127.0.0.1", None)
    assert ok and "一次性密码" in message
    password = message.split("一次性密码：")[1].split()[0]
    assert store.verify("admin", password).role == "admin"
    assert prepare_accounts(store, "127.0.0.1", None) == (True, "")  # users exist: nothing printed


def test_loopback_admin_password_from_the_environment(store) -> None:
    ok, message = prepare_accounts(store, "localhost", "from-env-123")
    assert ok and ADMIN_PASSWORD_ENV in message and "from-env-123" not in message
    assert store.verify("admin", "from-env-123") is not None


def test_a_too_short_environment_password_is_refused(store) -> None:
    ok, message = prepare_accounts(store, "127.0.0.1", "short")
    assert not ok and "至少" in message and store.count() == 0


def test_other_addresses_refuse_to_start_without_users(store) -> None:
    ok, message = prepare_accounts(store, "0.0.0.0", None)
    assert not ok and "拒绝启动" in message and "drafter users add" in message
    assert store.count() == 0
    store.add("boss", "admin", "12345678")
    assert prepare_accounts(store, "0.0.0.0", None) == (True, "")


def test_serve_on_all_interfaces_without_users_exits_non_zero(settings, capsys) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "7999"]) == 2
    assert "拒绝启动" in capsys.readouterr().err


def test_serve_with_a_missing_ingest_folder_says_so(settings, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "long-enough-pw")
    assert main(["serve", "--ingest", str(tmp_path / "nope")]) == 2
    assert "文件夹不存在" in capsys.readouterr().err
