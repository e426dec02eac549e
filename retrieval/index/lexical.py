"""BM25 over search tokens (retrieval.index.tokens), scored from the posting lists of a sparse
(CSC) weight matrix so it stays fast at a million passages.

Tokens are computed once at ingest and stored in the catalog. After a restart the index is restored
from its snapshot under the data directory (retrieval.index.lexical_snapshot) when that matches the catalog,
else rebuilt from the stored tokens without re-tokenising. A search adds up the postings of the
query's words, then filters the passages found: a snapshot stores its rows ordered by part, so a
part filter reads only that part's stretch of each posting list. Year/org/doc filters are checked
on the passages found, not on every row.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from retrieval.documents import PARTS, SearchFilters
from retrieval.index.mapped_arrays import MappedStrings, StringPositions
from retrieval.index.tokens import CHAR_MARK

NO_FILTERS = SearchFilters()


class DamagedIndexError(ValueError):
    """Arrays restored from a snapshot that turn out not to fit together when first used (a
    restore checks only what is cheap: a full check would read every page of a large snapshot)."""


# A query as tokens (each occurrence weighs 1) or as token weights (retrieval.search.query.analyse).
QueryTokens = Sequence[str] | Mapping[str, float]


def _token_weights(query_tokens: QueryTokens) -> dict[str, float]:
    if isinstance(query_tokens, Mapping):
        return dict(query_tokens)
    weights: dict[str, float] = {}
    for token in query_tokens:
        weights[token] = weights.get(token, 0.0) + 1.0
    return weights


class LexicalIndex(Protocol):
    def add(self, passage_id: str, tokens: Sequence[str], meta: RowMeta) -> None: ...

    def add_many(self, rows: Iterable[tuple[str, Sequence[str], RowMeta]]) -> None: ...

    def remove_document(self, doc_id: str) -> None: ...

    def search(
        self, query_tokens: QueryTokens, k: int, filters: SearchFilters = NO_FILTERS
    ) -> list[tuple[str, float]]:
        """The k best (passage id, BM25 score) with a positive score, best first."""
        ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class RowMeta:
    """What filters need to know about a passage."""

    doc_id: str
    part: str
    year: int | None = None
    period: str | None = None
    org: str | None = None


_NO_YEAR = -1
_ADD_BATCH = 5000  # rows counted together by add_many: big enough to amortise, small in memory
_WEIGHT_BLOCK = 1 << 20  # matrix entries weighted together by _build
# One binary search in a posting list against reading one of its entries (about log2 of a long
# list's length): decides how character scores are added up (_scored).
_BINARY_SEARCH_COST = 16


@dataclass(frozen=True)
class Bm25Rows:
    """The live rows of a Bm25Index as flat arrays, to save and restore it (retrieval.index.lexical_snapshot).

    Row r has the distinct term ids terms[indptr[r]:indptr[r + 1]] (ascending) with their counts;
    part/year/doc are per-row codes (part: index in PARTS or -1; year: -1 when unknown; doc: index
    in `documents`)."""

    vocabulary: Sequence[str]  # a list, or MappedStrings from a snapshot
    ids: Sequence[str]
    indptr: np.ndarray  # int64, len(ids) + 1
    terms: np.ndarray  # int32
    counts: np.ndarray  # float32
    part: np.ndarray  # int8
    year: np.ndarray  # int32
    doc: np.ndarray  # int32
    documents: list[RowMeta]


@dataclass(frozen=True)
class _Block:
    """Rows appended since the arrays were last packed: per-row sizes, then their terms and counts."""

    sizes: np.ndarray
    terms: np.ndarray
    counts: np.ndarray


def _part_ranges(part: np.ndarray) -> list[tuple[int, int]] | None:
    """Per part code + 1 (code -1: no part), the rows [start, stop) of that part, when the rows are
    ordered by part (as a snapshot stores them); else None."""
    if len(part) > 1 and bool(np.any(part[1:] < part[:-1])):
        return None
    bounds = np.searchsorted(part, np.arange(-1, len(PARTS) + 1)).tolist()
    return list(itertools.pairwise(bounds))


def _postings(
    built: dict[str, Any], column: int, start_row: int, stop_row: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows in [start_row, stop_row) that hold a term, ascending, and their BM25 weights."""
    indptr = built["indptr"]
    start, stop = int(indptr[column]), int(indptr[column + 1])
    rows = built["indices"][start:stop]
    if start_row > 0 or stop_row < built["rows"]:
        first, last = np.searchsorted(rows, (start_row, stop_row)).tolist()
        rows, start, stop = rows[first:last], start + first, start + last
    return rows, built["data"][start:stop]


def _accumulate(
    built: dict[str, Any], columns: np.ndarray, weights: np.ndarray, start_row: int, stop_row: int
) -> np.ndarray:
    """Each row's weighted sum over these term columns, for the rows [start_row, stop_row) (element
    0 is start_row), summed in float64 in column order."""
    rows, values = [], []
    for column, weight in zip(columns.tolist(), weights, strict=True):
        posting, data = _postings(built, column, start_row, stop_row)
        rows.append(posting)
        values.append(data * weight)
    size = stop_row - start_row
    sums = np.bincount(np.concatenate(rows) - start_row, np.concatenate(values), minlength=size)
    if len(sums) != size:  # a posting past the rows: only a damaged snapshot has one
        raise DamagedIndexError("a posting list points past the passages")
    return sums


def _sums_at(built: dict[str, Any], columns: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The same sums as _accumulate, for a few given rows (ascending): found by binary search in
    each posting list instead of reading it whole."""
    sums = np.zeros(len(rows), dtype=np.float64)
    for column, weight in zip(columns.tolist(), weights, strict=True):
        posting, data = _postings(built, column, int(rows[0]), int(rows[-1]) + 1)
        if not len(posting):
            continue
        at = np.minimum(np.searchsorted(posting, rows), len(posting) - 1)
        found = posting[at] == rows
        sums[found] += data[at[found]] * weight
    return sums


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    sums = np.zeros(len(indptr) - 1, dtype=np.float32)
    starts = indptr[:-1]
    filled = np.flatnonzero(indptr[1:] > starts)  # reduceat cannot express an empty row
    if len(filled):
        sums[filled] = np.add.reduceat(values, starts[filled])
    return sums


class Bm25Index:
    """Okapi BM25 (k1, b) with non-negative idf; rows appended cheaply, weights rebuilt lazily.

    Adding or removing a document only marks the matrix stale: idf and lengths depend on the whole
    collection, so the weights are recomputed, vectorised, at the next search. Term counts are kept
    as one CSR structure (packed arrays plus the blocks appended since), so rebuilding the weights
    never walks the rows in Python.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        # Lists and dicts of this process, or (after restore() from a snapshot) read-only arrays and
        # string tables mapped from the file and shared with other processes; _own() turns the
        # latter into the former before the first change.
        self._vocab: Any = {}  # term → column
        self._ids: Any = []
        self._row_of: Any = {}  # live rows only; replaced rows stay until compaction
        self._indptr = np.zeros(1, dtype=np.int64)  # packed rows: CSR of distinct term ids, counts
        self._terms = np.zeros(0, dtype=np.int32)
        self._counts = np.zeros(0, dtype=np.float32)
        self._blocks: list[_Block] = []  # rows after the packed ones, in order
        self._part: Any = []
        self._year: Any = []
        self._doc: Any = []
        self._alive: Any = []
        self._owned = True
        self._checked = True  # term ids and counts known to fit (false after restore() until checked)
        self._docs: list[RowMeta] = []  # per document code: its metadata (for org/period masks)
        self._doc_code: dict[str, int] = {}
        self._built: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self._row_of)

    def clear(self) -> None:
        with self._lock:
            self._reset()

    def add(self, passage_id: str, tokens: Sequence[str], meta: RowMeta) -> None:
        """Index one passage (replacing an earlier row with the same id)."""
        with self._lock:
            self._own()
            term_ids = [self._vocab.setdefault(t, len(self._vocab)) for t in tokens]
            terms, counts = np.unique(np.asarray(term_ids, dtype=np.int64), return_counts=True)
            block = _Block(
                np.array([len(terms)], dtype=np.int64), terms.astype(np.int32), counts.astype(np.float32)
            )
            self._append([passage_id], [meta], block)

    def add_many(self, rows: Iterable[tuple[str, Sequence[str], RowMeta]]) -> None:
        """Index many passages, the same as add() for each in turn: what the rebuild after a restart
        uses, counting terms a batch of rows at a time instead of row by row."""
        with self._lock:
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, _ADD_BATCH)):
                self._add_batch(batch)

    def _add_batch(self, batch: Sequence[tuple[str, Sequence[str], RowMeta]]) -> None:
        self._own()
        vocab = self._vocab
        setdefault = vocab.setdefault
        term_ids = np.array(
            [setdefault(t, len(vocab)) for _, tokens, _ in batch for t in tokens], dtype=np.int32
        )
        indptr = np.zeros(len(batch) + 1, dtype=np.int64)
        np.cumsum([len(tokens) for _, tokens, _ in batch], out=indptr[1:])
        counted = sparse.csr_matrix(
            (np.ones(len(term_ids), dtype=np.float32), term_ids, indptr),
            shape=(len(batch), max(1, len(vocab))),
        )
        counted.sum_duplicates()  # per row: term ids ascending, repeats added up (as np.unique)
        block = _Block(
            np.diff(counted.indptr).astype(np.int64),
            counted.indices.astype(np.int32),
            counted.data.astype(np.float32),
        )
        self._append([pid for pid, _, _ in batch], [meta for _, _, meta in batch], block)

    def _own(self) -> None:
        """Copy what restore() mapped into this process's own structures, before changing them."""
        if self._owned:
            return
        self._check_entries()
        self._vocab = dict(zip(self._vocab, itertools.count()))  # iterates the terms in column order
        self._ids = list(self._ids)
        self._row_of = {pid: row for row, pid in enumerate(self._ids)}
        for name in ("_part", "_year", "_doc", "_alive"):
            setattr(self, name, np.asarray(getattr(self, name)).tolist())
        self._owned = True

    def _check_entries(self) -> None:
        """Check the restored term ids and counts before anything is computed from them."""
        if self._checked:
            return
        terms = self._terms
        if len(terms) and (int(terms.min()) < 0 or int(terms.max()) >= len(self._vocab)):
            raise DamagedIndexError("a term id past the vocabulary")
        if len(self._counts) and not bool(np.all(self._counts > 0)):
            raise DamagedIndexError("a term count that is not positive")
        self._checked = True

    def _append(self, ids: Sequence[str], metas: Sequence[RowMeta], block: _Block) -> None:
        self._own()
        for passage_id, meta in zip(ids, metas, strict=True):
            if passage_id in self._row_of:
                self._alive[self._row_of.pop(passage_id)] = False
            code = self._doc_code.get(meta.doc_id)
            if code is None:
                code = self._doc_code[meta.doc_id] = len(self._docs)
                self._docs.append(meta)
            self._row_of[passage_id] = len(self._ids)
            self._ids.append(passage_id)
            self._part.append(PARTS.index(meta.part) if meta.part in PARTS else -1)  # type: ignore[arg-type]
            self._year.append(meta.year if meta.year is not None else _NO_YEAR)
            self._doc.append(code)
            self._alive.append(True)
        self._blocks.append(block)
        self._built = None

    def remove_document(self, doc_id: str) -> None:
        with self._lock:
            code = self._doc_code.get(doc_id)
            if code is None:
                return
            self._own()
            for passage_id in [pid for pid, row in self._row_of.items() if self._doc[row] == code]:
                self._alive[self._row_of.pop(passage_id)] = False
            self._built = None

    def _pack(self) -> None:
        """Fold the appended blocks into the packed arrays."""
        if not self._blocks:
            return
        sizes = np.concatenate([block.sizes for block in self._blocks])
        self._indptr = np.concatenate([self._indptr, self._indptr[-1] + np.cumsum(sizes)])
        self._terms = np.concatenate([self._terms, *(block.terms for block in self._blocks)])
        self._counts = np.concatenate([self._counts, *(block.counts for block in self._blocks)])
        self._blocks = []

    def _compact(self) -> None:
        """Drop rows of replaced or removed passages once they outnumber the live ones."""
        self._pack()
        alive = np.asarray(self._alive, dtype=bool)
        sizes = np.diff(self._indptr)
        entries = np.repeat(alive, sizes)
        self._terms, self._counts = self._terms[entries], self._counts[entries]
        self._indptr = np.zeros(int(alive.sum()) + 1, dtype=np.int64)
        np.cumsum(sizes[alive], out=self._indptr[1:])
        keep = np.flatnonzero(alive)
        for name in ("_ids", "_part", "_year", "_doc", "_alive"):
            values = getattr(self, name)
            setattr(self, name, [values[row] for row in keep])
        self._row_of = {pid: row for row, pid in enumerate(self._ids)}

    def _build(self) -> dict[str, Any]:
        if self._built is not None:
            return self._built
        self._check_entries()
        if len(self._ids) - len(self._row_of) > max(len(self._row_of), 100):
            self._compact()
        self._pack()
        n_rows, n_terms = len(self._ids), max(1, len(self._vocab))
        alive = np.asarray(self._alive, dtype=bool)
        n_alive = int(alive.sum())
        lengths = _row_sums(self._counts, self._indptr)
        lengths[~alive] = 0
        # Weighted in column order (the CSC layout search slices): each entry's term then comes
        # from a sequential repeat, not a gather, and the document frequencies from the layout.
        index_type = np.int32 if len(self._terms) < np.iinfo(np.int32).max else np.int64
        counts = sparse.csr_matrix(
            (self._counts, self._terms.astype(index_type, copy=False), self._indptr.astype(index_type)),
            shape=(n_rows, n_terms),
        ).tocsc()
        rows, indptr = counts.indices, counts.indptr
        live_entry = None if n_alive == n_rows else alive[rows]
        if live_entry is None:
            df = np.diff(indptr).astype(np.float32)
        else:
            df = _row_sums(live_entry.astype(np.float32), indptr)
        idf = np.log1p((n_alive - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Summed in float64: lengths are whole numbers, so the mean is exact in any row order and a
        # restored index scores exactly like the one that was saved.
        avg = float(lengths[alive].mean(dtype=np.float64)) if n_alive else 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths / max(avg, 1e-9))  # per row
        weights = counts.data  # the term counts become the weights, in place
        # A few columns at a time: full-size temporaries would cost more in fresh memory than in
        # arithmetic (about 0.5 s at 100k passages on this project's machines).
        firsts = np.searchsorted(indptr, np.arange(0, len(rows), _WEIGHT_BLOCK), side="right") - 1
        for first, last in itertools.pairwise([*firsts.tolist(), n_terms]):
            start, stop = indptr[first], indptr[last]
            tf = weights[start:stop]
            denominator = norm[rows[start:stop]]
            denominator += tf
            tf *= np.repeat(idf[first:last], np.diff(indptr[first : last + 1]))
            tf *= self.k1 + 1
            tf /= denominator
        if live_entry is not None:
            weights[~live_entry] = 0
        self._built = self._searchable(
            {"data": weights, "indices": rows, "indptr": indptr},
            alive,
            np.asarray(self._part, dtype=np.int8),
            np.asarray(self._year, dtype=np.int32),
            np.asarray(self._doc, dtype=np.int32),
        )
        return self._built

    @staticmethod
    def _searchable(
        weights: Mapping[str, np.ndarray],
        alive: np.ndarray,
        part: np.ndarray,
        year: np.ndarray,
        doc: np.ndarray,
    ) -> dict[str, Any]:
        """What search reads: the weight matrix's CSC arrays (one posting list per term, rows
        ascending) and the per-row codes the filters compare."""
        return {
            "data": weights["data"],
            "indices": weights["indices"],
            "indptr": weights["indptr"],
            "rows": len(part),
            "alive": alive,
            "part": part,
            "year": year,
            "doc": doc,
            "part_ranges": _part_ranges(part),
        }

    def rows(self) -> Bm25Rows:
        """The live rows, their vocabulary (only terms they use) and their documents, as arrays."""
        with self._lock:
            self._check_entries()
            self._pack()
            alive = np.asarray(self._alive, dtype=bool)
            sizes = np.diff(self._indptr)
            indptr = np.zeros(int(alive.sum()) + 1, dtype=np.int64)
            np.cumsum(sizes[alive], out=indptr[1:])
            if len(indptr) - 1 == len(self._ids):
                terms, counts = self._terms, self._counts
            else:
                entries = np.repeat(alive, sizes)
                terms, counts = self._terms[entries], self._counts[entries]
            # Renumber the terms and documents still in use, keeping their order.
            used = np.bincount(terms, minlength=len(self._vocab)) > 0
            term_code = np.cumsum(used, dtype=np.int64) - 1
            vocabulary = list(self._vocab)
            doc = np.asarray(self._doc, dtype=np.int32)[alive]
            doc_used = np.bincount(doc, minlength=len(self._docs)) > 0
            doc_code = np.cumsum(doc_used, dtype=np.int64) - 1
            return Bm25Rows(
                vocabulary=[vocabulary[t] for t in np.flatnonzero(used)],
                ids=[pid for pid, keep in zip(self._ids, self._alive, strict=True) if keep],
                indptr=indptr,
                terms=term_code[terms].astype(np.int32),
                counts=counts,
                part=np.asarray(self._part, dtype=np.int8)[alive],
                year=np.asarray(self._year, dtype=np.int32)[alive],
                doc=doc_code[doc].astype(np.int32),
                documents=[self._docs[d] for d in np.flatnonzero(doc_used)],
            )

    def restore(self, rows: Bm25Rows, weights: Mapping[str, np.ndarray] | None = None) -> None:
        """Replace the whole index by these rows (as returned by rows(), possibly in another
        process). The caller vouches that their shapes fit (retrieval.index.lexical_snapshot checks);
        their contents are checked where first used: the term ids and counts when the index is first
        changed or its rows read, each posting list by the search that reads it (DamagedIndexError).

        Rows whose strings are MappedStrings, and ``weights`` (weight_arrays() of the same rows),
        are used as they are: memory-mapped from a snapshot, they stay shared with every other
        process that maps it, and the first search needs no rebuild."""
        if isinstance(rows.vocabulary, MappedStrings) and isinstance(rows.ids, MappedStrings):
            vocab: Any = StringPositions(rows.vocabulary)
            row_of: Any = StringPositions(rows.ids)
            ids: Any = rows.ids
        else:
            vocab = dict(zip(rows.vocabulary, range(len(rows.vocabulary)), strict=True))
            row_of = dict(zip(rows.ids, range(len(rows.ids)), strict=True))
            ids = list(rows.ids)
            if len(vocab) != len(rows.vocabulary) or len(row_of) != len(rows.ids):
                raise ValueError("duplicate terms or passage ids")
        with self._lock:
            self._reset()
            self._vocab, self._row_of, self._ids = vocab, row_of, ids
            self._indptr = np.asarray(rows.indptr, dtype=np.int64)
            self._terms = np.asarray(rows.terms, dtype=np.int32)
            self._counts = np.asarray(rows.counts, dtype=np.float32)
            self._part = np.asarray(rows.part, dtype=np.int8)
            self._year = np.asarray(rows.year, dtype=np.int32)
            self._doc = np.asarray(rows.doc, dtype=np.int32)
            self._alive = np.ones(len(ids), dtype=bool)
            self._owned = self._checked = False
            self._docs = list(rows.documents)
            self._doc_code = {meta.doc_id: code for code, meta in enumerate(self._docs)}
            if weights is not None:
                self._built = self._searchable(weights, self._alive, self._part, self._year, self._doc)

    def weight_arrays(self) -> dict[str, np.ndarray]:
        """The BM25 weight matrix as CSC arrays (data, indices, indptr), for a snapshot to map."""
        with self._lock:
            built = self._build()
            return {name: built[name] for name in ("data", "indices", "indptr")}

    def _row_range(self, built: dict[str, Any], filters: SearchFilters) -> tuple[int, int]:
        """The rows a search must look at: all, or when the rows are ordered by part (as a snapshot
        stores them) only the filtered part's, so a part filter shrinks the work, not just the hits."""
        ranges = built["part_ranges"]
        if filters.part is None or ranges is None:
            return 0, len(built["part"])
        return ranges[PARTS.index(filters.part) + 1]

    def _keep(self, built: dict[str, Any], filters: SearchFilters, rows: np.ndarray) -> np.ndarray:
        """Which of these rows (ascending) pass the filters and are alive."""
        keep = built["alive"][rows]
        if filters.part is not None:
            keep &= built["part"][rows] == PARTS.index(filters.part)
        if filters.year is not None:
            keep &= built["year"][rows] == filters.year
        if filters.doc_id is not None or filters.org or filters.period:
            allowed = np.array(
                [
                    (filters.doc_id is None or m.doc_id == filters.doc_id)
                    and (not filters.org or filters.org in (m.org or ""))
                    and (not filters.period or filters.period in (m.period or ""))
                    for m in self._docs
                ],
                dtype=bool,
            )
            keep &= allowed[built["doc"][rows]]
        excluded = [row for pid in filters.exclude_ids if (row := self._row_of.get(pid)) is not None]
        if excluded:
            keep &= ~np.isin(rows, excluded)
        return keep

    def _weighted_columns(
        self, weights: Mapping[str, float], *, characters: bool
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Matrix columns and weights of the known query tokens of one kind (words or characters)."""
        known = []
        for t, w in weights.items():
            if w > 0 and t.startswith(CHAR_MARK) == characters:
                column = self._vocab.get(t)  # one lookup: a binary search when the index is mapped
                if column is not None:
                    known.append((column, w))
        if not known:
            return None
        return np.array([c for c, _ in known], dtype=np.int64), np.array(
            [w for _, w in known], dtype=np.float32
        )

    def search(
        self, query_tokens: QueryTokens, k: int, filters: SearchFilters = NO_FILTERS
    ) -> list[tuple[str, float]]:
        """The k best (passage id, BM25 score) with a positive score, best first."""
        with self._lock:
            if not self._row_of or k <= 0:
                return []
            built = self._build()
            weights = _token_weights(query_tokens)
            words = self._weighted_columns(weights, characters=False)
            if words is None:
                return []  # no query word occurs anywhere: nothing to rank
            try:
                rows, scores = self._scored(built, weights, words, filters)
            except (IndexError, ValueError) as exc:
                if self._owned:
                    raise  # built here: a bug, not damage
                raise DamagedIndexError(f"the restored index does not fit together: {exc}") from exc
            if len(rows) > k:
                best = np.argpartition(-scores, k - 1)[:k]
                rows, scores = rows[best], scores[best]
            order = np.lexsort((rows, -scores))  # by score, ties by row order
            rows, scores = rows[order], scores[order]
            return [
                (self._ids[row], score) for row, score in zip(rows.tolist(), scores.tolist(), strict=True)
            ]

    def _scored(
        self,
        built: dict[str, Any],
        weights: Mapping[str, float],
        words: tuple[np.ndarray, np.ndarray],
        filters: SearchFilters,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows that share a word with the query and pass the filters, with their scores."""
        start_row, stop_row = self._row_range(built, filters)
        if start_row == stop_row:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        word_sums = _accumulate(built, *words, start_row, stop_row)
        rows = np.flatnonzero(word_sums > 0)
        scores = word_sums[rows]
        rows += start_row
        keep = self._keep(built, filters, rows)
        rows, scores = rows[keep], scores[keep]
        # Single characters only reorder passages that share a word with the query: matching
        # on characters alone ("年" of "年轻") would admit unrelated passages.
        chars = self._weighted_columns(weights, characters=True)
        if chars is None or not len(rows):
            return rows, scores
        # Read the characters' postings whole, or look up the few rows found in each: whichever
        # touches less (a common character's posting list spans most passages).
        entries = sum(int(built["indptr"][c + 1] - built["indptr"][c]) for c in chars[0].tolist())
        in_range = entries * (stop_row - start_row) / max(built["rows"], 1)
        if len(rows) * len(chars[0]) * _BINARY_SEARCH_COST < in_range:
            return rows, scores + _sums_at(built, *chars, rows)
        return rows, scores + _accumulate(built, *chars, start_row, stop_row)[rows - start_row]
