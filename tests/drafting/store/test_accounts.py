from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from drafting.store.accounts import (
    ROLES,
    AccountError,
    PermissionDenied,
    UserStore,
    bootstrap_admin,
    can,
    is_loopback,
)
from drafting.store.database import Database

# Cheap parameters keep the suite fast; the production default is argon2-cffi's own.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def store(database: Database) -> UserStore:
    return UserStore(database, hasher=FAST)


def _stored_hash(store: UserStore) -> str:
    with store.database.read() as db:
        return str(db.execute(text("SELECT password_hash FROM users")).scalar_one())


def test_add_and_verify(store: UserStore) -> None:
    user = store.add("zhangsan", "writer", "correct horse")
    assert user.role == "writer"
    assert store.verify("zhangsan", "correct horse") == store.get("zhangsan")
    assert store.verify("zhangsan", "wrong password") is None
    assert store.verify("nobody", "correct horse") is None
    assert store.verify("", "") is None


def test_password_is_stored_as_argon2_hash(store: UserStore) -> None:
    store.add("lisi", "reviewer", "s3cret-pass")
    stored = _stored_hash(store)
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass" not in stored


def test_chinese_names_allowed_and_normalised(store: UserStore) -> None:
    store.add("  王五  ", "maintainer", "12345678")
    assert [u.name for u in store.list()] == ["王五"]


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("", "writer", "12345678", "用户名不能为空"),
        ("a b", "writer", "12345678", "空格"),
        ("x" * 65, "writer", "12345678", "过长"),
        ("ok", "boss", "12345678", "角色"),
        ("ok", "writer", "short", "至少"),
        ("ok", "writer", " 12345678 ", "首尾"),
    ],
)
def test_bad_input_is_named(store: UserStore, name, role, password, message) -> None:
    with pytest.raises(AccountError, match=message):
        store.add(name, role, password)
    assert store.count() == 0


def test_duplicate_name_rejected(store: UserStore) -> None:
    store.add("zhao", "writer", "12345678")
    with pytest.raises(AccountError, match="已存在"):
        store.add("zhao", "admin", "87654321")
    assert store.get("zhao").role == "writer"


def test_set_password_and_role(store: UserStore) -> None:
    store.add("qian", "writer", "old-password")
    store.set_password("qian", "new-password")
    assert store.verify("qian", "old-password") is None
    assert store.verify("qian", "new-password") is not None
    store.set_role("qian", "reviewer")
    assert store.get("qian").role == "reviewer"
    with pytest.raises(AccountError, match="不存在"):
        store.set_password("ghost", "whatever1")


def test_outdated_hash_is_upgraded_on_sign_in(database: Database) -> None:
    UserStore(database, hasher=FAST).add("sun", "writer", "12345678")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert UserStore(database, hasher=stronger).verify("sun", "12345678") is not None
    assert "t=2" in _stored_hash(UserStore(database))


def test_permissions_table() -> None:
    assert can("writer", "draft") and not can("writer", "review")
    assert can("reviewer", "review") and not can("reviewer", "draft")
    assert can("maintainer", "edit_prompts") and not can("writer", "edit_prompts")
    assert can("admin", "remove_documents")
    assert not any(can(r, "remove_documents") for r in ROLES if r != "admin")
    assert not can("ghost", "draft") and not can(None, "draft")


def test_require_names_user_and_action(store: UserStore) -> None:
    store.add("zhou", "writer", "12345678")
    assert store.require("zhou", "draft").name == "zhou"
    with pytest.raises(PermissionDenied, match="删除知识库文件"):
        store.require("zhou", "remove_documents")
    with pytest.raises(PermissionDenied, match="登录"):
        store.require(None, "draft")
    with pytest.raises(PermissionDenied, match="登录"):
        store.require("deleted-user", "draft")


def test_bootstrap_admin_only_when_empty(store: UserStore) -> None:
    generated = bootstrap_admin(store)
    assert generated and len(generated) >= 12
    assert store.verify("admin", generated).role == "admin"
    assert bootstrap_admin(store) is None  # users exist now: nothing changes
    assert store.count() == 1


def test_bootstrap_admin_with_given_password(store: UserStore) -> None:
    assert bootstrap_admin(store, "from-the-env") is None
    assert store.verify("admin", "from-the-env") is not None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.1.2.3", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_concurrent_first_use_migrates_once(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            # A Database each, as separate processes would have: each finds the schema missing.
            UserStore(Database(url), hasher=FAST).add(f"user{i}", "writer", "12345678")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert UserStore(database, hasher=FAST).count() == 8


def test_switching_a_fresh_file_to_wal_waits_for_a_lock_held_elsewhere(tmp_path) -> None:
    import sqlite3

    from drafting.store.sqlite_file import use_wal

    path = tmp_path / "fresh.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    conn = sqlite3.connect(path, timeout=0.01, check_same_thread=False)
    try:
        use_wal(conn)  # without the retry: "database is locked" at once
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        release.join()
        conn.close()
        holder.close()
