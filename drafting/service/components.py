"""Builds the real retrieval components from Settings: the one place that knows which
implementation goes behind each seam. Tests build the fakes themselves instead."""

from __future__ import annotations

import logging

from drafting.settings import Settings
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import PACKAGED_PREFIX, Embedder, SentenceTransformerEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.lexical_snapshot import SNAPSHOT_FILE
from retrieval.index.universal_encoder import USE_MODEL, UniversalSentenceEncoder
from retrieval.index.vector_store import ChromaVectorStore, VectorStore
from retrieval.ingest.ingestion import DocumentParser, FacadeParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import Lexicon, LexiconError, load_lexicon

log = logging.getLogger(__name__)


def build_embedder(settings: Settings) -> Embedder:
    """The configured model, loaded lazily and never downloaded: the packaged Universal Sentence
    Encoder (the default), or a sentence-transformers model (packaged MiniLM or a local folder).

    Raises retrieval.index.embedder.EmbedderError when the configured model folder does not exist."""
    embedding = settings.embedding
    if embedding.model == f"{PACKAGED_PREFIX}{USE_MODEL}":
        return UniversalSentenceEncoder(batch_size=embedding.batch_size)
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


def build_parser(settings: Settings | None = None) -> DocumentParser:
    """The real file parser (retrieval.ingest.parsing), held to the configured input limits."""
    return FacadeParser(settings.ingest) if settings else FacadeParser()


def build_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base with its real collaborators, all state under settings.home."""
    embedder = build_embedder(settings)  # a wrong model setting fails before anything is created
    settings.ensure_home()
    return KnowledgeBase(
        catalog=Catalog(settings.kb_db_path),
        embedder=embedder,
        store=build_vector_store(settings, embedder),
        lexical=Bm25Index(),
        parser=build_parser(settings),
        config=settings.retrieval,
        lexicon=_lexicon(settings),
        lexical_snapshot=settings.home / SNAPSHOT_FILE,
        limits=settings.ingest,
    )


def _lexicon(settings: Settings) -> Lexicon:
    """The configured search word lists; a malformed own copy falls back to the packaged lists with
    a warning, so a typo in a word list never takes search down."""
    try:
        return load_lexicon(settings.retrieval.lexicon_dir)
    except LexiconError as exc:
        if settings.retrieval.lexicon_dir is None:
            raise  # the packaged lists are tested; a failure there is a bug, not a user's typo
        log.warning("%s；暂用内置词表", exc)
        return load_lexicon()
