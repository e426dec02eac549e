"""Preview error paths, with stand-in soffice/pdftoppm scripts (the real render is test_docx_render.py)."""

from __future__ import annotations

import shutil
import stat
import time
from pathlib import Path

import pytest

from drafting.word import preview
from drafting.word.preview import PreviewError, render_pages, render_pdf


def fake_program(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def docx_file(tmp_path) -> Path:
    path = tmp_path / "报告.docx"
    path.write_bytes(b"PK stand-in")
    return path


@pytest.fixture
def only_fake_bin(tmp_path, monkeypatch) -> Path:
    """PATH holds only our stand-ins and the few tools they use (/bin has the real soffice)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("sleep", "touch", "mkdir"):
        (folder / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(folder))
    return folder


def _gone(pid: int) -> bool:
    """True once the process no longer runs (a zombie awaiting its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_missing_soffice_is_a_clear_error(docx_file, tmp_path, only_fake_bin):
    with pytest.raises(PreviewError, match="未找到 LibreOffice"):
        render_pdf(docx_file, tmp_path / "out")


def test_missing_pdftoppm_is_a_clear_error(docx_file, tmp_path, only_fake_bin):
    fake_program(only_fake_bin, "soffice", "exit 0")
    with pytest.raises(PreviewError, match="未找到 pdftoppm"):
        render_pages(docx_file, tmp_path / "out")


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(PreviewError, match="不存在"):
        render_pdf(tmp_path / "absent.docx", tmp_path / "out")


def test_a_hanging_soffice_is_stopped_with_its_children(docx_file, tmp_path, only_fake_bin):
    pid_file = tmp_path / "child.pid"
    # The wrapper starts a child, as the real soffice script starts soffice.bin; the timeout
    # must stop the whole process group, not just the wrapper. Output goes to /dev/null so
    # that a surviving child cannot hold our pipes open (which would hide the survival).
    fake_program(
        only_fake_bin, "soffice", f"exec >/dev/null 2>&1\nsleep 60 &\necho $! > {pid_file}\nsleep 60"
    )
    with pytest.raises(PreviewError, match="超时"):
        render_pdf(docx_file, tmp_path / "out", timeout_s=1)
    child = int(pid_file.read_text())
    # SIGKILL is asynchronous: wait (bounded) for the child to die rather than assert at once.
    for _ in range(100):
        if _gone(child):
            break
        time.sleep(0.05)
    assert _gone(child)


def test_a_failing_soffice_reports_its_exit_code(docx_file, tmp_path, only_fake_bin):
    fake_program(only_fake_bin, "soffice", "echo 'Error: source file could not be loaded' >&2\nexit 1")
    with pytest.raises(PreviewError, match="退出码 1.*could not be loaded"):
        render_pdf(docx_file, tmp_path / "out")


def test_soffice_without_output_is_reported(docx_file, tmp_path, only_fake_bin):
    fake_program(only_fake_bin, "soffice", "exit 0")
    with pytest.raises(PreviewError, match="没有生成 PDF"):
        render_pdf(docx_file, tmp_path / "out")


def test_each_conversion_gets_its_own_profile_and_pages_come_back_in_order(
    docx_file, tmp_path, only_fake_bin
):
    log = tmp_path / "args.log"
    # Stand-in soffice: write the PDF into --outdir and log the profile argument.
    fake_program(
        only_fake_bin,
        "soffice",
        f'echo "$1" >> {log}\nwhile [ "$1" != "--outdir" ]; do shift; done\n'
        'mkdir -p "$2"; touch "$2/报告.pdf"',
    )
    # Stand-in pdftoppm: 11 pages, numbered the way pdftoppm pads them.
    fake_program(
        only_fake_bin,
        "pdftoppm",
        'for a; do prefix="$a"; done\nfor i in 01 02 03 04 05 06 07 08 09 10 11; do touch "$prefix-$i.png"; done',
    )
    out = tmp_path / "out"
    (out).mkdir()
    (out / "报告-12.png").write_bytes(b"stale page of an earlier, longer render")
    pages = render_pages(docx_file, out, max_pages=20)
    assert [p.name for p in pages] == [f"报告-{i:02d}.png" for i in range(1, 12)]
    assert (out / "报告.pdf").is_file()
    render_pdf(docx_file, out)
    profiles = log.read_text(encoding="utf-8").split()
    assert len(profiles) == 2 and profiles[0] != profiles[1]
    assert all(p.startswith("-env:UserInstallation=file://") for p in profiles)


def test_a_missing_fontconfig_file_is_reported(docx_file, tmp_path, monkeypatch):
    monkeypatch.setattr(preview, "find_soffice", lambda: "/bin/true")
    with pytest.raises(PreviewError, match="字体配置文件"):
        render_pdf(docx_file, tmp_path / "out", fontconfig=tmp_path / "absent.conf")
