"""Running a real process and killing it (SIGKILL: no cleanup of any kind) at a chosen moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_and_kill(
    argv: Sequence[str],
    *,
    when: Callable[[str], bool],
    env: dict[str, str] | None = None,
    timeout_s: float = 300,
) -> list[str]:
    """Start ``argv`` (cwd: the repository), read its stdout line by line and SIGKILL it at the first
    line for which ``when`` is true. Returns the lines read. Fails if the process ended first."""
    process = subprocess.Popen(
        list(argv),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if when(lines[-1]):
                return lines
            if time.monotonic() > deadline:
                break
        raise AssertionError("the process ended before the moment to kill it:\n" + "\n".join(lines[-30:]))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def python(code: str, *args: object) -> list[str]:
    return [sys.executable, "-c", code, *map(str, args)]
