"""Answers the property tests (tests/test_properties.py) found mishandled, kept as plain examples."""

from __future__ import annotations

import pytest

from drafting.facts.sheet import FactsError, parse_facts_mapping
from drafting.normalising.answer import AnswerContext, normalise_answer


def texts(answer: str, subheadings: bool = False) -> list[str]:
    context = AnswerContext(base_level=2, subheadings=subheadings)
    return [p.text for p in normalise_answer(answer, context).paragraphs]


def test_emphasis_before_a_heading_or_list_mark_leaves_no_mark_behind() -> None:
    # Before: "## 一、工作" stayed in the paragraph, and "1. 举办……" kept its list number.
    assert texts("**## 一、工作\n举办培训班3期。") == ["举办培训班3期。"]
    assert texts("**1. 举办培训班3期。") == ["举办培训班3期。"]


def test_a_single_numbered_sentence_is_kept() -> None:
    # Before: taken for a heading with nothing under it and dropped, the whole answer lost.
    assert texts("1. 举办科级干部培训班3期，培训180人次。") == ["举办科级干部培训班3期，培训180人次。"]
    assert texts("1. 举办科级干部培训班3期，培训180人次。", subheadings=True) != []


def test_a_nested_bullet_loses_every_mark() -> None:
    assert texts("- - 举办培训班3期") == ["举办培训班3期。"]


def test_an_empty_heading_or_list_number_is_not_numbered_into_a_bare_number() -> None:
    assert texts("### \n举办培训班3期。", subheadings=True) == ["举办培训班3期。"]
    assert texts("1. \n举办培训班3期。") == ["举办培训班3期。"]


def test_mixed_placeholder_marks_become_one_placeholder() -> None:
    assert texts("完成投资XX××万元。") == ["完成投资【待补充：具体数字】万元。"]


def test_a_headings_value_that_is_not_text_is_a_problem_not_a_crash() -> None:
    data = {
        "kind": "half-year",
        "org": "某局",
        "period": "2026年上半年",
        "headings": [],
        "parts": {"work": ["甲"]},
    }
    with pytest.raises(FactsError, match="headings: 应为 plain"):
        parse_facts_mapping(data)
