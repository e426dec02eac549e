"""A real Chroma server going away and coming back: during an ingest (which stops with a clear
message and, run again, ends with every document once), and during a search (which reports the
outage rather than returning nothing, and works again after the restart). A draft during the
outage is written without exemplars and says why on each section."""

from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_fixtures import make_kb, write_report

from drafting.facts.files import parse_facts_file
from drafting.settings import Settings
from drafting.writing.pipeline import DraftingPipeline
from retrieval.index.vector_store import ChromaVectorStore, VectorStoreError
from tests.chroma_server import ChromaServer

pytestmark = pytest.mark.server

DOCS = 6
FACTS = Path(__file__).resolve().parents[3] / "corpus" / "facts" / "half-year.yaml"


def reports(folder: Path) -> Path:
    for n in range(DOCS):
        write_report(
            folder / f"r{n}.txt",
            f"第{n}区委组织部2024年工作总结",
            work=[f"全年举办培训班{n + 3}期，培训干部{100 + n}人次。", f"整顿软弱涣散村党组织{n + 2}个。"],
            plan=[f"明年计划新建党群服务中心{n + 1}个。"],
        )
    return folder


def test_an_outage_mid_ingest_and_search_is_reported_and_survived(tmp_path: Path) -> None:
    """One server start and one restart (each takes seconds): the ingest stops at the outage with
    the message, a search during the outage says so, and after the restart the same ingest
    resumes to every document exactly once and the same client searches again."""
    folder = reports(tmp_path / "reports")
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        store = ChromaVectorStore.http(server.host, server.port, prefix="kb")
        kb = make_kb(tmp_path, store=store)

        def outage_at_the_third_document(name: str, n: int, total: int, stage: str) -> None:
            if stage == "parsing" and n == 3:
                server.stop()

        with pytest.raises(VectorStoreError, match="向量库连接失败：Chroma 服务器 127.0.0.1"):
            kb.ingest([folder], progress=outage_at_the_third_document)
        assert kb.catalog.document_count() == 2  # the two finished before the outage are kept
        for mode in ("dense", "hybrid"):
            with pytest.raises(VectorStoreError, match="向量库连接失败"):
                kb.search("党群服务中心", k=3, mode=mode)
        assert kb.search("党群服务中心", k=3, mode="lexical")  # BM25 does not need the server
        draft = DraftingPipeline(outlines_dir=Settings().outlines_dir, knowledge_base=kb).run(
            parse_facts_file(FACTS)
        )  # written without exemplars, each section saying why
        missed = [s.record.get("retrieval_error", "") for s in draft.sections if s.record.get("query")]
        assert missed and all("向量库连接失败" in m for m in missed)

        server.start()  # same data directory and port: a restart
        report = kb.ingest([folder])
        assert report.ok, report.failed
        assert len(report.unchanged) == 2 and len(report.added) == DOCS - 2
        assert kb.catalog.document_count() == DOCS
        passages = sum(len(kb.catalog.document_passages(d.id)) for d in kb.catalog.list_documents())
        assert store.count() == passages  # every passage once: no duplicates, none missing
        hits = kb.search("培训干部", k=DOCS * 3, mode="dense")  # the same client, no restart of ours
        assert {h.passage.source for h in hits} >= {f"r{n}.txt" for n in range(DOCS)}
    finally:
        server.stop()
