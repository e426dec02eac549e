"""Ingestion parsing in one place: load → clean → structure → chunk, with no storage.

The storage side ingests a batch in two phases: `load_file` every file, register each one's
`candidate_fingerprints` in a `LineIndex` (with those stored by earlier ingests), then
`parse_loaded` each document against that index so running headers shared by several files
are recognised. `parse_file` does all of it for a single file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retrieval.documents import CleanedDocument, LoadedDocument, Passage, ReportStructure
from retrieval.errors import (
    ConversionError,
    CorruptDocumentError,
    DocumentError,
    EmptyDocumentError,
    FileAccessError,
    NoTextLayerError,
    UndecodableError,
    UnsupportedFormatError,
)
from retrieval.ingest.chunking import chunk_structure
from retrieval.ingest.cleaning import (
    EmptyLineIndex,
    InMemoryLineIndex,
    LineIndex,
    candidate_fingerprints,
    clean,
    line_fingerprint,
)
from retrieval.ingest.loaders import SUPPORTED_SUFFIXES, load_file
from retrieval.ingest.structure import parse_structure

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ConversionError",
    "CorruptDocumentError",
    "DocumentError",
    "EmptyDocumentError",
    "EmptyLineIndex",
    "FileAccessError",
    "InMemoryLineIndex",
    "LineIndex",
    "NoTextLayerError",
    "ParsedDocument",
    "UndecodableError",
    "UnsupportedFormatError",
    "candidate_fingerprints",
    "line_fingerprint",
    "load_file",
    "parse_file",
    "parse_loaded",
]


@dataclass(frozen=True)
class ParsedDocument:
    """Every stage's output for one file, so a person (or a test) can inspect each of them."""

    loaded: LoadedDocument
    cleaned: CleanedDocument
    structure: ReportStructure
    passages: list[Passage]


def parse_loaded(
    doc: LoadedDocument, line_index: LineIndex, *, doc_id: str, max_chars: int = 320
) -> ParsedDocument:
    """Clean, structure and chunk a loaded document.

    ``line_index`` must not count ``doc`` itself (see `InMemoryLineIndex.excluding`). Raises
    `EmptyDocumentError` when nothing but noise is left after cleaning.
    """
    cleaned = clean(doc, line_index)
    if not cleaned.text.strip():
        raise EmptyDocumentError(doc.path, "去掉广告、页码、水印等内容后没有剩下正文")
    name = Path(doc.path).name
    structure = parse_structure(cleaned, file_name=name)
    passages = chunk_structure(structure, cleaned, doc_id=doc_id, source=name, max_chars=max_chars)
    if not passages:
        raise EmptyDocumentError(doc.path, "只有标题、落款等，没有可检索的正文段落")
    return ParsedDocument(loaded=doc, cleaned=cleaned, structure=structure, passages=passages)


def parse_file(
    path: Path,
    line_index: LineIndex | None = None,
    *,
    doc_id: str | None = None,
    max_chars: int = 320,
) -> ParsedDocument:
    """Load and parse one file; ``doc_id`` defaults to the file name without extension."""
    doc = load_file(Path(path))
    return parse_loaded(
        doc, line_index or EmptyLineIndex(), doc_id=doc_id or Path(path).stem, max_chars=max_chars
    )
