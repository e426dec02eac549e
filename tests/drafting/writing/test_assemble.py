"""Exemplar references of paragraphs, and reading a .docx's lines back into sections."""

from __future__ import annotations

from drafting.facts.sheet import parse_facts_mapping
from drafting.outlines.outline import get_outline
from drafting.outlines.planning import plan_sections
from drafting.word.reader import split_lines_into_sections
from drafting.writing.assemble import leaned_on, longest_common_span
from retrieval.documents import Passage


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
