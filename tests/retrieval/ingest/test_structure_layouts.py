"""Titles, metadata and parts on layouts as collected: two-part titles, unnumbered part headings,
overviews without a "现将…如下", quarterly next-quarter paragraphs, speeches, years in the opening."""

from __future__ import annotations

from retrieval.documents import Line, LoadedDocument, ReportStructure
from retrieval.ingest.cleaning import EmptyLineIndex, clean
from retrieval.ingest.structure import parse_structure


def _parse(lines: list[str], file_name: str = "下载.txt") -> ReportStructure:
    cleaned = clean(LoadedDocument(path=file_name, lines=[Line(t) for t in lines]), EmptyLineIndex())
    return parse_structure(cleaned, file_name=file_name)


def _parts(structure: ReportStructure) -> list[tuple[str, str]]:
    return [(b.part, b.text[:8]) for b in structure.blocks if b.kind in ("heading", "paragraph")]


def test_a_two_part_title_sets_the_kind_and_the_overview_is_the_opening() -> None:
    s = _parse(
        [
            "【免费下载】海量范文　会员专享",
            "丰水区农业农村局2020年上半年工作总结和下半年工作计划",
            "2020年上半年，局党委团结带领全局干部职工，克服疫情不利影响，全力稳住农业基本盘，各项工作有序推进。",
            "一、上半年工作情况",
            "粮食播种面积稳定在18.2万亩，生猪存栏恢复到去年同期的96%。",
            "二、下半年工作计划",
            "抓好秋粮生产，确保全年粮食总产稳定在8万吨以上。",
        ]
    )
    assert (s.title, s.kind, s.year, s.period, s.org) == (
        "丰水区农业农村局2020年上半年工作总结和下半年工作计划",
        "half-year",
        2020,
        "2020年上半年",
        "丰水区农业农村局",
    )
    assert _parts(s) == [
        ("opening", "2020年上半年"),
        ("work", "一、上半年工作情"),
        ("work", "粮食播种面积稳定"),
        ("plans", "二、下半年工作计"),
        ("plans", "抓好秋粮生产，确"),
    ]


def test_unnumbered_part_headings_of_a_year_end_summary() -> None:
    s = _parse(
        [
            "青峰市档案馆2024年工作总结和2025年工作思路",
            "2024年，市档案馆坚持为党管档、为国守史、为民服务，档案事业发展迈上新台阶。",
            "2024年工作完成情况",
            "接收进馆档案2.6万卷，完成馆藏档案数字化310万页。",
            "存在的困难和问题",
            "库房容量趋于饱和，专业人才缺乏。",
            "2025年工作思路",
            "启动新馆库房扩建前期工作，推进档案数字化全覆盖。",
        ]
    )
    assert (s.kind, s.year, s.period) == ("year-end", 2024, "2024年全年")
    assert [part for part, _ in _parts(s)] == [
        "opening",
        "work",
        "work",
        "problems",
        "problems",
        "plans",
        "plans",
    ]


def test_a_quarterly_reports_next_quarter_paragraph_is_plans() -> None:
    lines = [
        "松溪乡人民政府关于2025年第三季度工作情况的汇报",
        "县人民政府：",
        "三季度以来，我乡围绕年度目标，扎实推进各项工作。现将有关情况汇报如下：",
        "一、工作完成情况",
        "完成高标准农田建设3200亩，新修机耕道6公里。",
        "二、存在的问题",
        "乡村两级财力紧张，部分项目推进缓慢。",
        "第四季度，全乡将重点抓好以下工作：一是完成高标准农田验收；二是做好冬季森林防火。",
        "特此汇报。",
        "松溪乡人民政府",
        "2025年10月8日",
    ]
    s = _parse(lines)
    assert (s.kind, s.period, s.org) == ("quarterly", "2025年第三季度", "松溪乡人民政府")
    fourth = next(b for b in s.blocks if b.text.startswith("第四季度"))
    assert fourth.part == "plans"
    assert [b.part for b in s.blocks if b.kind == "signature"] == ["closing", "closing"]
    # In a report on the fourth quarter itself, "第四季度，…" tells what was done.
    q4 = _parse([lines[0].replace("第三季度", "第四季度"), *lines[1:]])
    assert next(b for b in q4.blocks if b.text.startswith("第四季度")).part != "plans"


def test_a_speech_with_review_problems_tasks_and_a_comrades_closing() -> None:
    s = _parse(
        [
            "在全区文化旅游工作会议上的讲话",
            "区委常委、宣传部部长　林××",
            "（2025年2月26日）",
            "同志们：",
            "今天召开全区文化旅游工作会议，主要任务是总结去年工作，部署今年任务。",
            "一、回顾过去一年的工作",
            "去年全区接待游客1260万人次，旅游总收入增长11.2%。",
            "二、存在的主要问题",
            "产品同质化明显，夜间消费业态不足。",
            "三、今年的重点任务",
            "（一）打造精品线路。推出四季主题线路8条。",
            "同志们，文旅融合大有可为。让我们齐心协力，推动全区文化旅游高质量发展！",
        ]
    )
    assert (s.kind, s.year, s.period, s.greeting) == ("speech", 2025, "2025年", "同志们：")
    assert [part for part, _ in _parts(s)] == [
        "opening", "work", "work", "problems", "problems", "plans", "plans", "plans", "closing",
    ]  # fmt: skip


def test_year_and_period_from_the_opening_when_the_title_has_none() -> None:
    s = _parse(
        [
            "河湾镇半年工作总结",
            "2021年上半年，镇党委、镇政府团结带领全镇干部群众，扎实推进各项工作。",
            "一、主要工作",
            "完成招商引资项目6个，到位资金2.1亿元。",
        ],
        file_name="000_17ac.txt",
    )
    assert (s.kind, s.year, s.period, s.org) == ("half-year", 2021, "2021年上半年", "河湾镇")
