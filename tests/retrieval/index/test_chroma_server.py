"""The vector-store contract and a knowledge-base search against a real `chroma run` server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from knowledge_fixtures import make_kb, write_report
from test_vector_store import VectorStoreContract

from retrieval.documents import SearchFilters
from retrieval.index.vector_store import ChromaVectorStore, VectorStore
from tests.chroma_server import chroma_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with chroma_server(base=tmp_path_factory.mktemp("chroma-server")) as address:
        yield address


class TestChromaServer(VectorStoreContract):
    @pytest.fixture
    def store(self, server: tuple[str, int], request: pytest.FixtureRequest) -> Iterator[VectorStore]:
        # A fresh collection prefix per test keeps tests independent on the shared server.
        prefix = f"t-{request.node.name}"
        store = ChromaVectorStore.http(*server, prefix=prefix)
        store.reset()
        yield store
        store.reset()


def test_knowledge_base_search_over_a_chroma_server(server: tuple[str, int], tmp_path: Path) -> None:
    store = ChromaVectorStore.http(*server, prefix="kb")
    kb = make_kb(tmp_path, store=store)
    folder = tmp_path / "reports"
    write_report(
        folder / "a.txt",
        "青川区委组织部2024年全年工作总结",
        work=["全年共举办各类主体班次46期，培训干部5,380人次。"],
    )
    write_report(
        folder / "b.txt", "临河县卫生健康局2025年上半年工作总结", work=["家庭医生签约服务覆盖率达到68%。"]
    )
    report = kb.ingest([folder])
    assert report.ok and len(report.added) == 2
    assert store.count() == 2
    hits = kb.search("家庭医生签约", k=2, mode="dense")
    assert hits[0].passage.source == "b.txt"
    hits = kb.search("培训干部", SearchFilters(year=2024), k=2)
    assert [h.passage.source for h in hits] == ["a.txt"]
