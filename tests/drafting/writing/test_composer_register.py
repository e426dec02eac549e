"""The composer writes in the register of its kind: self-reference and leadership by body, register
subheadings, connective prose, plans that answer problems, the genre's own formulas, and no
standard sentence twice — on every drafting case, sample and outline kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from drafting.checking.grounding import check_draft
from drafting.checking.stock import repeated_stock, stock_patterns
from drafting.facts.files import parse_facts_file
from drafting.facts.sheet import parse_facts_mapping
from drafting.model import Draft, FactSheet
from drafting.outlines.outline import load_outlines
from drafting.outlines.register import default_register
from drafting.writing.composer import clause, compose_draft

REPO = Path(__file__).resolve().parents[3]
OUTLINES = load_outlines(REPO / "prompts" / "outlines")
REGISTER = default_register()
CASES = sorted((REPO / "corpus" / "eval" / "drafting_cases").glob("*.yaml"))
SAMPLES = sorted((REPO / "corpus" / "facts").glob("*.yaml"))


def _text(draft: Draft) -> str:
    lines = [draft.title, draft.addressee or "", draft.greeting or ""]
    for section in draft.sections:
        lines += [section.heading, *(p.text for p in section.paragraphs)]
    return "\n".join(line for line in lines if line)


def _body(draft: Draft) -> str:
    return "\n".join(p.text for s in draft.sections for p in s.paragraphs)


def _sheets() -> list[tuple[str, FactSheet]]:
    sheets = [
        (p.stem, parse_facts_mapping(yaml.safe_load(p.read_text("utf-8"))["facts"], kinds=OUTLINES))
        for p in CASES
    ]
    sheets += [(f"sample-{p.stem}", parse_facts_file(p)) for p in SAMPLES]
    # Every outline kind over the richest sample's facts, so each kind meets every part.
    rich = parse_facts_file(REPO / "corpus" / "facts" / "year-end.yaml")
    for kind in OUTLINES:
        sheets.append((f"year-end-facts-as-{kind}", _with(rich, kind=kind, addressee="市卫生健康委员会")))
    return sheets


def _with(sheet: FactSheet, **changes) -> FactSheet:
    import dataclasses

    return dataclasses.replace(sheet, **changes)


SHEETS = _sheets()


@pytest.mark.parametrize(("name", "sheet"), SHEETS, ids=[n for n, _ in SHEETS])
def test_every_fact_no_unsupported_number_no_stock_sentence_twice(name: str, sheet: FactSheet) -> None:
    outline = OUTLINES[sheet.kind]
    draft = compose_draft(outline, sheet)
    text = _text(draft)
    for fact in sheet.all_facts():
        assert clause(fact.text) in text, fact.id
    counts = check_draft(draft, sheet, outline=outline).counts
    assert (
        counts["unsupported_number"] == 0 and counts["unused_fact"] == 0 and counts["unsupported_name"] == 0
    )
    assert repeated_stock(text, stock_patterns(outline, REGISTER.patterns())) == {}
    used = [u for s in draft.sections for u in s.record.get("stock", [])]
    assert len(used) == len(set(used)), used


@pytest.mark.parametrize(("name", "sheet"), SHEETS, ids=[n for n, _ in SHEETS])
def test_only_the_genres_own_formulas(name: str, sheet: FactSheet) -> None:
    outline = OUTLINES[sheet.kind]
    text = _text(compose_draft(outline, sheet))
    own = REGISTER.genres[outline.genre]
    assert any(f in text for f in own), outline.genre
    for genre, formulas in REGISTER.genres.items():
        if genre != outline.genre:
            assert not [f for f in formulas if f in text], genre


def test_the_repeat_check_can_fail() -> None:
    assert repeated_stock("围绕甲，做了一。围绕乙，做了二。", ["围绕{area}，做了"]) == {"围绕{area}，做了": 2}


@pytest.mark.parametrize(
    ("org", "self_name", "led_by"),
    [
        ("临河县农业农村局", "我局", "在县委、县政府的坚强领导下"),
        ("云溪区人力资源和社会保障局", "我局", "在区委、区政府的坚强领导下"),
        ("江城市发展和改革委员会", "我委", "在市委、市政府的坚强领导下"),
        ("云溪区委组织部", "我部", "在区委的坚强领导下"),
        ("云溪区委办公室", "我办", "在区委的坚强领导下"),
        ("临河县卫生健康局党委", "局党委", "在县委的坚强领导下"),
        ("临河县人民法院", "我院", "在县委的坚强领导下"),
        ("临河县人民政府", "我县", "在县委的坚强领导下"),
        ("青川区人民政府", "我区", "在区委的坚强领导下"),
        ("临河县石门镇党委", "镇党委", "在县委的坚强领导下"),
        ("云溪区委", "区委", "在市委的坚强领导下"),
        ("青川区第二实验小学", "我校", "在上级党委和教育主管部门的正确领导下"),
        ("江城能源集团", "集团", "在上级党委的坚强领导下"),
        ("江城能源集团热力公司", "公司", "在集团党委的坚强领导下"),
        ("某某协会", "本单位", "在上级党委的坚强领导下"),
    ],
)
def test_self_reference_and_leadership_by_kind_of_body(org: str, self_name: str, led_by: str) -> None:
    sheet = _agriculture(org=org)
    draft = compose_draft(OUTLINES["half-year"], sheet)
    body = _body(draft)
    opening, closing = draft.sections[0].paragraphs[0].text, draft.sections[-1].paragraphs[0].text
    assert opening.startswith(f"2026年上半年，{org}{led_by}，")
    assert closing.startswith(f"下半年，{self_name}将{led_by}，")
    assert body.count(org) == 1  # the full name once, then the self-reference
    assert "上级党委的坚强领导" not in body or "上级党委" in led_by
    assert check_draft(draft, sheet, outline=OUTLINES["half-year"]).flags == []


def test_the_writer_names_the_superior() -> None:
    sheet = _agriculture(org="江城能源集团", superior="市国资委党委")
    draft = compose_draft(OUTLINES["half-year"], sheet)
    assert (
        draft.sections[0]
        .paragraphs[0]
        .text.startswith("2026年上半年，江城能源集团在市国资委党委的坚强领导下")
    )
    assert check_draft(draft, sheet, outline=OUTLINES["half-year"]).counts["unsupported_name"] == 0


def _agriculture(**changes) -> FactSheet:
    path = next(p for p in CASES if "agriculture" in p.stem)
    data = yaml.safe_load(path.read_text("utf-8"))["facts"]
    return parse_facts_mapping({**data, **changes}, kinds=OUTLINES)


def test_register_headings_plain_headings_and_the_writers_own() -> None:
    draft = compose_draft(OUTLINES["half-year"], _agriculture())
    headings = [s.heading for s in draft.sections if s.level == 2]
    assert headings == [
        "（一）扎实抓好粮食生产",
        "（二）聚焦乡村产业发展，推动产业提质增效",
        "（三）深入开展农村人居环境整治",
        "（一）着力推动乡村产业发展",
        "（二）持续推进农村人居环境整治",
    ]
    plain = compose_draft(OUTLINES["half-year"], _agriculture(headings="plain"))
    assert [s.heading for s in plain.sections if s.level == 2][:3] == [
        "（一）粮食生产",
        "（二）乡村产业发展",
        "（三）农村人居环境整治",
    ]
    data = yaml.safe_load(next(p for p in CASES if "agriculture" in p.stem).read_text("utf-8"))["facts"]
    data["parts"]["work"][0]["heading"] = "（一）稳住粮食生产基本盘"
    own = compose_draft(OUTLINES["half-year"], parse_facts_mapping(data, kinds=OUTLINES))
    assert [s.heading for s in own.sections if s.level == 2][0] == "（一）稳住粮食生产基本盘"


def test_register_headings_add_no_claim() -> None:
    claims = ("成效", "显著", "突破", "明显", "大幅", "圆满", "全面完成")
    for rules in REGISTER.heading_rules.values():
        for rule in rules:
            assert not [p for p in rule.patterns for c in claims if c in p]


def test_effect_sentence_only_where_a_fact_states_an_effect() -> None:
    draft = compose_draft(OUTLINES["half-year"], _agriculture())
    by_key = {s.key: s.paragraphs[0].text for s in draft.sections if s.paragraphs}
    assert by_key["work:0"].endswith("通过上述举措，夏粮总产量12.4万吨，同比增长2.1%。")
    effect_leads = OUTLINES["half-year"].parts[1].connectives["effect"]
    assert not any(lead in by_key["work:2"] for lead in effect_leads)  # no effect stated there
    # a fact with its effect at the end closes the area, without an effect lead
    assert by_key["work:1"].endswith("建成标准化蔬菜基地3个，带动农户1,500余户增收。")


def test_plans_name_the_problems_and_the_areas_that_answer_them() -> None:
    draft = compose_draft(OUTLINES["half-year"], _agriculture())
    by_key = {s.key: s.paragraphs[0].text for s in draft.sections if s.paragraphs}
    assert by_key["plans"].startswith("针对农业产业链条短、部分村户厕改造后管护不到位等问题，下半年，我局将")
    assert by_key["plans:0"].startswith("着眼解决农业产业链条短的问题，力争新增市级以上龙头企业2家")
    assert by_key["plans:1"].startswith("针对部分村户厕改造后管护不到位的问题，建立户厕长效管护机制")


def test_an_explicit_answers_link_wins_and_a_plan_without_match_says_nothing() -> None:
    data = yaml.safe_load(next(p for p in CASES if "agriculture" in p.stem).read_text("utf-8"))["facts"]
    data["parts"]["plans"].append({"area": "农业防灾减灾", "facts": ["修订农业防灾减灾应急预案"]})
    data["parts"]["plans"][1]["answers"] = 2
    draft = compose_draft(OUTLINES["half-year"], parse_facts_mapping(data, kinds=OUTLINES))
    by_key = {s.key: s.paragraphs[0].text for s in draft.sections if s.paragraphs}
    assert "管护不到位的问题" in by_key["plans:1"]
    assert "问题" not in by_key["plans:2"]
    data["parts"]["plans"][1]["answers"] = "不存在的问题"
    with pytest.raises(Exception, match="answers: 找不到对应的问题"):
        parse_facts_mapping(data, kinds=OUTLINES)


def test_without_problems_the_plans_open_plainly() -> None:
    data = yaml.safe_load(next(p for p in CASES if "agriculture" in p.stem).read_text("utf-8"))["facts"]
    del data["parts"]["problems"]
    draft = compose_draft(OUTLINES["half-year"], parse_facts_mapping(data, kinds=OUTLINES))
    plans = next(s for s in draft.sections if s.key == "plans").paragraphs[0].text
    assert plans.startswith("下半年，我局将坚持问题导向") and "针对" not in plans


def test_a_summary_outline_with_a_report_formula_is_refused(tmp_path: Path) -> None:
    import shutil

    from drafting.outlines.outline import OutlineError

    outlines = tmp_path / "outlines"
    shutil.copytree(REPO / "prompts" / "outlines", outlines)
    for name in ("bodies.yaml", "headings.yaml", "register.yaml"):
        shutil.copy(REPO / "prompts" / name, tmp_path / name)
    path = outlines / "half-year.yaml"
    path.write_text(
        path.read_text("utf-8").replace("现将有关情况总结如下。", "现将有关情况报告如下。"), "utf-8"
    )
    with pytest.raises(OutlineError, match="“报告如下”是报告的套语，总结类材料不能用"):
        load_outlines(outlines)


def test_a_broken_register_table_names_file_and_field(tmp_path: Path) -> None:
    import shutil

    from drafting.outlines.outline import OutlineError

    shutil.copytree(REPO / "prompts" / "outlines", tmp_path / "outlines")
    for name in ("headings.yaml", "register.yaml"):
        shutil.copy(REPO / "prompts" / name, tmp_path / name)
    bodies = (
        (REPO / "prompts" / "bodies.yaml")
        .read_text("utf-8")
        .replace("    县: 县委、县政府", "    县: 临河县农业局")
    )
    (tmp_path / "bodies.yaml").write_text(bodies, "utf-8")
    with pytest.raises(OutlineError, match=re.escape("bodies.yaml: leaders.党委和政府.县: 只能写泛称")):
        load_outlines(tmp_path / "outlines")
