from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from drafting.checking.grounding import check_draft
from drafting.facts.files import parse_facts_file
from drafting.facts.sheet import parse_facts_mapping
from drafting.mentions.numbers import extract_numbers
from drafting.model import Draft
from drafting.outlines.outline import load_outlines
from drafting.outlines.planning import compose_title, plan_sections
from drafting.writing.composer import (
    clause,
    compose_addressee,
    compose_draft,
    compose_part_lead,
    compose_section,
)
from retrieval.documents import Passage

REPO = Path(__file__).resolve().parents[3]
OUTLINES = load_outlines(REPO / "prompts" / "outlines")
SAMPLES = sorted((REPO / "corpus" / "facts").glob("*.yaml"))
CASES = sorted((REPO / "corpus" / "eval" / "drafting_cases").glob("*.yaml"))


def _text(draft: Draft) -> str:
    lines = [draft.title, draft.addressee or "", draft.greeting or ""]
    for section in draft.sections:
        lines += [section.heading, *(p.text for p in section.paragraphs)]
    return "\n".join(line for line in lines if line)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_composer_on_every_sample(sample: Path) -> None:
    sheet = parse_facts_file(sample)
    outline = OUTLINES[sheet.kind]
    first, second = compose_draft(outline, sheet), compose_draft(outline, sheet)
    assert first == second  # deterministic
    text = _text(first)
    for fact in sheet.all_facts():
        assert clause(fact.text) in text, fact.id  # verbatim, trailing punctuation aside
    recorded = [i for s in first.sections for p in s.paragraphs for i in p.fact_ids]
    assert sorted(recorded) == sorted(f.id for f in sheet.all_facts())
    report = check_draft(first, sheet, outline=outline)
    assert report.flags == [], report.flags


def test_composer_adds_no_number_of_its_own() -> None:
    sheet = parse_facts_file(REPO / "corpus" / "facts" / "half-year.yaml")
    draft = compose_draft(OUTLINES["half-year"], sheet)
    from_facts = {m.key for f in sheet.all_facts() for m in extract_numbers(f.text)}
    from_period = {
        m.key for t in (sheet.period, sheet.next_period, sheet.date) if t for m in extract_numbers(t)
    }
    assert {m.key for m in extract_numbers(_text(draft))} <= from_facts | from_period


def test_area_paragraph_joins_its_facts_after_a_lead_sentence() -> None:
    sheet = parse_facts_file(REPO / "corpus" / "facts" / "half-year.yaml")
    outline = OUTLINES["half-year"]
    spec = next(s for s in plan_sections(outline, sheet) if s.key == "work:0")
    (paragraph,) = compose_section(spec, sheet, outline)
    assert spec.heading == "（一）扎实开展干部教育培训"
    assert paragraph.text == (
        "坚持把干部教育培训作为重点任务来抓，依托区委党校举办科级干部培训班3期，培训180人次；"
        "开设“云溪讲堂”6期，邀请省内外专家授课14人次。全区干部人均完成网络学习32.5学时，参学率达97.3%。"
    )
    assert "一是" not in paragraph.text
    assert paragraph.fact_ids == ["work.0.0", "work.0.1", "work.0.2"]


def test_opening_and_closing_use_the_body_and_the_genre() -> None:
    sheet = parse_facts_file(REPO / "corpus" / "facts" / "half-year.yaml")
    draft = compose_draft(OUTLINES["half-year"], sheet)
    opening = draft.sections[0].paragraphs[0]
    assert opening.text.startswith("2026年上半年，云溪区委组织部在区委的坚强领导下")
    assert "聚焦干部教育培训、基层组织建设、党员发展和管理、人才工作等重点任务" in opening.text
    assert opening.text.endswith("已完成或基本完成19项。现将有关情况总结如下。")
    assert opening.fact_ids == ["opening.0.0"]
    assert draft.sections[-1].paragraphs[0].text.startswith("下半年，我部将在区委的坚强领导下")
    assert (draft.signature, draft.date, draft.greeting) == ("云溪区委组织部", "2026年7月6日", None)
    body = "\n".join(p.text for s in draft.sections for p in s.paragraphs)
    assert body.count("云溪区委组织部") == 1  # the first mention; 我部 after it


def test_part_headers_carry_the_lead_sentence() -> None:
    sheet = parse_facts_file(REPO / "corpus" / "facts" / "half-year.yaml")
    draft = compose_draft(OUTLINES["half-year"], sheet)
    keys = [s.key for s in draft.sections]
    assert keys[:3] == ["opening", "work", "work:0"] and keys[keys.index("plans") + 1] == "plans:0"
    plans = draft.sections[keys.index("plans")]
    assert (plans.heading, plans.level) == ("三、下半年工作计划", 1)
    assert plans.paragraphs[0].text.startswith(
        "针对部分培训班次课程设置针对性不强、村党组织书记年龄结构偏大、引进人才服务保障措施落实不够到位等问题，"
        "下半年，我部将坚持问题导向"
    )
    assert compose_part_lead(OUTLINES["half-year"], "problems", sheet) is None


def test_inline_and_highlight_styles() -> None:
    speech = parse_facts_file(REPO / "corpus" / "facts" / "speech.yaml")
    draft = compose_draft(OUTLINES["speech"], speech)
    by_key = {s.key: s for s in draft.sections}
    assert by_key["work:1"].paragraphs[0].text.startswith("二是围绕基层党建，新建“红色驿站”22个")
    # 村级集体经济…占比达85.6% states an effect: it closes the area after an effect lead.
    assert by_key["work:1"].paragraphs[0].text.endswith("经过努力，村级集体经济收入超10万元的村占比达85.6%。")
    assert by_key["work:2"].paragraphs[-1].text.startswith("这些成绩的取得")  # the part's end sentence
    assert draft.greeting == "同志们：" and draft.signature is None
    assert (
        by_key["closing"].paragraphs[0].text.startswith("各级党组织要把今天会议的部署要求落到实处。同志们，")
    )
    quarterly = parse_facts_file(REPO / "corpus" / "facts" / "quarterly.yaml")
    draft = compose_draft(OUTLINES["quarterly"], quarterly)
    by_key = {s.key: s for s in draft.sections}
    assert by_key["work:1"].heading == "（二）突出一个“早”字，扎实推进春风行动"
    assert by_key["closing"].paragraphs[0].text == "特此报告。"
    assert draft.addressee == "市人力资源和社会保障局"


def test_empty_parts_get_placeholders_and_grounding_flags_them() -> None:
    sheet = parse_facts_mapping(
        {
            "kind": "half-year",
            "org": "某某区委组织部",
            "period": "2026年上半年",
            "parts": {"work": [{"facts": ["举办培训班3期"]}]},
        },
        kinds=OUTLINES,
    )
    outline = OUTLINES["half-year"]
    draft = compose_draft(outline, sheet)
    by_key = {s.key: s for s in draft.sections}
    assert by_key["problems"].paragraphs[0].text.startswith("【待补充：存在的主要问题和不足")
    assert by_key["plans:0"].paragraphs[0].text.startswith("【待补充：2026年下半年工作计划")
    assert by_key["plans"].paragraphs == []  # the part heading, but no lead sentence above a placeholder
    assert (
        "重点任务" not in by_key["opening"].paragraphs[0].text.split("坚持")[0]
    )  # no {areas}: the fallback lead
    report = check_draft(draft, sheet, outline=outline)
    assert [(f.kind, f.section) for f in report.flags] == [
        ("placeholder", "problems"),
        ("placeholder", "plans:0"),
        ("placeholder", "date"),  # no date in the facts: the 成文日期 under the signature is a gap
    ]
    assert draft.signature == "某某区委组织部"
    assert draft.date == "【待补充：成文日期】"


def test_titles() -> None:
    sheet = parse_facts_file(REPO / "corpus" / "facts" / "half-year.yaml")
    assert compose_title(OUTLINES["half-year"], sheet) == "云溪区委组织部2026年上半年工作总结和下半年工作计划"
    assert (
        compose_title(OUTLINES["year-end"], sheet)
        == "云溪区委组织部2026年上半年工作总结和2026年下半年工作计划"
    )
    speech = parse_facts_file(REPO / "corpus" / "facts" / "speech.yaml")
    assert compose_title(OUTLINES["speech"], speech) == "在全区组织工作会议上的讲话"
    no_addressee = parse_facts_mapping(
        {"kind": "quarterly", "org": "某局", "period": "2026年第一季度", "parts": {"work": ["完成任务"]}},
        kinds=OUTLINES,
    )
    assert compose_title(OUTLINES["quarterly"], no_addressee) == "某局关于2026年第一季度工作情况的报告"
    assert compose_addressee(OUTLINES["quarterly"], no_addressee) == "【待补充：主送机关】"
    assert compose_addressee(OUTLINES["half-year"], no_addressee) is None


def test_fact_punctuation_is_normalised_not_rewritten() -> None:
    assert clause("举办培训班3期,培训1,850人次;开展调研。 ") == "举办培训班3期，培训1,850人次；开展调研"
    assert clause("完成率100%！") == "完成率100%"


def _passages(case: dict) -> list[Passage]:
    return [
        Passage(
            r["id"],
            r["id"].split(":")[0],
            r["text"],
            r["source"],
            "",
            None,
            None,
            None,
            "",
            r.get("part", "work"),
            "",
            0,
            len(r["text"]),
        )
        for r in case.get("references", [])
    ]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_composer_passes_every_drafting_case(path: Path) -> None:
    """The offline composer is the baseline every template version must match on these cases."""
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    sheet = parse_facts_mapping(case["facts"], kinds=OUTLINES)
    outline = OUTLINES[sheet.kind]
    draft = compose_draft(outline, sheet)
    text = _text(draft)
    expect = case["expect"]
    for needle in expect.get("must_include", []):
        assert needle in text, needle
    for needle in expect.get("must_not_include", []):
        assert needle not in text, needle
    counts = check_draft(draft, sheet, _passages(case), outline=outline).counts
    for kind, most in expect.get("max_flags", {}).items():
        assert counts[kind] <= most, kind
    for kind, least in expect.get("min_flags", {}).items():
        assert counts[kind] >= least, kind
    assert set(expect["parts"]) <= {s.part for s in draft.sections}


def test_drafting_cases_are_at_least_six_and_well_formed() -> None:
    assert len(CASES) >= 6
    ids = [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in CASES]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)
