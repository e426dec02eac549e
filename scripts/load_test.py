"""Load test: N concurrent users searching, drafting, editing and exporting through real web servers,
against one UI process (the defaults: SQLite, embedded Chroma) and against two UI processes behind
one nginx address (scripts/nginx_site.conf), sharing the back ends of a team deployment
(PostgreSQL, a Chroma server, one data directory); `one-team` is one UI process on those back ends.

    .venv/bin/python scripts/load_test.py [--users 20] [--rounds 2] [--setups one one-team two]
        [--think 0] [--delay 0.2] [--token-delay 0.005] [--no-settle] [--timeline FILE]

Each setup: the local stub model (`drafter stub-llm`, in a process of its own so that its streaming
does not queue behind this script's clients), users added and the sample corpus ingested with the
CLI, then `drafter serve` process(es), waited for until their start-up work is done (the background
warm-up goes on after the sign-in page answers; --no-settle starts the users at once); with two,
every user goes through nginx, whose routing cookie keeps each to one process. Every user signs in
(gradio_client, the browser's endpoints) and does --rounds times: search the knowledge base (part
filter), prepare a draft from facts (figures differing per user and round, so no search is answered
from another user's cached one), generate it (model time: reported apart), show the saved draft
(what the page runs when a generation ends), save an edited section with a unique marker, export
the .docx.

With --think 0 (the default) every user fires each action as soon as the last one answered, so all
20 act at the same instant: the worst case. --think S gives each user a pause before every action,
drawn evenly from 0.5 S to 1.5 S (seeded per user, so runs repeat), and starts the users spread
over the first S seconds: people reading a page and typing between clicks.

Prints throughput, p50/p95/p99 latency per action and the errors, the CPU the UI processes and this
script's own clients used, then checks in the database that every user's drafts and every saved
marker are there (nothing lost). PostgreSQL and Chroma are throw-away servers on loopback
(scripts/local_servers.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from load_ui import FACTS, PASSWORD, free_port, prepare_draft, signed_in_client  # noqa: E402
from local_servers import chroma_server, create_database, nginx_front, postgres_cluster  # noqa: E402

from drafting.settings import Settings  # noqa: E402
from drafting.store.database import Database  # noqa: E402
from drafting.store.drafts import DraftStore  # noqa: E402

PAGE_ACTIONS = ("sign-in", "search", "prepare", "after generate", "save edit", "export")
ACTIONS = (*PAGE_ACTIONS, "generate (model)")
QUERIES = ("干部教育培训", "基层组织建设 存在问题", "人才引进", "下半年工作打算", "党建引领")


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "drafting", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"drafter {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def start_servers(env: dict[str, str], count: int, home: Path) -> tuple[list[subprocess.Popen], list[str]]:
    processes, urls = [], []
    for i in range(count):
        port = free_port()
        log = (home / f"serve-{i}.log").open("w")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "drafting", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(processes, urls, home)
    except BaseException:
        _stop(processes)  # never leave a server behind a failed start
        raise
    return processes, urls


def _wait_until_up(processes: list[subprocess.Popen], urls: list[str], home: Path) -> None:
    deadline = time.monotonic() + 300
    for i, (process, url) in enumerate(zip(processes, urls, strict=True)):
        wait_until_answering(process, url + "/signin", deadline, "drafter serve", home / f"serve-{i}.log")


def wait_until_answering(process: subprocess.Popen, url: str, deadline: float, what: str, log: Path) -> None:
    """Poll ``url`` until it answers 200; stop with the process's log if it exits or time runs out."""
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not answer {url} (exited, or the time ran out):\n{log.read_text()}")
        time.sleep(0.3)


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {a: [] for a in ACTIONS}
        self.errors: dict[str, list[str]] = {a: [] for a in ACTIONS}
        self.saved: dict[str, list[str]] = {}  # user → markers saved successfully
        self.events: list[tuple[str, str, float, float, bool]] = []  # user, action, start, seconds, ok

    def timed(self, action: str, user: str, call):  # noqa: ANN001, ANN202
        wall, start = time.time(), time.perf_counter()
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            with self.lock:
                self.errors[action].append(f"{user}: {type(exc).__name__}: {str(exc)[:200]}")
                self.events.append((user, action, wall, time.perf_counter() - start, False))
            raise
        with self.lock:
            self.times[action].append(time.perf_counter() - start)
            self.events.append((user, action, wall, self.times[action][-1], True))
        return result


def user_facts(user: str, round_no: int) -> list[list[str]]:
    """FACTS with every figure moved by the user's number and the round, so each prepare's
    searches are its own, never answered from the search cache by another user's."""
    shift = int(user[-2:]) * 10 + round_no + 1
    return [
        [part, area, re.sub(r"\d+", lambda m: str(int(m.group()) + shift), text)]
        for part, area, text in FACTS
    ]


def user_session(url: str, user: str, rounds: int, rec: Recorder, downloads: Path, think: float) -> None:
    pause = random.Random(user)  # noqa: S311 - think times, not secrets

    def timed(action: str, call):  # noqa: ANN001, ANN202
        if think:
            time.sleep(pause.uniform(0.5 * think, 1.5 * think))
        return rec.timed(action, user, call)

    if think:  # people do not all arrive in the same second
        time.sleep(pause.uniform(0, think))
    try:
        client = timed("sign-in", lambda: signed_in_client(url, user, downloads))
    except Exception:  # noqa: BLE001 - recorded
        return
    for r in range(rounds):
        marker = f"负载测试修改{user}第{r}轮"
        try:
            # A number of the user's own, so no search is answered from another user's cached one.
            query = f"{QUERIES[(int(user[-2:]) + r) % len(QUERIES)]} {int(user[-2:]) * 10 + r}"
            facts = user_facts(user, r)
            timed("search", lambda q=query: client.predict(q, "problems", "", "", 8, api_name="/search"))
            timed("prepare", lambda facts=facts: prepare_draft(client, facts, f"负载测试单位{user}"))
            timed("generate (model)", lambda: client.predict(None, api_name="/generate_all"))
            # What the browser runs when the stream ends: the page shows the saved draft.
            timed("after generate", lambda: client.predict(None, api_name="/run_over"))
            text = f"{marker}：举办科级干部培训班3期，培训干部180人次。"
            timed("save edit", lambda t=text: client.predict("work:0", t, api_name="/save_section"))
            with rec.lock:
                rec.saved.setdefault(user, []).append(marker)
            exported = timed("export", lambda: client.predict(False, api_name="/export"))
            if not str(exported).endswith(".docx"):
                with rec.lock:
                    rec.errors["export"].append(f"{user}: export returned {exported!r}")
        except Exception:  # noqa: BLE001 - recorded; the next round starts afresh
            continue


def lost_items(settings: Settings, users: list[str], rec: Recorder) -> list[str]:
    """Every marker a user saved must be in a version of one of their drafts (each round prepares
    the same draft again, so a later round's version replaces the text, never the version)."""
    store = DraftStore.from_settings(settings)
    lost = []
    for user in users:
        texts = []
        for summary in store.list_drafts(owner=user):
            for version in store.list_versions(summary.id):
                draft = store.get_version(summary.id, version.number).draft
                texts.append("\n".join(p.text for s in draft.sections for p in s.paragraphs))
        for marker in rec.saved.get(user, []):
            if not any(marker in t for t in texts):
                lost.append(f"{user}: {marker}")
    return lost


def run_setup(
    name: str, args: argparse.Namespace, stub: StubProcess, stack: ExitStack, scratch: Path
) -> list[str]:
    home = scratch / name / "home"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        PYTHONPATH=str(REPO), DRAFTER_HOME=str(home), DRAFTER_CONFIG=str(home / "absent.toml"),
        DRAFTER_LLM__BASE_URL=stub.base_url, DRAFTER_LLM__MODEL=stub.model, DRAFTER_UI__CONCURRENCY="32",
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
    )  # fmt: skip
    processes = 1
    if name in ("two", "one-team"):
        admin_url = stack.enter_context(postgres_cluster())
        host, port = stack.enter_context(chroma_server())
        env.update(
            DRAFTER_DATABASE__URL=create_database(admin_url, "drafter"),
            DRAFTER_CHROMA__HOST=host, DRAFTER_CHROMA__PORT=str(port),
        )  # fmt: skip
        processes = 2 if name == "two" else 1
    users = [f"load{i:02d}" for i in range(args.users)]
    for user in users:
        cli(env, "users", "add", user, "--role", "writer", "--password-stdin", stdin=PASSWORD + "\n")
    cli(env, "ingest", str(REPO / "corpus" / "reports"))
    servers, urls = start_servers(env, processes, home)
    stack.callback(_stop, servers)
    if args.settle:
        print(settle([s.pid for s in servers]), flush=True)
    front = None
    if len(urls) > 1:  # one address in front, with the README's nginx site file
        front = stack.enter_context(nginx_front([u.removeprefix("http://") for u in urls], base=scratch))
        urls = [front.url]
    rec = Recorder()
    threads = [
        threading.Thread(
            target=user_session, args=(urls[i % len(urls)], u, args.rounds, rec, scratch / name, args.think)
        )
        for i, u in enumerate(users)
    ]
    server_cpu, own_cpu = cpu_seconds([s.pid for s in servers]), _own_cpu()
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    cpu = {"servers": cpu_seconds([s.pid for s in servers]) - server_cpu, "clients": _own_cpu() - own_cpu}
    database = env.get("DRAFTER_DATABASE__URL")
    settings = Settings(home=home, database={"url": database} if database else {})  # type: ignore[arg-type]
    lost = lost_items(settings, users, rec)
    if database:
        Database(database).dispose()
    label = {
        "one": "1 UI process, SQLite + embedded Chroma",
        "one-team": "1 UI process, PostgreSQL + Chroma server",
        "two": "2 UI processes behind nginx, PostgreSQL + Chroma server",
    }[name]
    lines = report(label, args, rec, wall, lost, cpu)
    if args.timeline is not None:
        write_timeline(args.timeline, name, rec)
    if front is not None:
        spread = ", ".join(f"{upstream}: {n}" for upstream, n in front.users_per_process().items())
        lines.append(f"browsers per UI process (nginx routing cookie): {spread}")
        print(lines[-1], flush=True)
    return lines


def write_timeline(path: Path, setup: str, rec: Recorder) -> None:
    """Append the setup's actions to the CSV at ``path`` (its header written when it is new)."""
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        if new:
            out.writerow(["setup", "user", "action", "start", "seconds", "ok"])
        for user, action, start, seconds, ok in sorted(rec.events, key=lambda e: e[2]):
            out.writerow([setup, user, action, f"{start:.3f}", f"{seconds:.3f}", int(ok)])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def settle(pids: list[int], *, idle_share: float = 0.05, limit_s: float = 60.0) -> str:
    """Wait until the UI processes are done starting up: `drafter serve` answers before its
    background warm-up (embedding model, jieba's dictionary, the lexical index) has finished, and
    the figures are for a server in use, not one starting. Idle: under 5 % of a core for 1 s."""
    started, before = time.monotonic(), cpu_seconds(pids)
    last = before
    while time.monotonic() - started < limit_s:
        time.sleep(1.0)
        now = cpu_seconds(pids)
        if now - last < idle_share * len(pids):
            break
        last = now
    return (
        f"UI processes settled {time.monotonic() - started:.1f} s after answering "
        f"({cpu_seconds(pids) - before:.1f} s of CPU in start-up work since)"
    )


def _own_cpu() -> float:
    # This script's threads are the users' browsers and share the 2 cores with the servers.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class StubProcess:
    base_url: str
    model: str = "stub-model"


@contextmanager
def stub_process(delay: float, token_delay: float, log: Path) -> Iterator[StubProcess]:
    """`drafter stub-llm` on a free loopback port, stopped when the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "drafting", "stub-llm", "--port", str(port)]
    command += ["--delay", str(delay), "--token-delay", str(token_delay)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    stub = StubProcess(f"http://127.0.0.1:{port}/v1")
    try:
        wait_until_answering(
            process, stub.base_url + "/models", time.monotonic() + 60, "drafter stub-llm", log
        )
        yield stub
    finally:
        _stop([process])


def _stop(servers: list[subprocess.Popen]) -> None:
    for process in servers:
        process.terminate()
    for process in servers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def report(
    label: str, args: argparse.Namespace, rec: Recorder, wall: float, lost: list[str], cpu: dict[str, float]
) -> list[str]:
    done = sum(len(v) for v in rec.times.values())
    failed = sum(len(v) for v in rec.errors.values())
    cores = os.cpu_count() or 1
    pace = f"think {args.think:g} s" if args.think else "no think time (all at once)"
    lines = [
        f"\n### {label}: {args.users} users × {args.rounds} rounds, {pace}, wall {wall:.1f} s, "
        f"{done / wall:.2f} actions/s, {failed} errors, {len(lost)} saved edits lost",
        f"CPU used: UI processes {cpu['servers']:.1f} s, load-test clients {cpu['clients']:.1f} s "
        f"(of {cores * wall:.0f} s on {cores} cores)",
        "",
        "| action | n | errors | p50 (s) | p95 (s) | p99 (s) | max (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for action in ACTIONS:
        values = sorted(rec.times[action])
        if len(values) >= 2:
            q = statistics.quantiles(values, n=100, method="inclusive")
            lines.append(
                f"| {action} | {len(values)} | {len(rec.errors[action])} | {statistics.median(values):.2f} | "
                f"{q[94]:.2f} | {q[98]:.2f} | {values[-1]:.2f} |"
            )
        else:
            lines.append(f"| {action} | {len(values)} | {len(rec.errors[action])} | | | | |")
    for action in ACTIONS:
        lines += [f"ERROR {action}: {e}" for e in rec.errors[action][:5]]
    lines += [f"LOST {item}" for item in lost]
    print("\n".join(lines), flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--setups", nargs="+", choices=("one", "one-team", "two"), default=["one", "two"])
    parser.add_argument("--think", type=float, default=0.0, help="mean pause before each action (s)")
    parser.add_argument("--delay", type=float, default=0.2, help="stub model delay before each answer (s)")
    parser.add_argument(
        "--no-settle",
        dest="settle",
        action="store_false",
        help="start the users as soon as the servers answer, during their warm-up (a restart under load)",
    )
    parser.add_argument("--token-delay", type=float, default=0.005, help="stub delay per streamed chunk (s)")
    parser.add_argument(
        "--timeline",
        type=Path,
        help="also write every action to this CSV (setup, user, action, start as Unix time, seconds, ok): "
        "what else was running when an action was slow",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="drafter-load-") as tmp:
        for name in args.setups:
            with (
                ExitStack() as stack,
                stub_process(args.delay, args.token_delay, Path(tmp) / f"stub-{name}.log") as stub,
            ):
                lines = run_setup(name, args, stub, stack, Path(tmp))
                failures += sum(1 for line in lines if line.startswith(("ERROR", "LOST")))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
