"""The knowledge base: the one object the rest of the product uses to ingest past reports and
search them (hybrid BM25 + dense retrieval with near-duplicate collapsing).

Collaborators are passed in (catalog, embedder, vector store, lexical index, parser, retrieval
settings); drafting/components.py wires the real ones. Nothing here reads settings or the env.

This module searches (dense, fusion, part-cue boost) and manages documents; it hands an ingest
batch to retrieval.knowledge.ingest_batch (which holds the crash-safety order of ingest), keeping the BM25
index in step with the catalog to retrieval.index.lexical_sync, and the model behind the stored vectors
to retrieval.index.passage_vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from retrieval.documents import Passage, SearchFilters, SearchHit
from retrieval.index.catalog import Catalog, DocumentRecord
from retrieval.index.embedder import Embedder
from retrieval.index.lexical import NO_FILTERS, LexicalIndex
from retrieval.index.lexical_sync import CatalogLexicalIndex, passage_tokens
from retrieval.index.passage_vectors import REBUILD_HINT, IndexMismatchError, PassageVectors
from retrieval.index.tokens import tokenize
from retrieval.index.vector_store import VectorStore
from retrieval.ingest.ingestion import (
    DocumentOutcome,
    DocumentParser,
    IngestFailure,
    IngestReport,
    Progress,
    RemovalReport,
    document_id,
    no_progress,
)
from retrieval.ingest.limits import DEFAULT_LIMITS, Limits
from retrieval.knowledge import correcting
from retrieval.knowledge.ingest_batch import IngestBatch
from retrieval.knowledge.lru_cache import LruCache
from retrieval.knowledge.recleaning import RepetitionWatch
from retrieval.search.fusion import (
    Fused,
    FusionMethod,
    collapse_near_duplicates,
    fuse,
    leaning_dense_weight,
    word_coverage,
)
from retrieval.search.query import AnalysedQuery, Lexicon, QueryAids, analyse

# Imported from here by the CLI, the views, the benchmark and the tests.
__all__ = ["REBUILD_HINT", "SEARCH_MODES", "IndexMismatchError", "KnowledgeBase", "matches", "passage_tokens"]

log = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "lexical", "dense"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "lexical", "dense")
QUERY_CACHE_SIZE = 512
RANKED_CACHE_SIZE = 256


class RetrievalConfig(Protocol):
    """The retrieval settings the knowledge base reads (drafting.settings.RetrievalSettings)."""

    lexical_weight: float
    dense_weight: float
    dense_weight_weak_match: float
    weak_match_coverage: float
    strong_match_coverage: float
    char_weight: float
    synonym_weight: float
    part_cue_boost: float
    candidates: int
    near_duplicate_threshold: float
    max_chunk_chars: int


def matches(passage: Passage, filters: SearchFilters) -> bool:
    """Whether a passage passes the search filters (the same rules as the lexical masks)."""
    return (
        (filters.part is None or passage.part == filters.part)
        and (filters.year is None or passage.year == filters.year)
        and (not filters.period or filters.period in (passage.period or ""))
        and (not filters.org or filters.org in (passage.org or ""))
        and (filters.doc_id is None or passage.doc_id == filters.doc_id)
        and passage.id not in filters.exclude_ids
    )


class KnowledgeBase:
    """Ingest past reports and search them; see the module docstring for who does what."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        embedder: Embedder,
        store: VectorStore,
        lexical: LexicalIndex,
        parser: DocumentParser,
        config: RetrievalConfig,
        fusion_method: FusionMethod = "minmax",
        lexicon: Lexicon | None = None,
        lexical_snapshot: Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.parser = parser
        self.config = config
        self.fusion_method = fusion_method
        self.limits = limits  # files per batch and passages per file; the parser holds the per-file ones
        self.lexicon = lexicon or Lexicon()
        # The lexical index as search sees it: reloaded when the catalog changed, saved at lexical_snapshot.
        self._catalog_lexical = CatalogLexicalIndex(catalog, lexical, lexical_snapshot)
        self._ingest_lock = threading.Lock()  # one batch at a time per knowledge base
        self._query_vectors: LruCache[tuple[str, str], np.ndarray] = LruCache(QUERY_CACHE_SIZE)
        # Ranked candidates by query, filters and the catalog's generation (bumped by every change of
        # documents, in any process): a draft's sections are searched when it is prepared and again
        # when it is written, and the same sections come back in every draft of a kind.
        self._ranked: LruCache[tuple, list[tuple[Fused, Passage]]] = LruCache(RANKED_CACHE_SIZE)

    # ================================================================ embedder identity

    def _vectors(self) -> PassageVectors:
        # Made per use from the current attributes: a caller may swap the embedder (the benchmark
        # does) and evaluation searches through shallow copies.
        return PassageVectors(self.catalog, self.embedder, self.store)

    def check_embedder(self) -> None:
        """Refuse to mix vectors of two models; raises IndexMismatchError with the way out."""
        self._vectors().check()

    def rebuild(self, progress: Progress = no_progress) -> int:
        """Re-embed every stored passage with the current embedder. Returns the passage count."""
        with self._ingest_lock:
            return self._vectors().rebuild(progress)

    # ================================================================ ingest

    def ingest(self, paths: Iterable[Path | str], progress: Progress = no_progress) -> IngestReport:
        """Ingest files and folders. One bad file never stops the batch: it is reported in
        `IngestReport.failed` with its reason. Unchanged files (same sha256) are skipped.

        Earlier documents holding a line that this batch made repeated across files (or no longer
        repeated) are cleaned again and, if their cleaned text changed, replaced: `recleaned`."""
        with self._ingest_lock:
            report = self._batch().run(paths, progress)
            self._catalog_lexical.save()  # once per batch: at 100k passages a save takes about 1.4 s
            return report

    def _batch(self) -> IngestBatch:
        return IngestBatch(
            catalog=self.catalog,
            parser=self.parser,
            vectors=self._vectors(),
            lexical=self._catalog_lexical,
            max_chunk_chars=self.config.max_chunk_chars,
            limits=self.limits,
        )

    # ================================================================ documents

    def list_documents(self) -> list[DocumentRecord]:
        """Every ingested document, as the catalog lists them."""
        return self.catalog.list_documents()

    def get_document(self, id_or_path: str) -> DocumentRecord | None:
        """A document by id, by path (as given or resolved), or by file name if that is unique.

        Raises LookupError when a file name matches several documents."""
        record = self.catalog.get_document(id_or_path)
        if record:
            return record
        path = Path(id_or_path).expanduser()
        record = self.catalog.get_document(document_id(path))
        if record:
            return record
        by_path = self.catalog.documents_where(path=str(path))
        if by_path:
            return by_path[0]
        by_name = self.catalog.documents_where(source=path.name)
        if len(by_name) > 1:
            ids = "、".join(f"{r.id}（{r.path}）" for r in by_name)
            raise LookupError(f"有多份文件名为“{path.name}”的材料，请用文档编号指定：{ids}")
        return by_name[0] if by_name else None

    def remove(self, id_or_path: str) -> DocumentRecord | None:
        """Remove a document; returns what was removed, or None if it was not in the catalog."""
        record = self._remove(id_or_path)
        if record is not None:
            self._catalog_lexical.save()
        return record

    def _remove(self, id_or_path: str) -> DocumentRecord | None:
        record = self.get_document(id_or_path)
        if record is None:
            return None
        # Catalog first: once it is gone there, its vectors are ignored even if deleting them fails.
        before = self.catalog.generation()
        removed = self.catalog.remove_document(record.id)
        after = self.catalog.generation()
        # Only when this removal is the one change between the two readings is `after` its own.
        self._catalog_lexical.removed(after if removed and after == before + 1 else None, record.id)
        try:
            self.store.delete_document(record.id)
        except Exception:  # noqa: BLE001 - the catalog no longer knows them: search ignores them
            log.warning(
                "could not delete the vectors of %s; they are ignored and will be overwritten", record.id
            )
        return record

    def remove_documents(self, targets: Iterable[str], progress: Progress = no_progress) -> RemovalReport:
        """Remove documents (each by id, path or unique file name), then clean again the remaining
        documents holding a line that only the removed ones made repeated across files.

        A target that is not found, or a file name shared by several documents, is reported in
        `RemovalReport.failed`; the other targets are removed all the same."""
        report = RemovalReport()
        watch = RepetitionWatch(self.catalog)
        for target in targets:
            try:
                record = self.get_document(target)
            except LookupError as exc:
                report.failed.append(IngestFailure(target, str(exc)))
                continue
            if record is None:
                report.failed.append(IngestFailure(target, f"知识库中没有“{target}”"))
                continue
            watch.before_change(self.catalog.document_fingerprints(record.id))
            if self._remove(record.id) is not None:
                report.removed.append(
                    DocumentOutcome(record.path, record.id, record.title, record.passage_count)
                )
        with self._ingest_lock:  # not held around remove(), which may take locks of its own
            report.recleaned, report.not_recleaned = self._batch().reclean(watch.affected(), progress)
        self._catalog_lexical.save()
        return report

    # ================================================================ corrections

    def store_corrected(self, record: DocumentRecord) -> DocumentRecord:
        """Store a document again with the corrections recorded for its content."""
        with self._ingest_lock:
            corrected = self._batch().store_corrected(record)
        self._catalog_lexical.save()
        return corrected

    def correct_document(self, id_or_path: str, **fields: Any) -> DocumentRecord:
        """Correct title, kind, year, period or org (kept by content: re-ingesting keeps it)."""
        return correcting.correct_document(self, self._must_get(id_or_path), fields)

    def move_to_part(
        self, id_or_path: str, part: str, *, passage_ids: Sequence[str] = (), heading: str | None = None
    ) -> list[str]:
        """Move passages, or a heading with everything under it, to another part; ids moved."""
        return correcting.move_to_part(
            self, self._must_get(id_or_path), part, passage_ids=passage_ids, heading=heading
        )

    def attention(self) -> dict[str, list[str]]:
        """Documents needing a person's look, each with the reasons (see retrieval.knowledge.correcting)."""
        parts = self.catalog.document_parts()
        found = {r.id: correcting.attention(r, parts.get(r.id, set())) for r in self.list_documents()}
        return {doc_id: reasons for doc_id, reasons in found.items() if reasons}

    def document_passages(self, doc_id: str) -> list[Passage]:
        """A document's passages in order (for audits and corrections)."""
        return self.catalog.document_passages(doc_id)

    def _must_get(self, id_or_path: str) -> DocumentRecord:
        record = self.get_document(id_or_path)
        if record is None:
            raise LookupError(f"知识库中没有“{id_or_path}”")
        return record

    def get_passage(self, passage_id: str) -> Passage | None:
        """One passage by id; None when it is no longer in the catalog."""
        return self.catalog.passages([passage_id]).get(passage_id)

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        """Passages in the order of `ids`, skipping ids no longer in the catalog."""
        found = self.catalog.passages(ids)
        return [found[i] for i in ids if i in found]

    # ================================================================ search

    def _lexical_search(
        self, query: str, filters: SearchFilters, n: int, rows: dict[str, Passage] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 hits, those in the parts the query asks for boosted. `rows` collects the passages
        read for the boost, so the caller need not read them again."""
        analysed = self.analyse(query)
        hits = self._catalog_lexical.search(analysed.weights, n, filters)
        preferred = self._preferred_parts(analysed, filters)
        if not preferred:
            return hits
        rows = {} if rows is None else rows
        rows.update(self.catalog.passages([pid for pid, _ in hits if pid not in rows]))
        return self._prefer_cued_parts(hits, preferred, rows)

    def aids(self, query: str, filters: SearchFilters = NO_FILTERS) -> QueryAids:
        """The synonyms and part preference `search` applies to this query, as the same settings
        and filters decide (a part filter leaves nothing to prefer)."""
        analysed = self.analyse(query)
        return QueryAids(analysed.related_words, self._preferred_parts(analysed, filters))

    def _preferred_parts(self, analysed: AnalysedQuery, filters: SearchFilters) -> tuple[str, ...]:
        # With a part filter every hit is of one part already: nothing to prefer.
        if filters.part is not None or self.config.part_cue_boost <= 0:
            return ()
        return analysed.parts

    def analyse(self, query: str) -> AnalysedQuery:
        """The query as the lexical index and the part prior see it (retrieval.search.query)."""
        return analyse(
            query,
            self.lexicon,
            char_weight=self.config.char_weight,
            synonym_weight=self.config.synonym_weight,
        )

    def prime_queries(self, queries: Sequence[str]) -> None:
        """Embed in one batch the queries about to be searched that are not cached yet. A draft's
        sections are searched together, and a batch of twelve costs about what one query does."""
        if self.config.dense_weight <= 0 or not self.catalog.has_documents():
            return
        todo = [
            q
            for q in dict.fromkeys(queries)
            if q.strip() and self._query_vectors.get((self.embedder.name, q)) is None
        ]
        if todo:
            for query, vector in zip(todo, self.embedder.embed(todo), strict=True):
                self._query_vectors.put((self.embedder.name, query), vector)

    def _query_vector(self, query: str) -> np.ndarray:
        # Embedding a query costs 20-150 ms on two cores; the drafting pipeline and evaluation
        # sweeps ask the same queries again and again.
        key = (self.embedder.name, query)
        vector = self._query_vectors.get(key)
        if vector is None:
            vector = self.embedder.embed([query])[0]
            self._query_vectors.put(key, vector)
        return vector

    def _dense(self, query: str, filters: SearchFilters, n: int, k: int) -> tuple[list, dict[str, Passage]]:
        self.check_embedder()
        vector = self._query_vector(query)
        doc_level = _has_document_filter(filters)
        fetch = n * 3 if doc_level or filters.exclude_ids else n
        vectors = self._vectors()
        raw = vectors.search(vector, fetch, part=filters.part)
        rows = self.catalog.passages([pid for pid, _ in raw])
        hits = [(pid, s) for pid, s in raw if pid in rows and matches(rows[pid], filters)]
        if doc_level and len(hits) < k:
            # Few survivors of a selective filter: ask the store with a where clause after all.
            doc_ids = self.catalog.doc_ids_matching(filters)
            if doc_ids:
                raw = vectors.search(vector, fetch, part=filters.part, where={"doc_id": doc_ids})
                rows.update(self.catalog.passages([pid for pid, _ in raw if pid not in rows]))
                hits = [(pid, s) for pid, s in raw if pid in rows and matches(rows[pid], filters)]
        return hits[:n], rows

    def search(
        self, query: str, filters: SearchFilters = NO_FILTERS, k: int = 5, mode: SearchMode = "hybrid"
    ) -> list[SearchHit]:
        """The k best passages for `query` within `filters`, near-duplicates collapsed.

        Raises ValueError (Chinese message) for an empty query or a bad k/mode, and
        IndexMismatchError when dense search meets an index built by another model."""
        if not query or not query.strip():
            raise ValueError("检索内容为空：请输入要查找的内容。")
        if k < 1:
            raise ValueError(f"返回条数必须是正整数，收到 {k}。")
        if mode not in SEARCH_MODES:
            raise ValueError(f"未知的检索方式“{mode}”，可选：{'、'.join(SEARCH_MODES)}。")
        n = max(self.config.candidates, 3 * k)
        if not self.catalog.has_documents():
            return []  # nothing to search, and no reason to load the embedding model
        doc_level = _has_document_filter(filters)
        key = (
            self.catalog.generation(),
            query,
            filters,
            mode,
            n,
            k if doc_level else None,  # k decides whether dense search asks again with a where clause
            self.embedder.name,
            self.fusion_method,
            repr(self.config),  # evaluation sweeps search copies of this base with other weights
        )
        ranked = self._ranked.get(key)
        if ranked is None:
            ranked = self._rank(query, filters, n, k, mode)
            self._ranked.put(key, ranked)
        groups = collapse_near_duplicates(
            ranked, lambda r: r[1].text, self.config.near_duplicate_threshold, limit=k
        )
        return [
            SearchHit(
                passage=passage,
                score=f.score,
                lexical_score=f.lexical,
                dense_score=f.dense,
                duplicates=tuple(p.id for _, p in duplicates),
            )
            for (f, passage), duplicates in groups[:k]
        ]

    def _rank(
        self, query: str, filters: SearchFilters, n: int, k: int, mode: SearchMode
    ) -> list[tuple[Fused, Passage]]:
        """The fused candidates that pass the filters, best first, with their passages."""
        lexical: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        rows: dict[str, Passage] = {}
        # A signal whose fusion weight is 0 is not computed at all (no model load for dense 0).
        if mode == "lexical" or (mode == "hybrid" and self.config.lexical_weight > 0):
            lexical = self._lexical_search(query, filters, n, rows)
        if mode == "dense" or (mode == "hybrid" and self.config.dense_weight > 0):
            dense, dense_rows = self._dense(query, filters, n, k)
            rows.update(dense_rows)
        if mode == "hybrid":
            dense_weight = self._dense_weight(query, lexical, rows)
            fused = fuse(lexical, dense, self.config.lexical_weight, dense_weight, self.fusion_method)
        elif mode == "lexical":
            fused = [Fused(pid, s, lexical=s) for pid, s in lexical]
        else:
            fused = [Fused(pid, s, dense=s) for pid, s in dense]
        rows.update(self.catalog.passages([f.id for f in fused if f.id not in rows]))
        return [(f, rows[f.id]) for f in fused if f.id in rows and matches(rows[f.id], filters)]

    def _dense_weight(self, query: str, lexical: list[tuple[str, float]], rows: dict[str, Passage]) -> float:
        """The fusion's dense weight for this query: larger when BM25's best passage holds few of
        the query's words (retrieval.search.fusion). A dense weight of 0 stays 0: dense is off."""
        config = self.config
        if config.dense_weight <= 0 or config.lexical_weight <= 0:
            return config.dense_weight
        top = lexical[0][0] if lexical else None
        if top is not None and top not in rows:
            rows.update(self.catalog.passages([top]))
        words = [w for w in tokenize(query) if len(w) > 1]
        coverage = word_coverage(words, rows[top].text) if top in rows else 0.0
        return leaning_dense_weight(
            coverage,
            strong=config.dense_weight,
            weak=config.dense_weight_weak_match,
            low=config.weak_match_coverage,
            high=config.strong_match_coverage,
        )

    def _prefer_cued_parts(
        self, hits: list[tuple[str, float]], parts: tuple[str, ...], rows: dict[str, Passage]
    ) -> list[tuple[str, float]]:
        """Boost the BM25 scores of passages in the parts the query's wording asks for ("明年打算"
        → plans). A boost, not a filter: a much better passage elsewhere still wins. Measured with
        `drafter eval retrieval` (README): ×1.5 moved plans/problems queries into the top 5."""
        factor = 1 + self.config.part_cue_boost
        boosted = [
            (pid, score * factor if pid in rows and rows[pid].part in parts else score) for pid, score in hits
        ]
        return sorted(boosted, key=lambda hit: -hit[1])  # stable: ties keep BM25's order


def _has_document_filter(filters: SearchFilters) -> bool:
    """Whether a filter on the document (year, period, body, id) narrows the search."""
    return any(v is not None and v != "" for v in (filters.year, filters.period, filters.org, filters.doc_id))
