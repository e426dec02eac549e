"""The evaluation waits for a llama.cpp-style server that is still loading its model (it lists the
model on /v1/models at once, but answers /health with 503 until loaded), against a real HTTP
server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from drafting.prompt_lab.eval_models import EvalModelError, open_eval_model, wait_until_loaded
from drafting.settings import Settings


class LoadingServer:
    """/health answers 503 "Loading model" for the first `loading` calls, then 200; /v1/models
    lists the model from the start, as llama.cpp's server does."""

    def __init__(
        self,
        loading: int,
        health: bool = True,
        models: tuple[str, ...] = ("qwen-local",),
        models_status: int = 200,
    ) -> None:
        self.loading, self.health_calls = loading, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/health" and health:
                    outer.health_calls += 1
                    ready = outer.health_calls > outer.loading
                    self._answer(
                        200 if ready else 503,
                        {"status": "ok"} if ready else {"error": {"message": "Loading model"}},
                    )
                elif self.path == "/v1/models":
                    listing = {"object": "list", "data": [{"id": m} for m in models]}
                    self._answer(models_status, listing if models_status == 200 else {"error": "no"})
                else:
                    self._answer(404, {"error": "not found"})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> LoadingServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loading() -> Iterator[LoadingServer]:
    with LoadingServer(loading=2) as server:
        yield server


def test_an_endpoint_still_loading_is_waited_for(loading: LoadingServer, settings: Settings) -> None:
    with open_eval_model(loading.url, settings) as model:
        assert loading.health_calls == 3  # twice "Loading model", then ready
        assert "qwen-local" in model.description


def test_the_local_model_is_waited_for_too(loading: LoadingServer, settings: Settings) -> None:
    port = int(loading.url.rsplit(":", 1)[1].split("/")[0])
    settings.local_model.port = port  # type: ignore[attr-defined]
    with open_eval_model("local", settings) as model:
        assert loading.health_calls == 3 and model.label == "local"


def test_loading_that_never_ends_is_a_clear_error() -> None:
    with LoadingServer(loading=10**6) as server, pytest.raises(EvalModelError, match="503"):
        wait_until_loaded(server.url, timeout_s=0.3, poll_s=0.05)


def test_endpoints_without_health_and_dead_addresses_do_not_wait() -> None:
    with LoadingServer(loading=0, health=False) as server:
        wait_until_loaded(server.url, timeout_s=0)  # 404: no such route, go on
    wait_until_loaded("http://127.0.0.1:9/v1", timeout_s=0)  # nothing listens: the caller reports it


def test_a_single_model_server_is_reported_under_the_name_it_serves(settings: Settings) -> None:
    settings.llm.model = "gpt-4o-mini"
    with LoadingServer(loading=0) as server, open_eval_model(server.url, settings) as model:
        assert model.description.startswith("qwen-local")  # what really wrote, not the default name


@pytest.mark.parametrize(
    ("models", "status"),
    [(("qwen2.5:7b", "llama3:8b"), 200), (("qwen2.5:7b",), 401), ((), 200)],
    ids=["several models", "models route refused", "empty list"],
)
def test_the_configured_model_is_kept_when_the_endpoint_serves_several_or_will_not_say(
    settings: Settings, models: tuple[str, ...], status: int
) -> None:
    settings.llm.model = "deepseek-chat"
    with (
        LoadingServer(loading=0, health=False, models=models, models_status=status) as server,
        open_eval_model(server.url, settings) as model,
    ):
        assert model.description.startswith("deepseek-chat")


def test_an_address_where_nothing_answers_is_one_clear_error_before_any_case(settings: Settings) -> None:
    dead = "http://127.0.0.1:9/v1"
    with (
        pytest.raises(EvalModelError, match=r"http://127\.0\.0\.1:9/v1 没有应答"),
        open_eval_model(dead, settings),
    ):
        pass
