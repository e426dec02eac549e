from __future__ import annotations

import sqlite3

import pytest

from drafting.store.database import Database
from drafting.store.reviews import ReviewError, ReviewStore, comment_quote, reviews_db_path


@pytest.fixture
def store(database: Database) -> ReviewStore:
    return ReviewStore(database)


def test_comment_lifecycle(store: ReviewStore) -> None:
    c = store.add_comment(
        "d1", 2, "work:0", 1, "reviewer1", " 数字需核实 ", quote="今年共培训干部 1200 人次" * 5
    )
    assert (c.status, c.text, c.section, c.paragraph) == ("open", "数字需核实", "work:0", 1)
    assert c.quote == "今年共培训干部 1200 人次" * 5  # the service chooses the quote; the store keeps it
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


def test_the_states_of_many_drafts_come_in_one_call(store: ReviewStore) -> None:
    store.submit("a", 1, "w")
    store.submit("b", 2, "w")
    store.decide("b", 2, "returned", "r", "数字有误")
    states = store.states(["a", "b", "never-submitted"])
    assert states == {d: store.state(d) for d in ("a", "b", "never-submitted")}
    assert [states[d].status for d in ("a", "b", "never-submitted")] == ["in_review", "returned", "editing"]
    assert store.states([]) == {}


def test_persists_across_instances(settings) -> None:
    path = reviews_db_path(settings.home)
    ReviewStore(path).add_comment("d1", 1, "closing", 0, "r", "保留")
    assert [c.text for c in ReviewStore(path).comments("d1")] == ["保留"]


def test_an_override_is_kept_with_the_step(store: ReviewStore) -> None:
    store.submit("d1", 1, "writer1", override="2 处核对标记")
    store.decide("d1", 1, "approved", "reviewer1", override="1 条待处理批注")
    assert [(e.action, e.override) for e in store.history("d1")] == [
        ("submitted", "2 处核对标记"),
        ("approved", "1 条待处理批注"),
    ]


def test_a_database_from_before_overrides_opens_with_its_history(settings) -> None:
    path = reviews_db_path(settings.home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:  # the schema as the first four migrations left it
        db.execute(
            "CREATE TABLE review_events (id INTEGER PRIMARY KEY AUTOINCREMENT, draft_id TEXT NOT NULL,"
            " version INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,"
            " note TEXT NOT NULL DEFAULT '', at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO review_events (draft_id, version, action, actor, note, at)"
            " VALUES ('d1', 1, 'returned', 'r', '请补充', '2026-01-01T00:00:00+00:00')"
        )
        db.execute("PRAGMA user_version = 4")
    (event,) = ReviewStore(path).history("d1")
    assert (event.action, event.note, event.override) == ("returned", "请补充", "")


PARAGRAPH = (
    "全年共举办科级干部培训班3期，培训干部180人次，较上年增长11.2%。"
    "新建党群服务中心12个，覆盖全部行政村。"
    "组织开展“三农”专题调研6次，形成调研报告3篇，其中2篇获区领导批示。"
    "下一步将继续加强基层组织建设，推动各项工作落地见效。"
)


def test_a_short_paragraph_is_quoted_whole() -> None:
    assert comment_quote("  举办培训班3期。\n培训干部180人次。 ") == "举办培训班3期。 培训干部180人次。"


@pytest.mark.parametrize("focus", ["", "形成调研报告3篇", "推动各项工作落地见效", "覆盖全部行政村。组织开展"])
def test_a_long_paragraph_is_quoted_by_whole_sentences_around_the_selection(focus: str) -> None:
    quote = comment_quote(PARAGRAPH, focus, limit=50)
    assert focus in quote
    body = quote.removeprefix("……").removesuffix("……")
    assert body in PARAGRAPH and body[-1] in "。！？；"  # never cut inside a sentence
    assert PARAGRAPH.startswith(body) or PARAGRAPH[PARAGRAPH.index(body) - 1] == "。"
    assert quote.startswith("……") == (not PARAGRAPH.startswith(body))


def test_one_overlong_sentence_is_cut_but_keeps_the_selection() -> None:
    sentence = "，".join(f"第{i}项工作稳步推进" for i in range(30)) + "。"
    quote = comment_quote(sentence, "第25项工作稳步推进", limit=60)
    assert "第25项工作稳步推进" in quote and quote.endswith("……")


def test_two_reviewers_deciding_at_once_cannot_both_pass(database: Database) -> None:
    import threading

    ReviewStore(database).submit("d1", 1, "w")
    outcomes: list[str] = []

    def decide(decision: str) -> None:
        try:
            ReviewStore(database).decide("d1", 1, decision, f"r-{decision}", "理由")  # type: ignore[arg-type]
            outcomes.append(decision)
        except ReviewError:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approved", "returned")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("refused") == 1
    assert [e.action for e in ReviewStore(database).history("d1")] == [
        "submitted",
        *(o for o in outcomes if o != "refused"),
    ]
