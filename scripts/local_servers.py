"""Throw-away PostgreSQL and Chroma servers on loopback, for the tests and the load script.

PostgreSQL runs as an unprivileged cluster in a temporary directory (initdb + pg_ctl from the
Debian package, on a free 127.0.0.1 port), never the system service. As root, the cluster runs as
the ``postgres`` user the package creates, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_USER = "drafter"


class ServerUnavailable(RuntimeError):
    """The server cannot be started here; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's versioned directory)."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise ServerUnavailable(
        "PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/setup.sh --system)"
    )


@contextmanager
def postgres_cluster(base: Path | None = None) -> Iterator[str]:
    """Start a cluster; yields its admin URL (database ``postgres``); stops and removes it after."""
    bindir = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="drafter-pg-", dir=base))
    data, port = root / "data", free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable(
                "running as root and there is no 'postgres' user to run PostgreSQL as"
            ) from None
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    log = root / "server.log"

    def run(*cmd: str) -> None:
        done = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ServerUnavailable(
                f"{Path(cmd[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            )

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", POSTGRES_USER, "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync")  # fmt: skip
        # Loopback only, no unix socket (its path length and directory rights vary); fsync off:
        # a throw-away cluster needs no durability and the tests run faster without it.
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=off"
        options += " -c max_connections=200"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the cluster; returns its URL."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def chroma_server(base: Path | None = None, path: Path | None = None) -> Iterator[tuple[str, int]]:
    """`chroma run` on a free loopback port with its data in ``path`` (default: a temporary directory)."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        raise ServerUnavailable(f"{chroma} not found (chromadb installs it)")
    root = Path(tempfile.mkdtemp(prefix="drafter-chroma-", dir=base))
    port = free_port()
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path or root / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"chroma did not start: {(root / 'server.log').read_text(errors='replace')}"
                )
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
