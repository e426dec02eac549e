"""The knowledge base as a LangChain retriever: an adapter for the optional `drafter[langchain]` extra.

Only this module imports langchain-core; our domain types (Passage, SearchHit) never carry its
objects. Each hit becomes a `Document` whose page_content is the passage text and whose metadata
holds where it comes from and how it scored, so a chain can cite it.

    from drafting.service.components import build_knowledge_base
    from drafting.settings import Settings
    from retrieval.langchain_retriever import KnowledgeBaseRetriever

    retriever = KnowledgeBaseRetriever(knowledge_base=build_knowledge_base(Settings()), k=5, part="plans")
    docs = retriever.invoke("明年在基层党建方面打算怎么做", year=2025)  # per-call filters override
"""

from __future__ import annotations

from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # the core product never needs it
    raise ImportError(
        "retrieval.langchain_retriever needs langchain-core: pip install 'drafter[langchain]'"
    ) from exc
from pydantic import ConfigDict

from retrieval.documents import PARTS, SearchFilters, SearchHit

FILTER_FIELDS = ("part", "year", "period", "organisation", "document")


class KnowledgeBaseRetriever(BaseRetriever):
    """Hybrid (or lexical / dense) search over a KnowledgeBase, as LangChain Documents.

    Filters set on the retriever apply to every query; the same names passed to `invoke`
    (part, year, period, organisation, document) replace them for that call."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    knowledge_base: Any  # retrieval.knowledge.knowledge_base.KnowledgeBase (Any: no pydantic schema for it)
    k: int = 5
    mode: str = "hybrid"
    part: str | None = None
    year: int | None = None
    period: str | None = None
    organisation: str | None = None
    document: str | None = None  # a document id, as `drafter docs list` shows it

    def _filters(self, overrides: dict[str, Any]) -> SearchFilters:
        unknown = set(overrides) - set(FILTER_FIELDS)
        if unknown:
            raise ValueError(
                f"未知的检索条件：{'、'.join(sorted(unknown))}；可用：{'、'.join(FILTER_FIELDS)}"
            )
        chosen = {name: overrides.get(name, getattr(self, name)) for name in FILTER_FIELDS}
        if chosen["part"] is not None and chosen["part"] not in PARTS:
            raise ValueError(f"未知的部分“{chosen['part']}”，可选：{'、'.join(PARTS)}")
        return SearchFilters(
            part=chosen["part"],
            year=chosen["year"],
            period=chosen["period"],
            org=chosen["organisation"],
            doc_id=chosen["document"],
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **filters: Any
    ) -> list[Document]:
        hits = self.knowledge_base.search(query, self._filters(filters), k=self.k, mode=self.mode)
        return [to_document(hit) for hit in hits]


def to_document(hit: SearchHit) -> Document:
    """A search hit as a LangChain Document: the passage text, and metadata to cite and filter by."""
    p = hit.passage
    return Document(
        id=p.id,
        page_content=p.text,
        metadata={
            "passage_id": p.id,
            "document": p.doc_id,
            "source": p.source,
            "title": p.title,
            "organisation": p.org,
            "year": p.year,
            "period": p.period,
            "kind": p.kind,
            "part": p.part,
            "heading": p.heading,
            "start": p.start,
            "end": p.end,
            "score": hit.score,
            "lexical_score": hit.lexical_score,
            "dense_score": hit.dense_score,
            "duplicates": list(hit.duplicates),
        },
    )
