"""The passages' vectors in the vector store, and which embedding model made them.

Vectors of two models must never be mixed: a query embedded by one model means nothing against
passages embedded by another. The catalog records the model (name and dimension) behind the stored
vectors; ingest, re-cleaning and dense search check it, and `drafter ingest --rebuild` re-embeds
every passage when the model changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from retrieval.documents import Passage
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import Embedder
from retrieval.index.vector_store import VectorStore, Where
from retrieval.ingest.ingestion import Progress

REBUILD_HINT = "请运行 `drafter ingest --rebuild` 用当前模型重建向量索引。"
_EMBEDDER_KEY = "embedder"
_REBUILDING = "(rebuilding)"
_LAYOUT_KEY = "vector_layout"
# Bump when what is embedded per passage changes: older indexes are then rebuilt, never mixed.
VECTOR_LAYOUT = "heading+sentences/1"
UNIT_SEPARATOR = "#"  # unit ids are "{passage id}#{n}"; passage ids never hold it
# Sentences are cut at these marks; a passage is at most a few hundred characters, and at most
# this many sentence vectors are kept per passage so storage stays bounded (about 3.4 vectors per
# passage on the sample reports).
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
MAX_SENTENCE_UNITS = 12
# Dense search asks the store for this many units per passage it wants, since one passage may
# fill several of the best places.
UNITS_PER_PASSAGE_FETCHED = 4


def sentences(text: str) -> list[str]:
    """The passage's sentences (cut at 。！？； and line breaks), blank ones dropped."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def unit_texts(passage: Passage) -> list[str]:
    """What is embedded for a passage: the whole text, then each sentence if there are several,
    every one prefixed with the heading path."""
    prefix = f"{passage.heading}\n" if passage.heading else ""
    found = sentences(passage.text)
    units = [prefix + passage.text]
    if len(found) > 1:
        units += [prefix + sentence for sentence in found[:MAX_SENTENCE_UNITS]]
    return units


def unit_id(passage_id: str, n: int) -> str:
    return passage_id if n == 0 else f"{passage_id}{UNIT_SEPARATOR}{n}"


def best_per_passage(unit_hits: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Unit hits (best first) to passage hits: each passage scored by its best unit, best first."""
    best: dict[str, float] = {}
    for uid, score in unit_hits:
        pid = uid.split(UNIT_SEPARATOR, 1)[0]
        if pid not in best or score > best[pid]:
            best[pid] = score
    return sorted(best.items(), key=lambda hit: -hit[1])


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
        if recorded is None or not self.catalog.has_documents():
            return
        if recorded == _REBUILDING:
            raise IndexMismatchError(f"上次重建向量索引没有完成。{REBUILD_HINT}")
        if self.catalog.get_meta(_LAYOUT_KEY) != VECTOR_LAYOUT:
            raise IndexMismatchError(
                f"知识库的向量索引是旧版本建立的（每段一条向量），当前版本按段落和句子建立向量。{REBUILD_HINT}"
            )
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
        if self.catalog.has_documents():
            self.check()
        elif recorded not in (None, self.model_id()) or (
            recorded is not None and self.catalog.get_meta(_LAYOUT_KEY) != VECTOR_LAYOUT
        ):
            # Nothing committed, but an interrupted run left vectors of another model or layout.
            self.store.reset()

    def record_model(self) -> None:
        """Record the current model as the one behind the stored vectors (before writing any)."""
        if self.catalog.get_meta(_EMBEDDER_KEY) != self.model_id():
            self.catalog.set_meta(_EMBEDDER_KEY, self.model_id())
        if self.catalog.get_meta(_LAYOUT_KEY) != VECTOR_LAYOUT:
            self.catalog.set_meta(_LAYOUT_KEY, VECTOR_LAYOUT)

    def write(self, doc_id: str, passages: Sequence[Passage]) -> None:
        """Embed a document's passages (each as its units) and put their vectors in place of the
        ones it had."""
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict[str, str | int | None]] = []
        for p in passages:
            for n, text in enumerate(unit_texts(p)):
                ids.append(unit_id(p.id, n))
                texts.append(text)
                metadatas.append({"doc_id": doc_id, "part": p.part, "year": p.year, "kind": p.kind})
        vectors = self.embedder.embed(texts)
        self.store.delete_document(doc_id)  # stale vectors of an old or uncommitted version
        self.store.upsert(ids, vectors, metadatas)

    def search(
        self, vector: np.ndarray, n: int, part: str | None = None, where: Where | None = None
    ) -> list[tuple[str, float]]:
        """Up to n (passage id, best unit's cosine), best first, within `part` and `where`."""
        hits = best_per_passage(
            self.store.query(vector, n * UNITS_PER_PASSAGE_FETCHED, part=part, where=where)
        )
        return hits[:n]

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
        self.catalog.set_meta(_LAYOUT_KEY, VECTOR_LAYOUT)
        self.catalog.set_meta(_EMBEDDER_KEY, self.model_id())
        return written
