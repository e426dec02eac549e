"""A SQLite file with an append-only list of schema migrations, shared by the product's stores.

PRAGMA user_version counts the migrations applied. A connection is opened per use, so the stores
can be shared between the web server's threads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

WAL_SWITCH_TIMEOUT_S = 30.0


def use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to write-ahead logging (readers never block the writer).

    Switching needs an exclusive lock and SQLite does not wait for it through the busy timeout:
    several threads opening a fresh file at once got "database is locked" (measured: 11 of 150
    runs of eight threads). So the switch is retried briefly, and skipped once the file is in WAL."""
    deadline = time.monotonic() + WAL_SWITCH_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def migrate(conn: sqlite3.Connection, migrations: Sequence[str]) -> None:
    """Apply the migrations this file has not seen yet, in one transaction."""
    use_wal(conn)
    # BEGIN IMMEDIATE takes the write lock before reading the version, so two processes opening a
    # fresh file at once cannot both create the tables.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, statement in enumerate(migrations[version:], start=version + 1):
            conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class SQLiteFile:
    """Opens connections to one file, migrating it on first use.

    ``autocommit=False``: each ``connect()`` block is one transaction, committed when it ends
    without an exception. ``autocommit=True``: the caller manages transactions itself.
    """

    def __init__(self, path: Path, migrations: Sequence[str], *, autocommit: bool = False) -> None:
        self.path = Path(path)
        self._migrations = migrations
        self._autocommit = autocommit
        self._migrated = False

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        if not self._migrated:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=30, isolation_level=None if self._autocommit else "DEFERRED"
        )
        conn.row_factory = sqlite3.Row
        try:
            if not self._migrated:
                migrate(conn, self._migrations)
                self._migrated = True
            if self._autocommit:
                yield conn
            else:
                with conn:
                    yield conn
        finally:
            conn.close()


def storage_message(exc: BaseException, where: Path | str) -> str:
    """A Chinese line for a failed write to the data directory (disk full, read-only, I/O error).

    SQLite rolls the transaction back on these errors, so what was saved before is intact; the
    message says so, because that is what a person worries about first."""
    import errno

    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if "readonly" in text or "read-only" in text or code in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "数据目录只读或没有写权限"
    elif "full" in text or "too large" in text or code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        why = "磁盘空间不足"
    elif "disk i/o" in text or code == errno.EIO:
        why = "写入磁盘失败（可能是磁盘已满或只读）"
    else:
        why = f"无法读写（{exc}）"
    return f"{why}：{where}。本次内容未保存，此前保存的内容不受影响；请腾出空间或检查权限后重试。"
