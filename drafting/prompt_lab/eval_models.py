"""The models an evaluation can run on: offline composer, habits fake, local model, any endpoint.

``open_eval_model`` is a context manager: the habits fake is started in-process on loopback for
the run and stopped after it; the local model must already be running (`drafter local-model`).
Temperature and seed are fixed for the run, so two runs differ by the template, not by chance.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drafting.writing.chat import ChatModel, OpenAIChatModel

if TYPE_CHECKING:
    from drafting.settings import Settings

EVAL_SEED = 20260101


class EvalModelError(RuntimeError):
    """The model asked for is not available; the message says what to start or set."""


@dataclass(frozen=True)
class EvalModel:
    label: str  # "offline", "habits", "local", or the endpoint's URL
    chat: ChatModel | None  # None: the offline composer writes and prompts play no part
    description: str
    temperature: float | None
    seed: int | None

    @property
    def offline(self) -> bool:
        return self.chat is None


def local_model_url(settings: Settings) -> str:
    """The URL `drafter local-model` serves on (settings.local_model host and port, when present)."""
    local = getattr(settings, "local_model", None)
    host = getattr(local, "host", "127.0.0.1")
    port = getattr(local, "port", 8181)
    return f"http://{host}:{port}/v1"


@contextmanager
def open_eval_model(
    spec: str, settings: Settings, *, temperature: float | None = None, seed: int = EVAL_SEED
) -> Iterator[EvalModel]:
    """The model named by ``spec`` (offline | habits | local | http(s)://…/v1), ready to use."""
    temperature = settings.llm.temperature if temperature is None else temperature
    if spec == "offline":
        yield EvalModel("offline", None, "离线模板撰写（不用大模型，提示词不起作用）", None, None)
        return
    if spec == "habits":
        from drafting.writing.habits_llm import HabitsResponder
        from drafting.writing.stub_llm import StubLLM

        # A fresh responder per run: its turns start from the first habit each time.
        with StubLLM(model="habits-fake", responder=HabitsResponder()) as stub:
            chat = _endpoint(stub.base_url, "habits-fake", settings, temperature, seed)
            yield EvalModel("habits", chat, "模拟真实模型习惯的本机假模型", temperature, seed)
        return
    if spec == "local":
        url = local_model_url(settings)
        wait_until_loaded(url)
        listed = _listed_models(url)
        if not listed:
            raise EvalModelError(
                f"本机模型没有在 {url} 运行。请先在另一个终端执行 `drafter local-model`，等它显示就绪后再评测。"
            )
        model = listed[0]
        yield EvalModel(
            "local",
            _endpoint(url, model, settings, temperature, seed),
            f"本机模型 {model}（{url}）",
            temperature,
            seed,
        )
        return
    if spec.startswith(("http://", "https://")):
        wait_until_loaded(spec)
        listed = _listed_models(spec)
        if listed is None:
            # Every case would fail the same way; one message now instead of a table of errors.
            raise EvalModelError(f"模型接口 {spec} 没有应答，请确认服务已启动、地址正确。")
        model = _model_to_use(settings.llm.model, listed)
        yield EvalModel(
            spec, _endpoint(spec, model, settings, temperature, seed), f"{model}（{spec}）", temperature, seed
        )
        return
    raise EvalModelError(f"未知的模型：{spec}。可选 offline、habits、local 或接口地址（http://…/v1）")


def _endpoint(url: str, model: str, settings: Settings, temperature: float, seed: int) -> OpenAIChatModel:
    llm = settings.llm
    return OpenAIChatModel(
        base_url=url,
        model=model,
        api_key=llm.api_key,
        timeout_s=llm.timeout_s,
        max_retries=llm.max_retries,
        temperature=temperature,
        max_tokens=llm.max_tokens,
        seed=seed,
    )


def wait_until_loaded(url: str, timeout_s: float = 600, poll_s: float = 1.0) -> None:
    """Wait while a llama.cpp-style server answers /health with 503 ("Loading model"): it lists
    its model on /v1/models before the model is loaded, and every request until then fails.
    Returns at once when /health answers anything else or nothing answers (endpoints without one,
    such as Ollama or OpenAI, go on as before); EvalModelError when loading outlasts timeout_s."""
    health = url.rstrip("/").removesuffix("/v1") + "/health"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(health, timeout=5):  # noqa: S310 (http(s) only)
                return
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                return
        except (urllib.error.URLError, OSError):
            return
        if time.monotonic() > deadline:
            raise EvalModelError(
                f"模型服务 {url} 在 {timeout_s:.0f} 秒内没有加载完模型（/health 一直返回 503）。"
            )
        time.sleep(poll_s)


def _listed_models(url: str) -> list[str] | None:
    """The model ids the endpoint lists; [] when it answers without a list (an HTTP error, another
    shape); None when nothing answers there."""
    import json

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/models", timeout=5) as response:  # noqa: S310 (http(s) only)
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError:
        return []
    except (urllib.error.URLError, OSError):
        return None
    except ValueError:
        return []
    models = data.get("data") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return []
    return [str(m["id"]) for m in models if isinstance(m, dict) and m.get("id")]


def _model_to_use(configured: str, listed: list[str]) -> str:
    """The configured model, unless the endpoint serves exactly one other model (a llama.cpp or
    vLLM server answers to any name, and the report should name what really wrote); an endpoint
    serving several (Ollama, a hosted API) gets the configured name, right or wrong, and says so."""
    if len(listed) == 1 and configured not in listed:
        return listed[0]
    return configured
