from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from retrieval.documents import Passage, RemovedLine, SearchFilters
from retrieval.index import catalog as catalog_module
from retrieval.index.catalog import Catalog, DocumentRecord, OutlineEntry


def record(doc_id: str = "d1", **overrides: object) -> DocumentRecord:
    values: dict = dict(
        id=doc_id,
        path=f"/data/{doc_id}.txt",
        source=f"{doc_id}.txt",
        sha256="0" * 64,
        title="青川区委组织部2025年上半年工作总结",
        period="2025年上半年",
        year=2025,
        org="青川区委组织部",
        kind="half-year",
        encoding="gb18030",
        cleaned_text="标题\n正文一\n正文二",
        removed=[RemovedLine(3, "第 2 页", "页码")],
        outline=[OutlineEntry("一、上半年工作情况", "work", 1)],
    )
    values.update(overrides)
    return DocumentRecord(**values)


def passage(doc_id: str, n: int, part: str = "work") -> Passage:
    return Passage(
        id=f"{doc_id}:{n}", doc_id=doc_id, text=f"正文{n}", source=f"{doc_id}.txt", title="标题",
        period="2025年上半年", year=2025, org="青川区委组织部", kind="half-year", part=part,  # type: ignore[arg-type]
        heading="一、上半年工作情况", start=3 + 4 * n, end=6 + 4 * n,
    )  # fmt: skip


def test_new_file_is_migrated_to_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    assert catalog.schema_version == len(catalog_module.MIGRATIONS)
    mode = sqlite3.connect(tmp_path / "kb.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_migrations_are_applied_once_and_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kb.sqlite3"
    Catalog(path).commit_document(record(), [passage("d1", 0)], [["正文"]])
    extra = "CREATE TABLE drafts_seen (id TEXT PRIMARY KEY); INSERT INTO drafts_seen VALUES ('x')"
    monkeypatch.setattr(catalog_module, "MIGRATIONS", [*catalog_module.MIGRATIONS, extra])
    reopened = Catalog(path)
    assert reopened.schema_version == len(catalog_module.MIGRATIONS)
    assert reopened.document_count() == 1  # data survives a migration
    Catalog(path)  # a second open must not re-run the migration (the INSERT would fail)
    assert reopened._query("SELECT COUNT(*) FROM drafts_seen")[0][0] == 1


def test_commit_replace_and_remove_a_document(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    generation = catalog.commit_document(
        record(), [passage("d1", 0), passage("d1", 1, "plans")], [["正文", "零"], ["一"]]
    )
    assert generation == catalog.generation() == 1
    stored = catalog.get_document("d1")
    assert stored is not None
    assert stored.passage_count == 2 and stored.encoding == "gb18030"
    assert stored.removed == [RemovedLine(3, "第 2 页", "页码")]
    assert stored.outline == [OutlineEntry("一、上半年工作情况", "work", 1)]
    assert catalog.passages(["d1:1", "nope"]) == {"d1:1": passage("d1", 1, "plans")}
    assert [t for _, t in catalog.iter_passages_with_tokens()] == [["正文", "零"], ["一"]]

    catalog.commit_document(record(sha256="1" * 64), [passage("d1", 0)], [["正文"]])
    assert catalog.document_sha("d1") == "1" * 64
    assert [p.id for p in catalog.document_passages("d1")] == ["d1:0"]
    assert catalog.passage_count() == 1 and catalog.has_documents()

    assert catalog.remove_document("d1") and not catalog.remove_document("d1")
    assert catalog.document_count() == catalog.passage_count() == 0
    assert not catalog.has_documents()
    assert catalog.generation() == 3


def test_a_failed_commit_leaves_nothing(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    with pytest.raises(ValueError):
        catalog.commit_document(record(), [passage("d1", 0)], [])
    duplicate = [passage("d1", 0), passage("d1", 0)]
    with pytest.raises(sqlite3.IntegrityError):
        catalog.commit_document(record(), duplicate, [["a"], ["b"]])
    assert catalog.document_count() == 0 and catalog.generation() == 0


def test_listing_and_lookups(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    catalog.commit_document(record("d1"), [passage("d1", 0)], [["a"]])
    catalog.commit_document(
        record("d2", year=2024, org="临河县卫生健康局", period="2024年全年"), [passage("d2", 0)], [["b"]]
    )
    listed = catalog.list_documents()
    assert [d.id for d in listed] == ["d1", "d2"] and listed[0].cleaned_text == ""  # listing stays cheap
    assert [d.id for d in catalog.documents_where(source="d2.txt")] == ["d2"]
    assert catalog.documents_where(path="/data/d1.txt")[0].cleaned_text == "标题\n正文一\n正文二"
    assert catalog.doc_ids_matching(SearchFilters(year=2024)) == ["d2"]
    assert catalog.doc_ids_matching(SearchFilters(org="组织部")) == ["d1"]
    assert catalog.doc_ids_matching(SearchFilters(period="上半年", doc_id="d2")) == []


def test_line_index_counts_other_documents(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    catalog.register_fingerprints("d1", ["header", "footer"])
    catalog.register_fingerprints("d2", ["header"])
    catalog.register_fingerprints("d3", ["header", "footer", "footer"])
    assert catalog.line_index("d1").documents_containing("header") == 2
    assert catalog.line_index("d1").documents_containing("footer") == 1
    assert catalog.line_index("d9").documents_containing("header") == 3
    assert catalog.line_index("d1").documents_containing("unknown") == 0
    catalog.register_fingerprints("d3", ["other"])  # re-registering replaces
    assert catalog.line_index("d1").documents_containing("footer") == 0


def test_orphan_fingerprints_of_uncommitted_documents_are_dropped(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    catalog.commit_document(record("d1"), [passage("d1", 0)], [["a"]])
    catalog.register_fingerprints("d1", ["header"])
    catalog.register_fingerprints("never-committed", ["header"])
    assert catalog.drop_orphan_fingerprints() == 1
    assert catalog.line_index("x").documents_containing("header") == 1


def test_many_ids_are_looked_up_in_chunks(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "kb.sqlite3")
    passages = [passage("d1", n) for n in range(1200)]
    catalog.commit_document(record(), passages, [["x"]] * len(passages))
    assert len(catalog.passages([p.id for p in passages] + ["missing"])) == 1200


def test_reads_run_side_by_side_and_see_every_commit(tmp_path: Path) -> None:
    # Searches read on connections of their own while an ingest writes: a reader never waits for
    # the writer, and every read after a commit sees it.
    catalog = Catalog(tmp_path / "kb.sqlite3")
    catalog.commit_document(record("d0"), [passage("d0", 0)], [["正文"]])
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                count = catalog.document_count()
                assert count >= 1 and catalog.passages(["d0:0"])
                seen.append(count)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for n in range(1, 21):
        catalog.commit_document(record(f"d{n}"), [passage(f"d{n}", 0)], [["正文"]])
        assert catalog.document_count() == n + 1  # the writer's own next read sees its commit
    stop.set()
    for thread in readers:
        thread.join()
    assert not errors
    assert seen and max(seen) <= 21
    catalog.close()
    with pytest.raises(sqlite3.ProgrammingError):
        catalog.document_count()  # closed: the readers too, not only the writer


def test_reads_inside_a_transaction_see_its_own_rows(tmp_path: Path) -> None:
    # The ingest checks what it wrote before committing; a reader connection would not see it.
    catalog = Catalog(tmp_path / "kb.sqlite3")
    with catalog._transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('probe', 'uncommitted')")
        assert catalog.get_meta("probe") == "uncommitted"
    assert catalog.get_meta("probe") == "uncommitted"


def test_an_in_memory_catalog_reads_its_own_data() -> None:
    catalog = Catalog(":memory:")
    catalog.commit_document(record(), [passage("d1", 0)], [["正文"]])
    assert catalog.document_count() == 1 and catalog.passages(["d1:0"])
