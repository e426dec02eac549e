"""The chat seam: the OpenAI adapter through the real SDK (against the stub and MockTransport),
the scripted fake, and the factory."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from drafting.settings import Settings
from drafting.writing.chat import (
    ChatError,
    ChatResult,
    OpenAIChatModel,
    ScriptedChatModel,
    ScriptExhausted,
    build_chat_model,
)
from drafting.writing.stub_llm import StubLLM

MESSAGES = [
    {"role": "system", "content": "你是公文写作助手。"},
    {"role": "user", "content": "本期事实：\n- [work.0.1] 举办干部培训班3期\n- [work.0.2] 培训干部120人次"},
]


@pytest.fixture
def stub():
    with StubLLM() as server:
        yield server


def adapter(stub: StubLLM, **kwargs) -> OpenAIChatModel:
    options = {"timeout_s": 5.0, "max_retries": 2} | kwargs
    return OpenAIChatModel(base_url=stub.base_url, model=stub.model, api_key="sk-test-secret", **options)


# ---------------------------------------------------------------- through the real SDK


def test_complete_returns_text_usage_and_model(stub):
    result = adapter(stub).complete(MESSAGES, temperature=0.1, max_tokens=50)
    assert result.text == "举办干部培训班3期。培训干部120人次。"
    assert result.model == "stub-model"
    assert result.usage["completion_tokens"] == len(result.text)
    (request,) = stub.chat_requests
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.1 and request.body["max_tokens"] == 50
    assert request.body["model"] == "stub-model" and not request.stream


def test_stream_yields_deltas_then_usage(stub):
    stream = adapter(stub).stream(MESSAGES)
    deltas = list(stream)
    assert len(deltas) > 1
    assert "".join(deltas) == stream.text == "举办干部培训班3期。培训干部120人次。"
    assert stream.usage["completion_tokens"] == len(stream.text)
    assert stream.usage["total_tokens"] == stream.usage["prompt_tokens"] + stream.usage["completion_tokens"]
    (request,) = stub.chat_requests
    assert request.stream and request.body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("fault", ["429", "500"])
@pytest.mark.parametrize("streaming", [False, True])
def test_retries_after_rate_limit_or_server_error(stub, fault, streaming):
    stub.fail_next(fault, times=2)
    model = adapter(stub, max_retries=3)
    text = "".join(model.stream(MESSAGES)) if streaming else model.complete(MESSAGES).text
    assert text.startswith("举办干部培训班3期")
    assert [(r.status, r.fault) for r in stub.chat_requests] == [
        (int(fault), fault),
        (int(fault), fault),
        (200, None),
    ]


def test_gives_up_after_max_retries_with_a_chinese_message(stub):
    stub.fail_next("429", times=5)
    with pytest.raises(ChatError, match="限流") as caught:
        adapter(stub, max_retries=1).complete(MESSAGES)
    assert caught.value.kind == "status"
    assert len(stub.chat_requests) == 2


def test_backoff_is_exponential_without_retry_after(monkeypatch):
    import openai._base_client as base_client

    slept: list[float] = []
    monkeypatch.setattr(base_client.time, "sleep", slept.append)
    with StubLLM(retry_after_ms=None) as stub:
        stub.fail_next("500", times=3)
        adapter(stub, max_retries=3).complete(MESSAGES)
    assert len(slept) == 3
    # 0.5 s doubling, each reduced by up to 25 % jitter.
    for wait, base in zip(slept, (0.5, 1.0, 2.0), strict=True):
        assert base * 0.75 <= wait <= base


def test_hang_past_the_timeout_is_a_chat_error(stub):
    stub.fail_next("hang", times=2)
    with pytest.raises(ChatError, match="超时") as caught:
        adapter(stub, timeout_s=0.3, max_retries=1).complete(MESSAGES)
    assert caught.value.kind == "timeout"
    assert [r.fault for r in stub.chat_requests] == ["hang", "hang"]


def test_stream_stalling_mid_answer_is_a_chat_error():
    with StubLLM(token_delay_s=60.0) as stub:  # stop() releases the wait
        stream = adapter(stub, timeout_s=1.0).stream(MESSAGES)
        with pytest.raises(ChatError, match="中断") as caught:
            list(stream)
    assert caught.value.kind == "timeout"
    assert stream.text  # the first chunk had arrived


@pytest.mark.parametrize("fault", ["garbage", "empty_body"])
def test_garbage_body_is_a_chat_error(stub, fault):
    stub.fail_next(fault)
    with pytest.raises(ChatError, match="无法解析") as caught:
        adapter(stub).complete(MESSAGES)
    assert caught.value.kind == "garbage"


def test_garbage_in_a_stream_is_a_chat_error(stub):
    stub.fail_next("stream_garbage")
    with pytest.raises(ChatError, match="无法解析"):
        list(adapter(stub).stream(MESSAGES))


def test_empty_choices_is_a_chat_error(stub):
    stub.fail_next("empty_choices")
    with pytest.raises(ChatError, match="choices") as caught:
        adapter(stub).complete(MESSAGES)
    assert caught.value.kind == "empty"
    stub.fail_next("empty_choices")
    with pytest.raises(ChatError, match="空文本"):
        list(adapter(stub).stream(MESSAGES))


def test_dropped_connections_are_retried_then_reported(stub, monkeypatch):
    import openai._base_client as base_client

    monkeypatch.setattr(base_client.time, "sleep", lambda s: None)
    stub.fail_next("drop", times=3)
    with pytest.raises(ChatError, match="无法连接") as caught:
        adapter(stub, max_retries=2).complete(MESSAGES)
    assert caught.value.kind == "connection"
    assert len(stub.chat_requests) == 3


def test_endpoint_down_is_a_connection_error():
    with StubLLM() as stub:
        url = stub.base_url
    model = OpenAIChatModel(base_url=url, model="m", timeout_s=1, max_retries=0)
    with pytest.raises(ChatError, match="无法连接"):
        model.complete(MESSAGES)


def test_stream_options_rejected_falls_back_without_them():
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if "stream_options" in body:
            return httpx.Response(400, json={"error": {"message": "unknown field stream_options"}})
        chunk = {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            # The answer's last chunk carries its finish_reason, as every compatible server sends.
            "choices": [{"index": 0, "delta": {"content": "好的"}, "finish_reason": "stop"}],
        }
        sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
        return httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    model = OpenAIChatModel(base_url="http://llm.test/v1", model="m", max_retries=0, http_client=client)
    stream = model.stream(MESSAGES)
    assert list(stream) == ["好的"] and stream.usage == {}
    assert ["stream_options" in b for b in seen] == [True, False]


def test_mock_transport_sees_the_key_and_status_errors_are_translated():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer sk-test-secret"
        return httpx.Response(401, json={"error": {"message": "bad key"}})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    model = OpenAIChatModel(
        base_url="http://llm.test/v1", model="m", api_key="sk-test-secret", http_client=client
    )
    with pytest.raises(ChatError, match="DRAFTER_LLM__API_KEY") as caught:
        model.complete(MESSAGES)
    assert "sk-test-secret" not in str(caught.value)


def test_a_json_body_that_is_not_a_completion_is_a_chat_error():
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"hello": 1})))
    model = OpenAIChatModel(base_url="http://llm.test/v1", model="m", max_retries=0, http_client=client)
    with pytest.raises(ChatError):
        model.complete(MESSAGES)


def test_bad_base_url_is_refused_in_chinese():
    with pytest.raises(ChatError, match="地址无效"):
        OpenAIChatModel(base_url="llm.local:8000", model="m")


# ---------------------------------------------------------------- the scripted fake


def test_scripted_model_replays_records_and_raises_when_exhausted():
    model = ScriptedChatModel(
        ["第一段。", ChatError("模型接口超时", kind="timeout"), "第三段很长一些。"], chunk_chars=3
    )
    assert model.complete(MESSAGES, temperature=0.2).text == "第一段。"
    with pytest.raises(ChatError):
        model.complete(MESSAGES)
    stream = model.stream(MESSAGES, max_tokens=9)
    assert list(stream) == ["第三段", "很长一", "些。"]
    assert stream.text == "第三段很长一些。" and stream.usage["completion_tokens"] == 8
    with pytest.raises(ScriptExhausted):
        model.complete(MESSAGES)
    assert len(model.calls) == 4
    assert model.calls[0].messages == MESSAGES and model.calls[0].temperature == 0.2
    assert model.calls[2].stream and model.calls[2].max_tokens == 9


def test_scripted_model_records_a_copy_of_the_messages_and_accepts_functions():
    messages = [{"role": "user", "content": "原文"}]
    model = ScriptedChatModel([lambda msgs: msgs[-1]["content"] + "的回答", ChatResult("固定", {}, "x")])
    assert model.complete(messages).text == "原文的回答"
    messages[0]["content"] = "改过"
    assert model.calls[0].messages == [{"role": "user", "content": "原文"}]
    assert model.complete(messages).text == "固定"
    assert model.remaining == 0


def test_scripted_model_is_safe_across_threads():
    model = ScriptedChatModel([f"答{i}" for i in range(40)])
    answers: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        text = model.complete(MESSAGES).text
        with lock:
            answers.append(text)

    threads = [threading.Thread(target=call) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == sorted(f"答{i}" for i in range(40))
    assert len(model.calls) == 40


# ---------------------------------------------------------------- factory


def test_no_endpoint_means_no_model(settings):
    assert build_chat_model(settings) is None


def test_configured_endpoint_builds_the_adapter_without_showing_the_key(monkeypatch):
    monkeypatch.setenv("DRAFTER_LLM__BASE_URL", "https://api.deepseek.com/v1")
    monkeypatch.setenv("DRAFTER_LLM__MODEL", "deepseek-chat")
    monkeypatch.setenv("DRAFTER_LLM__API_KEY", "sk-very-secret")
    model = build_chat_model(Settings())
    assert isinstance(model, OpenAIChatModel)
    assert model.name == "deepseek-chat"
    assert "sk-very-secret" not in repr(model)
    assert "sk-very-secret" not in repr(vars(model).get("base_url"))


@pytest.mark.parametrize("max_in_flight, peak", [(2, 2), (None, 5)])
def test_requests_beyond_max_in_flight_wait_for_a_slot(max_in_flight, peak) -> None:
    lock, open_now, seen = threading.Lock(), [0], [0]

    def slow(messages):  # counts the requests the endpoint is answering at this moment
        with lock:
            open_now[0] += 1
            seen[0] = max(seen[0], open_now[0])
        threading.Event().wait(0.3)
        with lock:
            open_now[0] -= 1
        return "已收到。"

    with StubLLM(responder=slow, token_delay_s=0.01) as stub:
        chat = OpenAIChatModel(
            base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=10, max_in_flight=max_in_flight
        )
        answers: list[str] = []
        # Five writers at once: three streams read to the end, one whole answer, one stopped early.
        calls = [lambda: "".join(chat.stream([{"role": "user", "content": "问"}])) for _ in range(3)]
        calls.append(lambda: chat.complete([{"role": "user", "content": "问"}]).text)
        calls.append(lambda: next(chat.stream([{"role": "user", "content": "问"}])))
        threads = [threading.Thread(target=lambda c=c: answers.append(c())) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(answers) == 5 and seen[0] == peak
        # Every slot came back: as many requests again all run at once.
        seen[0] = 0
        threads = [threading.Thread(target=calls[0]) for _ in range(peak)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert seen[0] == peak
