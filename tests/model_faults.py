"""Model endpoint faults, each set up on the loopback stub so that only the first request (or the
first request and its retry) goes wrong: with one section written at a time, the first section
fails and the others are written. Shared by the CLI and service tests and the reliability report.

Each fault names what the writer must read in the section's error message.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drafting.writing.stub_llm import StubLLM, facts_responder

# Settings that make faults quick to hit: one retry, one section at a time, a short timeout, no
# repair (a repair round would be a second request the fault queue does not expect).
ENV = {
    "DRAFTER_LLM__CONCURRENCY": "1",
    "DRAFTER_LLM__MAX_RETRIES": "1",
    "DRAFTER_LLM__TIMEOUT_S": "1",
    "DRAFTER_LLM__REPAIR_ATTEMPTS": "0",
    "DRAFTER_LLM__MAX_ANSWER_CHARS": "3000",
}
RETRY_AFTER_S = 30

ENGLISH = (
    "In the first half of the year, our department focused on cadre training and organised "
    "several programmes, which were well received by participants across the district. "
) * 3
RUN_ON = "同时，我们将继续坚持高标准严要求，推动各项工作取得新成效。" * 400


def _first_answer(text: str) -> Callable[[list[dict[str, Any]]], str]:
    calls = itertools.count()
    return lambda messages: text if next(calls) == 0 else facts_responder(messages)


@dataclass(frozen=True)
class ModelFault:
    name: str  # the row's label, in Chinese
    needle: str  # what the section's error message must say
    fault: str | None = None
    times: int = 1
    first_answer: str | None = None

    def arm(self, stub: StubLLM) -> None:
        if self.fault is not None:
            stub.fail_next(self.fault, times=self.times)
        if self.first_answer is not None:
            stub.set_responder(_first_answer(self.first_answer))


MODEL_FAULTS = [
    ModelFault("连接中途断开（重试后仍失败）", "无法连接模型接口", "drop", times=2),
    ModelFault("流式输出中途超时", "模型输出中断", "stream_stall"),
    ModelFault("429 限流（Retry-After）", f"请 {RETRY_AFTER_S} 秒后再试", "429", times=2),
    ModelFault("500 服务器错误", "HTTP 500", "500", times=2),
    ModelFault("流没有结束事件", "模型输出不完整", "stream_cut"),
    ModelFault("返回非 JSON", "无法解析", "garbage"),
    ModelFault("流中夹杂坏 JSON", "无法解析", "stream_garbage"),
    ModelFault("空回答", "空", "empty_choices"),
    ModelFault("英文回答", "没有用中文作答", first_answer=ENGLISH),
    ModelFault("回答过长", "模型回答过长", first_answer=RUN_ON),
]


def stub() -> StubLLM:
    """A stub whose hangs outlast the 1 s timeout and whose 429s ask for RETRY_AFTER_S seconds
    (while the SDK, honouring retry-after-ms, waits only 10 ms)."""
    return StubLLM(hang_s=5.0, retry_after_s=RETRY_AFTER_S)
