"""Builds the real retrieval components from Settings: the one place that knows which
implementation goes behind each seam. Tests build the fakes themselves instead."""

from __future__ import annotations

from drafting.settings import Settings
from retrieval.catalog import Catalog
from retrieval.embedder import Embedder, SentenceTransformerEmbedder
from retrieval.ingestion import DocumentParser, FacadeParser
from retrieval.knowledge_base import KnowledgeBase
from retrieval.lexical import Bm25Index
from retrieval.lexical_snapshot import SNAPSHOT_FILE
from retrieval.query import load_lexicon
from retrieval.vector_store import ChromaVectorStore, VectorStore


def build_embedder(settings: Settings) -> Embedder:
    """The configured sentence-transformers model (loaded lazily, never downloaded).

    Raises retrieval.embedder.EmbedderError when the configured model folder does not exist."""
    embedding = settings.embedding
    return SentenceTransformerEmbedder(
        embedding.model, batch_size=embedding.batch_size, device=embedding.device
    )


def build_vector_store(settings: Settings, embedder: Embedder) -> VectorStore:
    """Chroma: a server client when `chroma.host` is set, else embedded under the data directory.

    `embedder` is accepted so a future store can size itself; Chroma learns the dimension from the
    first vectors and the knowledge base checks the model identity itself."""
    chroma = settings.chroma
    if chroma.host:
        return ChromaVectorStore.http(chroma.host, chroma.port, chroma.ssl, prefix=chroma.collection)
    settings.ensure_home()
    return ChromaVectorStore.persistent(str(settings.chroma_path), prefix=chroma.collection)


def build_parser() -> DocumentParser:
    """The real file parser (retrieval.parsing)."""
    return FacadeParser()


def build_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base with its real collaborators, all state under settings.home."""
    embedder = build_embedder(settings)  # a wrong model setting fails before anything is created
    settings.ensure_home()
    return KnowledgeBase(
        catalog=Catalog(settings.kb_db_path),
        embedder=embedder,
        store=build_vector_store(settings, embedder),
        lexical=Bm25Index(),
        parser=build_parser(),
        config=settings.retrieval,
        lexicon=load_lexicon(settings.retrieval.lexicon_dir),
        lexical_snapshot=settings.home / SNAPSHOT_FILE,
    )
