"""What the service hands the UI, and how errors meant for people reach it.

Plain dataclasses built from domain objects, so the UI formats and never decides; ServiceError is
the one exception the UI shows as it is.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drafting.facts.sheet import FactsError
from drafting.facts.table import FactTableError
from drafting.model import Draft, Fact, FactSheet, Flag, Section
from drafting.normalising.report import removals_note
from drafting.outlines.outline import OutlineError
from drafting.prompt_lab.eval_models import EvalModelError
from drafting.store.accounts import AccountError, PermissionDenied
from drafting.store.draft_json import DraftFormatError
from drafting.store.drafts import DraftNotFound, VersionInfo
from drafting.store.reviews import Comment, ReviewError, ReviewState
from drafting.store.sqlite_file import storage_message
from drafting.word.export import ExportError
from drafting.word.preview import PreviewError
from drafting.writing.repair import repair_note
from drafting.writing.templates import TemplateError
from retrieval.documents import Passage, SearchHit
from retrieval.errors import DocumentError
from retrieval.index.vector_store import VectorStoreError
from retrieval.knowledge.knowledge_base import IndexMismatchError


class ServiceError(Exception):
    """Something the signed-in person can fix or should know; the message is Chinese."""


class NeedsConfirmation(ServiceError):
    """A review step would go through with flags or comments still open.

    The message asks the question; the UI shows it with a confirm button and repeats the call
    with ``confirm=True``, which records what was open as an override in the review history.
    """

    def __init__(self, message: str, items: OpenItems) -> None:
        super().__init__(message)
        self.items = items


class SaveConflict(ServiceError):
    """Someone else saved the same section after this person opened it; nothing was saved.

    The person resolves it by loading ``latest`` (theirs) or saving again with ``keep_mine``.
    """

    def __init__(self, message: str, *, latest: int, author: str | None) -> None:
        super().__init__(message)
        self.latest, self.author = latest, author


# Exceptions whose message is meant for the person at the keyboard.
USER_FACING: tuple[type[BaseException], ...] = (
    AccountError,
    PermissionDenied,
    ReviewError,
    DraftNotFound,
    DraftFormatError,
    FactsError,
    OutlineError,
    DocumentError,
    ExportError,
    PreviewError,
    TemplateError,
    IndexMismatchError,
    VectorStoreError,  # an outage of the vector store, said as such rather than as "nothing found"
    FactTableError,
    EvalModelError,  # the prompt lab's model does not answer
)


def user_errors(method: Callable) -> Callable:
    """Turn the domain's user-facing exceptions into ServiceError, keeping their messages."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ServiceError:
            raise
        except USER_FACING as exc:
            raise ServiceError(str(exc)) from exc
        except sqlite3.OperationalError as exc:  # disk full or a read-only data directory
            if "locked" in str(exc):
                raise
            raise ServiceError(storage_message(exc, "数据目录")) from exc

    return wrapper


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


@dataclass(frozen=True)
class OpenItems:
    """What is still open on a version: grounding flags in its text and unresolved comments."""

    flags: int
    comments: int

    def __bool__(self) -> bool:
        return bool(self.flags or self.comments)

    def describe(self) -> str:
        """E.g. "2 处核对标记、1 条待处理批注"; empty when nothing is open."""
        parts = [f"{self.flags} 处核对标记"] if self.flags else []
        parts += [f"{self.comments} 条待处理批注"] if self.comments else []
        return "、".join(parts)


REVIEW_ACTION_LABELS: dict[str, str] = {
    "submitted": "送审",
    "resubmitted": "修改后重新送审",
    "approved": "审核通过",
    "returned": "退回修改",
}


@dataclass(frozen=True)
class ReviewStep:
    """One decision in a draft's review history, as the writer and the reviewer read it."""

    action: str  # submitted, resubmitted, approved, returned
    version: int
    actor: str
    at: str  # "2026-07-01 09:30" (UTC, like the version list)
    note: str  # the reviewer's reason or remark
    override: str = ""  # what was still open when it was sent or approved anyway

    @property
    def label(self) -> str:
        return REVIEW_ACTION_LABELS.get(self.action, self.action)


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
    # Unique, human labels of the sections ("计划（一）粮食生产"), the same on every page.
    section_labels: dict[str, str] = field(default_factory=dict)
    history: list[ReviewStep] = field(default_factory=list)

    @property
    def return_reason(self) -> str:
        """The reviewer's reason while the draft stands returned, else ""."""
        if self.review.status != "returned" or not self.history:
            return ""
        return self.history[-1].note

    @property
    def open_comments(self) -> list[Comment]:
        return [c for c in self.comments if c.status == "open"]

    def section_label(self, key: str | None) -> str:
        return self.section_labels.get(key or "", key or "")


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
class FileResult:
    name: str
    status: str  # 新增 / 未变化 / 已替换 / 失败
    passages: int
    reason: str = ""


@dataclass(frozen=True)
class Preview:
    pages: tuple[Path, ...]  # rendered page images, when LibreOffice is available
    note: str  # why there are no images, if there are none


def section_notes(section: Section) -> list[str]:
    """What a reader of a model-written section should know about how it came to be: whether it
    was repaired or replaced and why, and what normalisation removed from the model's answer."""
    return [note for note in (repair_note(section), removals_note(section)) if note]
