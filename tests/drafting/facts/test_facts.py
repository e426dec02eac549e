from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from drafting.facts.files import parse_facts_file
from drafting.facts.sheet import FactsError, facts_to_mapping, parse_facts_mapping
from drafting.facts.text_form import facts_to_text, parse_facts_text
from drafting.model import Fact, FactGroup, FactSheet
from drafting.outlines.planning import infer_next_period

REPO = Path(__file__).resolve().parents[3]
SAMPLES = sorted((REPO / "corpus" / "facts").glob("*.yaml"))
KINDS = {"half-year", "year-end", "quarterly", "speech"}

BRIEF_EXAMPLE = """
kind: half-year            # an outline's name
org: 某某区委组织部
period: 2026年上半年
next_period: 2026年下半年  # optional
parts:
  work:
    - area: 干部教育培训
      facts:
        - 举办科级干部培训班3期，培训180人次
  problems:
    - facts: [基层党组织书记年龄结构偏大]
  plans:
    - area: 基层组织建设
      facts: [推进村“两委”换届准备]
"""


def _problems(data) -> list[str]:
    with pytest.raises(FactsError) as caught:
        parse_facts_mapping(data, kinds=KINDS)
    return caught.value.problems


def _valid() -> dict:
    return yaml.safe_load(BRIEF_EXAMPLE)


def test_the_brief_example_parses_with_stable_fact_ids(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(BRIEF_EXAMPLE, encoding="utf-8")
    sheet = parse_facts_file(path, kinds=KINDS)
    assert (sheet.kind, sheet.org, sheet.period, sheet.next_period) == (
        "half-year",
        "某某区委组织部",
        "2026年上半年",
        "2026年下半年",
    )
    assert list(sheet.parts) == ["work", "problems", "plans"]
    assert sheet.parts["work"][0] == FactGroup(
        "干部教育培训", (Fact("work.0.0", "举办科级干部培训班3期，培训180人次", "work", "干部教育培训"),)
    )
    assert [f.id for f in sheet.all_facts()] == ["work.0.0", "problems.0.0", "plans.0.0"]
    assert sheet.parts["problems"][0].area is None


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_corpus_samples_parse_and_name_their_outline(sample: Path) -> None:
    sheet = parse_facts_file(sample)  # default kinds: the shipped outlines
    assert sheet.kind == sample.stem
    assert len(sheet.all_facts()) >= 8
    assert len({f.id for f in sheet.all_facts()}) == len(sheet.all_facts())


def test_json_file_and_the_shipped_outline_names(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(_valid(), ensure_ascii=False), encoding="utf-8")
    assert parse_facts_file(path).parts["plans"][0].facts[0].text == "推进村“两委”换届准备"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16", "utf-16-le"])
def test_files_in_chinese_encodings(tmp_path: Path, encoding: str) -> None:
    yaml_path = tmp_path / "facts.yaml"
    yaml_path.write_bytes(BRIEF_EXAMPLE.encode(encoding))
    assert parse_facts_file(yaml_path, kinds=KINDS).org == "某某区委组织部"
    text_path = tmp_path / "facts.txt"
    text_path.write_bytes(
        "提纲：half-year\n单位：某某局\n时期：2025年\n【工作】\n举办培训班3期\n".encode(encoding)
    )
    sheet = parse_facts_file(text_path, kinds=KINDS)
    assert (sheet.org, sheet.next_period, sheet.all_facts()[0].text) == ("某某局", "2026年", "举办培训班3期")


def test_pasted_text_with_markers_areas_and_bullets() -> None:
    text = """
干部教育培训：举办科级干部培训班3期，培训180人次
干部教育培训: 开展“送学上门”活动12场

基层组织建设：
  1. 完成村级党组织星级评定
  • 整顿软弱涣散村党组织5个
（一）党员管理
- 发展党员126名
一、存在问题
① 基层党组织书记年龄结构偏大
（2）部分培训针对性不强。
【计划】
基层组织建设：推进村“两委”换届准备
一是建立定期回访制度
下步打算：
稳就业工作（突出“稳”字）：新增就业1,860人
【结尾】
：其中：确保完成全年任务
"""
    sheet = parse_facts_text(text, kind="half-year", org="某某区委组织部", period="2026年上半年", kinds=KINDS)
    work = sheet.parts["work"]
    assert [g.area for g in work] == ["干部教育培训", "基层组织建设", "党员管理"]
    assert [f.text for f in work[0].facts] == ["举办科级干部培训班3期，培训180人次", "开展“送学上门”活动12场"]
    assert [f.text for f in work[1].facts] == ["完成村级党组织星级评定", "整顿软弱涣散村党组织5个"]
    assert work[2].facts[0].id == "work.2.0"
    assert [f.text for f in sheet.parts["problems"][0].facts] == [
        "基层党组织书记年龄结构偏大",
        "部分培训针对性不强。",
    ]
    plans = sheet.parts["plans"]
    assert [(g.area, g.keyword, [f.text for f in g.facts]) for g in plans] == [
        ("基层组织建设", None, ["推进村“两委”换届准备"]),
        (None, None, ["建立定期回访制度"]),  # an inline "area：" does not head the lines below it
        ("稳就业工作", "稳", ["新增就业1,860人"]),
    ]
    assert sheet.parts["closing"][0].facts[0].text == "其中：确保完成全年任务"


def test_text_header_lines_and_keyword_arguments() -> None:
    text = "提纲：quarterly\n单位：某某局\n时期：2026年第四季度\n主送：市某某局\n【工作】\n完成任务\n"
    sheet = parse_facts_text(text, kinds=KINDS)
    assert (sheet.kind, sheet.addressee, sheet.next_period) == ("quarterly", "市某某局", "2027年第一季度")
    overridden = parse_facts_text(text, org="另一个局", kinds=KINDS)
    assert overridden.org == "另一个局"


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "没有输入"),
        ("   \n\n", {}, "没有输入"),
        ("【工作】\n【问题】\n", {"kind": "half-year", "org": "x", "period": "2026年"}, "没有找到任何事实"),
        ("举办培训班3期", {"org": "x", "period": "2026年"}, "提纲"),
        ("举办培训班3期", {"kind": "half-year"}, "单位、时期"),
        ("举办培训班3期", {"kind": "monthly", "org": "x", "period": "2026年"}, "kind: 未知的提纲“monthly”"),
    ],
)
def test_bad_pasted_text_says_what_is_missing(text: str, kwargs: dict, message: str) -> None:
    with pytest.raises(FactsError) as caught:
        parse_facts_text(text, kinds=KINDS, **kwargs)
    assert message in str(caught.value)


def _roundtrip_sheets() -> list[FactSheet]:
    sheets = [parse_facts_file(p) for p in SAMPLES]
    tricky = _valid()
    tricky["parts"]["work"] = [
        {
            "area": "人才工作",
            "facts": ["成立工作专班：由部长任组长", "一是建立联系制度", "问题", "其中党员占80%；"],
        },
        {"facts": ["统筹资金860万元", "主要做法：分类施策", "下步打算："]},
        {"area": "干部、人才工作", "keyword": "实", "facts": ["完成培训"]},
    ]
    tricky["title"] = "关于2026年上半年工作的报告"
    sheets.append(parse_facts_mapping(tricky, kinds=KINDS))
    headed = _valid()
    headed["superior"] = "市委组织部"
    headed["headings"] = "plain"
    headed["parts"]["work"][0]["heading"] = "聚焦能力提升，扎实开展干部教育培训"
    headed["parts"]["problems"].append({"area": "阵地建设", "facts": ["部分村级活动场所面积不足"]})
    headed["parts"]["plans"][0]["answers"] = [1, "活动场所"]
    headed["parts"]["plans"].append({"area": "人才工作", "heading": "育好用好人才", "facts": ["完成培训"]})
    sheets.append(parse_facts_mapping(headed, kinds=KINDS))
    return sheets


@pytest.mark.parametrize("sheet", _roundtrip_sheets(), ids=lambda s: f"{s.kind}-{s.org}")
def test_round_trips_through_text_and_mapping(sheet: FactSheet) -> None:
    text = facts_to_text(sheet)
    assert parse_facts_text(text, kinds=KINDS) == sheet
    mapping = facts_to_mapping(sheet)
    assert parse_facts_mapping(json.loads(json.dumps(mapping, ensure_ascii=False)), kinds=KINDS) == sheet


def test_wrong_type_names_the_field_path() -> None:
    data = _valid()
    data["parts"]["work"][0]["facts"] = ["举办培训班", "开展调研", 180]
    assert _problems(data) == ["parts.work[0].facts[2]: 应为文字，实际是数字"]


def test_every_problem_is_collected() -> None:
    data = _valid()
    data["kind"] = "monthly"
    data["period"] = 2026
    data.pop("org")
    data["parts"]["work"][0]["facts"] = ["", None]
    data["parts"]["plans"][0]["area"] = ["基层组织建设"]
    data["parts"]["summary"] = []
    data["author"] = "张三"
    problems = _problems(data)
    assert len(problems) == 8, problems
    joined = "\n".join(problems)
    for expected in (
        "author: 未知字段",
        "kind: 未知的提纲“monthly”，可用：half-year、quarterly、speech、year-end",
        "org: 必须填写",
        "period: 应为文字，实际是数字（请加引号",
        "parts.work[0].facts[0]: 不能是空的",
        "parts.work[0].facts[1]: 应为文字，实际是空值",
        "parts.plans[0].area: 应为文字，实际是列表",
        "parts.summary: 未知的部分",
    ):
        assert expected in joined


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(parts={}), "parts: 没有任何事实"),
        (lambda d: d.pop("parts"), "parts: 必须填写"),
        (lambda d: d.update(parts=["a"]), "parts: 应为键值表"),
        (lambda d: d["parts"].update(work={"area": "x"}), "parts.work: 应为列表，实际是键值表"),
        (lambda d: d["parts"]["work"][0].update(facts=[]), "parts.work[0].facts: 不能为空"),
        (lambda d: d["parts"]["work"][0].update(facts=None), "parts.work[0].facts: 应为列表，实际是空值"),
        (lambda d: d["parts"]["work"][0].update(owner="x"), "parts.work[0].owner: 未知字段"),
        (lambda d: d.update(org="  "), "org: 不能为空"),
        (lambda d: d.update(next_period=True), "next_period: 应为文字，实际是是/否"),
        (lambda d: d["parts"].update(工作=[{"facts": ["x"]}]), "parts.工作: 与 parts.work 重复"),
    ],
)
def test_each_invalid_shape_names_its_field(edit, expected: str) -> None:
    data = _valid()
    edit(data)
    assert any(p.startswith(expected) for p in _problems(data)), _problems(data)


def test_not_a_mapping_and_lenient_shorthands() -> None:
    assert _problems(["kind"])[0].startswith("（整个文件）: 应为键值表")
    data = _valid()
    data["parts"] = {"工作": ["举办培训班3期", "开展调研"], "问题": "人手不足", "计划": None}
    sheet = parse_facts_mapping(data, kinds=KINDS)
    assert [f.id for f in sheet.all_facts()] == ["work.0.0", "work.0.1", "problems.0.0"]
    assert "plans" not in sheet.parts


def test_yaml_dates_become_chinese_dates(tmp_path: Path) -> None:
    path = tmp_path / "f.yml"
    path.write_text(BRIEF_EXAMPLE + "date: 2026-07-05\n", encoding="utf-8")
    assert parse_facts_file(path, kinds=KINDS).date == "2026年7月5日"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"kind: [half-year\n", "f.yaml", "f.yaml: 第2行"),
        (b'{"kind": "half-year",}', "f.json", "f.json: 第1行"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "f.yaml", "无法识别文件编码"),
        (b"kind: x", "f.docx", "不支持的文件类型"),
        (b"", "f.yaml", "f.yaml: （整个文件）: 应为键值表"),
        (b"", "f.txt", "没有输入任何事实"),
    ],
)
def test_unreadable_files_are_named(tmp_path: Path, content: bytes, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FactsError) as caught:
        parse_facts_file(path, kinds=KINDS)
    assert expected in str(caught.value)


def test_missing_directory_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(FactsError, match="找不到文件"):
        parse_facts_file(tmp_path / "absent.yaml")
    with pytest.raises(FactsError, match="目录"):
        parse_facts_file(tmp_path)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (3 * 1024 * 1024))
    with pytest.raises(FactsError, match="文件过大"):
        parse_facts_file(huge)


def test_file_errors_name_the_file_and_every_field(tmp_path: Path) -> None:
    data = _valid()
    data["parts"]["work"][0]["facts"][0] = 3
    data["org"] = 5
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactsError) as caught:
        parse_facts_file(path, kinds=KINDS)
    assert str(caught.value).startswith("mine.yaml: 事实材料有 2 处问题")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026年上半年", "2026年下半年"),
        ("2026年下半年", "2027年上半年"),
        ("2025年", "2026年"),
        ("2025年度", "2026年"),
        ("2026年第一季度", "2026年第二季度"),
        ("2026年第4季度", "2027年第一季度"),
        ("2026年三季度", "2026年第四季度"),
        ("今年以来", None),
    ],
)
def test_next_period_is_inferred(period: str, expected: str | None) -> None:
    assert infer_next_period(period) == expected


HEADED_TEXT = """提纲：half-year
单位：临河县农业农村局
时期：2026年上半年
上级：县委、县政府
【工作】
粮食生产（小标题：稳住粮食生产基本盘）：
落实粮食播种面积48.6万亩
夏粮总产量12.4万吨
乡村产业（含农产品加工）：新培育龙头企业6家
【问题】
户厕管护机制不健全
部分村集体经济收入偏低
【计划】
农村改厕（回应：1）：完善户厕管护机制
集体经济（针对：集体经济、2）（小标题：发展壮大村级集体经济）：
推进“一村一品”
"""


def test_pasted_text_gives_areas_their_own_heading_and_plans_their_answers() -> None:
    sheet = parse_facts_text(HEADED_TEXT, kinds=KINDS)
    work, plans = sheet.parts["work"], sheet.parts["plans"]
    assert sheet.superior == "县委、县政府"
    assert [(g.area, g.heading, len(g.facts)) for g in work] == [
        ("粮食生产", "稳住粮食生产基本盘", 2),  # the heading line's notes hold for the lines below
        ("乡村产业（含农产品加工）", None, 1),  # a bracket that is no note stays in the name
    ]
    assert [(g.area, g.heading, g.answers) for g in plans] == [
        ("农村改厕", None, ("1",)),
        ("集体经济", "发展壮大村级集体经济", ("集体经济", "2")),
    ]
    assert parse_facts_text(facts_to_text(sheet), kinds=KINDS) == sheet


def test_an_answer_outside_the_plans_or_to_no_problem_is_named() -> None:
    with pytest.raises(FactsError, match=r"parts\.work\[0\]\.answers"):
        parse_facts_text(
            "提纲：half-year\n单位：某局\n时期：2026年上半年\n粮食生产（回应：1）：事实", kinds=KINDS
        )
    text = HEADED_TEXT.replace("（回应：1）", "（回应：5）")
    with pytest.raises(FactsError, match="找不到对应的问题“5”"):
        parse_facts_text(text, kinds=KINDS)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026年07月05日", "2026年7月5日"),
        ("2026.7.5", "2026年7月5日"),
        ("二〇二六年七月五日", "2026年7月5日"),
    ],
)
def test_the_document_date_is_stored_in_the_standard_form(given: str, expected: str) -> None:
    data = _valid()
    data["date"] = given
    assert parse_facts_mapping(data, kinds=KINDS).date == expected


@pytest.mark.parametrize("given", ["七月上旬", "2026年2月30日", "下周一"])
def test_a_date_that_is_no_calendar_date_is_refused_with_the_form_to_use(given: str) -> None:
    data = _valid()
    data["date"] = given
    [problem] = _problems(data)
    assert problem.startswith("date: 无法识别的成文日期") and given in problem and "2026年7月5日" in problem


def test_the_pasted_text_form_takes_the_document_date_and_writes_it_back() -> None:
    text = "提纲：half-year\n单位：某某区委组织部\n时期：2026年上半年\n成文日期：2026-07-05\n举办培训班3期\n"
    sheet = parse_facts_text(text, kinds=KINDS)
    assert sheet.date == "2026年7月5日"
    assert "成文日期：2026年7月5日" in facts_to_text(sheet)
    assert parse_facts_text(facts_to_text(sheet), kinds=KINDS) == sheet
    assert parse_facts_text(text.replace("成文日期", "日期"), kinds=KINDS).date == "2026年7月5日"


def test_no_date_is_fine() -> None:
    assert parse_facts_mapping(_valid(), kinds=KINDS).date is None
