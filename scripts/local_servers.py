"""Throw-away PostgreSQL, Chroma and nginx servers on loopback, for the tests and the load script.

PostgreSQL runs as an unprivileged cluster in a temporary directory (initdb + pg_ctl from the
Debian package, on a free 127.0.0.1 port), never the system service. As root, the cluster runs as
the ``postgres`` user the package creates, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
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


class ChromaServer:
    """`chroma run` on a loopback port with its data in ``data``, which a test can stop (as an
    outage: SIGKILL) and start again on the same port and data, to inject a restart."""

    def __init__(self, data: Path, port: int | None = None, db: Path | None = None) -> None:
        self.data, self.port = data, port or free_port()
        self.db = db or data / "db"  # the Chroma database served (an existing one, for a benchmark)
        self.host = "127.0.0.1"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> ChromaServer:
        chroma = Path(sys.executable).with_name("chroma")
        if not chroma.exists():
            raise ServerUnavailable(f"{chroma} not found (chromadb installs it)")
        self.data.mkdir(parents=True, exist_ok=True)
        with (self.data / "server.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(chroma),
                    "run",
                    "--path",
                    str(self.db),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log_text = (self.data / "server.log").read_text(errors="replace")[-2000:]
                raise ServerUnavailable(f"chroma did not start: {log_text}")
            time.sleep(0.1)
        return self

    def healthy(self) -> bool:
        try:
            url = f"http://{self.host}:{self.port}/api/v2/heartbeat"
            with urllib.request.urlopen(url, timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def stop(self, *, graceful: bool = False) -> None:
        """Stop the server: SIGKILL by default, as an outage would (no goodbye to clients)."""
        if self._process is None:
            return
        if graceful:
            self._process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=30)
        self._process = None

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop(graceful=True)


@contextmanager
def chroma_server(base: Path | None = None, path: Path | None = None) -> Iterator[tuple[str, int]]:
    """`chroma run` on a free loopback port serving the Chroma database at ``path`` (default: a new
    one in a temporary directory, which also holds the server's log)."""
    root = Path(tempfile.mkdtemp(prefix="drafter-chroma-", dir=base))
    server = ChromaServer(root, db=path)
    try:
        with server:
            yield server.host, server.port
    finally:
        shutil.rmtree(root, ignore_errors=True)


NGINX_SITE = Path(__file__).with_name("nginx_site.conf")  # the site file the README gives a team


@dataclass
class NginxFront:
    url: str
    access_log: Path

    def users_per_process(self) -> dict[str, int]:
        """How many distinct routing cookies (browsers) each UI process served, from the log."""
        seen: dict[str, set[str]] = {}
        for line in self.access_log.read_text(errors="replace").splitlines():
            upstream, _, route = line.partition(" ")
            if route not in ("", "-") and upstream != "-":
                seen.setdefault(upstream, set()).add(route)
        return {upstream: len(routes) for upstream, routes in sorted(seen.items())}


def nginx_site(upstreams: Sequence[str], port: int) -> str:
    """scripts/nginx_site.conf with these UI processes (host:port) and this loopback port."""
    site, replaced = re.subn(
        r"(upstream drafter \{\n    hash [^\n]*\n)(?:    server [^\n]*\n)+",
        lambda m: m.group(1) + "".join(f"    server {u};\n" for u in upstreams),
        NGINX_SITE.read_text(),
    )
    site, listens = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{port};", site)
    if replaced != 1 or listens != 1:
        raise ServerUnavailable(
            f"{NGINX_SITE} no longer has the upstream block or listen line this script edits"
        )
    return site


@contextmanager
def nginx_front(
    upstreams: Sequence[str], base: Path | None = None, timeout_s: float = 20
) -> Iterator[NginxFront]:
    """nginx on a free loopback port in front of these UI processes (host:port), configured by
    the README's site file, as a foreground process with its files in a temporary directory."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise ServerUnavailable("nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    site = nginx_site(upstreams, port)
    prefix = Path(tempfile.mkdtemp(prefix="drafter-nginx-", dir=base))
    access_log = prefix / "access.log"
    temporary = " ".join(
        f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"{'user root;' if os.geteuid() == 0 else ''}\n"
        f"worker_processes 1;\nerror_log {prefix / 'error.log'};\npid {prefix / 'nginx.pid'};\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n{temporary}\n"
        f"log_format routes '$upstream_addr $cookie_drafter_route';\naccess_log {access_log} routes;\n"
        f"{site}\n}}\n"
    )
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                errors = (
                    (prefix / "error.log").read_text(errors="replace")[-2000:]
                    if (prefix / "error.log").exists()
                    else ""
                )
                raise ServerUnavailable(f"nginx did not start: {errors}")
            time.sleep(0.1)
        yield NginxFront(f"http://127.0.0.1:{port}", access_log)
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
        shutil.rmtree(prefix, ignore_errors=True)
