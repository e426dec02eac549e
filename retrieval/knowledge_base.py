"""The knowledge base: the one object the rest of the product uses to ingest past reports and
search them (hybrid BM25 + dense retrieval with near-duplicate collapsing).

Collaborators are passed in (catalog, embedder, vector store, lexical index, parser, retrieval
settings); drafting/components.py wires the real ones. Nothing here reads settings or the env.

Crash safety of ingest, per document: parse → embed → delete the document's stale vectors →
upsert its vectors (idempotent, keyed by passage id) → commit the catalog transaction. Only the
commit makes the document count as ingested; a kill at any earlier point leaves vectors the
catalog does not know, which search ignores and the next ingest of that file overwrites.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from retrieval.catalog import Catalog, DocumentRecord, OutlineEntry
from retrieval.documents import LoadedDocument, Passage, SearchFilters, SearchHit
from retrieval.embedder import Embedder, EmbedderError
from retrieval.fusion import Fused, FusionMethod, collapse_near_duplicates, fuse
from retrieval.ingestion import (
    DocumentOutcome,
    DocumentParser,
    IngestError,
    IngestFailure,
    IngestReport,
    Progress,
    RemovalReport,
    discover,
    document_id,
    file_sha256,
    no_progress,
    outline_of,
)
from retrieval.lexical import NO_FILTERS, TOKENIZER_VERSION, LexicalIndex, RowMeta, char_tokens, tokenize
from retrieval.lexical_snapshot import LexicalSnapshot
from retrieval.query import AnalysedQuery, Lexicon, analyse
from retrieval.recleaning import RepetitionWatch, unreadable_source
from retrieval.vector_store import VectorStore, VectorStoreError

log = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "lexical", "dense"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "lexical", "dense")
REBUILD_HINT = "请运行 `drafter ingest --rebuild` 用当前模型重建向量索引。"
_EMBEDDER_KEY = "embedder"
_TOKENIZER_KEY = "tokenizer"
QUERY_CACHE_SIZE = 512
_REBUILDING = "(rebuilding)"


class RetrievalConfig(Protocol):
    """The retrieval settings the knowledge base reads (drafting.settings.RetrievalSettings)."""

    lexical_weight: float
    dense_weight: float
    char_weight: float
    synonym_weight: float
    part_cue_boost: float
    candidates: int
    near_duplicate_threshold: float
    max_chunk_chars: int


class IndexMismatchError(Exception):
    """The vector index was built by another embedding model; the message tells how to rebuild."""


class _SourceUnreadable(Exception):
    """An earlier document's source file is gone or changed, so it cannot be cleaned again."""


@dataclass(frozen=True)
class _Pending:
    path: Path
    doc_id: str
    sha256: str
    doc: LoadedDocument
    replacing: bool


@dataclass(frozen=True)
class _Prepared:
    """A parsed document ready to store: nothing has been written for it yet."""

    record: DocumentRecord
    passages: list[Passage]
    tokens: list[list[str]]


def passage_tokens(passage: Passage) -> list[str]:
    """What the lexical index sees of a passage: its document title, heading path and text, and the
    single characters of the heading and text (queried at a low weight, see retrieval.query)."""
    return (
        tokenize(passage.title)
        + tokenize(passage.heading)
        + tokenize(passage.text)
        + char_tokens(passage.heading + passage.text)
    )


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
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.parser = parser
        self.config = config
        self.fusion_method = fusion_method
        self.lexicon = lexicon or Lexicon()
        self._lexical_generation: int | None = None  # catalog generation the lexical index reflects
        # Where the lexical index is saved, so a restart loads it instead of rebuilding it.
        self._snapshot = LexicalSnapshot(lexical_snapshot, TOKENIZER_VERSION) if lexical_snapshot else None
        self._lexical_lock = threading.RLock()  # searches may come from several UI threads at once
        self._ingest_lock = threading.Lock()  # one batch at a time per knowledge base
        self._query_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ================================================================ embedder identity

    def _embedder_id(self) -> str:
        return f"{self.embedder.name}|{self.embedder.dimension}"

    def check_embedder(self) -> None:
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

    def rebuild(self, progress: Progress = no_progress) -> int:
        """Re-embed every stored passage with the current embedder. Returns the passage count."""
        with self._ingest_lock:
            return self._rebuild(progress)

    def _rebuild(self, progress: Progress) -> int:
        self.catalog.set_meta(_EMBEDDER_KEY, _REBUILDING)  # an interrupted rebuild is never trusted
        self.store.reset()
        documents = self.catalog.list_documents()
        written = 0
        for n, record in enumerate(documents, start=1):
            progress(record.source, n, len(documents), "embedding")
            passages = self.catalog.document_passages(record.id)
            self._write_vectors(record.id, passages)
            written += len(passages)
        self.catalog.set_meta(_EMBEDDER_KEY, self._embedder_id())
        return written

    # ================================================================ ingest

    def ingest(self, paths: Iterable[Path | str], progress: Progress = no_progress) -> IngestReport:
        """Ingest files and folders. One bad file never stops the batch: it is reported in
        `IngestReport.failed` with its reason. Unchanged files (same sha256) are skipped.

        Earlier documents holding a line that this batch made repeated across files (or no longer
        repeated) are cleaned again and, if their cleaned text changed, replaced: `recleaned`."""
        with self._ingest_lock:
            report = self._ingest(paths, progress)
            self._save_lexical()  # once per batch: at 100k passages a save takes about 1.4 s
            return report

    def _ingest(self, paths: Iterable[Path | str], progress: Progress) -> IngestReport:
        report = IngestReport()
        files, problems = discover(paths, self.parser.suffixes)
        report.failed.extend(problems)
        if files:
            recorded = self.catalog.get_meta(_EMBEDDER_KEY)
            if self.catalog.document_count() > 0:
                self.check_embedder()
            elif recorded not in (None, self._embedder_id()):
                # Nothing committed, but an interrupted run left vectors of another model.
                self.store.reset()
        self.catalog.drop_orphan_fingerprints()
        self._ensure_tokens_current()

        # Phase 1: load every file and register its candidate lines, so the cleaner of each file
        # knows which headers and footers repeat across the whole batch.
        pending: list[_Pending] = []
        watch = RepetitionWatch(self.catalog)
        for n, path in enumerate(files, start=1):
            progress(path.name, n, len(files), "loading")
            try:
                doc_id, sha = document_id(path), file_sha256(path)
                stored = self.catalog.document_sha(doc_id)
                if stored == sha:
                    record = self.catalog.get_document(doc_id)
                    count = record.passage_count if record else 0
                    report.unchanged.append(
                        DocumentOutcome(str(path), doc_id, record.title if record else "", count)
                    )
                    progress(path.name, n, len(files), "unchanged")
                    continue
                doc = self.parser.load(path)
                fingerprints = self.parser.fingerprints(doc)
                # Only the lines a file adds or drops change how often a line repeats.
                watch.before_change(fingerprints ^ self.catalog.document_fingerprints(doc_id))
                self.catalog.register_fingerprints(doc_id, fingerprints)
                pending.append(_Pending(path, doc_id, sha, doc, replacing=stored is not None))
            except Exception as exc:  # noqa: BLE001 - reported per file, the batch goes on
                report.failed.append(IngestFailure(str(path), _reason(path, exc)))
                progress(path.name, n, len(files), "failed")

        # Phase 2: clean, parse, chunk, embed and store each document.
        for n, item in enumerate(pending, start=1):
            progress(item.path.name, n, len(pending), "parsing")
            try:
                outcome = self._ingest_one(item)
            except (EmbedderError, VectorStoreError):
                raise  # the model or the store is unusable: every other file would fail the same way
            except Exception as exc:  # noqa: BLE001 - reported per file, the batch goes on
                report.failed.append(IngestFailure(str(item.path), _reason(item.path, exc)))
                if not item.replacing:
                    self.catalog.drop_fingerprints(item.doc_id)
                progress(item.path.name, n, len(pending), "failed")
                continue
            (report.replaced if item.replacing else report.added).append(outcome)
            progress(item.path.name, n, len(pending), "replaced" if item.replacing else "added")

        # Phase 3: earlier documents (unchanged files of this batch included) whose shared
        # headers and footers the batch changed.
        batch = {document_id(path) for path in files} - {o.doc_id for o in report.unchanged}
        report.recleaned, report.not_recleaned = self._reclean(watch.affected(exclude=batch), progress)
        recleaned = {o.doc_id for o in report.recleaned}
        report.unchanged = [o for o in report.unchanged if o.doc_id not in recleaned]
        return report

    def _ingest_one(self, item: _Pending) -> DocumentOutcome:
        return self._store(item, self._prepare(item))

    def _prepare(self, item: _Pending) -> _Prepared:
        """Clean, parse and chunk a loaded document against the catalog's line index; writes nothing."""
        parsed = self.parser.parse(
            item.doc,
            self.catalog.line_index(item.doc_id),
            doc_id=item.doc_id,
            max_chars=self.config.max_chunk_chars,
        )
        passages = [p for p in parsed.passages if p.text.strip()]
        if not passages:
            raise IngestError(f"{item.path.name}：清洗后没有可检索的正文")
        structure = parsed.structure
        record = DocumentRecord(
            id=item.doc_id,
            path=str(item.path.resolve()),
            source=item.path.name,
            sha256=item.sha256,
            title=structure.title or item.path.stem,
            period=structure.period,
            year=structure.year,
            org=structure.org,
            kind=structure.kind,
            encoding=parsed.loaded.encoding,
            converted_from=parsed.loaded.converted_from,
            ingested_at=datetime.now().isoformat(timespec="seconds"),
            cleaned_text=parsed.cleaned.text,
            removed=list(parsed.cleaned.removed),
            outline=[OutlineEntry(t, p, lv) for t, p, lv in outline_of(structure.blocks)],
        )
        return _Prepared(record, passages, [passage_tokens(p) for p in passages])

    def _store(self, item: _Pending, prepared: _Prepared, note: str = "") -> DocumentOutcome:
        """Embed and store a prepared document, replacing the vectors and passages it had."""
        # Recorded before any vector is written, so leftovers of a crash are known to be this model's.
        if self.catalog.get_meta(_EMBEDDER_KEY) != self._embedder_id():
            self.catalog.set_meta(_EMBEDDER_KEY, self._embedder_id())
        self._write_vectors(item.doc_id, prepared.passages)
        generation = self.catalog.commit_document(prepared.record, prepared.passages, prepared.tokens)
        self._lexical_applied(generation, item.doc_id, prepared.passages, prepared.tokens)
        return DocumentOutcome(
            str(item.path), item.doc_id, prepared.record.title, len(prepared.passages), note
        )

    def _reclean(
        self, affected: dict[str, str], progress: Progress
    ) -> tuple[list[DocumentOutcome], list[IngestFailure]]:
        """Clean these earlier documents (id → why) again from their unchanged source files and
        replace those whose cleaned text changed. A document that cannot be re-read or fails keeps
        its old cleaned text, passages and vectors, and is reported with the reason."""
        recleaned: list[DocumentOutcome] = []
        left: list[IngestFailure] = []
        if affected:
            try:
                self.check_embedder()  # never mix vectors of two models
            except IndexMismatchError as exc:
                records = [self.catalog.get_document(doc_id) for doc_id in affected]
                return [], [IngestFailure(r.path, str(exc)) for r in records if r is not None]
        for n, (doc_id, note) in enumerate(affected.items(), start=1):
            record = self.catalog.get_document(doc_id)
            if record is None:  # removed meanwhile by another process
                continue
            path = Path(record.path)
            progress(path.name, n, len(affected), "recleaning")
            try:
                outcome = self._reclean_one(record, note)
            except (EmbedderError, VectorStoreError):
                raise  # the model or the store is unusable: every other file would fail the same way
            except _SourceUnreadable as exc:
                left.append(IngestFailure(record.path, str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - reported per file, the others go on
                left.append(IngestFailure(record.path, f"{_reason(path, exc)}；仍保留原有段落"))
                continue
            if outcome is not None:
                recleaned.append(outcome)
                progress(path.name, n, len(affected), "recleaned")
        return recleaned, left

    def _reclean_one(self, record: DocumentRecord, note: str) -> DocumentOutcome | None:
        """Re-clean one stored document; None when its cleaned text comes out the same."""
        problem = unreadable_source(record)
        if problem:
            raise _SourceUnreadable(problem)
        path = Path(record.path)
        item = _Pending(path, record.id, record.sha256, self.parser.load(path), replacing=True)
        prepared = self._prepare(item)
        if prepared.record.cleaned_text == record.cleaned_text:
            return None  # nothing to re-embed: the flipped line was kept or dropped for other reasons
        try:
            return self._store(item, prepared, note)
        except (EmbedderError, VectorStoreError):
            raise
        except Exception:
            # The new vectors may already have replaced the old ones under the same passage ids:
            # put back the vectors of the passages the catalog still holds.
            self._write_vectors(record.id, self.catalog.document_passages(record.id))
            raise

    def _write_vectors(self, doc_id: str, passages: Sequence[Passage]) -> None:
        vectors = self.embedder.embed([p.text for p in passages])
        self.store.delete_document(doc_id)  # stale vectors of an old or uncommitted version
        metadatas = [{"doc_id": doc_id, "part": p.part, "year": p.year, "kind": p.kind} for p in passages]
        self.store.upsert([p.id for p in passages], vectors, metadatas)

    # ================================================================ documents

    def list_documents(self) -> list[DocumentRecord]:
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
            self._save_lexical()
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
        self._lexical_changed(
            after if removed and after == before + 1 else None,
            lambda: self.lexical.remove_document(record.id),
        )
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
            report.recleaned, report.not_recleaned = self._reclean(watch.affected(), progress)
        self._save_lexical()
        return report

    def get_passage(self, passage_id: str) -> Passage | None:
        return self.catalog.passages([passage_id]).get(passage_id)

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        """Passages in the order of `ids`, skipping ids no longer in the catalog."""
        found = self.catalog.passages(ids)
        return [found[i] for i in ids if i in found]

    # ================================================================ search

    def _lexical_applied(
        self, generation: int, doc_id: str, passages: Sequence[Passage], tokens: Sequence
    ) -> None:
        def replace() -> None:
            self.lexical.remove_document(doc_id)
            self.lexical.add_many(
                (p.id, toks, RowMeta(p.doc_id, p.part, p.year, p.period, p.org))
                for p, toks in zip(passages, tokens, strict=True)
            )

        self._lexical_changed(generation, replace)

    def _lexical_changed(self, generation: int | None, change: Callable[[], None]) -> None:
        """Apply to the in-memory index the catalog change that made `generation` (None: not
        known), keeping the index current without a full reload when no one else wrote meanwhile."""
        with self._lexical_lock:
            restored = False
            if generation is not None and self._lexical_generation != generation - 1:
                # Not loaded yet (a CLI ingest): start from the snapshot saved just before the change.
                restored = self._restore_lexical(generation - 1)
            if generation is None or self._lexical_generation != generation - 1:
                self._lexical_generation = None  # reloaded at the next search
                return
            change()
            # A restored snapshot that disagrees with the catalog was not of this catalog after all.
            consistent = not restored or len(self.lexical) == self.catalog.passage_count()
            self._lexical_generation = generation if consistent else None

    def _restore_lexical(self, generation: int, passages: int | None = None) -> bool:
        if self._snapshot is None or not self._snapshot.restore(self.lexical, generation, passages):
            return False
        self._lexical_generation = generation
        return True

    def _save_lexical(self) -> None:
        """Save the lexical index if it is current: an index of an older generation helps no one."""
        with self._lexical_lock:
            generation = self._lexical_generation
            if self._snapshot is not None and generation == self.catalog.generation():
                self._snapshot.save(self.lexical, generation)

    def _ensure_tokens_current(self) -> None:
        """Re-tokenise stored passages once if they were tokenised by another tokenizer version,
        so stored and query tokens always agree."""
        if self.catalog.get_meta(_TOKENIZER_KEY) == TOKENIZER_VERSION:
            return
        if self.catalog.passage_count():
            log.info("re-tokenising stored passages for %s", TOKENIZER_VERSION)
            self.catalog.replace_tokens(
                [(p.id, passage_tokens(p)) for p, _ in self.catalog.iter_passages_with_tokens()]
            )
        self.catalog.set_meta(_TOKENIZER_KEY, TOKENIZER_VERSION)

    def _lexical_search(self, query: str, filters: SearchFilters, n: int) -> list[tuple[str, float]]:
        with self._lexical_lock:
            # Another process (the web UI, a CLI ingest) may have changed the catalog: reload then.
            self._ensure_tokens_current()
            generation = self.catalog.generation()
            if generation != self._lexical_generation and not self._restore_lexical(
                generation, self.catalog.passage_count()
            ):
                self.lexical.clear()
                self.lexical.add_many(
                    (p.id, toks, RowMeta(p.doc_id, p.part, p.year, p.period, p.org))
                    for p, toks in self.catalog.iter_passages_with_tokens()
                )
                self._lexical_generation = generation
                # Not saved if another process wrote meanwhile: the rows may be half of each state.
                self._save_lexical()
            analysed = self.analyse(query)
            hits = self.lexical.search(analysed.weights, n, filters)
        if filters.part is None and analysed.parts and self.config.part_cue_boost > 0:
            hits = self._prefer_cued_parts(hits, analysed.parts)
        return hits

    def analyse(self, query: str) -> AnalysedQuery:
        """The query as the lexical index and the part prior see it (retrieval.query)."""
        return analyse(
            query,
            self.lexicon,
            char_weight=self.config.char_weight,
            synonym_weight=self.config.synonym_weight,
        )

    def _query_vector(self, query: str) -> np.ndarray:
        # Embedding a query costs 20-150 ms on two cores; the drafting pipeline and evaluation
        # sweeps ask the same queries again and again.
        key = (self.embedder.name, query)
        with self._cache_lock:
            cached = self._query_vectors.get(key)
            if cached is not None:
                self._query_vectors.move_to_end(key)
                return cached
        vector = self.embedder.embed([query])[0]
        with self._cache_lock:
            self._query_vectors[key] = vector
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def _dense(self, query: str, filters: SearchFilters, n: int, k: int) -> tuple[list, dict[str, Passage]]:
        self.check_embedder()
        vector = self._query_vector(query)
        doc_level = any(
            v is not None and v != "" for v in (filters.year, filters.period, filters.org, filters.doc_id)
        )
        fetch = n * 3 if doc_level or filters.exclude_ids else n
        raw = self.store.query(vector, fetch, part=filters.part)
        rows = self.catalog.passages([pid for pid, _ in raw])
        hits = [(pid, s) for pid, s in raw if pid in rows and matches(rows[pid], filters)]
        if doc_level and len(hits) < k:
            # Few survivors of a selective filter: ask the store with a where clause after all.
            doc_ids = self.catalog.doc_ids_matching(filters)
            if doc_ids:
                raw = self.store.query(vector, fetch, part=filters.part, where={"doc_id": doc_ids})
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
        lexical: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        rows: dict[str, Passage] = {}
        if self.catalog.document_count() == 0:
            return []  # nothing to search, and no reason to load the embedding model
        # A signal whose fusion weight is 0 is not computed at all (no model load for dense 0).
        if mode == "lexical" or (mode == "hybrid" and self.config.lexical_weight > 0):
            lexical = self._lexical_search(query, filters, n)
        if mode == "dense" or (mode == "hybrid" and self.config.dense_weight > 0):
            dense, rows = self._dense(query, filters, n, k)
        if mode == "hybrid":
            fused = fuse(
                lexical, dense, self.config.lexical_weight, self.config.dense_weight, self.fusion_method
            )
        elif mode == "lexical":
            fused = [Fused(pid, s, lexical=s) for pid, s in lexical]
        else:
            fused = [Fused(pid, s, dense=s) for pid, s in dense]
        rows.update(self.catalog.passages([f.id for f in fused if f.id not in rows]))
        ranked = [(f, rows[f.id]) for f in fused if f.id in rows and matches(rows[f.id], filters)]
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

    def _prefer_cued_parts(
        self, hits: list[tuple[str, float]], parts: frozenset[str]
    ) -> list[tuple[str, float]]:
        """Boost the BM25 scores of passages in the parts the query's wording asks for ("明年打算"
        → plans). A boost, not a filter: a much better passage elsewhere still wins. Measured with
        `drafter eval retrieval` (README): ×1.5 moved plans/problems queries into the top 5."""
        factor = 1 + self.config.part_cue_boost
        rows = self.catalog.passages([pid for pid, _ in hits])
        boosted = [
            (pid, score * factor if pid in rows and rows[pid].part in parts else score) for pid, score in hits
        ]
        return sorted(boosted, key=lambda hit: -hit[1])  # stable: ties keep BM25's order


def _reason(path: Path, exc: Exception) -> str:
    if isinstance(exc, IngestError | IndexMismatchError):
        return str(exc)
    log.exception("unexpected error while ingesting %s", path)
    return f"{path.name}：处理时出错（{type(exc).__name__}: {exc}）"
