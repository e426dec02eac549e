"""The run log on both back ends: entries kept newest first, filtered and paged, and old files adopted."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from drafting.store.database import Database
from drafting.store.run_log import RunLogStore


def test_entries_are_filtered_and_paged_newest_first(database: Database) -> None:
    store = RunLogStore(database)
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    for n in range(30):
        store.record(f"u{n % 3}", "export" if n % 2 else "edit", f"d{n}", at=start + timedelta(hours=n))
    store.record(None, "sign_in_failed", "mallory", ok=False)
    everything = store.query(limit=10)
    assert everything.total == 31 and everything.entries[0].target == "mallory"
    assert everything.entries[0].user == "（未登录）" and not everything.entries[0].ok
    second = store.query(limit=10, offset=10)
    assert [e.target for e in second.entries] == [f"d{n}" for n in range(20, 10, -1)]
    mine = store.query(user="u1", action="export")
    assert mine.total == 5 and {(e.user, e.action_label) for e in mine.entries} == {("u1", "导出 Word")}
    day = store.query(since="2026-12-02", until="2026-12-02")
    assert day.total == 16 and {e.at[:10] for e in day.entries} == {"2026-12-02"}
    assert store.users() == ["u0", "u1", "u2", "（未登录）"]


def test_an_unknown_action_is_a_bug_not_an_entry(database: Database) -> None:
    store = RunLogStore(database)
    with pytest.raises(ValueError, match="unknown run-log action"):
        store.record("u1", "launch_rockets")
    assert store.query().total == 0


def test_a_run_log_file_from_before_sqlalchemy_keeps_its_entries(tmp_path) -> None:
    path = tmp_path / "run_log.sqlite3"
    with sqlite3.connect(path) as old:  # the schema as the SQLite-only store left it
        old.execute(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,"
            " action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
            " ok INTEGER NOT NULL DEFAULT 1)"
        )
        old.execute("CREATE INDEX entries_by_user ON entries (user, id)")
        old.execute("CREATE INDEX entries_by_action ON entries (action, id)")
        old.execute("CREATE INDEX entries_by_time ON entries (at)")
        old.execute(
            "INSERT INTO entries (at, user, action) VALUES ('2026-11-30T08:00:00+00:00', 'w1', 'edit')"
        )
        old.execute("PRAGMA user_version = 4")
    store = RunLogStore(path)
    store.record("w2", "export", "d1")
    assert [(e.user, e.action) for e in store.query().entries] == [("w2", "export"), ("w1", "edit")]
