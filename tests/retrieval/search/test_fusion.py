from __future__ import annotations

import pytest

from retrieval.search.fusion import (
    char_ngrams,
    collapse_near_duplicates,
    fuse,
    jaccard,
    leaning_dense_weight,
    min_max,
    word_coverage,
)

LEXICAL = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
DENSE = [("d", 0.9), ("c", 0.8), ("a", 0.3)]


@pytest.mark.parametrize("method", ["minmax", "rrf"])
def test_zero_dense_weight_reproduces_the_lexical_ranking(method: str) -> None:
    fused = fuse(LEXICAL, DENSE, 1.0, 0.0, method)  # type: ignore[arg-type]
    assert [f.id for f in fused] == ["a", "b", "c"]
    assert fused[0].lexical == 9.0 and fused[0].dense == 0.3  # raw scores are kept for display


@pytest.mark.parametrize("method", ["minmax", "rrf"])
def test_zero_lexical_weight_reproduces_the_dense_ranking(method: str) -> None:
    assert [f.id for f in fuse(LEXICAL, DENSE, 0.0, 1.0, method)] == ["d", "c", "a"]  # type: ignore[arg-type]


def test_weights_move_the_ranking() -> None:
    assert [f.id for f in fuse(LEXICAL, DENSE, 1.0, 0.1)][:2] == ["a", "b"]
    # Equal weights: c is in both lists and overtakes b, which only lexical liked.
    balanced = [f.id for f in fuse(LEXICAL, DENSE, 1.0, 1.0)]
    assert balanced.index("c") < balanced.index("b")
    assert fuse(LEXICAL, DENSE, 1.0, 1.0)[0].score == pytest.approx(1.0 + 0.0)


def test_empty_lists() -> None:
    assert fuse([], [], 1.0, 0.5) == []
    assert [f.id for f in fuse([], DENSE, 1.0, 0.5)] == ["d", "c", "a"]


def test_min_max() -> None:
    assert min_max([("a", 3.0), ("b", 1.0), ("c", 2.0)]) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert min_max([("a", 2.0), ("b", 2.0)]) == {"a": 1.0, "b": 1.0}
    assert min_max([]) == {}


def test_char_ngrams_and_jaccard() -> None:
    assert char_ngrams("党建 引领") == {"党建引", "建引领"}
    assert char_ngrams("党建") == {"党建"} and char_ngrams("  ") == frozenset()
    assert jaccard(char_ngrams("abcd"), char_ngrams("abcd")) == 1.0
    assert jaccard(char_ngrams("abcd"), char_ngrams("wxyz")) == 0.0


def test_near_duplicates_collapse_into_the_best_hit() -> None:
    paragraph = "坚持以党建引领基层治理，持续深化网格化管理服务，推动资源力量下沉一线。"
    ranked = [
        ("p1", paragraph),
        ("p2", "完全不同的一段：全年共举办各类主体班次46期。"),
        ("p3", paragraph[:-1] + "！"),  # last year's copy, one character changed
        ("p4", paragraph),
    ]
    groups = collapse_near_duplicates(ranked, lambda r: r[1], 0.85)
    assert [(best[0], [d[0] for d in dups]) for best, dups in groups] == [("p1", ["p3", "p4"]), ("p2", [])]


def test_threshold_one_keeps_everything_but_exact_copies() -> None:
    ranked = [("a", "一二三四五六"), ("b", "一二三四五七"), ("c", "一二三四五六")]
    groups = collapse_near_duplicates(ranked, lambda r: r[1], 1.0)
    assert [(best[0], [d[0] for d in dups]) for best, dups in groups] == [("a", ["c"]), ("b", [])]


def test_limit_keeps_k_hits_and_still_attaches_later_duplicates() -> None:
    ranked = [
        ("a", "一二三四五六七八"),
        ("b", "甲乙丙丁戊己庚辛"),
        ("c", "子丑寅卯辰巳午未"),
        ("d", "一二三四五六七八"),
    ]
    groups = collapse_near_duplicates(ranked, lambda r: r[1], 0.85, limit=2)
    assert [(best[0], [d[0] for d in dups]) for best, dups in groups] == [("a", ["d"]), ("b", [])]


def test_word_coverage_is_the_share_of_query_words_in_the_text() -> None:
    assert word_coverage(["时间银行", "志愿", "照料"], "推广时间银行，志愿者服务时长可兑换") == pytest.approx(
        2 / 3
    )
    assert word_coverage([], "任何文字") == 0.0


@pytest.mark.parametrize(
    ("coverage", "weight"), [(0.0, 1.0), (0.1, 1.0), (0.175, 0.6), (0.25, 0.2), (0.9, 0.2)]
)
def test_the_dense_weight_rises_linearly_as_coverage_falls(coverage: float, weight: float) -> None:
    assert leaning_dense_weight(coverage, strong=0.2, weak=1.0, low=0.1, high=0.25) == pytest.approx(weight)


def test_equal_thresholds_make_the_leaning_a_step() -> None:
    assert leaning_dense_weight(0.3, strong=0.2, weak=1.0, low=0.3, high=0.3) == 0.2
    assert leaning_dense_weight(0.29, strong=0.2, weak=1.0, low=0.3, high=0.3) == 1.0
