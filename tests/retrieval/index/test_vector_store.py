"""One contract suite for every VectorStore: the in-memory fake, embedded Chroma and (in
test_chroma_server.py) a Chroma server. Each implementation must behave the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.index.embedder import HashingEmbedder
from retrieval.index.vector_store import ChromaVectorStore, InMemoryVectorStore, VectorStore, chroma_where

EMBEDDER = HashingEmbedder(dimension=64)

PASSAGES = [
    # id, doc, part, year, text
    ("a:0", "a", "work", 2024, "全年共举办各类主体班次46期，培训干部5380人次"),
    ("a:1", "a", "work", 2024, "村级集体经济总收入达到4950万元"),
    ("a:2", "a", "problems", 2024, "农村党员老龄化问题突出，60岁以上占41.7%"),
    ("b:0", "b", "work", 2025, "家庭医生签约服务覆盖率达到68%"),
    ("b:1", "b", "plans", 2025, "下半年继续推进家庭医生签约服务扩面提质"),
    ("c:0", "c", "plans", 2025, "力争新就业群体党组织覆盖率提升至75%以上"),
]


def fill(store: VectorStore) -> None:
    vectors = EMBEDDER.embed([p[4] for p in PASSAGES])
    metadatas = [{"doc_id": d, "part": part, "year": year} for _, d, part, year, _ in PASSAGES]
    store.upsert([p[0] for p in PASSAGES], vectors, metadatas)


def vector_of(text: str) -> np.ndarray:
    return EMBEDDER.embed([text])[0]


class VectorStoreContract:
    """Subclasses provide a `store` fixture giving an empty store."""

    def test_empty_store_answers_nothing(self, store: VectorStore) -> None:
        assert store.count() == 0
        assert store.query(vector_of("培训干部"), 5) == []
        assert store.query(vector_of("培训干部"), 5, part="work") == []

    def test_nearest_passage_comes_first_with_cosine_similarity(self, store: VectorStore) -> None:
        fill(store)
        assert store.count() == len(PASSAGES)
        hits = store.query(vector_of("全年共举办各类主体班次46期，培训干部5380人次"), 3)
        assert hits[0][0] == "a:0"
        assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(-1.0001 <= s <= 1.0001 for s in scores)

    def test_k_larger_than_the_store_returns_everything(self, store: VectorStore) -> None:
        fill(store)
        hits = store.query(vector_of("家庭医生"), 100)
        assert sorted(pid for pid, _ in hits) == sorted(p[0] for p in PASSAGES)

    def test_part_selects_only_that_part(self, store: VectorStore) -> None:
        fill(store)
        hits = store.query(vector_of("家庭医生签约服务"), 10, part="plans")
        assert {pid for pid, _ in hits} == {"b:1", "c:0"}
        assert hits[0][0] == "b:1"

    def test_where_equality_and_membership(self, store: VectorStore) -> None:
        fill(store)
        assert {pid for pid, _ in store.query(vector_of("服务"), 10, where={"year": 2024})} == {
            "a:0",
            "a:1",
            "a:2",
        }
        hits = store.query(vector_of("服务"), 10, where={"doc_id": ["b", "c"]})
        assert {pid for pid, _ in hits} == {"b:0", "b:1", "c:0"}
        hits = store.query(vector_of("服务"), 10, part="plans", where={"doc_id": ["b"]})
        assert [pid for pid, _ in hits] == ["b:1"]

    def test_upsert_is_idempotent_and_overwrites(self, store: VectorStore) -> None:
        fill(store)
        fill(store)
        assert store.count() == len(PASSAGES)
        store.upsert(
            ["a:0"],
            EMBEDDER.embed(["力争新就业群体党组织覆盖率提升至75%以上"]),
            [{"doc_id": "a", "part": "work"}],
        )
        assert store.count() == len(PASSAGES)
        hits = store.query(vector_of("力争新就业群体党组织覆盖率提升至75%以上"), 1, part="work")
        assert hits[0][0] == "a:0"

    def test_delete_document_removes_only_its_vectors(self, store: VectorStore) -> None:
        fill(store)
        store.delete_document("a")
        store.delete_document("no-such-doc")
        assert store.count() == 3
        assert all(not pid.startswith("a:") for pid, _ in store.query(vector_of("培训干部"), 10))

    def test_reset_empties_the_store(self, store: VectorStore) -> None:
        fill(store)
        store.reset()
        assert store.count() == 0
        fill(store)
        assert store.count() == len(PASSAGES)

    def test_metadata_without_part_or_doc_is_refused(self, store: VectorStore) -> None:
        with pytest.raises(ValueError):
            store.upsert(["x:0"], EMBEDDER.embed(["文本"]), [{"doc_id": "x"}])
        with pytest.raises(ValueError):
            store.upsert(["x:0"], EMBEDDER.embed(["文本"]), [{"part": "work"}])
        with pytest.raises(ValueError):
            store.upsert(
                ["x:0", "x:0"], EMBEDDER.embed(["文本", "文本"]), [{"doc_id": "x", "part": "work"}] * 2
            )
        assert store.count() == 0


class TestVectorStores(VectorStoreContract):
    @pytest.fixture(params=["in-memory", "chroma-embedded"])
    def store(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
        if request.param == "in-memory":
            yield InMemoryVectorStore()
        else:
            yield ChromaVectorStore.persistent(str(tmp_path / "chroma"))


def test_embedded_chroma_persists_across_clients(tmp_path: Path) -> None:
    fill(ChromaVectorStore.persistent(str(tmp_path / "chroma")))
    reopened = ChromaVectorStore.persistent(str(tmp_path / "chroma"))
    assert reopened.count() == len(PASSAGES)


def test_chroma_where_translation() -> None:
    assert chroma_where(None) is None
    assert chroma_where({"year": 2025}) == {"year": {"$eq": 2025}}
    assert chroma_where({"doc_id": ["a", "b"], "year": 2025}) == {
        "$and": [{"doc_id": {"$in": ["a", "b"]}}, {"year": {"$eq": 2025}}]
    }
