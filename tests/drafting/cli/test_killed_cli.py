"""kill -9 of the real `drafter` process while it generates, and of a process saving edits through
the editing service: on restart the drafts database is consistent and the last saved version is
whole. (kill -9 mid-ingest: tests/retrieval/knowledge/test_killed_ingest.py.)"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from drafting.store.drafts import DraftStore
from drafting.writing.stub_llm import StubLLM
from tests.kill_helpers import REPO, python, run_and_kill

FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
DRAFTER = [sys.executable, "-m", "drafting"]


def consistent(db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every draft's latest_version is a version that exists, and versions are numbered 1..n
        for draft_id, latest in db.execute("SELECT id, latest_version FROM drafts"):
            numbers = [
                n
                for (n,) in db.execute(
                    "SELECT number FROM versions WHERE draft_id = ? ORDER BY number", (draft_id,)
                )
            ]
            assert numbers == list(range(1, latest + 1)), (draft_id, numbers, latest)


def test_drafter_draft_and_regenerate_killed_mid_generation(settings, monkeypatch) -> None:
    with StubLLM() as stub:
        env = {"DRAFTER_LLM__BASE_URL": stub.base_url, "DRAFTER_LLM__REPAIR_ATTEMPTS": "0"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        first = subprocess.run(
            [*DRAFTER, "draft", "--facts", str(FACTS), "--no-retrieval", "--json", "--out", str(settings.home / "a.docx")],
            cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        draft_id = json.loads(first.stdout)["id"]
        saved = DraftStore(settings.drafts_db_path).get_version(draft_id)

        released = threading.Event()  # set at the end, so no handler thread outlives the test
        stub.set_responder(lambda messages: "" if released.wait(120) else "")  # never answers in time
        for argv in (
            [
                *DRAFTER,
                "draft",
                "--facts",
                str(FACTS),
                "--no-retrieval",
                "--out",
                str(settings.home / "b.docx"),
            ],
            [*DRAFTER, "regenerate", draft_id, "work:0", "--no-retrieval"],
        ):
            # Killed once the model has been asked (the process is waiting for the answer).
            kill_when_asked(argv, stub, asked=len(stub.chat_requests))
        released.set()
    consistent(settings.drafts_db_path)
    store = DraftStore(settings.drafts_db_path)
    assert [d.id for d in store.list_drafts()] == [draft_id]  # the killed draft left nothing behind
    assert store.get_version(draft_id).number == saved.number
    assert store.get_version(draft_id).draft.sections == saved.draft.sections


def kill_when_asked(argv: list[str], stub: StubLLM, asked: int) -> None:
    process = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 120
        while len(stub.chat_requests) <= asked and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(stub.chat_requests) > asked, (
            process.stderr.read() if process.poll() is not None else "timeout"
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stderr.close()


SAVING_EDITS = """
import sys
from argon2 import PasswordHasher
from drafting.facts.files import parse_facts_file
from drafting.service.facade import DraftingService
from drafting.settings import Settings
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.store.drafts import DraftStore
from drafting.store.reviews import ReviewStore, reviews_db_path
settings = Settings()
users = UserStore(accounts_db_path(settings.home), hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
if users.get("w1") is None:
    users.add("w1", "writer", "12345678")
service = DraftingService(settings, users=users, reviews=ReviewStore(reviews_db_path(settings.home)),
                          drafts=DraftStore(settings.drafts_db_path), knowledge_base=lambda: None, chat=None,
                          render_pages=lambda docx, out: [])
draft_id = service.drafts.start_draft("w1", parse_facts_file(sys.argv[1])).draft.id
list(service.generation.generate("w1", draft_id))
n = 0
while True:
    n += 1
    draft = service.editing.save_section("w1", draft_id, "closing", f"第{n}次修改的结尾。" * 50)
    print("saved", draft_id, draft.version, n, flush=True)
"""


def test_killed_while_saving_edits_keeps_the_last_saved_version_whole(settings) -> None:
    # Saves one after another; killed at the 40th confirmation, in the middle of the next save.
    lines = run_and_kill(
        python(SAVING_EDITS, FACTS), when=lambda line: line.startswith("saved") and line.endswith(" 40")
    )
    _, draft_id, version, n = lines[-1].split()
    consistent(settings.drafts_db_path)
    store = DraftStore(settings.drafts_db_path)
    latest = store.get_version(draft_id)
    assert latest.number in (int(version), int(version) + 1)  # the save under way: all or nothing
    closing = next(s for s in latest.draft.sections if s.key == "closing")
    done = int(n) + (latest.number - int(version))
    assert [p.text for p in closing.paragraphs] == [f"第{done}次修改的结尾。" * 50]
    assert store.get_version(draft_id, int(version)).number == int(version)  # the confirmed one is there
