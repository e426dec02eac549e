"""Sections written in writer processes: the same draft and events as in threads, cancelling, a
writer process that dies, and one whose web process died. A real stub endpoint throughout, talked
to by the real OpenAI client from the writer process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from test_pipeline import FACTS, KEYS

from drafting.facts.sheet import parse_facts_mapping
from drafting.writing.chat import OpenAIChatModel, ScriptedChatModel
from drafting.writing.pipeline import DraftingCancelled, DraftingListener, DraftingPipeline
from drafting.writing.stub_llm import StubLLM
from drafting.writing.templates import PromptLibrary
from drafting.writing.writer_processes import WriterProcessDied, WriterProcesses

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class NotHere(OpenAIChatModel):
    """Fails if asked for an answer in this process: only its endpoint may travel."""

    def stream(self, *args, **kwargs):
        raise AssertionError("written in the web process")

    def complete(self, *args, **kwargs):
        raise AssertionError("written in the web process")


class Recorder(DraftingListener):
    def __init__(self, on_delta=None) -> None:
        self.events: list[tuple[str, str]] = []
        self.text: dict[str, str] = {}
        self._on_delta = on_delta
        self.lock = threading.Lock()

    def on_section_start(self, key: str) -> None:
        with self.lock:
            self.events.append(("start", key))

    def on_delta(self, key: str, text: str) -> None:
        with self.lock:
            self.text[key] = self.text.get(key, "") + text
        if self._on_delta is not None:
            self._on_delta(key)

    def on_section_done(self, section) -> None:
        with self.lock:
            self.events.append(("done", section.key))

    def on_progress(self, done: int, total: int) -> None:
        with self.lock:
            self.events.append(("progress", f"{done}/{total}"))


@pytest.fixture
def writers():
    pool = WriterProcesses(1)
    yield pool
    pool.close()


def pipeline(settings, chat, writers=None) -> DraftingPipeline:
    return DraftingPipeline(
        outlines_dir=settings.outlines_dir,
        prompts=PromptLibrary(settings.templates_dir),
        chat=chat,
        concurrency=2,
        writer_processes=writers,
    )


def test_a_draft_from_a_writer_process_equals_one_from_threads(settings, writers) -> None:
    sheet = parse_facts_mapping(FACTS)
    with StubLLM() as stub:
        here = pipeline(settings, OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0))
        in_threads = here.run(sheet)
        away = pipeline(settings, NotHere(base_url=stub.base_url, model=stub.model, max_retries=0), writers)
        recorder = Recorder()
        in_process = away.run(sheet, listener=recorder)
    assert [s.key for s in in_process.sections] == [s.key for s in in_threads.sections]
    assert set(KEYS) <= {s.key for s in in_process.sections}
    for a, b in zip(in_process.sections, in_threads.sections, strict=True):
        assert (a.mode, a.status, [p.text for p in a.paragraphs]) == (
            b.mode,
            b.status,
            [p.text for p in b.paragraphs],
        )
    assert [f.kind for f in in_process.flags] == [f.kind for f in in_threads.flags]
    starts = [k for kind, k in recorder.events if kind == "start"]
    assert sorted(starts) == sorted(KEYS) and recorder.events[-1] == ("progress", f"{len(KEYS)}/{len(KEYS)}")
    # The streamed text arrived, gathered into fewer messages but all of it.
    assert all(recorder.text.get(k) for k in KEYS if k != "closing")


def test_a_model_that_cannot_travel_writes_in_this_process(settings, writers) -> None:
    sheet = parse_facts_mapping(FACTS)
    draft = pipeline(settings, ScriptedChatModel([lambda messages: "一是加强培训。"] * 20), writers).run(
        sheet
    )
    assert draft.sections and writers._workers == []  # never started


def test_cancelling_stops_the_writer_process_mid_stream(settings, writers) -> None:
    sheet = parse_facts_mapping(FACTS)
    cancel = threading.Event()
    with StubLLM(token_delay_s=0.05) as stub:
        recorder = Recorder(on_delta=lambda key: cancel.set())
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0)
        started = time.monotonic()
        with pytest.raises(DraftingCancelled):
            pipeline(settings, chat, writers).run(sheet, listener=recorder, cancel=cancel)
        stopped = time.monotonic() - started
        asked = len(stub.chat_requests)
        time.sleep(1.0)
        assert len(stub.chat_requests) == asked  # nothing written on for nobody
    assert stopped < 10 and asked < len(KEYS)


def test_a_writer_process_that_dies_fails_its_run_and_is_replaced(settings, writers) -> None:
    sheet = parse_facts_mapping(FACTS)
    killed: list[int] = []

    def kill_once(key: str) -> None:
        if not killed:
            killed.append(writers._workers[0].process.pid)
            os.kill(killed[0], signal.SIGKILL)

    with StubLLM(token_delay_s=0.02) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0)
        with pytest.raises(WriterProcessDied, match="写作进程意外退出"):
            pipeline(settings, chat, writers).run(sheet, listener=Recorder(on_delta=kill_once))
        fresh = StubLLM()
        with fresh:
            again = pipeline(settings, OpenAIChatModel(base_url=fresh.base_url, model=fresh.model), writers)
            draft = again.run(sheet)
    assert set(KEYS) <= {s.key for s in draft.sections if s.status == "done"}
    assert writers._workers[0].process.pid != killed[0]


def test_a_writer_process_leaves_when_its_web_process_is_killed(tmp_path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, threading, time
        sys.path[:0] = [{REPO!r}, {os.path.join(REPO, "tests", "drafting", "writing")!r}]
        from drafting.facts.sheet import parse_facts_mapping
        from drafting.settings import Settings
        from drafting.writing.chat import OpenAIChatModel
        from drafting.writing.pipeline import DraftingListener, DraftingPipeline
        from drafting.writing.stub_llm import StubLLM
        from drafting.writing.templates import PromptLibrary
        from drafting.writing.writer_processes import WriterProcesses
        from test_pipeline import FACTS

        if __name__ == "__main__":
            settings, pool = Settings(), WriterProcesses(1)
            stub = StubLLM(token_delay_s=0.2).start()

            class Tell(DraftingListener):
                def on_delta(self, key, text):
                    print("writer", pool._workers[0].process.pid, flush=True)

            chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model)
            p = DraftingPipeline(settings.outlines_dir, PromptLibrary(settings.templates_dir), chat,
                                 writer_processes=pool)
            p.run(parse_facts_mapping(FACTS), listener=Tell())
        """
    )
    path = tmp_path / "web.py"
    path.write_text(script, encoding="utf-8")
    web = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert web.stdout is not None
        line = web.stdout.readline()
        assert line.startswith("writer "), line
        writer = int(line.split()[1])
        web.kill()
        web.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(writer):
            time.sleep(0.1)
        assert not _alive(writer)
    finally:
        web.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
