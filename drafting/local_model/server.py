"""Serving the local GGUF on loopback as an OpenAI-compatible endpoint, with xllamacpp.

xllamacpp wraps llama.cpp's own HTTP server (prebuilt wheels, no compile step); creating a
``xllamacpp.Server`` starts it on a background thread. The server answers
``/v1/chat/completions`` (streaming too) and ``/health``, so the product's OpenAI adapter talks to
it like to any remote endpoint.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafting.local_model.weights import INSTALL_HINT, QWEN_CODER_1_5B, LocalModelError, PackagedModel

READY_TIMEOUT_S = 180.0  # loading 1 GB from a cold disk on a busy machine


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8181
    parallel: int = 2  # slots: sections written at once
    # Tokens of context per slot. A section prompt (rules, facts, three masked exemplars) is about
    # 1,500 tokens and an answer at most llm.max_tokens (1,500), so 4,096 leaves room for a repair
    # prompt that quotes the previous attempt.
    ctx_per_slot: int = 4096
    threads: int | None = None  # None: every core


@dataclass
class LocalServer:
    """A running server; keep a reference, the server stops when it is garbage-collected."""

    base_url: str  # ".../v1", what DRAFTER_LLM__BASE_URL takes
    model: str
    handle: Any


def serve(model_file: Path, options: ServeOptions, model: PackagedModel = QWEN_CODER_1_5B) -> LocalServer:
    """Start the server and wait until it answers /health; LocalModelError when it cannot."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise LocalModelError(f"没有安装 xllamacpp（本地模型服务）。请先运行：{INSTALL_HINT}") from exc
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        raise LocalModelError(f"本地模型只在本机回环地址上提供服务，不能监听 {options.host}")
    threads = options.threads or os.cpu_count() or 2
    params = xllamacpp.CommonParams()
    params.model.path = str(model_file)
    params.model_alias = [model.name]
    params.hostnames = [options.host]
    params.port = options.port
    params.n_parallel = options.parallel
    params.n_ctx = options.ctx_per_slot * options.parallel  # llama.cpp splits n_ctx across slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False  # the first section is the warm-up; no minute spent before "ready"
    # llama.cpp installs its own SIGINT/SIGTERM handlers, which would swallow Ctrl-C; Python's go back.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        handle = xllamacpp.Server(params)
        address = str(handle.listening_address or f"http://{options.host}:{options.port}")
        if not address.startswith("http"):
            address = "http://" + address
        _wait_ready(address)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return LocalServer(base_url=address.rstrip("/") + "/v1", model=model.name, handle=handle)


def _wait_ready(address: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(address.rstrip("/") + "/health", timeout=5) as response:
                if response.status == 200:
                    return
        except Exception as exc:  # 503 while loading, refused before listening
            last = exc
        time.sleep(0.5)
    raise LocalModelError(f"本地模型服务 {address} 在 {READY_TIMEOUT_S:g} 秒内没有就绪：{last}")
