"""The reliability report runs in the default suite (so `make test` prints nothing new but fails
when a hostile input crashes something or loses a file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_reliability_report_finds_nothing_crashed_or_lost() -> None:
    run = subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "reliability_report.py")],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=300,
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 16
    assert all(line.rstrip().endswith("| 否 |") for line in rows)
