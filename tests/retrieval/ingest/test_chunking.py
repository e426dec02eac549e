from __future__ import annotations

import re

from retrieval.documents import CleanedDocument, Line, LoadedDocument, Passage
from retrieval.ingest.chunking import MIN_CHARS, chunk_structure
from retrieval.ingest.cleaning import EmptyLineIndex, clean
from retrieval.ingest.structure import parse_structure

SENTENCE_END = re.compile(r"[。！？；]$")


def _chunk(
    *items: str | Line, max_chars: int = 320, file_name: str = "2025-某局-上半年工作总结.txt"
) -> tuple[CleanedDocument, list[Passage]]:
    lines = [item if isinstance(item, Line) else Line(item) for item in items]
    cleaned = clean(LoadedDocument(path=file_name, lines=lines), EmptyLineIndex())
    structure = parse_structure(cleaned, file_name=file_name)
    passages = chunk_structure(structure, cleaned, doc_id="doc7", source=file_name, max_chars=max_chars)
    for p in passages:
        assert cleaned.text[p.start : p.end] == p.text
        assert p.text == p.text.strip()
    return cleaned, passages


def _sentences(n: int, words: str = "完成各项工作任务并取得明显成效") -> str:
    return "".join(f"第{i}项{words}。" for i in range(1, n + 1))


def test_passages_follow_paragraphs_and_carry_metadata() -> None:
    cleaned, passages = _chunk(
        "临河县卫生健康局2025年上半年工作总结",
        "今年上半年，县卫生健康局坚持以人民健康为中心，扎实推进各项重点工作。现将有关情况总结如下。",
        "一、上半年工作完成情况",
        "（一）坚持提质扩面，家庭医生签约服务更加贴近群众",
        "截至6月底，全县组建家庭医生团队178个，常住人口签约率为38.9%，重点人群签约率为76.8%。",
        "二、存在的问题",
        "家庭医生签约“重数量、轻服务”问题仍然存在，部分团队履约服务不够规范。",
        "三、下半年工作打算",
        "以“做实履约”为重点，开展签约服务质量专项督导，力争年底全县常住人口签约率达到45%。",
        file_name="2025-临河县卫生健康局-上半年工作总结.md",
    )
    assert [(p.part, p.heading) for p in passages] == [
        ("opening", ""),
        ("work", "一、上半年工作完成情况 / （一）坚持提质扩面，家庭医生签约服务更加贴近群众"),
        ("problems", "二、存在的问题"),
        ("plans", "三、下半年工作打算"),
    ]
    first = passages[1]
    assert first.text.startswith("截至6月底")  # the heading is context, not text
    assert [p.id for p in passages] == ["doc7:0", "doc7:1", "doc7:2", "doc7:3"]
    assert {(p.doc_id, p.source, p.title, p.period, p.year, p.org, p.kind) for p in passages} == {
        (
            "doc7",
            "2025-临河县卫生健康局-上半年工作总结.md",
            "临河县卫生健康局2025年上半年工作总结",
            "2025年上半年",
            2025,
            "临河县卫生健康局",
            "half-year",
        )
    }


def test_long_paragraphs_split_at_inline_enumerations() -> None:
    items = ["一是" + _sentences(2), "二是" + _sentences(3), "三是" + _sentences(2)]
    paragraph = "下半年重点抓好以下工作：" + "；".join(items) + "。"
    _, passages = _chunk("某局2025年上半年工作总结", "一、下半年工作计划", paragraph, max_chars=120)
    texts = [p.text for p in passages]
    assert texts[0].startswith("下半年重点抓好以下工作：一是")  # the short lead-in joins the first item
    assert [t[:2] for t in texts[1:]] == ["二是", "三是"]
    assert "".join(texts) == paragraph


def test_other_enumeration_markers_split_too() -> None:
    for markers in (["（1）", "（2）", "（3）"], ["①", "②", "③"], ["其一，", "其二，", "其三，"]):
        paragraph = "主要做法如下：" + "；".join(m + _sentences(3) for m in markers)
        _, passages = _chunk("某局2025年工作总结", "一、主要工作", paragraph, max_chars=100)
        assert [p.text.lstrip("主要做法如下：")[: len(markers[0])] for p in passages] == markers


def test_long_paragraphs_without_enumerations_split_at_sentence_ends_within_the_limit() -> None:
    paragraph = _sentences(30)
    _, passages = _chunk("某局2025年工作总结", "一、主要工作", paragraph, max_chars=100)
    assert len(passages) > 3
    assert all(len(p.text) <= 100 for p in passages)
    assert all(SENTENCE_END.search(p.text) for p in passages)
    assert "".join(p.text for p in passages) == paragraph


def test_a_single_long_sentence_stays_whole_up_to_twice_the_limit() -> None:
    sentence = "，".join(["全县组建家庭医生团队178个"] * 10) + "。"  # ~150 chars, one sentence
    _, passages = _chunk("某局2025年工作总结", "一、主要工作", sentence + _sentences(2), max_chars=100)
    assert passages[0].text == sentence
    assert all(len(p.text) <= 200 for p in passages)


def test_a_sentence_beyond_twice_the_limit_splits_at_commas() -> None:
    sentence = "，".join(["全县组建家庭医生团队178个"] * 30) + "。"  # ~450 chars
    _, passages = _chunk("某局2025年工作总结", "一、主要工作", sentence, max_chars=100)
    assert len(passages) >= 5
    assert all(len(p.text) <= 100 for p in passages)
    assert all(p.text.endswith(("，", "。")) for p in passages)


def test_tiny_fragments_merge_under_the_same_heading_only() -> None:
    _, passages = _chunk(
        "某局2025年上半年工作总结",
        "一、主要工作",
        "全年完成各项任务。",  # tiny, alone under its heading: stays
        "二、存在的问题",
        "主要问题如下：",  # tiny, merges with the next paragraph under the same heading
        "一是人员不足，基层监管力量薄弱，难以适应繁重的监管任务。",
        max_chars=320,
    )
    assert [p.text for p in passages] == [
        "全年完成各项任务。",
        "主要问题如下：\n一是人员不足，基层监管力量薄弱，难以适应繁重的监管任务。",
    ]
    assert all(len(p.text) >= MIN_CHARS or p.heading == "一、主要工作" for p in passages)


def test_highlight_headings_lead_their_first_paragraph() -> None:
    cleaned, passages = _chunk(
        "江城能源集团有限公司关于2025年一季度生产经营和党建工作情况的汇报",
        "市国资委党委：",
        "2025年一季度，集团公司统筹推进能源保供、转型发展和党的建设各项工作。",
        "一、突出一个‘稳’字，全力保障能源安全稳定供应",
        "面对春节期间用电负荷高位运行等挑战，集团公司成立保供工作专班，实行“日调度、周分析”机制。",
        "二、存在的问题",
        "一是燃料成本仍处高位；二是新能源消纳矛盾有所显现。",
        "下一步，集团公司将重点抓好以下工作：一是全力做好迎峰度夏准备；二是加快重点项目建设。",
        "特此汇报。",
        "江城能源集团有限公司",
        "2025年4月8日",
    )
    highlight = passages[1]
    assert highlight.text.startswith("一、突出一个‘稳’字，全力保障能源安全稳定供应\n面对春节期间")
    assert highlight.part == "work"
    assert [p.part for p in passages] == ["opening", "work", "problems", "plans", "closing"]
    assert passages[-1].text == "特此汇报。"  # signature lines are not passages
    assert "2025年4月8日" not in cleaned.text[passages[-1].start : passages[-1].end]


def test_table_rows_are_one_passage_and_split_by_rows() -> None:
    rows = [Line(f"单位{i}｜{90 + i}.5｜好", "table") for i in range(12)]
    _, passages = _chunk(
        "某局2024年工作总结", "一、主要工作", "部分单位考核结果见下表。", *rows, max_chars=80
    )
    tables = [p for p in passages if "｜" in p.text]
    assert len(tables) >= 2
    assert all(len(p.text) <= 80 for p in tables)
    assert sum(p.text.count("\n") + 1 for p in tables) == 12
    assert all(p.text.startswith("单位") for p in tables)


def test_headings_with_nothing_beneath_them_keep_their_content() -> None:
    _, passages = _chunk(
        "某小学2025年上半年工作总结",
        "一、上半年工作回顾",
        "——党建引领，凝聚办学治校合力，党员教师获奖人数占全校获奖总数的62%",
        "——立德树人，深化五育并举，开展主题教育活动23场，建立校外实践基地4个",
    )
    assert [p.text[:6] for p in passages] == ["——党建引领", "——立德树人"]
    assert all(p.heading == "一、上半年工作回顾" for p in passages)


def test_no_passage_exceeds_twice_the_limit_and_overlong_ones_are_single_sentences() -> None:
    paragraph = "；".join(f"{n}是" + _sentences(4) for n in "一二三四五") + "。" + _sentences(12)
    for max_chars in (60, 100, 200, 320):
        _, passages = _chunk("某局2025年工作总结", "一、主要工作", paragraph, max_chars=max_chars)
        for p in passages:
            assert len(p.text) <= 2 * max_chars
            if len(p.text) > max_chars:
                assert len(re.findall(r"[。！？；]", p.text[:-1])) == 0
