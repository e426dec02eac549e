"""The generation service: write a whole draft or one section in the background, stream it, stop it.

Each run works in its own thread and reports through a queue the caller iterates; the service
keeps the running ones by id so another request (the stop button) can cancel them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace

from drafting.model import Draft, Section
from drafting.service.access import AccessPolicy
from drafting.service.drafts import section_labels
from drafting.service.planning import DraftPlanner
from drafting.service.ports import DraftRepository, KnowledgeSource, PassageSource
from drafting.service.views import USER_FACING, GenerationEvent, ServiceError
from drafting.store.drafts import GenerationRecord
from drafting.writing.exemplar_query import exemplar_query
from drafting.writing.pipeline import DraftingCancelled, DraftingFailed, DraftingListener, DraftingPipeline
from retrieval.documents import Passage, SearchFilters, SearchHit

# One logger name for the whole service, whichever of its modules a line comes from.
log = logging.getLogger("drafting.service.facade")


class GenerationService:
    """Starting, streaming and cancelling generation runs."""

    def __init__(
        self,
        access: AccessPolicy,
        drafts: DraftRepository,
        planner: DraftPlanner,
        knowledge: KnowledgeSource,
    ) -> None:
        self._access = access
        self._drafts = drafts
        self._planner = planner
        self._knowledge = knowledge
        # run id → (user, cancel event) for the runs in progress.
        self.runs: dict[str, tuple[str, threading.Event]] = {}
        self._runs_lock = threading.Lock()

    def uses_model(self) -> bool:
        """Whether new sections are written by a model (prompts matter) or offline by the composer."""
        return self._planner.chat is not None

    def mode_label(self) -> str:
        """Who writes new sections: the configured model, or the offline composer."""
        chat = self._planner.chat
        return f"模型 {chat.name}" if chat is not None else "离线模板撰写"

    def _choices(self, draft_id: str, choices: dict[str, dict[str, list[str]]] | None) -> ChosenExemplars:
        """Turn {section key: {"pinned": ids, "dropped": ids}} into what the pipeline's searches return."""
        sheet = self._planner.sheet(draft_id)
        kb = self._knowledge.available()
        _, specs = self._planner.sections(sheet)
        keyed: dict[tuple[str, str], tuple[list[Passage], set[str]]] = {}
        for spec in specs:
            choice = (choices or {}).get(spec.key) or {}
            pinned = [p for p in (kb.get_passage(i) for i in choice.get("pinned", [])) if p] if kb else []
            keyed[(exemplar_query(spec, sheet), spec.part)] = (pinned, set(choice.get("dropped", [])))
        return ChosenExemplars(kb, keyed)

    def generate(
        self,
        name: str | None,
        draft_id: str,
        *,
        keys: Sequence[str] | None = None,
        choices: dict[str, dict[str, list[str]]] | None = None,
        run_id: str | None = None,
    ) -> Iterator[GenerationEvent]:
        """Write the whole draft (``keys`` None) or one section, yielding events as text arrives.

        Ends with a "finished" event carrying the saved draft, "cancelled" (nothing saved), or
        "error" with a Chinese message. Stop it from another request with ``cancel(name, run_id)``.
        """
        try:
            user, _ = self._access.editable(name, draft_id)
            if keys is not None and len(keys) != 1:
                raise ServiceError("一次只能重新生成一节。")
            if keys is not None and keys[0] not in {
                s.key for s in self._planner.sections(self._planner.sheet(draft_id))[1]
            }:
                raise ServiceError("这一节是部分标题和导语，不单独生成；可以直接修改后保存。")
            exemplars = self._choices(draft_id, choices)
        except USER_FACING + (ServiceError,) as exc:
            yield GenerationEvent("error", text=str(exc))
            return
        run_id = run_id or uuid.uuid4().hex
        cancel = threading.Event()
        with self._runs_lock:
            self.runs[run_id] = (user.name, cancel)
        events: queue.Queue = queue.Queue()
        listener = QueueListener(events)

        if keys is None:
            what = "全文"
        else:  # the log is read by people: the section's label, not its key
            label = section_labels(self._drafts.get_version(draft_id).draft).get(keys[0], keys[0])
            what = f"重新生成一节：{label}"

        def work() -> None:
            outcome, ok = "完成", False
            try:
                if keys is None:
                    draft = self._generate_all(user.name, draft_id, exemplars, listener, cancel)
                else:
                    pipeline = self._planner.pipeline(knowledge_base=exemplars, store=self._drafts)
                    draft = pipeline.regenerate_section(
                        draft_id, keys[0], author=user.name, listener=listener, cancel=cancel
                    )
                ok = True
                events.put(GenerationEvent("finished", draft=draft))
            except DraftingCancelled:
                outcome = "已停止"
                events.put(GenerationEvent("cancelled"))
            except USER_FACING + (ServiceError, DraftingFailed) as exc:
                outcome = str(exc)
                events.put(GenerationEvent("error", text=str(exc)))
            except Exception as exc:  # a bug: log it whole, tell the person briefly
                log.exception("generation failed")
                outcome = f"内部错误（{type(exc).__name__}）"
                events.put(GenerationEvent("error", text=f"内部错误（{type(exc).__name__}），已记入日志。"))
            finally:
                self._access.record(user.name, "generate", draft_id, f"{what}：{outcome}", ok=ok)
                events.put(None)

        thread = threading.Thread(target=work, name=f"generate-{run_id[:8]}", daemon=True)
        thread.start()
        try:
            while (event := events.get()) is not None:
                yield event
        finally:
            # The page went away mid-stream: stop writing rather than burn tokens for nobody.
            if thread.is_alive():
                cancel.set()
            with self._runs_lock:
                self.runs.pop(run_id, None)

    def _generate_all(
        self,
        author: str,
        draft_id: str,
        exemplars: ChosenExemplars,
        listener: DraftingListener,
        cancel: threading.Event,
    ) -> Draft:
        sheet = self._planner.sheet(draft_id)
        pipeline = self._planner.pipeline(knowledge_base=exemplars)
        started = time.monotonic()
        draft = pipeline.run(sheet, listener=listener, cancel=cancel)  # not persisted: no store
        record = record_from_sections(draft, pipeline, total_s=time.monotonic() - started)
        return self._drafts.add_version(
            draft_id, draft, reason="generate", author=author, facts=sheet, record=record
        ).draft

    def cancel(self, name: str | None, run_id: str) -> bool:
        """Stop a running generation started by the same user; True if one was running."""
        with self._runs_lock:
            entry = self.runs.get(run_id)
        if entry is None or entry[0] != name:
            return False
        entry[1].set()
        return True


# ---------------------------------------------------------------- bridges to the pipeline


class QueueListener(DraftingListener):
    """Forwards the pipeline's hooks (called from worker threads) into a queue the UI drains."""

    def __init__(self, events: queue.Queue) -> None:
        self.events = events

    def on_section_start(self, key: str) -> None:
        self.events.put(GenerationEvent("start", key))

    def on_delta(self, key: str, text: str) -> None:
        self.events.put(GenerationEvent("delta", key, text))

    def on_section_done(self, section: Section) -> None:
        self.events.put(GenerationEvent("done", section.key, section=section))

    def on_section_failed(self, key: str, error: str) -> None:
        self.events.put(GenerationEvent("failed", key, error))

    def on_progress(self, done: int, total: int) -> None:
        self.events.put(GenerationEvent("progress", done=done, total=total))


class ChosenExemplars:
    """The knowledge base as the pipeline sees it, with the writer's pinned and dropped passages applied.

    The pipeline asks for exemplars by (query, part); the writer's choices are keyed the same way,
    so the pipeline runs unchanged and still gets exactly the passages the writer settled on.
    """

    def __init__(
        self, kb: PassageSource | None, choices: dict[tuple[str, str], tuple[list[Passage], set[str]]]
    ) -> None:
        self._kb = kb
        self._choices = choices

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 5) -> list[SearchHit]:
        filters = filters or SearchFilters()
        pinned, dropped = self._choices.get((query, filters.part or ""), ([], set()))
        exclude = frozenset(dropped) | {p.id for p in pinned}
        hits = (
            []
            if self._kb is None
            else self._kb.search(query, filters=replace(filters, exclude_ids=exclude), k=k)
        )
        chosen = [SearchHit(p, 1.0) for p in pinned] + hits
        return chosen[: max(k, len(pinned))]

    def get_passage(self, passage_id: str) -> Passage | None:
        return None if self._kb is None else self._kb.get_passage(passage_id)


def record_from_sections(draft: Draft, pipeline: DraftingPipeline, *, total_s: float) -> GenerationRecord:
    """What produced a whole-draft generation, gathered from each section's own record."""
    records = {s.key: s.record for s in draft.sections}
    versions = {r.get("template_version") for r in records.values() if r.get("template_version")}
    return GenerationRecord(
        outline=draft.kind,
        template=pipeline.template if pipeline.chat is not None else None,
        template_version=next(iter(versions)) if len(versions) == 1 else None,
        prompts={k: r["prompt"] for k, r in records.items() if r.get("prompt")},
        passage_ids={k: list(r.get("passage_ids", [])) for k, r in records.items()},
        model=pipeline.chat.name if pipeline.chat is not None else "composer",
        params={
            "temperature": pipeline.temperature,
            "max_tokens": pipeline.max_tokens,
            "exemplars_k": pipeline.exemplars_k,
            "concurrency": pipeline.concurrency,
        },
        timings={
            **{k: r.get("timings", {}).get("write_s", 0.0) for k, r in records.items()},
            "total": round(total_s, 4),
        },
        usage={k: r["usage"] for k, r in records.items() if r.get("usage")},
    )
