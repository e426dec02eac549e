"""Sections written in processes of their own, so a web process only serves pages.

Writing a section is mostly waiting for the model, but the waiting is done by a thread that
parses the model's stream, normalises and checks the answer, and asks for repairs: Python code
that holds the web process's interpreter lock while people click. With twenty writers generating
at once those threads made every page action wait (README, Load). Here the web process keeps
retrieval and the prompts (it has the knowledge base loaded) and sends each run's prepared
section jobs to a writer process, which runs the pipeline's writing stage unchanged and sends its
progress back; the finished sections come back to be checked and saved as before.

A writer process that dies (killed, out of memory) fails the runs it had with a clear message and
is started again; a writer process whose web process died exits on its own.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from drafting.model import FactSheet, Outline, Section
from drafting.writing.chat import ChatEndpoint, ChatModel
from drafting.writing.pipeline import DraftingCancelled, DraftingFailed, DraftingPipeline
from drafting.writing.section_writer import DraftingListener, SafeListener, SectionJob
from drafting.writing.templates import PromptLibrary

log = logging.getLogger(__name__)

# Streamed text is passed on at most this often per section: the page repaints no faster, and
# every message costs the web process a little work.
DELTA_INTERVAL_S = 0.05
# How often a waiting run looks at its cancel flag, and the pool at its processes.
POLL_S = 0.2


class WriterProcessDied(DraftingFailed):
    """The writer process running a draft's sections died; nothing was saved. Chinese message."""


@dataclass
class WriteRequest:
    """One run of the pipeline's writing stage, as sent to a writer process."""

    chat: ChatEndpoint | None  # None: the offline composer writes
    prompts: tuple[Path, Path | None] | None  # the prompt library's folders
    template: str
    temperature: float | None
    max_tokens: int | None
    repair_attempts: int
    max_answer_chars: int
    concurrency: int
    outlines_dir: Path
    jobs: list[SectionJob]
    sheet: FactSheet
    outline: Outline


class WriterProcesses:
    """A few long-lived processes that write sections; runs go to the least busy one."""

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._context = multiprocessing.get_context("spawn")  # never fork a process full of threads
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._runs: dict[str, queue.Queue] = {}
        self._ids = itertools.count()
        self._closed = False

    @staticmethod
    def can_write(pipeline: DraftingPipeline) -> bool:
        """Whether this pipeline's writing can be sent: its model must be one a process can build."""
        chat = pipeline.chat
        prompts_ok = pipeline.prompts is None or type(pipeline.prompts) is PromptLibrary
        return prompts_ok and (chat is None or getattr(chat, "endpoint", None) is not None)

    def write(
        self,
        pipeline: DraftingPipeline,
        jobs: Sequence[SectionJob],
        sheet: FactSheet,
        outline: Outline,
        listener: DraftingListener | None,
        cancel: threading.Event,
    ) -> list[Section]:
        """The writing stage in a writer process: same events, same result, same cancelling."""
        request = _request(pipeline, jobs, sheet, outline)
        listener = SafeListener(listener or DraftingListener())
        worker, run_id, inbox = self._start(request)
        try:
            asked_to_stop = False
            while True:
                if cancel.is_set() and not asked_to_stop:
                    worker.send(("cancel", run_id))
                    asked_to_stop = True
                try:
                    kind, payload = inbox.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if kind == "hook":
                    name, args = payload
                    getattr(listener, name)(*args)
                elif kind == "done":
                    return payload
                elif kind == "cancelled":
                    raise DraftingCancelled(payload)
                elif kind == "died":
                    raise WriterProcessDied(payload)
                else:  # "error": a bug in the writing stage, logged whole in the writer process
                    raise RuntimeError(payload)
        except BaseException:
            cancel.set()  # the caller went away: the writer process must not write on for nobody
            worker.send(("cancel", run_id))
            raise
        finally:
            with self._lock:
                self._runs.pop(run_id, None)
                worker.runs.discard(run_id)

    def _start(self, request: WriteRequest) -> tuple[_Worker, str, queue.Queue]:
        with self._lock:
            if self._closed:
                raise RuntimeError("writer processes are closed")
            if not self._workers:
                self._workers = [self._spawn() for _ in range(self.count)]
                threading.Thread(target=self._route, name="writer-processes", daemon=True).start()
            worker = min(self._workers, key=lambda w: len(w.runs))
            run_id = f"{os.getpid()}-{next(self._ids)}"
            inbox: queue.Queue = queue.Queue()
            self._runs[run_id] = inbox
            worker.runs.add(run_id)
        worker.send(("write", run_id, request))
        return worker, run_id, inbox

    def _spawn(self) -> _Worker:
        # One pipe per process, not a queue shared by all: a process killed while writing to a
        # shared queue leaves its lock held and its bytes half-written, stopping every other one.
        here, there = self._context.Pipe()
        process = self._context.Process(
            target=writer_main, args=(there, logging.getLogger().level), name="drafter-writer", daemon=True
        )
        process.start()
        there.close()  # only the writer process holds its end: its death reads as end of file here
        return _Worker(process, here)

    def _route(self) -> None:
        """Pass each message from the writer processes to its run; notice a process that died."""
        while not self._closed:
            with self._lock:
                workers = list(self._workers)
            ready = wait([w.connection for w in workers] + [w.process.sentinel for w in workers], POLL_S)
            for worker in workers:
                if worker.connection in ready:
                    try:
                        run_id, kind, payload = worker.connection.recv()
                    except (EOFError, OSError):
                        self._replace(worker)
                        continue
                    with self._lock:
                        inbox = self._runs.get(run_id)
                    if inbox is not None:
                        inbox.put((kind, payload))
                elif worker.process.sentinel in ready:  # died with nothing left unread
                    self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed or worker not in self._workers:
                return
            worker.process.join(1)
            code = worker.process.exitcode
            log.error("writer process %s ended (exit code %s); starting another", worker.process.pid, code)
            message = f"写作进程意外退出（退出码 {code}），已重新启动；本次生成未保存，请再生成一次。"
            for run_id in worker.runs:
                if (inbox := self._runs.get(run_id)) is not None:
                    inbox.put(("died", message))
            worker.connection.close()
            self._workers[self._workers.index(worker)] = self._spawn()

    def close(self) -> None:
        """Stop the writer processes (runs still going are cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.send(None)
        deadline = time.monotonic() + 5
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
            worker.connection.close()


class _Worker:
    """A writer process, its end of the pipe, and the runs it has."""

    def __init__(self, process: Any, connection: Any) -> None:
        self.process, self.connection = process, connection
        self.runs: set[str] = set()
        self._send_lock = threading.Lock()

    def send(self, message: Any) -> None:
        try:
            with self._send_lock:
                self.connection.send(message)
        except (ValueError, OSError):  # the process is gone or going; the router says so
            pass


def _request(
    pipeline: DraftingPipeline, jobs: Sequence[SectionJob], sheet: FactSheet, outline: Outline
) -> WriteRequest:
    library = pipeline.prompts
    return WriteRequest(
        chat=None if pipeline.chat is None else pipeline.chat.endpoint,
        prompts=None if library is None else (library.directory, library.saved_directory),
        template=pipeline.template,
        temperature=pipeline.temperature,
        max_tokens=pipeline.max_tokens,
        repair_attempts=pipeline.repair_attempts,
        max_answer_chars=pipeline.max_answer_chars,
        concurrency=pipeline.concurrency,
        outlines_dir=pipeline.outlines_dir,
        jobs=list(jobs),
        sheet=sheet,
        outline=outline,
    )


_shared: dict[int, WriterProcesses] = {}
_shared_lock = threading.Lock()


def shared_writer_processes(count: int) -> WriterProcesses:
    """The process-wide pool of ``count`` writer processes (started on first use, stopped at exit)."""
    with _shared_lock:
        pool = _shared.get(count)
        if pool is None:
            pool = _shared[count] = WriterProcesses(count)
            atexit.register(pool.close)
        return pool


# ---------------------------------------------------------------- inside a writer process


def writer_main(connection: Any, log_level: int) -> None:
    """A writer process's main loop: runs arrive on ``connection``, their progress leaves on it."""
    import signal

    # Ctrl-C in the terminal reaches the whole process group: the web process stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    outbox = _Outbox(connection)
    cancels: dict[str, threading.Event] = {}
    builder = _Builder()
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):  # the web process is gone (killed with -9, it could not tell us)
            os._exit(0)
        if message is None:
            return
        kind, run_id, *rest = message
        if kind == "cancel":
            if (event := cancels.get(run_id)) is not None:
                event.set()
            continue
        cancels[run_id] = threading.Event()
        threading.Thread(
            target=_run,
            args=(run_id, rest[0], builder, cancels, outbox),
            name=f"write-{run_id}",
            daemon=True,
        ).start()


class _Outbox:
    """The pipe to the web process, shared by the runs' threads."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def put(self, message: Any) -> None:
        with self._lock:
            self._connection.send(message)


class _Builder:
    """Models and prompt libraries, kept between runs (a model's slot bound spans every run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chats: dict[ChatEndpoint, ChatModel] = {}
        self._libraries: dict[tuple[Path, Path | None], Any] = {}

    def pipeline(self, request: WriteRequest) -> DraftingPipeline:
        with self._lock:
            chat = None
            if request.chat is not None:
                chat = self._chats.get(request.chat) or self._chats.setdefault(
                    request.chat, request.chat.build()
                )
            library = None
            if request.prompts is not None:
                library = self._libraries.get(request.prompts) or self._libraries.setdefault(
                    request.prompts, PromptLibrary(*request.prompts)
                )
        return DraftingPipeline(
            outlines_dir=request.outlines_dir,
            prompts=library,
            chat=chat,
            concurrency=request.concurrency,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            template=request.template,
            repair_attempts=request.repair_attempts,
            max_answer_chars=request.max_answer_chars,
        )


def _run(
    run_id: str, request: WriteRequest, builder: _Builder, cancels: dict[str, threading.Event], outbox: Any
) -> None:
    listener = _Posting(run_id, outbox)
    try:
        sections = builder.pipeline(request).write(
            request.jobs, request.sheet, request.outline, listener, cancels[run_id]
        )
        listener.flush()
        outbox.put((run_id, "done", sections))
    except DraftingCancelled as exc:
        listener.flush()
        outbox.put((run_id, "cancelled", exc.sections))
    except Exception as exc:
        log.exception("writing failed in a writer process")
        outbox.put((run_id, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        cancels.pop(run_id, None)


class _Posting(DraftingListener):
    """Sends the pipeline's hooks to the web process, streamed text gathered per section."""

    def __init__(self, run_id: str, outbox: Any) -> None:
        self._run_id = run_id
        self._outbox = outbox
        self._lock = threading.Lock()
        self._pending: dict[str, list[str]] = {}
        self._sent_at: dict[str, float] = {}

    def _post(self, name: str, *args: Any) -> None:
        self._outbox.put((self._run_id, "hook", (name, args)))

    def flush(self, key: str | None = None) -> None:
        with self._lock:
            keys = [key] if key is not None else list(self._pending)
            batches = [(k, "".join(self._pending.pop(k))) for k in keys if self._pending.get(k)]
        for k, text in batches:
            self._post("on_delta", k, text)

    def on_delta(self, key: str, text: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._pending.setdefault(key, []).append(text)
            due = now - self._sent_at.get(key, 0.0) >= DELTA_INTERVAL_S
            if due:
                self._sent_at[key] = now
        if due:
            self.flush(key)

    def on_section_start(self, key: str) -> None:
        self._post("on_section_start", key)

    def on_section_done(self, section: Section) -> None:
        self.flush(section.key)
        self._post("on_section_done", section)

    def on_section_failed(self, key: str, error: str) -> None:
        self.flush(key)
        self._post("on_section_failed", key, error)

    def on_section_repair(self, key: str, attempt: int, problems: list[str]) -> None:
        self.flush(key)
        self._post("on_section_repair", key, attempt, problems)

    def on_progress(self, done: int, total: int) -> None:
        self._post("on_progress", done, total)
