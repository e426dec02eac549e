"""The past passages a draft may have copied from: candidates for the verbatim-copy check.

While drafting, the exemplars a section was shown are the references. A hand-edited draft or an
imported .docx has none, so each body paragraph is looked up in the knowledge base (lexical search:
a copied run shares its words, and this needs no embedding model) and the best hits become the
references the grounding check compares against.
"""

from __future__ import annotations

from typing import Any, Protocol

from drafting.model import Draft
from retrieval.documents import Passage, SearchHit

MIN_PARAGRAPH_CHARS = 20  # shorter than the copy threshold: cannot hold a flagged run


class PassageSearch(Protocol):
    def search(self, query: str, filters: Any = ..., k: int = 5, mode: Any = "hybrid") -> list[SearchHit]: ...


def likely_sources(draft: Draft, knowledge_base: PassageSearch, k: int = 3) -> list[Passage]:
    """Up to ``k`` past passages per body paragraph, most similar first, without repeats."""
    found: dict[str, Passage] = {}
    for section in draft.sections:
        for paragraph in section.paragraphs:
            if paragraph.kind != "body" or len(paragraph.text) < MIN_PARAGRAPH_CHARS:
                continue
            for hit in knowledge_base.search(paragraph.text, k=k, mode="lexical"):
                found.setdefault(hit.passage.id, hit.passage)
    return list(found.values())
