from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_fixtures import make_kb, write_report

from retrieval.evaluation.retrieval_eval import evaluate, find_spans, format_result, load_queries


def test_find_spans_exact_then_ignoring_whitespace() -> None:
    text = "一、工作情况\n全年共举办主体班次46期，\n培训干部5,380人次。"
    assert find_spans(text, "主体班次46期") == [(12, 19)]
    start, end = find_spans(text, "46期，培训干部")[0]  # the cleaner may have broken the line
    assert text[start:end] == "46期，\n培训干部"
    assert find_spans(text, "不存在的句子") == [] and find_spans(text, "  ") == []


def test_load_queries_reports_malformed_entries(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "- query: 培训了多少干部\n  source: a.txt\n  answer: 培训干部\n  part: work\n"
        "- query: 缺答案\n  source: a.txt\n"
        "- just a string\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("- query: [unclosed\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("query: x\n", encoding="utf-8")
    queries, errors = load_queries([good, broken, mapping, tmp_path / "absent.yaml"])
    assert [(q.query, q.source, q.part, q.origin) for q in queries] == [
        ("培训了多少干部", "a.txt", "work", "good.yaml#1")
    ]
    assert [e.origin for e in errors] == [
        "good.yaml#2",
        "good.yaml#3",
        "broken.yaml",
        "mapping.yaml",
        "absent.yaml",
    ]


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "reports"
    write_report(
        folder / "a.txt",
        "青川区委组织部2024年全年工作总结",
        work=["全年共举办各类主体班次46期，培训干部5,380人次。", "全区村级集体经济总收入达到4,950万元。"],
    )
    write_report(
        folder / "b.txt",
        "临河县卫生健康局2025年上半年工作总结",
        work=["家庭医生签约服务覆盖率达到68%。"],
        plans=["继续推进医共体建设。"],
    )
    kb = make_kb(tmp_path)
    kb.ingest([folder])
    return kb


def test_evaluate_scores_each_mode_and_reports_label_errors(kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    queries_file = tmp_path / "q.yaml"
    queries_file.write_text(
        "- {query: 办了多少期主体班培训干部, source: a.txt, answer: 培训干部5,380人次}\n"
        "- {query: 家庭医生签约覆盖率, source: b.txt, answer: 签约服务覆盖率达到68%}\n"
        "- {query: 村集体经济收入, source: a.txt, answer: 这句话不在文中}\n"
        "- {query: 医共体, source: missing.txt, answer: 医共体}\n",
        encoding="utf-8",
    )
    queries, problems = load_queries([queries_file])
    result = evaluate(kb, queries, k=3, dense_weights=(0.0, 0.5), label_errors=problems)
    assert result.queries == 2
    assert [s.mode for s in result.scores] == [
        "lexical",
        "dense",
        "hybrid",
        "hybrid(dense=0)",
        "hybrid(dense=0.5)",
    ]
    lexical = result.scores[0]
    assert lexical.ranks == [1, 1] and lexical.recall_at_1 == lexical.mrr == 1.0
    assert [e.origin for e in result.label_errors] == ["q.yaml#3", "q.yaml#4"]
    assert "答案不在" in result.label_errors[0].reason and "没有文件" in result.label_errors[1].reason
    table = format_result(result)
    assert "R@1" in table and "R@3" in table and "标注问题 2 条" in table
    assert result.to_json()["scores"][0] == {"mode": "lexical", "r@1": 1.0, "r@3": 1.0, "mrr": 1.0}


def test_a_hit_elsewhere_in_the_right_file_is_not_correct(kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    queries_file = tmp_path / "q.yaml"
    # The query matches the first passage, but the labelled answer is in the second.
    queries_file.write_text(
        "- {query: 主体班次 培训干部, source: a.txt, answer: 村级集体经济总收入}\n", encoding="utf-8"
    )
    queries, _ = load_queries([queries_file])
    result = evaluate(kb, queries, k=1, modes=["lexical"])
    assert result.scores[0].ranks == [None] and result.scores[0].recall_at_k == 0.0
