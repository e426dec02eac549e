"""Load test of the web UI: N concurrent signed-in sessions each draft a report and export it.

Starts the local stub model and a real `drafter serve` (own data directory, users added through
the CLI), then drives every session through the same endpoints the browser uses, with
gradio_client: prepare (facts → draft), generate the whole report (streamed), export the .docx.
Prints latency percentiles per step and for the whole session.

    .venv/bin/python scripts/load_ui.py [--sessions 10] [--delay 0.5] [--token-delay 0.01]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from gradio_client import Client

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from drafting.writing.stub_llm import StubLLM  # noqa: E402

PASSWORD = "load-test-pass"
FACTS = [
    ["工作", "干部教育培训", "举办科级干部培训班3期，培训干部180人次"],
    ["工作", "基层组织建设", "完成12个软弱涣散村党组织整顿"],
    ["工作", "人才工作", "引进高层次人才15名"],
    ["问题", "", "基层党组织书记年龄结构偏大"],
    ["计划", "干部教育培训", "下半年再举办专题培训班2期"],
    ["计划", "基层组织建设", "推进村“两委”换届准备"],
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in_client(url: str, user: str, downloads: Path, password: str = PASSWORD) -> Client:
    """A gradio_client session signed in on /signin as a browser is (the app refuses Gradio's own
    /login). Every cookie of the answer is kept: the session, and a proxy's routing cookie."""
    answer = httpx.post(
        f"{url}/signin", data={"username": user, "password": password}, follow_redirects=False, timeout=120
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in answered HTTP {answer.status_code}")
    return Client(
        url,
        verbose=False,
        analytics_enabled=False,
        download_files=str(downloads / user),
        httpx_kwargs={"cookies": dict(answer.cookies)},
    )


def prepare_draft(client: Client, facts: list[list[str]], org: str) -> object:
    """The facts tab's "prepare" button, through its endpoint: a half-year report of ``org`` from
    ``facts`` (rows of part, area, fact)."""
    return client.predict(
        {"headers": ["部分", "方面", "事实"], "data": facts, "metadata": None},
        "half-year",
        org,
        "2026年上半年",
        "2026年下半年",
        "",  # superior: from prompts/bodies.yaml
        False,  # subheadings in the register, not plain
        "",  # date: the default
        api_name="/prepare",
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def start_server(home: Path, stub: StubLLM, sessions: int) -> tuple[subprocess.Popen, str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        DRAFTER_HOME=str(home),
        DRAFTER_CONFIG=str(home / "absent.toml"),
        DRAFTER_LLM__BASE_URL=stub.base_url,
        DRAFTER_LLM__MODEL=stub.model,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    for i in range(sessions):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "drafting",
                "users",
                "add",
                f"load{i:02d}",
                "--role",
                "writer",
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
    port = free_port()
    log = (home / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drafting",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ingest",
            str(REPO / "corpus" / "reports"),
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"drafter serve exited:\n{(home / 'serve.log').read_text()}")
        try:
            if httpx.get(url + "/signin", timeout=2).status_code == 200:
                return process, url, env
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("drafter serve did not start within 300 s")


def session(
    url: str,
    user: str,
    timings: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
    downloads: Path,
) -> None:
    marks: dict[str, float] = {}
    try:
        started = time.perf_counter()
        client = signed_in_client(url, user, downloads)
        marks["sign-in"] = time.perf_counter() - started
        t = time.perf_counter()
        prepare_draft(client, FACTS, f"负载测试单位{user}")
        marks["prepare"] = time.perf_counter() - t
        t = time.perf_counter()
        client.predict(None, api_name="/generate_all")
        marks["generate"] = time.perf_counter() - t
        t = time.perf_counter()
        exported = client.predict(False, api_name="/export")
        marks["export"] = time.perf_counter() - t
        if not str(exported).endswith(".docx"):
            raise RuntimeError(f"export returned {exported!r}")
        marks["session"] = time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - every failure is reported in the summary
        with lock:
            errors.append(f"{user}: {type(exc).__name__}: {exc}")
        return
    with lock:
        for step, seconds in marks.items():
            timings.setdefault(step, []).append(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.5, help="stub model delay before each answer (s)")
    parser.add_argument(
        "--token-delay", type=float, default=0.01, help="stub model delay per streamed chunk (s)"
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="drafter-load-") as tmp,
        StubLLM(delay_s=args.delay, token_delay_s=args.token_delay) as stub,
    ):
        home = Path(tmp) / "home"
        home.mkdir()
        print(
            f"starting drafter serve (ingesting corpus/reports), stub model delay {args.delay}s …", flush=True
        )
        process, url, _ = start_server(home, stub, args.sessions)
        try:
            timings: dict[str, list[float]] = {}
            errors: list[str] = []
            lock = threading.Lock()
            threads = [
                threading.Thread(target=session, args=(url, f"load{i:02d}", timings, errors, lock, Path(tmp)))
                for i in range(args.sessions)
            ]
            wall = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - wall
        finally:
            process.terminate()
            process.wait(timeout=30)
        chat_requests = len(stub.chat_requests)

    print(
        f"\n{args.sessions} concurrent sessions, wall time {wall:.1f} s, {chat_requests} model requests, "
        f"{len(errors)} failed"
    )
    print(f"{'step':<10}{'n':>4}{'p50 (s)':>10}{'p95 (s)':>10}{'max (s)':>10}{'mean (s)':>10}")
    for step in ("sign-in", "prepare", "generate", "export", "session"):
        values = timings.get(step, [])
        if values:
            print(
                f"{step:<10}{len(values):>4}{percentile(values, 0.5):>10.2f}{percentile(values, 0.95):>10.2f}"
                f"{max(values):>10.2f}{statistics.mean(values):>10.2f}"
            )
    for error in errors:
        print("FAILED", error)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
