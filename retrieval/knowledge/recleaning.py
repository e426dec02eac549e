"""Which earlier documents to clean again when a batch changes which short lines repeat across files.

The cleaner removes a short line as a running header or footer only when enough OTHER documents
hold it (`REPEATED_ELSEWHERE`). Ingesting B and C that share a header with an earlier A moves that
line over the boundary for A as well; removing B, or a new version of B without the header, moves
it back. A `RepetitionWatch` notes how many documents held each fingerprint a batch is about to
change, before the change, and afterwards names the documents holding a line whose status flipped.
Only those are parsed again, and only those whose cleaned text then differs are re-embedded
(knowledge_base.KnowledgeBase does both).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from retrieval.index.catalog import Catalog, DocumentRecord
from retrieval.ingest.ingestion import (
    RECLEAN_SHARED_FOUND,
    RECLEAN_SHARED_GONE,
    REPEATED_ELSEWHERE,
    file_sha256,
)

# For a document outside the batch, "held by REPEATED_ELSEWHERE others" is this many holders in all.
_REPEATED_HOLDERS = REPEATED_ELSEWHERE + 1


class RepetitionWatch:
    """Counts of the fingerprints a batch changes, taken before the batch changes them.

    Call `before_change` with a document's added and dropped fingerprints before registering or
    dropping them; after the batch, `affected` compares with the catalog as it is then, so files
    that failed and took their fingerprints back out count as never having been there.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._before: dict[str, int] = {}

    def before_change(self, fingerprints: Iterable[str]) -> None:
        """Remember the current count of these fingerprints (the first time each is seen)."""
        unseen = {fp for fp in fingerprints if fp not in self._before}
        if unseen:
            self._before.update(self._catalog.fingerprint_counts(unseen))

    def flipped(self) -> dict[str, bool]:
        """Fingerprints whose repeated-across-files status changed: True if they became repeated."""
        after = self._catalog.fingerprint_counts(self._before)
        return {
            fp: after[fp] >= _REPEATED_HOLDERS
            for fp, before in self._before.items()
            if (before >= _REPEATED_HOLDERS) != (after[fp] >= _REPEATED_HOLDERS)
        }

    def affected(self, exclude: Collection[str] = ()) -> dict[str, str]:
        """Committed documents outside `exclude` that hold a flipped line, each with the reason to
        clean it again (a newly shared header wins over one no longer shared)."""
        flipped = self.flipped()
        if not flipped:
            return {}
        holders = self._catalog.documents_holding(flipped)
        return {
            doc_id: RECLEAN_SHARED_FOUND if any(flipped[fp] for fp in held) else RECLEAN_SHARED_GONE
            for doc_id, held in sorted(holders.items())
            if doc_id not in exclude
        }


def unreadable_source(record: DocumentRecord) -> str | None:
    """Why a document's source file cannot be read again as it was ingested, or None if it can.

    A changed file is left alone here: ingesting it again replaces it with the current lines.
    """
    path = Path(record.path)
    if not path.is_file():
        return f"源文件已不在原处（{path}），仍保留原先的清洗结果"
    if file_sha256(path) != record.sha256:
        return "源文件在入库后已修改，仍保留原先的清洗结果；重新入库该文件即可更新"
    return None
