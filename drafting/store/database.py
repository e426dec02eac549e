"""One SQL database behind the stores: a SQLite file (the default) or PostgreSQL, through SQLAlchemy Core.

Each store names itself (``"drafts"``, ``"reviews"``, ...) and brings an append-only list of
migrations; ``schema_versions`` records how many of each store's list a database has applied, so
several stores can share one PostgreSQL database. SQLite files written before that table existed
counted their migrations in PRAGMA user_version (one store per file): that count is adopted.

Transactions: :meth:`Database.read` and :meth:`Database.write` are each one transaction. On SQLite a
write begins IMMEDIATE (the file's write lock is taken before anything is read, so two processes
cannot both claim the next version number); on PostgreSQL the stores lock the rows they read before
writing (``SELECT ... FOR UPDATE``) or take :meth:`Database.lock` on a key.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from drafting.store.sqlite_file import use_wal

if TYPE_CHECKING:
    from drafting.settings import Settings

# A migration step: one SQL statement for every dialect, a {dialect: statement(s)} mapping (a
# dialect missing from it has nothing to do at that step), or a function given the connection.
Step = str | Mapping[str, str | Sequence[str]] | Callable[[Connection], None]

# An id column numbered by the database, for tables that only grow.
SERIAL_KEY = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY"}

SQLITE_BUSY_TIMEOUT_S = 30.0


class Database:
    """An engine plus the migrations and transactions the stores need."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()  # "sqlite" | "postgresql"
        self.engine = engine or _engine(url)
        self._migrated: set[str] = set()
        self._migrate_lock = threading.Lock()

    @classmethod
    def sqlite(cls, path: Path | str) -> Database:
        return cls(f"sqlite:///{Path(path)}")

    @property
    def path(self) -> Path | None:
        """The file of a SQLite database (None for a server)."""
        return Path(self.url.database) if self.dialect == "sqlite" and self.url.database else None

    def __repr__(self) -> str:  # never shows a password in the URL
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------ transactions

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that will write; committed when the block ends without an exception."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            with conn.begin():
                yield conn

    def lock(self, conn: Connection, key: str) -> None:
        """Serialise writers on ``key`` until the transaction ends (SQLite writes already are)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(key)})

    # ------------------------------------------------------------ schema

    def migrate(self, store: str, steps: Sequence[Step]) -> None:
        """Apply the steps of ``store`` this database has not seen yet, in one transaction."""
        if store in self._migrated:
            return
        with self._migrate_lock:
            if store in self._migrated:
                return
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._use_wal()
            with self.write() as conn:
                # Two processes opening a fresh database at once must not both create the tables.
                self.lock(conn, "schema_versions")
                conn.exec_driver_sql(
                    "CREATE TABLE IF NOT EXISTS schema_versions"
                    " (store TEXT PRIMARY KEY, version INTEGER NOT NULL)"
                )
                recorded, version = self._version(conn, store)
                for step in steps[version:]:
                    self._apply(conn, step)
                if not recorded or len(steps) > version:
                    conn.execute(text("DELETE FROM schema_versions WHERE store = :s"), {"s": store})
                    conn.execute(
                        text("INSERT INTO schema_versions (store, version) VALUES (:s, :v)"),
                        {"s": store, "v": len(steps)},
                    )
            self._migrated.add(store)

    def schema_version(self, store: str) -> int:
        with self.read() as conn:
            row = conn.execute(
                text("SELECT version FROM schema_versions WHERE store = :s"), {"s": store}
            ).first()
        return int(row[0]) if row else 0

    def _version(self, conn: Connection, store: str) -> tuple[bool, int]:
        """(whether schema_versions has a row for the store, how many steps are applied)."""
        row = conn.execute(text("SELECT version FROM schema_versions WHERE store = :s"), {"s": store}).first()
        if row is not None:
            return True, int(row[0])
        if self.dialect == "sqlite":
            # A file from before schema_versions: one store per file, its count in user_version.
            return False, int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        return False, 0

    def _apply(self, conn: Connection, step: Step) -> None:
        if callable(step):
            step(conn)
            return
        statements = step if isinstance(step, str) else step.get(self.dialect, ())
        for statement in [statements] if isinstance(statements, str) else statements:
            conn.exec_driver_sql(statement)

    def _use_wal(self) -> None:
        """Switch the file to write-ahead logging (see sqlite_file.use_wal, which retries the switch)."""
        # The raw driver connection: SQLAlchemy would wrap the PRAGMA in a transaction, where the
        # journal mode cannot change.
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            use_wal(driver)
        finally:
            raw.close()

    def dispose(self) -> None:
        self.engine.dispose()


class SchemaStore:
    """A store with tables of its own in a database: each transaction first brings them up to date.

    Subclasses name themselves (``STORE``, also the SQLite file's name under the data directory)
    and bring their append-only ``MIGRATIONS``."""

    STORE: ClassVar[str]
    MIGRATIONS: ClassVar[Sequence[Step]]

    def __init__(self, where: Path | str | Database) -> None:
        self.database = where if isinstance(where, Database) else Database.sqlite(where)
        self.path = self.database.path

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(open_database(settings, cls.STORE))

    def _read(self) -> Any:
        self.database.migrate(self.STORE, self.MIGRATIONS)
        return self.database.read()

    def _write(self) -> Any:
        self.database.migrate(self.STORE, self.MIGRATIONS)
        return self.database.write()


def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        # pre_ping: a PostgreSQL restarted under a long-running UI process costs one retry, not an error.
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    # A connection per use (as the stores always did): files in many temporary directories are
    # never held open, and threads never share a connection.
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own BEGIN comes late and is always DEFERRED; we issue ours in "begin" below.
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine


def _lock_key(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) - 2**31  # a signed 32-bit key for pg_advisory_xact_lock


_shared: dict[str, Database] = {}
_shared_lock = threading.Lock()


def shared_database(url: str) -> Database:
    """One Database (one connection pool) per server URL in this process, shared by all stores."""
    with _shared_lock:
        if url not in _shared:
            _shared[url] = Database(url)
        return _shared[url]


def open_database(settings: Settings, name: str) -> Database:
    """The database a store named ``name`` uses: ``database.url`` when set, else ``<home>/<name>.sqlite3``."""
    url = settings.database.url
    if url is not None and url.get_secret_value().strip():
        return shared_database(url.get_secret_value().strip())
    return Database.sqlite(settings.home / f"{name}.sqlite3")
