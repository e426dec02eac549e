"""Study of how to embed and score passages for search by meaning, and how to fuse with BM25.

    .venv/bin/python scripts/dense_scoring_study.py [--cache FILE]

Ingests the sample reports and the held-out reports into throwaway knowledge bases (real parser,
catalog, BM25 with its query aids), embeds every variant with the default model (whole passage,
heading path + passage, title + heading path + passage, each sentence with and without the heading
path, two-sentence windows), then scores every labelled query in numpy: dense alone per variant,
fixed-weight min-max and reciprocal-rank fusion, and the dense weight leaning with the share of the
query's words in BM25's best passage. Near-duplicates are not collapsed, so figures differ from
`drafter eval retrieval` by a query or two. Choose on the sample sets only; the held-out columns are
printed to report, never to tune.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from drafting.service.components import build_knowledge_base  # noqa: E402
from drafting.settings import EmbeddingSettings, RetrievalSettings, Settings  # noqa: E402
from retrieval.evaluation.retrieval_eval import find_spans, load_queries  # noqa: E402
from retrieval.index.embedder import HashingEmbedder  # noqa: E402
from retrieval.index.lexical import NO_FILTERS  # noqa: E402
from retrieval.index.passage_vectors import sentences  # noqa: E402
from retrieval.index.tokens import tokenize  # noqa: E402
from retrieval.index.universal_encoder import UniversalSentenceEncoder  # noqa: E402
from retrieval.search.fusion import leaning_dense_weight, min_max, word_coverage  # noqa: E402

EVAL = ROOT / "corpus" / "eval"
CORPORA = {"sample": ROOT / "corpus" / "reports", "heldout": EVAL / "heldout" / "reports"}
SETS = {  # set name: (query files, corpus)
    "sample": (sorted(EVAL.glob("retrieval*.yaml")), "sample"),
    "para-sample": ([EVAL / "paraphrase" / "sample.yaml"], "sample"),
    "heldout": ([EVAL / "heldout" / "queries.yaml"], "heldout"),
    "para-heldout": ([EVAL / "paraphrase" / "heldout.yaml"], "heldout"),
}
CANDIDATES = 50


def prepare() -> dict:
    use = UniversalSentenceEncoder()
    data: dict = {}
    with tempfile.TemporaryDirectory(prefix="dense-study-") as scratch:
        for name, folder in CORPORA.items():
            settings = Settings(
                home=Path(scratch) / name, embedding=EmbeddingSettings(), retrieval=RetrievalSettings()
            )
            kb = build_knowledge_base(settings)
            kb.embedder = HashingEmbedder()  # the study embeds by itself below
            kb.ingest([folder])
            passages = [p for d in kb.list_documents() for p in kb.document_passages(d.id)]
            index = {p.id: i for i, p in enumerate(passages)}

            def under(heading: str, text: str) -> str:
                return f"{heading}\n{text}" if heading else text

            sent, sent_owner, win, win_owner = [], [], [], []
            for i, p in enumerate(passages):
                found = sentences(p.text)
                sent += found
                sent_owner += [i] * len(found)
                for j in range(max(1, len(found) - 1)):
                    win.append(under(p.heading, "".join(found[j : j + 2])))
                    win_owner.append(i)
            entry = {
                "bare": use.embed([p.text for p in passages]),
                "head": use.embed([under(p.heading, p.text) for p in passages]),
                "title": use.embed([p.title + "\n" + under(p.heading, p.text) for p in passages]),
                "sent": use.embed(sent),
                "sent_head": use.embed(
                    [under(passages[o].heading, t) for t, o in zip(sent, sent_owner, strict=True)]
                ),
                "sent_owner": np.array(sent_owner),
                "win": use.embed(win),
                "win_owner": np.array(win_owner),
                "texts": [p.text for p in passages],
                "queries": {},
            }
            for set_name, (files, corpus) in SETS.items():
                if corpus != name:
                    continue
                queries, _ = load_queries(files)
                items = []
                for q in queries:
                    spans = {
                        d.id: find_spans(d.cleaned_text, q.answer)
                        for d in kb.catalog.documents_where(source=q.source)
                    }
                    good = {
                        i
                        for i, p in enumerate(passages)
                        if any(p.start < e and s < p.end for s, e in spans.get(p.doc_id, []))
                    }
                    lexical = [
                        (index[pid], s) for pid, s in kb._lexical_search(q.query, NO_FILTERS, CANDIDATES)
                    ]
                    items.append(
                        {
                            "query": q.query,
                            "good": good,
                            "lexical": lexical,
                            "vector": use.embed([q.query])[0],
                        }
                    )
                entry["queries"][set_name] = items
            data[name] = entry
            kb.catalog.close()
    return data  # fmt: skip


def best_of(n: int, owner: np.ndarray, scores: np.ndarray) -> np.ndarray:
    out = np.full(n, -1.0)
    np.maximum.at(out, owner, scores)
    return out


def top2_mean(n: int, owner: np.ndarray, scores: np.ndarray) -> np.ndarray:
    lists: list[list[float]] = [[] for _ in range(n)]
    for s, o in zip(scores, owner, strict=True):
        lists[o].append(float(s))
    return np.array([np.mean(sorted(v)[-2:]) if v else -1.0 for v in lists])


VARIANTS: dict[str, Callable[[dict, np.ndarray], np.ndarray]] = {
    "bare text (before)": lambda c, q: c["bare"] @ q,
    "heading path + text": lambda c, q: c["head"] @ q,
    "title + heading path + text": lambda c, q: c["title"] @ q,
    "best sentence (bare)": lambda c, q: best_of(len(c["texts"]), c["sent_owner"], c["sent"] @ q),
    "best sentence under heading": lambda c, q: best_of(len(c["texts"]), c["sent_owner"], c["sent_head"] @ q),
    "mean of best two sentences under heading": lambda c, q: top2_mean(len(c["texts"]), c["sent_owner"], c["sent_head"] @ q),
    "best two-sentence window under heading": lambda c, q: best_of(len(c["texts"]), c["win_owner"], c["win"] @ q),
    "0.5 best sentence + 0.5 passage, under heading": lambda c, q: 0.5 * best_of(len(c["texts"]), c["sent_owner"], c["sent_head"] @ q) + 0.5 * (c["head"] @ q),
    "best of passage and sentences, under heading (kept)": lambda c, q: np.maximum(best_of(len(c["texts"]), c["sent_owner"], c["sent_head"] @ q), c["head"] @ q),
}  # fmt: skip
KEPT = "best of passage and sentences, under heading (kept)"


def fuse(
    lexical: list[tuple[int, float]], dense: np.ndarray, weight: float, method: str, dense_n: int
) -> list[int]:
    top = np.argsort(-dense)[:dense_n]
    dense_hits = [(int(i), float(dense[i])) for i in top]
    if method == "rrf":
        lex = {i: 1 / (60 + r) for r, (i, _) in enumerate(lexical, 1)}
        den = {i: 1 / (60 + r) for r, (i, _) in enumerate(dense_hits, 1)}
    else:
        lex, den = min_max([(str(i), s) for i, s in lexical]), min_max([(str(i), s) for i, s in dense_hits])
        lex, den = {int(k): v for k, v in lex.items()}, {int(k): v for k, v in den.items()}
    keys = list(dict.fromkeys([i for i, _ in lexical] + [i for i, _ in dense_hits]))
    return sorted(keys, key=lambda k: -(lex.get(k, 0.0) + weight * den.get(k, 0.0)))  # fmt: skip


def score(ranked: list[list[int]], goods: list[set[int]]) -> str:
    ranks = [
        next((r for r, i in enumerate(order[:5], 1) if i in good), None)
        for order, good in zip(ranked, goods, strict=True)
    ]
    n = len(ranks)
    return f"{sum(r == 1 for r in ranks) / n:.3f} / {sum(r is not None for r in ranks) / n:.3f} / {sum(1 / r for r in ranks if r) / n:.3f}"  # fmt: skip


def table(data: dict, title: str, rank: Callable[[dict, dict], list[int]]) -> str:
    cells = []
    for set_name, (_, corpus) in SETS.items():
        c = data[corpus]
        items = c["queries"][set_name]
        cells.append(score([rank(c, it) for it in items], [it["good"] for it in items]))
    return f"| {title} | " + " | ".join(cells) + " |"


def coverage(c: dict, item: dict) -> float:
    words = [w for w in tokenize(item["query"]) if len(w) > 1]
    return word_coverage(words, c["texts"][item["lexical"][0][0]]) if item["lexical"] else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, help="keep the vectors here and reuse them on the next run")
    args = parser.parse_args()
    if args.cache and args.cache.is_file():
        data = pickle.loads(args.cache.read_bytes())
    else:
        data = prepare()
        if args.cache:
            args.cache.write_bytes(pickle.dumps(data))
    print("R@1 / R@5 / MRR (k = 5)\n\n| | " + " | ".join(SETS) + " |\n|---|" + "---|" * len(SETS))
    print(table(data, "lexical (BM25)", lambda c, it: [i for i, _ in it["lexical"]]))
    for name, variant in VARIANTS.items():
        print(table(data, f"dense: {name}", lambda c, it, v=variant: list(np.argsort(-v(c, it["vector"])))))  # type: ignore[misc]
    kept = VARIANTS[KEPT]
    for method in ("minmax", "rrf"):
        for w in (0.2, 0.3, 0.5, 1.0):
            print(
                table(
                    data,
                    f"hybrid {method}, fixed dense weight {w}",
                    lambda c, it, m=method, w=w: fuse(it["lexical"], kept(c, it["vector"]), w, m, CANDIDATES),
                )
            )  # type: ignore[misc]
    for dense_n in (50, 100, 200):
        for method in ("minmax", "rrf"):
            print(table(data, f"hybrid {method}, leaning 0.2 → 1 (coverage 0.25 → 0.1), dense top {dense_n}",
                        lambda c, it, m=method, n=dense_n: fuse(it["lexical"], kept(c, it["vector"]),
                        leaning_dense_weight(coverage(c, it), strong=0.2, weak=1.0, low=0.1, high=0.25), m, n)))  # type: ignore[misc]  # fmt: skip
    print("\nshare of query words in BM25's best passage, quartiles:")
    for set_name, (_, corpus) in SETS.items():
        c = data[corpus]
        values = sorted(coverage(c, it) for it in c["queries"][set_name])
        q = [values[int(len(values) * f)] for f in (0.25, 0.5, 0.75)]
        print(f"  {set_name}: {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f}")


if __name__ == "__main__":
    main()
