from __future__ import annotations

import pytest

from drafting.store.reviews import ReviewError, ReviewStore, reviews_db_path


@pytest.fixture
def store(settings) -> ReviewStore:
    return ReviewStore(reviews_db_path(settings.home))


def test_comment_lifecycle(store: ReviewStore) -> None:
    c = store.add_comment(
        "d1", 2, "work:0", 1, "reviewer1", " 数字需核实 ", quote="今年共培训干部 1200 人次" * 5
    )
    assert (c.status, c.text, c.section, c.paragraph) == ("open", "数字需核实", "work:0", 1)
    assert len(c.quote) <= 60
    resolved = store.set_comment_status(c.id, "resolved", "writer1")
    assert (resolved.status, resolved.resolved_by) == ("resolved", "writer1")
    assert store.comments("d1", status="open") == []
    reopened = store.set_comment_status(c.id, "open", "reviewer1")
    assert reopened.status == "open" and reopened.resolved_by is None


def test_comments_filtered_by_draft_and_version(store: ReviewStore) -> None:
    store.add_comment("d1", 1, "opening", 0, "r", "一")
    store.add_comment("d1", 2, "opening", 0, "r", "二")
    store.add_comment("d2", 1, "opening", 0, "r", "三")
    assert [c.text for c in store.comments("d1")] == ["一", "二"]
    assert [c.text for c in store.comments("d1", version=2)] == ["二"]
    assert store.comments("missing") == []


@pytest.mark.parametrize(
    ("text", "section", "paragraph", "message"),
    [
        ("", "work:0", 0, "不能为空"),
        ("   ", "work:0", 0, "不能为空"),
        ("x" * 2001, "work:0", 0, "过长"),
        ("ok", "", 0, "选择"),
        ("ok", "work:0", -1, "选择"),
    ],
)
def test_bad_comment_rejected(store: ReviewStore, text, section, paragraph, message) -> None:
    with pytest.raises(ReviewError, match=message):
        store.add_comment("d1", 1, section, paragraph, "r", text)
    assert store.comments("d1") == []


def test_unknown_comment_and_status(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match="不存在"):
        store.set_comment_status(99, "resolved", "x")
    c = store.add_comment("d1", 1, "opening", 0, "r", "ok")
    with pytest.raises(ReviewError, match="无效"):
        store.set_comment_status(c.id, "deleted", "x")  # type: ignore[arg-type]


def test_submit_approve(store: ReviewStore) -> None:
    assert store.state("d1").status == "editing"
    store.submit("d1", 3, "writer1")
    state = store.state("d1")
    assert (state.status, state.version, state.label) == ("in_review", 3, "待审核")
    assert [s.draft_id for s in store.in_review()] == ["d1"]
    store.decide("d1", 3, "approved", "reviewer1")
    assert store.state("d1").status == "approved"
    assert store.in_review() == []
    assert store.ever_submitted() == {"d1"}
    with pytest.raises(ReviewError, match="已审核通过"):
        store.submit("d1", 3, "writer1")


def test_return_needs_reason_and_then_resubmit(store: ReviewStore) -> None:
    store.submit("d1", 1, "writer1")
    with pytest.raises(ReviewError, match="原因"):
        store.decide("d1", 1, "returned", "reviewer1", note="  ")
    store.decide("d1", 1, "returned", "reviewer1", note="第二部分数据缺出处")
    assert store.state("d1").status == "returned"
    store.submit("d1", 2, "writer1")
    assert store.state("d1").version == 2
    assert [e.action for e in store.history("d1")] == ["submitted", "returned", "submitted"]


def test_decide_checks_state_and_version(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match="不在审核中"):
        store.decide("d1", 1, "approved", "r")
    store.submit("d1", 2, "w")
    with pytest.raises(ReviewError, match="第 2 版"):
        store.decide("d1", 1, "approved", "r")
    with pytest.raises(ReviewError, match="无效"):
        store.decide("d1", 2, "maybe", "r")  # type: ignore[arg-type]


def test_in_review_lists_latest_submission_per_draft(store: ReviewStore) -> None:
    store.submit("a", 1, "w")
    store.submit("b", 1, "w")
    store.decide("a", 1, "approved", "r")
    store.submit("c", 4, "w")
    assert [(s.draft_id, s.version) for s in store.in_review()] == [("c", 4), ("b", 1)]


def test_persists_across_instances(settings) -> None:
    path = reviews_db_path(settings.home)
    ReviewStore(path).add_comment("d1", 1, "closing", 0, "r", "保留")
    assert [c.text for c in ReviewStore(path).comments("d1")] == ["保留"]
