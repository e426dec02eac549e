"""`drafter stub-llm …` run as a real subprocess: the URL it prints, and what it said once stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class ServedStub:
    first_line: str = ""
    out: str = ""
    err: str = ""
    returncode: int | None = None

    @property
    def url(self) -> str:
        # "…测试模型接口已启动：http://127.0.0.1:PORT/v1（模型 …），按 Ctrl-C 停止。"
        return self.first_line.split("：", 1)[1].split("（", 1)[0]


@contextmanager
def stub_llm_command(*args: str) -> Iterator[ServedStub]:
    """Start the command, hand over its first line, stop it with SIGTERM and keep its output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "drafting", "stub-llm", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = ServedStub()
    try:
        assert process.stdout is not None
        served.first_line = process.stdout.readline()
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        served.out, served.err = process.communicate(timeout=20)
        served.returncode = process.returncode
