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
