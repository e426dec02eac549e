"""Corrections of metadata and parts, kept by content; documents needing attention."""

from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_fixtures import make_kb

from retrieval.documents import SearchFilters
from retrieval.ingest.ingestion import FacadeParser

REPORT = [
    "某某资料站　每日更新",
    "会员群：　　　免费QQ群：",
    "北岸区统计局2025年上半年工作总结",
    "2025年上半年，区统计局围绕中心、服务大局，统计数据质量稳步提升。",
    "一、主要工作",
    "完成经济普查数据审核，审核企业单位1.2万家，查询错误数据860条。",
    "二、存在的不足",
    "基层统计力量薄弱，部分街道统计员兼职过多。",
    "三、下半年打算",
    "做好第三季度统计数据质量核查，开展统计执法检查。",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path):
    return make_kb(tmp_path, parser=FacadeParser())


def test_metadata_correction_survives_removal_and_a_reingest_with_other_noise(kb, tmp_path: Path) -> None:
    path = _write(tmp_path / "reports" / "000_a1.txt", REPORT)
    kb.ingest([path])
    doc_id = kb.list_documents()[0].id
    record = kb.correct_document(
        doc_id, title="北岸区统计局2025年上半年工作总结（修订）", org="北岸区统计局办公室"
    )
    assert record.title.endswith("（修订）")
    assert {p.org for p in kb.catalog.document_passages(doc_id)} == {"北岸区统计局办公室"}
    # The same report, collected again from another site: other noise, the same cleaned text.
    kb.remove(doc_id)
    again = _write(
        tmp_path / "other" / "下载.txt", ["【公告】本站启用新域名", "扫码关注公众号获取更多资料", *REPORT[2:]]
    )
    kb.ingest([again])
    stored = kb.list_documents()[0]
    assert (stored.title, stored.org, stored.kind) == (record.title, "北岸区统计局办公室", "half-year")


def test_moving_a_heading_moves_everything_under_it_and_search_filters_follow(kb, tmp_path: Path) -> None:
    path = _write(tmp_path / "r" / "x.txt", REPORT)
    kb.ingest([path])
    doc_id = kb.list_documents()[0].id
    before = {p.text[:6]: p.part for p in kb.catalog.document_passages(doc_id)}
    assert before["基层统计力量"] == "problems"
    moved = kb.move_to_part(doc_id, "work", heading="二、存在")
    assert len(moved) == 1
    after = {p.text[:6]: p.part for p in kb.catalog.document_passages(doc_id)}
    assert after["基层统计力量"] == "work" and after["完成经济普查"] == "work"
    assert [o.part for o in kb.get_document(doc_id).outline if o.text.startswith("二、")] == ["work"]
    hits = kb.search("统计员兼职", SearchFilters(part="work"), k=3, mode="lexical")
    assert any(h.passage.text.startswith("基层统计力量") for h in hits)
    # Re-cleaning the same text (here: ingesting the changed file whose text is the same) keeps the move.
    path.write_text("\n".join(REPORT) + "\n\n", encoding="utf-8")
    kb.ingest([path])
    assert {p.text[:6]: p.part for p in kb.catalog.document_passages(doc_id)}["基层统计力量"] == "work"


def test_bad_corrections_are_refused_with_a_message(kb, tmp_path: Path) -> None:
    kb.ingest([_write(tmp_path / "r" / "x.txt", REPORT)])
    doc_id = kb.list_documents()[0].id
    with pytest.raises(ValueError, match="类型"):
        kb.correct_document(doc_id, kind="weekly")
    with pytest.raises(ValueError, match="部分"):
        kb.move_to_part(doc_id, "middle", passage_ids=[f"{doc_id}:1"])
    with pytest.raises(ValueError, match="提纲"):
        kb.move_to_part(doc_id, "work", heading="没有这个标题")
    with pytest.raises(LookupError):
        kb.correct_document("nope", title="x")


def test_documents_needing_attention(kb, tmp_path: Path) -> None:
    kb.ingest(
        [
            _write(tmp_path / "r" / "good.txt", REPORT),
            _write(
                tmp_path / "r" / "bare.txt",
                ["今年以来，我们做了很多工作，取得了一定成效，群众比较满意。", "下一步继续努力。"],
            ),
        ]
    )
    by_source = {r.source: r.id for r in kb.list_documents()}
    attention = kb.attention()
    assert by_source["good.txt"] not in attention
    reasons = attention[by_source["bare.txt"]]
    assert "未识别出标题" in reasons and "未识别出类型" in reasons and "未识别出期间" in reasons
    kb.correct_document(
        by_source["bare.txt"], title="某局工作小结", kind="year-end", period="2025年全年", year=2025
    )
    left = kb.attention()[by_source["bare.txt"]]
    assert len(left) == 1 and left[0].startswith("缺少部分：")
    kb.move_to_part(by_source["bare.txt"], "work", passage_ids=[f"{by_source['bare.txt']}:0"])
    kb.move_to_part(by_source["bare.txt"], "plans", passage_ids=[f"{by_source['bare.txt']}:1"])
    assert by_source["bare.txt"] not in kb.attention()
