from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from retrieval.documents import SearchFilters
from retrieval.index.lexical import Bm25Index, RowMeta
from retrieval.index.lexical_snapshot import SNAPSHOT_FILE, load_snapshot, save_snapshot
from retrieval.index.tokens import CHAR_MARK, tokenize

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


def reference_bm25(
    rows: list[tuple[str, list[str], RowMeta]],
    weights: dict[str, float],
    part: str | None,
    k1: float = 1.2,
    b: float = 0.75,
) -> dict[str, float]:
    """BM25 as the textbook writes it, one passage at a time: the scores the index must give.
    Characters (tokens marked "@") count only for passages that share a word with the query."""
    n = len(rows)
    df: dict[str, int] = {}
    for _, tokens, _ in rows:
        for t in set(tokens):
            df[t] = df.get(t, 0) + 1
    avg = sum(len(tokens) for _, tokens, _ in rows) / n
    scores = {}
    for pid, tokens, meta in rows:
        if part is not None and meta.part != part:
            continue
        words = chars = 0.0
        for t, w in weights.items():
            tf = tokens.count(t)
            if not tf:
                continue
            idf = math.log1p((n - df[t] + 0.5) / (df[t] + 0.5))
            term = w * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(tokens) / avg))
            if t.startswith(CHAR_MARK):
                chars += term
            else:
                words += term
        if words > 0:
            scores[pid] = words + chars
    return scores


@pytest.mark.parametrize("snapshot", [False, True])
def test_scores_match_textbook_bm25_with_and_without_a_part_filter(tmp_path: Path, snapshot: bool) -> None:
    """Many passages over a small vocabulary, parts interleaved: the queries reach both ways of
    adding up character scores (a few passages found, or most of them), and a snapshot's rows
    ordered by part."""
    rng = random.Random(7)
    vocabulary = ["干部", "培训", "党员", "服务", "签约", "医生", "集体", "经济", "增长", "覆盖"]
    characters = [f"{CHAR_MARK}{c}" for c in "干部培训党员服务签约医生"]
    parts = ["work", "problems", "plans", "opening"]
    rows = []
    for n in range(400):
        tokens = rng.choices(vocabulary[: 3 + n % 8], k=rng.randint(3, 12)) + rng.choices(
            characters, k=rng.randint(5, 20)
        )
        tokens += ["光伏"] * (n % 37 == 0)
        rows.append((f"p{n}:0", tokens, RowMeta(f"p{n}", parts[n % 4], 2020 + n % 5)))
    index = Bm25Index()
    index.add_many(rows)
    if snapshot:
        path = tmp_path / SNAPSHOT_FILE
        restored = Bm25Index()
        assert load_snapshot(path, restored, save_snapshot(index, path, generation=1, tokenizer="t/1"))
        assert restored._built is not None and restored._built["part_ranges"] is not None
        index = restored
    queries = [
        {"干部": 1.0, f"{CHAR_MARK}干": 0.3, f"{CHAR_MARK}部": 0.3},  # a common word: most passages
        {
            "覆盖": 2.0,
            "医生": 1.0,
            f"{CHAR_MARK}医": 0.3,
            f"{CHAR_MARK}生": 0.3,
            f"{CHAR_MARK}服": 0.1,
        },  # rare words: a few
        {"经济": 1.0, "增长": 0.5, f"{CHAR_MARK}党": 0.2},
        {"光伏": 1.0, **{c: 0.3 for c in characters}},  # a word in 11 passages, every character
    ]
    for weights in queries:
        for part in (None, "work", "plans"):
            expected = reference_bm25(rows, weights, part)
            hits = index.search(weights, 1000, SearchFilters(part=part))  # type: ignore[arg-type]
            assert {pid for pid, _ in hits} == set(expected)
            for pid, score in hits:
                assert score == pytest.approx(expected[pid], rel=1e-5)
            assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
