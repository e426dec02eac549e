"""Comments, submission and decisions, and the sources a reviewer checks a paragraph against."""

from __future__ import annotations

import pytest
from service_fixtures import write_draft

from drafting.checking.compare import diff_drafts, matching_spans
from drafting.service.facade import NeedsConfirmation, ServiceError

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


# ---------------------------------------------------------------- the review loop


def _flagged(service, did: str) -> str:
    """Save a section with a number no fact supports; returns the section key."""
    ws = service.drafts.open_draft("w1", did)
    key = next(s.key for s in ws.draft.sections if s.key.startswith("work:") and s.paragraphs)
    text = "\n".join(p.text for p in next(s for s in ws.draft.sections if s.key == key).paragraphs)
    service.editing.save_section("w1", did, key, text + "\n全年新建党群服务中心987个。")
    return key


def test_sending_with_open_flags_asks_and_records_the_override(service, sheet) -> None:
    did = write_draft(service, sheet)
    _flagged(service, did)
    version = service.drafts.open_draft("w1", did).version
    items = service.reviews.open_items("w1", did)
    assert items.flags >= 1 and items.comments == 0
    with pytest.raises(NeedsConfirmation, match="核对标记未处理。仍要送审吗") as asked:
        service.reviews.submit("w1", did)
    assert asked.value.items == items
    assert service.drafts.open_draft("w1", did).review.status == "editing"  # nothing happened
    service.reviews.submit("w1", did, confirm=True)
    (step,) = service.drafts.open_draft("r1", did).history
    assert (step.action, step.label, step.version, step.actor) == ("submitted", "送审", version, "w1")
    assert step.override == items.describe() and "核对标记" in step.override


def test_approving_with_an_open_comment_asks_and_returning_does_not(service, sheet) -> None:
    did = write_draft(service, sheet)
    service.reviews.submit("w1", did)  # a composed draft has nothing open: no question
    version = service.drafts.open_draft("w1", did).version
    service.reviews.add_comment("r1", did, version, "opening", 0, "开头请写明时间节点")
    with pytest.raises(NeedsConfirmation, match="1 条待处理批注未处理。仍要审核通过吗"):
        service.reviews.decide("r1", did, version, "approved")
    with pytest.raises(ServiceError, match="原因"):  # the reason is checked before anything else
        service.reviews.decide("r1", did, version, "returned", " ")
    service.reviews.decide("r1", did, version, "returned", "请补充数据来源")
    service.reviews.submit("w1", did, confirm=True)
    service.reviews.decide("r1", did, version, "approved", "同意", confirm=True)
    steps = service.drafts.open_draft("w1", did).history
    assert [(s.label, s.actor, s.note, s.override) for s in steps] == [
        ("送审", "w1", "", ""),
        ("退回修改", "r1", "请补充数据来源", ""),
        ("修改后重新送审", "w1", "", "1 条待处理批注"),
        ("审核通过", "r1", "同意", "1 条待处理批注"),
    ]
    assert all(len(s.at) == 16 for s in steps)


def test_the_writer_sees_the_return_reason_until_resubmitting(service, sheet) -> None:
    did = write_draft(service, sheet)
    service.reviews.submit("w1", did)
    version = service.drafts.open_draft("w1", did).version
    assert service.drafts.open_draft("w1", did).return_reason == ""
    service.reviews.decide("r1", did, version, "returned", "第二部分数字需核实")
    ws = service.drafts.open_draft("w1", did)
    assert ws.return_reason == "第二部分数字需核实"
    service.reviews.submit("w1", did)
    assert service.drafts.open_draft("w1", did).return_reason == ""


def test_section_labels_are_unique_and_name_their_part(service, sheet) -> None:
    did = write_draft(service, sheet)
    ws = service.drafts.open_draft("w1", did)
    labels = ws.section_labels
    assert set(labels) == {s.key for s in ws.draft.sections}
    assert len(set(labels.values())) == len(labels)
    assert labels["opening"] == "开头"
    work = next(s for s in ws.draft.sections if s.key == "work:0")
    plans = next(s for s in ws.draft.sections if s.key == "plans:0")
    assert labels["work:0"] == "工作" + work.heading and labels["plans:0"] == "计划" + plans.heading
    assert not any(":" in label or "." in label for label in labels.values())


def test_section_labels_tell_apart_the_same_heading_in_two_parts() -> None:
    from drafting.model import Draft, Section
    from drafting.service.drafts import section_labels

    draft = Draft(
        "标题",
        "half-year",
        "某局",
        "2026年上半年",
        sections=[
            Section("work", "work", "一、上半年工作", 1),
            Section("work:0", "work", "（一）粮食生产", 2),
            Section("plans:0", "plans", "（一）粮食生产", 2),
            Section("closing", "closing", "", 0),
        ],
    )
    assert section_labels(draft) == {
        "work": "一、上半年工作",
        "work:0": "工作（一）粮食生产",
        "plans:0": "计划（一）粮食生产",
        "closing": "结尾",
    }


def test_a_comment_quotes_the_sentences_around_the_selected_words(service, sheet) -> None:
    did = write_draft(service, sheet)
    key = _flagged(service, did)
    ws = service.drafts.open_draft("w1", did)
    section = next(s for s in ws.draft.sections if s.key == key)
    long_text = "。".join(p.text.rstrip("。") for p in section.paragraphs) * 3
    service.editing.save_section("w1", did, key, long_text)
    version = service.drafts.open_draft("w1", did).version
    comment = service.reviews.add_comment(
        "w1", did, version, key, 0, "987 从何而来？", focus="党群服务中心987个"
    )
    assert "党群服务中心987个" in comment.quote
    assert comment.quote.removesuffix("……")[-1] in "。！？；"
