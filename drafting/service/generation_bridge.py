"""Bridges between a running pipeline and the service: its events as a queue, the writer's exemplar
choices as a search, and the record of what produced a whole-draft generation."""

from __future__ import annotations

import queue
from dataclasses import replace

from drafting.model import Draft, Section
from drafting.service.ports import PassageSource
from drafting.service.views import GenerationEvent
from drafting.store.drafts import GenerationRecord
from drafting.writing.pipeline import DraftingListener, DraftingPipeline
from retrieval.documents import Passage, SearchFilters, SearchHit


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
