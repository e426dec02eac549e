"""Render an exported .docx to PDF and page images, for the UI's layout preview and the render test.

LibreOffice does the layout (``soffice --headless --convert-to pdf``) and poppler's pdftoppm
draws the pages. Both are external programs that may be missing or hang, so every failure
becomes a PreviewError with a Chinese message the UI can show as it is.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")
# Maps the GB/T 9704 font names to fonts Debian packages, so a preview shows the styles apart.
PREVIEW_FONTCONFIG = Path(__file__).with_name("preview_fonts.conf")


class PreviewError(RuntimeError):
    """Rendering failed; the message is for the user."""


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def render_pdf(docx: Path, out_dir: Path, timeout_s: float = 120, *, fontconfig: Path | None = None) -> Path:
    """Convert `docx` to `out_dir/<stem>.pdf` with LibreOffice and return the PDF's path.

    Each call runs with its own LibreOffice profile directory (-env:UserInstallation), so
    concurrent conversions do not fight over one profile lock, and converts into a private
    folder first, so two conversions of same-named files cannot overwrite each other halfway.
    `fontconfig` points FONTCONFIG_FILE at a font alias file (see preview_fonts.conf).
    """
    docx = Path(docx)
    if not docx.is_file():
        raise PreviewError(f"要预览的文件不存在：{docx}")
    soffice = find_soffice()
    if soffice is None:
        raise PreviewError("未找到 LibreOffice（soffice），无法生成版式预览。请安装 libreoffice-writer。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if fontconfig is not None:
        if not Path(fontconfig).is_file():
            raise PreviewError(f"找不到字体配置文件：{fontconfig}")
        # fontconfig reads a relative FONTCONFIG_FILE relative to /etc/fonts, not the cwd.
        env["FONTCONFIG_FILE"] = str(Path(fontconfig).resolve())
    with tempfile.TemporaryDirectory(prefix="drafter-soffice-") as work:
        profile = Path(work) / "profile"
        converted = Path(work) / "out"
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(converted),
            str(docx.resolve()),
        ]
        _run(command, timeout_s, env, what="LibreOffice 转换 PDF")
        produced = converted / (docx.stem + ".pdf")
        if not produced.is_file():
            raise PreviewError(f"LibreOffice 没有生成 PDF：{docx.name}（文件可能已损坏）")
        target = out_dir / produced.name
        shutil.move(str(produced), target)
    return target


def render_pages(
    docx: Path,
    out_dir: Path,
    dpi: int = 60,
    max_pages: int = 10,
    timeout_s: float = 120,
    *,
    fontconfig: Path | None = PREVIEW_FONTCONFIG,
) -> list[Path]:
    """Render the first `max_pages` pages of `docx` to PNG files in `out_dir`, in page order.

    The PDF is kept next to the images (`<stem>.pdf`); images are `<stem>-<page>.png`.
    """
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PreviewError("未找到 pdftoppm（poppler-utils），无法生成页面图片。")
    if max_pages < 1:
        raise PreviewError("预览页数至少为 1。")
    pdf = render_pdf(docx, out_dir, timeout_s, fontconfig=fontconfig)
    prefix = Path(out_dir) / Path(docx).stem
    for old in _page_images(prefix):
        old.unlink()  # a previous, longer render must not leave extra pages behind
    command = [pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", str(max_pages), str(pdf), str(prefix)]
    _run(command, timeout_s, dict(os.environ), what="pdftoppm 生成页面图片")
    pages = _page_images(prefix)
    if not pages:
        raise PreviewError(f"没有生成任何页面图片：{pdf.name}")
    return pages


def _page_images(prefix: Path) -> list[Path]:
    """pdftoppm's outputs for `prefix`, sorted by page number (it pads numbers by page count)."""
    pattern = re.compile(re.escape(prefix.name) + r"-(\d+)\.png")
    found = [(int(m.group(1)), p) for p in prefix.parent.glob("*.png") if (m := pattern.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def _run(command: list[str], timeout_s: float, env: dict[str, str], *, what: str) -> None:
    """Run a converter in its own process group so a timeout kills its children too.

    soffice is a wrapper script that starts soffice.bin; killing only the wrapper would leave
    the real process running with the profile locked.
    """
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise PreviewError(f"{what}失败，无法启动程序：{exc}") from None
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise PreviewError(f"{what}超时（超过 {timeout_s:g} 秒），已中止。") from None
    if process.returncode != 0:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PreviewError(f"{what}失败（退出码 {process.returncode}）：{' '.join(detail)}")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
