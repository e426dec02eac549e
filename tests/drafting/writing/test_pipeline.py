"""The drafting pipeline with the real outline, planner, templates, composer and grounding, a
scripted or stub chat model, and a small fake knowledge base."""

from __future__ import annotations

import threading

import pytest

from drafting.facts.sheet import parse_facts_mapping
from drafting.store.draft_json import draft_from_json, draft_to_json
from drafting.store.drafts import DraftStore
from drafting.writing.chat import ChatError, OpenAIChatModel, ScriptedChatModel
from drafting.writing.pipeline import DraftingCancelled, DraftingFailed, DraftingListener, DraftingPipeline
from drafting.writing.stub_llm import StubLLM, facts_responder
from drafting.writing.templates import PromptLibrary
from retrieval.documents import Part, Passage, SearchFilters, SearchHit

FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部",
    "period": "2026年上半年",
    "date": "2026年7月6日",
    "parts": {
        "opening": [{"facts": ["年初确定的28项重点任务中，已完成19项"]}],
        "work": [
            {"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次", "开设“云溪讲堂”6期"]},
            {"area": "基层组织建设", "facts": ["排查整顿软弱涣散村党组织5个"]},
        ],
        "problems": [{"facts": ["村党组织书记年龄结构偏大，55岁以上的占31.2%"]}],
        "plans": [{"area": "人才工作", "facts": ["建立引进人才定期回访制度"]}],
    },
}
# opening, work:0, work:1, problems, plans:0, closing
KEYS = ["opening", "work:0", "work:1", "problems", "plans:0", "closing"]

EXEMPLAR_TEXT: dict[Part, str] = {
    "opening": "今年以来，我部坚持以习近平新时代中国特色社会主义思想为指导，各项工作取得新成效。",
    "work": "坚持把干部教育培训作为基础性工程，分层分类举办专题培训班，切实提升干部履职能力。",
    "problems": "对照新要求，工作中还存在一些短板，主要是基层基础工作还不够扎实。",
    "plans": "下一步，我们将持续深化人才发展体制机制改革，加快构建具有竞争力的人才制度。",
    "closing": "我们将以更加饱满的热情、更加务实的作风，奋力完成全年目标任务。",
}


NO_FILTERS = SearchFilters()


class FakeKnowledgeBase:
    """One past passage per part; records the searches it was asked for."""

    def __init__(self) -> None:
        self.searches: list[tuple[str, SearchFilters, int]] = []
        self.passages = {
            part: Passage(
                id=f"past2025:{i}",
                doc_id="past2025",
                text=text,
                source="2025-往年-上半年工作总结.txt",
                title="2025年上半年工作总结",
                period="2025年上半年",
                year=2025,
                org="某区委组织部",
                kind="half-year",
                part=part,
                heading="一、工作开展情况",
                start=100 * i,
                end=100 * i + len(text),
            )  # fmt: skip
            for i, (part, text) in enumerate(EXEMPLAR_TEXT.items())
        }
        self._lock = threading.Lock()

    def search(self, query: str, filters: SearchFilters = NO_FILTERS, k: int = 5) -> list[SearchHit]:
        with self._lock:
            self.searches.append((query, filters, k))
        passage = self.passages.get(filters.part) if filters.part else None
        return [SearchHit(passage, 1.0)] if passage else []

    def get_passage(self, passage_id: str) -> Passage | None:
        return next((p for p in self.passages.values() if p.id == passage_id), None)


class Recorder(DraftingListener):
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.lock = threading.Lock()

    def _add(self, *event) -> None:
        with self.lock:
            self.events.append(event)

    def on_section_start(self, key):
        self._add("start", key)

    def on_delta(self, key, text):
        self._add("delta", key, text)

    def on_section_done(self, section):
        self._add("done", section.key)

    def on_section_failed(self, key, error):
        self._add("failed", key, error)

    def on_progress(self, done, total):
        self._add("progress", done, total)


@pytest.fixture
def sheet():
    return parse_facts_mapping(FACTS)


@pytest.fixture
def store(settings):
    return DraftStore(settings.drafts_db_path)


@pytest.fixture
def kb():
    return FakeKnowledgeBase()


def make_pipeline(settings, *, chat=None, kb=None, store=None, concurrency=1) -> DraftingPipeline:
    return DraftingPipeline(
        outlines_dir=settings.outlines_dir,
        prompts=PromptLibrary(settings.templates_dir),
        chat=chat,
        knowledge_base=kb,
        store=store,
        concurrency=concurrency,
        temperature=0.2,
        max_tokens=800,
        template_version="v1",  # the shipped active version (build_pipeline reads it from active.txt)
    )


def grounded_script(n: int = len(KEYS)) -> ScriptedChatModel:
    """Answers that restate the prompt's facts, like the stub's default."""
    return ScriptedChatModel([facts_responder] * n)


def body(draft, key):
    return next(s for s in draft.sections if s.key == key)


# ---------------------------------------------------------------- prompts


def test_prompt_holds_the_facts_and_fenced_exemplars(settings, sheet, kb, store):
    chat = grounded_script()
    draft = make_pipeline(settings, chat=chat, kb=kb, store=store).run(sheet)
    assert len(chat.calls) == len(KEYS)
    work0 = next(c for c in chat.calls if "（一）扎实开展干部教育培训" in c.messages[-1]["content"])
    system, user = work0.messages[0]["content"], work0.messages[-1]["content"]
    assert "- [work.0.0] 举办科级干部培训班3期，培训180人次" in user
    assert "- [work.0.1] 开设“云溪讲堂”6期" in user
    assert "[work.1.0]" not in user  # another section's fact
    # The exemplar sits inside the reference element, in the user message, never in the system one.
    passage = kb.passages["work"]
    fenced = f'<参考材料 id="{passage.id}" 来源="{passage.source}">\n{passage.text}\n</参考材料>'
    assert fenced in user
    assert passage.text not in system and "只供学习文风" in system
    assert work0.temperature == 0.2 and work0.max_tokens == 800 and work0.stream
    # Exemplars were searched within the section's own part of past reports.
    assert sorted({f.part for _, f, _ in kb.searches}) == sorted(
        {"opening", "work", "problems", "plans", "closing"}
    )
    assert all(k == 3 for _, _, k in kb.searches)
    work0_section = body(draft, "work:0")
    assert work0_section.record["passage_ids"] == [passage.id]
    assert work0_section.record["prompt"] == work0.messages
    assert work0_section.record["template_version"] == "v1"


def test_paragraphs_record_facts_and_the_exemplar_they_lean_on(settings, sheet, kb):
    leaning = "坚持把干部教育培训作为基础性工程，举办科级干部培训班3期，培训180人次。"
    script = {"（一）扎实开展干部教育培训": leaning}

    def answer(messages):
        user = messages[-1]["content"]
        return next((text for marker, text in script.items() if marker in user), None) or facts_responder(
            messages
        )

    draft = make_pipeline(settings, chat=ScriptedChatModel([answer] * 6), kb=kb).run(sheet)
    (paragraph,) = body(draft, "work:0").paragraphs
    assert paragraph.fact_ids == ["work.0.0"]
    (ref,) = paragraph.passages
    passage = kb.passages["work"]
    assert ref.passage_id == passage.id and ref.source == passage.source
    span = passage.text[ref.start - passage.start : ref.end - passage.start]
    assert span == "坚持把干部教育培训作为基础性工程，"
    assert passage.start <= ref.start < ref.end <= passage.end


# ---------------------------------------------------------------- modes and assembly


def test_offline_composer_writes_every_section_and_says_so(settings, sheet, kb, store):
    draft = make_pipeline(settings, kb=kb, store=store).run(sheet)
    assert [s.key for s in draft.sections] == [
        "opening",
        "work",
        "work:0",
        "work:1",
        "problems",
        "plans",
        "plans:0",
        "closing",
    ]
    assert {s.mode for s in draft.sections} == {"composer"}
    assert all(s.status == "done" for s in draft.sections)
    assert body(draft, "work").heading == "一、2026年上半年工作开展情况"
    assert body(draft, "work:0").heading == "（一）扎实开展干部教育培训"
    assert draft.title == "云溪区委组织部2026年上半年工作总结和下半年工作计划"
    assert draft.signature == "云溪区委组织部" and draft.date == "2026年7月6日"
    assert not [f for f in draft.flags if f.kind.startswith("unsupported")]
    assert draft.id is not None and draft.version == 1
    saved = store.get_version(draft.id)
    assert saved.record.model == "composer" and saved.facts == sheet
    assert saved.record.outline == "half-year" and saved.record.prompts == {}


def test_llm_sections_are_labelled_with_the_model(settings, sheet, store):
    draft = make_pipeline(settings, chat=grounded_script(), store=store).run(sheet)
    modes = {s.key: s.mode for s in draft.sections}
    assert all(modes[k] == "llm:scripted" for k in KEYS)
    assert modes["work"] == "composer"  # the part heading and its standard lead sentence
    assert (
        body(draft, "work:0").paragraphs[0].text == "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"
    )
    assert body(draft, "work:0").paragraphs[0].fact_ids == ["work.0.0", "work.0.1"]
    saved = store.get_version(draft.id)
    assert saved.record.model == "scripted" and saved.record.template == "section"
    assert set(saved.record.prompts) == set(KEYS)
    assert saved.record.params["temperature"] == 0.2
    assert set(saved.record.usage) == set(KEYS) and "total" in saved.record.timings


def test_model_headings_become_run_in_prose_and_the_removals_are_recorded(settings, sheet):
    answer = "## （一）干部教育培训\n\n**1、分类施训**\n举办科级干部培训班3期，培训180人次。\n\n**2、讲堂**\n\n开设“云溪讲堂”6期。"
    chat = ScriptedChatModel([facts_responder, answer, *[facts_responder] * 4])
    draft = make_pipeline(settings, chat=chat).run(sheet)
    section = body(draft, "work:0")
    assert [(p.kind, p.level, p.text) for p in section.paragraphs] == [
        ("body", 0, "一是分类施训。举办科级干部培训班3期，培训180人次。"),
        ("body", 0, "二是讲堂。开设“云溪讲堂”6期。"),
    ]
    assert [(r.reason, r.text) for r in section.removals] == [
        ("echoed_heading", "## （一）干部教育培训"),
        ("heading_to_text", "**1、分类施训**"),
        ("heading_to_text", "**2、讲堂**"),
    ]
    saved = draft_from_json(draft_to_json(draft))  # the record survives the store's JSON round trip
    assert body(saved, "work:0").removals == section.removals


def test_grounding_flags_invented_numbers_and_copied_exemplars(settings, sheet, kb):
    copied = EXEMPLAR_TEXT["work"]  # a whole past sentence, verbatim
    invented = "举办科级干部培训班9期，培训180人次。"
    chat = ScriptedChatModel([facts_responder, copied + invented, *[facts_responder] * 4])
    draft = make_pipeline(settings, chat=chat, kb=kb).run(sheet)
    kinds = {(f.kind, f.section) for f in draft.flags}
    assert ("unsupported_number", "work:0") in kinds
    assert ("verbatim_copy", "work:0") in kinds
    assert any(f.kind == "unused_fact" and f.detail == "work.0.1" for f in draft.flags)


# ---------------------------------------------------------------- concurrency, failure, cancel


def in_flight(requests) -> int:
    """The most requests the stub was serving at one moment."""
    edges = sorted([(r.started, 1) for r in requests] + [(r.finished, -1) for r in requests])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


@pytest.mark.parametrize("concurrency, expected", [(1, 1), (2, 2), (6, 6)])
def test_sections_are_written_by_a_bounded_concurrent_pool(settings, sheet, concurrency, expected):
    # Each answer waits until `concurrency` requests have arrived: a pool that did not really run
    # that many at once would break the barrier and fail its sections. No wall-clock thresholds.
    barrier = threading.Barrier(concurrency, timeout=30)

    def answer_together(messages):
        barrier.wait()
        return facts_responder(messages)

    with StubLLM(delay_s=0.05, responder=answer_together) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=60)
        draft = make_pipeline(settings, chat=chat, concurrency=concurrency).run(sheet)
        requests = stub.chat_requests
    assert len(requests) == len(KEYS) and all(r.finished is not None for r in requests)
    assert in_flight(requests) == expected  # overlapping in the log, and never more than the pool
    assert all(body(draft, k).status == "done" for k in KEYS)
    assert body(draft, "work:1").paragraphs[0].text == "排查整顿软弱涣散村党组织5个。"


def test_a_failed_section_keeps_the_others_and_is_saved_as_failed(settings, sheet, store):
    chat = ScriptedChatModel(
        [
            facts_responder,
            ChatError("模型接口超时：120 秒内没有响应（已重试 3 次）", kind="timeout"),
            *[facts_responder] * 4,
        ]
    )
    recorder = Recorder()
    draft = make_pipeline(settings, chat=chat, store=store).run(sheet, listener=recorder)
    failed = body(draft, "work:0")
    assert failed.status == "failed" and "超时" in failed.error
    assert failed.paragraphs[0].text.startswith("【待补充")
    assert [s.status for s in draft.sections if s.key in KEYS and s.key != "work:0"] == ["done"] * 5
    assert ("failed", "work:0", failed.error) in recorder.events
    assert ("progress", 6, 6) in recorder.events
    assert store.get_version(draft.id).draft.sections == draft.sections


def test_garbage_from_the_endpoint_fails_only_its_section(settings, sheet):
    with StubLLM() as stub:
        stub.fail_next("garbage")
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0)
        draft = make_pipeline(settings, chat=chat, concurrency=1).run(sheet)
    assert body(draft, "opening").status == "failed" and "无法解析" in body(draft, "opening").error
    assert all(body(draft, k).status == "done" for k in KEYS[1:])


def test_endpoint_down_fails_the_run_and_saves_nothing(settings, sheet, store):
    with StubLLM() as stub:
        url = stub.base_url
    chat = OpenAIChatModel(base_url=url, model="m", max_retries=0, timeout_s=2)
    with pytest.raises(DraftingFailed, match="无法连接"):
        make_pipeline(settings, chat=chat, store=store, concurrency=3).run(sheet)
    assert store.list_drafts() == []


def test_listener_sees_starts_deltas_and_progress(settings, sheet):
    recorder = Recorder()
    draft = make_pipeline(settings, chat=grounded_script(), concurrency=3).run(sheet, listener=recorder)
    assert sorted(e[1] for e in recorder.events if e[0] == "start") == sorted(KEYS)
    streamed = "".join(e[2] for e in recorder.events if e[0] == "delta" and e[1] == "work:0")
    assert (
        streamed
        == "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"
        == body(draft, "work:0").paragraphs[0].text
    )
    progress = [e[1:] for e in recorder.events if e[0] == "progress"]
    assert progress[0] == (0, 6) and sorted(progress)[-1] == (6, 6)


def test_a_broken_listener_does_not_lose_the_draft(settings, sheet):
    class Broken(DraftingListener):
        def on_delta(self, key, text):
            raise RuntimeError("UI bug")

        def on_section_done(self, section):
            raise RuntimeError("UI bug")

    draft = make_pipeline(settings, chat=grounded_script()).run(sheet, listener=Broken())
    assert all(body(draft, k).status == "done" for k in KEYS)


def test_cancel_stops_between_deltas_and_saves_nothing(settings, sheet, store):
    cancel = threading.Event()

    class CancelOnFirstDelta(DraftingListener):
        def on_delta(self, key, text):
            cancel.set()

    chat = grounded_script()
    with pytest.raises(DraftingCancelled) as caught:
        make_pipeline(settings, chat=chat, store=store).run(
            sheet, listener=CancelOnFirstDelta(), cancel=cancel
        )
    assert len(chat.calls) == 1  # the other five sections never started
    assert caught.value.sections == []
    assert store.list_drafts() == []


def test_cancel_before_start_writes_nothing(settings, sheet):
    cancel = threading.Event()
    cancel.set()
    chat = grounded_script()
    with pytest.raises(DraftingCancelled):
        make_pipeline(settings, chat=chat, concurrency=3).run(sheet, cancel=cancel)
    assert chat.calls == []


# ---------------------------------------------------------------- regenerating one section


def test_regenerate_replaces_only_that_section_in_a_new_version(settings, sheet, kb, store):
    first = make_pipeline(settings, chat=grounded_script(), kb=kb, store=store).run(sheet)
    again = ScriptedChatModel(["通过专项整顿，排查整顿软弱涣散村党组织5个。"])
    second = make_pipeline(settings, chat=again, kb=kb, store=store).regenerate_section(
        first.id, "work:1", author="bob"
    )
    assert second.version == 2
    assert body(second, "work:1").paragraphs[0].text == "通过专项整顿，排查整顿软弱涣散村党组织5个。"
    assert [s for s in second.sections if s.key != "work:1"] == [
        s for s in first.sections if s.key != "work:1"
    ]
    assert "- [work.1.0] 排查整顿软弱涣散村党组织5个" in again.calls[0].messages[-1]["content"]
    info = store.list_versions(first.id)
    assert [(v.number, v.reason, v.parent, v.author) for v in info] == [
        (1, "generate", None, None),
        (2, "regenerate:work:1", 1, "bob"),
    ]
    assert store.get_version(first.id, 1).draft.sections == first.sections
    record = store.get_version(first.id).record
    assert set(record.prompts) == set(KEYS)
    assert record.prompts["work:1"] == again.calls[0].messages


def test_regenerating_a_failed_section_repairs_it(settings, sheet, store):
    chat = ScriptedChatModel(
        [facts_responder, ChatError("模型接口限流", kind="status"), *[facts_responder] * 4]
    )
    first = make_pipeline(settings, chat=chat, store=store).run(sheet)
    assert body(first, "work:0").status == "failed"
    second = make_pipeline(settings, chat=grounded_script(1), store=store).regenerate_section(
        first.id, "work:0"
    )
    assert body(second, "work:0").status == "done" and body(second, "work:0").error is None


def test_regenerate_unknown_section_or_draft_is_a_clear_error(settings, sheet, store):
    from drafting.store.drafts import DraftNotFound

    first = make_pipeline(settings, store=store).run(sheet)
    pipeline = make_pipeline(settings, chat=grounded_script(1), store=store)
    with pytest.raises(DraftNotFound, match="没有“work:9”"):
        pipeline.regenerate_section(first.id, "work:9")
    with pytest.raises(DraftNotFound, match="找不到草稿"):
        pipeline.regenerate_section("nope", "work:0")


class Crash(BaseException):
    """Stands in for the process dying (not an Exception: nothing may catch it)."""


def test_a_crash_mid_regeneration_leaves_the_previous_version(settings, sheet, store):
    first = make_pipeline(settings, chat=grounded_script(), store=store).run(sheet)

    def dying(messages):
        raise Crash

    with pytest.raises(Crash):
        make_pipeline(settings, chat=ScriptedChatModel([dying]), store=store).regenerate_section(
            first.id, "work:0"
        )
    assert [v.number for v in store.list_versions(first.id)] == [1]
    assert store.get_version(first.id).draft.sections == first.sections


KILLED_REGENERATION = """
import sys
from pathlib import Path
from drafting.writing.chat import OpenAIChatModel
from drafting.store.draft_json import draft_from_json, draft_to_json
from drafting.store.drafts import DraftStore
from drafting.writing.pipeline import DraftingPipeline
from drafting.writing.templates import PromptLibrary
outlines, templates, db, url, draft_id = sys.argv[1:]
chat = OpenAIChatModel(base_url=url, model="stub-model", max_retries=0, timeout_s=300)
pipeline = DraftingPipeline(outlines_dir=Path(outlines), prompts=PromptLibrary(Path(templates)), chat=chat,
                            store=DraftStore(Path(db)))
pipeline.regenerate_section(draft_id, "work:0")
"""


def test_a_process_killed_mid_generation_leaves_the_previous_version(settings, sheet, store):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    first = make_pipeline(settings, store=store).run(sheet)
    with StubLLM(delay_s=120) as stub:  # the answer never comes before the kill
        args = [
            settings.outlines_dir,
            settings.templates_dir,
            settings.drafts_db_path,
            stub.base_url,
            first.id,
        ]
        process = subprocess.Popen([sys.executable, "-c", KILLED_REGENERATION, *map(str, args)],
                                   cwd=Path(__file__).resolve().parents[3])  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not stub.chat_requests and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert stub.chat_requests, "the generation never reached the model"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert [v.number for v in store.list_versions(first.id)] == [1]
    assert store.get_version(first.id).draft.sections == first.sections
