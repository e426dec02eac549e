"""The one object the web UI calls: every action a signed-in person can take, with its permission check.

The UI passes the signed-in user's name (Gradio's request.username) with every call; the service
looks the user up and enforces what their role and the draft's ownership allow, so hiding a button
is never the only protection. Errors a person can fix come out as ServiceError with a Chinese
message; anything else is a bug and is left to propagate (the UI logs it and says so).
"""

from __future__ import annotations

import difflib
import functools
import logging
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from drafting.accounts import AccountError, PermissionDenied, User, UserStore, accounts_db_path, can
from drafting.chat import build_chat_model
from drafting.components import build_knowledge_base
from drafting.docx_export import DocxExporter, ExportError
from drafting.draft_json import DraftFormatError, draft_from_json, draft_to_json
from drafting.draft_store import DraftNotFound, DraftStore, DraftSummary, GenerationRecord, VersionInfo
from drafting.facts import FactsError, parse_facts_mapping, parse_facts_text
from drafting.grounding import attribute_paragraph, check_draft
from drafting.model import Draft, Fact, FactSheet, Flag, Outline, Paragraph, Section
from drafting.outlines import OutlineError, load_outlines
from drafting.pipeline import DraftingCancelled, DraftingFailed, DraftingListener, DraftingPipeline
from drafting.preview import PreviewError, render_pages
from drafting.prompting import exemplar_query
from drafting.reviews import Comment, ReviewError, ReviewState, ReviewStore, reviews_db_path
from drafting.settings import Settings
from drafting.templates import PromptLibrary, TemplateError
from retrieval.documents import PARTS, Passage, SearchFilters, SearchHit
from retrieval.errors import DocumentError
from retrieval.ingestion import IngestReport
from retrieval.knowledge_base import IndexMismatchError

log = logging.getLogger(__name__)

PART_LABELS: dict[str, str] = {"opening": "开头", "work": "工作", "problems": "问题", "plans": "计划", "closing": "结尾"}
_PART_BY_LABEL = {**{v: k for k, v in PART_LABELS.items()}, **{p: p for p in PARTS}}
_PART_ALIASES = {"成绩": "work", "主要工作": "work", "存在问题": "problems", "不足": "problems", "下步计划": "plans",
                 "打算": "plans", "开篇": "opening", "结语": "closing"}
MATCH_MIN_CHARS = 4  # shorter common runs (的、和、工作) say nothing about where a sentence came from
EXEMPLARS_K = 3  # exemplars a section's prompt carries
EXEMPLARS_SHOWN = 6  # candidates shown to the writer, who may pin some beyond the first three
MAX_SECTION_CHARS = 20_000

# Exceptions whose message is meant for the person at the keyboard.
_USER_FACING: tuple[type[BaseException], ...] = (
    AccountError, PermissionDenied, ReviewError, DraftNotFound, DraftFormatError, FactsError,
    OutlineError, DocumentError, ExportError, PreviewError, TemplateError, IndexMismatchError,
)


class ServiceError(Exception):
    """Something the signed-in person can fix or should know; the message is Chinese."""


def _user_errors(method: Callable) -> Callable:
    """Turn the domain's user-facing exceptions into ServiceError, keeping their messages."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ServiceError:
            raise
        except _USER_FACING as exc:
            raise ServiceError(str(exc)) from exc

    return wrapper


# ---------------------------------------------------------------- view types


@dataclass(frozen=True)
class DraftListing:
    """A draft as the lists show it."""

    id: str
    title: str
    owner: str | None
    period: str
    updated: str
    latest_version: int
    review: ReviewState
    mine: bool


@dataclass
class Workspace:
    """One version of a draft, with what the pages show beside it."""

    draft: Draft
    sheet: FactSheet | None
    version: int
    owner: str | None
    versions: list[VersionInfo]
    review: ReviewState
    comments: list[Comment]
    can_edit: bool
    record_passages: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionPlan:
    """A section to write, and the past passages retrieved for it (style references)."""

    key: str
    heading: str
    part: str
    area: str | None
    facts: tuple[Fact, ...]
    exemplars: tuple[SearchHit, ...]


@dataclass(frozen=True)
class GenerationEvent:
    """One step of a running generation, in the order it happened."""

    kind: Literal["start", "delta", "done", "failed", "progress", "finished", "cancelled", "error"]
    key: str | None = None
    text: str = ""  # the delta, or the error message
    section: Section | None = None
    done: int = 0
    total: int = 0
    draft: Draft | None = None


@dataclass(frozen=True)
class FactMatch:
    fact: Fact
    paragraph_spans: tuple[tuple[int, int], ...]
    fact_spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PassageMatch:
    passage: Passage
    paragraph_spans: tuple[tuple[int, int], ...]
    passage_spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ParagraphSources:
    """What a paragraph rests on, with the spans it shares with each source."""

    section: str
    index: int
    text: str
    flags: tuple[Flag, ...]
    facts: tuple[FactMatch, ...]
    passages: tuple[PassageMatch, ...]


@dataclass(frozen=True)
class DiffRow:
    kind: Literal["same", "changed", "added", "removed"]
    segments: tuple[tuple[str, str], ...]  # (op, text), op in "=", "+", "-"


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str  # 新增 / 未变化 / 已替换 / 失败
    passages: int
    reason: str = ""


@dataclass(frozen=True)
class Preview:
    pages: tuple[Path, ...]  # rendered page images, when LibreOffice is available
    note: str  # why there are no images, if there are none


# ---------------------------------------------------------------- pure helpers


def matching_spans(a: str, b: str, min_chars: int = MATCH_MIN_CHARS) -> list[tuple[int, int, int, int]]:
    """Runs of at least ``min_chars`` characters shared by a and b, as (a_start, a_end, b_start, b_end)."""
    if not a or not b:
        return []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [
        (m.a, m.a + m.size, m.b, m.b + m.size) for m in matcher.get_matching_blocks() if m.size >= min_chars
    ]


def draft_rows(draft: Draft) -> list[str]:
    """The draft's lines in reading order, for diffs."""
    rows = [draft.title]
    for section in draft.sections:
        if section.heading:
            rows.append(section.heading)
        rows.extend(p.text for p in section.paragraphs)
    return [r for r in rows if r and r.strip()]


def diff_drafts(old: Draft, new: Draft) -> list[DiffRow]:
    """Line-level diff of two drafts, with character-level detail inside changed lines."""
    a, b = draft_rows(old), draft_rows(new)
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("same", (("=", line),)) for line in a[i1:i2])
        elif op == "delete":
            rows.extend(DiffRow("removed", (("-", line),)) for line in a[i1:i2])
        elif op == "insert":
            rows.extend(DiffRow("added", (("+", line),)) for line in b[j1:j2])
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                if k >= len(olds):
                    rows.append(DiffRow("added", (("+", news[k]),)))
                elif k >= len(news):
                    rows.append(DiffRow("removed", (("-", olds[k]),)))
                else:
                    rows.append(DiffRow("changed", tuple(_char_diff(olds[k], news[k]))))
    return rows


def _char_diff(old: str, new: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("-", old[i1:i2]))
            if j2 > j1:
                out.append(("+", new[j1:j2]))
    return out


def split_paragraphs(text: str) -> list[str]:
    """A section's edited text → paragraph texts: one per non-blank line, trimmed."""
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def rows_to_mapping(rows: Sequence[Sequence[Any]], *, kind: str, org: str, period: str,
                    next_period: str | None) -> dict[str, Any]:
    """The facts table (部分, 方面, 事实) as the facts mapping; a bad row raises ServiceError naming it."""
    parts: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [("" if c is None else str(c)).strip() for c in list(row)[:3]]
        cells += [""] * (3 - len(cells))
        part_label, area, fact = cells
        if not any(cells) or cells == ["nan", "nan", "nan"]:
            continue
        part = _PART_BY_LABEL.get(part_label) or _PART_ALIASES.get(part_label)
        if part is None:
            problems.append(f"第 {number} 行“部分”列：“{part_label}”无效，应为 {'/'.join(PART_LABELS.values())} 之一")
            continue
        if not fact:
            problems.append(f"第 {number} 行“事实”列：不能为空")
            continue
        groups = parts.setdefault(part, [])
        group = next((g for g in groups if g["area"] == (area or None)), None)
        if group is None:
            group = {"area": area or None, "facts": []}
            groups.append(group)
        group["facts"].append(fact)
    if problems:
        raise ServiceError("事实表有误：\n" + "\n".join(problems))
    for groups in parts.values():
        for g in groups:
            if g["area"] is None:
                del g["area"]
    mapping: dict[str, Any] = {"kind": kind, "org": org, "period": period, "parts": parts}
    if next_period:
        mapping["next_period"] = next_period
    return mapping


def sheet_rows(sheet: FactSheet | None) -> list[list[str]]:
    """A fact sheet as the facts table (部分, 方面, 事实)."""
    if sheet is None:
        return []
    return [
        [PART_LABELS.get(part, part), group.area or "", fact.text]
        for part in PARTS
        for group in sheet.parts.get(part, ())
        for fact in group.facts
    ]


# ---------------------------------------------------------------- the service


class _QueueListener(DraftingListener):
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

    def __init__(self, kb: Any, choices: dict[tuple[str, str], tuple[list[Passage], set[str]]]) -> None:
        self._kb = kb
        self._choices = choices

    def search(self, query: str, filters: SearchFilters = SearchFilters(), k: int = 5) -> list[SearchHit]:
        pinned, dropped = self._choices.get((query, filters.part or ""), ([], set()))
        exclude = frozenset(dropped) | {p.id for p in pinned}
        hits = [] if self._kb is None else self._kb.search(query, filters=replace(filters, exclude_ids=exclude), k=k)
        chosen = [SearchHit(p, 1.0) for p in pinned] + hits
        return chosen[: max(k, len(pinned))]

    def get_passage(self, passage_id: str) -> Passage | None:
        return None if self._kb is None else self._kb.get_passage(passage_id)


class DraftingService:
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
        self._kb: Any | None = None if callable(knowledge_base) else knowledge_base
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

    @_user_errors
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
                    self._kb = source() if callable(source) else build_knowledge_base(self.settings)
        return self._kb

    # ------------------------------------------------------------ outlines and facts

    @_user_errors
    def outlines(self) -> list[Outline]:
        """The report kinds a writer can start, as the outline files define them."""
        return list(load_outlines(self.settings.outlines_dir).values())

    @_user_errors
    def parse_facts_text(self, text: str, *, kind: str, org: str, period: str, next_period: str | None) -> FactSheet:
        """Pasted plain text → a fact sheet; FactsError messages (naming the field) become ServiceError."""
        if not (text or "").strip():
            raise ServiceError("事实文本为空：请每行写一条事实。")
        return parse_facts_text(text, kind=kind, org=org.strip(), period=period.strip(),
                                next_period=(next_period or "").strip() or None)

    @_user_errors
    def facts_from_rows(self, rows: Sequence[Sequence[Any]], *, kind: str, org: str, period: str,
                        next_period: str | None) -> FactSheet:
        """The facts table → a fact sheet, validated like a facts file (messages name row or field)."""
        mapping = rows_to_mapping(rows, kind=kind, org=(org or "").strip(), period=(period or "").strip(),
                                  next_period=(next_period or "").strip() or None)
        if not mapping["parts"]:
            raise ServiceError("事实表为空：请至少填写一条事实。")
        return parse_facts_mapping(mapping)

    # ------------------------------------------------------------ drafts: access

    def _listing(self, summary: DraftSummary, user: User) -> DraftListing:
        return DraftListing(summary.id, summary.title, summary.owner, summary.period, summary.updated,
                            summary.latest_version, self.reviews.state(summary.id), summary.owner == user.name)

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
        return user.role == "admin" or owner == user.name or self.drafts.shared_with(draft_id).get(user.name) == "edit"

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

    @_user_errors
    def list_drafts(self, name: str | None) -> list[DraftListing]:
        """Drafts this user may open: their own, those shared with them, and (reviewers) those sent for review."""
        user = self.user(name)
        submitted = self.reviews.ever_submitted()
        visible = []
        for summary in self.drafts.list_drafts():
            if summary.owner == user.name or user.role == "admin":
                visible.append(summary)
            elif user.name in self.drafts.shared_with(summary.id) or (
                can(user.role, "review") and summary.id in submitted
            ):
                visible.append(summary)
        return [self._listing(s, user) for s in visible]

    @_user_errors
    def review_queue(self, name: str | None) -> list[DraftListing]:
        """Drafts waiting for a decision, for reviewers."""
        user = self.users.require(name, "review")
        waiting = {s.draft_id for s in self.reviews.in_review()}
        return [self._listing(s, user) for s in self.drafts.list_drafts() if s.id in waiting]

    @_user_errors
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

    @_user_errors
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

    @_user_errors
    def start_draft(self, name: str | None, sheet: FactSheet, draft_id: str | None = None) -> Workspace:
        """Save the facts as a new draft (or a new version of an open one) with its sections still empty."""
        user = self.users.require(name, "draft")
        pipeline = self._pipeline()
        outline, specs = pipeline.plan(sheet)
        if draft_id:
            self._editable(user.name, draft_id)
            previous = self.drafts.get_version(draft_id).draft
            done = {s.key: s for s in previous.sections if s.paragraphs}
            draft = pipeline.assemble(outline, sheet, [done.get(s.key) or _empty_section(s) for s in specs])
            self.drafts.add_version(draft_id, draft, reason="facts", author=user.name, facts=sheet)
        else:
            draft = pipeline.assemble(outline, sheet, [_empty_section(s) for s in specs])
            draft_id = self.drafts.create_draft(draft, facts=sheet, owner=user.name, reason="facts").info.draft_id
        return self.open_draft(user.name, draft_id)

    @_user_errors
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
            plans.append(SectionPlan(spec.key, spec.heading, spec.part, spec.area, tuple(spec.facts), tuple(hits)))
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
            if keys is not None and keys[0] not in {s.key for s in self._pipeline().plan(self._sheet(draft_id))[1]}:
                raise ServiceError("这一节是部分标题和导语，不单独生成；可以直接修改后保存。")
            exemplars = self._choices(draft_id, choices)
        except _USER_FACING + (ServiceError,) as exc:
            yield GenerationEvent("error", text=str(exc))
            return
        run_id = run_id or uuid.uuid4().hex
        cancel = threading.Event()
        with self._runs_lock:
            self._runs[run_id] = (user.name, cancel)
        events: queue.Queue = queue.Queue()
        listener = _QueueListener(events)

        def work() -> None:
            try:
                if keys is None:
                    draft = self._generate_all(user.name, draft_id, exemplars, listener, cancel)
                else:
                    pipeline = self._pipeline(knowledge_base=exemplars, store=self.drafts)
                    draft = pipeline.regenerate_section(draft_id, keys[0], author=user.name,
                                                        listener=listener, cancel=cancel)
                events.put(GenerationEvent("finished", draft=draft))
            except DraftingCancelled:
                events.put(GenerationEvent("cancelled"))
            except _USER_FACING + (ServiceError, DraftingFailed) as exc:
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

    def _generate_all(self, author: str, draft_id: str, exemplars: ChosenExemplars,
                      listener: DraftingListener, cancel: threading.Event) -> Draft:
        sheet = self._sheet(draft_id)
        pipeline = self._pipeline(knowledge_base=exemplars)
        started = time.monotonic()
        draft = pipeline.run(sheet, listener=listener, cancel=cancel)  # not persisted: no store
        record = record_from_sections(draft, pipeline, total_s=time.monotonic() - started)
        return self.drafts.add_version(draft_id, draft, reason="generate", author=author, facts=sheet,
                                       record=record).draft

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

    @_user_errors
    def check_section(self, name: str | None, draft_id: str, key: str, text: str) -> list[Flag]:
        """Grounding flags for a section's text as it is being edited (nothing is saved)."""
        self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id)
        sheet = self._sheet(draft_id)
        draft = self._with_section_text(saved.draft, key, text, sheet)
        report = check_draft(draft, sheet, self._references(draft))
        section_facts = {f.id for spec in self._pipeline().plan(sheet)[1] if spec.key == key for f in spec.facts}
        return [f for f in report.flags if f.section == key or (f.kind == "unused_fact" and f.detail in section_facts)]

    @_user_errors
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
        draft.flags = list(check_draft(draft, sheet, self._references(draft)).flags)
        return self.drafts.add_version(draft_id, draft, reason="edit", author=user.name, facts=sheet).draft

    @_user_errors
    def restore(self, name: str | None, draft_id: str, version: int) -> Draft:
        """Make an earlier version current again (as a new version; nothing is lost)."""
        user, _ = self._editable(name, draft_id)
        return self.drafts.restore(draft_id, int(version), author=user.name).draft

    @_user_errors
    def diff(self, name: str | None, draft_id: str, old: int, new: int) -> list[DiffRow]:
        """What changed between two versions, line by line with character detail."""
        self._readable(name, draft_id)
        return diff_drafts(self.drafts.get_version(draft_id, int(old)).draft,
                           self.drafts.get_version(draft_id, int(new)).draft)

    # ------------------------------------------------------------ export

    def _export_dir(self) -> Path:
        # A fresh unguessable folder per export: the UI serves files by path, and one user's
        # export must not be reachable by guessing another's file name.
        out = self.settings.exports_dir / uuid.uuid4().hex
        out.mkdir(parents=True, exist_ok=True)
        return out

    @_user_errors
    def export_docx(self, name: str | None, draft_id: str, version: int | None = None, *, comments: bool = False) -> Path:
        """The Word file of a version (the latest by default)."""
        self._readable(name, draft_id)
        draft = self.drafts.get_version(draft_id, version).draft
        return self.exporter.export(draft, self._export_dir() / _file_name(draft), comments=comments)

    @_user_errors
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

    @_user_errors
    def add_comment(self, name: str | None, draft_id: str, version: int, key: str, index: int, text: str) -> Comment:
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

    @_user_errors
    def set_comment_status(self, name: str | None, comment_id: int, status: str) -> Comment:
        """Resolve or reopen a comment on a draft this user may see and comment on."""
        comment = self.reviews.get_comment(int(comment_id))
        if comment is None:
            raise ServiceError(f"批注 {comment_id} 不存在。")
        user, owner = self._readable(name, comment.draft_id)
        if not (can(user.role, "review") or self._may_edit(user, owner, comment.draft_id)):
            raise ServiceError(f"{user.role_label}不能处理这条批注。")
        return self.reviews.set_comment_status(comment.id, status, user.name)  # type: ignore[arg-type]

    @_user_errors
    def submit(self, name: str | None, draft_id: str, version: int | None = None) -> ReviewState:
        """Send a version (the latest by default) for review."""
        user, _ = self._editable(name, draft_id)
        number = int(version) if version else self.drafts.get_version(draft_id).number
        self.reviews.submit(draft_id, number, user.name)
        self.drafts.set_status(draft_id, "in_review")
        return self.reviews.state(draft_id)

    @_user_errors
    def decide(self, name: str | None, draft_id: str, version: int, decision: str, note: str = "") -> ReviewState:
        """Approve or return the version under review (reviewers only; never one's own draft)."""
        user = self.users.require(name, "review")
        _, owner = self._readable(user.name, draft_id)
        if owner == user.name and user.role != "admin":
            raise ServiceError("不能审核自己起草的材料。")
        self.reviews.decide(draft_id, int(version), decision, user.name, note)  # type: ignore[arg-type]
        self.drafts.set_status(draft_id, decision)
        return self.reviews.state(draft_id)

    @_user_errors
    def paragraph_sources(self, name: str | None, draft_id: str, version: int, key: str, index: int) -> ParagraphSources:
        """The facts and past passages a paragraph rests on, with the spans it shares with each."""
        self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id, int(version))
        section = next((s for s in saved.draft.sections if s.key == key), None)
        if section is None or not 0 <= int(index) < len(section.paragraphs):
            raise ServiceError("所选段落不存在。")
        paragraph = section.paragraphs[int(index)]
        text = paragraph.text
        facts_by_id = {f.id: f for f in saved.facts.all_facts()} if saved.facts else {}
        fact_ids = list(paragraph.fact_ids) or (list(attribute_paragraph(text, saved.facts)) if saved.facts else [])
        fact_matches = []
        for fid in fact_ids:
            fact = facts_by_id.get(fid)
            if fact is not None:
                spans = matching_spans(text, fact.text, min_chars=2)
                fact_matches.append(FactMatch(fact, tuple((a, b) for a, b, _, _ in spans),
                                              tuple((c, d) for _, _, c, d in spans)))
        kb = self._kb_or_none()
        passage_matches = []
        # A paragraph records the exemplars it leaned on; a hand-written or composed one has none,
        # and then the section's exemplars are the closest thing to a source worth showing.
        passage_ids = [r.passage_id for r in paragraph.passages] or list(section.record.get("passage_ids", []))
        for pid in dict.fromkeys(passage_ids):
            passage = kb.get_passage(pid) if kb is not None else None
            if passage is not None:
                spans = matching_spans(text, passage.text)
                passage_matches.append(PassageMatch(passage, tuple((a, b) for a, b, _, _ in spans),
                                                    tuple((c, d) for _, _, c, d in spans)))
        flags = tuple(f for f in saved.draft.flags if f.section == key and f.paragraph == int(index))
        return ParagraphSources(key, int(index), text, flags, tuple(fact_matches), tuple(passage_matches))


    # ------------------------------------------------------------ knowledge base

    def _library(self) -> Path:
        # Uploads are copied here under their own names, so uploading a changed file again replaces
        # the old one (same path, same document id) and an unchanged one is skipped.
        return self.settings.home / "library"

    @_user_errors
    def ingest(self, name: str | None, files: Sequence[tuple[str, Path]],
               progress: Callable[[float, str], None] | None = None) -> list[FileResult]:
        """Add uploaded files (original name, temporary path) to the knowledge base, one result per file."""
        self.users.require(name, "add_documents")
        if not files:
            raise ServiceError("请先选择要上传的文件。")
        library = self._library()
        library.mkdir(parents=True, exist_ok=True)
        results: list[FileResult] = []
        to_ingest: list[Path] = []
        for original, temp in files:
            safe = Path(original or "").name.strip()
            if not safe or safe.startswith("."):
                results.append(FileResult(original or "（无名文件）", "失败", 0, "文件名无效"))
                continue
            target = library / safe
            try:
                shutil.copyfile(temp, target)
            except OSError as exc:
                results.append(FileResult(safe, "失败", 0, f"无法保存上传的文件：{exc.strerror or exc}"))
                continue
            to_ingest.append(target)
        if to_ingest:
            report = self.knowledge_base().ingest(to_ingest, progress=_progress_adapter(progress))
            results.extend(file_results(report))
        return results

    def ingest_at_startup(self, folder: Path, progress: Callable[[float, str], None] | None = None) -> str:
        """For `drafter serve --ingest DIR`: ingest a folder (unchanged files skipped); a one-line summary."""
        report = self.knowledge_base().ingest([folder], progress=_progress_adapter(progress))
        results = file_results(report)
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = "，".join(f"{status} {n} 个" for status, n in counts.items()) or "没有可入库的文件"
        failed = [f"  {r.name}：{r.reason}" for r in results if r.status == "失败"]
        return "\n".join([f"入库完成：{summary}。", *failed])

    @_user_errors
    def documents(self, name: str | None) -> list[Any]:
        """The documents in the knowledge base (any signed-in user may look)."""
        self.user(name)
        return list(self.knowledge_base().list_documents())

    @_user_errors
    def document(self, name: str | None, id_or_path: str) -> Any:
        """One document with its cleaned text and the lines cleaning removed."""
        self.user(name)
        try:
            doc = self.knowledge_base().get_document(id_or_path)
        except LookupError as exc:  # a file name shared by several documents
            raise ServiceError(str(exc)) from exc
        if doc is None:
            raise ServiceError(f"知识库中没有“{id_or_path}”。")
        return doc

    @_user_errors
    def remove_document(self, name: str | None, id_or_path: str) -> None:
        """Remove a document and its passages (admins only)."""
        self.users.require(name, "remove_documents")
        try:
            removed = self.knowledge_base().remove(id_or_path)
        except LookupError as exc:
            raise ServiceError(str(exc)) from exc
        if removed is None:
            raise ServiceError(f"知识库中没有“{id_or_path}”。")

    @_user_errors
    def search(self, name: str | None, query: str, *, part: str | None = None, year: int | None = None,
               org: str | None = None, k: int = 8) -> list[SearchHit]:
        """Hybrid search over past reports; an empty query is a ServiceError, not an empty list."""
        self.user(name)
        if not (query or "").strip():
            raise ServiceError("请输入要检索的内容。")
        if part and part not in PARTS:
            raise ServiceError(f"部分“{part}”无效。")
        filters = SearchFilters(part=part or None, year=year or None, org=(org or "").strip() or None)  # type: ignore[arg-type]
        try:
            return list(self.knowledge_base().search(query.strip(), filters=filters, k=max(1, min(int(k), 50))))
        except ValueError as exc:  # the knowledge base's messages for bad queries are Chinese
            raise ServiceError(str(exc)) from exc


    # ------------------------------------------------------------ prompt templates

    @_user_errors
    def prompt_templates(self, name: str | None) -> dict[str, list[str]]:
        """Template names with their versions (anyone signed in may read them)."""
        self.user(name)
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        return {t: library.versions(t) for t in library.names()}

    @_user_errors
    def prompt_source(self, name: str | None, template: str, version: str | None = None) -> str:
        self.user(name)
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        return library.get(template, version).path.read_text(encoding="utf-8-sig")

    @_user_errors
    def save_prompt(self, name: str | None, template: str, source: str) -> str:
        """Save an edited template as its next version (maintainers only); checked before it counts."""
        self.users.require(name, "edit_prompts")
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        existing = library.versions(template)
        version = f"v{max(int(v[1:]) for v in existing) + 1}"
        text = with_front_matter_version(source, version)
        # Check the text in a scratch library first: a template that does not load must never
        # become the latest version the pipeline picks up.
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / template).mkdir()
            (Path(scratch) / template / f"{version}.md").write_text(text, encoding="utf-8")
            PromptLibrary(Path(scratch)).get(template, version)
        target = library.directory / template / f"{version}.md"
        staging = target.with_name(f".{version}.md.saving")
        staging.write_text(text, encoding="utf-8")
        staging.replace(target)  # atomic: readers see the old set of versions or the new one
        return version


# ---------------------------------------------------------------- module helpers


def with_front_matter_version(source: str, version: str) -> str:
    """The template text with its front-matter ``version:`` set to ``version`` (added if missing)."""
    text = (source or "").replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---" not in text[4:]:
        raise ServiceError("模板开头应为 YAML 文件头（以 --- 开始和结束的几行）。")
    end = text.index("\n---", 4)
    head, rest = text[4:end], text[end:]
    lines = [line for line in head.split("\n") if not line.startswith("version:")]
    return "---\n" + "\n".join([f"version: {version}", *lines]) + rest


_STAGE_LABELS = {"loading": "读取", "parsing": "解析入库", "added": "已新增", "replaced": "已替换",
                 "unchanged": "未变化", "failed": "失败"}


def _progress_adapter(progress: Callable[[float, str], None] | None) -> Callable[[str, int, int, str], None]:
    """The knowledge base reports (file, index, total, status) in two passes; a bar wants one fraction.

    Reading all files is the first 30 %, parsing and indexing each the remaining 70 %.
    """

    def report(file_name: str, index: int, total: int, status: str) -> None:
        if progress is None:
            return
        share = index / max(total, 1)
        fraction = 0.3 * share if status in ("loading", "unchanged") else 0.3 + 0.7 * share
        progress(min(fraction, 1.0), f"{_STAGE_LABELS.get(status, status)}：{file_name}（{index}/{total}）")

    return report


def file_results(report: IngestReport) -> list[FileResult]:
    """One row per file of an ingest, in a fixed order: added, replaced, unchanged, failed."""
    rows = [FileResult(Path(o.path).name, label, o.passages) for label, outcomes in
            (("新增", report.added), ("已替换", report.replaced), ("未变化", report.unchanged)) for o in outcomes]
    rows += [FileResult(Path(f.path).name, "失败", 0, f.reason) for f in report.failed]
    return rows


def _empty_section(spec: Any) -> Section:
    return Section(key=spec.key, part=spec.part, heading=spec.heading, level=spec.level, status="pending")


def _file_name(draft: Draft) -> str:
    # Titles are Chinese and may hold characters no file system likes; keep letters, digits and CJK.
    safe = "".join(ch for ch in (draft.title or "") if ch.isalnum() or ch in "（）()-_—")[:60]
    return f"{safe or '材料'}-第{draft.version or 0}版.docx"


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
        params={"temperature": pipeline.temperature, "max_tokens": pipeline.max_tokens,
                "exemplars_k": pipeline.exemplars_k, "concurrency": pipeline.concurrency},
        timings={**{k: r.get("timings", {}).get("write_s", 0.0) for k, r in records.items()}, "total": round(total_s, 4)},
        usage={k: r["usage"] for k, r in records.items() if r.get("usage")},
    )


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
