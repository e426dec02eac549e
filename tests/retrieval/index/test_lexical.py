from __future__ import annotations

import pytest

from retrieval.documents import SearchFilters
from retrieval.index.lexical import Bm25Index, RowMeta
from retrieval.index.tokens import tokenize

PASSAGES = [
    (
        "a:0",
        RowMeta("a", "work", 2024, "2024年全年", "青川区委组织部"),
        "全年共举办各类主体班次46期，培训干部5,380人次。",
    ),
    (
        "a:1",
        RowMeta("a", "work", 2024, "2024年全年", "青川区委组织部"),
        "全区村级集体经济总收入达到4,950万元，同比增长12.3%。",
    ),
    (
        "a:2",
        RowMeta("a", "problems", 2024, "2024年全年", "青川区委组织部"),
        "农村党员老龄化问题突出，60岁以上的占41.7%。",
    ),
    (
        "b:0",
        RowMeta("b", "work", 2025, "2025年上半年", "临河县卫生健康局"),
        "家庭医生签约服务覆盖率达到68%，重点人群签约率91%。",
    ),
    (
        "b:1",
        RowMeta("b", "plans", 2025, "2025年上半年", "临河县卫生健康局"),
        "下半年继续推进家庭医生签约服务扩面提质。",
    ),
    (
        "c:0",
        RowMeta("c", "plans", 2025, "2025年上半年", "东湖街道党工委"),
        "力争新就业群体党组织覆盖率提升至75%以上。",
    ),
]


@pytest.fixture
def index() -> Bm25Index:
    index = Bm25Index()
    for pid, meta, text in PASSAGES:
        index.add(pid, tokenize(text), meta)
    return index


def search(index: Bm25Index, query: str, k: int = 5, **filters: object) -> list[str]:
    return [pid for pid, _ in index.search(tokenize(query), k, SearchFilters(**filters))]  # type: ignore[arg-type]


def test_tokenize_drops_punctuation_and_stopwords_and_keeps_numbers() -> None:
    tokens = tokenize("全年共举办各类主体班次46期，培训干部5,380人次；占41.7%的。")
    assert "，" not in tokens and "；" not in tokens and "的" not in tokens
    assert {"46", "5380", "41.7", "培训", "干部"} <= set(tokens)
    assert tokenize("") == [] and tokenize("，。！？") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("去年办了多少期主体班，培训干部多少人次", "a:0"),
        ("村集体经济收入", "a:1"),
        ("农村党员老龄化", "a:2"),
        ("家庭医生签约率", "b:0"),
        ("新就业群体党组织覆盖", "c:0"),
    ],
)
def test_right_passage_ranks_first(index: Bm25Index, query: str, expected: str) -> None:
    assert search(index, query)[0] == expected


def test_scores_are_positive_and_descending(index: Bm25Index) -> None:
    hits = index.search(tokenize("家庭医生签约服务"), 5)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert len(search(index, "家庭医生签约服务", k=1)) == 1


def test_filters_are_masks_over_rows(index: Bm25Index) -> None:
    assert search(index, "家庭医生签约服务", part="plans") == ["b:1"]
    assert set(search(index, "覆盖率", year=2025)) == {"b:0", "c:0"}
    assert search(index, "覆盖率", org="卫生") == ["b:0"]
    assert search(index, "覆盖率", period="上半年", doc_id="c") == ["c:0"]
    assert search(index, "家庭医生", exclude_ids=frozenset({"b:0"})) == ["b:1"]
    assert search(index, "家庭医生", year=2030) == []


def test_unknown_words_and_empty_index_do_not_crash(index: Bm25Index) -> None:
    assert search(index, "量子计算机芯片") == []
    assert index.search([], 5) == []
    empty = Bm25Index()
    assert len(empty) == 0 and empty.search(tokenize("培训"), 5) == []


def test_replacing_and_removing_documents(index: Bm25Index) -> None:
    index.add("a:0", tokenize("完全不同的内容：河道治理"), RowMeta("a", "work", 2024))
    assert search(index, "培训干部") == []
    assert search(index, "河道治理") == ["a:0"]
    index.remove_document("b")
    assert search(index, "家庭医生") == []
    assert len(index) == 4
    index.clear()
    assert len(index) == 0 and search(index, "河道治理") == []


def test_many_replacements_compact_without_changing_results() -> None:
    index = Bm25Index()
    for round_ in range(3):
        for n in range(600):
            index.add(f"d{n}:0", tokenize(f"第{n}段 培训干部 轮次{round_}"), RowMeta(f"d{n}", "work"))
        index.search(tokenize("培训"), 1)  # forces a rebuild, compacting dead rows when many
    assert len(index) == 600
    assert len(index._ids) < 3 * 600  # dead rows were dropped
    assert search(index, "第7段", k=1) == ["d7:0"]
