"""From facts to a planned draft: the report kinds, fact sheets, and sections with their exemplars.

A mixin of DraftingService (drafting/service.py). Starting a draft saves the facts with every
section still empty; planning shows, per section, the past passages the writer may pin or drop
before anything is generated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from drafting.facts.sheet import parse_facts_mapping, parse_facts_text
from drafting.facts.table import rows_to_mapping
from drafting.model import FactSheet, Outline
from drafting.outlines.outline import load_outlines
from drafting.service.generation_bridge import empty_section
from drafting.service.knowledge import KnowledgeActions
from drafting.service.views import SectionPlan, ServiceError, Workspace, user_errors
from drafting.store.drafts import DraftStore
from drafting.writing.exemplar_query import exemplar_query
from drafting.writing.pipeline import DraftingPipeline
from retrieval.documents import SearchFilters, SearchHit

# One logger name for the whole service, whichever of its modules a line comes from.
log = logging.getLogger("drafting.service.facade")

EXEMPLARS_K = 3  # exemplars a section's prompt carries
EXEMPLARS_SHOWN = 6  # candidates shown to the writer, who may pin some beyond the first three


class PlanningActions(KnowledgeActions):
    """Outlines, fact sheets, starting a draft and planning its sections, for DraftingService."""

    chat: Any | None
    prompts: Any

    # ------------------------------------------------------------ outlines and facts

    @user_errors
    def outlines(self) -> list[Outline]:
        """The report kinds a writer can start, as the outline files define them."""
        return list(load_outlines(self.settings.outlines_dir).values())

    @user_errors
    def parse_facts_text(
        self, text: str, *, kind: str, org: str, period: str, next_period: str | None
    ) -> FactSheet:
        """Pasted plain text → a fact sheet; FactsError messages (naming the field) become ServiceError."""
        if not (text or "").strip():
            raise ServiceError("事实文本为空：请每行写一条事实。")
        return parse_facts_text(
            text,
            kind=kind,
            org=org.strip(),
            period=period.strip(),
            next_period=(next_period or "").strip() or None,
        )

    @user_errors
    def facts_from_rows(
        self, rows: Sequence[Sequence[Any]], *, kind: str, org: str, period: str, next_period: str | None
    ) -> FactSheet:
        """The facts table → a fact sheet, validated like a facts file (messages name row or field)."""
        mapping = rows_to_mapping(
            rows,
            kind=kind,
            org=(org or "").strip(),
            period=(period or "").strip(),
            next_period=(next_period or "").strip() or None,
        )
        if not mapping["parts"]:
            raise ServiceError("事实表为空：请至少填写一条事实。")
        return parse_facts_mapping(mapping)

    # ------------------------------------------------------------ drafts: starting and planning

    def _pipeline(self, *, knowledge_base: Any = None, store: DraftStore | None = None) -> DraftingPipeline:
        return DraftingPipeline(
            outlines_dir=self.settings.outlines_dir,
            prompts=self.prompts,
            chat=self.chat,
            knowledge_base=knowledge_base,
            store=store,
            exemplars_k=EXEMPLARS_K,
            concurrency=self.settings.llm.concurrency,
            temperature=self.settings.llm.temperature,
            max_tokens=self.settings.llm.max_tokens,
        )

    def _sheet(self, draft_id: str) -> FactSheet:
        sheet = self.drafts.get_version(draft_id).facts
        if sheet is None:
            raise ServiceError("这份材料没有保存事实，请在“事实”中重新填写后点击“准备起草”。")
        return sheet

    @user_errors
    def start_draft(self, name: str | None, sheet: FactSheet, draft_id: str | None = None) -> Workspace:
        """Save the facts as a new draft (or a new version of an open one) with its sections still empty."""
        user = self.users.require(name, "draft")
        pipeline = self._pipeline()
        outline, specs = pipeline.plan(sheet)
        if draft_id:
            self._editable(user.name, draft_id)
            previous = self.drafts.get_version(draft_id).draft
            done = {s.key: s for s in previous.sections if s.paragraphs}
            draft = pipeline.assemble(outline, sheet, [done.get(s.key) or empty_section(s) for s in specs])
            self.drafts.add_version(draft_id, draft, reason="facts", author=user.name, facts=sheet)
        else:
            draft = pipeline.assemble(outline, sheet, [empty_section(s) for s in specs])
            draft_id = self.drafts.create_draft(
                draft, facts=sheet, owner=user.name, reason="facts"
            ).info.draft_id
        return self.open_draft(user.name, draft_id)

    @user_errors
    def plan(self, name: str | None, draft_id: str) -> list[SectionPlan]:
        """The draft's sections with the past passages retrieved for each (what the writer may pin or drop)."""
        self._readable(name, draft_id)
        sheet = self._sheet(draft_id)
        pipeline = self._pipeline()
        outline, specs = pipeline.plan(sheet)
        kb = self._kb_or_none()
        plans = []
        for spec in specs:
            query = exemplar_query(spec, sheet)
            hits: list[SearchHit] = []
            if kb is not None and query:
                try:
                    hits = kb.search(query, filters=SearchFilters(part=spec.part), k=EXEMPLARS_SHOWN)
                except Exception:  # an unusable index must not stop the writer; they draft without exemplars
                    log.exception("exemplar search failed for %s", spec.key)
            plans.append(
                SectionPlan(spec.key, spec.heading, spec.part, spec.area, tuple(spec.facts), tuple(hits))
            )
        return plans
