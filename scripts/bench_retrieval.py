"""Retrieval benchmark: ingest rate and query latency on synthetic knowledge bases.

    .venv/bin/python scripts/bench_retrieval.py [--sizes 10000 100000] [--queries 200] [--model-sample 1000]
        [--random-vectors]
    .venv/bin/python scripts/bench_retrieval.py --restart-only [--sizes 100000]

Builds, in a temporary directory, a knowledge base of N synthetic passages (Chinese-like text drawn
from a fixed vocabulary with a fixed seed) in the real catalog (SQLite), the real lexical index
(BM25 over jieba tokens) and embedded Chroma. Every passage is embedded by the default model (the
packaged Universal Sentence Encoder, about 10 minutes per 100k passages on 2 cores), so the
embedding rate and the dense query latency are the real model's; --random-vectors stores random
unit vectors of the model's dimension instead, for a quick run of the store's side. Prints a table.

"first search after restart" is a new KnowledgeBase on the same catalog answering its first lexical
search: without a snapshot it rebuilds the BM25 index from the stored tokens; with one it loads the
index saved under the data directory (retrieval.index.lexical_snapshot). --restart-only measures just
that (tokenising and the catalog are still needed; parsing, the model, Chroma and the query
latencies are skipped).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from drafting.service.components import build_embedder  # noqa: E402
from drafting.settings import (  # noqa: E402
    PACKAGED_EMBEDDING_MODEL,
    EmbeddingSettings,
    RetrievalSettings,
    Settings,
)
from retrieval.documents import Passage, SearchFilters  # noqa: E402
from retrieval.index.catalog import Catalog, DocumentRecord  # noqa: E402
from retrieval.index.embedder import Embedder, normalise_rows  # noqa: E402
from retrieval.index.lexical import Bm25Index  # noqa: E402
from retrieval.index.lexical_snapshot import SNAPSHOT_FILE, save_snapshot  # noqa: E402
from retrieval.index.passage_vectors import VECTOR_LAYOUT, unit_id, unit_texts  # noqa: E402
from retrieval.index.tokens import TOKENIZER_VERSION  # noqa: E402
from retrieval.index.vector_store import ChromaVectorStore  # noqa: E402
from retrieval.knowledge.knowledge_base import KnowledgeBase, passage_tokens  # noqa: E402
from retrieval.search.query import load_lexicon  # noqa: E402

SEED = 20250701
DIMENSION = 512  # the default model's (use-multilingual-v3)
PASSAGES_PER_DOC = 100
PART_WEIGHTS = {"opening": 0.05, "work": 0.5, "problems": 0.15, "plans": 0.25, "closing": 0.05}
YEARS = (2021, 2022, 2023, 2024, 2025, 2026)


# ------------------------------------------------------------------ synthetic data


def vocabulary(size: int = 5000) -> tuple[list[str], list[float]]:
    """The `size` most frequent 2-4 character words of jieba's dictionary, with their frequencies:
    a fixed vocabulary whose text segments like real Chinese (random characters would all be
    unknown words and send jieba down its slow HMM path)."""
    import jieba

    entries = []
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, freq, *_ = line.split()
            if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                entries.append((-int(freq), word))
    entries.sort()
    return [w for _, w in entries[:size]], [-f for f, _ in entries[:size]]


def synthetic_text(rng: random.Random, words: Sequence[str], cumulative: Sequence[float]) -> str:
    """One passage: 6-14 clauses of 3-7 words drawn by frequency, some with a number, in sentences
    of 2-4 clauses (each sentence gets a vector of its own, as in real passages)."""
    pieces: list[str] = []
    for _ in range(rng.randint(6, 14)):  # clauses
        clause = "".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(3, 7)))
        if rng.random() < 0.4:
            clause += f"{rng.randint(1, 9999)}{rng.choice(('个', '人次', '万元', '%', '家'))}"
        pieces.append(clause + ("。" if rng.random() < 0.33 else "，"))
    return "".join(pieces)[:-1] + "。"


def units(passages: Sequence[Passage]) -> tuple[list[str], list[str], list[dict]]:
    """Unit ids, texts and metadatas of passages, as retrieval.index.passage_vectors stores them."""
    ids, texts, metadatas = [], [], []
    for p in passages:
        for n, text in enumerate(unit_texts(p)):
            ids.append(unit_id(p.id, n))
            texts.append(text)
            metadatas.append({"doc_id": p.doc_id, "part": p.part, "year": p.year, "kind": p.kind})
    return ids, texts, metadatas


def synthetic_documents(n_passages: int, rng: random.Random) -> list[tuple[DocumentRecord, list[Passage]]]:
    words, weights = vocabulary()
    cumulative = list(itertools.accumulate(weights))
    documents = []
    for d in range((n_passages + PASSAGES_PER_DOC - 1) // PASSAGES_PER_DOC):
        doc_id = f"bench{d:05d}"
        year = rng.choice(YEARS)
        org = f"第{d % 40}单位"
        title = f"{org}{year}年工作总结"
        passages, offset = [], 0
        for n in range(min(PASSAGES_PER_DOC, n_passages - d * PASSAGES_PER_DOC)):
            text = synthetic_text(rng, words, cumulative)
            part = rng.choices(list(PART_WEIGHTS), list(PART_WEIGHTS.values()))[0]
            passages.append(
                Passage(f"{doc_id}:{n}", doc_id, text, f"{doc_id}.txt", title, f"{year}年", year, org, "year-end",
                        part, "一、工作情况", offset, offset + len(text))  # type: ignore[arg-type]
            )  # fmt: skip
            offset += len(text) + 1
        record = DocumentRecord(
            doc_id, f"/bench/{doc_id}.txt", f"{doc_id}.txt", f"{d:064x}", title, f"{year}年", year, org, "year-end",
            cleaned_text="\n".join(p.text for p in passages),
        )  # fmt: skip
        documents.append((record, passages))
    return documents


class RandomEmbedder:
    """Deterministic random unit vectors (seeded by the text): the store's realistic load, no model."""

    name = PACKAGED_EMBEDDING_MODEL  # stands in for the default model, whose dimension it has
    dimension = DIMENSION

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(zlib.crc32(t.encode())).standard_normal(DIMENSION) for t in texts]
        return normalise_rows(np.array(rows, dtype=np.float32).reshape(len(texts), DIMENSION))


def paraphrased(query: str) -> str:
    """The query with words no passage holds: BM25's best hit then lacks most of the query's words,
    so the fusion leans on dense (the path a paraphrase takes; same cost otherwise)."""
    return query + "咱们那边怎么弄的"


# ------------------------------------------------------------------ measuring


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def latencies(fn: Callable[[str], object], queries: Sequence[str]) -> tuple[float, float]:
    fn("预热查询")  # warm-up, with a query not measured (query vectors are cached)
    times = [timed(functools.partial(fn, q)) * 1000 for q in queries]
    quantiles = statistics.quantiles(times, n=20)
    return statistics.median(times), quantiles[18]  # p50, p95 in ms


def bench_size(
    n: int,
    n_queries: int,
    model: Embedder | None,
    rows: list,
    restart_only: bool = False,
    real_vectors: bool = True,
) -> None:
    rng = random.Random(SEED + n)
    t0 = time.perf_counter()
    documents = synthetic_documents(n, rng)
    print(
        f"\n== {n} passages in {len(documents)} documents (generated in {time.perf_counter() - t0:.1f}s)",
        flush=True,
    )
    passages = [p for _, ps in documents for p in ps]
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as scratch:
        catalog = Catalog(Path(scratch) / "kb.sqlite3")
        store = ChromaVectorStore.persistent(str(Path(scratch) / "chroma"))
        # The real model embeds every passage unless told otherwise (or only the restart is measured).
        embedder: Embedder = (
            model if model is not None and real_vectors and not restart_only else RandomEmbedder()
        )

        tokens: list[list[str]] = []
        tokenise_s = timed(lambda: tokens.extend(passage_tokens(p) for p in passages))
        unit_ids, unit_text, unit_meta = units(passages)
        vectors = np.zeros((0, DIMENSION), np.float32)

        def embed_all() -> None:
            nonlocal vectors
            parts = []
            for start in range(0, len(unit_text), 5000):
                parts.append(embedder.embed(unit_text[start : start + 5000]))
                if embedder is model:
                    print(f"   embedded {start + len(parts[-1]):,}/{len(unit_text):,} vectors", flush=True)
            vectors = np.concatenate(parts)

        embed_s = timed(embed_all)
        print(
            f"   embedded {len(unit_text):,} vectors ({len(unit_text) / n:.1f} per passage) with "
            f"{embedder.name} in {embed_s:.0f}s ({n / embed_s:,.0f} passages/s)",
            flush=True,
        )

        def store_vectors() -> None:
            for start in range(0, len(unit_ids), 5000):
                end = start + 5000
                store.upsert(unit_ids[start:end], vectors[start:end], unit_meta[start:end])

        def store_catalog() -> None:
            offset = 0
            for record, ps in documents:
                catalog.commit_document(record, ps, tokens[offset : offset + len(ps)])
                offset += len(ps)
            catalog.set_meta("embedder", f"{embedder.name}|{embedder.dimension}")
            catalog.set_meta("vector_layout", VECTOR_LAYOUT)
            catalog.set_meta("tokenizer", TOKENIZER_VERSION)  # as ingest records it

        chroma_s = 0.0 if restart_only else timed(store_vectors)
        catalog_s = timed(store_catalog)
        snapshot = Path(scratch) / SNAPSHOT_FILE

        def restarted(with_snapshot: bool) -> KnowledgeBase:
            return KnowledgeBase(
                catalog=catalog, embedder=embedder, store=store, lexical=Bm25Index(), parser=None,  # type: ignore[arg-type]
                config=RetrievalSettings(), lexical_snapshot=snapshot if with_snapshot else None,
                lexicon=load_lexicon(),  # synonym groups and part cues, as users get them
            )  # fmt: skip

        def first_search(kb: KnowledgeBase) -> float:
            return timed(lambda: kb._lexical_search("工作", SearchFilters(), 1))

        # Without a snapshot: read every passage's stored tokens and build the BM25 index.
        kb = restarted(with_snapshot=False)
        load_s = first_search(kb)
        built = kb.lexical
        assert isinstance(built, Bm25Index)
        generation = catalog.generation()
        save_s = timed(
            lambda: save_snapshot(built, snapshot, generation=generation, tokenizer=TOKENIZER_VERSION)
        )
        # With the snapshot a previous process saved. Five restarts, the median reported: page
        # faults on this virtual machine and other processes make single runs vary a lot.
        snapshot_runs = [first_search(restarted(with_snapshot=True)) for _ in range(4)]
        kb = restarted(with_snapshot=True)  # kept for the query latencies below
        snapshot_runs.append(first_search(kb))
        snapshot_mb = snapshot.stat().st_size / 1e6
        runs = " / ".join(f"{s:.2f}" for s in snapshot_runs)
        rows += [
            (n, "first search after restart, no snapshot", f"{load_s:.1f} s", "rebuild from catalog tokens"),
            (
                n,
                "first search after restart, with snapshot",
                f"{statistics.median(snapshot_runs):.2f} s",
                f"median of {runs} s",
            ),
            (n, "saving the lexical snapshot", f"{save_s:.2f} s", f"{snapshot_mb:,.0f} MB"),
        ]
        print(
            f"   first search after restart: {load_s:.1f}s without a snapshot, {runs}s with one "
            f"(saving it: {save_s:.2f}s, {snapshot_mb:,.0f} MB)",
            flush=True,
        )
        if restart_only:
            rows.append(
                (
                    n,
                    "ingest: tokenising (jieba + pairs)",
                    f"{n / tokenise_s:,.0f} passages/s",
                    f"{tokenise_s:.1f} s",
                )
            )
            catalog.close()
            return
        rows += [
            (
                n,
                "ingest: tokenising (jieba + pairs)",
                f"{n / tokenise_s:,.0f} passages/s",
                f"{tokenise_s:.1f} s",
            ),
            (
                n,
                f"ingest: embedding ({'real model' if embedder is model else 'random stand-in'}, {DIMENSION}-d)",
                f"{n / embed_s:,.1f} passages/s",
                f"{embed_s / 60:.1f} min, {len(unit_text) / n:.1f} vectors per passage",
            ),
            (n, "ingest: storing vectors (Chroma)", f"{n / chroma_s:,.0f} passages/s", f"{chroma_s:.1f} s"),
            (n, "ingest: storing catalog (SQLite)", f"{n / catalog_s:,.0f} passages/s", f"{catalog_s:.1f} s"),
        ]
        if model is not None and embedder is not model:
            rate = rows_model_rate[0]
            rows.append(
                (
                    n,
                    "ingest: embedding, real model (extrap.)",
                    f"{rate:,.1f} passages/s",
                    f"{n / rate / 60:.0f} min",
                )
            )
        print(f"   stored in {chroma_s + catalog_s:.0f}s", flush=True)

        words, _ = vocabulary()
        qrng = random.Random(SEED + 1)
        queries = ["".join(qrng.choices(words[:600], k=qrng.randint(3, 6))) for _ in range(n_queries)]
        cases: list[tuple[str, Callable[[str], object]]] = [
            ("query: lexical", lambda q: kb.search(q, k=5, mode="lexical")),
            ("query: dense", lambda q: kb.search(q, k=5, mode="dense")),
            ("query: hybrid", lambda q: kb.search(q, k=5)),
            ("query: hybrid, paraphrase-like (dense leans in)", lambda q: kb.search(paraphrased(q), k=5)),
            ("query: hybrid, part filter", lambda q: kb.search(q, SearchFilters(part="problems"), k=5)),
            ("query: hybrid, year filter", lambda q: kb.search(q, SearchFilters(year=2024), k=5)),
            (
                "query: hybrid, part + year filter",
                lambda q: kb.search(q, SearchFilters(part="plans", year=2024), k=5),
            ),
        ]
        for label, fn in cases:
            p50, p95 = latencies(fn, queries)
            rows.append((n, label, f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms"))
            print(f"   {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
        if model is not None:
            kb.embedder = model  # same name and dimension: the index accepts it
            kb._query_vectors.clear()  # cached vectors may have come from the stand-in of the same name
            p50, p95 = latencies(lambda q: kb.search(q, SearchFilters(part="problems"), k=5), queries[:100])
            rows.append(
                (n, "query: hybrid, part filter, real model", f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms")
            )
            kb._query_vectors.clear()
            p50, p95 = latencies(lambda q: kb.search(q, k=5), queries[100:200] or queries)
            rows.append((n, "query: hybrid, real model", f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms"))
            print(
                f"   hybrid + part filter with the real model: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True
            )
        catalog.close()


rows_model_rate: list[float] = []


def bench_model(sample: int, rows: list) -> Embedder:
    model = build_embedder(Settings(embedding=EmbeddingSettings()))  # the default, whatever the env says
    load_s = timed(lambda: model.embed(["预热"]))
    if model.name != PACKAGED_EMBEDDING_MODEL or model.dimension != DIMENSION:
        raise SystemExit(f"expected the default {PACKAGED_EMBEDDING_MODEL} ({DIMENSION}-d), got {model.name}")
    rng = random.Random(SEED)
    words, weights = vocabulary()
    cumulative = list(itertools.accumulate(weights))
    texts = [synthetic_text(rng, words, cumulative) for _ in range(sample)]
    passages = [
        Passage(f"s:{n}", "s", t, "s.txt", "", None, None, None, "other", "work", "一、工作情况", 0, len(t))
        for n, t in enumerate(texts)
    ]
    _, unit_text, _ = units(passages)
    seconds = timed(lambda: model.embed(unit_text))
    rows_model_rate.append(sample / seconds)
    queries = ["".join(rng.choices(words[:600], k=rng.randint(3, 6))) for _ in range(100)]
    p50, p95 = latencies(lambda q: model.embed([q]), queries)
    mean_chars = sum(map(len, texts)) / len(texts)
    rows += [
        ("-", f"model load ({model.name}), cold start", f"{load_s:.1f} s", "weights + tokenizer"),
        ("-", f"embedding, real model, {sample} passages", f"{sample / seconds:,.1f} passages/s", f"mean {mean_chars:.0f} chars, {len(unit_text) / sample:.1f} vectors each"),
        ("-", "query embedding, real model", f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms"),
    ]  # fmt: skip
    print(
        f"real model: {sample / seconds:.1f} passages/s; query embedding p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        flush=True,
    )
    return model


def bench_parsing(rows: list) -> None:
    """Parse the sample corpus with the real parser (load, clean, structure, chunk)."""
    from retrieval.ingest.cleaning import EmptyLineIndex
    from retrieval.ingest.parsing import load_file, parse_loaded

    files = sorted((ROOT / "corpus" / "reports").glob("*"))
    count = 0

    def parse_all() -> None:
        nonlocal count
        for path in files:
            count += len(parse_loaded(load_file(path), EmptyLineIndex(), doc_id="x").passages)

    seconds = timed(parse_all)
    rows.append(
        (
            "-",
            f"ingest: parsing ({len(files)} corpus files)",
            f"{count / seconds:,.0f} passages/s",
            f"{len(files) / seconds:.1f} files/s",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--model-sample", type=int, default=1000, help="passages to embed with the real model (0: skip)"
    )
    parser.add_argument(
        "--random-vectors",
        action="store_true",
        help="store random unit vectors instead of embedding every passage with the real model",
    )
    parser.add_argument(
        "--restart-only",
        action="store_true",
        help="only the first search after a restart (and what it needs)",
    )
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; stored vectors: "
        f"{'random unit vectors' if args.random_vectors else 'the default model'}, dim {DIMENSION}"
    )
    rows: list[tuple] = []
    started = time.perf_counter()
    if not args.restart_only:
        bench_parsing(rows)
    model = bench_model(args.model_sample, rows) if args.model_sample and not args.restart_only else None
    for n in args.sizes:
        bench_size(n, args.queries, model, rows, args.restart_only, real_vectors=not args.random_vectors)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nfinished in {(time.perf_counter() - started) / 60:.1f} min, load average "
        f"{os.getloadavg()[0]:.1f}, peak memory {peak_mb:,.0f} MB\n"
    )
    print("| size | measure | value | note |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
