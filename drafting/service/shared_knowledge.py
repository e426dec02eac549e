"""The knowledge base as the server's sessions share it: built on first use, many readers, one writer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drafting.service.ports import KnowledgeIndex
from retrieval.documents import Passage, SearchFilters, SearchHit
from retrieval.index.catalog import DocumentRecord
from retrieval.ingest.ingestion import IngestReport, Progress, RemovalReport, no_progress
from retrieval.search.query import QueryAids

# One logger name for the whole service, whichever of its modules a line comes from.
log = logging.getLogger("drafting.service.facade")

ANY_PASSAGE = SearchFilters()


class SharedKnowledgeBase:
    """The knowledge base shared by every session of the server: many readers, one writer.

    Searches and look-ups run side by side; an ingest or a removal waits for them and runs alone,
    because it rewrites the in-memory lexical index that searches read. A search started during an
    upload therefore waits for the upload to finish rather than reading a half-updated index.
    """

    def __init__(self, kb: KnowledgeIndex) -> None:
        self._kb = kb
        self._lock = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    # ------------------------------------------------------------ reads

    def search(self, query: str, filters: SearchFilters = ANY_PASSAGE, k: int = 5) -> list[SearchHit]:
        with self._shared():
            return self._kb.search(query, filters=filters, k=k)

    def get_passage(self, passage_id: str) -> Passage | None:
        with self._shared():
            return self._kb.get_passage(passage_id)

    def list_documents(self) -> list[DocumentRecord]:
        with self._shared():
            return self._kb.list_documents()

    def get_document(self, id_or_path: str) -> DocumentRecord | None:
        with self._shared():
            return self._kb.get_document(id_or_path)

    def document_passages(self, doc_id: str) -> list[Passage]:
        with self._shared():
            return self._kb.document_passages(doc_id)

    def attention(self) -> dict[str, list[str]]:
        with self._shared():
            return self._kb.attention()

    def aids(self, query: str, filters: SearchFilters = ANY_PASSAGE) -> QueryAids:
        return self._kb.aids(query, filters)  # reads only the word lists, never the index

    def prime_queries(self, queries: Sequence[str]) -> None:
        self._kb.prime_queries(queries)  # fills the query-vector cache only, never touches the index

    def check_embedder(self) -> None:
        with self._shared():
            self._kb.check_embedder()

    # ------------------------------------------------------------ writes

    def ingest(self, paths: Iterable[Path | str], progress: Progress = no_progress) -> IngestReport:
        with self._exclusive():
            return self._kb.ingest(paths, progress=progress)

    def remove_documents(self, targets: Iterable[str], progress: Progress = no_progress) -> RemovalReport:
        with self._exclusive():
            return self._kb.remove_documents(targets, progress=progress)

    def rebuild(self, progress: Progress = no_progress) -> int:
        with self._exclusive():
            return self._kb.rebuild(progress=progress)

    def correct_document(self, id_or_path: str, **fields: Any) -> DocumentRecord:
        with self._exclusive():  # rewrites the document's lexical rows
            return self._kb.correct_document(id_or_path, **fields)

    def move_to_part(
        self, id_or_path: str, part: str, *, passage_ids: Sequence[str] = (), heading: str | None = None
    ) -> list[str]:
        with self._exclusive():
            return self._kb.move_to_part(id_or_path, part, passage_ids=passage_ids, heading=heading)

    # ------------------------------------------------------------ the lock

    @contextmanager
    def _shared(self) -> Iterator[None]:
        with self._lock:
            # Writers go first once waiting, so a stream of searches cannot starve an upload.
            self._lock.wait_for(lambda: not self._writing and self._writers_waiting == 0)
            self._readers += 1
        try:
            yield
        finally:
            with self._lock:
                self._readers -= 1
                self._lock.notify_all()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._lock:
            self._writers_waiting += 1
            self._lock.wait_for(lambda: not self._writing and self._readers == 0)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._lock:
                self._writing = False
                self._lock.notify_all()


class KnowledgeBaseSlot:
    """Holds the shared knowledge base, built on first use: loading the embedding model takes
    seconds, and a sign-in page should not wait for it.

    ``source`` is a knowledge base, or a function building one (returning None: run without one).
    """

    def __init__(self, source: KnowledgeIndex | Callable[[], KnowledgeIndex | None]) -> None:
        self._build: Callable[[], KnowledgeIndex | None] | None = None
        self._kb: SharedKnowledgeBase | None = None
        self._built = False
        if callable(source):
            self._build = source
        else:
            self._kb, self._built = SharedKnowledgeBase(source), True
        self._lock = threading.Lock()

    def get(self) -> KnowledgeIndex:
        """The knowledge base; whatever building it raised propagates (e.g. a missing model)."""
        kb = self._shared()
        if kb is None:
            raise RuntimeError("no knowledge base is configured")
        return kb

    def available(self) -> KnowledgeIndex | None:
        """The knowledge base, or None when there is none or it cannot be built (logged): drafting
        then goes on without exemplars."""
        try:
            return self._shared()
        except Exception:
            log.exception("knowledge base unavailable")
            return None

    def _shared(self) -> SharedKnowledgeBase | None:
        if not self._built:
            with self._lock:
                if not self._built and self._build is not None:
                    kb = self._build()
                    self._kb = None if kb is None else SharedKnowledgeBase(kb)
                    self._built = True
        return self._kb
