"""Rows of the reliability report that need the whole product: model faults through `drafter draft`
and `drafter regenerate` (the real CLI code in this process, the real openai client, the loopback
stub). Each check returns (outcome, seconds, lost) like the checks in reliability_report.py."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests import model_faults

PROJECT = Path(__file__).resolve().parent.parent
FACTS = PROJECT / "corpus" / "facts" / "half-year.yaml"

Check = Callable[[Path], tuple[str, float, str]]


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cli(*argv: str) -> tuple[int, str, str]:
    from drafting.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def model_fault(fault: model_faults.ModelFault) -> Check:
    """`drafter draft` with the fault on the first section: the outcome is the message the writer
    reads; lost is whether a finished section went missing or the retry could not restore it."""

    def check(work: Path) -> tuple[str, float, str]:
        env = {
            **model_faults.ENV,
            "DRAFTER_HOME": str(work / "home"),
            "DRAFTER_CONFIG": str(work / "none.toml"),
        }
        with model_faults.stub() as stub, environment({**env, "DRAFTER_LLM__BASE_URL": stub.base_url}):
            fault.arm(stub)
            started = time.perf_counter()
            code, out, err = cli(
                "draft", "--facts", str(FACTS), "--json", "--out", str(work / "d.docx"), "--no-retrieval"
            )
            seconds = time.perf_counter() - started
            if code != 3:
                return f"错误：退出码 {code}：{err.strip()[:120]}", seconds, "未知"
            result = json.loads(out)
            failed = [s for s in result["sections"] if s["status"] == "failed"]
            done = {
                s["key"]: [p["text"] for p in s["paragraphs"]]
                for s in result["sections"]
                if s["status"] == "done"
            }
            message = failed[0]["error"] if len(failed) == 1 else "；".join(s["error"] for s in failed)
            if fault.needle not in message or "Traceback" in err:
                return f"错误：消息不清楚：{message}", seconds, "否"
            code, _, err = cli("regenerate", result["id"], failed[0]["key"], "--no-retrieval")
        from drafting.settings import Settings
        from drafting.store.drafts import DraftStore

        with environment(env):
            saved = DraftStore(Settings().drafts_db_path).get_version(result["id"]).draft
        sections = {s.key: s for s in saved.sections}
        kept = all([p.text for p in sections[k].paragraphs] == v for k, v in done.items())
        retried = code == 0 and sections[failed[0]["key"]].status == "done"
        outcome = (
            f"“{message}”；其余 {len(done)} 节已保存，单节重试{'成功' if retried else '失败：' + err.strip()}"
        )
        return outcome, seconds, "否" if kept and retried else "有"

    return check


MODEL_CHECKS: list[tuple[str, Check]] = [
    (f"起草时模型：{fault.name}", model_fault(fault)) for fault in model_faults.MODEL_FAULTS
]


def _saved_draft(work: Path, env: dict[str, str]) -> str:
    with environment(env):
        code, out, err = cli(
            "draft", "--facts", str(FACTS), "--json", "--out", str(work / "a.docx"), "--no-retrieval"
        )
    if code != 0:
        raise RuntimeError(err)
    return str(json.loads(out)["id"])


def _intact(env: dict[str, str], draft_id: str, before: object) -> bool:
    import sqlite3

    from drafting.settings import Settings
    from drafting.store.drafts import DraftStore

    with environment(env):
        path = Settings().drafts_db_path
    with sqlite3.connect(path) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return ok and DraftStore(path).get_version(draft_id).draft.sections == before


def _sections(env: dict[str, str], draft_id: str) -> object:
    from drafting.settings import Settings
    from drafting.store.drafts import DraftStore

    with environment(env):
        return DraftStore(Settings().drafts_db_path).get_version(draft_id).draft.sections


def storage_fault(kind: str) -> Check:
    """`drafter draft` in a child whose data directory is full (RLIMIT_FSIZE) or read-only."""

    def check(work: Path) -> tuple[str, float, str]:
        import subprocess
        import sys

        sys.path.insert(0, str(PROJECT / "tests" / "drafting" / "cli"))
        from test_disk_faults import disk_full_at, without_root_override

        env = {"DRAFTER_HOME": str(work / "home"), "DRAFTER_CONFIG": str(work / "none.toml")}
        draft_id = _saved_draft(work, env)
        before = _sections(env, draft_id)
        home = work / "home"
        if kind == "readonly":
            for folder, _, files in os.walk(home):
                for name in files:
                    os.chmod(Path(folder) / name, 0o444)
                os.chmod(folder, 0o555)
        preexec = disk_full_at(16_000) if kind == "full" else without_root_override
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "drafting", "draft", "--facts", str(FACTS), "--no-retrieval", "--out", str(work / "b.docx")],
            cwd=PROJECT, capture_output=True, text=True, preexec_fn=preexec, env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        )  # fmt: skip
        seconds = time.perf_counter() - started
        for folder, _, files in os.walk(home):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
        message = run.stderr.strip()
        clear = run.returncode == 1 and message.startswith("错误：") and "Traceback" not in message
        outcome = ("拒绝并说明：" if clear else "错误：") + message[:120]
        return outcome, seconds, "否" if _intact(env, draft_id, before) else "已保存的草稿受损"

    return check


def save_conflict(work: Path) -> tuple[str, float, str]:
    """Two writers save the same section from the same version at the same moment."""
    import threading

    sys_path = str(PROJECT / "tests" / "drafting" / "service")
    import sys

    sys.path.insert(0, sys_path)
    from service_fixtures import make_service, write_draft

    from drafting.facts.files import parse_facts_file
    from drafting.service.views import SaveConflict
    from drafting.settings import Settings

    with environment({"DRAFTER_HOME": str(work / "home"), "DRAFTER_CONFIG": str(work / "none.toml")}):
        service = make_service(Settings(), work)
        did = write_draft(service, parse_facts_file(FACTS))
        service.drafts.share("w1", did, "w2", "edit")
        base = service.drafts.open_draft("w1", did).version
        barrier, results = threading.Barrier(2), {}

        def save(user: str) -> None:
            barrier.wait()
            try:
                results[user] = service.editing.save_section(
                    user, did, "closing", f"{user}的结尾。", base_version=base
                )
            except SaveConflict as exc:
                results[user] = exc

        started = time.perf_counter()
        threads = [threading.Thread(target=save, args=(u,)) for u in ("w1", "w2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        conflict = next((r for r in results.values() if isinstance(r, SaveConflict)), None)
        winner = next((u for u, r in results.items() if not isinstance(r, SaveConflict)), None)
        kept = service.editing.save_section("w2" if winner == "w1" else "w1", did, "closing", "保留我的。")
        versions = [v.number for v in service.drafts.open_draft("w1", did).versions]
    if conflict is None or winner is None:
        return f"错误：{results}", seconds, "未知"
    return (
        f"{winner} 保存；另一人收到冲突“{str(conflict)[:40]}…”，选择保留自己的另存为第 {kept.version} 版",
        seconds,
        "否" if versions[-2:] == [base + 1, base + 2] else "有",
    )


def killed_ingest(work: Path) -> tuple[str, float, str]:
    """kill -9 after the third document, the same ingest again, compared with a clean ingest."""
    import subprocess

    from tests.kill_helpers import python, run_and_kill
    from tests.retrieval.knowledge.test_killed_ingest import CORPUS, INGEST, state

    started = time.perf_counter()
    run_and_kill(python(INGEST, work / "killed", CORPUS), when=lambda line: line.startswith("added 3 "))
    subprocess.run(python(INGEST, work / "killed", CORPUS), capture_output=True, cwd=PROJECT, check=True)
    seconds = time.perf_counter() - started
    subprocess.run(python(INGEST, work / "clean", CORPUS), capture_output=True, cwd=PROJECT, check=True)
    after, clean = state(work / "killed"), state(work / "clean")
    same = after == clean
    differ = "、".join(k for k in after if after[k] != clean[k])
    outcome = f"重跑后 {len(after['docs'])} 份文件、{after['vectors']} 个向量，与全新导入" + (
        "一致" if same else f"不一致（{differ}）"
    )
    return outcome, seconds, "否" if same else "不一致"


STORE_CHECKS: list[tuple[str, Check]] = [
    ("两人同时保存同一节", save_conflict),
    ("磁盘已满时起草（RLIMIT_FSIZE）", storage_fault("full")),
    ("数据目录只读时起草", storage_fault("readonly")),
    ("导入中途 kill -9 后重跑", killed_ingest),
]
