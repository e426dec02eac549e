"""Cleaning by block, position and shape on files collected one at a time (no other file to compare)."""

from __future__ import annotations

import pytest

from retrieval.documents import CleanedDocument, Line, LoadedDocument
from retrieval.ingest.cleaning import EmptyLineIndex, clean
from retrieval.ingest.edges import REASON_TAIL_BLOCK, REASON_TOP_BLOCK, find_edges
from retrieval.ingest.report_lines import is_report_line, looks_like_title, noise_signals

AD_BLOCK = [
    "机关文秘之家　　专业　权威　实用",
    "十年磨一剑　只为写好一篇材料",
    "【通知】春节期间客服暂停服务，恢复时间另行通知",
    "订阅本站会员，海量材料任你选",
    "会员群：　　　　　免费QQ群：　　　",
    "违规内容举报：　　　　　　",
]
TITLE = "远山县林业局2023年上半年工作总结和下半年工作计划"
BODY = [
    "远山县林业局2023年上半年工作总结和下半年工作计划",
    "文秘老王整理，咨询QQ：1379246802",
    "2023年上半年，县林业局紧紧围绕林长制改革主线，统筹推进森林资源保护和林业产业发展，各项工作取得阶段性成效。",
    "一、上半年工作完成情况",
    "完成植树造林1.6万亩，森林覆盖率稳定在71.3%。建立护林员QQ群和微信群，每日通报火险等级。",
    "二、存在的问题",
    "林下经济规模小，会员制合作社带动能力弱，部分林农对订阅天气预警、下载防火APP等还不熟悉。",
    "三、下半年工作计划",
    "指导林农下载“林长通”APP上报火情，年底前实现护林员会员化管理全覆盖，持续提升巡护效率。",
]
TAIL = [
    "文秘老王整理，咨询QQ：1379246802",
    "（全文完）",
    "本站部分内容由网友上传，如有侵权请联系删除。",
    "下载本文完整版请加会员",
]


def _clean(lines: list[str]) -> CleanedDocument:
    # Loaders drop blank lines (full-width spaces included), as here.
    kept = [Line(t) for t in lines if t.strip()]
    return clean(LoadedDocument(path="x.txt", lines=kept), EmptyLineIndex())


def test_a_single_file_loses_its_ad_block_and_tail_as_blocks() -> None:
    lines = AD_BLOCK + BODY + TAIL
    cleaned = _clean(AD_BLOCK[:2] + ["", "\u3000\u3000"] + AD_BLOCK[2:] + BODY + TAIL)
    lines = [t for t in lines if t.strip()]
    removed = {r.line_no: r.reason for r in cleaned.removed}
    top = [i for i, t in enumerate(AD_BLOCK) if t.strip()]
    assert set(top) <= removed.keys()
    assert removed[0] == REASON_TOP_BLOCK  # a slogan has no mark of its own: the block takes it
    tail = range(len(AD_BLOCK) + len(BODY), len(lines))
    assert set(tail) <= removed.keys()
    # The "整理，咨询QQ" line between title and body goes on its own shape.
    assert len(AD_BLOCK) + 1 in removed
    kept = [line.text for line in cleaned.lines]
    assert kept == [t for n, t in enumerate(BODY) if n != 1]
    assert kept[0] == TITLE


def test_report_sentences_naming_qq_groups_members_subscriptions_and_downloads_stay() -> None:
    # The last line of the body ends the report: the tail scan stops there, words or not.
    kept = [line.text for line in _clean(BODY + TAIL).lines]
    for line in (BODY[4], BODY[6], BODY[8]):
        assert line in kept


def test_a_title_wrapped_after_its_organisation_is_kept_whole() -> None:
    lines = [*AD_BLOCK[:3], "远山县林业局", "2023年度工作总结", *BODY[2:]]
    edges = find_edges(lines)
    assert (edges.title_start, edges.title_end) == (3, 5)
    assert find_edges(["远山县林业局2023年度", "工作总结", *BODY[2:]]).title_end == 2
    kept = [line.text for line in _clean(lines).lines]
    assert kept[:2] == ["远山县林业局", "2023年度工作总结"]


def test_a_sidebar_title_without_a_body_under_it_is_not_the_title() -> None:
    lines = ["热门：", "某某局2022年工作总结", "某某局2021年工作总结", *BODY]
    edges = find_edges(lines)
    assert edges.title_start == 3


def test_no_recognisable_title_removes_no_block() -> None:
    lines = ["工作总结", *BODY[2:]]
    edges = find_edges(lines)
    assert edges.title_start is None and edges.reason(0) is None
    assert _clean(lines).removed == []


def test_signature_and_date_end_the_report_and_the_tail_below_goes() -> None:
    lines = [*BODY, "远山县林业局", "2023年7月5日", "责任编辑：小周", "上一篇：林业局一季度工作汇报"]
    cleaned = _clean(lines)
    assert [r.reason for r in cleaned.removed if r.line_no >= len(BODY)] == [REASON_TAIL_BLOCK] * 2
    assert [line.text for line in cleaned.lines][-2:] == ["远山县林业局", "2023年7月5日"]


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (TITLE, True),
        ("关于2024年安全生产工作情况的报告", True),
        ("在全县教育工作会议上的讲话", True),
        ("青石街道上半年工作总结", True),
        ("市审计局2025年工作要点（讨论稿）", True),
        ("当前位置：首页 > 工作总结 > 半年总结", False),
        ("每日更新 | 领导讲话 | 工作总结", False),
        ("一、2024年工作完成情况", False),
        ("2024年全县共完成造林1.2万亩，超额完成任务。", False),
        ("免费下载2024年工作总结", False),
        ("工作总结", False),
    ],
)
def test_title_shape(line: str, title: bool) -> None:
    assert looks_like_title(line) is title


@pytest.mark.parametrize(
    ("line", "report"),
    [
        ("县人民政府：", True),
        ("县委、县政府：", True),
        ("同志们：", True),
        ("特此汇报。", True),
        ("远山县林业局", True),
        ("二〇二三年七月五日", True),
        ("（二）强化森林防火。", True),
        ("会员群：　　　免费QQ群：", False),
        ("专业　权威　实用", False),
        ("— 3 —", False),
    ],
)
def test_report_line_shape(line: str, report: bool) -> None:
    assert is_report_line(line) is report


def test_noise_signals_count_site_marks_not_report_words() -> None:
    assert noise_signals("【温馨提示】开通会员即可免费下载") >= 3
    assert noise_signals("上一篇：某局工作总结") >= 2
    assert noise_signals("会员群：　　　免费QQ群：") >= 3
    assert noise_signals("全县新增农民专业合作社会员1260户，带动增收3800万元。") == 1
    assert noise_signals("二、存在的问题") == 0
