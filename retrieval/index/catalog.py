"""The knowledge base's catalog in SQLite: documents, passages (with their lexical tokens) and the
line fingerprints the cleaner uses to spot headers repeated across files.

The catalog is the source of truth. A document counts as ingested exactly when its transaction
here commits; vectors in the store whose id is not in the catalog are ignored by search.
Schema changes are an append-only list of migrations keyed by PRAGMA user_version
(retrieval/index/catalog_schema.py, with the records read back from the tables).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from retrieval.documents import Passage, RemovedLine, SearchFilters
from retrieval.index.catalog_schema import (
    MIGRATIONS,
    PASSAGE_COLUMNS,
    DocumentRecord,
    OutlineEntry,
    passage_from_row,
)


class _CatalogLineIndex:
    """LineIndex over the catalog, as seen by one document: counts the other documents."""

    def __init__(self, catalog: Catalog, doc_id: str) -> None:
        self._catalog, self._doc_id = catalog, doc_id

    def documents_containing(self, fingerprint: str) -> int:
        row = self._catalog._query_one(
            "SELECT COUNT(*) FROM line_fingerprints WHERE fingerprint = ? AND doc_id != ?",
            (fingerprint, self._doc_id),
        )
        return int(row[0])


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for an IN (...) list under SQLite's bound-parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Catalog:
    """One SQLite file in WAL mode, safe to share between threads of a process and between
    processes (the web UI and a CLI ingest may run at the same time).

    Writes go through one connection, one transaction at a time. Reads take a connection of their
    own from a small pool, so the searches of many sessions run side by side: through the single
    locked connection every search queued behind every other one's queries, and under load each
    query's return waited for the interpreter lock while holding the catalog's."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._memory = str(path) == ":memory:"  # one database per connection: everything on one
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.RLock()
        self._writing = threading.local()  # whether this thread is inside _transaction
        self._idle_readers: list[sqlite3.Connection] = []
        self._closed = False
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL still survives a process kill
        self.migrate()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            while self._idle_readers:
                self._idle_readers.pop().close()
            self._conn.close()

    # ---------------------------------------------------------------- plumbing

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._writing.active = True
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._writing.active = False
            self._conn.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        if self._memory or getattr(self._writing, "active", False):
            # In memory there is no second connection to the same data; inside a transaction the
            # reads must see its own uncommitted rows.
            with self._lock:
                yield self._conn
            return
        if self._closed:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        try:
            conn = self._idle_readers.pop()
        except IndexError:
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA query_only=ON")
        try:
            yield conn
        finally:
            if self._closed:
                conn.close()
            else:
                self._idle_readers.append(conn)

    def _query_one(self, sql: str, params: Sequence = ()) -> tuple:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchone()

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchall()

    @property
    def schema_version(self) -> int:
        return int(self._query_one("PRAGMA user_version")[0])

    def migrate(self) -> None:
        """Apply the migrations this file has not seen yet, each in its own transaction."""
        for version in range(self.schema_version, len(MIGRATIONS)):
            with self._transaction() as conn:
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")

    def get_meta(self, key: str) -> str | None:
        row = self._query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A counter bumped by every change of documents, so caches can tell they are stale."""
        return int(self.get_meta("generation") or 0)

    def _bump(self, conn: sqlite3.Connection) -> int:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    # ---------------------------------------------------------------- line fingerprints

    def register_fingerprints(self, doc_id: str, fingerprints: Iterable[str]) -> None:
        """Record the candidate lines of a document, replacing what it had before."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM line_fingerprints WHERE doc_id = ?", (doc_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO line_fingerprints(fingerprint, doc_id) VALUES (?, ?)",
                [(fp, doc_id) for fp in set(fingerprints)],
            )

    def drop_fingerprints(self, doc_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM line_fingerprints WHERE doc_id = ?", (doc_id,))

    def drop_orphan_fingerprints(self) -> int:
        """Forget fingerprints of documents never committed (a failed or interrupted ingest)."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM line_fingerprints WHERE doc_id NOT IN (SELECT id FROM documents)"
            )
            return cursor.rowcount

    def line_index(self, doc_id: str) -> _CatalogLineIndex:
        """The LineIndex the cleaner of `doc_id` consults."""
        return _CatalogLineIndex(self, doc_id)

    def document_fingerprints(self, doc_id: str) -> set[str]:
        """The fingerprints registered for one document (empty if none)."""
        rows = self._query("SELECT fingerprint FROM line_fingerprints WHERE doc_id = ?", (doc_id,))
        return {r[0] for r in rows}

    def fingerprint_counts(self, fingerprints: Iterable[str]) -> dict[str, int]:
        """How many documents hold each fingerprint, committed or registered by a running batch
        (the same count the cleaner sees); 0 for fingerprints nobody holds."""
        counts = dict.fromkeys(fingerprints, 0)
        for chunk in _chunks(list(counts)):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT fingerprint, COUNT(*) FROM line_fingerprints WHERE fingerprint IN ({marks}) "
                "GROUP BY fingerprint",
                chunk,
            )
            counts.update({fp: int(n) for fp, n in rows})
        return counts

    def documents_holding(self, fingerprints: Iterable[str]) -> dict[str, set[str]]:
        """Committed documents holding any of these fingerprints, with the ones each holds."""
        holders: dict[str, set[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(fingerprints))):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT f.doc_id, f.fingerprint FROM line_fingerprints f JOIN documents d ON d.id = f.doc_id "
                f"WHERE f.fingerprint IN ({marks})",
                chunk,
            )
            for doc_id, fp in rows:
                holders.setdefault(doc_id, set()).add(fp)
        return holders

    # ---------------------------------------------------------------- documents

    def document_sha(self, doc_id: str) -> str | None:
        row = self._query_one("SELECT sha256 FROM documents WHERE id = ?", (doc_id,))
        return row[0] if row else None

    def commit_document(
        self, record: DocumentRecord, passages: Sequence[Passage], tokens: Sequence[Sequence[str]]
    ) -> int:
        """Store a document and its passages in one transaction, replacing an earlier version.

        Returns the new generation. This commit is the moment the document counts as ingested.
        """
        if len(passages) != len(tokens):
            raise ValueError("one token list per passage")
        removed = [{"line_no": r.line_no, "text": r.text, "reason": r.reason} for r in record.removed]
        outline = [{"text": o.text, "part": o.part, "level": o.level} for o in record.outline]
        with self._transaction() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (record.id,))  # cascades to passages
            conn.execute(
                "INSERT INTO documents(id, path, source, sha256, title, period, year, org, kind, encoding, "
                "converted_from, cleaned_text, removed_json, outline_json, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.path,
                    record.source,
                    record.sha256,
                    record.title,
                    record.period,
                    record.year,
                    record.org,
                    record.kind,
                    record.encoding,
                    record.converted_from,
                    record.cleaned_text,
                    json.dumps(removed, ensure_ascii=False),
                    json.dumps(outline, ensure_ascii=False),
                    record.ingested_at or datetime.now().isoformat(timespec="seconds"),
                ),
            )
            conn.executemany(
                f"INSERT INTO passages({PASSAGE_COLUMNS}, ordinal, tokens) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.id,
                        record.id,
                        p.text,
                        p.source,
                        p.title,
                        p.period,
                        p.year,
                        p.org,
                        p.kind,
                        p.part,
                        p.heading,
                        p.start,
                        p.end,
                        ordinal,
                        " ".join(toks),
                    )
                    for ordinal, (p, toks) in enumerate(zip(passages, tokens, strict=True))
                ],
            )
            return self._bump(conn)

    def remove_document(self, doc_id: str) -> bool:
        """Delete a document, its passages and its fingerprints. False if it was not there."""
        with self._transaction() as conn:
            deleted = conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount
            conn.execute("DELETE FROM line_fingerprints WHERE doc_id = ?", (doc_id,))
            if deleted:
                self._bump(conn)
            return bool(deleted)

    def _records(self, where: str, params: Sequence, full: bool) -> list[DocumentRecord]:
        text_cols = "cleaned_text, removed_json, outline_json" if full else "'', '[]', outline_json"
        rows = self._query(
            "SELECT id, path, source, sha256, title, period, year, org, kind, encoding, converted_from, "
            f"ingested_at, (SELECT COUNT(*) FROM passages WHERE doc_id = documents.id), {text_cols} "
            f"FROM documents {where} ORDER BY source, path",
            params,
        )
        return [
            DocumentRecord(
                id=row[0],
                path=row[1],
                source=row[2],
                sha256=row[3],
                title=row[4],
                period=row[5],
                year=row[6],
                org=row[7],
                kind=row[8],
                encoding=row[9],
                converted_from=row[10],
                ingested_at=row[11],
                passage_count=row[12],
                cleaned_text=row[13],
                removed=[RemovedLine(**r) for r in json.loads(row[14])],
                outline=[OutlineEntry(**o) for o in json.loads(row[15])],
            )
            for row in rows
        ]

    def list_documents(self) -> list[DocumentRecord]:
        """Every document, without its cleaned text and removed lines (cheap)."""
        return self._records("", (), full=False)

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        found = self._records("WHERE id = ?", (doc_id,), full=True)
        return found[0] if found else None

    def documents_where(self, *, path: str | None = None, source: str | None = None) -> list[DocumentRecord]:
        """Documents by exact stored path or by file name, with their full text."""
        if path is not None:
            return self._records("WHERE path = ?", (path,), full=True)
        return self._records("WHERE source = ?", (source,), full=True)

    def document_count(self) -> int:
        return int(self._query_one("SELECT COUNT(*) FROM documents")[0])

    def has_documents(self) -> bool:
        """Whether any document is committed; asked before every search, so it reads one row, not
        the whole table as COUNT(*) does."""
        return self._query_one("SELECT EXISTS (SELECT 1 FROM documents)")[0] == 1

    def doc_ids_matching(self, filters: SearchFilters) -> list[str]:
        """Ids of documents passing the document-level filters (year, period, org, doc id)."""
        clauses: list[str] = ["1 = 1"]
        params: list[str | int] = []
        if filters.year is not None:
            clauses.append("year = ?")
            params.append(filters.year)
        if filters.period:
            clauses.append("instr(COALESCE(period, ''), ?) > 0")
            params.append(filters.period)
        if filters.org:
            clauses.append("instr(COALESCE(org, ''), ?) > 0")
            params.append(filters.org)
        if filters.doc_id:
            clauses.append("id = ?")
            params.append(filters.doc_id)
        return [r[0] for r in self._query(f"SELECT id FROM documents WHERE {' AND '.join(clauses)}", params)]

    # ---------------------------------------------------------------- passages

    def passages(self, ids: Sequence[str]) -> dict[str, Passage]:
        """The passages with these ids that the catalog knows; unknown ids are simply absent."""
        found: dict[str, Passage] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):  # stay under SQLite's bound-parameter limit
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id IN ({marks})", chunk):
                found[row[0]] = passage_from_row(row)
        return found

    def document_passages(self, doc_id: str) -> list[Passage]:
        rows = self._query(
            f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        )
        return [passage_from_row(r) for r in rows]

    def document_parts(self) -> dict[str, set[str]]:
        """The parts each document has passages in."""
        parts: dict[str, set[str]] = {}
        for doc_id, part in self._query("SELECT DISTINCT doc_id, part FROM passages"):
            parts.setdefault(doc_id, set()).add(part)
        return parts

    def passage_count(self) -> int:
        return int(self._query_one("SELECT COUNT(*) FROM passages")[0])

    def replace_tokens(self, rows: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Store new lexical tokens for passages (after the tokenizer changed), in one transaction."""
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE passages SET tokens = ? WHERE id = ?", [(" ".join(t), pid) for pid, t in rows]
            )
            self._bump(conn)

    def iter_passages_with_tokens(self, batch: int = 5000) -> Iterator[tuple[Passage, list[str]]]:
        """Every passage with its stored tokens, in batches (to rebuild the lexical index)."""
        last = ""
        while True:
            rows = self._query(
                f"SELECT {PASSAGE_COLUMNS}, tokens FROM passages WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            )
            if not rows:
                return
            for row in rows:
                yield passage_from_row(row), row[13].split()
            last = rows[-1][0]
