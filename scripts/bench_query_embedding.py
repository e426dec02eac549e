"""What one embedding call costs the process, with the BLAS threads chosen per call (the default:
one thread up to universal_encoder.ONE_THREAD_UP_TO texts) and with two threads for every call.

    .venv/bin/python scripts/bench_query_embedding.py [--repeat 10]

Each call is made on a quiet process and its CPU is read 0.3 s after it returns, so a BLAS helper
thread still spinning after the call is counted (the web server pays for it between clicks).
Median of --repeat calls per row.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.index.universal_encoder import ONE_THREAD_UP_TO, UniversalSentenceEncoder  # noqa: E402

QUERY = "干部教育培训 举办科级干部培训班"
PASSAGE = (
    "区委组织部坚持把干部教育培训作为基础性工程，全年举办各类培训班，覆盖科级以上干部，学用结合取得实效。"
)
AFTER_S = 0.3


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_call(embedder: UniversalSentenceEncoder, texts: list[str]) -> tuple[float, float]:
    time.sleep(AFTER_S)  # the previous call's helper threads have gone quiet
    cpu, wall = process_cpu(), time.perf_counter()
    embedder.embed(texts)
    wall = time.perf_counter() - wall
    time.sleep(AFTER_S)
    return wall, process_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    variants = {
        f"default (1 thread up to {ONE_THREAD_UP_TO} texts, then 2)": UniversalSentenceEncoder(),
        "2 threads for every call": UniversalSentenceEncoder(threads=2, one_thread_up_to=0),
    }
    calls = {
        "1 query (a search)": [QUERY],
        "8 queries (a draft's sections)": [f"{QUERY} {i}" for i in range(8)],
        "64 passages (ingest)": [f"{PASSAGE}{i}" for i in range(64)],
    }
    print("| call | BLAS threads | wall (ms) | process CPU incl. 0.3 s after (ms) |")
    print("|---|---|---|---|")
    for label, texts in calls.items():
        for variant, embedder in variants.items():
            embedder.embed(texts)  # loaded and warm
            runs = [one_call(embedder, texts) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs) * 1000
            cpu = statistics.median(r[1] for r in runs) * 1000
            print(f"| {label} | {variant} | {wall:.1f} | {cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
