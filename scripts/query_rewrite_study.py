"""Study: does asking a chat model to reword an everyday query in official wording help search?

    .venv/bin/python scripts/query_rewrite_study.py QUERIES.yaml [QUERIES.yaml ...] --reports DIR
        [--base-url http://127.0.0.1:8181/v1] [--model qwen2.5-coder-1.5b-instruct] [--cache FILE]

Each query goes once to the chat model (temperature 0, seed 1, at most 48 tokens; the answers are
kept in --cache so a second run asks nothing), with a system prompt and two worked examples about
subjects none of the sample or held-out reports mention. The reports are ingested into a throwaway
knowledge base with the default settings, and every query is searched (hybrid, k = 5) as written,
as the rewrite alone, as both joined, and as the reciprocal-rank fusion of the first two lists.
Prints R@1 / R@5 / MRR per variant. The default endpoint is the local model
(`drafter local-model --parallel 1`). A study, not a product feature: nothing here is used by search.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from drafting.service import components  # noqa: E402
from drafting.settings import ChromaSettings, Settings  # noqa: E402
from drafting.writing.chat import OpenAIChatModel  # noqa: E402
from retrieval.documents import SearchHit  # noqa: E402
from retrieval.evaluation.retrieval_eval import evaluate, load_queries  # noqa: E402
from retrieval.search.fusion import fuse  # noqa: E402

SYSTEM = (
    "你是机关公文写作助手，帮写材料的人在往年工作总结、情况报告里查找段落。"
    "用户的检索问题是口语说法，请改写成工作总结里会用的正式说法：用公文常见的名词和动词，"
    "保留问题问的是哪一类对象和事项，去掉“多少、几个、有没有、怎么样”之类的问句词。"
    "只输出一行改写后的检索词（可以是几个词组，用空格分开），不要解释，不要编造数字和单位名称。"
)
# Subjects that none of corpus/reports or corpus/eval mention (checked with grep).
EXAMPLES = (
    ("开车不系安全带被拍到的有多少", "驾乘人员 安全带 违法行为 查处"),
    ("去献血的人今年多不多", "无偿献血 参与人数"),
)


def messages(query: str) -> list[dict[str, str]]:
    chat = [{"role": "system", "content": SYSTEM}]
    for asked, answered in EXAMPLES:
        chat += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return [*chat, {"role": "user", "content": query}]


def rewrite_all(queries: list[str], chat: OpenAIChatModel, cache: Path) -> dict[str, str]:
    rewrites: dict[str, str] = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    times = []
    for query in queries:
        if query in rewrites:
            continue
        started = time.perf_counter()
        answer = chat.complete(messages(query), temperature=0.0, max_tokens=48).text.strip()
        times.append(time.perf_counter() - started)
        rewrites[query] = answer.splitlines()[0].strip() if answer else ""
        cache.write_text(json.dumps(rewrites, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{times[-1]:5.1f} s  {query} → {rewrites[query]}", file=sys.stderr, flush=True)
    if times:
        print(f"rewrites asked: {len(times)}, median {sorted(times)[len(times) // 2]:.2f} s", file=sys.stderr)
    return rewrites


def fuse_by_rank(first: list[SearchHit], second: list[SearchHit], k: int) -> list[SearchHit]:
    """The search's own reciprocal-rank fusion, with the two lists weighted alike."""
    hits = {h.passage.id: h for h in [*second, *first]}
    fused = fuse(
        [(h.passage.id, h.score) for h in first], [(h.passage.id, h.score) for h in second], 1.0, 1.0, "rrf"
    )
    return [hits[f.id] for f in fused[:k]]


class Variant:
    """The knowledge base as `evaluate` sees it, with the query turned into something else first."""

    def __init__(self, kb: Any, search: Callable[[str], list[SearchHit]]) -> None:
        self.catalog = kb.catalog
        self._search = search

    def search(self, query: str, k: int, mode: str) -> list[SearchHit]:
        return self._search(query)[:k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", type=Path, nargs="+")
    parser.add_argument("--reports", type=Path, required=True)
    parser.add_argument("--base-url", default="http://127.0.0.1:8181/v1")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--cache", type=Path, default=Path("query_rewrites.json"))
    args = parser.parse_args()

    queries, _ = load_queries(args.queries)
    chat = OpenAIChatModel(
        base_url=args.base_url, model=args.model, temperature=0.0, max_tokens=48, seed=1, streaming=False
    )
    rewrites = rewrite_all([q.query for q in queries], chat, args.cache)

    with tempfile.TemporaryDirectory(prefix="drafter-rewrite-") as scratch:
        settings = Settings().model_copy(update={"home": Path(scratch), "chroma": ChromaSettings()})
        kb = components.build_knowledge_base(settings)
        kb.ingest([args.reports])
        variants: dict[str, Callable[[str], list[SearchHit]]] = {
            "as written": lambda q: kb.search(q, k=5),
            "rewrite alone": lambda q: kb.search(rewrites[q] or q, k=5),
            "as written + rewrite, joined": lambda q: kb.search(f"{q} {rewrites[q]}".strip(), k=5),
            "rank fusion of the two": lambda q: fuse_by_rank(
                kb.search(q, k=20), kb.search(rewrites[q] or q, k=20), 5
            ),
        }
        print("| query | R@1 | R@5 | MRR |\n|---|---|---|---|")
        for name, search in variants.items():
            result = evaluate(Variant(kb, search), queries, k=5, modes=("hybrid",))
            scores = result.scores[0]
            print(f"| {name} | {scores.recall_at_1:.3f} | {scores.recall_at_k:.3f} | {scores.mrr:.3f} |")
        print(f"\n{result.queries} queries, hybrid search, k = 5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
