"""Knowledge bases on the fakes, and report files they read, shared by the retrieval tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drafting.settings import RetrievalSettings
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.passage_vectors import UNIT_SEPARATOR, unit_texts
from retrieval.index.vector_store import InMemoryVectorStore, VectorStore
from retrieval.ingest.ingestion import ParagraphParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import Lexicon


def make_kb(
    tmp_path: Path,
    *,
    store: VectorStore | None = None,
    embedder: Any = None,
    catalog: Catalog | None = None,
    parser: Any = None,
    lexicon: Lexicon | None = None,
    lexical_snapshot: Path | None = None,
    limits: Any = None,
    **config: Any,
) -> KnowledgeBase:
    """A knowledge base on the fakes (HashingEmbedder, in-memory store, ParagraphParser) unless
    told otherwise; `config` are RetrievalSettings fields."""
    return KnowledgeBase(
        catalog=catalog or Catalog(tmp_path / "kb.sqlite3"),
        embedder=embedder or HashingEmbedder(128),
        store=store if store is not None else InMemoryVectorStore(),
        lexical=Bm25Index(),
        parser=parser or ParagraphParser(),
        config=RetrievalSettings(**config),
        lexicon=lexicon,
        lexical_snapshot=lexical_snapshot,
        **({"limits": limits} if limits is not None else {}),
    )


def write_report(path: Path, title: str, *, header: str | None = None, **parts: list[str]) -> Path:
    """A file ParagraphParser reads: title, optional header line, then '# part' sections."""
    lines = [title] + ([header] if header else [])
    for part, paragraphs in parts.items():
        lines += [f"# {part}", *paragraphs]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ids_in_store(store: InMemoryVectorStore) -> set[str]:
    """The passage ids that have vectors in the store (a passage has several: one per unit)."""
    hits = store.query(HashingEmbedder(128).embed(["x"])[0], 100_000)
    return {uid.split(UNIT_SEPARATOR, 1)[0] for uid, _ in hits}


def vector_count(catalog: Catalog) -> int:
    """How many vectors the catalog's passages should have in the store (a passage's whole text
    plus each of its sentences when it has several: retrieval.index.passage_vectors)."""
    return sum(
        len(unit_texts(p))
        for record in catalog.list_documents()
        for p in catalog.document_passages(record.id)
    )
