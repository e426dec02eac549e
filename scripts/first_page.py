"""Time `make run` to its first page: `drafter serve --ingest corpus/reports` on an empty data
directory, seconds from start to the first HTTP 200 on `/`. Prints one line per run with the load
average, so figures from a shared machine can be read honestly.

    .venv/bin/python scripts/first_page.py [--runs 2] [--repo PATH] [--port 7911]

`--repo` times another checkout (its own code and corpus, this interpreter), to compare before and
after a change on the same machine. The server gets no network beyond loopback to begin with; the
run sets HF_HUB_OFFLINE as `make run` users have it unset, so a download attempt would show as a
failure, not a delay.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def first_page(repo: Path, port: int, timeout_s: float) -> tuple[float, float | None]:
    """Seconds to the first HTTP 200 on `/`, and to the server's line saying the ingest finished
    (a version that ingests before serving prints it before the page; None if it never came)."""
    with tempfile.TemporaryDirectory(prefix="first-page-") as home:
        env = {
            **os.environ,
            "PYTHONPATH": str(repo),
            "DRAFTER_HOME": home,
            "DRAFTER_UI__ADMIN_PASSWORD": "first-page-pass",
            "HF_HUB_OFFLINE": "1",
        }
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "drafting", "serve", "--ingest", "corpus/reports", "--port", str(port)],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        ingested: list[float] = []

        def watch_output() -> None:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("入库完成"):
                    ingested.append(time.perf_counter() - started)

        threading.Thread(target=watch_output, daemon=True).start()
        try:
            page = None
            while time.perf_counter() - started < timeout_s and not (page and ingested):
                if server.poll() is not None:
                    raise SystemExit(f"the server exited with {server.returncode} before its first page")
                if page is None:
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                            page = time.perf_counter() - started
                    except httpx.HTTPError:
                        pass
                time.sleep(0.2)
            if page is None:
                raise SystemExit(f"no page after {timeout_s:.0f} s")
            return page, ingested[0] if ingested else None
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # only the server this run started, and its children
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--port", type=int, default=7911)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        before = os.getloadavg()[0]
        seconds, ingested = first_page(args.repo.resolve(), args.port, args.timeout)
        searchable = f", ingest finished after {ingested:.1f} s" if ingested else ""
        print(
            f"{args.repo.resolve()} run {run}: first page after {seconds:.1f} s{searchable} "
            f"(load average {before:.1f} at start, {os.getloadavg()[0]:.1f} at end)",
            flush=True,
        )


if __name__ == "__main__":
    main()
