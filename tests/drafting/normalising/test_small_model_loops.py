"""A whole answer of the packaged 1.5B model (prompt-lab run, dev case quarterly-highlights, the
section "（二）突出一个“实”字，毫不放松抓好根治欠薪工作"), shortened: its list restarts at the
section's heading glued to an unfinished point, and the points repeat. What reaches the draft is
the list once."""

from __future__ import annotations

from drafting.normalising.answer import AnswerContext, normalise_answer

HEADING = "（二）突出一个“实”字，毫不放松抓好根治欠薪工作"
CONTEXT = AnswerContext(
    base_level=2,
    section_heading=HEADING,
    part_heading="一、2026年第一季度主要工作",
    echoes=("根治欠薪", "工作情况"),
)
POINTS = [
    "一是加强根治欠薪工作力度，我局加大了对拖欠工资行为的查处力度，共追回欠薪680万元，有效维护了劳动者的合法权益。",
    "二是完善根治欠薪机制，我局成立了根治欠薪工作领导小组，定期召开会议，研究解决欠薪问题。",
    "三是加强与政府的协调，我局与政府建立了良好的协调机制，及时了解和解决欠薪问题。",
]


def test_the_list_restarting_at_the_heading_reaches_the_draft_once() -> None:
    answer = "\n".join(
        [
            *POINTS,
            "四是加强与政府的协调，我局与政府建立了良好的协调机制，及时了解和【二】突出一个“实”字，毫不放松抓好根治欠薪工作",
            *POINTS,
        ]
    )
    result = normalise_answer(answer, CONTEXT)
    assert [p.text for p in result.paragraphs] == POINTS
    reasons = [r.reason for r in result.removals]
    assert reasons.count("echoed_heading") == 1 and reasons.count("repeated_sentence") == 4


def test_the_parts_heading_as_a_gap_and_as_a_first_point_goes() -> None:
    context = AnswerContext(base_level=1, part_heading="二、存在的困难和问题", echoes=("存在问题",))
    answer = "【待补充：存在的困难和问题】\n一是存在的困难和问题。\n二是技能型人才招聘难，部分企业岗位空缺时间较长。"
    result = normalise_answer(answer, context)
    assert [p.text for p in result.paragraphs] == ["二是技能型人才招聘难，部分企业岗位空缺时间较长。"]
    assert [r.reason for r in result.removals].count("echoed_heading") == 2


def test_a_section_that_is_only_a_gap_keeps_it() -> None:
    context = AnswerContext(base_level=1, part_heading="二、存在的困难和问题")
    result = normalise_answer("【待补充：存在的困难和问题】", context)
    assert [p.text for p in result.paragraphs] == ["【待补充：存在的困难和问题】"]


def test_sentences_the_model_bracketed_as_a_gap_are_its_text() -> None:
    prose = "我局积极实施人才强区战略，加强与高校、科研机构的合作，为推动区域经济高质量发展提供了有力支撑。"
    result = normalise_answer(f"【待补充：{prose}】\n【待补充：具体培训人次】")
    assert [p.text for p in result.paragraphs] == [prose, "【待补充：具体培训人次】"]


def test_a_sub_heading_near_the_areas_name_is_the_models_structure() -> None:
    context = AnswerContext(
        base_level=2, section_heading="（一）扎实开展干部教育培训", echoes=("干部教育培训",), subheadings=True
    )
    answer = "举办培训班3期。\n1. 加强干部教育培训\n开设专题讲座6场。"
    result = normalise_answer(answer, context)
    assert [p.text for p in result.paragraphs if p.kind == "heading"] == ["1.加强干部教育培训"]


def test_the_title_as_a_gap_before_the_closing_words_goes() -> None:
    # The local model's closing of a quarterly report (bench_local_model, quarterly.yaml).
    title = "云溪区人力资源和社会保障局关于2026年第一季度工作情况的报告"
    context = AnswerContext(base_level=0, echoes=("结尾", title))
    result = normalise_answer(f"【待补充：{title}】特此报告。", context)
    assert [p.text for p in result.paragraphs] == ["特此报告。"]
    assert [r.reason for r in result.removals] == ["echoed_heading"]
    # A gap that says what is missing stays, next to the same words.
    kept = normalise_answer("【待补充：下一步工作安排】特此报告。", context)
    assert [p.text for p in kept.paragraphs] == ["【待补充：下一步工作安排】特此报告。"]
