"""The in-memory BM25 index kept in step with the SQLite catalog, and restored from its on-disk
snapshot (retrieval.index.lexical_snapshot) after a restart instead of being rebuilt from every passage.

The catalog is the truth; the index remembers which catalog generation it reflects. A change this
process makes is applied to the index directly when the index was current just before it; anything
else (another process wrote, a change of unknown generation) marks the index stale, and the next
search reloads it: from the snapshot when that matches the catalog, else from the stored tokens.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from retrieval.documents import Passage, SearchFilters
from retrieval.index.catalog import Catalog
from retrieval.index.lexical import DamagedIndexError, LexicalIndex, RowMeta
from retrieval.index.lexical_snapshot import LexicalSnapshot
from retrieval.index.tokens import TOKENIZER_VERSION, char_tokens, tokenize

log = logging.getLogger(__name__)

_TOKENIZER_KEY = "tokenizer"


def passage_tokens(passage: Passage) -> list[str]:
    """What the lexical index sees of a passage: its document title, heading path and text, and the
    single characters of the heading and text (queried at a low weight, see retrieval.search.query)."""
    return (
        tokenize(passage.title)
        + tokenize(passage.heading)
        + tokenize(passage.text)
        + char_tokens(passage.heading + passage.text)
    )


def _row(passage: Passage, tokens: Sequence[str]) -> tuple[str, Sequence[str], RowMeta]:
    """A passage as the lexical index stores it: id, tokens and what filters need."""
    meta = RowMeta(passage.doc_id, passage.part, passage.year, passage.period, passage.org)
    return passage.id, tokens, meta


class CatalogLexicalIndex:
    """The BM25 index kept in step with the catalog, restored from its snapshot after a restart.

    Safe to search from several threads at once; the writes come from one ingest batch at a time
    (the knowledge base's lock)."""

    def __init__(self, catalog: Catalog, index: LexicalIndex, snapshot: Path | None = None) -> None:
        self.catalog = catalog
        self.index = index
        self._generation: int | None = None  # catalog generation the index reflects
        # Where the index is saved, so a restart loads it instead of rebuilding it.
        self._snapshot = LexicalSnapshot(snapshot, TOKENIZER_VERSION) if snapshot else None
        self._lock = threading.RLock()  # searches may come from several UI threads at once

    def search(self, weights: Mapping[str, float], n: int, filters: SearchFilters) -> list[tuple[str, float]]:
        """The n best passage ids for these query token weights, reloading the index first when
        the catalog changed since it was last read."""
        with self._lock:
            # Another process (the web UI, a CLI ingest) may have changed the catalog: reload then.
            self.ensure_tokens_current()
            generation = self.catalog.generation()
            if generation != self._generation and not self._restore(generation, self.catalog.passage_count()):
                self._rebuild(generation)
            try:
                return self.index.search(weights, n, filters)
            except DamagedIndexError as exc:
                self._damaged(exc)
                self._rebuild(generation)
                return self.index.search(weights, n, filters)

    def _rebuild(self, generation: int) -> None:
        """Read every passage's stored tokens into the index, as of catalog `generation`."""
        self.index.clear()
        self.index.add_many(_row(p, toks) for p, toks in self.catalog.iter_passages_with_tokens())
        self._generation = generation
        # Not saved if another process wrote meanwhile: the rows may be half of each state.
        self.save()

    def _damaged(self, exc: DamagedIndexError) -> None:
        where = self._snapshot.path if self._snapshot else "the index"
        log.warning("ignoring the lexical index snapshot %s: %s; rebuilding it from the catalog", where, exc)
        if self._snapshot is not None:
            self._snapshot.forget()

    def applied(
        self, generation: int, doc_id: str, passages: Sequence[Passage], tokens: Sequence[Sequence[str]]
    ) -> None:
        """The catalog commit that made `generation` stored these passages (and tokens) of a document."""

        def replace() -> None:
            self.index.remove_document(doc_id)
            self.index.add_many(_row(p, toks) for p, toks in zip(passages, tokens, strict=True))

        self._changed(generation, replace)

    def removed(self, generation: int | None, doc_id: str) -> None:
        """The catalog change that made `generation` (None: not known) removed a document."""
        self._changed(generation, lambda: self.index.remove_document(doc_id))

    def _changed(self, generation: int | None, change: Callable[[], None]) -> None:
        """Apply to the in-memory index the catalog change that made `generation` (None: not
        known), keeping the index current without a full reload when no one else wrote meanwhile."""
        with self._lock:
            restored = False
            if generation is not None and self._generation != generation - 1:
                # Not loaded yet (a CLI ingest): start from the snapshot saved just before the change.
                restored = self._restore(generation - 1)
            if generation is None or self._generation != generation - 1:
                self._generation = None  # reloaded at the next search
                return
            try:
                change()
            except DamagedIndexError as exc:  # found while copying a restored snapshot to change it
                self._damaged(exc)
                self._generation = None  # rebuilt from the catalog at the next search
                return
            # A restored snapshot that disagrees with the catalog was not of this catalog after all.
            consistent = not restored or len(self.index) == self.catalog.passage_count()
            self._generation = generation if consistent else None

    def _restore(self, generation: int, passages: int | None = None) -> bool:
        if self._snapshot is None or not self._snapshot.restore(self.index, generation, passages):
            return False
        self._generation = generation
        return True

    def save(self) -> None:
        """Save the index if it is current: an index of an older generation helps no one."""
        with self._lock:
            generation = self._generation
            if self._snapshot is not None and generation == self.catalog.generation():
                self._snapshot.save(self.index, generation)

    def ensure_tokens_current(self) -> None:
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
