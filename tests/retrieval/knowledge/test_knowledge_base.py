"""The knowledge base end to end with the fakes (ParagraphParser, HashingEmbedder, in-memory store)
on small generated files; one test at the end runs the real model and Chroma over the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from knowledge_fixtures import ids_in_store, make_kb, vector_count, write_report

from retrieval.documents import SearchFilters
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.vector_store import InMemoryVectorStore
from retrieval.ingest.ingestion import document_id
from retrieval.knowledge.knowledge_base import IndexMismatchError

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "reports"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    write_report(
        folder / "qc-2024.txt",
        "青川区委组织部2024年全年工作总结",
        work=[
            "全年共举办各类主体班次46期，培训干部5,380人次。",
            "全区村级集体经济总收入达到4,950万元，同比增长12.3%。",
        ],
        problems=["农村党员老龄化问题突出，60岁以上的占41.7%。"],
        plans=["力争新就业群体党组织覆盖率提升至75%以上。"],
    )
    write_report(
        folder / "lh-2025.txt",
        "临河县卫生健康局2025年上半年工作总结",
        work=[
            "家庭医生签约服务覆盖率达到68%，重点人群签约率91%。",
            "县域医共体建设持续推进，基层就诊率达到65%。",
        ],
        problems=["基层医疗卫生人才短缺，乡镇卫生院执业医师缺口较大。"],
        plans=["下半年继续推进家庭医生签约服务扩面提质。"],
    )
    write_report(
        folder / "sub" / "dh-2025.md",
        "东湖街道党工委2025年上半年工作总结",
        work=["新建社区党群服务中心3个，组织党员志愿服务活动120场次。"],
        plans=["下半年推进老旧小区改造，完成加装电梯20部。"],
    )
    (folder / "notes.pdf.bak").write_text("not a report", encoding="utf-8")  # ignored: wrong suffix
    return folder


def test_ingest_folder_adds_every_supported_file(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    seen: list[tuple[str, str]] = []
    report = kb.ingest([reports], progress=lambda name, i, total, status: seen.append((name, status)))
    assert report.ok
    assert sorted(Path(o.path).name for o in report.added) == ["dh-2025.md", "lh-2025.txt", "qc-2024.txt"]
    assert report.passages_written == 4 + 4 + 2 == kb.catalog.passage_count()
    assert kb.store.count() == vector_count(kb.catalog)
    assert ("qc-2024.txt", "added") in seen and ("qc-2024.txt", "loading") in seen
    record = kb.get_document("qc-2024.txt")
    assert record is not None
    assert record.id == document_id(reports / "qc-2024.txt")
    assert (record.year, record.org, record.period) == (2024, "青川区委组织部", "2024年全年")
    assert "新增 3 份" in report.summary()


def test_unchanged_file_is_a_no_op(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    generation, count = kb.catalog.generation(), kb.store.count()
    again = kb.ingest([reports, reports / "qc-2024.txt"])  # the same file twice counts once
    assert (len(again.added), len(again.replaced), len(again.unchanged)) == (0, 0, 3)
    assert kb.catalog.generation() == generation and kb.store.count() == count


def test_changed_file_replaces_its_passages(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    write_report(
        reports / "qc-2024.txt", "青川区委组织部2024年全年工作总结", work=["全年开展干部教育培训52期。"]
    )
    report = kb.ingest([reports])
    assert [Path(o.path).name for o in report.replaced] == ["qc-2024.txt"]
    doc_id = document_id(reports / "qc-2024.txt")
    assert [p.text for p in kb.catalog.document_passages(doc_id)] == ["全年开展干部教育培训52期。"]
    assert {pid for pid in ids_in_store(kb.store) if pid.startswith(doc_id)} == {f"{doc_id}:0"}
    assert kb.search("培训干部5380人次", mode="lexical")[0].passage.text == "全年开展干部教育培训52期。"


def test_bad_files_are_skipped_with_reasons(tmp_path: Path, reports: Path) -> None:
    (reports / "broken.txt").write_bytes(b"\xff\xfe\x00\x81binary")
    (reports / "empty.txt").write_bytes(b"")
    (reports / "title-only.txt").write_text("只有标题的文件\n", encoding="utf-8")
    kb = make_kb(tmp_path)
    report = kb.ingest([reports, tmp_path / "missing.txt", tmp_path / "x.xlsx"])
    assert not report.ok
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert "UTF-8" in reasons["broken.txt"]
    assert "为空" in reasons["empty.txt"]
    assert "没有可检索的正文" in reasons["title-only.txt"]
    assert "不存在" in reasons["missing.txt"]
    assert len(report.added) == 3
    # A file that failed leaves nothing behind: no passages, no vectors, no fingerprints.
    assert kb.catalog.document_count() == 3 and kb.store.count() == vector_count(kb.catalog)
    assert kb.catalog.drop_orphan_fingerprints() == 0


def test_unsupported_file_named_explicitly_is_reported(tmp_path: Path) -> None:
    sheet = tmp_path / "table.xlsx"
    sheet.write_bytes(b"PK")
    report = make_kb(tmp_path).ingest([sheet])
    assert len(report.failed) == 1 and "不支持的文件类型" in report.failed[0].reason


class _Killed(BaseException):
    """Stands for kill -9: not an Exception, so nothing in the batch loop catches it."""


def test_interrupted_ingest_leaves_a_consistent_index_and_can_be_rerun(tmp_path: Path, reports: Path) -> None:
    store = InMemoryVectorStore()
    kb = make_kb(tmp_path, store=store)

    def killed(*args: Any, **kwargs: Any) -> int:
        raise _Killed

    kb.catalog.commit_document = killed  # type: ignore[method-assign]  # dies after the vector write
    with pytest.raises(_Killed):
        kb.ingest([reports])
    assert kb.catalog.document_count() == 0
    assert store.count() > 0  # the vectors of the first document were written
    # Search ignores vectors the catalog does not know.
    restarted = make_kb(tmp_path, store=store)
    assert restarted.search("家庭医生签约服务", mode="dense") == []
    assert restarted.search("培训干部", mode="hybrid") == []

    report = restarted.ingest([reports])
    assert report.ok and len(report.added) == 3
    assert ids_in_store(store) == set(restarted.catalog.passages(list(ids_in_store(store))))
    assert restarted.catalog.passage_count() == 10 and store.count() == vector_count(restarted.catalog)
    assert restarted.search("培训干部多少人次", k=1)[0].passage.source == "qc-2024.txt"


def test_interrupted_replacement_recovers_on_rerun(tmp_path: Path, reports: Path) -> None:
    store = InMemoryVectorStore()
    kb = make_kb(tmp_path, store=store)
    kb.ingest([reports])
    write_report(
        reports / "lh-2025.txt", "临河县卫生健康局2025年上半年工作总结", work=["只剩一段新的内容：家庭医生。"]
    )
    real_commit = kb.catalog.commit_document

    def killed(*args: Any, **kwargs: Any) -> int:
        raise _Killed

    kb.catalog.commit_document = killed  # type: ignore[method-assign]
    with pytest.raises(_Killed):
        kb.ingest([reports])
    kb.catalog.commit_document = real_commit  # type: ignore[method-assign]
    # The old version is still the committed one; re-running brings the new one in.
    doc_id = document_id(reports / "lh-2025.txt")
    assert len(kb.catalog.document_passages(doc_id)) == 4
    report = make_kb(tmp_path, store=store).ingest([reports])
    assert [Path(o.path).name for o in report.replaced] == ["lh-2025.txt"]
    assert len(kb.catalog.document_passages(doc_id)) == 1
    assert store.count() == vector_count(kb.catalog)


def test_repeated_header_lines_are_cleaned_across_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    for n in range(3):
        write_report(
            folder / f"r{n}.txt",
            f"某单位202{n}年全年工作总结",
            header="内部资料 注意保存",
            work=[f"第{n}份材料的正文内容。"],
        )
    kb = make_kb(tmp_path)
    assert kb.ingest([folder]).ok
    for n in range(3):
        record = kb.get_document(f"r{n}.txt")
        assert record is not None
        assert [r.text for r in record.removed] == ["内部资料 注意保存"]
        assert "内部资料" not in record.cleaned_text


def test_remove_by_id_name_or_path(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    doc_id = document_id(reports / "lh-2025.txt")
    removed = kb.remove("lh-2025.txt")
    assert removed is not None and removed.id == doc_id
    assert kb.remove(doc_id) is None
    assert kb.remove(str(reports / "qc-2024.txt")) is not None
    assert kb.catalog.passage_count() == 2 and kb.store.count() == vector_count(kb.catalog)
    assert all(h.passage.source == "dh-2025.md" for h in kb.search("家庭医生签约 培训干部 党员", k=5))


def test_search_modes_and_filters(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    for mode in ("lexical", "dense", "hybrid"):
        hits = kb.search("家庭医生签约服务覆盖率", k=3, mode=mode)  # type: ignore[arg-type]
        assert hits[0].passage.text.startswith("家庭医生签约服务覆盖率"), mode
    assert {h.passage.part for h in kb.search("家庭医生签约服务", SearchFilters(part="plans"), k=5)} == {
        "plans"
    }
    assert {h.passage.year for h in kb.search("党员 服务", SearchFilters(year=2024), k=5)} == {2024}
    assert {h.passage.org for h in kb.search("服务", SearchFilters(org="卫生"), k=5)} == {"临河县卫生健康局"}
    assert {h.passage.period for h in kb.search("服务", SearchFilters(period="上半年"), k=10)} == {
        "2025年上半年"
    }
    doc_id = document_id(reports / "sub" / "dh-2025.md")
    assert {h.passage.doc_id for h in kb.search("服务", SearchFilters(doc_id=doc_id), k=5)} == {doc_id}
    first = kb.search("家庭医生签约服务", k=1)[0].passage.id
    excluded = kb.search("家庭医生签约服务", SearchFilters(exclude_ids=frozenset({first})), k=5)
    assert first not in {h.passage.id for h in excluded}
    assert kb.search("量子计算机", mode="lexical") == []  # words that occur nowhere


class Untouchable(HashingEmbedder):
    """An embedder whose use fails the test: for paths that must not load the model."""

    def embed(self, texts: Any) -> Any:
        raise AssertionError("the model must not be used")


def test_searching_an_empty_knowledge_base_loads_no_model(tmp_path: Path) -> None:
    assert make_kb(tmp_path, embedder=Untouchable()).search("培训干部", mode="hybrid") == []


def test_a_zero_dense_weight_needs_no_model(tmp_path: Path, reports: Path) -> None:
    make_kb(tmp_path).ingest([reports])

    kb = make_kb(tmp_path, embedder=Untouchable(128), dense_weight=0.0)
    hits = kb.search("培训干部多少人次", k=2)
    assert hits[0].passage.source == "qc-2024.txt" and hits[0].dense_score is None


def test_search_rejects_empty_query_and_bad_arguments(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    with pytest.raises(ValueError, match="检索内容为空"):
        kb.search("   ")
    with pytest.raises(ValueError, match="检索方式"):
        kb.search("培训", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="正整数"):
        kb.search("培训", k=0)


def test_hit_json_has_the_fields_other_tools_read(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    hit = kb.search("培训干部", k=1)[0].to_json()
    for name in ("text", "score", "source", "title", "part", "heading", "start", "end", "id", "doc_id"):
        assert name in hit
    record = kb.get_document(hit["doc_id"])
    assert record is not None and record.cleaned_text[hit["start"] : hit["end"]] == hit["text"]


def test_near_duplicates_from_two_years_collapse_into_one_hit(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    shared = "坚持以党建引领基层治理，持续深化网格化管理服务，推动资源力量下沉一线。"
    write_report(folder / "a.txt", "甲街道2024年全年工作总结", work=[shared, "其他内容甲。"])
    write_report(folder / "b.txt", "甲街道2025年上半年工作总结", work=[shared[:-1] + "！", "其他内容乙。"])
    kb = make_kb(tmp_path)
    kb.ingest([folder])
    hits = kb.search("党建引领基层治理 网格化管理", k=5)
    top = hits[0]
    assert len(top.duplicates) == 1
    assert top.duplicates[0] not in {h.passage.id for h in hits}


def test_selective_filter_falls_back_to_a_where_query(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    for n in range(12):
        write_report(
            folder / f"y2024-{n}.txt",
            f"单位{n}2024年全年工作总结",
            work=[f"干部教育培训工作扎实推进第{n}期。"],
        )
    write_report(folder / "y2025.txt", "单位甲2025年全年工作总结", work=["农村人居环境整治成效明显。"])

    class Spy(InMemoryVectorStore):
        def __init__(self) -> None:
            super().__init__()
            self.wheres: list[Any] = []

        def query(
            self, vector: Any, k: int, part: str | None = None, where: Any = None
        ) -> list[tuple[str, float]]:
            self.wheres.append(where)
            return super().query(vector, k, part, where)

    store = Spy()
    kb = make_kb(tmp_path, store=store, candidates=2)
    kb.ingest([folder])
    hits = kb.search("干部教育培训", SearchFilters(year=2025), k=1, mode="dense")
    assert [h.passage.source for h in hits] == ["y2025.txt"]
    assert store.wheres[0] is None  # first unfiltered …
    assert store.wheres[-1] == {"doc_id": [document_id(folder / "y2025.txt")]}  # … then the fallback


def test_another_process_ingesting_is_seen_by_search(tmp_path: Path, reports: Path) -> None:
    store = InMemoryVectorStore()
    reader, writer = make_kb(tmp_path, store=store), make_kb(tmp_path, store=store)
    writer.ingest([reports / "qc-2024.txt"])
    assert reader.search("家庭医生", mode="lexical") == []
    writer.ingest([reports / "lh-2025.txt"])
    assert reader.search("家庭医生", mode="lexical")[0].passage.source == "lh-2025.txt"


class CountingStore(InMemoryVectorStore):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0

    def query(
        self, vector: Any, k: int, part: str | None = None, where: Any = None
    ) -> list[tuple[str, float]]:
        self.queries += 1
        return super().query(vector, k, part, where)


def test_a_repeated_search_is_answered_from_memory_until_the_documents_change(
    tmp_path: Path, reports: Path
) -> None:
    store = CountingStore()
    kb = make_kb(tmp_path, store=store)
    kb.ingest([reports / "qc-2024.txt"])
    first = kb.search("家庭医生签约", SearchFilters(part="work"), k=2)
    asked = store.queries
    # Prepared, then written: the same section's search again, with fewer hits wanted.
    assert kb.search("家庭医生签约", SearchFilters(part="work"), k=1) == first[:1]
    assert kb.search("家庭医生签约", SearchFilters(part="work"), k=2) == first
    assert store.queries == asked
    # Another filter, or another process's ingest (the catalog's generation moves): searched afresh.
    kb.search("家庭医生签约", SearchFilters(part="plans"), k=2)
    assert store.queries > asked
    make_kb(tmp_path, store=store).ingest([reports / "lh-2025.txt"])
    hits = kb.search("家庭医生签约", SearchFilters(part="work"), k=1)
    assert hits[0].passage.source == "lh-2025.txt"


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def embed(self, texts):  # noqa: ANN001, ANN201
        self.calls.append(list(texts))
        return super().embed(texts)


def test_a_drafts_queries_are_embedded_in_one_batch_and_searched_from_the_cache(
    tmp_path: Path, reports: Path
) -> None:
    embedder = CountingEmbedder()
    kb = make_kb(tmp_path, embedder=embedder)
    kb.ingest([reports])
    expected = {q: kb.search(q, SearchFilters(part="work"), k=2) for q in ("家庭医生签约", "干部培训")}
    restarted = make_kb(tmp_path, store=kb.store, embedder=embedder)  # empty caches
    embedder.calls.clear()
    restarted.prime_queries(["家庭医生签约", "干部培训", "家庭医生签约", "  "])
    assert embedder.calls == [["家庭医生签约", "干部培训"]]  # once each, blank skipped
    for query, hits in expected.items():
        assert restarted.search(query, SearchFilters(part="work"), k=2) == hits
    restarted.prime_queries(["干部培训"])
    assert len(embedder.calls) == 1  # searched and primed queries are not embedded again


def test_passages_tokenised_by_an_older_tokenizer_are_retokenised(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    # As if the passages had been tokenised by an earlier tokenizer version.
    kb.catalog.replace_tokens([(p.id, ["旧"]) for p, _ in kb.catalog.iter_passages_with_tokens()])
    kb.catalog.set_meta("tokenizer", "older/0")
    restarted = make_kb(tmp_path, store=kb.store)
    assert restarted.search("家庭医生签约", k=1, mode="lexical")[0].passage.source == "lh-2025.txt"
    assert all(toks != ["旧"] for _, toks in restarted.catalog.iter_passages_with_tokens())


def test_index_built_by_another_embedder_is_refused_until_rebuilt(tmp_path: Path, reports: Path) -> None:
    store = InMemoryVectorStore()
    make_kb(tmp_path, store=store, embedder=HashingEmbedder(64)).ingest([reports])
    kb = make_kb(tmp_path, store=store, embedder=HashingEmbedder(128))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        kb.search("培训干部", mode="hybrid")
    with pytest.raises(IndexMismatchError):
        kb.ingest([reports])
    assert kb.search("培训干部", mode="lexical")  # lexical search needs no vectors
    assert kb.rebuild() == 10
    assert kb.search("家庭医生签约", k=1, mode="dense")[0].passage.source == "lh-2025.txt"


def test_index_of_an_older_vector_layout_is_refused_until_rebuilt(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    kb.catalog.set_meta("vector_layout", "passages/0")  # as an index from before sentence vectors
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        kb.search("培训干部", mode="dense")
    assert kb.rebuild() == 10
    assert kb.search("家庭医生签约", k=1, mode="dense")[0].passage.source == "lh-2025.txt"


def test_dense_search_scores_a_passage_by_its_best_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    # The long passage's one matching sentence is drowned in its whole-text vector; the short
    # passage shares a few characters with the query and nothing more.
    long_text = (
        "今年以来我们统筹推进各项工作。" * 6
        + "新建社区食堂五处惠及独居老人。"
        + "各项任务稳步推进成效明显。" * 6
    )
    write_report(folder / "long.txt", "甲单位工作总结", work=[long_text])
    write_report(folder / "short.txt", "乙单位工作总结", work=["社区老人活动中心完成改造。"])
    kb = make_kb(tmp_path)
    kb.ingest([folder])
    hits = kb.search("新建社区食堂五处惠及独居老人", k=2, mode="dense")
    assert hits[0].passage.source == "long.txt" and hits[0].dense_score == pytest.approx(1.0, abs=0.05)


def test_the_dense_weight_leans_on_dense_when_bm25s_best_hit_lacks_the_query_words(
    tmp_path: Path, reports: Path
) -> None:
    kb = make_kb(tmp_path, dense_weight=0.2, dense_weight_weak_match=1.0)
    kb.ingest([reports])
    worded_like_a_report = kb.search("培训干部", k=1, mode="lexical")
    top = {worded_like_a_report[0].passage.id: worded_like_a_report[0].passage}
    assert kb._dense_weight("培训干部", [(next(iter(top)), 1.0)], top) == pytest.approx(0.2)
    assert kb._dense_weight("让老人用志愿服务换取将来的照料", [(next(iter(top)), 1.0)], top) == pytest.approx(
        1.0
    )
    assert kb._dense_weight("让老人用志愿服务换取将来的照料", [], {}) == pytest.approx(
        1.0
    )  # BM25 found nothing
    assert make_kb(tmp_path, dense_weight=0.0)._dense_weight("照料", [], {}) == 0.0  # 0 keeps dense off


# ---------------------------------------------------------------- the real model, the real store


# Five files of the corpus, one of each format and encoding (UTF-8, UTF-16, GBK .txt; .md; .docx):
# embedding all 14 with the real model takes over a minute on two busy cores.
E2E_FILES = (
    "2024-青川区委组织部-年度工作总结.txt",
    "2025-青川区委组织部-上半年工作总结.docx",
    "2025-青川区委-全区组织工作会议讲话.txt",
    "2025Q3-临河县卫生健康局-情况汇报.txt",
    "2025-临河县卫生健康局-上半年工作总结.md",
)


@pytest.mark.models
def test_real_model_and_embedded_chroma_over_the_corpus(settings: Any) -> None:
    from drafting.service.components import build_knowledge_base
    from retrieval.evaluation.retrieval_eval import evaluate, load_queries

    kb = build_knowledge_base(settings)
    files = [CORPUS / name for name in E2E_FILES]
    report = kb.ingest(files)
    assert report.ok, report.summary()
    assert len(report.added) == len(E2E_FILES)
    assert kb.catalog.passage_count() > 50 and kb.store.count() == vector_count(kb.catalog)
    assert kb.embedder.name == "packaged:use-multilingual-v3" and kb.embedder.dimension == 512

    hits = kb.search("区委组织部去年办了多少期主体班，培训了多少干部", k=5)
    assert any(h.passage.source == "2024-青川区委组织部-年度工作总结.txt" for h in hits)
    dense = kb.search("家庭医生签约服务", k=5, mode="dense")
    assert len(dense) == 5 and all(h.dense_score is not None for h in dense)
    problems = kb.search("存在的问题和不足", SearchFilters(part="problems", year=2025), k=5)
    assert problems and all(h.passage.part == "problems" and h.passage.year == 2025 for h in problems)

    # The labelled queries of these files: fusion must not do worse than BM25 alone.
    queries, _ = load_queries(sorted((CORPUS.parent / "eval").glob("retrieval*.yaml")))
    result = evaluate(kb, [q for q in queries if q.source in E2E_FILES], k=5, modes=("lexical", "hybrid"))
    lexical, hybrid = result.scores
    assert result.queries >= 15 and not result.label_errors
    assert lexical.recall_at_k >= 0.8
    assert hybrid.recall_at_k >= lexical.recall_at_k

    again = kb.ingest(files)
    assert len(again.unchanged) == len(E2E_FILES) and not again.added
