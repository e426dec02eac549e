"""Combining the lexical and dense rankings, and collapsing near-duplicate passages.

Measured on the sample corpus (`drafter eval retrieval`): BM25 over jieba is far stronger than the
packaged English-centric model on Chinese, so fusion must be weighted, and a weight of 0 must give
exactly the other signal's ranking (a list whose weight is 0 contributes no candidates at all).

The dense weight leans with the query (`leaning_dense_weight`): a query worded like the reports
finds most of its words in BM25's best passage, and BM25 is then the better judge; a paraphrase
("让老人用志愿服务换取将来的照料" for a passage on 时间银行) finds almost none, BM25's ranking is
close to noise, and the embedding model gets more say. On the sample sets the share of query words
in BM25's best passage was 0.26-0.43 (quartiles) for fact-style queries and 0.07-0.13 for paraphrases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

FusionMethod = Literal["minmax", "rrf"]
RRF_K = 60  # the usual damping constant of reciprocal-rank fusion

T = TypeVar("T")


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    lexical: float | None = None  # the raw score from each signal, when the id was in its list
    dense: float | None = None


def min_max(scores: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Scale scores to [0, 1] over the candidates; a list of equal scores maps to 1."""
    if not scores:
        return {}
    values = [s for _, s in scores]
    low, high = min(values), max(values)
    if high - low <= 1e-12:
        return {pid: 1.0 for pid, _ in scores}
    return {pid: (s - low) / (high - low) for pid, s in scores}


def _reciprocal_ranks(scores: Sequence[tuple[str, float]]) -> dict[str, float]:
    return {pid: 1.0 / (RRF_K + rank) for rank, (pid, _) in enumerate(scores, start=1)}


def fuse(
    lexical: Sequence[tuple[str, float]],
    dense: Sequence[tuple[str, float]],
    lexical_weight: float,
    dense_weight: float,
    method: FusionMethod = "minmax",
) -> list[Fused]:
    """Weighted fusion of two ranked (id, score) lists, best first.

    "minmax" scales each list to [0, 1] over its candidates (an id missing from a list scores 0
    there); "rrf" uses 1 / (60 + rank). Ties keep the lexical list's order, then the dense list's.
    """
    normalise = min_max if method == "minmax" else _reciprocal_ranks
    raw_lex, raw_dense = dict(lexical), dict(dense)
    lists = [(lexical_weight, normalise(lexical)), (dense_weight, normalise(dense))]
    order: list[str] = []
    seen: set[str] = set()
    for weight, scores in lists:
        if weight <= 0:
            continue
        for pid in scores:
            if pid not in seen:
                seen.add(pid)
                order.append(pid)
    fused = [
        Fused(
            id=pid,
            score=sum(weight * scores.get(pid, 0.0) for weight, scores in lists if weight > 0),
            lexical=raw_lex.get(pid),
            dense=raw_dense.get(pid),
        )
        for pid in order
    ]
    fused.sort(key=lambda f: -f.score)  # stable: ties keep the order built above
    return fused


def char_ngrams(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the text with whitespace removed (whole text if shorter than n)."""
    compact = "".join(text.split())
    if len(compact) < n:
        return frozenset([compact]) if compact else frozenset()
    return frozenset(compact[i : i + n] for i in range(len(compact) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def collapse_near_duplicates(
    ranked: Sequence[T], text_of: Callable[[T], str], threshold: float, limit: int | None = None
) -> list[tuple[T, list[T]]]:
    """Walk hits best-first; a hit whose character 3-gram Jaccard with an already kept hit is at
    least `threshold` joins that hit's duplicates instead of taking a place of its own.

    With `limit`, at most that many hits are kept; later ones are only checked as duplicates."""
    kept: list[tuple[T, frozenset[str], list[T]]] = []
    for item in ranked:
        grams = char_ngrams(text_of(item))
        for _, kept_grams, duplicates in kept:
            small, large = sorted((len(grams), len(kept_grams)))
            # Jaccard can never exceed small/large: skip the set work for unequal lengths.
            if large and small / large < threshold:
                continue
            if jaccard(grams, kept_grams) >= threshold:
                duplicates.append(item)
                break
        else:
            if limit is None or len(kept) < limit:
                kept.append((item, grams, []))
    return [(item, duplicates) for item, _, duplicates in kept]


def word_coverage(words: Sequence[str], text: str) -> float:
    """The share of `words` found verbatim in `text` (0 when there are no words)."""
    return sum(word in text for word in words) / len(words) if words else 0.0


def leaning_dense_weight(coverage: float, *, strong: float, weak: float, low: float, high: float) -> float:
    """The dense weight for a query whose words cover `coverage` of BM25's best passage: `strong`
    (the usual weight) at `high` coverage or more, `weak` at `low` or less, linear between."""
    if high <= low:
        return strong if coverage >= high else weak
    t = min(1.0, max(0.0, (high - coverage) / (high - low)))
    return strong + (weak - strong) * t
