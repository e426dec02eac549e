"""The drafting pipeline, as stages a person can run and inspect one at a time.

gather facts → plan sections → retrieve exemplars per section → build the prompt → generate (chat
model) or compose (offline composer) → check grounding → assemble the draft → persist.

Sections are written concurrently by a bounded pool (``concurrency``), so a report takes about as
long as its slowest section. Progress goes to a listener object with no-op hooks, called from
worker threads, so a UI can follow along without this module knowing about it. A failed section
is kept, marked failed with its error, and can be regenerated alone later; a cancelled run saves
nothing; a version is written only once everything else has succeeded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from drafting.checking.grounding import check_draft
from drafting.model import Draft, FactSheet, Outline, Section
from drafting.outlines.outline import get_outline
from drafting.outlines.planning import SectionSpec, compose_title, plan_sections, section_variables
from drafting.store.draft_json import draft_from_json, draft_to_json
from drafting.store.drafts import DraftNotFound, DraftStore, DraftVersion, GenerationRecord
from drafting.writing.chat import ChatModel
from drafting.writing.composer import assemble_draft
from drafting.writing.exemplar_query import exemplar_query
from drafting.writing.exemplar_style import as_style_exemplar
from drafting.writing.section_writer import DraftingListener, SafeListener, SectionJob, SectionWriter
from retrieval.documents import Passage, SearchFilters, SearchHit

if TYPE_CHECKING:
    from drafting.settings import Settings
    from drafting.writing.templates import PromptLibrary

__all__ = [
    "DraftingCancelled",
    "DraftingFailed",
    "DraftingListener",
    "DraftingPipeline",
    "DraftVersions",
    "ExemplarSource",
    "SectionJob",
    "build_pipeline",
]

log = logging.getLogger(__name__)

SECTION_TEMPLATE = "section"
# Exemplars per section: enough to show the register, few enough to keep prompts short and the
# model from leaning on any one past report. Settings has no field for it yet.
EXEMPLARS_K = 3


class DraftingCancelled(Exception):
    """The run was cancelled; nothing was saved. ``sections`` holds what had finished."""

    def __init__(self, sections: list[Section]) -> None:
        super().__init__("已取消起草，未保存。")
        self.sections = sections


class DraftingFailed(RuntimeError):
    """Every section failed (e.g. the endpoint is down); nothing was saved. Chinese message."""


class ExemplarSource(Protocol):
    """The part of the knowledge base the pipeline uses."""

    def search(self, query: str, filters: SearchFilters = ..., k: int = 5) -> list[SearchHit]: ...


class DraftVersions(Protocol):
    """The part of the draft store the pipeline writes to (drafting.store.drafts.DraftStore)."""

    def create_draft(
        self,
        draft: Draft,
        *,
        facts: FactSheet | None = None,
        record: GenerationRecord | None = None,
        owner: str | None = None,
        author: str | None = None,
        reason: str = "generate",
    ) -> DraftVersion: ...

    def get_version(self, draft_id: str, number: int | None = None) -> DraftVersion: ...

    def add_version(
        self,
        draft_id: str,
        draft: Draft,
        *,
        reason: str,
        author: str | None = None,
        facts: FactSheet | None = None,
        record: GenerationRecord | None = None,
        parent: int | None = None,
    ) -> DraftVersion: ...


@dataclass
class DraftingPipeline:
    """Writes a draft from a fact sheet. ``chat=None`` means the offline composer writes."""

    outlines_dir: Path
    prompts: PromptLibrary | None = None
    chat: ChatModel | None = None
    knowledge_base: ExemplarSource | None = None
    store: DraftVersions | None = None
    exemplars_k: int = EXEMPLARS_K
    concurrency: int = 4
    temperature: float | None = None
    max_tokens: int | None = None
    template: str = SECTION_TEMPLATE
    template_version: str | None = None  # None: the latest version; build_pipeline sets the active one
    repair_attempts: int = 0  # 0: a flagged model-written section is kept as it came
    max_answer_chars: int = 0  # an answer longer than this fails its section (0: no limit)

    @property
    def mode(self) -> str:
        return self._writer().mode

    def _writer(self) -> SectionWriter:
        return SectionWriter(
            self.chat,
            self.temperature,
            self.max_tokens,
            self.template,
            prompts=self.prompts,
            repair_attempts=self.repair_attempts,
            max_answer_chars=self.max_answer_chars,
        )

    # ------------------------------------------------------------ stages

    def plan(self, sheet: FactSheet) -> tuple[Outline, list[SectionSpec]]:
        """Stage 1-2: the outline for the sheet's kind and the sections to write."""
        outline = get_outline(self.outlines_dir, sheet.kind)
        return outline, plan_sections(outline, sheet)

    def retrieve(self, spec: SectionSpec, sheet: FactSheet) -> tuple[str, list[Passage]]:
        """Stage 3: exemplar passages for one section, from the same part of past reports."""
        query, exemplars, _ = self._retrieve(spec, sheet)
        return query, exemplars

    def _retrieve(self, spec: SectionSpec, sheet: FactSheet) -> tuple[str, list[Passage], str | None]:
        """The query, the exemplars, and why there are none when the search failed."""
        query = exemplar_query(spec, sheet)
        if self.knowledge_base is None or self.exemplars_k <= 0 or not query:
            return query, [], None
        try:
            hits = self.knowledge_base.search(
                query, filters=SearchFilters(part=spec.part), k=self.exemplars_k
            )
        except Exception as exc:  # a broken index must not stop the draft: write without exemplars
            log.exception("exemplar search failed for section %s", spec.key)
            # Said on the section (and by the CLI), so an outage is not mistaken for "no exemplars".
            return query, [], str(exc) or type(exc).__name__
        return query, [h.passage for h in hits], None

    def build_prompt(
        self, spec: SectionSpec, sheet: FactSheet, outline: Outline, exemplars: Sequence[Passage]
    ) -> tuple[list[dict[str, str]], str | None]:
        """Stage 4: the rendered messages for one section, and the template's version.

        Exemplars go in as style only (masked, trimmed: see exemplar_style); the originals stay on
        the job as the references the copy check compares against.
        """
        if self.prompts is None:
            raise ValueError("a chat model needs a prompt library")
        shown = [style for p in exemplars if (style := as_style_exemplar(p)).text]
        rendered = self.prompts.render(
            self.template, section_variables(spec, sheet, outline, shown), version=self.template_version
        )
        return list(rendered.messages), rendered.version

    def prepare(
        self,
        sheet: FactSheet,
        outline: Outline,
        specs: Sequence[SectionSpec],
        cancel: threading.Event | None = None,
    ) -> list[SectionJob]:
        """Stages 3-4 for every section (sequential: retrieval is fast and the index is shared)."""
        jobs = []
        title = compose_title(outline, sheet)
        for spec in specs:
            if cancel is not None and cancel.is_set():
                raise DraftingCancelled([])
            started = time.monotonic()
            query, exemplars, problem = self._retrieve(spec, sheet)
            job = SectionJob(spec, exemplars, query, retrieve_s=time.monotonic() - started)
            job.retrieval_error, job.title = problem, title
            if self.chat is not None:
                job.messages, job.template_version = self.build_prompt(spec, sheet, outline, exemplars)
            jobs.append(job)
        return jobs

    def write(
        self,
        jobs: Sequence[SectionJob],
        sheet: FactSheet,
        outline: Outline,
        listener: DraftingListener | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Section]:
        """Stage 5: write the sections concurrently; raises DraftingCancelled when cancelled."""
        listener = SafeListener(listener or DraftingListener())
        cancel = cancel or threading.Event()
        done_count = 0
        lock = threading.Lock()
        listener.on_progress(0, len(jobs))

        def run(job: SectionJob) -> Section | None:
            nonlocal done_count
            if cancel.is_set():
                return None
            section = self._writer().write(job, sheet, outline, listener, cancel)
            if section is None:
                return None
            if section.status == "failed":
                listener.on_section_failed(section.key, section.error or "")
            else:
                listener.on_section_done(section)
            with lock:
                done_count += 1
                listener.on_progress(done_count, len(jobs))
            return section

        with ThreadPoolExecutor(max_workers=max(1, self.concurrency), thread_name_prefix="section") as pool:
            try:
                results = list(pool.map(run, jobs))
            except BaseException:
                # Ctrl-C (or a crash) in the caller: tell the workers to stop instead of letting
                # them stream on while the pool waits for them.
                cancel.set()
                raise
        if cancel.is_set() or any(r is None for r in results):
            raise DraftingCancelled([r for r in results if r is not None])
        return [r for r in results if r is not None]

    def assemble(self, outline: Outline, sheet: FactSheet, sections: list[Section]) -> Draft:
        """Stage 7: the sections framed as a report (title block, part headings, signature)."""
        return assemble_draft(outline, sheet, sections)

    def check(
        self, draft: Draft, sheet: FactSheet, references: Sequence[Passage], outline: Outline | None = None
    ) -> Draft:
        """Stage 6: grounding flags (exemplars serve as references for verbatim-copy checks)."""
        draft.flags = list(check_draft(draft, sheet, references, outline=outline).flags)
        return draft

    # ------------------------------------------------------------ whole runs

    def run(
        self,
        sheet: FactSheet,
        *,
        owner: str | None = None,
        listener: DraftingListener | None = None,
        cancel: threading.Event | None = None,
    ) -> Draft:
        """Draft a whole report; persisted when a store is set (the Draft then has id and version)."""
        started = time.monotonic()
        outline, specs = self.plan(sheet)
        jobs = self.prepare(sheet, outline, specs, cancel)
        sections = self.write(jobs, sheet, outline, listener, cancel)
        if sections and all(s.status == "failed" for s in sections):
            raise DraftingFailed(f"所有部分都生成失败：{sections[0].error}")
        draft = self.check(self.assemble(outline, sheet, sections), sheet, _all_exemplars(jobs), outline)
        if self.store is None:
            return draft
        record = self._record(outline, jobs, sections, total_s=time.monotonic() - started)
        return self.store.create_draft(draft, facts=sheet, record=record, owner=owner).draft

    def regenerate_section(
        self,
        draft_id: str,
        key: str,
        *,
        author: str | None = None,
        listener: DraftingListener | None = None,
        cancel: threading.Event | None = None,
    ) -> Draft:
        """Write one section again; saves a new version where only that section changed."""
        if self.store is None:
            raise ValueError("regenerating needs a draft store")
        previous = self.store.get_version(draft_id)
        if previous.facts is None:
            raise DraftNotFound(f"草稿 {draft_id} 没有保存事实材料，无法重新生成")
        sheet = previous.facts
        outline, specs = self.plan(sheet)
        spec = next((s for s in specs if s.key == key), None)
        if spec is None:
            raise DraftNotFound(f"草稿 {draft_id} 中没有“{key}”这一部分")
        started = time.monotonic()
        jobs = self.prepare(sheet, outline, [spec], cancel)
        (section,) = self.write(jobs, sheet, outline, listener, cancel)
        if section.status == "failed":
            raise DraftingFailed(f"重新生成“{spec.heading or key}”失败：{section.error}")
        draft = draft_from_json(draft_to_json(previous.draft))
        draft.sections = [section if s.key == key else s for s in draft.sections]
        if not any(s.key == key for s in previous.draft.sections):
            draft.sections = _in_plan_order([*draft.sections, section], specs)
        references = [*_all_exemplars(jobs), *self._previous_exemplars(previous.draft, key)]
        draft = self.check(draft, sheet, references, outline)
        old = previous.record
        new = self._record(outline, jobs, [section], total_s=time.monotonic() - started)
        record = replace(
            new,
            prompts={**old.prompts, **new.prompts},
            passage_ids={**old.passage_ids, **new.passage_ids},
            timings={**old.timings, **new.timings},
            usage={**old.usage, **new.usage},
        )
        saved = self.store.add_version(
            draft_id, draft, reason=f"regenerate:{key}", author=author, facts=sheet, record=record
        )
        return saved.draft

    def _previous_exemplars(self, draft: Draft, skip_key: str) -> list[Passage]:
        get = getattr(self.knowledge_base, "get_passage", None)
        if get is None:
            return []
        passages = []
        for section in draft.sections:
            if section.key == skip_key:
                continue
            for pid in section.record.get("passage_ids", []):
                try:
                    passage = get(pid)
                except Exception:
                    passage = None
                if passage is not None:
                    passages.append(passage)
        return passages

    def _record(
        self, outline: Outline, jobs: Sequence[SectionJob], sections: Sequence[Section], *, total_s: float
    ) -> GenerationRecord:
        versions = {j.template_version for j in jobs if j.template_version}
        return GenerationRecord(
            outline=outline.name,
            outline_version=outline.version,
            template=self.template if self.chat is not None else None,
            template_version=next(iter(versions)) if len(versions) == 1 else None,
            prompts={j.spec.key: j.messages for j in jobs if j.messages},
            passage_ids={j.spec.key: [p.id for p in j.exemplars] for j in jobs},
            model=self.chat.name if self.chat is not None else "composer",
            params={
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "exemplars_k": self.exemplars_k,
                "concurrency": self.concurrency,
                "repair_attempts": self.repair_attempts,
            },
            timings={
                **{s.key: s.record.get("timings", {}).get("write_s", 0.0) for s in sections},
                "total": round(total_s, 4),
            },
            usage={s.key: s.record.get("usage", {}) for s in sections if s.record.get("usage")},
        )


# ---------------------------------------------------------------- helpers


def _all_exemplars(jobs: Sequence[SectionJob]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for job in jobs:
        for passage in job.exemplars:
            seen.setdefault(passage.id, passage)
    return list(seen.values())


def _in_plan_order(sections: list[Section], specs: Sequence[SectionSpec]) -> list[Section]:
    order = {s.key: i for i, s in enumerate(specs)}
    return sorted(sections, key=lambda s: order.get(s.key, len(order)))


_CONFIGURED: Any = object()


def build_pipeline(
    settings: Settings,
    *,
    chat: ChatModel | None = _CONFIGURED,
    knowledge_base: ExemplarSource | None = None,
    store: DraftStore | None = None,
    exemplars_k: int = EXEMPLARS_K,
) -> DraftingPipeline:
    """The pipeline as configured by ``settings``. ``chat`` defaults to the configured endpoint
    (None forces the offline composer); ``store`` to the drafts database under DRAFTER_HOME."""
    from drafting.writing.active_versions import active_template_version
    from drafting.writing.chat import build_chat_model
    from drafting.writing.templates import prompt_library

    model = build_chat_model(settings) if chat is _CONFIGURED else chat
    prompts = prompt_library(settings)
    return DraftingPipeline(
        outlines_dir=settings.outlines_dir,
        prompts=prompts,
        # The published version (drafts record it); a version saved on the web page is not used
        # until a maintainer publishes it.
        template_version=active_template_version(settings, prompts, SECTION_TEMPLATE),
        chat=model,
        knowledge_base=knowledge_base,
        store=store if store is not None else DraftStore.from_settings(settings),
        exemplars_k=exemplars_k,
        concurrency=settings.llm.concurrency,
        temperature=settings.llm.temperature,
        max_tokens=settings.llm.max_tokens,
        repair_attempts=settings.llm.repair_attempts,
        max_answer_chars=settings.llm.max_answer_chars,
    )
