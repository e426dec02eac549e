"""The lexical index saved under the data directory, so a restart loads it instead of rebuilding it
from every passage's stored tokens (18 s at 100k passages; see scripts/bench_retrieval.py
--restart-only and scripts/bench_scale.py).

One uncompressed .npz file (no pickles): the index's live rows as flat arrays
(retrieval.index.lexical.Bm25Rows), their BM25 weight matrix, terms and passage ids as string
tables, and a tag saying what they reflect. Loading memory-maps the arrays
(retrieval.index.mapped_arrays): the web UI processes of one machine share one copy in the page
cache instead of each holding the index, and the first search needs no rebuild. The tag says: the catalog generation, the live passage count, the tokenizer
version and this file format. A snapshot stands in for the catalog only when its tag
matches; anything else (stale, another tokenizer, truncated, corrupt, foreign) is ignored and the
caller rebuilds from the catalog. Loading checks the shapes and the per-row arrays; the per-entry
arrays (hundreds of millions of entries at 1M passages) are checked where they are first read
(retrieval.index.lexical.DamagedIndexError), which also leads to a rebuild. Written to a
temporary file and moved into place with os.replace, so another process (the web UI beside a CLI)
reads the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from retrieval.documents import PARTS
from retrieval.index.lexical import Bm25Index, Bm25Rows, LexicalIndex, RowMeta
from retrieval.index.mapped_arrays import MappedStrings, map_npz, pack_strings

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "lexical-index.npz"  # under the data directory (drafting/components.py)
FORMAT = "drafter-lexical-snapshot/2"


@dataclass(frozen=True)
class SnapshotTag:
    """What a snapshot reflects; it may replace a rebuild only when all of it matches."""

    generation: int  # retrieval.index.catalog.Catalog.generation() the rows were read at
    passages: int
    tokenizer: str  # retrieval.index.tokens.TOKENIZER_VERSION of the stored tokens
    format: str = FORMAT


def save_snapshot(index: Bm25Index, path: Path, *, generation: int, tokenizer: str) -> SnapshotTag:
    """Write the live rows of `index` as the snapshot of catalog `generation`, atomically.

    Raises OSError when the file cannot be written (the caller logs it: a snapshot only saves time)."""
    rows = _by_part(index.rows())
    tag = SnapshotTag(generation, len(rows.ids), tokenizer)
    # The weights of exactly these rows, as a process restoring them would compute them.
    live = Bm25Index(index.k1, index.b)
    live.restore(rows)
    weights = live.weight_arrays()
    arrays: dict[str, Any] = {
        "tag": _text(json.dumps(asdict(tag))),
        **{f"vocabulary_{k}": v for k, v in pack_strings(rows.vocabulary).items()},
        **{f"ids_{k}": v for k, v in pack_strings(rows.ids).items()},
        "documents": _text(json.dumps([_meta_fields(m) for m in rows.documents], ensure_ascii=False)),
        "bm25": np.array([index.k1, index.b], dtype=np.float64),
        **{f"weights_{k}": v for k, v in weights.items()},
        "indptr": rows.indptr,
        "terms": rows.terms,
        "counts": rows.counts,
        "part": rows.part,
        "year": rows.year,
        "doc": rows.doc,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per writer; "x" mode honours the umask like the catalog file does.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as handle:
            np.savez(handle, **arrays)  # uncompressed: loading is the part that must be fast
        # No fsync: a snapshot lost or torn by a power cut fails its checks and is rebuilt.
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return tag


def _by_part(rows: Bm25Rows) -> Bm25Rows:
    """The rows ordered by part, keeping their order within a part: each part is then one stretch of
    rows, and a search with a part filter reads only that stretch of each posting list."""
    order = np.argsort(rows.part, kind="stable")
    if bool(np.all(order == np.arange(len(order)))):
        return rows
    matrix = sparse.csr_matrix(
        (rows.counts, rows.terms, rows.indptr), shape=(len(rows.ids), max(1, len(rows.vocabulary)))
    )
    ordered = matrix[order]
    return Bm25Rows(
        vocabulary=rows.vocabulary,
        ids=[rows.ids[i] for i in order.tolist()],
        indptr=ordered.indptr.astype(np.int64),
        terms=ordered.indices.astype(np.int32),
        counts=ordered.data.astype(np.float32),
        part=rows.part[order],
        year=rows.year[order],
        doc=rows.doc[order],
        documents=rows.documents,
    )


def read_tag(path: Path) -> SnapshotTag | None:
    """The tag of the snapshot at `path`; None when there is none or it cannot be read (logged)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return _tag(npz)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means "no snapshot"
        log.warning("ignoring the lexical index snapshot %s: %s", path, exc)
        return None


def load_snapshot(path: Path, index: Bm25Index, expected: SnapshotTag) -> bool:
    """Restore `index` from the snapshot at `path` if its tag equals `expected`.

    Returns False, leaving `index` untouched, when the file is missing, stale or unusable (logged).
    The arrays stay memory-mapped: the file may be replaced meanwhile (os.replace), the mapping keeps
    the old one's data until the index lets go of it."""
    if not path.exists():
        return False
    try:
        npz = map_npz(path)
        if _tag(npz) != expected:
            return False
        rows = Bm25Rows(
            vocabulary=_string_table(npz, "vocabulary"),
            ids=_string_table(npz, "ids"),
            indptr=npz["indptr"],
            terms=npz["terms"],
            counts=npz["counts"],
            part=npz["part"],
            year=npz["year"],
            doc=npz["doc"],
            documents=[_meta(fields) for fields in _json(npz["documents"])],
        )
        weights = {k: npz[f"weights_{k}"] for k in ("data", "indices", "indptr")}
        _check(rows, expected)
        _check_weights(weights, rows)
        same_bm25 = np.array_equal(npz["bm25"], np.array([index.k1, index.b], dtype=np.float64))
        index.restore(rows, weights if same_bm25 else None)
    except Exception as exc:  # noqa: BLE001 - a bad snapshot must never break search
        log.warning("ignoring the lexical index snapshot %s: %s", path, exc)
        return False
    return True


def _text(value: str) -> np.ndarray:
    return np.frombuffer(value.encode("utf-8"), dtype=np.uint8)  # UTF-8 bytes: no pickling


def _json(array: np.ndarray) -> Any:
    return json.loads(array.tobytes().decode("utf-8"))


def _tag(npz: Any) -> SnapshotTag:
    fields = _json(npz["tag"])
    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    return SnapshotTag(**fields)


def _string_table(npz: dict[str, np.ndarray], name: str) -> MappedStrings:
    return MappedStrings(npz[f"{name}_blob"], npz[f"{name}_offsets"], npz[f"{name}_order"])


def _check_weights(weights: dict[str, np.ndarray], rows: Bm25Rows) -> None:
    """The weight matrix must fit the rows: sparse products index with these arrays unchecked."""
    data, indices, indptr = weights["data"], weights["indices"], weights["indptr"]
    checks = [
        (data.dtype == np.float32 and data.ndim == indices.ndim == indptr.ndim == 1, "weights: bad arrays"),
        (np.issubdtype(indices.dtype, np.integer), "weights: rows are not integers"),
        (len(indptr) == max(1, len(rows.vocabulary)) + 1, "weights: column pointers do not match the terms"),
        (len(data) == len(indices) == len(rows.terms), "weights: not one weight per term count"),
        (_within(indptr, 0, len(indices) + 1), "weights: column pointer out of range"),
        (not len(indptr) or (indptr[0] == 0 and indptr[-1] == len(indices)), "weights: bad column span"),
        (bool(np.all(np.diff(indptr) >= 0)), "weights: column pointers go backwards"),
        # The rows each posting list holds are checked by the search that reads it.
    ]
    for passed, reason in checks:
        if not passed:
            raise ValueError(reason)


def _meta_fields(meta: RowMeta) -> list[str | int | None]:
    return [meta.doc_id, meta.part, meta.year, meta.period, meta.org]


def _meta(fields: list) -> RowMeta:
    doc_id, part, year, period, org = fields
    return RowMeta(doc_id, part, year, period, org)


def _check(rows: Bm25Rows, tag: SnapshotTag) -> None:
    """Reject arrays that do not fit together, so a damaged file fails here and not in a search."""
    n_rows = len(rows.ids)
    indptr = rows.indptr
    problems = [
        (n_rows != tag.passages, "the passage count differs from the tag"),
        (indptr.ndim != 1 or len(indptr) != n_rows + 1, "row pointers do not match the ids"),
        (any(len(a) != n_rows for a in (rows.part, rows.year, rows.doc)), "row codes do not match the ids"),
        (len(rows.terms) != len(rows.counts), "terms and counts differ in length"),
    ]
    for failed, reason in problems:
        if failed:
            raise ValueError(reason)
    # Per row, not per entry: the term ids and counts (as many as the words of every passage) are
    # checked by the index when it first uses them, so a restart does not read the whole file.
    checks = [
        (np.issubdtype(indptr.dtype, np.integer), "row pointers are not integers"),
        (indptr[0] == 0 and indptr[-1] == len(rows.terms), "row pointers do not span the terms"),
        (bool(np.all(np.diff(indptr) >= 0)), "row pointers go backwards"),
        (np.issubdtype(rows.terms.dtype, np.integer), "term ids are not integers"),
        (_within(rows.doc, 0, len(rows.documents)), "document code out of range"),
        (_within(rows.part, -1, len(PARTS)), "part code out of range"),
    ]
    for passed, reason in checks:
        if not passed:
            raise ValueError(reason)


def _within(values: np.ndarray, low: int, high: int) -> bool:
    if not np.issubdtype(values.dtype, np.integer):
        return False
    return not len(values) or (int(values.min()) >= low and int(values.max()) < high)


class LexicalSnapshot:
    """The snapshot file of one knowledge base, as the knowledge base uses it: restore an index
    from it when it matches, save an index to it (errors logged, never raised)."""

    def __init__(self, path: Path, tokenizer: str) -> None:
        self.path = path
        self.tokenizer = tokenizer
        self._generation: int | None = None  # last generation this object wrote or read

    def restore(self, index: LexicalIndex, generation: int, passages: int | None = None) -> bool:
        """Load `index` from the snapshot of catalog `generation` (holding `passages` live passages,
        when the caller knows); False, `index` untouched, when there is no such snapshot."""
        if not isinstance(index, Bm25Index):
            return False  # another implementation has no flat rows to restore
        tag = read_tag(self.path)
        if tag is None or tag.generation != generation or tag.tokenizer != self.tokenizer:
            return False
        if passages is not None and tag.passages != passages:
            return False
        if not load_snapshot(self.path, index, tag):
            return False
        self._generation = generation
        return True

    def forget(self) -> None:
        """The file turned out damaged: the next save writes it even for a generation it read."""
        self._generation = None

    def save(self, index: LexicalIndex, generation: int) -> None:
        """Write `index` as the snapshot of catalog `generation` unless this object already wrote or
        read that generation. A failure is logged: the snapshot only saves time at the next start."""
        if not isinstance(index, Bm25Index) or generation == self._generation:
            return
        try:
            tag = save_snapshot(index, self.path, generation=generation, tokenizer=self.tokenizer)
        except Exception:  # noqa: BLE001 - a full disk or a read-only home must not fail ingest
            log.warning("could not save the lexical index snapshot %s", self.path, exc_info=True)
            return
        self._generation = generation
        # Swap this process's own copy for the mapped file the other processes share.
        load_snapshot(self.path, index, tag)
