"""The passages' vectors in the vector store, and which embedding model made them.

Vectors of two models must never be mixed: a query embedded by one model means nothing against
passages embedded by another. The catalog records the model (name and dimension) behind the stored
vectors; ingest, re-cleaning and dense search check it, and `drafter ingest --rebuild` re-embeds
every passage when the model changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.documents import Passage
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import Embedder
from retrieval.index.vector_store import VectorStore
from retrieval.ingest.ingestion import Progress

REBUILD_HINT = "请运行 `drafter ingest --rebuild` 用当前模型重建向量索引。"
_EMBEDDER_KEY = "embedder"
_REBUILDING = "(rebuilding)"


class IndexMismatchError(Exception):
    """The vector index was built by another embedding model; the message tells how to rebuild."""


class PassageVectors:
    """The vector store's passages as the catalog knows them, embedded by one model.

    Cheap to make: the knowledge base makes one per use from its current embedder and store."""

    def __init__(self, catalog: Catalog, embedder: Embedder, store: VectorStore) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.store = store

    def model_id(self) -> str:
        """How the catalog names the current embedder: name and dimension."""
        return f"{self.embedder.name}|{self.embedder.dimension}"

    def check(self) -> None:
        """Refuse to mix vectors of two models; raises IndexMismatchError with the way out."""
        recorded = self.catalog.get_meta(_EMBEDDER_KEY)
        if recorded is None or self.catalog.document_count() == 0:
            return
        if recorded == _REBUILDING:
            raise IndexMismatchError(f"上次重建向量索引没有完成。{REBUILD_HINT}")
        name, _, dimension = recorded.rpartition("|")
        # Compare names first: reading the dimension loads the model.
        if name != self.embedder.name or dimension != str(self.embedder.dimension):
            raise IndexMismatchError(
                f"知识库的向量索引是用模型 {name}（{dimension} 维）建立的，当前配置的是 "
                f"{self.embedder.name}（{self.embedder.dimension} 维）。{REBUILD_HINT}"
            )

    def check_before_ingest(self) -> None:
        """Before a batch adds vectors: refuse another model's committed index, and drop the
        vectors of another model that an interrupted run left behind with nothing committed."""
        recorded = self.catalog.get_meta(_EMBEDDER_KEY)
        if self.catalog.document_count() > 0:
            self.check()
        elif recorded not in (None, self.model_id()):
            # Nothing committed, but an interrupted run left vectors of another model.
            self.store.reset()

    def record_model(self) -> None:
        """Record the current model as the one behind the stored vectors (before writing any)."""
        if self.catalog.get_meta(_EMBEDDER_KEY) != self.model_id():
            self.catalog.set_meta(_EMBEDDER_KEY, self.model_id())

    def write(self, doc_id: str, passages: Sequence[Passage]) -> None:
        """Embed a document's passages and put their vectors in place of the ones it had."""
        vectors = self.embedder.embed([p.text for p in passages])
        self.store.delete_document(doc_id)  # stale vectors of an old or uncommitted version
        metadatas = [{"doc_id": doc_id, "part": p.part, "year": p.year, "kind": p.kind} for p in passages]
        self.store.upsert([p.id for p in passages], vectors, metadatas)

    def rebuild(self, progress: Progress) -> int:
        """Re-embed every stored passage with the current embedder. Returns the passage count."""
        self.catalog.set_meta(_EMBEDDER_KEY, _REBUILDING)  # an interrupted rebuild is never trusted
        self.store.reset()
        documents = self.catalog.list_documents()
        written = 0
        for n, record in enumerate(documents, start=1):
            progress(record.source, n, len(documents), "embedding")
            passages = self.catalog.document_passages(record.id)
            self.write(record.id, passages)
            written += len(passages)
        self.catalog.set_meta(_EMBEDDER_KEY, self.model_id())
        return written
