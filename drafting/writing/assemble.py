"""Annotating a section's paragraphs: the facts each states and the exemplar passages it leaned on.

Turning the model's answer into paragraphs is the normalisation stage (drafting/normalising);
this module records, per paragraph, the facts it states (grounding's attribution) and the past
passage it leaned on, with the span of the closest match, so a reviewer can see both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from drafting.model import Paragraph, PassageRef
from retrieval.documents import Passage

# ---------------------------------------------------------------- exemplars a paragraph leaned on


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def longest_common_span(text: str, other: str) -> tuple[int, int, int]:
    """(length, start in ``other``, end in ``other``) of the longest substring shared with ``text``."""
    best = (0, 0, 0)
    previous = [0] * (len(other) + 1)
    for ch in text:
        current = [0] * (len(other) + 1)
        for j, och in enumerate(other, start=1):
            if ch == och:
                current[j] = previous[j - 1] + 1
                if current[j] > best[0]:
                    best = (current[j], j - current[j], j)
        previous = current
    return best


def leaned_on(text: str, exemplars: Sequence[Passage], *, min_similarity: float = 0.08) -> list[PassageRef]:
    """The exemplar closest to ``text`` in wording, with the span of their longest shared run.

    Offsets are in the source document's cleaned text (the passage's own offsets plus the span),
    so a reviewer can open the past report at that place. Nothing when no exemplar is close.
    """
    mine = _bigrams(text)
    scored = sorted(((_jaccard(mine, _bigrams(p.text)), i) for i, p in enumerate(exemplars)), reverse=True)
    if not scored or scored[0][0] < min_similarity:
        return []
    passage = exemplars[scored[0][1]]
    length, start, end = longest_common_span(text, passage.text)
    if length < 4:  # no shared run worth pointing at: point at the whole passage
        start, end = 0, len(passage.text)
    return [PassageRef(passage.id, passage.source, passage.start + start, passage.start + end)]


def annotate(
    paragraphs: list[Paragraph], exemplars: Sequence[Passage], attribute: Callable[[str], list[str]]
) -> list[Paragraph]:
    """Fill each body paragraph's fact ids (``attribute``) and exemplar references, in place."""
    for paragraph in paragraphs:
        if paragraph.kind != "body":
            continue
        paragraph.fact_ids = list(attribute(paragraph.text))
        paragraph.passages = leaned_on(paragraph.text, exemplars)
    return paragraphs
