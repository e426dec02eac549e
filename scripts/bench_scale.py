"""Scale benchmark: a knowledge base of N synthetic passages (default 1M) served to several UI
processes on one machine, as a team deployment runs it. Prints a table.

    .venv/bin/python scripts/bench_scale.py [--passages 1000000] [--processes 2] [--queries 200]

Builds, in a temporary directory: the real catalog (SQLite) with every passage and its tokens; the
vectors (random unit vectors of the default model's 512 dimensions, one collection per part) in an
embedded Chroma directory that a `chroma run` server then serves on loopback; the lexical index,
rebuilt once from the catalog and saved as its snapshot. Then starts --processes fresh Python
processes, each opening the knowledge base as the web UI does (catalog, Chroma server over HTTP,
lexical snapshot memory-mapped) and measuring: its first hybrid search after the restart (loading
included: jieba's dictionary, the snapshot, the embedding model), the latency of hybrid searches
with a part filter (query embedded by the real default model + lexical + dense + fusion + catalog), and
its memory: RSS, and PSS, which splits each shared page among the processes mapping it. One more
process loads the same snapshot into private memory (as the index did before it was mapped), for
comparison.

Passage text is drawn from jieba's most frequent words like bench_retrieval.py, but tokenised word
by word (cached) rather than by jieba over each whole passage, so a million passages are generated
in minutes: the index sees the same kind of tokens, a few pairs across word boundaries fewer.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench_retrieval import DIMENSION, PART_WEIGHTS, YEARS, RandomEmbedder, vocabulary  # noqa: E402
from local_servers import chroma_server  # noqa: E402

from drafting.service.components import build_embedder  # noqa: E402
from drafting.settings import RetrievalSettings, Settings  # noqa: E402
from retrieval.documents import Passage, SearchFilters  # noqa: E402
from retrieval.index.catalog import Catalog, DocumentRecord  # noqa: E402
from retrieval.index.embedder import normalise_rows  # noqa: E402
from retrieval.index.lexical import Bm25Index, RowMeta  # noqa: E402
from retrieval.index.lexical_snapshot import SNAPSHOT_FILE, load_snapshot, read_tag, save_snapshot  # noqa: E402
from retrieval.index.passage_vectors import VECTOR_LAYOUT  # noqa: E402
from retrieval.index.tokens import TOKENIZER_VERSION, char_tokens, tokenize  # noqa: E402
from retrieval.index.vector_store import ChromaVectorStore  # noqa: E402
from retrieval.knowledge.knowledge_base import KnowledgeBase  # noqa: E402
from retrieval.search.query import analyse, load_lexicon  # noqa: E402

SEED = 20261205
PASSAGES_PER_DOC = 100
BATCH = 5000
PART = "problems"  # the filter of the measured searches (15% of passages)


@functools.cache
def word_tokens(word: str) -> tuple[str, ...]:
    return tuple(tokenize(word))


def synthetic(n: int, rng: random.Random):
    """Yields (document record, passages, tokens per passage), PASSAGES_PER_DOC passages a document."""
    words, weights = vocabulary()
    cumulative = list(itertools.accumulate(weights))
    heading = "一、工作情况"
    for d in range((n + PASSAGES_PER_DOC - 1) // PASSAGES_PER_DOC):
        doc_id, year, org = f"scale{d:06d}", rng.choice(YEARS), f"第{d % 40}单位"
        title = f"{org}{year}年工作总结"
        head_tokens = tokenize(title) + tokenize(heading)
        passages, tokens, offset = [], [], 0
        for i in range(min(PASSAGES_PER_DOC, n - d * PASSAGES_PER_DOC)):
            clauses, toks = [], list(head_tokens)
            for _ in range(rng.randint(6, 14)):
                chosen = rng.choices(words, cum_weights=cumulative, k=rng.randint(3, 7))
                clause = "".join(chosen)
                for w in chosen:
                    toks.extend(word_tokens(w))
                if rng.random() < 0.4:
                    number = f"{rng.randint(1, 9999)}{rng.choice(('个', '人次', '万元', '家'))}"
                    clause += number
                    toks.extend(word_tokens(number))
                clauses.append(clause)
            text = "，".join(clauses) + "。"
            toks.extend(char_tokens(heading + text))
            part = rng.choices(list(PART_WEIGHTS), list(PART_WEIGHTS.values()))[0]
            passages.append(
                Passage(f"{doc_id}:{i}", doc_id, text, f"{doc_id}.txt", title, f"{year}年", year, org, "year-end",
                        part, heading, offset, offset + len(text))  # type: ignore[arg-type]
            )  # fmt: skip
            tokens.append(toks)
            offset += len(text) + 1
        record = DocumentRecord(
            doc_id, f"/bench/{doc_id}.txt", f"{doc_id}.txt", f"{d:064x}", title, f"{year}年", year, org, "year-end",
            cleaned_text="\n".join(p.text for p in passages),
        )  # fmt: skip
        yield record, passages, tokens


def build(scratch: Path, n: int) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    catalog = Catalog(scratch / "kb.sqlite3")
    store = ChromaVectorStore.persistent(str(scratch / "chroma"))
    vector_rng = np.random.default_rng(SEED)
    started, stored_s, pending = time.perf_counter(), 0.0, []

    def flush() -> None:
        nonlocal stored_s, pending
        t = time.perf_counter()
        vectors = normalise_rows(vector_rng.standard_normal((len(pending), DIMENSION), dtype=np.float32))
        metadatas = [{"doc_id": p.doc_id, "part": p.part, "year": p.year, "kind": p.kind} for p in pending]
        store.upsert([p.id for p in pending], vectors, metadatas)
        stored_s += time.perf_counter() - t
        pending = []

    for count, (record, passages, tokens) in enumerate(synthetic(n, random.Random(SEED)), start=1):
        catalog.commit_document(record, passages, tokens)
        pending.extend(passages)
        if len(pending) >= BATCH:
            flush()
        if count % 500 == 0:
            print(
                f"   {count * PASSAGES_PER_DOC:,} passages stored ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    if pending:
        flush()
    catalog.set_meta("embedder", f"{RandomEmbedder.name}|{DIMENSION}")
    # One vector per passage is what the current layout stores for a one-sentence passage, which
    # every synthetic passage is (clauses joined by "，"); real passages average about 3.4.
    catalog.set_meta("vector_layout", VECTOR_LAYOUT)
    catalog.set_meta("tokenizer", TOKENIZER_VERSION)
    total = time.perf_counter() - started
    rows.append(
        (
            "build: catalog + tokens + vectors",
            f"{total / 60:.1f} min",
            f"of which Chroma {stored_s / 60:.1f} min",
        )
    )

    kb = open_kb(scratch, store, catalog)
    t = time.perf_counter()
    kb.search("工作", SearchFilters(part=PART), k=5, mode="lexical")  # rebuilds from the catalog, saves
    rebuild_s = time.perf_counter() - t
    size = (scratch / SNAPSHOT_FILE).stat().st_size / 1e6
    rows.append(
        (
            "lexical index: rebuild from catalog + save snapshot",
            f"{rebuild_s:.1f} s",
            f"snapshot {size:,.0f} MB",
        )
    )
    catalog.close()
    return rows


def build_lexical(scratch: Path, n: int) -> list[tuple[str, str, str]]:
    """--lexical-only: the BM25 index of the synthetic passages and its snapshot, no catalog or vectors."""
    index = Bm25Index()
    started = time.perf_counter()

    def rows():  # noqa: ANN202
        for count, (_, passages, tokens) in enumerate(synthetic(n, random.Random(SEED)), start=1):
            for p, toks in zip(passages, tokens, strict=True):
                yield p.id, toks, RowMeta(p.doc_id, p.part, p.year, p.period, p.org)
            if count % 1000 == 0:
                print(
                    f"   {count * PASSAGES_PER_DOC:,} passages indexed ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )

    index.add_many(rows())
    built_s = time.perf_counter() - started
    t = time.perf_counter()
    save_snapshot(index, scratch / SNAPSHOT_FILE, generation=1, tokenizer=TOKENIZER_VERSION)
    save_s = time.perf_counter() - t
    size = (scratch / SNAPSHOT_FILE).stat().st_size / 1e6
    return [
        ("lexical index: generate + tokens + index", f"{built_s / 60:.1f} min", ""),
        ("lexical index: save snapshot (with weights)", f"{save_s:.1f} s", f"snapshot {size:,.0f} MB"),
    ]


class LexicalOnly:
    """The lexical half of a hybrid search, for --lexical-only: the query analysed as search does."""

    def __init__(self, index: Bm25Index) -> None:
        self.lexical, self.lexicon = index, load_lexicon()

    def search(self, query: str, filters: SearchFilters, k: int, mode: str = "lexical") -> Any:
        config = RetrievalSettings()
        weights = analyse(
            query, self.lexicon, char_weight=config.char_weight, synonym_weight=config.synonym_weight
        )
        return self.lexical.search(weights.weights, config.candidates, filters)


def open_kb(
    scratch: Path, store: ChromaVectorStore, catalog: Catalog | None = None, embedder: Any = None
) -> KnowledgeBase:
    return KnowledgeBase(
        catalog=catalog or Catalog(scratch / "kb.sqlite3"), embedder=embedder or RandomEmbedder(), store=store,
        lexical=Bm25Index(), parser=None, config=RetrievalSettings(),  # type: ignore[arg-type]
        lexical_snapshot=scratch / SNAPSHOT_FILE, lexicon=load_lexicon(),
    )  # fmt: skip


def memory() -> dict[str, float]:
    """This process's memory in MB: RSS, and PSS (shared pages divided among their users)."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "shared": fields["Shared_Clean"] + fields["Shared_Dirty"],
    }


def wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.05)


def child(
    scratch: Path, host: str, port: int, queries: list[str], private: bool, turn: int, turns: int
) -> None:
    """One UI process after a restart: first search, then the measured searches (one process at a
    time, so each measures a search and not its siblings' competition for the 2 cores; the load
    script measures concurrent users), then its memory once every process has searched."""
    filters = SearchFilters(part=PART)
    started = time.perf_counter()
    tokenize("预热")  # jieba's dictionary: loaded by any first search, timed apart
    jieba_s = time.perf_counter() - started
    if host == "-":  # lexical only: the index alone, as the knowledge base holds it
        t = time.perf_counter()
        index = Bm25Index()
        path = scratch / SNAPSHOT_FILE
        tag = read_tag(path)
        assert tag is not None and load_snapshot(path, index, tag)
        load_s = time.perf_counter() - t
        kb: Any = LexicalOnly(index)
    else:
        # Queries embedded by the real default model, loaded by the first search as in the web UI;
        # the stored vectors are random stand-ins of the same model name and dimension.
        kb = open_kb(scratch, ChromaVectorStore.http(host, int(port)), embedder=build_embedder(Settings()))
        t = time.perf_counter()
        kb.search(queries[0], filters, k=5, mode="lexical")
        load_s = time.perf_counter() - t
    t = time.perf_counter()
    kb.search(queries[0], filters, k=5)
    first_s = time.perf_counter() - started
    if host != "-" and not kb.search(queries[0], filters, k=5, mode="dense"):
        raise SystemExit("the Chroma server answered no vectors: the dense half of the search would be empty")
    if private:  # the index as it was before mapping: every array in this process's own memory
        index = kb.lexical
        assert isinstance(index, Bm25Index)
        index._own()  # noqa: SLF001
        index._built = None  # noqa: SLF001
        index._terms, index._counts = index._terms.copy(), index._counts.copy()  # noqa: SLF001
        index._indptr = index._indptr.copy()  # noqa: SLF001
        kb.search(queries[0], filters, k=5)
    wait_for(scratch / f"turn-{turn}")
    times = []
    for q in queries[1:]:
        t = time.perf_counter()
        kb.search(q, filters, k=5)
        times.append((time.perf_counter() - t) * 1000)
    (scratch / f"turn-{turn + 1}").touch()
    wait_for(scratch / f"turn-{turns}")
    print(
        json.dumps({"first_s": first_s, "jieba_s": jieba_s, "load_s": load_s, "times": times, **memory()}),
        flush=True,
    )
    time.sleep(float(os.environ.get("BENCH_HOLD_S", "0")))  # keeps the mapping alive while siblings measure


def measure(scratch: Path, n_processes: int, n_queries: int, rows: list[tuple[str, str, str]]) -> None:
    words, _ = vocabulary()
    rng = random.Random(SEED + 1)
    queries = ["".join(rng.choices(words[:600], k=rng.randint(3, 6))) for _ in range(n_queries + 1)]
    lexical_only = not (scratch / "chroma").exists()
    with ExitStack() as stack:
        host, port = (
            ("-", 0)
            if lexical_only
            else stack.enter_context(chroma_server(base=scratch, path=scratch / "chroma"))
        )
        search = "lexical search" if lexical_only else "hybrid search"
        for private in (False, True):
            count = 1 if private else n_processes
            env = {**os.environ, "BENCH_HOLD_S": "5"}
            command = [
                sys.executable,
                __file__,
                "--child",
                str(scratch),
                host,
                str(port),
                json.dumps(queries),
            ]
            for stale in scratch.glob("turn-*"):
                stale.unlink()
            procs = [
                subprocess.Popen([*command, *(["--private"] if private else []), "--turn", str(i), str(count)],
                                 stdout=subprocess.PIPE, text=True, env=env)
                for i in range(count)
            ]  # fmt: skip
            (scratch / "turn-0").touch()
            results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            label = "private copy (before mapping)" if private else f"{count} processes, snapshot mapped"
            for i, r in enumerate(results, start=1):
                q = statistics.quantiles(r["times"], n=100)
                rows.append(
                    (
                        f"UI process {i}, {label}: first {search} after restart",
                        f"{r['first_s']:.2f} s",
                        f"of which jieba dictionary {r['jieba_s']:.2f} s, lexical index {r['load_s']:.2f} s",
                    )
                )
                rows.append((f"UI process {i}, {label}: {search} + part filter", f"p50 {statistics.median(r['times']):.1f} ms",
                             f"p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms ({len(r['times'])} queries)"))  # fmt: skip
                rows.append((f"UI process {i}, {label}: memory", f"PSS {r['pss']:,.0f} MB",
                             f"RSS {r['rss']:,.0f} MB, of it shared {r['shared']:,.0f} MB"))  # fmt: skip
        if not lexical_only:
            rows.append(
                ("Chroma server RSS", f"{server_rss(port):,.0f} MB", "one copy of the vectors for all")
            )


def server_rss(port: int) -> float:
    found = subprocess.run(
        ["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True
    ).stdout.split()
    total = 0.0
    for pid in found:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--lexical-only", action="store_true", help="only the lexical index: no catalog, no vectors"
    )
    parser.add_argument(
        "--keep", type=Path, help="build in (or reuse) this directory instead of a temporary one"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--private", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--turn", nargs=2, type=int, default=[0, 1], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # in its own process, so its embedded Chroma is closed before the server opens the files
        make = build_lexical if args.lexical_only else build
        (args.build / "build_rows.json").write_text(json.dumps(make(args.build, args.passages)))
        return
    if args.child:
        scratch, host, port, queries = args.child
        child(Path(scratch), host, int(port), json.loads(queries), args.private, *args.turn)
        return
    print(
        f"== {args.passages:,} passages, {args.processes} UI processes, {args.queries} queries each",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as temporary:
        scratch = args.keep or Path(temporary)
        scratch.mkdir(parents=True, exist_ok=True)
        if not (scratch / "build_rows.json").exists():
            command = [sys.executable, __file__, "--build", str(scratch), "--passages", str(args.passages)]
            command += ["--lexical-only"] if args.lexical_only else []
            subprocess.run(command, check=True)
        rows = [tuple(r) for r in json.loads((scratch / "build_rows.json").read_text())]
        measure(scratch, args.processes, args.queries, rows)
    print(
        f"\n| {args.passages:,} passages, load average {os.getloadavg()[0]:.1f} on 2 cores | | |\n|---|---|---|"
    )
    for label, value, note in rows:
        print(f"| {label} | {value} | {note} |")


if __name__ == "__main__":
    main()
