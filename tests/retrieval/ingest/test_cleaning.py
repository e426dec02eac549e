from __future__ import annotations

import pytest

from retrieval.documents import Line, LoadedDocument
from retrieval.ingest.cleaning import (
    EmptyLineIndex,
    InMemoryLineIndex,
    candidate_fingerprints,
    clean,
    line_fingerprint,
)

HEADER = "江城政务资料网 内部交流"
FOOTER = "本材料仅供内部学习交流"

# Real content that a word blacklist would wrongly drop.
QQ_CONTENT = "依托社区党员QQ群、微信群开展线上学习，覆盖党员1,260余人次"
MEMBER_CONTENT = "社区志愿服务协会新增会员85名"
PAGE_CONTENT = "详见《村级事务操作手册》第3页"

WEB_DOC = [
    (HEADER, "在3份文件中重复出现的页眉页脚"),
    ("东湖街道党工委2025年上半年工作总结", None),
    ("&nbsp;&nbsp;今年以来，街道党工委坚持党建引领，各项工作取得新成效。</p>", None),
    ("一、上半年工作开展情况", None),
    ("（一）创新学习方式。" + QQ_CONTENT + "。", None),
    (QQ_CONTENT, None),
    (MEMBER_CONTENT, None),
    (PAGE_CONTENT, None),
    ("— 1 —", "页码"),
    (HEADER, "在3份文件中重复出现的页眉页脚"),
    ('<div class="ad">', "HTML 残片"),
    ("咨询QQ：2855XXXX 加入会员群获取更多范文", "广告/联系方式"),
    ("原创代写请联系微信 gw_fw_xx", "广告/联系方式"),
    ("</div>", "HTML 残片"),
    ("公文范文库 水印", "水印"),
    ("&nbsp;", "HTML 残片"),
    ("（二）强化引领作用。引导1,580名在职党员到社区报到，参与志愿服务2.3万余小时。", None),
    ("- 2 -", "页码"),
    ("第 3 页 共 9 页", "页码"),
    ("3/9", "页码"),
    ("★★★★★★★★", "无文字的符号行"),
    ("【会员专享】本文档已加密，付费后可复制", "广告/联系方式"),
    ("二、存在的问题", None),
    ("一是学习形式单一；二是党员结构不够合理。", None),
    ("考核结果｜得分", None),  # a table row (style set below)
    ("版权所有 © 公文范文库 未经许可不得转载", "版权声明"),
    ("更多精品范文请访问公文范文库 下载无水印完整版", "广告/联系方式"),
    (FOOTER, "在3份文件中重复出现的页眉页脚"),
]


def _doc(texts: list[str], path: str = "web.txt") -> LoadedDocument:
    lines = [Line(t, style="table" if "｜" in t else "body") for t in texts]
    return LoadedDocument(path=path, lines=lines)


def _other_report(name: str) -> LoadedDocument:
    return _doc([HEADER, f"{name}2024年工作总结", "一、主要工作", "全年完成各项任务。", FOOTER], path=name)


def _batch_index(*docs: LoadedDocument) -> InMemoryLineIndex:
    index = InMemoryLineIndex()
    for doc in docs:
        index.add(doc.path, candidate_fingerprints(doc))
    return index


def test_web_collected_document_loses_exactly_its_noise_with_reasons() -> None:
    doc = _doc([text for text, _ in WEB_DOC])
    index = _batch_index(doc, _other_report("甲局"), _other_report("乙局"))
    cleaned = clean(doc, index.excluding(doc.path))

    dropped = {r.line_no: r.reason for r in cleaned.removed if "行内" not in r.reason}
    expected = {i: reason for i, (_, reason) in enumerate(WEB_DOC) if reason}
    assert dropped == expected
    for kept in (QQ_CONTENT, MEMBER_CONTENT, PAGE_CONTENT, "二、存在的问题", "考核结果｜得分"):
        assert kept in [line.text for line in cleaned.lines]
    # Inline HTML is stripped from a real line instead of dropping it, and the stripping is recorded.
    assert cleaned.lines[1].text == "今年以来，街道党工委坚持党建引领，各项工作取得新成效。"
    inline = [r for r in cleaned.removed if "行内" in r.reason]
    assert [(r.line_no, r.text) for r in inline] == [(2, "&nbsp;&nbsp;</p>")]


def test_cleaned_text_and_line_starts_agree() -> None:
    doc = _doc([text for text, _ in WEB_DOC])
    cleaned = clean(doc, EmptyLineIndex())
    assert cleaned.text == "\n".join(line.text for line in cleaned.lines)
    for start, line in zip(cleaned.line_starts, cleaned.lines, strict=True):
        assert cleaned.text[start : start + len(line.text)] == line.text
    assert cleaned.lines[0].style == "body" and cleaned.path == "web.txt"


def test_a_single_file_alone_still_loses_the_obvious_noise() -> None:
    doc = _doc([text for text, _ in WEB_DOC])
    cleaned = clean(doc, EmptyLineIndex())
    reasons = {r.line_no: r.reason for r in cleaned.removed if "行内" not in r.reason}
    shape_noise = {i for i, (_, reason) in enumerate(WEB_DOC) if reason and "份文件" not in reason}
    assert shape_noise <= reasons.keys()
    # The header repeats at two page edges of this file: recognised without the corpus.
    assert reasons[0] == reasons[9] == "在本文中重复出现2次的页眉页脚"
    # The footer occurs once here and nothing is known about other files, but it sits below the
    # report's end with a site's wording: it goes with the tail block.
    assert reasons[len(WEB_DOC) - 1] == "正文结束后的网站版权、下载提示等非正文块"


def test_content_shared_by_many_reports_is_not_a_running_header() -> None:
    def report(org: str) -> LoadedDocument:
        return _doc(
            [
                f"{org}关于2025年第二季度工作情况的汇报",
                "县委：",
                "二季度，我单位扎实推进各项工作，取得积极成效。",
                "一、主要工作开展情况",
                "全年完成各项任务。",
                "存在的主要问题",
                "一是基层基础仍然薄弱。",
                "特此汇报。",
                "中共石门镇委员会",
                f"2025年7月{len(org)}日",
            ],
            path=org,
        )

    docs = [report(org) for org in ("甲镇党委", "乙镇党委办", "丙镇党委办公室", "丁镇人民政府党组")]
    index = _batch_index(*docs)
    for doc in docs:
        assert clean(doc, index.excluding(doc.path)).removed == []


def test_unnumbered_part_headings_shared_by_short_reports_are_kept() -> None:
    docs = [
        _doc([f"{org}工作情况汇报", "存在的主要问题", "人手不足。", "下半年工作安排", "继续努力。"], path=org)
        for org in ("甲局", "乙局", "丙局")
    ]
    index = _batch_index(*docs)
    for doc in docs:
        assert clean(doc, index.excluding(doc.path)).removed == []


def test_a_short_line_repeated_inside_one_file_is_removed() -> None:
    body = [
        "某局2025年上半年工作总结",
        "内部资料",
        "上半年完成各项任务。",
        "内部资料",
        "下半年继续努力。",
        "内部资料",
        "结束。",
    ]
    cleaned = clean(_doc(body), EmptyLineIndex())
    assert [r.line_no for r in cleaned.removed] == [1, 3, 5]
    assert {r.reason for r in cleaned.removed} == {"在本文中重复出现3次的页眉页脚"}


def test_a_running_title_keeps_its_first_occurrence() -> None:
    title = "某局2025年上半年工作总结"
    body = [title, "上半年完成各项任务。", "— 1 —", title, "下半年继续努力。"]
    cleaned = clean(_doc(body), EmptyLineIndex())
    assert cleaned.lines[0].text == title
    assert [r.line_no for r in cleaned.removed] == [2, 3]


def test_report_prose_with_contact_words_is_kept() -> None:
    prose = [
        "针对外出务工党员多的实际，组建村级党员学习QQ群12个，覆盖流动党员186名，每周推送学习资料。",
        "加强知识产权保护，查处未经许可使用他人注册商标案件9件，版权执法检查实现全覆盖。",
        "开通12345政务服务便民热线和微信公众号线上办理渠道，群众可扫码预约。",
    ]
    assert clean(_doc(prose), EmptyLineIndex()).removed == []


def test_headings_styles_and_tables_are_never_dropped() -> None:
    doc = LoadedDocument(
        path="x.docx",
        lines=[Line("公文范文库 水印", "heading1"), Line("3", "table"), Line("正文。")],
    )
    assert clean(doc, EmptyLineIndex()).removed == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("江城政务资料网 内部交流", "江城政务资料网内部交流"),
        ("内部资料，注意保存！", "内部资料 注意保存"),
        ("ＡＢＣ公司 ２０２５", "abc公司2025"),
        ("<p>内部资料</p>&nbsp;", "内部资料"),
    ],
)
def test_fingerprints_ignore_spacing_punctuation_width_and_markup(a: str, b: str) -> None:
    assert line_fingerprint(a) == line_fingerprint(b)
    assert line_fingerprint(line_fingerprint(a)) == line_fingerprint(a)


def test_candidate_fingerprints_are_short_body_lines_only() -> None:
    doc = LoadedDocument(
        path="x",
        lines=[
            Line("内部资料"),
            Line("长" * 61),
            Line("一、标题", "heading1"),
            Line("甲｜乙", "table"),
            Line("——"),
        ],
    )
    assert candidate_fingerprints(doc) == {line_fingerprint("内部资料")}


def test_in_memory_index_counts_other_documents_only() -> None:
    index = InMemoryLineIndex()
    index.add("a", ["内部资料", "甲"])
    index.add("b", [line_fingerprint("内部 资料")])
    index.add("c", ["乙"])
    assert index.documents_containing("内部资料") == 2
    assert index.documents_containing("内部资料", exclude="a") == 1
    assert index.documents_containing("内部资料", exclude="c") == 2
    assert index.excluding("b").documents_containing(line_fingerprint("内部资料")) == 1
    index.add("a", ["丙"])  # re-adding replaces
    assert index.documents_containing("内部资料") == 1
    index.remove("b")
    assert index.documents_containing("内部资料") == 0
    assert len(index) == 2
    assert EmptyLineIndex().documents_containing("内部资料") == 0
