"""Helpers shared by the service tests: a service over real SQLite stores (cheap password hashing),
the knowledge base with the hashing embedder, and a generated draft.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from drafting.service.facade import DraftingService
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.store.drafts import DraftStore
from drafting.store.reviews import ReviewStore, reviews_db_path
from drafting.writing.templates import prompt_library
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.vector_store import InMemoryVectorStore
from retrieval.ingest.ingestion import FacadeParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import load_lexicon

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
REPORTS = REPO / "corpus" / "reports"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "12345678"


def service_kb(settings) -> KnowledgeBase:
    return KnowledgeBase(
        catalog=Catalog(settings.kb_db_path),
        embedder=HashingEmbedder(),
        store=InMemoryVectorStore(),
        lexical=Bm25Index(),
        parser=FacadeParser(),
        config=settings.retrieval,
        lexicon=load_lexicon(),
    )


def make_service(settings, tmp_path: Path, *, chat=None, kb=None, **extra) -> DraftingService:
    users = UserStore(accounts_db_path(settings.home), hasher=FAST)
    for name, role in (
        ("w1", "writer"),
        ("w2", "writer"),
        ("r1", "reviewer"),
        ("m1", "maintainer"),
        ("a1", "admin"),
    ):
        users.add(name, role, PASSWORD)
    return DraftingService(
        settings,
        users=users,
        reviews=ReviewStore(reviews_db_path(settings.home)),
        drafts=DraftStore(settings.drafts_db_path),
        knowledge_base=kb,
        chat=chat,
        prompts=prompt_library(settings),
        render_pages=lambda docx_path, out: [],
        **extra,
    )


def write_draft(service: DraftingService, sheet, user: str = "w1") -> str:
    ws = service.drafts.start_draft(user, sheet)
    events = list(service.generation.generate(user, ws.draft.id))
    assert events[-1].kind == "finished", events[-1].text
    return ws.draft.id


def upload(service: DraftingService, user: str, *names: str) -> list:
    return service.knowledge.ingest(user, [(n, REPORTS / n) for n in names])
