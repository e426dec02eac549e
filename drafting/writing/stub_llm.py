"""A small local server speaking the OpenAI chat-completions API, for tests, benchmarks and demos.

It answers ``POST /v1/chat/completions`` (plain JSON, or SSE ``data:`` chunks ending in ``[DONE]``
when ``stream`` is set, with usage in a last chunk when ``stream_options.include_usage`` is set)
and ``GET /v1/models``. The default answer is built only from the fact lines found in the prompt,
so a draft written through the stub stays grounded. Faults can be injected per request (429, 500,
garbage, empty choices, a hang longer than the client's timeout, a dropped connection). A responder
may return a StubAnswer instead of text, to end with ``finish_reason`` "length" or to send a separate
``reasoning_content`` (drafting/writing/habits_llm.py uses both). Every request is logged with monotonic timestamps so tests can assert on retries and on overlap.

It binds loopback addresses only: it is a test double, never a service.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, get_args

# 401_echo: refuses the key and quotes it back whole, as a careless gateway would;
# stream_cut: half the answer, then the connection closes without the final event or [DONE];
# stream_stall: half the answer, then silence longer than the client's timeout.
Fault = Literal[
    "401_echo",
    "429",
    "500",
    "garbage",
    "empty_choices",
    "empty_body",
    "hang",
    "drop",
    "stream_garbage",
    "stream_cut",
    "stream_stall",
]
FAULTS: tuple[str, ...] = get_args(Fault)


@dataclass(frozen=True)
class StubAnswer:
    """An answer with more than its text: why it ended, and reasoning sent in a field of its own."""

    content: str
    finish_reason: str = "stop"  # "length": cut off by the token limit
    reasoning_content: str | None = None  # as DeepSeek and vLLM reasoning parsers send it


Responder = Callable[[list[dict[str, Any]]], "str | StubAnswer"]

MAX_BODY_BYTES = 8 * 1024 * 1024

# A fact line as the pipeline writes it into prompts: "- [work.0.1] 举办培训班3期". The id is
# what makes it a fact rather than a line of an exemplar or of the instructions.
_FACT_LINE = re.compile(r"^\s*(?:[-*•·]\s*)?\[([A-Za-z_]+(?:\.\d+)+)\]\s*(.+?)\s*$")


@dataclass
class StubRequest:
    """One request the stub received, for assertions."""

    method: str
    path: str
    body: dict[str, Any] | None
    started: float  # time.monotonic() when the request line was read
    finished: float | None = None  # when the response was fully written (None: never answered)
    status: int | None = None
    fault: str | None = None
    api_key: str = ""  # what the client sent as its bearer token

    @property
    def stream(self) -> bool:
        return bool(self.body and self.body.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])


def fact_lines(messages: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (fact id, text) pairs found in the user messages, in order, without repeats."""
    seen: dict[str, str] = {}
    for message in messages:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, str):
            continue
        for line in content.splitlines():
            match = _FACT_LINE.match(line)
            if match and match.group(1) not in seen:
                seen[match.group(1)] = match.group(2)
    return list(seen.items())


def facts_responder(messages: list[dict[str, Any]]) -> str:
    """The default answer: the prompt's facts restated as sentences, three to a paragraph.

    Nothing is added that is not in a fact, so grounding checks pass on stub drafts; with no facts
    in the prompt the answer is a placeholder, as a careful writer would leave.
    """
    facts = [text.rstrip("。；;，,. ") + "。" for _, text in fact_lines(messages)]
    if not facts:
        return "【待补充：本部分内容】"
    paragraphs = ["".join(facts[i : i + 3]) for i in range(0, len(facts), 3)]
    return "\n\n".join(paragraphs)


def _usage(messages: list[dict[str, Any]], text: str) -> dict[str, int]:
    # Characters stand in for tokens: deterministic and good enough to exercise accounting.
    prompt = sum(len(str(m.get("content") or "")) for m in messages)
    return {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}


@dataclass
class _Config:
    model: str
    delay_s: float
    token_delay_s: float
    chunk_chars: int
    hang_s: float
    retry_after_ms: int | None
    retry_after_s: int | None
    responder: Responder
    faults: deque[str] = field(default_factory=deque)


class StubLLM:
    """An OpenAI-compatible chat endpoint on 127.0.0.1:<free port>; use as a context manager.

    ``delay_s`` is waited before every answer, ``token_delay_s`` between streamed chunks of
    ``chunk_chars`` characters. ``fail_next(fault, times)`` queues faults for the next requests.
    Error responses carry ``retry-after-ms`` (``retry_after_ms``; None leaves it out) so clients
    that honour it, like the openai SDK, retry quickly in tests.
    """

    def __init__(
        self,
        *,
        model: str = "stub-model",
        delay_s: float = 0.0,
        token_delay_s: float = 0.0,
        chunk_chars: int = 4,
        responder: Responder | None = None,
        hang_s: float = 30.0,
        retry_after_ms: int | None = 10,
        retry_after_s: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"测试模型服务只能监听本机地址，不能监听 {host}")
        self._config = _Config(
            model=model,
            delay_s=delay_s,
            token_delay_s=token_delay_s,
            chunk_chars=max(1, chunk_chars),
            hang_s=hang_s,
            retry_after_ms=retry_after_ms,
            retry_after_s=retry_after_s,
            responder=responder or facts_responder,
        )
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._log: list[StubRequest] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ control

    @property
    def model(self) -> str:
        return self._config.model

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("stub server is not running")
        host, port = (str(x) for x in self._server.server_address[:2])
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/v1"

    def fail_next(self, fault: Fault | str, times: int = 1) -> None:
        """Make the next ``times`` chat requests fail with ``fault`` (queued after earlier faults)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        with self._lock:
            self._config.faults.extend([fault] * times)

    def clear_faults(self) -> None:
        """Forget faults queued with fail_next that no request has used yet."""
        with self._lock:
            self._config.faults.clear()

    def set_responder(self, responder: Responder | None) -> None:
        with self._lock:
            self._config.responder = responder or facts_responder

    @property
    def requests(self) -> list[StubRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def chat_requests(self) -> list[StubRequest]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    def start(self) -> StubLLM:
        handler = type("_BoundHandler", (_Handler,), {"stub": self})
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        # A short poll interval keeps stop() quick; tests start and stop many stubs.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stub-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        # Release handlers that are hanging or sleeping first, so shutdown does not wait on them.
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StubLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ used by the handler

    def _record(self, request: StubRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _next_fault(self) -> str | None:
        with self._lock:
            return self._config.faults.popleft() if self._config.faults else None

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when interrupted by stop()."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    stub: StubLLM  # set on the bound subclass
    server_version = "drafter-stub-llm/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log replaces stderr noise

    # ------------------------------------------------------------ routes

    def do_GET(self) -> None:
        entry = StubRequest("GET", self.path, None, time.monotonic())
        self.stub._record(entry)
        if self.path.rstrip("/").endswith("/models"):
            model = {"id": self.stub.model, "object": "model", "created": 0, "owned_by": "drafter-stub"}
            self._send_json(entry, 200, {"object": "list", "data": [model]})
        else:
            self._send_json(entry, 404, _error("not found", "not_found"))

    def do_POST(self) -> None:
        entry = StubRequest("POST", self.path, None, time.monotonic())
        entry.api_key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.stub._record(entry)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(entry, 404, _error("not found", "not_found"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send_json(entry, 413, _error("request too large", "invalid_request_error"))
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send_json(
                entry, 400, _error("body must be JSON with a messages list", "invalid_request_error")
            )
            return
        entry.body = body
        entry.fault = fault = self.stub._next_fault()
        if not self.stub._wait(self.stub._config.delay_s):
            return
        if fault is not None and self._send_fault(entry, fault):
            return
        messages = body["messages"]
        try:
            answer = self.stub._config.responder(messages)
        except Exception as exc:  # a test's responder failing is a 500, as a real server would do
            self._send_json(entry, 500, _error(f"responder failed: {exc}", "server_error"))
            return
        answer = StubAnswer(answer) if isinstance(answer, str) else answer
        usage = _usage(messages, answer.content)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._send_stream(entry, answer, usage if include_usage else None, fault)
        else:
            self._send_json(entry, 200, self._completion(answer, usage, fault))

    # ------------------------------------------------------------ faults

    def _send_fault(self, entry: StubRequest, fault: str) -> bool:
        """Answer with the fault; False when the fault only changes the body (handled later)."""
        if fault in ("429", "500"):
            headers = {}
            if self.stub._config.retry_after_ms is not None:
                headers["retry-after-ms"] = str(self.stub._config.retry_after_ms)
            if self.stub._config.retry_after_s is not None:  # what real rate limiters send
                headers["retry-after"] = str(self.stub._config.retry_after_s)
            kind = "rate_limit_exceeded" if fault == "429" else "server_error"
            self._send_json(entry, int(fault), _error(f"injected {fault}", kind), headers)
            return True
        if fault == "401_echo":
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self._send_json(entry, 401, _error(f"Incorrect API key provided: {key}", "invalid_api_key"))
            return True
        if fault == "garbage":
            self._send_raw(entry, 200, b"<html>502 Bad Gateway \xff\xfe not json", "application/json")
            return True
        if fault == "empty_body":
            self._send_raw(entry, 200, b"", "application/json")
            return True
        if fault == "hang":
            self.stub._wait(self.stub._config.hang_s)
            self.close_connection = True
            return True
        if fault == "drop":
            self.close_connection = True  # no response at all: the client sees a closed connection
            return True
        return False  # empty_choices, stream_garbage: shape the body below

    # ------------------------------------------------------------ responses

    def _completion(self, answer: StubAnswer, usage: dict[str, int], fault: str | None) -> dict[str, Any]:
        message = {"role": "assistant", "content": answer.content}
        if answer.reasoning_content is not None:
            message["reasoning_content"] = answer.reasoning_content
        choices = [
            {
                "index": 0,
                "message": message,
                "finish_reason": answer.finish_reason,
                "logprobs": None,
            }
        ]
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.stub.model,
            "choices": [] if fault == "empty_choices" else choices,
            "usage": usage,
        }

    def _send_stream(
        self, entry: StubRequest, answer: StubAnswer, usage: dict[str, int] | None, fault: str | None
    ) -> None:
        config = self.stub._config
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        entry.status = 200
        base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = config.model

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        try:
            self._event(chunk({"role": "assistant", "content": ""}))
            if fault == "stream_garbage":
                self.wfile.write(b"data: {not json at all\n\n")
            elif fault in ("stream_cut", "stream_stall"):
                self._event(chunk({"content": answer.content[: max(1, len(answer.content) // 2)]}))
                if fault == "stream_stall":
                    self.stub._wait(config.hang_s)
                return  # no finish_reason, no [DONE]: the connection just ends
            elif fault != "empty_choices":
                pieces = [("reasoning_content", answer.reasoning_content or ""), ("content", answer.content)]
                for name, text in pieces:
                    for start in range(0, len(text), config.chunk_chars):
                        if start and not self.stub._wait(config.token_delay_s):
                            return
                        self._event(chunk({name: text[start : start + config.chunk_chars]}))
                self._event(chunk({}, answer.finish_reason))
            if usage is not None:
                self._event({**base, "choices": [], "usage": usage})
            # Stamped before the last write: once the client has [DONE], the log must show it.
            entry.finished = time.monotonic()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            entry.finished = None  # the client went away mid-stream (cancelled or timed out)

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n")
        self.wfile.flush()

    def _send_json(
        self, entry: StubRequest, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send_raw(
            entry, status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers
        )

    def _send_raw(
        self,
        entry: StubRequest,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            # Stamped before the body goes out, so a client that has read it sees the log complete.
            entry.status, entry.finished = status, time.monotonic()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            entry.finished = None


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}
