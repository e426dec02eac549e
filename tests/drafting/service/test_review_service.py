"""Comments, submission and decisions, and the sources a reviewer checks a paragraph against."""

from __future__ import annotations

import pytest
from service_fixtures import write_draft

from drafting.checking.compare import diff_drafts, matching_spans
from drafting.service.facade import ServiceError

# ---------------------------------------------------------------- comments and review


def test_review_workflow(service, sheet) -> None:
    did = write_draft(service, sheet)
    version = service.drafts.open_draft("w1", did).version
    with pytest.raises(ServiceError, match="找不到"):
        service.reviews.decide("r1", did, version, "approved")  # not sent: the reviewer cannot even see it
    service.reviews.submit("w1", did)
    comment = service.reviews.add_comment("r1", did, version, "opening", 0, "开头请写明时间节点")
    assert comment.quote and comment.status == "open"
    with pytest.raises(ServiceError, match="段落不存在"):
        service.reviews.add_comment("r1", did, version, "opening", 99, "x")
    assert [c.text for c in service.drafts.open_draft("w1", did).comments] == ["开头请写明时间节点"]
    with pytest.raises(ServiceError, match="原因"):
        service.reviews.decide("r1", did, version, "returned", "")
    service.reviews.decide("r1", did, version, "returned", "请补充数据来源")
    assert service.drafts.open_draft("w1", did).review.status == "returned"
    assert service.reviews.set_comment_status("w1", comment.id, "resolved").status == "resolved"
    with pytest.raises(ServiceError, match="找不到"):
        service.reviews.set_comment_status("w2", comment.id, "open")


def test_writer_cannot_approve_and_admin_cannot_approve_unsent(service, sheet) -> None:
    did = write_draft(service, sheet)
    service.reviews.submit("w1", did)
    with pytest.raises(ServiceError, match="无权审核"):
        service.reviews.decide("w1", did, 2, "approved")
    assert service.reviews.decide("r1", did, 2, "approved").status == "approved"


def test_paragraph_sources_mark_the_shared_text(service, sheet) -> None:
    did = write_draft(service, sheet)
    ws = service.drafts.open_draft("w1", did)
    section = next(s for s in ws.draft.sections if s.key.startswith("work:") and s.paragraphs)
    src = service.reviews.paragraph_sources("w1", did, ws.version, section.key, 0)
    assert src.facts, "a composed paragraph rests on its facts"
    match = src.facts[0]
    a, b = match.paragraph_spans[0]
    c, d = match.fact_spans[0]
    assert src.text[a:b] == match.fact.text[c:d]


# ---------------------------------------------------------------- pure helpers


def test_matching_spans_and_diff() -> None:
    spans = matching_spans("今年举办科级干部培训班3期", "举办科级干部培训班3期，培训180人次")
    assert spans == [(2, 13, 0, 11)]
    assert matching_spans("", "x") == [] and matching_spans("的和", "的和", min_chars=4) == []

    from drafting.model import Draft, Paragraph, Section

    def draft(*texts: str) -> Draft:
        return Draft(
            "标题",
            "half-year",
            "某局",
            "2026年上半年",
            sections=[Section("work:0", "work", "", 2, [Paragraph(t) for t in texts])],
        )

    rows = diff_drafts(draft("甲乙丙", "丁戊"), draft("甲乙丙丁", "丁戊", "新段"))
    assert [r.kind for r in rows] == ["same", "changed", "same", "added"]
    assert ("+", "丁") in rows[1].segments
