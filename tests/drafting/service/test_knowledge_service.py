"""The knowledge-base service: upload, list, open, search, remove, and the lock that keeps searches
out of an ingest."""

from __future__ import annotations

import threading

import pytest
from service_fixtures import REPORTS

from drafting.service.facade import DraftingService, ServiceError

# ---------------------------------------------------------------- knowledge base


def test_upload_search_remove(kb_service: DraftingService, tmp_path) -> None:
    files = sorted(p.name for p in REPORTS.iterdir() if p.suffix in {".txt", ".md", ".docx"})[:3]
    progress: list[tuple[float, str]] = []
    results = kb_service.knowledge.ingest(
        "w1", [(n, REPORTS / n) for n in files], progress=lambda f, m: progress.append((f, m))
    )
    assert [r.status for r in results] == ["新增"] * 3 and all(r.passages > 0 for r in results)
    assert progress and 0 <= progress[0][0] <= progress[-1][0] <= 1
    again = kb_service.knowledge.ingest("w1", [(files[0], REPORTS / files[0])])
    assert [r.status for r in again] == ["未变化"]
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"\x00\x01 not a pdf")
    mixed = kb_service.knowledge.ingest("w1", [("坏文件.pdf", bad), (files[1], REPORTS / files[1])])
    assert {r.status for r in mixed} == {"失败", "未变化"}
    assert next(r for r in mixed if r.status == "失败").reason

    docs = kb_service.knowledge.documents("r1")
    assert len(docs) == 3
    hits = kb_service.knowledge.search("w1", "工作", k=3)
    assert hits and len(hits) <= 3
    with pytest.raises(ServiceError, match="检索"):
        kb_service.knowledge.search("w1", "  ")
    aids = kb_service.knowledge.search_aids("w1", "卫健局明年打算怎么做")
    assert "卫生健康" in aids.related_words and aids.preferred_parts == ("plans",)
    assert kb_service.knowledge.search_aids("w1", "卫健局明年打算怎么做", part="plans").preferred_parts == ()
    doc = kb_service.knowledge.document("w1", docs[0].id)
    assert doc.cleaned_text

    with pytest.raises(ServiceError, match="删除知识库文件"):
        kb_service.knowledge.remove_document("w1", docs[0].id)
    kb_service.knowledge.remove_document("a1", docs[0].id)
    assert len(kb_service.knowledge.documents("a1")) == 2
    with pytest.raises(ServiceError, match="没有"):
        kb_service.knowledge.remove_document("a1", docs[0].id)


def test_upload_needs_files_and_a_sane_name(kb_service: DraftingService, tmp_path) -> None:
    with pytest.raises(ServiceError, match="选择"):
        kb_service.knowledge.ingest("w1", [])
    hidden = tmp_path / "x.txt"
    hidden.write_text("内容", encoding="utf-8")
    results = kb_service.knowledge.ingest("w1", [(".bashrc", hidden)])
    assert results[0].status == "失败" and "文件名" in results[0].reason


# ---------------------------------------------------------------- sharing


def test_shared_knowledge_base_keeps_searches_out_of_an_ingest() -> None:
    from drafting.service.shared_knowledge import SharedKnowledgeBase

    ingesting, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    class Fake:
        busy = False

        def ingest(self, paths, progress=None):
            self.busy = True
            ingesting.set()
            release.wait(30)
            self.busy = False
            return "report"

        def search(self, query, filters=None, k=5):
            seen.append(self.busy)
            return []

    shared = SharedKnowledgeBase(Fake())
    writer = threading.Thread(target=shared.ingest, args=([],))
    writer.start()
    assert ingesting.wait(30)
    reader = threading.Thread(target=shared.search, args=("q",))
    reader.start()
    while not shared._lock._waiters:  # the search is parked on the lock, not running
        threading.Event().wait(0.01)
    assert seen == []
    release.set()
    writer.join(30)
    reader.join(30)
    assert seen == [False]


def test_startup_ingest_rebuilds_vectors_of_another_model(settings, tmp_path) -> None:
    from service_fixtures import make_service, service_kb

    from retrieval.index.embedder import HashingEmbedder

    kb = service_kb(settings)
    service = make_service(settings, tmp_path, kb=kb)
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in sorted(p.name for p in REPORTS.iterdir() if p.suffix == ".txt")[:2]:
        (folder / name).write_bytes((REPORTS / name).read_bytes())
    first = service.knowledge.ingest_at_startup(folder)
    assert "新增 2 个" in first and "重建" not in first

    kb.embedder = HashingEmbedder(64)  # the configured model changed since the index was built
    again = service.knowledge.ingest_at_startup(folder)
    assert again.startswith(
        f"向量模型已更换，已用当前模型重建向量索引：{kb.catalog.passage_count()} 个段落。"
    )
    assert "未变化 2 个" in again
    kb.check_embedder()  # the index now belongs to the current model
    assert kb.search("工作", k=3, mode="dense")


def test_a_folder_ingested_in_the_background_reports_each_file_and_the_end(settings, tmp_path) -> None:
    from service_fixtures import make_service

    service = make_service(settings, tmp_path)
    assert service.knowledge.background_ingest("w1") is None  # no start-up ingest: no note
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in sorted(p.name for p in REPORTS.iterdir() if p.suffix == ".txt")[:2]:
        (folder / name).write_bytes((REPORTS / name).read_bytes())
    (folder / "broken.txt").write_bytes(b"\x00\x01binary" * 100)
    heard: list[tuple[float, str]] = []
    ended: list = []
    thread = service.knowledge.ingest_in_background(
        folder, on_file=lambda f, m: heard.append((f, m)), on_done=ended.append
    )
    assert service.knowledge.background_ingest("w1").folder == str(folder)
    thread.join(120)
    state = service.knowledge.background_ingest("w1")
    assert not state.running and not state.failed and state.fraction == 1.0
    assert "新增 2 个" in state.summary and "失败 1 个" in state.summary and "broken.txt" in state.summary
    assert len(heard) == 3 and state.last == heard[-1][1]
    assert ended == [state]
    assert len(service.knowledge.documents("w1")) == 2


def test_a_background_ingest_that_stops_says_so_and_the_pages_go_on(settings, tmp_path) -> None:
    from service_fixtures import make_service, service_kb

    kb = service_kb(settings)

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    kb.ingest = disk_full  # the knowledge base is the seam: its storage fails under it
    service = make_service(settings, tmp_path, kb=kb)
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("一、工作情况\n举办培训班3期。\n", encoding="utf-8")
    ended: list = []
    service.knowledge.ingest_in_background(folder, on_done=ended.append).join(60)
    state = service.knowledge.background_ingest("w1")
    assert not state.running and state.failed
    assert state.summary.startswith("入库失败（OSError") and "网页端照常使用" in state.summary
    assert ended == [state]
    assert service.knowledge.documents("w1") == []  # the pages still answer


def test_warm_up_loads_what_the_first_search_needs_and_never_raises(settings, tmp_path, caplog) -> None:
    from service_fixtures import make_service, service_kb

    from retrieval.index.embedder import HashingEmbedder

    class CountingEmbedder(HashingEmbedder):
        """The model stand-in, counting the texts it embeds (loading a real model is the first)."""

        embedded = 0

        def embed(self, texts):
            CountingEmbedder.embedded += len(texts)
            return super().embed(texts)

    kb = service_kb(settings)
    assert kb.ingest([REPORTS / "2025-东湖街道党工委-上半年工作总结.txt"]).added
    kb.embedder = CountingEmbedder()
    service = make_service(settings, tmp_path, kb=kb)
    service.knowledge.warm_up()
    assert CountingEmbedder.embedded == 1  # the query of the warm-up search
    lexical = kb._catalog_lexical  # restored or rebuilt: the first search finds it ready
    assert lexical._generation == kb.catalog.generation()

    def broken(*args, **kwargs):
        raise OSError("chroma is down")

    kb.search = broken  # type: ignore[method-assign]
    with caplog.at_level("WARNING"):
        service.knowledge.warm_up()
    assert "warming up the knowledge base failed" in caplog.text
