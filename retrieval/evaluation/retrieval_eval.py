"""Retrieval evaluation on labelled queries: R@1, R@k and MRR for lexical, dense and hybrid search.

A query file is a YAML list of {query, source, answer, part}: `source` is the target file's name,
`answer` a verbatim substring of the target passage. A hit is correct when it comes from that file
and its [start, end) overlaps where `answer` sits in the document's cleaned text. An answer that
cannot be found there is a label error (or a cleaning bug), reported rather than dropped.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from retrieval.documents import SearchHit

MODES = ("lexical", "dense", "hybrid")


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    source: str
    answer: str
    part: str | None = None
    origin: str = ""  # "file.yaml#3", for messages


@dataclass(frozen=True)
class LabelError:
    origin: str
    query: str
    reason: str


@dataclass
class ModeScores:
    mode: str
    recall_at_1: float
    recall_at_k: float
    mrr: float
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the first correct hit


@dataclass
class EvaluationResult:
    k: int
    queries: int  # queries scored (label errors excluded)
    scores: list[ModeScores]
    label_errors: list[LabelError]

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "queries": self.queries,
            "scores": [
                {
                    "mode": s.mode,
                    "r@1": round(s.recall_at_1, 4),
                    f"r@{self.k}": round(s.recall_at_k, 4),
                    "mrr": round(s.mrr, 4),
                }
                for s in self.scores
            ],
            "label_errors": [
                {"origin": e.origin, "query": e.query, "reason": e.reason} for e in self.label_errors
            ],
        }


def load_queries(paths: Iterable[Path]) -> tuple[list[LabelledQuery], list[LabelError]]:
    """Read query files; malformed files or entries become LabelErrors instead of exceptions."""
    queries: list[LabelledQuery] = []
    errors: list[LabelError] = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            errors.append(LabelError(path.name, "", f"无法读取查询文件：{exc}"))
            continue
        if not isinstance(data, list):
            errors.append(LabelError(path.name, "", "查询文件应是一个 YAML 列表"))
            continue
        for n, entry in enumerate(data, start=1):
            origin = f"{path.name}#{n}"
            fields = entry if isinstance(entry, dict) else {}
            query, source, answer = (
                str(fields.get(key) or "").strip() for key in ("query", "source", "answer")
            )
            if not (query and source and answer):
                errors.append(LabelError(origin, query, "缺少 query、source 或 answer"))
                continue
            queries.append(LabelledQuery(query, source, answer, fields.get("part"), origin))
    return queries, errors


def find_spans(text: str, answer: str) -> list[tuple[int, int]]:
    """Where `answer` occurs in `text`: exactly, else ignoring whitespace (cleaning may rejoin lines)."""
    spans = [(m.start(), m.start() + len(answer)) for m in re.finditer(re.escape(answer), text)]
    if spans:
        return spans
    wanted = "".join(answer.split())
    if not wanted:
        return []
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in positions)
    return [
        (positions[m.start()], positions[m.start() + len(wanted) - 1] + 1)
        for m in re.finditer(re.escape(wanted), compact)
    ]


def is_correct(hit: SearchHit, spans: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether a hit overlaps one of the answer spans of its own document."""
    return any(
        hit.passage.start < end and start < hit.passage.end
        for start, end in spans.get(hit.passage.doc_id, [])
    )


def _with_dense_weight(kb: Any, weight: float) -> Any:
    # A shallow copy shares the catalog, indexes and model; only the fusion weights differ.
    clone = copy.copy(kb)
    config = copy.copy(kb.config)
    # A fixed weight: the same for every query, however few of its words BM25's best passage holds.
    fixed = {"dense_weight": weight, "dense_weight_weak_match": weight}
    if hasattr(config, "model_copy"):
        config = config.model_copy(update=fixed)
    else:
        for key, value in fixed.items():
            setattr(config, key, value)
    clone.config = config
    return clone


def evaluate(
    kb: Any,
    queries: Sequence[LabelledQuery],
    *,
    k: int = 5,
    modes: Sequence[str] = MODES,
    dense_weights: Sequence[float] = (),
    label_errors: Sequence[LabelError] = (),
) -> EvaluationResult:
    """Run each query in each mode against `kb` (a KnowledgeBase) and score the rankings.

    `dense_weights` adds one hybrid row per fixed weight (not leaning with the query), to choose
    the fusion weights by measurement."""
    errors = list(label_errors)
    targets: list[tuple[LabelledQuery, dict[str, list[tuple[int, int]]]]] = []
    for q in queries:
        documents = kb.catalog.documents_where(source=q.source)
        if not documents:
            errors.append(LabelError(q.origin, q.query, f"知识库中没有文件 {q.source}"))
            continue
        spans = {d.id: find_spans(d.cleaned_text, q.answer) for d in documents}
        spans = {doc_id: found for doc_id, found in spans.items() if found}
        if not spans:
            errors.append(LabelError(q.origin, q.query, f"答案不在 {q.source} 清洗后的正文中：{q.answer}"))
            continue
        targets.append((q, spans))
    runs: list[tuple[str, Any, str]] = [(mode, kb, mode) for mode in modes]
    runs += [(f"hybrid(dense={w:g})", _with_dense_weight(kb, w), "hybrid") for w in dense_weights]
    scores = []
    for label, base, mode in runs:
        ranks: list[int | None] = []
        for q, spans in targets:
            hits = base.search(q.query, k=k, mode=mode)
            ranks.append(next((n for n, hit in enumerate(hits, start=1) if is_correct(hit, spans)), None))
        total = max(len(ranks), 1)
        scores.append(
            ModeScores(
                mode=label,
                recall_at_1=sum(r == 1 for r in ranks) / total,
                recall_at_k=sum(r is not None for r in ranks) / total,
                mrr=sum(1 / r for r in ranks if r) / total,
                ranks=ranks,
            )
        )
    return EvaluationResult(k=k, queries=len(targets), scores=scores, label_errors=errors)


def format_result(result: EvaluationResult) -> str:
    """A plain-text table for the CLI."""
    lines = [
        f"共 {result.queries} 条查询（k={result.k}）",
        f"{'方式':<24}{'R@1':>8}{f'R@{result.k}':>8}{'MRR':>8}",
    ]
    for s in result.scores:
        lines.append(f"{s.mode:<24}{s.recall_at_1:>8.3f}{s.recall_at_k:>8.3f}{s.mrr:>8.3f}")
    if result.label_errors:
        lines.append(f"标注问题 {len(result.label_errors)} 条（未计入）：")
        lines += [f"  {e.origin}：{e.reason}" for e in result.label_errors]
    return "\n".join(lines)
