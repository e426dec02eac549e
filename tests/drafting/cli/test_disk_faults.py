"""A full disk and a read-only data directory, met by the real `drafter` process: one Chinese line
saying what is wrong and that nothing saved before was touched; the database stays whole.

The full disk is RLIMIT_FSIZE on the child (writes past the limit fail with EFBIG, as they would
with ENOSPC; Python ignores SIGXFSZ). The read-only directory is chmod 555/444; when the tests run
as root, the child also drops the capabilities that let root write anyway."""

from __future__ import annotations

import ctypes
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drafting.store.drafts import DraftStore

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
DRAFTER = [sys.executable, "-m", "drafting"]


def drafter(*args: str, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DRAFTER, *args], cwd=REPO, capture_output=True, text=True, preexec_fn=preexec, timeout=300
    )


def disk_full_at(size: int) -> Callable[[], None]:
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def without_root_override() -> None:
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, out of the bounding set
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")


@pytest.fixture
def saved(settings, tmp_path) -> tuple[str, list]:
    first = drafter("draft", "--facts", str(FACTS), "--no-retrieval", "--out", str(tmp_path / "a.docx"))
    assert first.returncode == 0, first.stderr
    store = DraftStore(settings.drafts_db_path)
    (summary,) = store.list_drafts()
    return summary.id, store.get_version(summary.id).draft.sections


def intact(settings, saved: tuple[str, list]) -> None:
    with sqlite3.connect(settings.drafts_db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = DraftStore(settings.drafts_db_path)
    assert [d.id for d in store.list_drafts()] == [saved[0]]
    assert store.get_version(saved[0]).draft.sections == saved[1]


def one_clear_line(run: subprocess.CompletedProcess[str], reason: str) -> None:
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("错误：") and reason in run.stderr and "此前保存的内容不受影响" in run.stderr


def test_a_full_disk_while_saving_a_draft(settings, saved, tmp_path) -> None:
    run = drafter(
        "draft", "--facts", str(FACTS), "--no-retrieval", "--out", str(tmp_path / "b.docx"),
        preexec=disk_full_at(16_000),
    )  # fmt: skip
    one_clear_line(run, "写入磁盘失败")
    intact(settings, saved)
    again = drafter("draft", "--facts", str(FACTS), "--no-retrieval", "--out", str(tmp_path / "c.docx"))
    assert again.returncode == 0, again.stderr  # space back: works as before


def test_a_full_disk_while_exporting(settings, saved, tmp_path) -> None:
    out = tmp_path / "export.docx"
    run = drafter("export", saved[0], "--out", str(out), preexec=disk_full_at(16_000))
    one_clear_line(run, "磁盘")
    intact(settings, saved)


def test_a_read_only_data_directory(settings, saved, tmp_path) -> None:
    home = settings.home
    for folder, _, files in os.walk(home):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        os.chmod(folder, 0o555)
    try:
        run = drafter(
            "draft", "--facts", str(FACTS), "--no-retrieval", "--out", str(tmp_path / "b.docx"),
            preexec=without_root_override,
        )  # fmt: skip
    finally:
        for folder, _, files in os.walk(home):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
    one_clear_line(run, "数据目录只读")
    intact(settings, saved)
