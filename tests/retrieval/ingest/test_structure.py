from __future__ import annotations

import pytest

from retrieval.documents import Block, CleanedDocument, Line, LoadedDocument, ReportStructure
from retrieval.ingest.cleaning import EmptyLineIndex, clean
from retrieval.ingest.report_meta import read_meta
from retrieval.ingest.structure import parse_structure


def _cleaned(*items: str | Line, path: str = "报告.txt") -> CleanedDocument:
    lines = [item if isinstance(item, Line) else Line(item) for item in items]
    cleaned = clean(LoadedDocument(path=path, lines=lines), EmptyLineIndex())
    assert cleaned.removed == []  # the fixtures are clean: structure is all we test here
    return cleaned


def _parse(*items: str | Line, file_name: str = "报告.txt") -> tuple[CleanedDocument, ReportStructure]:
    cleaned = _cleaned(*items, path=file_name)
    structure = parse_structure(cleaned, file_name=file_name)
    for block in structure.blocks:
        assert cleaned.text[block.start : block.end] == block.text
    starts = [b.start for b in structure.blocks]
    assert starts == sorted(starts)
    return cleaned, structure


def _find(structure: ReportStructure, text: str) -> Block:
    return next(b for b in structure.blocks if b.text.startswith(text))


def _parts(structure: ReportStructure, kind: str = "paragraph") -> list[tuple[str, str]]:
    return [(b.part, b.text[:6]) for b in structure.blocks if b.kind == kind]


HALF_YEAR = [
    "青川区委组织部2025年上半年工作总结和下半年工作计划",
    "今年以来，区委组织部坚持以习近平新时代中国特色社会主义思想为指导，扎实推进各项工作。现将有关情况报告如下。",
    "一、上半年工作开展情况",
    "（一）强化政治引领，筑牢思想根基。全年共举办专题读书班3期，培训党员干部620人次。",
    "1.抓实理论学习。组织集中学习9次、专题研讨4次。",
    "2.抓实查摆整改。查摆作风方面问题26个，已完成整改21个。",
    "（二）坚持固本强基，组织体系更加健全。",
    "上半年发展党员13名，转正预备党员18名。",
    "二、存在的问题和不足",
    "一是学习形式单一；二是党员队伍结构不够合理，离退休党员占比达58.6%。",
    "2025下半年党的建设重点任务",
    "（一）巩固深化学习教育成果。对尚未完成整改的5个问题明确时限、跟踪督办。",
    "（二）加强党员队伍建设。把发展党员重点向青年倾斜。",
    "下半年，区委组织部将以更加务实的作风推动各项工作落地见效，确保全面完成全年目标任务。",
]


def test_half_year_summary_with_numbered_and_unnumbered_parts() -> None:
    cleaned, s = _parse(*HALF_YEAR, file_name="2025-青川区委组织部-上半年工作总结.txt")
    assert (s.title, s.kind, s.period, s.year, s.org) == (
        HALF_YEAR[0],
        "half-year",
        "2025年上半年",
        2025,
        "青川区委组织部",
    )
    assert s.addressee is None and s.greeting is None
    assert [(b.part, b.level, b.text) for b in s.blocks if b.kind == "heading"] == [
        ("work", 1, "一、上半年工作开展情况"),
        ("work", 2, "（一）强化政治引领，筑牢思想根基。"),
        ("work", 3, "1.抓实理论学习。"),
        ("work", 3, "2.抓实查摆整改。"),
        ("work", 2, "（二）坚持固本强基，组织体系更加健全。"),
        ("problems", 1, "二、存在的问题和不足"),
        ("plans", 1, "2025下半年党的建设重点任务"),
        ("plans", 2, "（一）巩固深化学习教育成果。"),
        ("plans", 2, "（二）加强党员队伍建设。"),
    ]
    assert _parts(s) == [
        ("opening", "今年以来，区"),
        ("work", "全年共举办专"),
        ("work", "组织集中学习"),
        ("work", "查摆作风方面"),
        ("work", "上半年发展党"),
        ("problems", "一是学习形式"),
        ("plans", "对尚未完成整"),
        ("plans", "把发展党员重"),
        ("closing", "下半年，区委"),
    ]
    assert s.blocks[0].kind == "title" and s.blocks[0].part == "opening"
    assert _find(s, "查摆作风").heading_path == (
        "一、上半年工作开展情况",
        "（一）强化政治引领，筑牢思想根基。",
        "2.抓实查摆整改。",
    )
    assert _find(s, "下半年，区委").heading_path == ()


def test_heading_and_body_in_one_paragraph_are_split_at_exact_offsets() -> None:
    line = "（一）强化政治引领，筑牢思想根基。全年共举办专题读书班3期。"
    cleaned, s = _parse("某局2025年工作总结", "一、主要工作", line)
    heading, body = s.blocks[-2], s.blocks[-1]
    start = cleaned.text.index(line)
    assert (heading.kind, heading.text, heading.start, heading.end) == (
        "heading",
        "（一）强化政治引领，筑牢思想根基。",
        start,
        start + 17,
    )
    assert (body.kind, body.text, body.start, body.end) == (
        "paragraph",
        "全年共举办专题读书班3期。",
        start + 17,
        start + len(line),
    )
    assert body.heading_path == ("一、主要工作", heading.text)


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、主要工作", 1),
        ("第一部分 总体情况", 1),
        ("（三）强化保障", 2),
        ("(三)强化保障", 2),
        ("1.强化学习", 3),
        ("2、强化学习", 3),
        ("3．强化学习", 3),
        ("（1）抓学习", 4),
        ("——党建引领，凝聚合力", 5),
    ],
)
def test_heading_levels_follow_the_official_numbering(line: str, level: int) -> None:
    _, s = _parse("某局2025年工作总结", line, "全年完成各项任务。")
    heading = _find(s, line)
    assert (heading.kind, heading.level) == ("heading", level)


def test_numbers_that_are_not_headings_stay_paragraphs() -> None:
    _, s = _parse("某局2025年工作总结", "3.42亿元的预算收入全部完成。", "2025年，全局上下共同努力。")
    assert [b.kind for b in s.blocks] == ["title", "paragraph", "paragraph"]


def test_speech_with_speaker_date_greeting_and_implicit_parts() -> None:
    lines = [
        "在全区组织工作会议上的讲话",
        "区委常委、组织部部长 李××",
        "（2025年3月6日）",
        "同志们：",
        "这次全区组织工作会议，是经区委同意召开的一次重要会议。下面，我讲两点意见。",
        "一、肯定成绩，正视不足，切实增强做好组织工作的责任感使命感",
        "2024年，全区各级组织部门坚持围绕中心、服务大局，各项工作取得了新的成效。",
        "（一）理论武装持续深化。区委理论学习中心组开展专题学习12次。",
        "在肯定成绩的同时，我们也要清醒看到，全区组织工作还存在一定差距：一是理论学习有时还停留在表面；二是干部队伍结构还不够优化。",
        "二、突出重点，狠抓落实，推动2025年组织工作高质量发展",
        "（一）坚持用党的创新理论凝心铸魂。年内分层分类轮训党员干部5000人次以上。",
        "同志们，做好今年的组织工作，使命光荣、责任重大。让我们锐意进取、真抓实干，奋力开创全区组织工作新局面！",
    ]
    _, s = _parse(*lines, file_name="2025-青川区委-全区组织工作会议讲话.txt")
    assert (s.kind, s.period, s.year, s.org, s.greeting) == ("speech", "2025年", 2025, "青川区委", "同志们：")
    assert [b.kind for b in s.blocks[:4]] == ["title", "speaker", "speaker", "greeting"]
    assert _parts(s) == [
        ("opening", "这次全区组织"),
        ("work", "2024年，"),
        ("work", "区委理论学习"),
        ("problems", "在肯定成绩的"),
        ("plans", "年内分层分类"),
        ("closing", "同志们，做好"),
    ]
    assert _find(s, "在肯定成绩").heading_path == (
        "一、肯定成绩，正视不足，切实增强做好组织工作的责任感使命感",
    )


def test_speech_requirements_after_the_plans_stay_plans_and_thanks_close_it() -> None:
    lines = [
        "在2025年全区民政工作会议上的讲话",
        "同志们：",
        "今天召开全区民政工作会议，主要任务是总结工作、部署任务。",
        "一、肯定成绩，2024年全区民政工作取得新成效",
        "全年发放各类救助资金1.2亿元，新建社区养老服务站6个。",
        "二、突出重点，扎实推进2025年民政各项工作",
        "（一）织密兜牢民生保障网。年内实现低收入人口动态监测全覆盖。",
        "三、强化保障，确保各项任务落到实处",
        "（一）加强作风建设。要大兴调查研究之风，深入困难群众家中了解诉求。",
        "同志们，民政工作连着千家万户。让我们真抓实干，奋力开创民政事业新局面！",
        "谢谢大家！",
    ]
    _, s = _parse(*lines, file_name="2025-桐山区民政局-全区民政工作会议讲话.txt")
    assert _parts(s) == [
        ("opening", "今天召开全区"),
        ("work", "全年发放各类"),
        ("plans", "年内实现低收"),
        ("plans", "要大兴调查研"),
        ("closing", "同志们，民政"),
        ("closing", "谢谢大家！"),
    ]
    assert _find(s, "三、强化保障").part == "plans"


def test_quarterly_report_with_addressee_highlights_next_steps_and_signature() -> None:
    lines = [
        "临河县卫生健康局关于2025年第三季度工作情况的汇报",
        "市卫生健康委员会：",
        "今年第三季度，我局紧紧围绕年度目标任务，统筹推进各项工作。现将有关情况汇报如下。",
        "一、突出一个‘早’字，织牢疾病防控“安全网”",
        "针对三季度高温多雨的特点，我局坚持关口前移、早防早控，三季度累计监测发热病人6,482人次。",
        "二、突出一个‘实’字，做细基层健康“守门人”",
        "全县常住人口家庭医生签约率达42.3%，较二季度末提高3.4个百分点。",
        "三、当前存在的主要问题",
        "一是基层卫生人才短缺；二是医共体内部信息系统互联互通不够顺畅。",
        "下一步，我局将紧盯全年目标任务，重点抓好以下工作：一是抓好秋冬季呼吸道传染病防控；二是实施基层卫生人才“县管乡用”。",
        "特此汇报。",
        "临河县卫生健康局",
        "2025年10月9日",
    ]
    _, s = _parse(*lines, file_name="2025Q3-临河县卫生健康局-情况汇报.txt")
    assert (s.kind, s.period, s.year, s.org, s.addressee) == (
        "quarterly",
        "2025年第三季度",
        2025,
        "临河县卫生健康局",
        "市卫生健康委员会",
    )
    assert [(b.part, b.level) for b in s.blocks if b.kind == "heading"] == [
        ("work", 1),
        ("work", 1),
        ("problems", 1),
    ]
    assert [(b.kind, b.part, b.text[:5]) for b in s.blocks[-5:]] == [
        ("paragraph", "problems", "一是基层卫"),
        ("paragraph", "plans", "下一步，我"),
        ("paragraph", "closing", "特此汇报。"),
        ("signature", "closing", "临河县卫生"),
        ("signature", "closing", "2025年"),
    ]
    assert _find(s, "下一步").heading_path == ()


def test_styled_unnumbered_part_headings_and_dash_group_headings() -> None:
    lines = [
        Line("青川区委组织部2025年上半年工作总结及下半年工作安排", "title"),
        Line("今年以来，区委组织部认真落实组织部长会议部署要求，各项工作取得新成效。"),
        Line("上半年主要工作", "heading1"),
        Line("——聚焦主责主业，把稳干部工作正确方向。"),
        Line("（一）突出政治引领，扎实开展学习教育", "heading2"),
        Line("1.强化学习引导。推动全区1,131个基层党组织全覆盖参加学习。"),
        Line("——聚焦选贤任能，建设高素质专业化干部队伍。"),
        Line("（二）树立鲜明用人导向", "heading2"),
        Line("上半年共调整干部143名，其中提拔重用45名。"),
        Line("存在的主要问题", "heading1"),
        Line("部分班次课程设置“大而全”，训前调研显示有23.5%的参训干部反映专业课程偏少。"),
        Line("下半年工作安排", "heading1"),
        Line("（一）持续巩固学习教育成果", "heading2"),
        Line("对尚未完成整改的13个问题挂图作战、逐项销号。"),
    ]
    _, s = _parse(*lines, file_name="2025-青川区委组织部-上半年工作总结.docx")
    assert (s.title, s.kind, s.period, s.org) == (
        lines[0].text,
        "half-year",
        "2025年上半年",
        "青川区委组织部",
    )
    headings = [(b.part, b.level, b.text[:6]) for b in s.blocks if b.kind == "heading"]
    assert headings == [
        ("work", 1, "上半年主要工"),
        ("work", 5, "——聚焦主责"),
        ("work", 2, "（一）突出政"),
        ("work", 3, "1.强化学习"),
        ("work", 5, "——聚焦选贤"),
        ("work", 2, "（二）树立鲜"),
        ("problems", 1, "存在的主要问"),
        ("plans", 1, "下半年工作安"),
        ("plans", 2, "（一）持续巩"),
    ]
    # "——" lead-ins group the （一） sections beneath them, though numbered level 5.
    assert _find(s, "上半年共调整").heading_path == (
        "上半年主要工作",
        "——聚焦选贤任能，建设高素质专业化干部队伍。",
        "（二）树立鲜明用人导向",
    )


def test_markdown_heading_levels_are_relative_to_the_document() -> None:
    lines = [
        Line("南屏县市场监督管理局2026年上半年工作总结", "heading1"),
        Line("2026年上半年，县市场监督管理局各项工作取得积极成效。"),
        Line("一、上半年工作开展情况", "heading2"),
        Line("（一）坚持“四个最严”，守牢食品安全底线", "heading3"),
        Line("全县1185名包保干部开展包保督导2.6万余次。"),
        Line("存在的主要问题", "heading2"),
        Line("一是食品安全监管基础仍然薄弱；二是特种设备隐患仍然较多。"),
        Line("下半年工作安排", "heading2"),
        Line("年内为11个乡镇市场监管所更新配备食品快检设备。"),
    ]
    _, s = _parse(*lines)
    assert s.blocks[0].kind == "title"
    assert [(b.part, b.level) for b in s.blocks if b.kind == "heading"] == [
        ("work", 1),
        ("work", 2),
        ("problems", 1),
        ("plans", 1),
    ]


def test_school_dash_headings_with_bodies_and_a_dash_sentence() -> None:
    lines = [
        "青川区第二实验小学2025年上半年工作总结和下半年工作计划",
        "2025年春季学期，学校扎实推进各项工作，办学质量稳步提升。",
        "一、上半年工作回顾",
        "——党建引领，凝聚办学治校合力。学校党支部上半年召开支部委员会会议11次。",
        "二、下半年工作计划",
        "——抓好近视防控和体质健康，确保学生每天校内外体育活动时间各不少于1小时，力争六年级学生近视率下降2个百分点。",
        "下半年，学校将继续凝心聚力、真抓实干，努力办好人民满意的教育。",
    ]
    _, s = _parse(*lines)
    assert [(b.kind, b.part, b.level, b.text[:6]) for b in s.blocks[2:]] == [
        ("heading", "work", 1, "一、上半年工"),
        ("heading", "work", 5, "——党建引领"),
        ("paragraph", "work", 0, "学校党支部上"),
        ("heading", "plans", 1, "二、下半年工"),
        ("paragraph", "plans", 0, "——抓好近视"),  # a long dash sentence is content, not a heading
        ("paragraph", "closing", 0, "下半年，学校"),
    ]


def test_a_title_wrapped_over_two_lines() -> None:
    cleaned, s = _parse(
        "青川区委组织部关于2025年上半年", "工作情况的汇报", "县委：", "上半年，我部扎实推进各项工作。"
    )
    assert s.title == "青川区委组织部关于2025年上半年工作情况的汇报"
    title = s.blocks[0]
    assert (title.kind, title.text) == ("title", "青川区委组织部关于2025年上半年\n工作情况的汇报")
    assert s.addressee == "县委" and s.org == "青川区委组织部"


def test_a_document_without_title_or_headings_still_gets_parts() -> None:
    _, s = _parse(
        "今年以来，我局认真履职尽责，各项工作有序推进。",
        "全年完成检查任务213户，任务完成率100%。",
        "下一步，我局将重点抓好以下工作：一是强化监管；二是优化服务。",
        "我局将以更加务实的作风推动工作落实。",
        file_name="2025-南屏县市场监督管理局-情况汇报.txt",
    )
    assert s.title == "2025-南屏县市场监督管理局-情况汇报"  # falls back to the file name
    assert [b.part for b in s.blocks] == ["opening", "work", "plans", "closing"]
    assert (s.org, s.year) == ("南屏县市场监督管理局", 2025)


@pytest.mark.parametrize(
    ("title", "kwargs", "expected"),
    [
        (
            "青川区委组织部2024年工作总结和2025年工作计划",
            {},
            ("year-end", "2024年全年", 2024, "青川区委组织部"),
        ),
        (
            "中共江城能源集团有限公司委员会2024年党建工作总结和2025年工作要点",
            {},
            ("year-end", "2024年全年", 2024, "中共江城能源集团有限公司委员会"),
        ),
        (
            "江城能源集团有限公司关于2025年一季度生产经营和党建工作情况的汇报",
            {},
            ("quarterly", "2025年第一季度", 2025, "江城能源集团有限公司"),
        ),
        (
            "石门镇党委关于2025年第二季度工作情况的汇报",
            {},
            ("quarterly", "2025年第二季度", 2025, "石门镇党委"),
        ),
        (
            "关于城南支行党委2025年第三季度工作情况的汇报",  # the issuer written after 关于
            {},
            ("quarterly", "2025年第三季度", 2025, "城南支行党委"),
        ),
        ("东湖街道党工委2025年上半年工作总结", {}, ("half-year", "2025年上半年", 2025, "东湖街道党工委")),
        ("某局二〇二四年下半年工作总结", {}, ("half-year", "2024年下半年", 2024, "某局")),
        (
            "在全县卫生健康工作会议上的讲话",
            {"dates": ("（2025年2月18日）",)},
            ("speech", "2025年", 2025, None),
        ),
        (
            "工作情况汇报",
            {"file_name": "2025Q2-石门镇党委-情况汇报.txt"},
            ("quarterly", "2025年第二季度", 2025, "石门镇党委"),
        ),
        (
            "2025年上半年工作总结",
            {"signature_org": "中共石门镇委员会"},
            ("half-year", "2025年上半年", 2025, "中共石门镇委员会"),
        ),
        ("关于近期工作的情况说明", {"file_name": "情况说明.txt"}, ("other", None, None, None)),
    ],
)
def test_kind_period_year_and_org_from_the_title(title: str, kwargs: dict, expected: tuple) -> None:
    meta = read_meta(title, **kwargs)
    assert (meta.kind, meta.period, meta.year, meta.org) == expected
