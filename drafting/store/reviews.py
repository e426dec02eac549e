"""Review of drafts: comments on paragraphs, sending a version for review, approving or returning it.

Kept in its own SQLite file under the data directory, or in the team's database. A comment is anchored to a draft version, a
section key and a paragraph index, and keeps a quote of the paragraph (whole sentences, around
the words the reviewer selected) so it still reads sensibly after the text has been edited in a
later version. The review status of a draft is the last event of its history: submitted → in
review; approved; returned. An event sent or approved while grounding flags or comments were
still open records that override, so the history shows who pushed what through.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import RowMapping, String, bindparam
from sqlalchemy import text as sql

from drafting.store.database import SERIAL_KEY, SchemaStore, Step

if TYPE_CHECKING:
    pass

CommentStatus = Literal["open", "resolved"]
ReviewAction = Literal["submitted", "approved", "returned"]
ReviewStatus = Literal["editing", "in_review", "approved", "returned"]

STATUS_LABELS: dict[str, str] = {
    "editing": "起草中",
    "in_review": "待审核",
    "approved": "已通过",
    "returned": "已退回",
}
COMMENT_STATUS_LABELS: dict[str, str] = {"open": "待处理", "resolved": "已解决"}

MAX_COMMENT_LENGTH = 2000
QUOTE_LENGTH = 160  # longer paragraphs are quoted by their sentences around the commented words
SENTENCE_ENDS = "。！？；!?;"


class ReviewError(ValueError):
    """A user-facing problem with a comment or a review step; the message is in Chinese."""


@dataclass(frozen=True)
class Comment:
    id: int
    draft_id: str
    version: int
    section: str  # section key, e.g. "work:0"
    paragraph: int  # index within the section
    author: str
    text: str
    status: CommentStatus
    created_at: str
    quote: str = ""  # the start of the paragraph when the comment was written
    resolved_by: str | None = None
    resolved_at: str | None = None


@dataclass(frozen=True)
class ReviewEvent:
    draft_id: str
    version: int
    action: ReviewAction
    actor: str
    note: str
    at: str
    override: str = ""  # what was still open when it was sent or approved anyway


@dataclass(frozen=True)
class ReviewState:
    draft_id: str
    status: ReviewStatus
    version: int | None  # the version sent, approved or returned; None while editing
    events: tuple[ReviewEvent, ...] = ()

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


_STATUS_OF_ACTION: dict[str, ReviewStatus] = {
    "submitted": "in_review",
    "approved": "approved",
    "returned": "returned",
}

# Append-only, one step per entry; database.py counts the entries applied.
_MIGRATIONS: tuple[Step, ...] = (
    {
        dialect: f"""CREATE TABLE comments (
        id {key},
        draft_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        section TEXT NOT NULL,
        paragraph INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        created_at TEXT NOT NULL,
        quote TEXT NOT NULL DEFAULT '',
        resolved_by TEXT,
        resolved_at TEXT
    )"""
        for dialect, key in SERIAL_KEY.items()
    },
    "CREATE INDEX comments_by_draft ON comments (draft_id, version)",
    {
        dialect: f"""CREATE TABLE review_events (
        id {key},
        draft_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    )"""
        for dialect, key in SERIAL_KEY.items()
    },
    "CREATE INDEX review_events_by_draft ON review_events (draft_id, id)",
    "ALTER TABLE review_events ADD COLUMN override TEXT NOT NULL DEFAULT ''",
)


def reviews_db_path(home: Path) -> Path:
    return home / "reviews.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ReviewStore(SchemaStore):
    """Comments and review events in a SQLite file or a shared database; safe across threads and processes."""

    STORE = "reviews"
    MIGRATIONS = _MIGRATIONS

    # ------------------------------------------------------------ comments

    def add_comment(
        self,
        draft_id: str,
        version: int,
        section: str,
        paragraph: int,
        author: str,
        text: str,
        quote: str = "",
    ) -> Comment:
        """Record an open comment on one paragraph; raises ReviewError for an empty or huge text."""
        text = (text or "").strip()
        if not text:
            raise ReviewError("批注内容不能为空。")
        if len(text) > MAX_COMMENT_LENGTH:
            raise ReviewError(f"批注过长（最多 {MAX_COMMENT_LENGTH} 字）。")
        if not section or paragraph is None or paragraph < 0:
            raise ReviewError("请先选择要批注的段落。")
        quote = " ".join((quote or "").split())[: MAX_COMMENT_LENGTH // 4]
        with self._write() as db:
            row = (
                db.execute(
                    sql(
                        "INSERT INTO comments (draft_id, version, section, paragraph, author, text, created_at,"
                        " quote) VALUES (:d, :v, :s, :p, :a, :t, :at, :q) RETURNING *"
                    ),
                    {
                        "d": draft_id,
                        "v": int(version),
                        "s": section,
                        "p": int(paragraph),
                        "a": author,
                        "t": text,
                        "at": _now(),
                        "q": quote,
                    },
                )
                .mappings()
                .one()
            )
        return _comment(row)

    def comments(
        self, draft_id: str, *, version: int | None = None, status: CommentStatus | None = None
    ) -> list[Comment]:
        """Comments on a draft, oldest first, optionally of one version or one status."""
        query = "SELECT * FROM comments WHERE draft_id = :d"
        params: dict[str, Any] = {"d": draft_id}
        if version is not None:
            query, params["v"] = query + " AND version = :v", int(version)
        if status is not None:
            query, params["s"] = query + " AND status = :s", status
        with self._read() as db:
            rows = db.execute(sql(query + " ORDER BY id"), params).mappings().all()
        return [_comment(r) for r in rows]

    def get_comment(self, comment_id: int) -> Comment | None:
        with self._read() as db:
            row = (
                db.execute(sql("SELECT * FROM comments WHERE id = :i"), {"i": int(comment_id)})
                .mappings()
                .first()
            )
        return _comment(row) if row else None

    def set_comment_status(self, comment_id: int, status: CommentStatus, by: str) -> Comment:
        """Resolve or reopen a comment."""
        if status not in COMMENT_STATUS_LABELS:
            raise ReviewError(f"批注状态“{status}”无效。")
        resolved_by, resolved_at = (by, _now()) if status == "resolved" else (None, None)
        with self._write() as db:
            row = (
                db.execute(
                    sql(
                        "UPDATE comments SET status = :s, resolved_by = :b, resolved_at = :at WHERE id = :i"
                        " RETURNING *"
                    ),
                    {"s": status, "b": resolved_by, "at": resolved_at, "i": int(comment_id)},
                )
                .mappings()
                .first()
            )
            if row is None:
                raise ReviewError(f"批注 {comment_id} 不存在。")
        return _comment(row)

    # ------------------------------------------------------------ review workflow

    def submit(self, draft_id: str, version: int, by: str, note: str = "", override: str = "") -> ReviewEvent:
        """Send a version for review. Sending again while in review replaces the version under review."""
        with self._write() as db:
            state = self._locked_state(db, draft_id)
            if state.status == "approved" and state.version == version:
                raise ReviewError(f"第 {version} 版已审核通过，无需再次送审。")
            return self._record(db, draft_id, version, "submitted", by, note, override)

    def decide(
        self,
        draft_id: str,
        version: int,
        decision: Literal["approved", "returned"],
        by: str,
        note: str = "",
        override: str = "",
    ) -> ReviewEvent:
        """Approve or return the version under review; returning needs a reason."""
        if decision not in ("approved", "returned"):
            raise ReviewError(f"审核结论“{decision}”无效。")
        if decision == "returned" and not (note or "").strip():
            raise ReviewError("退回时请写明原因。")
        # Checked and recorded in one transaction: two reviewers deciding at once cannot both pass.
        with self._write() as db:
            state = self._locked_state(db, draft_id)
            if state.status != "in_review":
                raise ReviewError(f"该材料当前状态为“{state.label}”，不在审核中。")
            if state.version != version:
                raise ReviewError(f"送审的是第 {state.version} 版，不是第 {version} 版。")
            return self._record(db, draft_id, version, decision, by, note, override)

    def state(self, draft_id: str) -> ReviewState:
        return _state(draft_id, self.history(draft_id))

    def states(self, draft_ids: Collection[str]) -> dict[str, ReviewState]:
        """The review state of each draft, in one query (a list of drafts shows every one's)."""
        query = sql("SELECT * FROM review_events WHERE draft_id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True, type_=String())
        )
        events: dict[str, list[ReviewEvent]] = {d: [] for d in draft_ids}
        if not events:
            return {}
        with self._read() as db:
            for row in db.execute(query, {"ids": sorted(events)}).mappings():
                event = _event(row)
                events[event.draft_id].append(event)
        return {d: _state(d, history) for d, history in events.items()}

    def history(self, draft_id: str) -> list[ReviewEvent]:
        with self._read() as db:
            return _history(db, draft_id)

    def _locked_state(self, db: Any, draft_id: str) -> ReviewState:
        self.database.lock(db, f"review:{draft_id}")
        return _state(draft_id, _history(db, draft_id))

    def in_review(self) -> list[ReviewState]:
        """Drafts whose latest review event is a submission, most recently sent first."""
        with self._read() as db:
            rows = (
                db.execute(
                    sql(
                        "SELECT e.* FROM review_events e JOIN ("
                        " SELECT draft_id, MAX(id) AS last_id FROM review_events GROUP BY draft_id"
                        ") l ON e.id = l.last_id WHERE e.action = 'submitted' ORDER BY e.id DESC"
                    )
                )
                .mappings()
                .all()
            )
        return [ReviewState(r["draft_id"], "in_review", r["version"], (_event(r),)) for r in rows]

    def ever_submitted(self) -> set[str]:
        """Ids of every draft that has been sent for review at least once."""
        with self._read() as db:
            rows = db.execute(sql("SELECT DISTINCT draft_id FROM review_events")).all()
        return {r[0] for r in rows}

    @staticmethod
    def _record(
        db: Any, draft_id: str, version: int, action: ReviewAction, by: str, note: str, override: str = ""
    ) -> ReviewEvent:
        event = ReviewEvent(
            draft_id, int(version), action, by, (note or "").strip(), _now(), (override or "").strip()
        )
        db.execute(
            sql(
                "INSERT INTO review_events (draft_id, version, action, actor, note, at, override)"
                " VALUES (:d, :v, :action, :actor, :note, :at, :override)"
            ),
            {
                "d": event.draft_id,
                "v": event.version,
                "action": event.action,
                "actor": event.actor,
                "note": event.note,
                "at": event.at,
                "override": event.override,
            },
        )
        return event


def _history(db: Any, draft_id: str) -> list[ReviewEvent]:
    rows = db.execute(
        sql("SELECT * FROM review_events WHERE draft_id = :d ORDER BY id"), {"d": draft_id}
    ).mappings()
    return [_event(r) for r in rows]


def _state(draft_id: str, events: list[ReviewEvent]) -> ReviewState:
    if not events:
        return ReviewState(draft_id, "editing", None)
    last = events[-1]
    return ReviewState(draft_id, _STATUS_OF_ACTION[last.action], last.version, tuple(events))


def _comment(row: RowMapping) -> Comment:
    return Comment(
        id=row["id"],
        draft_id=row["draft_id"],
        version=row["version"],
        section=row["section"],
        paragraph=row["paragraph"],
        author=row["author"],
        text=row["text"],
        status=row["status"],
        created_at=row["created_at"],
        quote=row["quote"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
    )


def _event(row: RowMapping) -> ReviewEvent:
    return ReviewEvent(
        row["draft_id"], row["version"], row["action"], row["actor"], row["note"], row["at"], row["override"]
    )


def comment_quote(paragraph: str, focus: str = "", limit: int = QUOTE_LENGTH) -> str:
    """What a comment quotes of its paragraph: whole sentences, always including ``focus``.

    A short paragraph is quoted whole. A long one is quoted from the sentence where the selected
    words (``focus``) start, sentence by sentence, up to ``limit`` characters, and never past the
    end of the selection cut short; without a selection it is quoted from its start. A cut is
    marked with "……" and never falls inside a sentence, unless one sentence alone is longer than
    the limit (then the quote still holds the selected words).
    """
    text = " ".join((paragraph or "").split())
    focus = " ".join((focus or "").split())
    if len(text) <= limit:
        return text
    sentences = _sentences(text)
    at = text.find(focus) if focus else 0
    at = max(at, 0)
    end_of_focus = at + len(focus)
    first = next(i for i, (s, e) in enumerate(sentences) if e > at)
    start, end = sentences[first]
    for _, e in sentences[first + 1 :]:
        if end >= end_of_focus and e - start > limit:
            break
        end = e
    if end == sentences[first][1] and end - start > limit:  # one sentence alone is too long
        end = max(start + limit, end_of_focus)
    quote = text[start:end]
    return ("……" if start > 0 else "") + quote + ("……" if end < len(text) else "")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans
