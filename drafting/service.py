"""The one object the web UI calls: every action a signed-in person can take, with its permission check.

The UI passes the signed-in user's name (Gradio's request.username) with every call; the service
looks the user up and enforces what their role and the draft's ownership allow, so hiding a button
is never the only protection. Errors a person can fix come out as ServiceError with a Chinese
message; anything else is a bug and is left to propagate (the UI logs it and says so).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from drafting.accounts import User, UserStore, accounts_db_path, can
from drafting.chat import build_chat_model
from drafting.compare import diff_drafts, matching_spans, split_paragraphs
from drafting.components import build_knowledge_base
from drafting.docx_export import DocxExporter
from drafting.draft_json import draft_from_json, draft_to_json
from drafting.draft_store import DraftStore, DraftSummary
from drafting.fact_table import PART_LABELS, rows_to_mapping, sheet_rows
from drafting.facts import parse_facts_mapping, parse_facts_text
from drafting.generation import ChosenExemplars, QueueListener, empty_section, record_from_sections
from drafting.grounding import attribute_paragraph, check_draft
from drafting.model import Draft, FactSheet, Flag, Outline, Paragraph
from drafting.outlines import load_outlines
from drafting.pipeline import DraftingCancelled, DraftingFailed, DraftingListener, DraftingPipeline
from drafting.preview import PreviewError, render_pages
from drafting.prompting import exemplar_query
from drafting.reviews import Comment, ReviewState, ReviewStore, reviews_db_path
from drafting.service_knowledge import KnowledgeActions, SharedKnowledgeBase
from drafting.service_prompts import PromptActions
from drafting.settings import Settings
from drafting.templates import PromptLibrary
from drafting.views import (
    USER_FACING,
    DiffRow,
    DraftListing,
    FactMatch,
    GenerationEvent,
    ParagraphSources,
    PassageMatch,
    Preview,
    SectionPlan,
    ServiceError,
    Workspace,
    user_errors,
)
from retrieval.documents import Passage, SearchFilters, SearchHit

# Re-exported: the UI imports everything it needs from this module alone.
__all__ = [
    "PART_LABELS",
    "DraftingService",
    "ParagraphSources",
    "SectionPlan",
    "ServiceError",
    "Workspace",
    "build_service",
    "sheet_rows",
]

log = logging.getLogger(__name__)

EXEMPLARS_K = 3  # exemplars a section's prompt carries
EXEMPLARS_SHOWN = 6  # candidates shown to the writer, who may pin some beyond the first three
MAX_SECTION_CHARS = 20_000


class DraftingService(KnowledgeActions, PromptActions):
    """Everything the web UI does, for a named signed-in user, with permissions enforced here.

    Collaborators are passed in (tests give fakes or small real ones); ``build_service`` wires the
    real ones from Settings. The knowledge base is built on first use, since loading an
    embedding model takes seconds and a sign-in page should not wait for it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        users: UserStore,
        reviews: ReviewStore,
        drafts: DraftStore,
        knowledge_base: Any | Callable[[], Any] | None = None,
        chat: Any | None = None,
        exporter: Any | None = None,
        prompts: Any | None = None,
        render_pages: Callable[[Path, Path], list[Path]] | None = None,
    ) -> None:
        self.settings = settings
        self.users = users
        self.reviews = reviews
        self.drafts = drafts
        self._kb_source = knowledge_base
        self._kb: Any | None = (
            None
            if callable(knowledge_base) or knowledge_base is None
            else SharedKnowledgeBase(knowledge_base)
        )
        self._kb_lock = threading.Lock()
        self.chat = chat
        self.exporter = exporter or DocxExporter(reference_docx=settings.reference_docx)
        self.prompts = prompts
        self._render_pages = render_pages
        self._runs: dict[str, tuple[str, threading.Event]] = {}  # run id → (user, cancel event)
        self._runs_lock = threading.Lock()

    # ------------------------------------------------------------ people

    def authenticate(self, name: str, password: str) -> bool:
        """For the sign-in form: True when the name and password match a user."""
        return self.users.verify(name, password) is not None

    @user_errors
    def user(self, name: str | None) -> User:
        """The signed-in user; ServiceError when the name is unknown (e.g. removed since sign-in)."""
        user = self.users.get(name) if name else None
        if user is None:
            raise ServiceError("请先登录。")
        return user

    def can(self, name: str | None, action: str) -> bool:
        user = self.users.get(name) if name else None
        return user is not None and can(user.role, action)

    def mode_label(self) -> str:
        """Who writes new sections: the configured model, or the offline composer."""
        return f"模型 {self.chat.name}" if self.chat is not None else "离线模板撰写"

    # ------------------------------------------------------------ knowledge base

    def knowledge_base(self) -> Any:
        """The knowledge base, built on first use (loading the embedding model takes a while)."""
        if self._kb is None:
            with self._kb_lock:
                if self._kb is None:
                    source = self._kb_source
                    kb = source() if callable(source) else build_knowledge_base(self.settings)
                    self._kb = None if kb is None else SharedKnowledgeBase(kb)
        return self._kb

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

    # ------------------------------------------------------------ drafts: access

    def _listing(self, summary: DraftSummary, user: User) -> DraftListing:
        return DraftListing(
            summary.id,
            summary.title,
            summary.owner,
            summary.period,
            summary.updated,
            summary.latest_version,
            self.reviews.state(summary.id),
            summary.owner == user.name,
        )

    def _may_read(self, user: User, summary_owner: str | None, draft_id: str) -> bool:
        if user.role == "admin" or summary_owner == user.name:
            return True
        if user.name in self.drafts.shared_with(draft_id):
            return True
        # Reviewers see what was sent for review (and keep seeing it after deciding).
        return can(user.role, "review") and draft_id in self.reviews.ever_submitted()

    def _may_edit(self, user: User, owner: str | None, draft_id: str) -> bool:
        if not can(user.role, "draft"):
            return False
        return (
            user.role == "admin"
            or owner == user.name
            or self.drafts.shared_with(draft_id).get(user.name) == "edit"
        )

    def _owner(self, draft_id: str) -> str | None:
        summary = next((s for s in self.drafts.list_drafts() if s.id == draft_id), None)
        if summary is None:
            raise ServiceError("找不到这份材料，或你无权查看。")
        return summary.owner

    def _readable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        user = self.user(name)
        owner = self._owner(draft_id or "")
        if not self._may_read(user, owner, draft_id):
            # Same words as a missing draft: do not confirm that someone else's draft exists.
            raise ServiceError("找不到这份材料，或你无权查看。")
        return user, owner

    def _editable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        user, owner = self._readable(name, draft_id)
        if not self._may_edit(user, owner, draft_id):
            raise ServiceError(f"{user.role_label}不能修改这份材料（负责人：{owner}）。")
        if self.reviews.state(draft_id).status == "in_review":
            raise ServiceError("这份材料正在审核中，审核通过或退回后才能修改。")
        return user, owner

    @user_errors
    def list_drafts(self, name: str | None) -> list[DraftListing]:
        """Drafts this user may open: their own, those shared with them, and (reviewers) those sent for review."""
        user = self.user(name)
        submitted = self.reviews.ever_submitted()
        visible = []
        for summary in self.drafts.list_drafts():
            if (
                summary.owner == user.name
                or user.role == "admin"
                or user.name in self.drafts.shared_with(summary.id)
                or (can(user.role, "review") and summary.id in submitted)
            ):
                visible.append(summary)
        return [self._listing(s, user) for s in visible]

    @user_errors
    def review_queue(self, name: str | None) -> list[DraftListing]:
        """Drafts waiting for a decision, for reviewers."""
        user = self.users.require(name, "review")
        waiting = {s.draft_id for s in self.reviews.in_review()}
        return [self._listing(s, user) for s in self.drafts.list_drafts() if s.id in waiting]

    @user_errors
    def open_draft(self, name: str | None, draft_id: str, version: int | None = None) -> Workspace:
        """A version of a draft (the latest by default) with its history, review state and comments."""
        user, owner = self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id, version)
        return Workspace(
            draft=saved.draft,
            sheet=saved.facts,
            version=saved.number,
            owner=owner,
            versions=self.drafts.list_versions(draft_id),
            review=self.reviews.state(draft_id),
            comments=self.reviews.comments(draft_id),
            can_edit=self._may_edit(user, owner, draft_id),
            record_passages=dict(saved.record.passage_ids),
        )

    @user_errors
    def share(self, name: str | None, draft_id: str, other: str, permission: str = "read") -> None:
        """Let another user see (or with "edit", also change) this draft; only its owner or an admin may."""
        user, owner = self._readable(name, draft_id)
        if owner != user.name and user.role != "admin":
            raise ServiceError("只有材料负责人可以共享。")
        target = self.users.get((other or "").strip())
        if target is None:
            raise ServiceError(f"用户“{other}”不存在。")
        if permission not in ("read", "edit"):
            raise ServiceError(f"共享权限“{permission}”无效。")
        self.drafts.share(draft_id, target.name, permission)

    # ------------------------------------------------------------ drafts: writing

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

    def warm_up(self) -> None:
        """Build the knowledge base now (e.g. in a background thread at start-up) rather than on first use."""
        self._kb_or_none()

    def _kb_or_none(self) -> Any | None:
        try:
            return self.knowledge_base()
        except Exception:
            log.exception("knowledge base unavailable")
            return None

    def _sheet(self, draft_id: str) -> FactSheet:
        sheet = self.drafts.get_version(draft_id).facts
        if sheet is None:
            raise ServiceError("这份材料没有保存事实，请在“事实”中重新填写后点击“准备起草”。")
        return sheet

    def _choices(self, draft_id: str, choices: dict[str, dict[str, list[str]]] | None) -> ChosenExemplars:
        """Turn {section key: {"pinned": ids, "dropped": ids}} into what the pipeline's searches return."""
        sheet = self._sheet(draft_id)
        kb = self._kb_or_none()
        _, specs = self._pipeline().plan(sheet)
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
            user, _ = self._editable(name, draft_id)
            if keys is not None and len(keys) != 1:
                raise ServiceError("一次只能重新生成一节。")
            if keys is not None and keys[0] not in {
                s.key for s in self._pipeline().plan(self._sheet(draft_id))[1]
            }:
                raise ServiceError("这一节是部分标题和导语，不单独生成；可以直接修改后保存。")
            exemplars = self._choices(draft_id, choices)
        except USER_FACING + (ServiceError,) as exc:
            yield GenerationEvent("error", text=str(exc))
            return
        run_id = run_id or uuid.uuid4().hex
        cancel = threading.Event()
        with self._runs_lock:
            self._runs[run_id] = (user.name, cancel)
        events: queue.Queue = queue.Queue()
        listener = QueueListener(events)

        def work() -> None:
            try:
                if keys is None:
                    draft = self._generate_all(user.name, draft_id, exemplars, listener, cancel)
                else:
                    pipeline = self._pipeline(knowledge_base=exemplars, store=self.drafts)
                    draft = pipeline.regenerate_section(
                        draft_id, keys[0], author=user.name, listener=listener, cancel=cancel
                    )
                events.put(GenerationEvent("finished", draft=draft))
            except DraftingCancelled:
                events.put(GenerationEvent("cancelled"))
            except USER_FACING + (ServiceError, DraftingFailed) as exc:
                events.put(GenerationEvent("error", text=str(exc)))
            except Exception as exc:  # a bug: log it whole, tell the person briefly
                log.exception("generation failed")
                events.put(GenerationEvent("error", text=f"内部错误（{type(exc).__name__}），已记入日志。"))
            finally:
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
                self._runs.pop(run_id, None)

    def _generate_all(
        self,
        author: str,
        draft_id: str,
        exemplars: ChosenExemplars,
        listener: DraftingListener,
        cancel: threading.Event,
    ) -> Draft:
        sheet = self._sheet(draft_id)
        pipeline = self._pipeline(knowledge_base=exemplars)
        started = time.monotonic()
        draft = pipeline.run(sheet, listener=listener, cancel=cancel)  # not persisted: no store
        record = record_from_sections(draft, pipeline, total_s=time.monotonic() - started)
        return self.drafts.add_version(
            draft_id, draft, reason="generate", author=author, facts=sheet, record=record
        ).draft

    def cancel(self, name: str | None, run_id: str) -> bool:
        """Stop a running generation started by the same user; True if one was running."""
        with self._runs_lock:
            entry = self._runs.get(run_id)
        if entry is None or entry[0] != name:
            return False
        entry[1].set()
        return True

    # ------------------------------------------------------------ drafts: editing and checking

    def _references(self, draft: Draft) -> list[Passage]:
        """The past passages the draft's sections were written with (for verbatim-copy checks)."""
        kb = self._kb_or_none()
        if kb is None:
            return []
        ids = {pid for s in draft.sections for pid in s.record.get("passage_ids", [])}
        return [p for p in (kb.get_passage(i) for i in sorted(ids)) if p is not None]

    def _with_section_text(self, draft: Draft, key: str, text: str, sheet: FactSheet) -> Draft:
        edited = draft_from_json(draft_to_json(draft))
        section = next((s for s in edited.sections if s.key == key), None)
        if section is None:
            raise ServiceError(f"这份材料中没有“{key}”这一节。")
        old = {p.text: p for p in section.paragraphs}
        paragraphs = []
        for line in split_paragraphs(text):
            kept = old.get(line)
            if kept is not None:  # unchanged paragraph: keep its heading kind and its sources
                paragraphs.append(kept)
            else:
                paragraphs.append(Paragraph(text=line, fact_ids=list(attribute_paragraph(line, sheet))))
        section.paragraphs = paragraphs
        section.status = "done" if paragraphs else "pending"
        section.error = None
        return edited

    @user_errors
    def check_section(self, name: str | None, draft_id: str, key: str, text: str) -> list[Flag]:
        """Grounding flags for a section's text as it is being edited (nothing is saved)."""
        self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id)
        sheet = self._sheet(draft_id)
        draft = self._with_section_text(saved.draft, key, text, sheet)
        outline, specs = self._pipeline().plan(sheet)
        report = check_draft(draft, sheet, self._references(draft), outline=outline)
        section_facts = {f.id for spec in specs if spec.key == key for f in spec.facts}
        return [
            f
            for f in report.flags
            if f.section == key or (f.kind == "unused_fact" and f.detail in section_facts)
        ]

    @user_errors
    def save_section(self, name: str | None, draft_id: str, key: str, text: str) -> Draft:
        """Save a person's edit of one section as a new version, re-checked against the facts."""
        user, _ = self._editable(name, draft_id)
        if len(text or "") > MAX_SECTION_CHARS:
            raise ServiceError(f"本节过长（超过 {MAX_SECTION_CHARS} 字），请分节撰写。")
        saved = self.drafts.get_version(draft_id)
        sheet = self._sheet(draft_id)
        draft = self._with_section_text(saved.draft, key, text, sheet)
        for section in draft.sections:
            if section.key == key:
                section.record = {**section.record, "edited_by": user.name}
        outline = self._pipeline().plan(sheet)[0]
        draft.flags = list(check_draft(draft, sheet, self._references(draft), outline=outline).flags)
        return self.drafts.add_version(draft_id, draft, reason="edit", author=user.name, facts=sheet).draft

    @user_errors
    def restore(self, name: str | None, draft_id: str, version: int) -> Draft:
        """Make an earlier version current again (as a new version; nothing is lost)."""
        user, _ = self._editable(name, draft_id)
        return self.drafts.restore(draft_id, int(version), author=user.name).draft

    @user_errors
    def diff(self, name: str | None, draft_id: str, old: int, new: int) -> list[DiffRow]:
        """What changed between two versions, line by line with character detail."""
        self._readable(name, draft_id)
        return diff_drafts(
            self.drafts.get_version(draft_id, int(old)).draft,
            self.drafts.get_version(draft_id, int(new)).draft,
        )

    # ------------------------------------------------------------ export

    def _export_dir(self) -> Path:
        # A fresh unguessable folder per export: the UI serves files by path, and one user's
        # export must not be reachable by guessing another's file name.
        out = self.settings.exports_dir / uuid.uuid4().hex
        out.mkdir(parents=True, exist_ok=True)
        return out

    @user_errors
    def export_docx(
        self, name: str | None, draft_id: str, version: int | None = None, *, comments: bool = False
    ) -> Path:
        """The Word file of a version (the latest by default)."""
        self._readable(name, draft_id)
        draft = self.drafts.get_version(draft_id, version).draft
        return self.exporter.export(draft, self._export_dir() / _file_name(draft), comments=comments)

    @user_errors
    def preview(self, name: str | None, draft_id: str, version: int | None = None) -> Preview:
        """Page images of the Word file as LibreOffice lays it out; a note instead when it cannot."""
        docx_path = self.export_docx(name, draft_id, version)
        render = self._render_pages or render_pages
        try:
            pages = render(docx_path, docx_path.parent / "pages")
        except PreviewError as exc:
            return Preview((), str(exc))
        return Preview(tuple(pages), "")

    # ------------------------------------------------------------ comments and review

    @user_errors
    def add_comment(
        self, name: str | None, draft_id: str, version: int, key: str, index: int, text: str
    ) -> Comment:
        """A comment on one paragraph; reviewers and those who may edit the draft can comment."""
        user, owner = self._readable(name, draft_id)
        if not (can(user.role, "review") or self._may_edit(user, owner, draft_id)):
            raise ServiceError(f"{user.role_label}不能在这份材料上批注。")
        draft = self.drafts.get_version(draft_id, int(version)).draft
        section = next((s for s in draft.sections if s.key == key), None)
        if section is None or not 0 <= int(index) < len(section.paragraphs):
            raise ServiceError("所选段落不存在，请重新点击段落后再批注。")
        quote = section.paragraphs[int(index)].text
        return self.reviews.add_comment(draft_id, int(version), key, int(index), user.name, text, quote)

    @user_errors
    def set_comment_status(self, name: str | None, comment_id: int, status: str) -> Comment:
        """Resolve or reopen a comment on a draft this user may see and comment on."""
        comment = self.reviews.get_comment(int(comment_id))
        if comment is None:
            raise ServiceError(f"批注 {comment_id} 不存在。")
        user, owner = self._readable(name, comment.draft_id)
        if not (can(user.role, "review") or self._may_edit(user, owner, comment.draft_id)):
            raise ServiceError(f"{user.role_label}不能处理这条批注。")
        return self.reviews.set_comment_status(comment.id, status, user.name)  # type: ignore[arg-type]

    @user_errors
    def submit(self, name: str | None, draft_id: str, version: int | None = None) -> ReviewState:
        """Send a version (the latest by default) for review."""
        user, _ = self._editable(name, draft_id)
        number = int(version) if version else self.drafts.get_version(draft_id).number
        self.reviews.submit(draft_id, number, user.name)
        self.drafts.set_status(draft_id, "in_review")
        return self.reviews.state(draft_id)

    @user_errors
    def decide(
        self, name: str | None, draft_id: str, version: int, decision: str, note: str = ""
    ) -> ReviewState:
        """Approve or return the version under review (reviewers only; never one's own draft)."""
        user = self.users.require(name, "review")
        _, owner = self._readable(user.name, draft_id)
        if owner == user.name and user.role != "admin":
            raise ServiceError("不能审核自己起草的材料。")
        self.reviews.decide(draft_id, int(version), decision, user.name, note)  # type: ignore[arg-type]
        self.drafts.set_status(draft_id, decision)
        return self.reviews.state(draft_id)

    @user_errors
    def paragraph_sources(
        self, name: str | None, draft_id: str, version: int, key: str, index: int
    ) -> ParagraphSources:
        """The facts and past passages a paragraph rests on, with the spans it shares with each."""
        self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id, int(version))
        section = next((s for s in saved.draft.sections if s.key == key), None)
        if section is None or not 0 <= int(index) < len(section.paragraphs):
            raise ServiceError("所选段落不存在。")
        paragraph = section.paragraphs[int(index)]
        text = paragraph.text
        facts_by_id = {f.id: f for f in saved.facts.all_facts()} if saved.facts else {}
        fact_ids = list(paragraph.fact_ids) or (
            list(attribute_paragraph(text, saved.facts)) if saved.facts else []
        )
        fact_matches = []
        for fid in fact_ids:
            fact = facts_by_id.get(fid)
            if fact is not None:
                spans = matching_spans(text, fact.text, min_chars=2)
                fact_matches.append(
                    FactMatch(
                        fact, tuple((a, b) for a, b, _, _ in spans), tuple((c, d) for _, _, c, d in spans)
                    )
                )
        kb = self._kb_or_none()
        passage_matches = []
        # A paragraph records the exemplars it leaned on; a hand-written or composed one has none,
        # and then the section's exemplars are the closest thing to a source worth showing.
        passage_ids = [r.passage_id for r in paragraph.passages] or list(
            section.record.get("passage_ids", [])
        )
        for pid in dict.fromkeys(passage_ids):
            passage = kb.get_passage(pid) if kb is not None else None
            if passage is not None:
                spans = matching_spans(text, passage.text)
                passage_matches.append(
                    PassageMatch(
                        passage, tuple((a, b) for a, b, _, _ in spans), tuple((c, d) for _, _, c, d in spans)
                    )
                )
        flags = tuple(f for f in saved.draft.flags if f.section == key and f.paragraph == int(index))
        return ParagraphSources(key, int(index), text, flags, tuple(fact_matches), tuple(passage_matches))


def _file_name(draft: Draft) -> str:
    # Titles are Chinese and may hold characters no file system likes; keep letters, digits and CJK.
    safe = "".join(ch for ch in (draft.title or "") if ch.isalnum() or ch in "（）()-_—")[:60]
    return f"{safe or '材料'}-第{draft.version or 0}版.docx"


def build_service(settings: Settings, *, users: UserStore | None = None) -> DraftingService:
    """The service with the real collaborators the settings describe (the knowledge base built lazily)."""
    return DraftingService(
        settings,
        users=users or UserStore(accounts_db_path(settings.home)),
        reviews=ReviewStore(reviews_db_path(settings.home)),
        drafts=DraftStore(settings.drafts_db_path),
        knowledge_base=lambda: build_knowledge_base(settings),
        chat=build_chat_model(settings),
        prompts=PromptLibrary(settings.templates_dir),
    )
