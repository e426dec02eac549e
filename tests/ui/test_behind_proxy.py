"""A team deployment's front: nginx with the README's site file (scripts/nginx_site.conf) in front
of two real `drafter serve` processes. Sessions live in the process that signed a person in, so
every later request must reach that process; and the sign-in limits must count the person's
address, which only the proxy knows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORD, REPO, Server, serve_env, serving

from drafting.settings import Settings
from drafting.store.run_log import RunLogStore
from drafting.writing.stub_llm import StubLLM

sys.path.insert(0, str(REPO / "scripts"))
from local_servers import NginxFront, ServerUnavailable, nginx_front  # noqa: E402


@pytest.fixture(scope="module")
def front(
    tmp_path_factory: pytest.TempPathFactory, stub: StubLLM
) -> Iterator[tuple[NginxFront, list[Server]]]:
    home = tmp_path_factory.mktemp("proxy-home")
    env = serve_env(home, stub)
    with (
        serving(env, home, log_name="serve-1.log") as first,
        serving(env, home, log_name="serve-2.log") as second,
    ):
        upstreams = [s.url.removeprefix("http://") for s in (first, second)]
        try:
            with nginx_front(upstreams, base=home) as proxy:
                yield proxy, [first, second]
        except ServerUnavailable as exc:
            pytest.skip(str(exc))


def test_every_browser_keeps_to_the_process_that_signed_it_in(front: tuple[NginxFront, list[Server]]) -> None:
    proxy, _ = front
    for person in range(12):
        with httpx.Client(base_url=proxy.url, timeout=30) as browser:
            signed = browser.post("/signin", data={"username": "writer1", "password": PASSWORD})
            assert signed.status_code == 303 and signed.headers["location"] == "/"
            assert "drafter_route" in browser.cookies
            # The session exists only in the process that made it: any request routed to the other
            # one would be sent back to /signin.
            for _ in range(4):
                page = browser.get("/")
                assert page.status_code == 200, f"browser {person} lost its session"
    assert sum(proxy.users_per_process().values()) >= 12


def test_sign_in_limits_count_the_address_the_proxy_forwards(front: tuple[NginxFront, list[Server]]) -> None:
    proxy, servers = front
    with httpx.Client(base_url=proxy.url, timeout=30) as browser:
        refused = browser.post("/signin", data={"username": "nobody-here", "password": "wrong"})
    assert refused.status_code == 401
    # Straight to a process from loopback, as a proxy on this machine connects: the forwarded
    # address is the one recorded and counted, not the proxy's.
    refused = httpx.post(
        servers[0].url + "/signin",
        data={"username": "nobody-here", "password": "wrong"},
        headers={"X-Forwarded-For": "203.0.113.9"},
        timeout=30,
    )
    assert refused.status_code == 401
    log = RunLogStore.from_settings(Settings(home=Path(servers[0].home)))
    targets = [e.target for e in log.query(action="sign_in_failed", limit=10).entries]
    assert "203.0.113.9" in targets and "127.0.0.1" in targets
