"""The drafts service: report kinds and facts, starting a draft, listing, opening and sharing drafts,
and planning a draft's sections with the past passages the writer may pin or drop.

Starting a draft saves the facts with every section still empty; nothing is generated here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from drafting.facts.sheet import parse_facts_mapping
from drafting.facts.table import PART_LABELS, rows_to_mapping
from drafting.facts.text_form import parse_facts_text
from drafting.model import Draft, FactSheet, Outline, Section
from drafting.outlines.outline import load_outlines
from drafting.outlines.planning import SectionSpec
from drafting.service.access import AccessPolicy
from drafting.service.planning import EXEMPLARS_SHOWN, DraftPlanner
from drafting.service.ports import DraftRepository, KnowledgeSource, ReviewLog
from drafting.service.views import (
    DraftListing,
    ReviewStep,
    SectionPlan,
    ServiceError,
    Workspace,
    user_errors,
)
from drafting.settings import Settings
from drafting.store.accounts import User
from drafting.store.drafts import DraftSummary
from drafting.store.reviews import ReviewEvent
from drafting.writing.exemplar_query import exemplar_query
from retrieval.documents import SearchFilters, SearchHit

# One logger name for the whole service, whichever of its modules a line comes from.
log = logging.getLogger("drafting.service.facade")


class DraftService:
    """Facts in, a saved draft out; the drafts a person may see, and each one's workspace."""

    def __init__(
        self,
        settings: Settings,
        access: AccessPolicy,
        drafts: DraftRepository,
        reviews: ReviewLog,
        planner: DraftPlanner,
        knowledge: KnowledgeSource,
    ) -> None:
        self._settings = settings
        self._access = access
        self._drafts = drafts
        self._reviews = reviews
        self._planner = planner
        self._knowledge = knowledge

    # ------------------------------------------------------------ outlines and facts

    @user_errors
    def outlines(self) -> list[Outline]:
        """The report kinds a writer can start, as the outline files define them."""
        return list(load_outlines(self._settings.outlines_dir).values())

    @user_errors
    def parse_facts_text(
        self, text: str, *, kind: str, org: str, period: str, next_period: str | None, date: str | None = None
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
            date=(date or "").strip() or None,
            limits=self._settings.facts,
        )

    @user_errors
    def facts_from_rows(
        self,
        rows: Sequence[Sequence[Any]],
        *,
        kind: str,
        org: str,
        period: str,
        next_period: str | None,
        superior: str | None = None,
        plain_headings: bool = False,
        date: str | None = None,
    ) -> FactSheet:
        """The facts table → a fact sheet, validated like a facts file (messages name row or field).

        ``superior`` and ``plain_headings`` are the sheet's ``superior:`` and ``headings: plain``.
        """
        mapping = rows_to_mapping(
            rows,
            kind=kind,
            org=(org or "").strip(),
            period=(period or "").strip(),
            next_period=(next_period or "").strip() or None,
            superior=(superior or "").strip() or None,
            plain_headings=plain_headings,
            date=(date or "").strip() or None,
            limits=self._settings.facts,
        )
        if not mapping["parts"]:
            raise ServiceError("事实表为空：请至少填写一条事实。")
        return parse_facts_mapping(mapping, limits=self._settings.facts)

    # ------------------------------------------------------------ starting and planning

    @user_errors
    def start_draft(self, name: str | None, sheet: FactSheet, draft_id: str | None = None) -> Workspace:
        """Save the facts as a new draft (or a new version of an open one) with its sections still empty."""
        user = self._access.require(name, "draft")
        pipeline = self._planner.pipeline()
        outline, specs = pipeline.plan(sheet)
        if draft_id:
            self._access.editable(user.name, draft_id)
            previous = self._drafts.get_version(draft_id).draft
            done = {s.key: s for s in previous.sections if s.paragraphs}
            draft = pipeline.assemble(outline, sheet, [done.get(s.key) or empty_section(s) for s in specs])
            self._drafts.add_version(draft_id, draft, reason="facts", author=user.name, facts=sheet)
        else:
            draft = pipeline.assemble(outline, sheet, [empty_section(s) for s in specs])
            draft_id = self._drafts.create_draft(
                draft, facts=sheet, owner=user.name, reason="facts"
            ).info.draft_id
        return self.open_draft(user.name, draft_id)

    @user_errors
    def plan(self, name: str | None, draft_id: str) -> list[SectionPlan]:
        """The draft's sections with the past passages retrieved for each (what the writer may pin or drop)."""
        self._access.readable(name, draft_id)
        sheet = self._planner.sheet(draft_id)
        _, specs = self._planner.sections(sheet)
        kb = self._knowledge.available()
        queries = [exemplar_query(spec, sheet) for spec in specs]
        if kb is not None:
            try:
                kb.prime_queries([q for q in queries if q])
            except Exception:  # each search below then meets the problem and says so in the log
                log.exception("embedding the sections' queries failed")
        plans = []
        for spec, query in zip(specs, queries, strict=True):
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

    # ------------------------------------------------------------ listing, opening, sharing

    @user_errors
    def list_drafts(self, name: str | None) -> list[DraftListing]:
        """Drafts this user may open: their own, those shared with them, and (reviewers) those sent for review."""
        user = self._access.user(name)
        return draft_listings(self._access.visible(user), user, self._reviews)

    @user_errors
    def open_draft(self, name: str | None, draft_id: str, version: int | None = None) -> Workspace:
        """A version of a draft (the latest by default) with its history, review state and comments."""
        user, owner = self._access.readable(name, draft_id)
        saved = self._drafts.get_version(draft_id, version)
        review = self._reviews.state(draft_id)
        return Workspace(
            draft=saved.draft,
            sheet=saved.facts,
            version=saved.number,
            owner=owner,
            versions=self._drafts.list_versions(draft_id),
            review=review,
            comments=self._reviews.comments(draft_id),
            can_edit=self._access.may_edit(user, owner, draft_id),
            record_passages=dict(saved.record.passage_ids),
            section_labels=section_labels(saved.draft),
            history=review_steps(review.events),
        )

    @user_errors
    def share(self, name: str | None, draft_id: str, other: str, permission: str = "read") -> None:
        """Let another user see (or with "edit", also change) this draft; only its owner or an admin may."""
        user, owner = self._access.readable(name, draft_id)
        if not self._access.may_share(user, owner):
            raise ServiceError("只有材料负责人可以共享。")
        target = self._access.known_user((other or "").strip())
        if target is None:
            raise ServiceError(f"用户“{other}”不存在。")
        if permission not in ("read", "edit"):
            raise ServiceError(f"共享权限“{permission}”无效。")
        self._drafts.share(draft_id, target.name, permission)


def draft_listings(summaries: list[DraftSummary], user: User, reviews: ReviewLog) -> list[DraftListing]:
    """The drafts as the lists show them, for this user, each with its review state."""
    states = reviews.states([s.id for s in summaries])
    return [
        DraftListing(
            s.id, s.title, s.owner, s.period, s.updated, s.latest_version, states[s.id], s.owner == user.name
        )
        for s in summaries
    ]


def section_labels(draft: Draft) -> dict[str, str]:
    """Each section's label for people, unique within the draft and carrying its part.

    A subsection's heading alone repeats across parts ("（一）粮食生产" under both work and plans),
    so it is prefixed with its part: "计划（一）粮食生产". A part heading ("三、2026年工作计划") is
    unique already; a section without a heading is named by its part ("开头").
    """
    labels: dict[str, str] = {}
    for section in draft.sections:
        part = PART_LABELS.get(section.part, section.part)
        heading = section.heading.strip()
        if not heading:
            label = part
        elif section.level >= 2 and not heading.startswith(part):
            label = part + heading
        else:
            label = heading
        labels[section.key] = label
    seen: dict[str, int] = {}
    for key, label in labels.items():
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:  # still the same (two headingless sections of one part): number them
            labels[key] = f"{label}（第{seen[label]}处）"
    return labels


def review_steps(events: Sequence[ReviewEvent]) -> list[ReviewStep]:
    """The review events as decisions people read: a submission after a return is a resubmission."""
    steps, returned = [], False
    for event in events:
        action = "resubmitted" if event.action == "submitted" and returned else event.action
        returned = returned or event.action == "returned"
        steps.append(
            ReviewStep(
                action,
                event.version,
                event.actor,
                event.at[:16].replace("T", " "),
                event.note,
                event.override,
            )
        )
    return steps


def empty_section(spec: SectionSpec) -> Section:
    """A planned section with no text yet."""
    return Section(key=spec.key, part=spec.part, heading=spec.heading, level=spec.level, status="pending")
