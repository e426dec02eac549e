"""The whole stage: a raw model answer in, outline-styled paragraphs and a record of every change out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from drafting.normalising.answer import AnswerContext, normalise_answer, trim_unfinished
from drafting.normalising.numbering import numbering, strip_numbering

AREA = AnswerContext(
    base_level=2,
    section_heading="（一）党的政治建设",
    part_heading="一、2026年上半年工作开展情况",
    echoes=("党的政治建设", "工作情况"),
    fact_ids=("work.0.0",),
)


def shape(result):
    return [(p.kind, p.level, p.text) for p in result.paragraphs]


def test_numbering_follows_the_official_sequence():
    assert [numbering(1, n) for n in (1, 2, 10, 11, 20, 23)] == [
        "一、",
        "二、",
        "十、",
        "十一、",
        "二十、",
        "二十三、",
    ]
    assert [numbering(2, n) for n in (1, 12)] == ["（一）", "（十二）"]
    assert [numbering(3, 2), numbering(4, 3)] == ["2.", "（3）"]


def test_strip_numbering_removes_numbers_brackets_and_markdown():
    assert strip_numbering("## （三）党员发展和管理") == "党员发展和管理"
    assert strip_numbering("**2、讲堂**") == "讲堂"
    assert strip_numbering("十一、其他") == "其他"
    assert strip_numbering("【三】党建品牌") == "党建品牌"
    assert strip_numbering("2026年工作") == "2026年工作"  # a year is not a number prefix


@pytest.mark.parametrize(
    "echo",
    [
        "【工作情况】（一）党的政治建设",
        "【一】党的政治建设",
        "【一、2026年上半年工作开展情况】",
        "### 一、党的政治建设",
        "**（一）党的政治建设**",
        "党的政治建设",
        "# 工作情况",
    ],
)
def test_echoed_headings_in_any_numbering_style_are_dropped(echo):
    result = normalise_answer(f"{echo}\n\n坚持把政治建设摆在首位。", AREA)
    assert shape(result) == [("body", 0, "坚持把政治建设摆在首位。")]
    assert {r.reason for r in result.removals} == {"echoed_heading"}


def test_list_items_become_one_run_in_paragraph_not_headings():
    answer = (
        "主要做法如下。\n\n1. 加强理论学习\n2. 强化制度建设；\n3. 推进品牌创建。\n\n- 完善考核\n- 压实责任"
    )
    result = normalise_answer(answer, AREA)
    assert shape(result) == [
        ("body", 0, "主要做法如下。"),
        ("body", 0, "一是加强理论学习；二是强化制度建设；三是推进品牌创建。"),
        ("body", 0, "一是完善考核；二是压实责任。"),
    ]
    assert [r.reason for r in result.removals].count("list_item") == 5


def test_headings_with_text_under_them_lead_their_paragraph_when_the_outline_wants_no_subheadings():
    answer = "**1、分类施训**\n举办培训班3期。\n\n### 二、讲堂\n开设讲堂6期。\n\n**下一步**"
    result = normalise_answer(answer, AREA)
    assert shape(result) == [
        ("body", 0, "一是分类施训。举办培训班3期。"),
        ("body", 0, "二是讲堂。开设讲堂6期。"),
    ]
    assert [r.reason for r in result.removals if r.reason != "markdown"] == [
        "empty_heading",
        "heading_to_text",
        "heading_to_text",
    ]


def test_a_list_of_one_item_is_a_plain_sentence_without_an_ordinal():
    result = normalise_answer("- 开展企业新型学徒制培训800人", AREA)
    assert shape(result) == [("body", 0, "开展企业新型学徒制培训800人。")]
    assert [r.reason for r in result.removals] == ["list_item"]


def test_an_item_already_led_by_yi_shi_keeps_its_lead():
    result = normalise_answer("- 一是加强学习\n- 二是抓好实践", AREA)
    assert shape(result) == [("body", 0, "一是加强学习；二是抓好实践。")]


def test_markdown_blocks_go_and_tables_become_sentences():
    answer = "```markdown\n> 举办培训班3期。\n\n| 项目 | 数量 |\n|---|---:|\n| 培训班 | 3期 |\n| 讲堂 | 6期 |\n***\n```"
    result = normalise_answer(answer, AREA)
    assert shape(result) == [
        ("body", 0, "举办培训班3期。"),
        ("body", 0, "培训班，3期。"),
        ("body", 0, "讲堂，6期。"),
    ]
    assert {r.reason for r in result.removals} == {"markdown"}
    assert ("| 项目 | 数量 |", "") in [(r.text, r.replacement) for r in result.removals]


def test_every_habit_at_once():
    answer = (
        "<think>先列出事实。</think>好的，以下是“党的政治建设”部分的正文：\n\n"
        "## 【工作情况】（一）党的政治建设\n\n"
        "**上半年**，举办培训班３期[work.0.0]，培训XX人次，（待补充：覆盖率）。\n\n"
        "1. 加强理论学习\n2. 强化制度建设\n\n"
        "---\n以上内容可根据实际情况进一步修改完善。希望以上内容对您有所帮助！如需调整，请告诉我。"
    )
    result = normalise_answer(answer, AREA)
    assert shape(result) == [
        ("body", 0, "上半年，举办培训班3期，培训【待补充：具体数字】人次，【待补充：覆盖率】。"),
        ("body", 0, "一是加强理论学习；二是强化制度建设。"),
    ]
    reasons = {r.reason for r in result.removals}
    assert reasons >= {
        "reasoning", "preamble", "echoed_heading", "markdown", "fullwidth_digits", "fact_id",
        "placeholder", "list_item", "closing",
    }  # fmt: skip


def test_subheadings_are_renumbered_when_the_outline_asks_for_them():
    context = AnswerContext(base_level=1, part_heading="一、2026年上半年工作开展情况", subheadings=True)
    text = "# 工作开展情况\n## 学习\n（1）读书\n甲。\n（2）研讨\n乙。\n## 实践\n（1）调研\n丙。\n"
    assert shape(normalise_answer(text, context)) == [
        ("heading", 2, "（一）学习"),
        ("heading", 3, "1.读书"),
        ("body", 0, "甲。"),
        ("heading", 3, "2.研讨"),
        ("body", 0, "乙。"),
        ("heading", 2, "（二）实践"),
        ("heading", 3, "1.调研"),
        ("body", 0, "丙。"),
    ]
    levels = [p.level for p in normalise_answer("引言。\n一、甲\n正文。\n（一）乙\n正文。\n1.丙\n正文。", AnswerContext(base_level=3, subheadings=True)).paragraphs if p.kind == "heading"]  # fmt: skip
    assert levels == [4, 4, 4]


def test_a_refusal_and_an_empty_answer_give_no_paragraphs():
    refused = normalise_answer("<think>不能写</think>抱歉，我无法协助完成这个请求。")
    assert refused.refusal == "抱歉，我无法" and refused.paragraphs == []
    empty = normalise_answer("<think>只有思考</think>\n\n```\n```")
    assert empty.refusal is None and empty.paragraphs == []


def test_plain_official_prose_passes_unchanged():
    answer = "上半年，在区委的坚强领导下，举办培训班3期，培训180人次。\n\n现将有关情况报告如下："
    result = normalise_answer(answer, AREA)
    assert shape(result) == [("body", 0, t) for t in answer.split("\n\n")] and result.removals == []


def test_trim_unfinished_cuts_at_the_last_whole_sentence():
    assert trim_unfinished("举办培训班3期。培训1") == ("举办培训班3期。", "培训1")
    assert trim_unfinished("没有句号") == ("没有句号", "")


def test_the_stage_imports_only_the_domain_model_and_itself():
    package = Path(__file__).resolve().parents[3] / "drafting" / "normalising"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("drafting"):
                assert node.module == "drafting.model" or node.module.startswith("drafting.normalising"), (
                    f"{path.name} imports {node.module}"
                )
