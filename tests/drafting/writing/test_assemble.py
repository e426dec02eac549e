"""Turning model output into outline-numbered paragraphs, exemplar references, and reading a
.docx's lines back into sections."""

from __future__ import annotations

from drafting.facts.sheet import parse_facts_mapping
from drafting.outlines.outline import get_outline
from drafting.outlines.planning import plan_sections
from drafting.word.reader import split_lines_into_sections
from drafting.writing.assemble import leaned_on, longest_common_span, numbering, split_answer, strip_numbering
from retrieval.documents import Passage


def shape(paragraphs):
    return [(p.kind, p.level, p.text) for p in paragraphs]


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


def test_strip_numbering_removes_numbers_and_markdown():
    assert strip_numbering("## （三）党员发展和管理") == "党员发展和管理"
    assert strip_numbering("**2、讲堂**") == "讲堂"
    assert strip_numbering("十一、其他") == "其他"
    assert strip_numbering("2026年工作") == "2026年工作"  # a year is not a number prefix


def test_plain_paragraphs_split_on_lines_and_lose_indents_and_fences():
    text = "```\n\u3000\u3000第一段。\n\n第二段，\n第三段。\n---\n```"
    assert shape(split_answer(text, base_level=2)) == [
        ("body", 0, "第一段。"),
        ("body", 0, "第二段，"),
        ("body", 0, "第三段。"),
    ]
    assert split_answer("", base_level=2) == []


def test_repeated_section_heading_is_dropped_and_subheadings_renumbered():
    text = "（一）干部教育培训\n\n一是分类施训。培训180人次。\n\n1、加强学习\n正文甲。\n3、抓好实践\n正文乙。"
    paragraphs = split_answer(text, base_level=2, section_heading="（一）干部教育培训")
    assert shape(paragraphs) == [
        ("body", 0, "一是分类施训。培训180人次。"),
        ("heading", 3, "1.加强学习"),
        ("body", 0, "正文甲。"),
        ("heading", 3, "2.抓好实践"),
        ("body", 0, "正文乙。"),
    ]


def test_nested_styles_take_successive_levels_and_counters_reset():
    text = "# 工作开展情况\n## 学习\n（1）读书\n甲。\n（2）研讨\n乙。\n## 实践\n（1）调研\n丙。\n"
    paragraphs = split_answer(text, base_level=1, part_heading="一、2026年上半年工作开展情况")
    assert shape(paragraphs) == [
        ("heading", 2, "（一）学习"),
        ("heading", 3, "1.读书"),
        ("body", 0, "甲。"),
        ("heading", 3, "2.研讨"),
        ("body", 0, "乙。"),
        ("heading", 2, "（二）实践"),
        ("heading", 3, "1.调研"),
        ("body", 0, "丙。"),
    ]


def test_fact_ids_the_model_copied_are_removed():
    text = "举办培训班3期[work.0.0]，培训180人次 [work.0.1]。\n【plans.1.0】建立回访制度。"
    assert shape(split_answer(text, base_level=2)) == [
        ("body", 0, "举办培训班3期，培训180人次。"),
        ("body", 0, "建立回访制度。"),
    ]


def test_run_in_numbered_sentences_stay_body_and_trailing_headings_go():
    text = "1.加强学习。全年组织集中学习12次，覆盖全体干部。\n**下一步**"
    assert shape(split_answer(text, base_level=2)) == [
        ("body", 0, "1.加强学习。全年组织集中学习12次，覆盖全体干部。")
    ]


def test_levels_never_go_past_four():
    text = "引言。\n一、甲\n正文。\n（一）乙\n正文。\n1.丙\n正文。"
    levels = [p.level for p in split_answer(text, base_level=3) if p.kind == "heading"]
    assert levels == [4, 4, 4]


def make_passage(text: str, start: int = 500) -> Passage:
    return Passage("d:7", "d", text, "2025.txt", "2025年总结", "2025年", 2025, "某部", "half-year", "work", "一、工作",
                   start, start + len(text))  # fmt: skip


def test_leaned_on_points_at_the_shared_run_in_document_offsets():
    passage = make_passage("我们坚持把干部教育培训作为基础性工程来抓，成效明显。")
    (ref,) = leaned_on(
        "坚持把干部教育培训作为基础性工程，举办培训班3期。", [passage, make_passage("毫不相干的内容")]
    )
    assert ref.passage_id == "d:7"
    assert (
        passage.text[ref.start - passage.start : ref.end - passage.start]
        == "坚持把干部教育培训作为基础性工程"
    )
    assert leaned_on("今天天气很好。", [passage]) == []
    assert leaned_on("任何文字", []) == []


def test_longest_common_span():
    assert longest_common_span("abcdef", "xxcdeyy") == (3, 2, 5)
    assert longest_common_span("abc", "xyz") == (0, 0, 0)


def test_docx_lines_go_back_into_their_sections(settings):
    sheet = parse_facts_mapping(
        {
            "kind": "half-year",
            "org": "云溪区委组织部",
            "period": "2026年上半年",
            "parts": {
                "work": [{"area": "人才工作", "facts": ["引进人才18名"]}],
                "plans": [{"area": "人才工作", "facts": ["建立回访制度"]}],
            },
        }
    )
    specs = plan_sections(get_outline(settings.outlines_dir, "half-year"), sheet)
    lines = [
        "云溪区委组织部2026年上半年工作总结和下半年工作计划",
        "上半年，我部……",
        "一、2026年上半年工作开展情况",
        "（一）人才工作",
        "引进人才18名。",
        "二、存在的问题和不足",
        "【待补充：问题】",
        "三、下半年工作计划",
        "下半年，重点抓好以下几个方面：",
        "（一）人才工作",
        "建立回访制度。",
        "云溪区委组织部",
        "2026年7月6日",
    ]
    draft = split_lines_into_sections(lines, sheet, specs)
    assert draft.title == lines[0]
    assert [(s.key, [p.text for p in s.paragraphs]) for s in draft.sections] == [
        ("opening", ["上半年，我部……"]),
        ("work", []),
        ("work:0", ["引进人才18名。"]),
        ("problems", ["【待补充：问题】"]),
        ("plans", ["下半年，重点抓好以下几个方面："]),
        ("plans:0", ["建立回访制度。"]),
    ]
    assert draft.signature == "云溪区委组织部" and draft.date == "2026年7月6日"
