"""Earlier documents are cleaned again when a later ingest (or a removal) changes which of their
short lines repeat across files: the fakes of test_knowledge_base, plus one run of the real cleaner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from knowledge_fixtures import ids_in_store, make_kb, vector_count, write_report

from retrieval.documents import SearchFilters
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.passage_vectors import unit_texts
from retrieval.index.vector_store import InMemoryVectorStore
from retrieval.ingest.ingestion import (
    RECLEAN_SHARED_FOUND,
    RECLEAN_SHARED_GONE,
    FacadeParser,
    ParagraphParser,
    document_id,
)
from retrieval.knowledge.knowledge_base import KnowledgeBase

HEADER = "内部资料 注意保存"


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering every text it was asked to embed."""

    def __init__(self, dimension: int = 128) -> None:
        super().__init__(dimension)
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def report_with_header(folder: Path, name: str, content: str, header: str | None = HEADER) -> Path:
    return write_report(
        folder / name,
        f"{name[0]}单位2024年全年工作总结",
        header=header,
        work=[content, f"{name}独有的正文。"],
    )


def passage_texts(kb: KnowledgeBase, path: Path) -> list[str]:
    return [p.text for p in kb.catalog.document_passages(document_id(path))]


def embedded_texts(kb: KnowledgeBase, path: Path) -> list[str]:
    """What ingest embeds for a document: every unit of every passage."""
    return [t for p in kb.catalog.document_passages(document_id(path)) for t in unit_texts(p)]


def test_a_header_shared_by_later_files_is_removed_from_the_earlier_one(tmp_path: Path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    a = report_with_header(first, "a.txt", "甲单位全年完成培训干部120人次。")
    store = InMemoryVectorStore()
    kb = make_kb(tmp_path, store=store)
    kb.ingest([a])
    assert HEADER in passage_texts(kb, a)  # alone, nothing says the line is a header

    report_with_header(later, "b.txt", "乙单位新建党群服务中心3个。")
    report_with_header(later, "c.txt", "丙单位完成老旧小区改造12个。")
    report = kb.ingest([later])

    assert report.ok and len(report.added) == 2
    assert [(Path(o.path).name, o.note) for o in report.recleaned] == [("a.txt", RECLEAN_SHARED_FOUND)]
    assert report.recleaned[0].passages == 2
    texts = passage_texts(kb, a)
    assert HEADER not in texts
    assert texts == ["甲单位全年完成培训干部120人次。", "a.txt独有的正文。"]  # content only A has stays
    record = kb.get_document("a.txt")
    assert record is not None
    assert [r.text for r in record.removed] == [HEADER] and HEADER not in record.cleaned_text
    # Vectors, catalog and lexical index all hold the new passages only.
    doc_id = document_id(a)
    assert {pid for pid in ids_in_store(store) if pid.startswith(doc_id)} == {f"{doc_id}:0", f"{doc_id}:1"}
    assert kb.catalog.passage_count() == 6 and kb.store.count() == vector_count(kb.catalog)
    assert all(h.passage.text != HEADER for h in kb.search(HEADER, k=10, mode="lexical"))
    assert "重新清洗 1 份" in report.summary()
    assert "重新清洗：a.txt（发现与其他文件共有的页眉页脚，2 段）" in report.summary()


def test_only_documents_whose_cleaned_text_changes_are_re_embedded(tmp_path: Path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    a = report_with_header(first, "a.txt", "甲单位全年完成培训干部120人次。")
    unrelated = report_with_header(first, "d.txt", "丁单位开展志愿服务40场。", header=None)
    # Holds the header as its title, which is never removed: looked at again, not re-embedded.
    titled = write_report(first / "e.txt", HEADER, work=["戊单位的正文内容。"])
    embedder = CountingEmbedder()
    kb = make_kb(tmp_path, embedder=embedder)
    assert kb.ingest([first]).ok
    embedder.texts.clear()
    generation = kb.catalog.generation()

    report_with_header(later, "b.txt", "乙单位新建党群服务中心3个。")
    report_with_header(later, "c.txt", "丙单位完成老旧小区改造12个。")
    report = kb.ingest([later])

    assert [Path(o.path).name for o in report.recleaned] == ["a.txt"]
    written = [later / "b.txt", later / "c.txt", a]
    new_units = [t for path in written for t in embedded_texts(kb, path)]
    assert sorted(embedder.texts) == sorted(new_units)  # each embedded once, nothing else
    for untouched in (unrelated, titled):
        assert not set(embedded_texts(kb, untouched)) & set(embedder.texts)
    assert kb.catalog.generation() == generation + 3  # b, c and a: nothing else was rewritten
    assert HEADER in kb.catalog.document_passages(document_id(titled))[0].title


@pytest.mark.parametrize("change", ["deleted", "edited"])
def test_an_earlier_document_whose_source_is_gone_or_changed_is_left_with_a_message(
    tmp_path: Path, change: str
) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    a = report_with_header(first, "a.txt", "甲单位全年完成培训干部120人次。")
    kb = make_kb(tmp_path)
    kb.ingest([a])
    before = passage_texts(kb, a)
    if change == "deleted":
        a.unlink()
    else:
        report_with_header(first, "a.txt", "甲单位全年完成培训干部150人次。")

    report_with_header(later, "b.txt", "乙单位新建党群服务中心3个。")
    report_with_header(later, "c.txt", "丙单位完成老旧小区改造12个。")
    report = kb.ingest([later])

    assert report.ok and len(report.added) == 2 and not report.recleaned
    assert [Path(f.path).name for f in report.not_recleaned] == ["a.txt"]
    reason = report.not_recleaned[0].reason
    assert ("不在原处" in reason) if change == "deleted" else ("已修改" in reason)
    assert "未重新清洗：a.txt：" in report.summary()
    assert passage_texts(kb, a) == before  # what the user had is kept


class FailsOn(ParagraphParser):
    """ParagraphParser that fails to parse one file (as a parser bug would)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def parse(self, doc: Any, line_index: Any, *, doc_id: str, max_chars: int) -> Any:
        if Path(doc.path).name == self.name:
            raise RuntimeError("parser bug")
        return super().parse(doc, line_index, doc_id=doc_id, max_chars=max_chars)


@pytest.mark.parametrize("stage", ["parse", "commit"])
def test_a_failure_while_re_cleaning_keeps_the_old_passages_and_vectors(tmp_path: Path, stage: str) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    a = report_with_header(first, "a.txt", "甲单位全年完成培训干部120人次。")
    d = report_with_header(first, "d.txt", "丁单位开展志愿服务40场。")
    kb = make_kb(tmp_path)
    kb.ingest([a])
    kb.ingest([d])  # a and d each hold the header: 1 other document, not yet repeated
    a_id = document_id(a)
    before = passage_texts(kb, a)
    if stage == "parse":
        kb.parser = FailsOn("a.txt")
    else:
        real_commit = kb.catalog.commit_document

        def commit(record: Any, passages: Any, tokens: Any) -> int:
            if record.id == a_id:
                raise OSError("disk full")
            return real_commit(record, passages, tokens)

        kb.catalog.commit_document = commit  # type: ignore[method-assign]

    report_with_header(later, "b.txt", "乙单位新建党群服务中心3个。")
    report = kb.ingest([later])

    assert report.ok and [Path(o.path).name for o in report.added] == ["b.txt"]
    assert [Path(o.path).name for o in report.recleaned] == ["d.txt"]  # the batch went on
    assert [Path(f.path).name for f in report.not_recleaned] == ["a.txt"]
    assert "保留原有段落" in report.not_recleaned[0].reason
    assert passage_texts(kb, a) == before and HEADER in before
    assert kb.store.count() == vector_count(kb.catalog)
    # The vector under each of a's passage ids is still that passage's own.
    hit = kb.search(HEADER, SearchFilters(doc_id=a_id), k=1, mode="dense")[0]
    assert hit.passage.text == HEADER and hit.dense_score is not None and hit.dense_score > 0.99


def test_removing_a_file_gives_the_others_back_a_line_no_longer_shared(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    paths = [
        report_with_header(folder, "a.txt", "甲单位全年完成培训干部120人次。"),
        report_with_header(folder, "b.txt", "乙单位新建党群服务中心3个。"),
        report_with_header(folder, "c.txt", "丙单位完成老旧小区改造12个。"),
    ]
    kb = make_kb(tmp_path)
    kb.ingest([folder])
    assert all(HEADER not in passage_texts(kb, p) for p in paths)

    report = kb.remove_documents(["c.txt", "absent.txt"])

    assert [Path(o.path).name for o in report.removed] == ["c.txt"]
    assert [f.path for f in report.failed] == ["absent.txt"] and not report.ok
    assert sorted((Path(o.path).name, o.note) for o in report.recleaned) == [
        ("a.txt", RECLEAN_SHARED_GONE),
        ("b.txt", RECLEAN_SHARED_GONE),
    ]
    for path in paths[:2]:
        assert HEADER in passage_texts(kb, path)
        record = kb.get_document(path.name)
        assert record is not None and not record.removed
    assert kb.catalog.passage_count() == 6 and kb.store.count() == vector_count(kb.catalog)


def test_a_new_version_without_the_header_gives_it_back_to_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    a = report_with_header(folder, "a.txt", "甲单位全年完成培训干部120人次。")
    report_with_header(folder, "b.txt", "乙单位新建党群服务中心3个。")
    report_with_header(folder, "c.txt", "丙单位完成老旧小区改造12个。")
    kb = make_kb(tmp_path)
    kb.ingest([folder])
    report_with_header(folder, "c.txt", "丙单位完成老旧小区改造15个。", header=None)

    report = kb.ingest([folder])

    assert [Path(o.path).name for o in report.replaced] == ["c.txt"]
    assert sorted(Path(o.path).name for o in report.recleaned) == ["a.txt", "b.txt"]
    assert not report.unchanged  # a and b were in the batch unchanged, but their cleaning changed
    assert HEADER in passage_texts(kb, a)


def test_an_unchanged_file_of_the_batch_is_re_cleaned_too(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    a = report_with_header(folder, "a.txt", "甲单位全年完成培训干部120人次。")
    kb = make_kb(tmp_path)
    kb.ingest([a])
    report_with_header(folder, "b.txt", "乙单位新建党群服务中心3个。")
    report_with_header(folder, "c.txt", "丙单位完成老旧小区改造12个。")

    report = kb.ingest([folder])  # a again, unchanged, with b and c

    assert [Path(o.path).name for o in report.recleaned] == ["a.txt"] and not report.unchanged
    assert HEADER not in passage_texts(kb, a)
    again = kb.ingest([folder])
    assert len(again.unchanged) == 3 and not again.recleaned  # settled: nothing flips twice


def test_the_real_cleaner_agrees_on_when_a_shared_header_counts(tmp_path: Path) -> None:
    """With retrieval.ingest.cleaning, not the test parser: the boundary the re-cleaning watches
    (REPEATED_ELSEWHERE) is the one the cleaner applies."""
    header = "青川区档案馆馆藏资料"
    body = (
        "今年以来，我们坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实上级决策部署，"
        "各项工作取得了明显成效。"
    )

    def write(folder: Path, name: str, org: str) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{org}2024年工作总结", header, "一、主要工作", f"{org}{body}", f"{org}全年完成培训任务。"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    kb = make_kb(tmp_path, parser=FacadeParser())
    a = write(tmp_path / "first", "a.txt", "甲单位")
    kb.ingest([a])
    record = kb.get_document("a.txt")
    assert record is not None and header in record.cleaned_text  # once in one file: kept

    write(tmp_path / "later", "b.txt", "乙单位")
    write(tmp_path / "later", "c.txt", "丙单位")
    report = kb.ingest([tmp_path / "later"])

    assert [Path(o.path).name for o in report.recleaned] == ["a.txt"]
    record = kb.get_document("a.txt")
    assert record is not None
    assert any(r.text == header and "份文件" in r.reason for r in record.removed)
    assert header not in record.cleaned_text
