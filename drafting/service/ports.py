"""The collaborators the services need, as small Protocols: what each service may ask of a store,
the knowledge base or the exporter, and nothing more. The real ones are the SQLite stores
(drafting/store), the KnowledgeBase (retrieval/knowledge) and DocxExporter (drafting/word);
tests may pass small fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from drafting.model import Draft, FactSheet
from drafting.store.accounts import User
from drafting.store.drafts import DraftSummary, DraftVersion, GenerationRecord, VersionInfo
from drafting.store.reviews import Comment, CommentStatus, ReviewEvent, ReviewState
from retrieval.documents import Passage, SearchFilters, SearchHit
from retrieval.index.catalog import DocumentRecord
from retrieval.ingest.ingestion import IngestReport, Progress, RemovalReport
from retrieval.search.query import QueryAids

# How a Word file becomes page images: (docx, output folder) -> image paths.
PageRenderer = Callable[[Path, Path], list[Path]]


class UserDirectory(Protocol):
    """The accounts: who is signed in, with which role."""

    def get(self, name: str) -> User | None: ...

    def verify(self, name: str, password: str) -> User | None: ...

    def require(self, name: str | None, action: str) -> User: ...


class RunLog(Protocol):
    """Where the services record who did what (drafting.store.run_log.RunLogStore)."""

    def record(
        self, user: str | None, action: str, target: str = "", detail: str = "", *, ok: bool = True
    ) -> None: ...


class DraftRepository(Protocol):
    """Drafts with their versions and shares (drafting.store.drafts.DraftStore)."""

    def list_drafts(self, owner: str | None = None) -> list[DraftSummary]: ...

    def drafts_of(self, owner: str | None, ids: Collection[str] = ()) -> list[DraftSummary]: ...

    def summary(self, draft_id: str) -> DraftSummary | None: ...

    def shared_with(self, draft_id: str) -> dict[str, str]: ...

    def shared_drafts(self, user: str) -> set[str]: ...

    def share(self, draft_id: str, user: str, permission: str = "read") -> None: ...

    def get_version(self, draft_id: str, number: int | None = None) -> DraftVersion: ...

    def list_versions(self, draft_id: str) -> list[VersionInfo]: ...

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
        expected_latest: int | None = None,
    ) -> DraftVersion: ...

    def restore(self, draft_id: str, number: int, *, author: str | None = None) -> DraftVersion: ...

    def set_status(self, draft_id: str, status: str) -> None: ...


class ReviewLog(Protocol):
    """Review states and comments (drafting.store.reviews.ReviewStore)."""

    def state(self, draft_id: str) -> ReviewState: ...

    def states(self, draft_ids: Collection[str]) -> dict[str, ReviewState]: ...

    def in_review(self) -> list[ReviewState]: ...

    def ever_submitted(self) -> set[str]: ...

    def comments(
        self, draft_id: str, *, version: int | None = None, status: CommentStatus | None = None
    ) -> list[Comment]: ...

    def add_comment(
        self,
        draft_id: str,
        version: int,
        section: str,
        paragraph: int,
        author: str,
        text: str,
        quote: str = "",
    ) -> Comment: ...

    def get_comment(self, comment_id: int) -> Comment | None: ...

    def set_comment_status(self, comment_id: int, status: CommentStatus, by: str) -> Comment: ...

    def submit(
        self, draft_id: str, version: int, by: str, note: str = "", override: str = ""
    ) -> ReviewEvent: ...

    def decide(
        self,
        draft_id: str,
        version: int,
        decision: Literal["approved", "returned"],
        by: str,
        note: str = "",
        override: str = "",
    ) -> ReviewEvent: ...


class PassageSource(Protocol):
    """What drafting needs from the knowledge base: exemplar search and passages by id."""

    def search(self, query: str, filters: SearchFilters = ..., k: int = 5) -> list[SearchHit]: ...

    def get_passage(self, passage_id: str) -> Passage | None: ...


class KnowledgeIndex(PassageSource, Protocol):
    """The whole knowledge base as the knowledge page uses it (retrieval.knowledge.KnowledgeBase)."""

    def ingest(self, paths: Iterable[Path | str], progress: Progress = ...) -> IngestReport: ...

    def list_documents(self) -> list[DocumentRecord]: ...

    def get_document(self, id_or_path: str) -> DocumentRecord | None: ...

    def remove_documents(self, targets: Iterable[str], progress: Progress = ...) -> RemovalReport: ...

    def aids(self, query: str, filters: SearchFilters = ...) -> QueryAids: ...

    def prime_queries(self, queries: Sequence[str]) -> None: ...

    def check_embedder(self) -> None: ...

    def rebuild(self, progress: Progress = ...) -> int: ...

    def attention(self) -> dict[str, list[str]]: ...

    def document_passages(self, doc_id: str) -> list[Passage]: ...

    def correct_document(self, id_or_path: str, **fields: Any) -> DocumentRecord: ...

    def move_to_part(
        self, id_or_path: str, part: str, *, passage_ids: Sequence[str] = (), heading: str | None = None
    ) -> list[str]: ...


class KnowledgeSource(Protocol):
    """Hands out the knowledge base, built on first use; None from ``available`` when it cannot be."""

    def get(self) -> KnowledgeIndex: ...

    def available(self) -> KnowledgeIndex | None: ...
