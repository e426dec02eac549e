"""One ingest batch: load files, clean, parse, embed and store them, then clean again the earlier
documents whose shared headers and footers the batch changed (retrieval.knowledge.recleaning).

Runs against the knowledge base's collaborators (catalog, parser, passage vectors, lexical index);
retrieval.knowledge.knowledge_base.KnowledgeBase makes one per batch and runs one batch at a time.

Crash safety, per document: parse → embed → delete the document's stale vectors → upsert its
vectors (idempotent, keyed by passage id) → commit the catalog transaction. Only the commit makes
the document count as ingested; a kill at any earlier point leaves vectors the catalog does not
know, which search ignores and the next ingest of that file overwrites.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from retrieval.documents import LoadedDocument, Passage
from retrieval.errors import DocumentError
from retrieval.index.catalog import Catalog, DocumentRecord, OutlineEntry
from retrieval.index.corrections import Corrections
from retrieval.index.embedder import EmbedderError
from retrieval.index.lexical_sync import CatalogLexicalIndex, passage_tokens
from retrieval.index.passage_vectors import IndexMismatchError, PassageVectors
from retrieval.index.vector_store import VectorStoreError
from retrieval.ingest.ingestion import (
    DocumentOutcome,
    DocumentParser,
    IngestError,
    IngestFailure,
    IngestReport,
    Progress,
    discover,
    document_id,
    file_sha256,
    outline_of,
)
from retrieval.ingest.limits import DEFAULT_LIMITS, Limits, check_passages, too_many_files_message
from retrieval.knowledge.recleaning import RepetitionWatch, unreadable_source

log = logging.getLogger(__name__)


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


class IngestBatch:
    """One batch of files to ingest, or of earlier documents to clean again.

    The caller holds the knowledge base's ingest lock while it runs."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        parser: DocumentParser,
        vectors: PassageVectors,
        lexical: CatalogLexicalIndex,
        max_chunk_chars: int,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.catalog = catalog
        self.parser = parser
        self.vectors = vectors
        self.lexical = lexical
        self.max_chunk_chars = max_chunk_chars
        self.limits = limits

    def run(self, paths: Iterable[Path | str], progress: Progress) -> IngestReport:
        """Ingest files and folders; see KnowledgeBase.ingest."""
        report = IngestReport()
        files, problems = discover(paths, self.parser.suffixes)
        report.failed.extend(problems)
        if len(files) > self.limits.max_files:
            # The first files are ingested; the rest are named, so nothing is dropped silently.
            message = too_many_files_message(len(files), self.limits)
            report.failed.extend(IngestFailure(str(p), message) for p in files[self.limits.max_files :])
            files = files[: self.limits.max_files]
        if files:
            self.vectors.check_before_ingest()
        self.catalog.drop_orphan_fingerprints()
        self.lexical.ensure_tokens_current()

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
        report.recleaned, report.not_recleaned = self.reclean(watch.affected(exclude=batch), progress)
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
            max_chars=self.max_chunk_chars,
        )
        passages = [p for p in parsed.passages if p.text.strip()]
        if not passages:
            raise IngestError(f"{item.path.name}：清洗后没有可检索的正文")
        check_passages(item.path, len(passages), self.limits)
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
        # People's corrections of earlier versions with the same text hold for this one too.
        record, passages = Corrections(self.catalog).apply(record, passages)
        return _Prepared(record, passages, [passage_tokens(p) for p in passages])

    def store_corrected(self, record: DocumentRecord) -> DocumentRecord:
        """Apply the recorded corrections to a stored document and store it again (catalog,
        vectors with their part and year, lexical index)."""
        corrected, passages = Corrections(self.catalog).apply(
            record, self.catalog.document_passages(record.id)
        )
        tokens = [passage_tokens(p) for p in passages]
        self.vectors.record_model()
        self.vectors.write(record.id, passages)
        generation = self.catalog.commit_document(corrected, passages, tokens)
        self.lexical.applied(generation, record.id, passages, tokens)
        return corrected

    def _store(self, item: _Pending, prepared: _Prepared, note: str = "") -> DocumentOutcome:
        """Embed and store a prepared document, replacing the vectors and passages it had."""
        # Recorded before any vector is written, so leftovers of a crash are known to be this model's.
        self.vectors.record_model()
        self.vectors.write(item.doc_id, prepared.passages)
        generation = self.catalog.commit_document(prepared.record, prepared.passages, prepared.tokens)
        self.lexical.applied(generation, item.doc_id, prepared.passages, prepared.tokens)
        return DocumentOutcome(
            str(item.path), item.doc_id, prepared.record.title, len(prepared.passages), note
        )

    def reclean(
        self, affected: dict[str, str], progress: Progress
    ) -> tuple[list[DocumentOutcome], list[IngestFailure]]:
        """Clean these earlier documents (id → why) again from their unchanged source files and
        replace those whose cleaned text changed. A document that cannot be re-read or fails keeps
        its old cleaned text, passages and vectors, and is reported with the reason."""
        recleaned: list[DocumentOutcome] = []
        left: list[IngestFailure] = []
        if affected:
            try:
                self.vectors.check()  # never mix vectors of two models
            except IndexMismatchError as exc:
                records = [self.catalog.get_document(doc_id) for doc_id in affected]
                return [], [IngestFailure(r.path, str(exc)) for r in records if r is not None]
        for n, (doc_id, note) in enumerate(affected.items(), start=1):
            record = self.catalog.get_document(doc_id)
            if record is None:  # removed meanwhile by another process
                continue
            path = Path(record.path)
            progress(path.name, n, len(affected), "recleaning")
            problem = unreadable_source(record)
            if problem:
                left.append(IngestFailure(record.path, problem))
                continue
            try:
                outcome = self._reclean_one(record, note)
            except (EmbedderError, VectorStoreError):
                raise  # the model or the store is unusable: every other file would fail the same way
            except Exception as exc:  # noqa: BLE001 - reported per file, the others go on
                left.append(IngestFailure(record.path, f"{_reason(path, exc)}；仍保留原有段落"))
                continue
            if outcome is not None:
                recleaned.append(outcome)
                progress(path.name, n, len(affected), "recleaned")
        return recleaned, left

    def _reclean_one(self, record: DocumentRecord, note: str) -> DocumentOutcome | None:
        """Re-clean one stored document (its source readable as ingested); None when its cleaned
        text comes out the same."""
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
            self.vectors.write(record.id, self.catalog.document_passages(record.id))
            raise


def _reason(path: Path, exc: Exception) -> str:
    if isinstance(exc, IngestError | IndexMismatchError | DocumentError):
        return str(exc)
    log.exception("unexpected error while ingesting %s", path)
    return f"{path.name}：处理时出错（{type(exc).__name__}: {exc}）"
