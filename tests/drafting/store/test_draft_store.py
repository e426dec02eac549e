"""Draft persistence: append-only versions, JSON round trips, crashes leave the last version intact."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from drafting.model import Draft, Fact, FactGroup, FactSheet, Flag, Paragraph, PassageRef, Section
from drafting.store import drafts as draft_store
from drafting.store.database import Database
from drafting.store.draft_json import DraftFormatError
from drafting.store.drafts import (
    DraftNotFound,
    DraftStore,
    GenerationRecord,
    draft_from_json,
    draft_to_json,
    facts_from_json,
    facts_to_json,
)

REPO = Path(__file__).resolve().parents[3]


def make_sheet() -> FactSheet:
    return FactSheet(
        kind="half-year",
        org="青川区委组织部",
        period="2026年上半年",
        next_period="2026年下半年",
        date="2026年7月5日",
        parts={
            "work": (
                FactGroup(
                    "干部教育培训", (Fact("work.0.0", "举办培训班3期", "work", "干部教育培训"),), keyword="实"
                ),
                FactGroup(None, (Fact("work.1.0", "新建党群服务中心2个", "work"),)),
            ),
            "plans": (FactGroup("基层党建", (Fact("plans.0.0", "开展整顿", "plans", "基层党建"),)),),
        },
    )


def make_draft(text: str = "举办培训班3期。") -> Draft:
    return Draft(
        title="青川区委组织部2026年上半年工作总结",
        kind="half-year",
        org="青川区委组织部",
        period="2026年上半年",
        sections=[
            Section("opening", "opening", "", 0, [Paragraph("上半年，我部坚持……")], status="done"),
            Section(
                "work:0",
                "work",
                "（一）干部教育培训",
                2,
                [
                    Paragraph("1.分类施训", kind="heading", level=3),
                    Paragraph(
                        text, fact_ids=["work.0.0"], passages=[PassageRef("doc1:3", "2025.txt", 10, 30)]
                    ),
                ],
                mode="llm:stub-model",
                status="done",
                record={"prompt": [{"role": "user", "content": "事实"}], "timings": {"write_s": 0.5}},
            ),
            Section("plans:0", "plans", "（一）基层党建", 2, [], status="failed", error="模型接口超时"),
        ],
        signature="青川区委组织部",
        date="2026年7月5日",
        flags=[Flag("unused_fact", "开展整顿", section=None, detail="plans.0.0")],
    )


@pytest.fixture
def store(database: Database) -> DraftStore:
    return DraftStore(database)


def _url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def test_json_round_trips_draft_and_facts():
    draft, sheet = make_draft(), make_sheet()
    assert draft_from_json(json.loads(json.dumps(draft_to_json(draft)))) == draft
    assert facts_from_json(json.loads(json.dumps(facts_to_json(sheet)))) == sheet


def test_reading_malformed_json_names_the_field():
    data = draft_to_json(make_draft())
    data["sections"][1]["paragraphs"][1]["text"] = 5
    with pytest.raises(DraftFormatError, match=r"sections\[1\]\.paragraphs\[1\]\.text"):
        draft_from_json(data)
    with pytest.raises(DraftFormatError, match="part"):
        draft_from_json({"sections": [{"key": "x", "part": "middle"}]})
    with pytest.raises(DraftFormatError):
        draft_from_json(["not", "a", "draft"])
    with pytest.raises(DraftFormatError, match="org"):
        facts_from_json({"kind": "half-year", "period": "2026年上半年"})


def test_reads_the_cli_json_shape():
    cli = {
        "id": "abc",
        "version": 2,
        "mode": "composer",
        "title": "标题",
        "sections": [
            {
                "key": "work:0",
                "part": "work",
                "heading": "（一）甲",
                "mode": "composer",
                "status": "done",
                "paragraphs": [{"text": "正文。", "fact_ids": ["work.0.0"], "passages": ["doc:1"]}],
            }
        ],
        "flags": [],
        "unused_facts": [],
    }
    draft = draft_from_json(cli)
    assert draft.id == "abc" and draft.sections[0].paragraphs[0].passages[0].passage_id == "doc:1"


def test_create_then_versions_append(store):
    sheet = make_sheet()
    record = GenerationRecord(
        outline="half-year",
        outline_version="1",
        template="section",
        template_version="2",
        prompts={"work:0": [{"role": "user", "content": "事实"}]},
        passage_ids={"work:0": ["doc1:3"]},
        model="stub-model",
        params={"temperature": 0.3},
        timings={"work:0": 0.5, "total": 0.6},
        usage={"work:0": {"total_tokens": 12}},
    )
    first = store.create_draft(make_draft(), facts=sheet, record=record, owner="alice")
    draft_id = first.info.draft_id
    assert first.number == 1 and first.draft.id == draft_id and first.draft.version == 1

    edited = make_draft("举办培训班3期，覆盖全区。")
    second = store.add_version(draft_id, edited, reason="edit", author="bob")
    assert (second.number, second.info.parent, second.info.reason) == (2, 1, "edit")
    assert second.facts == sheet  # inherited from the parent

    again = store.get_version(draft_id, 1)
    assert again.draft == first.draft and again.record == record and again.facts == sheet
    latest = store.get_version(draft_id)
    assert latest.number == 2 and latest.draft.sections[1].paragraphs[1].text == "举办培训班3期，覆盖全区。"
    assert latest.record == GenerationRecord()

    restored = store.restore(draft_id, 1, author="alice")
    assert (restored.number, restored.info.reason, restored.info.parent) == (3, "restore:1", 1)
    assert restored.draft.sections == first.draft.sections
    assert [v.reason for v in store.list_versions(draft_id)] == ["generate", "edit", "restore:1"]
    (summary,) = store.list_drafts(owner="alice")
    assert summary.latest_version == 3 and summary.status == "draft" and summary.owner == "alice"
    assert store.list_drafts(owner="carol") == []


def test_versions_cannot_be_overwritten_or_deleted(store, database):
    draft_id = store.create_draft(make_draft(), facts=make_sheet()).info.draft_id
    with pytest.raises(DatabaseError, match="append-only"), database.write() as db:
        db.execute(text("UPDATE versions SET reason = 'edit'"))
    with pytest.raises(DatabaseError, match="append-only"), database.write() as db:
        db.execute(text("DELETE FROM versions"))
    assert store.get_version(draft_id).info.reason == "generate"


def test_saved_copy_is_independent_of_the_callers_object(store):
    draft = make_draft()
    saved = store.create_draft(draft, facts=make_sheet())
    draft.sections[0].paragraphs[0].text = "改了但没保存"
    assert store.get_version(saved.info.draft_id).draft.sections[0].paragraphs[0].text == "上半年，我部坚持……"


def test_unknown_ids_and_versions_raise_in_chinese(store):
    with pytest.raises(DraftNotFound, match="找不到草稿"):
        store.get_version("nope")
    with pytest.raises(DraftNotFound, match="找不到草稿"):
        store.add_version("nope", make_draft(), reason="edit")
    draft_id = store.create_draft(make_draft()).info.draft_id
    with pytest.raises(DraftNotFound, match="没有第 7 版"):
        store.get_version(draft_id, 7)
    with pytest.raises(DraftNotFound):
        store.list_versions("nope")


def test_status_and_sharing_leave_room_for_the_ui(store):
    draft_id = store.create_draft(make_draft(), owner="alice").info.draft_id
    store.set_status(draft_id, "in_review")
    store.share(draft_id, "bob", "review")
    assert store.list_drafts()[0].status == "in_review"
    assert store.shared_with(draft_id) == {"bob": "review"}
    other = store.create_draft(make_draft(), owner="carol").info.draft_id
    store.share(other, "bob", "edit")
    store.share(other, "dave", "read")
    assert store.shared_drafts("bob") == {draft_id, other}
    assert store.shared_drafts("dave") == {other} and store.shared_drafts("alice") == set()
    with pytest.raises(ValueError):
        store.set_status(draft_id, "shredded")


def test_one_persons_drafts_are_found_without_reading_everyones(store):
    mine = store.create_draft(make_draft(), owner="alice").info.draft_id
    shared = store.create_draft(make_draft(), owner="carol").info.draft_id
    store.create_draft(make_draft(), owner="carol")
    store.add_version(mine, make_draft(), reason="edit", author="alice")  # updated last: listed first
    assert [d.id for d in store.drafts_of("alice", {shared})] == [mine, shared]
    assert [d.id for d in store.drafts_of("alice")] == [mine]
    assert [d.id for d in store.drafts_of(None, {shared, "no-such-draft"})] == [shared]
    assert store.drafts_of("nobody") == []
    assert store.summary(shared).owner == "carol" and store.summary("no-such-draft") is None


def test_failure_inside_the_write_leaves_the_previous_version(store, monkeypatch):
    draft_id = store.create_draft(make_draft(), facts=make_sheet()).info.draft_id
    real_dumps = draft_store._dumps
    calls = {"n": 0}

    def failing_dumps(value):
        calls["n"] += 1
        if calls["n"] == 5:  # part-way through writing the version's columns
            raise RuntimeError("disk on fire")
        return real_dumps(value)

    monkeypatch.setattr(draft_store, "_dumps", failing_dumps)
    with pytest.raises(RuntimeError):
        store.add_version(draft_id, make_draft("新文本"), reason="edit")
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        store.create_draft(make_draft(), facts=make_sheet())  # fails mid-way too: no half-made draft
    monkeypatch.setattr(draft_store, "_dumps", real_dumps)
    assert [v.number for v in store.list_versions(draft_id)] == [1]
    assert [d.id for d in store.list_drafts()] == [draft_id]
    assert store.list_drafts()[0].latest_version == 1
    assert store.add_version(draft_id, make_draft("新文本"), reason="edit").number == 2


CRASHING_WRITER = """
import sys, time
from drafting.store import drafts as draft_store
from drafting.store.database import Database
real = draft_store.DraftStore._insert_version
def stalled(self, db, *args, **kwargs):
    info = real(self, db, *args, **kwargs)
    print("written, not committed", flush=True)
    time.sleep(120)
    return info
draft_store.DraftStore._insert_version = stalled
store = draft_store.DraftStore(Database(sys.argv[1]))
previous = store.get_version(sys.argv[2])
store.add_version(sys.argv[2], previous.draft, reason="edit")
"""


def test_a_killed_writer_leaves_the_previous_version(store, database):
    draft_id = store.create_draft(make_draft(), facts=make_sheet()).info.draft_id
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, _url(database), draft_id],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "written, not committed"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    reopened = DraftStore(Database(_url(database)))
    assert [v.number for v in reopened.list_versions(draft_id)] == [1]
    assert reopened.get_version(draft_id).draft.sections == store.get_version(draft_id, 1).draft.sections
    assert reopened.add_version(draft_id, make_draft(), reason="edit").number == 2


def test_migrations_are_recorded_and_rerun_safely(database):
    DraftStore(Database(_url(database))).list_drafts()
    DraftStore(Database(_url(database))).list_drafts()
    assert database.schema_version("drafts") == len(draft_store._MIGRATIONS)
    if database.path is not None:
        with sqlite3.connect(database.path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# The schema as the first SQLite-only release wrote it, counted in PRAGMA user_version.
LEGACY_SCHEMA = """
CREATE TABLE drafts (id TEXT PRIMARY KEY, owner TEXT, kind TEXT NOT NULL, org TEXT NOT NULL,
    period TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft', latest_version INTEGER NOT NULL DEFAULT 0);
CREATE INDEX drafts_by_owner ON drafts (owner, updated);
CREATE TABLE versions (draft_id TEXT NOT NULL REFERENCES drafts (id), number INTEGER NOT NULL,
    parent INTEGER, created TEXT NOT NULL, author TEXT, reason TEXT NOT NULL, draft_json TEXT NOT NULL,
    facts_json TEXT, outline TEXT, outline_version TEXT, template TEXT, template_version TEXT,
    prompts_json TEXT NOT NULL DEFAULT '{}', passage_ids_json TEXT NOT NULL DEFAULT '{}', model TEXT,
    params_json TEXT NOT NULL DEFAULT '{}', timings_json TEXT NOT NULL DEFAULT '{}',
    usage_json TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (draft_id, number));
CREATE TRIGGER versions_are_append_only_u BEFORE UPDATE ON versions
    BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
CREATE TRIGGER versions_are_append_only_d BEFORE DELETE ON versions
    BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
CREATE TABLE draft_shares (draft_id TEXT NOT NULL REFERENCES drafts (id), user TEXT NOT NULL,
    permission TEXT NOT NULL DEFAULT 'read', created TEXT NOT NULL, PRIMARY KEY (draft_id, user));
PRAGMA user_version = 6;
"""


def test_a_sqlite_file_from_before_sqlalchemy_keeps_working(settings):
    path = settings.drafts_db_path
    path.parent.mkdir(parents=True)
    draft_json = json.dumps({**draft_to_json(make_draft()), "id": "old1", "version": 1}, ensure_ascii=False)
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_SCHEMA)
        db.execute(
            "INSERT INTO drafts VALUES ('old1', 'alice', 'half-year', '青川区委组织部', '2026年上半年', '旧标题',"
            " '2026-01-01', '2026-01-01', 'draft', 1)"
        )
        db.execute(
            "INSERT INTO versions (draft_id, number, created, reason, draft_json) VALUES (?, 1, ?, 'generate', ?)",
            ("old1", "2026-01-01", draft_json),
        )
        db.execute("INSERT INTO draft_shares VALUES ('old1', 'bob', 'review', '2026-01-01')")
    store = DraftStore(path)
    assert store.get_version("old1").draft.sections == make_draft().sections
    assert store.shared_with("old1") == {"bob": "review"}
    assert store.add_version("old1", make_draft("新"), reason="edit").number == 2
    assert store.database.schema_version("drafts") == len(draft_store._MIGRATIONS)


CONCURRENT_WRITER = """
import sys
from drafting.store.database import Database
from drafting.store.drafts import DraftStore
store = DraftStore(Database(sys.argv[1]))
draft = store.get_version(sys.argv[2]).draft
for i in range(int(sys.argv[3])):
    store.add_version(sys.argv[2], draft, reason="edit", author=sys.argv[4])
"""


def test_two_processes_appending_to_one_draft_lose_nothing(store, database):
    draft_id = store.create_draft(make_draft(), facts=make_sheet()).info.draft_id
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_WRITER, _url(database), draft_id, "15", name], cwd=REPO
        )
        for name in ("p1", "p2")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    versions = store.list_versions(draft_id)
    assert [v.number for v in versions] == list(range(1, 32))
    assert sorted(v.author for v in versions[1:]) == ["p1"] * 15 + ["p2"] * 15
    assert store.list_drafts()[0].latest_version == 31
