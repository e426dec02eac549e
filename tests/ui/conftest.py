"""A real `drafter serve` on a free loopback port, its users, the stub model, and headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from drafting.writing.stub_llm import StubLLM
from tests.ui.page_actions import submit_sign_in

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-pass"
USERS = {
    "writer1": "writer",
    "writer2": "writer",
    "writer3": "writer",
    "writer4": "writer",
    "writer5": "writer",
    "reviewer1": "reviewer",
    "maintainer1": "maintainer",
    "admin1": "admin",
}


@dataclass
class Server:
    url: str
    home: Path
    env: dict[str, str]
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drafter(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "drafting", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def stub() -> Iterator[StubLLM]:
    # A small per-token delay makes streaming observable without slowing the suite much.
    with StubLLM(token_delay_s=0.01) as server:
        yield server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, stub: StubLLM) -> Iterator[Server]:
    """`drafter serve` as a user runs it, with its own data directory and users added by the CLI."""
    home = tmp_path_factory.mktemp("ui-home")
    env = serve_env(home, stub)
    with serving(env, home) as running:
        yield running


def serve_env(home: Path, stub: StubLLM) -> dict[str, str]:
    """The environment of a `drafter serve` with its own data directory, the stub model and our users."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        DRAFTER_HOME=str(home),
        DRAFTER_CONFIG=str(home / "absent.toml"),
        DRAFTER_LLM__BASE_URL=stub.base_url,
        DRAFTER_LLM__MODEL=stub.model,
        DRAFTER_LLM__MAX_RETRIES="0",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    for name, role in USERS.items():
        done = drafter(env, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    return env


@contextmanager
def serving(env: dict[str, str], home: Path, *args: str, log_name: str = "serve.log") -> Iterator[Server]:
    """`drafter serve` (with ``args``) on a free loopback port until the block ends."""
    port = free_port()
    log = home / log_name
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "drafting", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"drafter serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"drafter serve did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield Server(url, home, env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (make setup-system installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """artifacts/screenshots/, emptied once per run so only this run's pictures are there."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def sign_in(request, browser, server: Server, screenshots: Path):
    """sign_in(user) → (context, page): a fresh browser context signed in and on the main page."""
    contexts = []

    def open_as(user: str, *, locale: str = "zh-CN"):
        context = browser.new_context(
            locale=locale, viewport={"width": 1440, "height": 1000}, accept_downloads=True
        )
        contexts.append(context)
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(server.url + "/")
        submit_sign_in(page, user, PASSWORD)
        page.locator("#who").get_by_text(user).wait_for()
        return context, page

    yield open_as
    for n, context in enumerate(contexts):
        if getattr(request.node, "failed_call", False):
            for page in context.pages:  # what the browser showed when the step failed
                page.screenshot(path=str(screenshots / f"FAILED-{request.node.name}-{n}.png"), full_page=True)
        context.close()
