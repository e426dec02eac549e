"""The chat-model seam: one small protocol, the OpenAI-compatible adapter, and a scripted fake.

Everything the drafting pipeline asks of a model is ``complete`` (one answer) or ``stream`` (text
deltas as they come). Library objects stay inside this module: callers see ``ChatResult``,
``ChatStream`` and ``ChatError`` only, and a ``ChatError`` always carries a Chinese message a
writer can act on, whatever the endpoint sent back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable
from urllib.parse import urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from drafting.settings import Settings

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class ChatError(RuntimeError):
    """The model could not give a usable answer; ``str(error)`` is a Chinese, user-facing line."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        super().__init__(message)
        # timeout | connection | status | garbage | empty | config | truncated | too_long | language
        self.kind = kind


class ScriptExhausted(RuntimeError):
    """A ScriptedChatModel was called more often than its script allows (a test bug, not a model fault)."""


@dataclass(frozen=True)
class ChatResult:
    text: str
    usage: dict[str, int]
    model: str
    finish_reason: str | None = None  # "stop", or "length" when the token limit cut the answer off


@dataclass(frozen=True)
class Finish:
    """Passed along a stream's source (between deltas) when the endpoint says why the answer ended."""

    reason: str


class ChatStream(Iterator[str]):
    """Text deltas of one answer. After exhaustion ``text`` and ``usage`` hold the whole answer.

    ``close()`` stops early and releases the connection (used when a draft is cancelled).
    """

    def __init__(self, model: str, source: Iterator[str | dict[str, int] | Finish]) -> None:
        self.model = model
        self.usage: dict[str, int] = {}
        self.finish_reason: str | None = None
        self.done = False
        self._source = source
        self._parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        while True:
            try:
                item = next(self._source)
            except StopIteration:
                self.done = True
                raise
            if isinstance(item, dict):  # the adapter reports usage as a dict between deltas
                self.usage = item
                continue
            if isinstance(item, Finish):
                self.finish_reason = item.reason
                continue
            self._parts.append(item)
            return item

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@runtime_checkable
class ChatModel(Protocol):
    """What the pipeline needs from a chat model. ``name`` is shown to users as the mode."""

    name: str

    def complete(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatResult: ...

    def stream(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatStream: ...


# ---------------------------------------------------------------- the OpenAI-compatible adapter


class OpenAIChatModel:
    """Any OpenAI-compatible chat endpoint (OpenAI, DeepSeek, Qwen, GLM, vLLM, Ollama, llama.cpp).

    The openai SDK retries 408/409/429/5xx and connection errors ``max_retries`` times with
    exponential backoff (0.5 s doubling, at most 8 s, or the server's Retry-After); ``timeout_s``
    bounds each attempt and each wait between streamed chunks. Pass ``http_client`` (an
    ``httpx.Client``, e.g. with ``httpx.MockTransport``) to run the real SDK against canned responses.

    ``max_in_flight`` bounds the requests this object has open at once, over every draft and
    every writer sharing it: an endpoint serves only so many at a time (a local model has a few
    slots), and every open stream is a thread of the server competing with people's clicks.
    A request beyond it waits for a slot before it is sent.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: SecretStr | str = "not-needed",
        timeout_s: float = 120.0,
        max_retries: int = 3,
        temperature: float = 0.3,
        max_tokens: int = 1500,
        seed: int | None = None,
        streaming: bool = True,
        max_in_flight: int | None = None,
        http_client: Any = None,
    ) -> None:
        import openai  # imported here so the offline path never loads the SDK

        check_base_url(base_url)
        secret = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self.name = model
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        # A fixed seed (evaluations) makes sampling repeatable on endpoints that take one.
        self.seed = seed
        self.streaming = streaming  # False: stream() asks for the whole answer (no live preview)
        self._slot: AbstractContextManager[Any] = (
            threading.BoundedSemaphore(max_in_flight) if max_in_flight else nullcontext()
        )
        # Endpoints that reject stream_options (older vLLM/Ollama) get one retry without it.
        self._include_usage = True
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=secret or "not-needed",
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIChatModel(base_url={_safe_url(self.base_url)!r}, model={self.name!r})"

    def _params(self, temperature: float | None, max_tokens: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.name,
            "temperature": self.temperature if temperature is None else temperature,
            "max_tokens": self.max_tokens if max_tokens is None else max_tokens,
        }
        if self.seed is not None:
            params["seed"] = self.seed
        return params

    def complete(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatResult:
        """One whole answer; raises ChatError for any failure after the SDK's retries."""
        try:
            with self._slot:
                completion = self._client.chat.completions.create(
                    messages=cast(Any, list(messages)), **self._params(temperature, max_tokens)
                )
        except Exception as exc:
            raise self._error(exc) from exc
        if not hasattr(completion, "choices"):  # the SDK hands back a bare str for a non-JSON body
            raise ChatError("模型接口返回的内容无法解析（不是聊天补全格式的 JSON）", kind="garbage")
        choices = completion.choices or []
        if not choices:
            raise ChatError("模型接口返回了空结果（没有 choices），请检查模型名称和接口设置", kind="empty")
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            raise ChatError("模型返回了空文本", kind="empty")
        finish = getattr(choices[0], "finish_reason", None)
        return ChatResult(
            text=text,
            usage=_usage_dict(getattr(completion, "usage", None)),
            model=self.name,
            finish_reason=finish if isinstance(finish, str) else None,
        )

    def stream(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatStream:
        """Text deltas as they arrive; the stream's ``usage`` is set once it is exhausted."""
        if not self.streaming:  # for endpoints that cannot stream: one delta, the whole answer
            return ChatStream(self.name, self._whole(list(messages), temperature, max_tokens))
        return ChatStream(self.name, self._deltas(list(messages), self._params(temperature, max_tokens)))

    def _whole(
        self, messages: list[Message], temperature: float | None, max_tokens: int | None
    ) -> Iterator[str | dict[str, int] | Finish]:
        result = self.complete(messages, temperature=temperature, max_tokens=max_tokens)
        yield from _chunks(result, len(result.text))

    def _open_stream(self, messages: list[Message], params: dict[str, Any]) -> Any:
        import openai

        try:
            if self._include_usage:
                try:
                    return self._client.chat.completions.create(
                        messages=cast(Any, messages),
                        stream=True,
                        stream_options={"include_usage": True},
                        **params,
                    )
                except openai.BadRequestError as exc:
                    if "stream_options" not in str(exc):
                        raise
                    self._include_usage = False
            return self._client.chat.completions.create(messages=cast(Any, messages), stream=True, **params)
        except Exception as exc:
            raise self._error(exc) from exc

    def _deltas(
        self, messages: list[Message], params: dict[str, Any]
    ) -> Iterator[str | dict[str, int] | Finish]:
        # The slot is held until the answer is read to its end, or the reader stops (closing
        # this generator), or fails.
        with self._slot:
            yield from self._read(messages, params)

    def _read(
        self, messages: list[Message], params: dict[str, Any]
    ) -> Iterator[str | dict[str, int] | Finish]:
        stream = self._open_stream(messages, params)
        if not hasattr(stream, "__iter__") or isinstance(stream, str | bytes):
            raise ChatError("模型接口返回的内容无法解析（不是流式输出）", kind="garbage")
        received = 0
        finish: str | None = None
        ended = False  # a usage chunk comes after the last choice: the answer is complete
        try:
            for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    ended = True
                    yield _usage_dict(usage)
                for choice in getattr(chunk, "choices", None) or []:
                    # Only ``content`` is the answer: a separate ``reasoning_content`` (DeepSeek,
                    # vLLM reasoning parsers) is the model thinking aloud and never reaches a draft.
                    text = getattr(getattr(choice, "delta", None), "content", None)
                    if isinstance(text, str) and text:
                        received += len(text)
                        yield text
                    reason = getattr(choice, "finish_reason", None)
                    if isinstance(reason, str) and reason:
                        finish = reason
                        yield Finish(reason)
        except ChatError:
            raise
        except Exception as exc:
            if received and _is_timeout(exc):
                # No retry happens mid-answer, so say what happened rather than "retried N times".
                message = f"模型输出中断：{self.timeout_s:g} 秒内没有收到新内容"
                raise ChatError(message, kind="timeout") from exc
            raise self._error(exc) from exc
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if not received:
            raise ChatError("模型返回了空文本", kind="empty")
        if finish is None and not ended:
            # The connection ended before the answer's last event: what came is only a part of it.
            raise ChatError(
                f"模型输出不完整：收到 {received} 字后连接中断，没有收到结束标记，请重新生成本节",
                kind="truncated",
            )

    def _error(self, exc: Exception) -> ChatError:
        return translate_error(
            exc, base_url=self.base_url, model=self.name, timeout_s=self.timeout_s, retries=self.max_retries
        )


def translate_error(
    exc: Exception, *, base_url: str, model: str, timeout_s: float, retries: int
) -> ChatError:
    """A ChatError with a Chinese message for any exception raised by the SDK or its transport."""
    import openai

    if isinstance(exc, ChatError):
        return exc
    url = _safe_url(base_url)
    if isinstance(exc, openai.APITimeoutError):
        return ChatError(f"模型接口超时：{timeout_s:g} 秒内没有响应（已重试 {retries} 次）", kind="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ChatError(
            f"无法连接模型接口 {url}（已重试 {retries} 次），请确认服务已启动、地址正确", kind="connection"
        )
    if isinstance(exc, openai.AuthenticationError):
        return ChatError("模型接口拒绝了访问密钥（HTTP 401），请检查 DRAFTER_LLM__API_KEY", kind="status")
    if isinstance(exc, openai.RateLimitError):
        wait = _retry_after(exc)
        later = f"请 {wait} 秒后再试" if wait else "请稍后再试"
        return ChatError(f"模型接口限流（HTTP 429），已重试 {retries} 次仍未成功，{later}", kind="status")
    if isinstance(exc, openai.NotFoundError):
        return ChatError(f"模型接口找不到模型 {model} 或地址 {url} 有误（HTTP 404）", kind="status")
    if isinstance(exc, openai.APIStatusError):
        detail = _short(getattr(exc, "message", "") or "")
        return ChatError(f"模型接口返回错误（HTTP {exc.status_code}）：{detail}", kind="status")
    if isinstance(exc, openai.APIResponseValidationError | ValueError):
        return ChatError("模型接口返回的内容无法解析（不是有效的 JSON）", kind="garbage")
    if isinstance(exc, openai.APIError):
        return ChatError(f"模型接口报错：{_short(str(exc))}", kind="status")
    return ChatError(f"调用模型接口失败（{type(exc).__name__}）：{_short(str(exc))}", kind="error")


def _retry_after(exc: Exception) -> str | None:
    """The server's Retry-After in whole seconds, when it sent one as a number."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = str(headers.get("retry-after") or "").strip()
    if value.replace(".", "", 1).isdigit():
        return f"{float(value):g}"
    millis = str(headers.get("retry-after-ms") or "").strip()
    return f"{float(millis) / 1000:g}" if millis.replace(".", "", 1).isdigit() else None


def _is_timeout(exc: Exception) -> bool:
    import openai

    return isinstance(exc, openai.APITimeoutError) or "timeout" in type(exc).__name__.lower()


def check_base_url(base_url: str) -> str:
    """The URL itself, or a ChatError naming what is wrong with it."""
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChatError(f"模型接口地址无效：{base_url!r}（应形如 https://api.example.com/v1）", kind="config")
    return base_url


def _safe_url(url: str) -> str:
    # A base URL may carry credentials (https://user:key@host/v1); show only scheme, host and path.
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _usage_dict(usage: Any) -> dict[str, int]:
    if usage is None:
        return {}
    raw = usage.model_dump() if hasattr(usage, "model_dump") else dict(usage)
    return {k: int(v) for k, v in raw.items() if isinstance(v, int | float) and not isinstance(v, bool)}


# ---------------------------------------------------------------- the scripted fake

ScriptItem = str | ChatResult | BaseException | Callable[[list[Message]], str]


@dataclass(frozen=True)
class ScriptedCall:
    messages: list[Message]
    temperature: float | None
    max_tokens: int | None
    stream: bool


@dataclass
class ScriptedChatModel:
    """A fake chat model: replays ``script`` in order and records every call.

    Each script item is the answer text, a ChatResult, an exception to raise (e.g. a ChatError to
    simulate a failing endpoint) or a function of the messages. When the script runs out it raises
    ScriptExhausted rather than inventing text. Streams come in chunks of ``chunk_chars``.
    Thread-safe: the pipeline calls it from several workers.
    """

    script: list[ScriptItem]
    name: str = "scripted"
    chunk_chars: int = 5
    calls: list[ScriptedCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.script = list(self.script)
        self._lock = threading.Lock()
        self._next = 0

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self.script) - self._next

    def _answer(
        self, messages: Sequence[Message], temperature: float | None, max_tokens: int | None, stream: bool
    ) -> ChatResult:
        copied = [dict(m) for m in messages]
        with self._lock:
            self.calls.append(ScriptedCall(copied, temperature, max_tokens, stream))
            if self._next >= len(self.script):
                raise ScriptExhausted(f"ScriptedChatModel: script of {len(self.script)} answers is exhausted")
            item = self.script[self._next]
            self._next += 1
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, ChatResult):
            return item
        text = item(copied) if callable(item) else item
        prompt = sum(len(m.get("content") or "") for m in copied)
        usage = {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}
        return ChatResult(text=text, usage=usage, model=self.name)

    def complete(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatResult:
        return self._answer(messages, temperature, max_tokens, stream=False)

    def stream(
        self, messages: Sequence[Message], *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatStream:
        result = self._answer(messages, temperature, max_tokens, stream=True)
        return ChatStream(self.name, _chunks(result, self.chunk_chars))


def _chunks(result: ChatResult, size: int) -> Iterator[str | dict[str, int] | Finish]:
    for start in range(0, len(result.text), max(1, size)):
        yield result.text[start : start + size]
    yield Finish(result.finish_reason or "stop")
    yield result.usage


# ---------------------------------------------------------------- factory


def build_chat_model(settings: Settings, *, http_client: Any = None) -> ChatModel | None:
    """The configured endpoint's model, or None when no endpoint is set (the offline composer writes)."""
    llm = settings.llm
    if not llm.base_url:
        return None
    log.info("chat model %s at %s", llm.model, _safe_url(llm.base_url))
    return OpenAIChatModel(
        base_url=llm.base_url,
        model=llm.model,
        api_key=llm.api_key,
        timeout_s=llm.timeout_s,
        max_retries=llm.max_retries,
        temperature=llm.temperature,
        max_tokens=llm.max_tokens,
        streaming=llm.stream,
        max_in_flight=llm.max_in_flight,
        http_client=http_client,
    )
