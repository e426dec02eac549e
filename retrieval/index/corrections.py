"""People's corrections of what the parser got wrong, kept by content so they outlive re-ingesting.

A document's title, kind, year, period and organisation are keyed by a hash of its cleaned text; a
passage's (or heading's) part by a hash of its own text, whitespace ignored. Ingesting the same file
again, moving it, or re-cleaning it after other files changed gives the same texts, so the same
corrections apply; a text that really changed is a new text, and the parser's reading stands.
Stored in the catalog's SQLite file (table ``corrections``, migration 2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from retrieval.documents import PARTS, Passage
from retrieval.index.catalog import Catalog, DocumentRecord, OutlineEntry

DOCUMENT_FIELDS = ("title", "kind", "year", "period", "org")
KINDS = ("half-year", "year-end", "quarterly", "speech", "other")


def content_key(scope: str, text: str) -> str:
    """``scope:`` plus a hash of ``text`` without whitespace (a re-wrapped line is the same line)."""
    return f"{scope}:" + hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()[:32]


class Corrections:
    """Read, record and apply corrections. Uses the catalog's connection: it lives beside it."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    # ---------------------------------------------------------------- storage

    def _get(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._catalog._query(f"SELECT key, value FROM corrections WHERE key IN ({marks})", chunk)
            found.update({key: json.loads(value) for key, value in rows})
        return found

    def _put(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        now = datetime.now().isoformat(timespec="seconds")
        with self._catalog._transaction() as conn:
            conn.executemany(
                "INSERT INTO corrections(key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [(key, json.dumps(value, ensure_ascii=False), now) for key, value in items],
            )

    # ---------------------------------------------------------------- recording

    def correct_document(self, cleaned_text: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Record new values for some of a document's fields (others keep earlier corrections)."""
        unknown = set(fields) - set(DOCUMENT_FIELDS)
        if unknown:
            raise ValueError(f"不能更正的字段：{'、'.join(sorted(unknown))}")
        if "kind" in fields and fields["kind"] not in KINDS:
            raise ValueError(f"类型“{fields['kind']}”无效，可选：{'、'.join(KINDS)}")
        if fields.get("title") is not None and not str(fields["title"]).strip():
            raise ValueError("标题不能为空")
        key = content_key("doc", cleaned_text)
        value = {**self._get([key]).get(key, {}), **fields}
        self._put([(key, value)])
        return value

    def move(self, texts: Iterable[str], part: str) -> None:
        """Record that passages or headings with these texts belong to ``part``."""
        if part not in PARTS:
            raise ValueError(f"部分“{part}”无效，可选：{'、'.join(PARTS)}")
        self._put((content_key("part", text), {"part": part}) for text in texts)

    # ---------------------------------------------------------------- applying

    def apply(
        self, record: DocumentRecord, passages: Sequence[Passage]
    ) -> tuple[DocumentRecord, list[Passage]]:
        """The document and passages with every recorded correction applied."""
        doc_key = content_key("doc", record.cleaned_text)
        part_keys = {p.id: content_key("part", p.text) for p in passages}
        outline_keys = [content_key("part", o.text) for o in record.outline]
        found = self._get([doc_key, *part_keys.values(), *outline_keys])
        fields = found.get(doc_key, {})
        if fields:
            record = replace(record, **fields)
        shared = {name: getattr(record, name) for name in ("title", "period", "year", "org", "kind")}
        corrected = []
        for passage in passages:
            moved = found.get(part_keys[passage.id], {}).get("part", passage.part)
            corrected.append(replace(passage, **shared, part=moved))
        outline = [
            OutlineEntry(o.text, found.get(key, {}).get("part", o.part), o.level)
            for o, key in zip(record.outline, outline_keys, strict=True)
        ]
        return replace(record, outline=outline), corrected

    def corrected_fields(self, cleaned_text: str) -> dict[str, Any]:
        """The fields people corrected for this document (empty when none)."""
        key = content_key("doc", cleaned_text)
        return self._get([key]).get(key, {})
