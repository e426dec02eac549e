"""How a model's answer ends, through the real openai client and the loopback stub: cut off by the
token limit (continued once, reasoning recorded), cut off twice, refused, empty; and a live
preview that never shows the reasoning."""

from __future__ import annotations

import threading

import pytest

from drafting.facts.sheet import parse_facts_mapping
from drafting.normalising.rules import default_rules
from drafting.store.drafts import DraftStore
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.habits_llm import THINK_MARK, HabitsResponder, Turn, preamble_zh, reasoning
from drafting.writing.pipeline import DraftingListener, DraftingPipeline
from drafting.writing.stub_llm import StubAnswer, StubLLM, facts_responder
from drafting.writing.templates import PromptLibrary

FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部",
    "period": "2026年上半年",
    "parts": {
        "work": [
            {"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次", "开设“云溪讲堂”6期"]}
        ]
    },
}
WORK = "work:0"


class Deltas(DraftingListener):
    def __init__(self) -> None:
        self.text: list[str] = []
        self.lock = threading.Lock()

    def on_delta(self, key, text):
        if key == WORK:
            with self.lock:
                self.text.append(text)


def only_work(responder):
    """``responder`` for the work section; the plain stub for the others."""

    def answer(messages):
        if "本节所写方面：干部教育培训" in messages[1]["content"]:
            return responder(messages)
        return facts_responder(messages)

    return answer


def draft(settings, responder, *, streaming=True, listener=None, store=None, chunk_chars=3):
    with StubLLM(responder=only_work(responder), chunk_chars=chunk_chars) as stub:
        chat = OpenAIChatModel(
            base_url=stub.base_url, model="m", max_retries=0, timeout_s=10, streaming=streaming
        )
        pipeline = DraftingPipeline(
            outlines_dir=settings.outlines_dir,
            prompts=PromptLibrary(settings.templates_dir),
            chat=chat,
            store=store,
            concurrency=1,
            repair_attempts=1,
        )
        result = pipeline.run(parse_facts_mapping(FACTS), listener=listener)
        return result, stub.chat_requests, pipeline


def section(result, key=WORK):
    return next(s for s in result.sections if s.key == key)


@pytest.mark.parametrize("streaming", [True, False])
def test_a_cut_off_answer_is_continued_once_and_its_reasoning_recorded(settings, streaming):
    result, requests, _ = draft(
        settings, HabitsResponder([Turn((reasoning, preamble_zh), "length")]), streaming=streaming
    )
    work = section(result)
    assert work.status == "done"
    assert (
        "".join(p.text for p in work.paragraphs) == "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"
    )
    assert work.record["finish"] == {"truncated": True, "continued": True, "complete": True}
    reasons = [r.reason for r in work.removals]
    assert (
        reasons.count("reasoning") == 1 and reasons.count("preamble") == 2
    )  # the answer's and the continuation's
    # The follow-up showed the model what it wrote, without its reasoning, and asked for the rest.
    follow_up = [r for r in requests if any(m["role"] == "assistant" for m in r.messages)]
    (asked,) = follow_up
    assert THINK_MARK not in asked.messages[-2]["content"]
    assert asked.messages[-1]["content"] == default_rules().continue_prompt


def test_an_answer_cut_off_twice_ends_at_its_last_whole_sentence(settings):
    def cut(messages):
        if any(m["role"] == "assistant" for m in messages):
            return StubAnswer("开设“云溪讲堂”6期。另外还", finish_reason="length")
        return StubAnswer("举办科级干部培训班3期，培训180人次。", finish_reason="length")

    result, _, _ = draft(settings, cut)
    work = section(result)
    assert work.record["finish"]["complete"] is False
    assert "".join(p.text for p in work.paragraphs).endswith("6期。")
    assert ("truncated_tail", "另外还") in [(r.reason, r.text) for r in work.removals]


@pytest.mark.parametrize(
    ("ending", "message"), [("refusal", "模型拒绝回答"), ("empty", "空文本")], ids=["refusal", "empty"]
)
def test_a_refusal_or_an_empty_answer_fails_the_section_and_a_retry_fixes_it(settings, ending, message):
    store = DraftStore(settings.drafts_db_path)
    responder = HabitsResponder([Turn((), ending), Turn((reasoning,))])
    result, _, pipeline = draft(settings, responder, store=store)
    work = section(result)
    assert work.status == "failed" and message in work.error
    assert "可单独重新生成" in work.error or ending == "empty"
    assert section(result, "opening").status == "done"  # one bad section never costs the others
    with StubLLM(responder=only_work(responder)) as stub:
        pipeline.chat = OpenAIChatModel(base_url=stub.base_url, model="m", max_retries=0, timeout_s=10)
        again = pipeline.regenerate_section(result.id, WORK)
    fixed = section(again)
    assert fixed.status == "done" and [r.reason for r in fixed.removals] == ["reasoning"]


def test_an_answer_of_reasoning_alone_is_an_empty_answer(settings):
    result, _, _ = draft(settings, HabitsResponder([Turn((reasoning,), "empty")]))
    assert "没有可用的正文" in section(result).error


def test_the_live_preview_never_shows_reasoning_split_across_chunks(settings):
    deltas = Deltas()
    result, _, _ = draft(settings, HabitsResponder([Turn((reasoning,))]), listener=deltas, chunk_chars=2)
    shown = "".join(deltas.text)
    assert "<" not in shown and "think" not in shown and THINK_MARK not in shown
    assert shown.strip() == "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"
    assert section(result).status == "done"
