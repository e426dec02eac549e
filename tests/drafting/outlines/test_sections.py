from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from drafting.facts.files import parse_facts_file
from drafting.facts.sheet import parse_facts_mapping
from drafting.outlines.outline import load_outlines
from drafting.outlines.planning import (
    chinese_ordinal,
    numbering_rule,
    part_heading,
    plan_sections,
    section_variables,
    short_next_period,
)

REPO = Path(__file__).resolve().parents[3]
OUTLINES = load_outlines(REPO / "prompts" / "outlines")


def _sample(kind: str):
    return parse_facts_file(REPO / "corpus" / "facts" / f"{kind}.yaml")


def _plan(kind: str):
    sheet = _sample(kind)
    return {s.key: s for s in plan_sections(OUTLINES[kind], sheet)}, sheet


def test_half_year_plan_follows_the_outline() -> None:
    specs, sheet = _plan("half-year")
    assert list(specs) == [
        "opening", "work:0", "work:1", "work:2", "work:3", "problems", "plans:0", "plans:1", "plans:2", "closing"
    ]  # fmt: skip
    assert (specs["opening"].heading, specs["opening"].level, specs["closing"].heading) == ("", 0, "")
    work = specs["work:0"]
    assert (work.heading, work.level, work.area, work.part_heading) == (
        "（一）扎实开展干部教育培训", 2, "干部教育培训", "一、2026年上半年工作开展情况"
    )  # fmt: skip
    assert [f.id for f in work.facts] == ["work.0.0", "work.0.1", "work.0.2"]
    assert specs["work:3"].heading == "（四）着力加强人才工作" and specs["work:3"].part_heading == ""
    assert (specs["work:3"].index, specs["work:3"].count) == (3, 4)
    assert (specs["problems"].heading, specs["problems"].level) == ("二、存在的问题和不足", 1)
    assert len(specs["problems"].facts) == 3
    assert specs["plans:0"].part_heading == "三、下半年工作计划"
    assert specs["opening"].facts == sheet.parts["opening"][0].facts


def test_year_end_plan() -> None:
    specs, _ = _plan("year-end")
    assert specs["work:0"].part_heading == "一、2025年工作开展情况"
    assert specs["plans:0"].part_heading == "三、2026年工作计划"
    assert [f.area for f in specs["problems"].facts] == ["人才队伍", "服务能力", None]


def test_quarterly_plan_has_highlights_and_inline_plans() -> None:
    specs, _ = _plan("quarterly")
    assert specs["work:0"].heading == "（一）突出一个“稳”字，扎实做好稳就业工作"
    assert specs["work:0"].keyword == "稳"
    assert specs["work:0"].part_heading == "一、2026年第一季度主要工作"
    assert (specs["plans:0"].heading, specs["plans:0"].level) == ("", 0)
    assert specs["plans:0"].part_heading == "三、第二季度工作打算"
    assert specs["problems"].heading == "二、存在的困难和问题"


def test_speech_plan_runs_review_inline_and_tasks_with_headings() -> None:
    specs, _ = _plan("speech")
    assert [specs[k].heading for k in ("work:0", "work:1", "work:2")] == ["", "", ""]
    assert specs["work:0"].part_heading == "一、客观总结2025年工作，进一步坚定做好工作的信心"
    assert specs["plans:0"].heading == "（一）着力加强干部队伍建设"
    assert specs["plans:0"].part_heading == "三、突出工作重点，扎实做好2026年各项工作"
    assert specs["closing"].facts[0].text.startswith("各级党组织")


def test_required_parts_without_facts_still_get_a_section() -> None:
    sheet = parse_facts_mapping(
        {
            "kind": "half-year",
            "org": "某局",
            "period": "2026年上半年",
            "parts": {"work": [{"facts": ["完成任务"]}]},
        },
        kinds=OUTLINES,
    )
    specs = {s.key: s for s in plan_sections(OUTLINES["half-year"], sheet)}
    assert list(specs) == ["opening", "work:0", "problems", "plans:0", "closing"]
    assert specs["problems"].facts == () and specs["plans:0"].facts == ()
    assert specs["plans:0"].part_heading == "三、下半年工作计划"
    assert specs["work:0"].heading == ""  # facts without an area get no heading of their own


def test_optional_parts_without_facts_are_left_out_and_numbering_closes_up() -> None:
    outline = OUTLINES["half-year"]
    parts = tuple(dataclasses.replace(p, required=p.part != "problems") for p in outline.parts)
    lenient = dataclasses.replace(outline, parts=parts)
    sheet = parse_facts_mapping(
        {
            "kind": "half-year",
            "org": "某局",
            "period": "2025年下半年",
            "parts": {"plans": [{"area": "A", "facts": ["x"]}]},
        },
        kinds=OUTLINES,
    )
    specs = {s.key: s for s in plan_sections(lenient, sheet)}
    assert "problems" not in specs
    assert specs["plans:0"].part_heading == "二、2026年上半年工作计划"


def test_arabic_area_numbering() -> None:
    outline = OUTLINES["year-end"]
    parts = tuple(
        dataclasses.replace(p, area_numbering="1.") if p.part == "work" else p for p in outline.parts
    )
    specs = plan_sections(dataclasses.replace(outline, parts=parts), _sample("year-end"))
    assert [s.heading for s in specs if s.part == "work"][:2] == [
        "1.扎实做好基层医疗服务能力建设",
        "2.用心做好公共卫生工作",
    ]


def test_part_heading_and_ordinals() -> None:
    sheet = _sample("half-year")
    outline = OUTLINES["half-year"]
    assert part_heading(outline, "work", sheet, 0) == "一、2026年上半年工作开展情况"
    assert part_heading(outline, "plans", sheet, 2) == "三、下半年工作计划"
    assert part_heading(outline, "opening", sheet, 0) == ""
    assert [chinese_ordinal(n) for n in (1, 9, 10, 11, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
    assert short_next_period("2026年上半年", "2026年下半年") == "下半年"
    assert short_next_period("2025年", "2026年") == "2026年"


def test_section_variables_for_the_prompt() -> None:
    specs, sheet = _plan("speech")
    variables = section_variables(specs["work:1"], sheet, OUTLINES["speech"])
    assert variables["title"] == "在全区组织工作会议上的讲话"
    assert variables["facts"][0] == {
        "id": "work.1.0",
        "text": "新建“红色驿站”22个，覆盖全区主要商圈和物流园区",
        "area": "基层党建",
    }
    assert (variables["length_min"], variables["length_max"]) == (
        133,
        500,
    )  # the part's length shared by 3 areas
    assert "正文以“二是”开头" in variables["numbering_rule"]
    assert variables["exemplars"] == []
    assert "不要重复标题" in numbering_rule(specs["plans:0"])
    assert "一是" in numbering_rule(specs["problems"])
    assert numbering_rule(specs["opening"]) == "不加标题和编号，直接写正文。"


@pytest.mark.parametrize("kind", sorted(OUTLINES))
def test_every_fact_lands_in_exactly_one_section(kind: str) -> None:
    sheet = _sample(kind)
    planned = [f.id for spec in plan_sections(OUTLINES[kind], sheet) for f in spec.facts]
    assert sorted(planned) == sorted(f.id for f in sheet.all_facts())
