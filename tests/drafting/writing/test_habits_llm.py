"""The habits fake itself: each turn really carries its habit, over plain HTTP, streamed and not."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from stub_command import stub_llm_command

from drafting.writing.chat import OpenAIChatModel
from drafting.writing.habits_llm import (
    CLOSING_OFFER,
    HABIT_TURNS,
    PREAMBLE_EN,
    REFUSAL,
    THINK_MARK,
    HabitsResponder,
    Turn,
    bullet_list,
    closing_offer,
    fact_ids,
    fullwidth,
    habit_names,
    heading_bracket,
    list_as_headings,
    numbered_list,
    placeholders,
    preamble_en,
    reasoning,
)
from drafting.writing.stub_llm import StubLLM

REPO = Path(__file__).resolve().parents[3]
PROMPT = [
    {"role": "system", "content": "你是党政机关的资深文字工作者。"},
    {
        "role": "user",
        "content": (
            "所在部分：工作情况\n本节标题：（一）扎实开展干部教育培训\n本节所写方面：干部教育培训\n"
            "【本节事实】\n- [work.0.0] 举办科级干部培训班3期，培训180人次\n- [work.0.1] 开设“云溪讲堂”6期\n"
        ),
    },
]


def answer(*habits, ending="stop") -> str:
    return HabitsResponder([Turn(tuple(habits), ending)])(PROMPT).content


def test_every_habit_is_in_the_turns_alone_and_combined():
    singles = {t.names[0] for t in HABIT_TURNS if len(t.names) == 1}
    assert singles == habit_names() - {"continuation"}
    assert sum(len(t.names) > 2 for t in HABIT_TURNS) >= 4


def test_each_habit_dresses_the_facts_as_a_real_model_would():
    plain = "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"
    assert answer() == plain
    assert answer(reasoning).startswith(f"<think>\n{THINK_MARK}") and answer(reasoning).endswith(plain)
    assert answer(preamble_en).startswith(PREAMBLE_EN) and answer(closing_offer).endswith(CLOSING_OFFER)
    assert answer(heading_bracket).startswith("【工作情况】（一）干部教育培训\n")
    assert answer(numbered_list) == "1. 举办科级干部培训班3期，培训180人次。\n2. 开设“云溪讲堂”6期。"
    assert answer(bullet_list).startswith("- 举办")
    assert answer(list_as_headings).startswith("### 1. 举办科级干部培训班3期")
    assert (
        answer(fact_ids)
        == "举办科级干部培训班3期，培训180人次[work.0.0]。开设“云溪讲堂”6期（事实work.0.1）。"
    )
    assert "XX" in answer(placeholders) and "（待补充：" in answer(placeholders)
    assert answer(fullwidth) == "举办科级干部培训班３期，培训１８０人次。开设“云溪讲堂”６期。"
    assert answer(ending="refusal") == REFUSAL and answer(ending="empty") == ""


def test_turns_come_in_order_and_are_logged():
    responder = HabitsResponder()
    for _ in range(len(HABIT_TURNS) + 1):
        responder(PROMPT)
    assert [names for _, names in responder.served] == [t.names for t in HABIT_TURNS] + [HABIT_TURNS[0].names]
    assert {topic for topic, _ in responder.served} == {"干部教育培训"}


@pytest.mark.parametrize("streaming", [True, False])
def test_a_cut_off_answer_ends_by_length_and_the_continuation_gets_the_rest(streaming):
    responder = HabitsResponder([Turn((reasoning,), "length")])
    with StubLLM(responder=responder) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, streaming=streaming)
        with chat.stream(PROMPT) as stream:
            first = "".join(stream)
        assert stream.finish_reason == "length"
        shown = first.split("</think>")[1]
        follow_up = [*PROMPT, {"role": "assistant", "content": shown}, {"role": "user", "content": "接着写"}]
        rest = chat.complete(follow_up)
    assert first.startswith("<think>") and rest.finish_reason == "stop"
    assert rest.text.startswith("好的，接着上文继续：\n")
    whole = shown + rest.text.split("\n", 1)[1]
    assert whole.strip() == "举办科级干部培训班3期，培训180人次。开设“云溪讲堂”6期。"


def test_reasoning_in_its_own_field_over_both_wire_forms():
    with StubLLM(responder=HabitsResponder([Turn((), "field")])) as stub:
        body = {"model": "m", "messages": PROMPT}
        plain = httpx.post(stub.base_url + "/chat/completions", json=body, timeout=5).json()
        streamed = httpx.post(stub.base_url + "/chat/completions", json={**body, "stream": True}, timeout=5)
    message = plain["choices"][0]["message"]
    assert THINK_MARK in message["reasoning_content"] and THINK_MARK not in message["content"]
    deltas = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")]
    fields = [d["choices"][0]["delta"] for d in deltas if d["choices"]]
    assert any("reasoning_content" in f for f in fields) and any(
        "content" in f and f["content"] for f in fields
    )
    # The openai client (our adapter) keeps only the content.
    with StubLLM(responder=HabitsResponder([Turn((), "field")])) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0)
        with chat.stream(PROMPT) as stream:
            text = "".join(stream)
    assert THINK_MARK not in text and text.startswith("举办")


def test_stub_llm_command_serves_the_habits(tmp_path):
    with stub_llm_command("--habits", "--model", "habits") as served:
        assert "模拟真实模型习惯" in served.first_line
        chat = OpenAIChatModel(base_url=served.url, model="habits", max_retries=0, timeout_s=10)
        text = chat.complete(PROMPT).text
    assert served.returncode == 0, served.err
    assert text.startswith(f"<think>\n{THINK_MARK}")  # the first turn: a reasoning block
