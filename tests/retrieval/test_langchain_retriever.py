"""The knowledge base as a LangChain retriever (the optional drafter[langchain] extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("langchain_core")  # installed by the dev extra, so CI runs these

from knowledge_fixtures import make_kb, write_report  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402

from retrieval.langchain_retriever import KnowledgeBaseRetriever  # noqa: E402


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "reports"
    write_report(
        folder / "lh-2024.txt",
        "临河县卫生健康局2024年年度工作总结",
        work=["家庭医生签约服务覆盖率达到61%，重点人群签约率88%。"],
        plans=["明年推进家庭医生签约服务扩面提质，覆盖率提高到70%。"],
    )
    write_report(
        folder / "lh-2025.txt",
        "临河县卫生健康局2025年上半年工作总结",
        work=["家庭医生签约服务覆盖率达到68%，重点人群签约率91%。"],
        plans=["下半年继续推进家庭医生签约服务扩面提质。"],
    )
    knowledge_base = make_kb(tmp_path)
    assert knowledge_base.ingest([folder]).ok
    return knowledge_base


def test_retriever_returns_documents_with_the_hit_metadata(kb) -> None:  # type: ignore[no-untyped-def]
    retriever = KnowledgeBaseRetriever(knowledge_base=kb, k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("家庭医生签约服务覆盖率")
    assert docs and all(isinstance(d, Document) for d in docs)
    best = docs[0]
    passage = kb.get_passage(best.metadata["passage_id"])
    assert passage is not None and best.page_content == passage.text and best.id == passage.id
    assert best.metadata["source"] in {"lh-2024.txt", "lh-2025.txt"}
    assert best.metadata["document"] == passage.doc_id and best.metadata["part"] == passage.part
    assert best.metadata["year"] == passage.year and best.metadata["title"] == passage.title
    assert best.metadata["score"] > 0 and best.metadata["lexical_score"] is not None
    assert best.metadata["dense_score"] is not None  # hybrid: both signals found it
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)


def test_filters_on_the_retriever_and_per_call(kb) -> None:  # type: ignore[no-untyped-def]
    plans_2024 = KnowledgeBaseRetriever(knowledge_base=kb, part="plans", year=2024)
    docs = plans_2024.invoke("家庭医生签约服务")
    assert [(d.metadata["part"], d.metadata["year"]) for d in docs] == [("plans", 2024)]

    # Per-call filters replace the retriever's own for that call only.
    docs = plans_2024.invoke("家庭医生签约服务", year=2025, period="上半年")
    assert [(d.metadata["part"], d.metadata["year"]) for d in docs] == [("plans", 2025)]
    document = docs[0].metadata["document"]
    only = KnowledgeBaseRetriever(knowledge_base=kb, document=document, k=5).invoke("签约")
    assert only and {d.metadata["document"] for d in only} == {document}
    assert KnowledgeBaseRetriever(knowledge_base=kb, organisation="东湖街道").invoke("签约") == []


def test_bad_filters_are_clear_errors(kb) -> None:  # type: ignore[no-untyped-def]
    retriever = KnowledgeBaseRetriever(knowledge_base=kb)
    with pytest.raises(ValueError, match="未知的检索条件"):
        retriever.invoke("签约", colour="red")
    with pytest.raises(ValueError, match="未知的部分"):
        retriever.invoke("签约", part="summary")
    with pytest.raises(ValueError, match="检索内容为空"):
        retriever.invoke("  ")
