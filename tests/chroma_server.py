"""A real `chroma run` on loopback that a test can stop and start again on the same port and data
directory, to inject an outage or a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data, self.port = data, port or free_port()
        self.host = "127.0.0.1"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> ChromaServer:
        self.data.mkdir(parents=True, exist_ok=True)
        log = (self.data / "server.log").open("ab")
        self._process = subprocess.Popen(
            [
                str(CHROMA),
                "run",
                "--path",
                str(self.data / "db"),
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"chroma server did not start: {(self.data / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.1)
        return self

    def healthy(self) -> bool:
        try:
            url = f"http://{self.host}:{self.port}/api/v2/heartbeat"
            with urllib.request.urlopen(url, timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """Stop it as an outage would (SIGKILL: no goodbye to clients)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=30)
            self._process = None

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
