"""The stores' tests run against both back ends: a SQLite file and a real PostgreSQL on loopback.

PostgreSQL is a throw-away cluster (scripts/local_servers.py), one per test session, with a fresh
database per test. Where it cannot start, its tests skip with the reason, unless
DRAFTER_TEST_REQUIRE_POSTGRES=1 (set by `make test`, so CI never skips them silently).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from drafting.store.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from local_servers import ServerUnavailable, create_database, postgres_cluster  # noqa: E402

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_cluster())
        except ServerUnavailable as exc:
            if os.environ.get("DRAFTER_TEST_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"PostgreSQL is required here and did not start: {exc}")
            pytest.skip(f"PostgreSQL unavailable: {exc}")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of each kind; the stores of one test share it."""
    if request.param == "sqlite":
        db = Database.sqlite(tmp_path / "store.sqlite3")
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        db = Database(create_database(admin, f"test_{os.getpid()}_{next(_numbers)}"))
    yield db
    db.dispose()
