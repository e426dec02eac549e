"""The local OpenAI-compatible stub, spoken to over plain HTTP (no SDK), as any client would."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from drafting.writing.stub_llm import StubLLM, fact_lines, facts_responder

PROMPT = [
    {"role": "system", "content": "只写事实。[opening.0.0] 系统消息里的编号不算事实"},
    {
        "role": "user",
        "content": (
            "【本期事实】\n- [work.0.1] 举办干部培训班3期\n- [work.0.2] 培训干部120人次；\n"
            "* [work.1.0] 新建党群服务中心2个\n[work.1.1] 开展主题党日活动15次\n"
            "【参考范文（仅供参考文风）】\n去年举办培训班5期，培训干部300人次。\n- 1. 不是事实行\n"
        ),
    },
]


def post(stub: StubLLM, body: dict, **kwargs) -> httpx.Response:
    return httpx.post(stub.base_url + "/chat/completions", json=body, timeout=5, **kwargs)


def sse_events(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def test_fact_lines_come_only_from_user_messages_with_ids():
    assert fact_lines(PROMPT) == [
        ("work.0.1", "举办干部培训班3期"),
        ("work.0.2", "培训干部120人次；"),
        ("work.1.0", "新建党群服务中心2个"),
        ("work.1.1", "开展主题党日活动15次"),
    ]


def test_default_answer_restates_only_the_facts():
    answer = facts_responder(PROMPT)
    assert answer == "举办干部培训班3期。培训干部120人次。新建党群服务中心2个。\n\n开展主题党日活动15次。"
    assert "300" not in answer and "5期" not in answer
    assert facts_responder([{"role": "user", "content": "没有事实"}]) == "【待补充：本部分内容】"


def test_non_streaming_completion_has_the_openai_shape():
    with StubLLM(model="qwen-test") as stub:
        response = post(stub, {"model": "x", "messages": PROMPT})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "qwen-test"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": facts_responder(PROMPT)}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_streaming_sends_chunks_usage_and_done():
    with StubLLM(chunk_chars=5) as stub:
        body = {"model": "x", "messages": PROMPT, "stream": True, "stream_options": {"include_usage": True}}
        response = post(stub, body)
        plain = post(stub, {**body, "stream_options": None})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == facts_responder(PROMPT)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == len(text)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert all(len(c["choices"][0]["delta"].get("content") or "") <= 5 for c in chunks if c["choices"])
    assert "usage" not in json.loads(sse_events(plain.text)[-2])


def test_models_endpoint_lists_the_model():
    with StubLLM(model="glm-test") as stub:
        body = httpx.get(stub.base_url + "/models", timeout=5).json()
    assert [m["id"] for m in body["data"]] == ["glm-test"]


def test_bad_requests_are_answered_not_crashed():
    with StubLLM() as stub:
        assert httpx.post(stub.base_url + "/chat/completions", content=b"\xff{", timeout=5).status_code == 400
        assert post(stub, {"messages": "not a list"}).status_code == 400
        assert httpx.get(stub.base_url + "/nothing", timeout=5).status_code == 404
        assert post(stub, {"messages": PROMPT}).status_code == 200  # still serving


def test_faults_are_served_in_order_and_logged():
    with StubLLM(retry_after_ms=25) as stub:
        stub.fail_next("429")
        stub.fail_next("500")
        stub.fail_next("garbage")
        stub.fail_next("empty_choices")
        first = post(stub, {"messages": PROMPT})
        second = post(stub, {"messages": PROMPT})
        third = post(stub, {"messages": PROMPT})
        fourth = post(stub, {"messages": PROMPT})
        fifth = post(stub, {"messages": PROMPT})
        log = stub.chat_requests
    assert first.status_code == 429 and first.headers["retry-after-ms"] == "25"
    assert second.status_code == 500
    assert third.status_code == 200 and third.content.startswith(b"<html>")
    assert fourth.json()["choices"] == []
    assert fifth.json()["choices"]
    assert [r.fault for r in log] == ["429", "500", "garbage", "empty_choices", None]
    assert [r.status for r in log] == [429, 500, 200, 200, 200]
    assert all(r.finished is not None and r.finished >= r.started for r in log)
    assert log[0].messages == PROMPT


def test_unknown_fault_is_refused():
    with pytest.raises(ValueError):
        StubLLM().fail_next("teapot")


def test_a_hanging_request_is_released_when_the_stub_stops():
    stub = StubLLM(hang_s=60).start()
    stub.fail_next("hang")
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(post(stub, {"messages": PROMPT}).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not stub.chat_requests:  # wait until the request has arrived, then stop underneath it
        threading.Event().wait(0.01)
    stub.stop()
    caller.join(timeout=10)
    assert not caller.is_alive()
    assert isinstance(outcome[0], httpx.HTTPError)
    assert stub.chat_requests[0].finished is None


def test_delay_applies_to_every_answer_and_requests_overlap():
    with StubLLM(delay_s=1.0) as stub:
        threads = [threading.Thread(target=post, args=(stub, {"messages": PROMPT})) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log = stub.chat_requests
    assert all(r.finished - r.started >= 1.0 for r in log)
    # Threaded: all three were in flight at once.
    assert max(r.started for r in log) < min(r.finished for r in log)


def test_custom_responder_and_failing_responder():
    with StubLLM(responder=lambda messages: "固定回答") as stub:
        assert post(stub, {"messages": PROMPT}).json()["choices"][0]["message"]["content"] == "固定回答"
        stub.set_responder(lambda messages: 1 / 0)
        assert post(stub, {"messages": PROMPT}).status_code == 500


def test_serves_loopback_only():
    with pytest.raises(ValueError, match="本机"):
        StubLLM(host="0.0.0.0")
    with StubLLM(host="localhost") as stub:
        assert stub.base_url.startswith("http://127.0.0.1:")
