"""The lexical index snapshot: an exact round trip, used after a restart instead of reading every
passage's tokens, and ignored (then replaced) whenever it is stale, of another tokenizer or damaged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from knowledge_fixtures import make_kb as base_make_kb
from knowledge_fixtures import write_report
from test_lexical import PASSAGES

from retrieval.documents import Passage, SearchFilters
from retrieval.index import lexical_snapshot
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index, RowMeta
from retrieval.index.lexical_snapshot import SNAPSHOT_FILE, load_snapshot, read_tag, save_snapshot
from retrieval.index.tokens import tokenize
from retrieval.ingest.ingestion import document_id
from retrieval.knowledge.knowledge_base import KnowledgeBase

# The lexical tests' passages, plus one whose document has no year, period or organisation.
ROWS = [
    *PASSAGES,
    ("d:0", RowMeta("d", "work", None, None, None), "干部培训覆盖全体党员，家庭医生服务进社区。"),
]

QUERIES = ["培训干部", "家庭医生签约服务", "覆盖率", "党员 服务 干部", "下半年 推进"]
FILTERS = [
    SearchFilters(),
    SearchFilters(part="work"),
    SearchFilters(year=2025),
    SearchFilters(org="卫生"),
    SearchFilters(period="上半年"),
    SearchFilters(doc_id="b"),
    SearchFilters(exclude_ids=frozenset({"b:0"})),
]


def every_search(index: Bm25Index) -> list[list[tuple[str, float]]]:
    return [index.search(tokenize(q), 10, f) for q in QUERIES for f in FILTERS]


def test_a_restored_index_scores_exactly_like_the_saved_one_and_a_fresh_one(tmp_path: Path) -> None:
    saved = Bm25Index()
    saved.add("old:0", tokenize("将被删除的旧材料，培训干部。"), RowMeta("old", "work", 2020))
    saved.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    saved.add("a:1", tokenize("全区村级集体经济总收入达到4,950万元。"), ROWS[1][1])  # replaces a row
    saved.remove_document("old")  # leaves dead rows and unused terms behind
    live = [(pid, meta, text) for pid, meta, text in ROWS if pid != "a:1"]
    fresh = Bm25Index()
    for pid, meta, text in [*live, ("a:1", ROWS[1][1], "全区村级集体经济总收入达到4,950万元。")]:
        fresh.add(pid, tokenize(text), meta)

    path = tmp_path / SNAPSHOT_FILE
    tag = save_snapshot(saved, path, generation=7, tokenizer="t/1")
    restored = Bm25Index()
    assert load_snapshot(path, restored, tag)

    assert tag.passages == len(restored) == len(saved) == len(ROWS)
    expected = every_search(saved)
    assert any(hits for hits in expected)
    assert every_search(restored) == expected  # same ids, same order, same float scores
    assert every_search(fresh) == expected
    assert "删除" in saved._vocab and "删除" not in restored.rows().vocabulary  # only live rows' terms


def test_a_restored_index_keeps_taking_documents(tmp_path: Path) -> None:
    path = tmp_path / SNAPSHOT_FILE
    saved = Bm25Index()
    saved.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    restored = Bm25Index()
    assert load_snapshot(path, restored, save_snapshot(saved, path, generation=1, tokenizer="t/1"))
    for index in (saved, restored):
        index.remove_document("b")
        index.add("e:0", tokenize("光伏发电量同比增长，家庭医生签约。"), RowMeta("e", "work", 2026))
    assert every_search(restored) == every_search(saved)
    assert restored.search(tokenize("光伏"), 3)[0][0] == "e:0"


def test_a_stale_tag_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / SNAPSHOT_FILE
    index = Bm25Index()
    index.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    tag = save_snapshot(index, path, generation=3, tokenizer="t/1")
    untouched = Bm25Index()
    untouched.add("x:0", ["培训"], RowMeta("x", "work"))
    for stale in (
        lexical_snapshot.SnapshotTag(4, tag.passages, "t/1"),
        lexical_snapshot.SnapshotTag(3, tag.passages + 1, "t/1"),
        lexical_snapshot.SnapshotTag(3, tag.passages, "t/2"),
    ):
        assert not load_snapshot(path, untouched, stale)
    assert [pid for pid, _ in untouched.search(["培训"], 5)] == ["x:0"]


def test_a_failed_save_leaves_the_previous_snapshot_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / SNAPSHOT_FILE
    index = Bm25Index()
    index.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    tag = save_snapshot(index, path, generation=1, tokenizer="t/1")

    def disk_full(handle: Any, **arrays: Any) -> None:
        handle.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lexical_snapshot.np, "savez", disk_full)
    with pytest.raises(OSError):
        save_snapshot(index, path, generation=2, tokenizer="t/1")
    assert [p.name for p in tmp_path.iterdir()] == [SNAPSHOT_FILE]  # no temporary file left
    assert read_tag(path) == tag and load_snapshot(path, Bm25Index(), tag)


# ------------------------------------------------------------------ through the knowledge base


class CountingCatalog(Catalog):
    """The real catalog, counting full reads of the stored tokens (what a rebuild does)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.token_reads = 0
        self.while_reading: Any = None  # called once, in the middle of the next read

    def iter_passages_with_tokens(self, batch: int = 5000) -> Iterator[tuple[Passage, list[str]]]:
        self.token_reads += 1
        for n, row in enumerate(super().iter_passages_with_tokens(batch)):
            if n == 1 and self.while_reading is not None:
                self.while_reading, hook = None, self.while_reading
                hook()
            yield row


def make_kb(home: Path, *, snapshot: bool = True) -> KnowledgeBase:
    return base_make_kb(
        home,
        catalog=CountingCatalog(home / "kb.sqlite3"),
        embedder=HashingEmbedder(64),
        lexical_snapshot=home / SNAPSHOT_FILE if snapshot else None,
    )


def token_reads(kb: KnowledgeBase) -> int:
    assert isinstance(kb.catalog, CountingCatalog)
    return kb.catalog.token_reads


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    write_report(
        folder / "qc-2024.txt",
        "青川区委组织部2024年全年工作总结",
        work=["全年共举办各类主体班次46期，培训干部5,380人次。", "全区村级集体经济总收入达到4,950万元。"],
        problems=["农村党员老龄化问题突出，60岁以上的占41.7%。"],
    )
    write_report(
        folder / "lh-2025.txt",
        "临河县卫生健康局2025年上半年工作总结",
        work=["家庭医生签约服务覆盖率达到68%，重点人群签约率91%。"],
        plans=["下半年继续推进家庭医生签约服务扩面提质。"],
    )
    return folder


@pytest.fixture
def late_report(tmp_path: Path) -> Path:
    return write_report(
        tmp_path / "later" / "gf-2025.txt",
        "江城能源集团2025年一季度工作汇报",
        work=["光伏发电量同比增长23%，弃光率下降到2.1%。"],
    )


def lexical(kb: KnowledgeBase, query: str, **filters: Any) -> list[tuple[str, float]]:
    return [(h.passage.id, h.score) for h in kb.search(query, SearchFilters(**filters), k=5, mode="lexical")]


def snapshot_generation(home: Path) -> int | None:
    tag = read_tag(home / SNAPSHOT_FILE)
    return tag.generation if tag else None


def test_a_restart_loads_the_snapshot_instead_of_reading_every_passage(tmp_path: Path, reports: Path) -> None:
    first = make_kb(tmp_path)
    first.ingest([reports])
    before = {
        (q, part): lexical(first, q, part=part)
        for q in ("培训干部", "家庭医生签约", "党员")
        for part in (None, "work", "plans")
    }
    assert token_reads(first) == 1  # the first search built the index, and saved it
    assert snapshot_generation(tmp_path) == first.catalog.generation()

    restarted = make_kb(tmp_path)
    after = {key: lexical(restarted, key[0], part=key[1]) for key in before}
    assert token_reads(restarted) == 0
    assert after == before and before[("家庭医生签约", None)]


def test_without_a_snapshot_path_nothing_is_written(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path, snapshot=False)
    kb.ingest([reports])
    assert lexical(kb, "培训干部")
    assert not (tmp_path / SNAPSHOT_FILE).exists()


def test_an_ingest_batch_saves_the_snapshot_once(
    tmp_path: Path, reports: Path, late_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports / "qc-2024.txt"])
    assert lexical(kb, "培训干部")
    saves: list[int] = []
    real_save = lexical_snapshot.save_snapshot

    def counting_save(index: Bm25Index, path: Path, *, generation: int, tokenizer: str) -> Any:
        saves.append(generation)
        return real_save(index, path, generation=generation, tokenizer=tokenizer)

    monkeypatch.setattr(lexical_snapshot, "save_snapshot", counting_save)
    kb.ingest([reports / "lh-2025.txt", late_report])  # two documents, one save
    assert saves == [kb.catalog.generation()]
    kb.ingest([reports / "lh-2025.txt"])  # unchanged: nothing to save
    assert len(saves) == 1

    restarted = make_kb(tmp_path)
    assert lexical(restarted, "光伏发电量")[0][0].startswith(document_id(late_report))
    assert token_reads(restarted) == 0


def test_an_ingest_in_a_fresh_process_starts_from_the_snapshot(
    tmp_path: Path, reports: Path, late_report: Path
) -> None:
    ui = make_kb(tmp_path)
    ui.ingest([reports])
    assert lexical(ui, "培训干部")  # builds and saves

    cli = make_kb(tmp_path)  # `drafter ingest`: never searches
    cli.ingest([late_report])
    assert token_reads(cli) == 0
    assert snapshot_generation(tmp_path) == cli.catalog.generation()

    restarted = make_kb(tmp_path)
    assert lexical(restarted, "光伏发电量")[0][0].startswith(document_id(late_report))
    assert lexical(restarted, "家庭医生签约") == lexical(ui, "家庭医生签约")
    assert token_reads(restarted) == 0


def test_removing_documents_keeps_the_snapshot_current(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path)
    kb.ingest([reports])
    assert lexical(kb, "家庭医生签约")
    assert kb.remove("lh-2025.txt") is not None
    assert snapshot_generation(tmp_path) == kb.catalog.generation()

    restarted = make_kb(tmp_path)
    assert lexical(restarted, "家庭医生签约") == lexical(kb, "家庭医生签约")
    assert all(
        not pid.startswith(document_id(reports / "lh-2025.txt")) for pid, _ in lexical(restarted, "服务")
    )
    assert token_reads(restarted) == 0


@pytest.mark.parametrize("change", ["adds a document", "rewrites one, same passage count"])
def test_a_snapshot_made_stale_by_another_process_is_not_used(
    tmp_path: Path, reports: Path, late_report: Path, change: str
) -> None:
    ui = make_kb(tmp_path)
    ui.ingest([reports])
    assert lexical(ui, "培训干部")
    saved_at = snapshot_generation(tmp_path)

    other = make_kb(tmp_path, snapshot=False)  # another process, writing no snapshot
    if change == "adds a document":
        other.ingest([late_report])
        query, source = "光伏发电量", late_report
    else:
        write_report(
            reports / "lh-2025.txt",
            "临河县卫生健康局2025年上半年工作总结",
            work=["县域医共体建设持续推进，基层就诊率达到65%。"],
            plans=["下半年继续推进家庭医生签约服务扩面提质。"],
        )
        other.ingest([reports / "lh-2025.txt"])
        assert other.catalog.passage_count() == ui.catalog.passage_count()
        query, source = "县域医共体", reports / "lh-2025.txt"
    assert snapshot_generation(tmp_path) == saved_at != other.catalog.generation()

    restarted = make_kb(tmp_path)
    assert lexical(restarted, query)[0][0].startswith(document_id(source))
    assert token_reads(restarted) == 1  # rebuilt from the catalog …
    assert snapshot_generation(tmp_path) == other.catalog.generation()  # … and saved again


SOLAR = [
    "光伏发电量同比增长23%，弃光率下降到2.1%，新能源消纳能力明显增强。",
    "新建分布式光伏电站12座，年发电量突破3亿千瓦时，带动就业600余人。",
    "光伏扶贫项目惠及农户1500户，户均年增收3000元，运维机制不断健全。",
]


def solar_report(folder: Path, n: int) -> Path:
    return write_report(folder / f"n{n}.txt", f"新能源单位{n}2025年工作总结", work=[SOLAR[n]])


def forget_catalog(home: Path) -> None:
    """Delete the catalog but not the snapshot beside it (a user starting over by hand)."""
    for path in home.glob("kb.sqlite3*"):
        path.unlink()


def test_a_snapshot_of_a_deleted_catalog_is_not_used_by_search(tmp_path: Path, reports: Path) -> None:
    old = make_kb(tmp_path)
    old.ingest([reports])
    assert lexical(old, "培训干部")
    old.catalog.close()
    forget_catalog(tmp_path)

    new = make_kb(tmp_path, snapshot=False)  # reaches the same generation with other passages
    for n in range(2):
        new.ingest([solar_report(tmp_path / "new", n)])
    restarted = make_kb(tmp_path)
    assert restarted.catalog.generation() == snapshot_generation(tmp_path)
    assert {pid.split(":")[0] for pid, _ in lexical(restarted, "光伏发电量 培训干部")} == {
        document_id(tmp_path / "new" / f"n{n}.txt") for n in range(2)
    }
    assert token_reads(restarted) == 1


def test_a_snapshot_of_a_deleted_catalog_is_not_used_by_ingest(tmp_path: Path, reports: Path) -> None:
    old = make_kb(tmp_path)
    old.ingest([reports])
    assert lexical(old, "培训干部")
    old.catalog.close()
    forget_catalog(tmp_path)

    # Three documents in one batch: the third one's commit finds a snapshot one generation older.
    new = make_kb(tmp_path)
    folder = tmp_path / "new"
    for n in range(3):
        solar_report(folder, n)
    new.ingest([folder])
    assert (snapshot_generation(tmp_path), new.catalog.generation()) == (2, 3)  # not used, not saved
    assert {pid.split(":")[0] for pid, _ in lexical(new, "光伏发电量 培训干部")} == {
        document_id(folder / f"n{n}.txt") for n in range(3)
    }


def test_an_index_read_while_another_process_wrote_is_not_saved(
    tmp_path: Path, reports: Path, late_report: Path
) -> None:
    make_kb(tmp_path, snapshot=False).ingest([reports])
    kb = make_kb(tmp_path)
    assert isinstance(kb.catalog, CountingCatalog)
    kb.catalog.while_reading = lambda: make_kb(tmp_path, snapshot=False).ingest([late_report])
    lexical(kb, "培训干部")
    assert not (tmp_path / SNAPSHOT_FILE).exists()  # it may hold half of the other ingest
    assert lexical(kb, "光伏发电量")  # the next search reloads
    assert token_reads(kb) == 2
    assert snapshot_generation(tmp_path) == kb.catalog.generation()


def damage_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a snapshot\xff" * 100)


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def damage_foreign(path: Path) -> None:
    with path.open("wb") as handle:
        np.savez(handle, weights=np.arange(10))


def _damage_array(path: Path, name: str) -> None:
    """Right tag, right format and shapes; one array's values past what they index."""
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays[name] = arrays[name] + 10_000
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def damage_inconsistent(path: Path) -> None:
    """Posting lists that point past the passages: found by the first search that reads them."""
    _damage_array(path, "weights_indices")


@pytest.mark.parametrize(
    "damage", [damage_truncated, damage_garbage, damage_empty, damage_foreign, damage_inconsistent]
)
def test_a_damaged_snapshot_is_ignored_and_replaced(
    tmp_path: Path, reports: Path, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    first = make_kb(tmp_path)
    first.ingest([reports])
    expected = lexical(first, "家庭医生签约")
    damage(tmp_path / SNAPSHOT_FILE)

    restarted = make_kb(tmp_path)
    with caplog.at_level(logging.WARNING, logger="retrieval.index.lexical_snapshot"):
        assert lexical(restarted, "家庭医生签约") == expected
    assert token_reads(restarted) == 1
    assert "ignoring the lexical index snapshot" in caplog.text
    assert snapshot_generation(tmp_path) == restarted.catalog.generation()  # replaced by a good one
    assert token_reads(make_kb(tmp_path)) == 0


def test_damaged_term_ids_are_found_when_the_index_first_changes(
    tmp_path: Path, reports: Path, late_report: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = make_kb(tmp_path)
    first.ingest([reports])
    expected = lexical(first, "家庭医生签约")
    _damage_array(tmp_path / SNAPSHOT_FILE, "terms")  # read only to recompute weights after a change

    restarted = make_kb(tmp_path)
    assert lexical(restarted, "家庭医生签约") == expected  # the weights it searches are whole
    with caplog.at_level(logging.WARNING, logger="retrieval.index.lexical_sync"):
        restarted.ingest([late_report])
        hits = lexical(restarted, "光伏发电量")
    assert "ignoring the lexical index snapshot" in caplog.text
    assert hits and hits[0][0].startswith(document_id(late_report))
    assert token_reads(restarted) == 1  # rebuilt from the catalog, then saved whole
    assert snapshot_generation(tmp_path) == restarted.catalog.generation()
    assert token_reads(make_kb(tmp_path)) == 0


def test_a_new_tokenizer_version_invalidates_the_snapshot(
    tmp_path: Path, reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_kb(tmp_path)
    first.ingest([reports])
    expected = lexical(first, "家庭医生签约")

    # As if the code now tokenised differently while the catalog's tokens stayed as they are
    # (re-tokenising would also change the generation; the version alone must be enough).
    monkeypatch.setattr("retrieval.index.lexical_sync.TOKENIZER_VERSION", "test-tokenizer/99")
    first.catalog.set_meta("tokenizer", "test-tokenizer/99")
    restarted = make_kb(tmp_path)
    assert lexical(restarted, "家庭医生签约") == expected
    assert token_reads(restarted) == 1
    tag = read_tag(tmp_path / SNAPSHOT_FILE)
    assert tag is not None and tag.tokenizer == "test-tokenizer/99"


def test_a_snapshot_that_cannot_be_written_does_not_break_search(
    tmp_path: Path, reports: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lexical_snapshot, "save_snapshot", read_only)
    kb = make_kb(tmp_path)
    with caplog.at_level(logging.WARNING, logger="retrieval.index.lexical_snapshot"):
        kb.ingest([reports])
        assert lexical(kb, "家庭医生签约")
    assert "could not save the lexical index snapshot" in caplog.text


def _mapped(array: Any) -> bool:
    """Whether the array's memory comes from a file mapping (and so is shared between processes)."""
    import mmap

    while array is not None:
        if isinstance(array, np.memmap | mmap.mmap):
            return True
        array = getattr(array, "base", None)
    return False


def test_a_restored_index_searches_straight_from_the_mapped_file(tmp_path: Path) -> None:
    saved = Bm25Index()
    saved.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    path = tmp_path / SNAPSHOT_FILE
    restored = Bm25Index()
    assert load_snapshot(path, restored, save_snapshot(saved, path, generation=3, tokenizer="t/1"))

    built = restored._built  # loaded with the rows: no rebuild before the first search
    assert built is not None
    assert all(_mapped(a) for a in (built["data"], built["indices"], restored._terms, restored._counts))
    assert every_search(restored) == every_search(saved)
    assert len(restored) == len(ROWS) and "b:0" in restored._row_of and "干部" in restored._vocab

    # A change copies the mapped rows into the process first: the file is never written through.
    before = path.read_bytes()
    for index in (saved, restored):
        index.remove_document("b")
        index.add("e:0", tokenize("新增的培训干部材料。"), RowMeta("e", "work", 2026))
    assert path.read_bytes() == before
    assert every_search(restored) == every_search(saved)


def test_once_saved_the_index_is_the_mapped_snapshot(tmp_path: Path, reports: Path) -> None:
    kb = make_kb(tmp_path / "home")
    kb.ingest([reports])
    hits = lexical(kb, "家庭医生签约")  # the first search reads the catalog, saves, maps the file
    index = kb.lexical
    assert isinstance(index, Bm25Index)
    assert index._built is not None
    assert _mapped(index._terms) and _mapped(index._built["data"])
    assert hits[0][0].startswith(document_id(reports / "lh-2025.txt"))
    assert lexical(kb, "家庭医生签约") == hits


def test_a_compressed_snapshot_is_refused_and_rebuilt(tmp_path: Path) -> None:
    saved = Bm25Index()
    saved.add_many((pid, tokenize(text), meta) for pid, meta, text in ROWS)
    path = tmp_path / SNAPSHOT_FILE
    tag = save_snapshot(saved, path, generation=1, tokenizer="t/1")
    with np.load(path) as npz:
        members = {name: npz[name] for name in npz.files}
    with path.open("wb") as handle:
        np.savez_compressed(handle, **members)  # members deflated: nothing to map
    assert not load_snapshot(path, Bm25Index(), tag)
