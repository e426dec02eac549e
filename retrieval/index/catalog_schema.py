"""What the catalog stores: its tables as an append-only list of migrations (never edit a released
one; add a new one), and the records read back from them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from retrieval.documents import Passage, RemovedLine

# Append only: never edit a released migration; add a new one.
MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        title TEXT NOT NULL,
        period TEXT,
        year INTEGER,
        org TEXT,
        kind TEXT NOT NULL,
        encoding TEXT,
        converted_from TEXT,
        cleaned_text TEXT NOT NULL,
        removed_json TEXT NOT NULL,
        outline_json TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX documents_source ON documents(source);
    CREATE TABLE passages (
        id TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        period TEXT,
        year INTEGER,
        org TEXT,
        kind TEXT NOT NULL,
        part TEXT NOT NULL,
        heading TEXT NOT NULL,
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        tokens TEXT NOT NULL
    );
    CREATE INDEX passages_doc ON passages(doc_id, ordinal);
    -- No foreign key: fingerprints are registered for every file of a batch before any of them
    -- is committed (the cleaner of each needs to see the others').
    CREATE TABLE line_fingerprints (
        fingerprint TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        PRIMARY KEY (fingerprint, doc_id)
    ) WITHOUT ROWID;
    CREATE INDEX line_fingerprints_doc ON line_fingerprints(doc_id);
    """,
    # 2: people's corrections, keyed by content (retrieval.index.corrections)
    """
    CREATE TABLE corrections (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
]

PASSAGE_COLUMNS = (
    "id, doc_id, text, source, title, period, year, org, kind, part, heading, start_offset, end_offset"
)


@dataclass(frozen=True)
class OutlineEntry:
    """A heading of the document as the structure stage placed it."""

    text: str
    part: str
    level: int


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    path: str
    source: str
    sha256: str
    title: str
    period: str | None
    year: int | None
    org: str | None
    kind: str
    encoding: str | None = None
    converted_from: str | None = None
    ingested_at: str = ""
    passage_count: int = 0
    cleaned_text: str = ""
    removed: list[RemovedLine] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)


def passage_from_row(row: sqlite3.Row | tuple) -> Passage:
    """A Passage from a row selected with PASSAGE_COLUMNS (first)."""
    return Passage(
        id=row[0],
        doc_id=row[1],
        text=row[2],
        source=row[3],
        title=row[4],
        period=row[5],
        year=row[6],
        org=row[7],
        kind=row[8],
        part=row[9],
        heading=row[10],
        start=row[11],
        end=row[12],
    )
