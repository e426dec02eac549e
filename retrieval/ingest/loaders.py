"""Load a report file (.txt, .md, .docx, .pdf, old .doc/.wps) into paragraph-level lines.

Loaders only extract text and the style hints the format carries (Word heading styles, Markdown
'#', table rows); deciding what is noise or structure is left to the cleaner and the parser.
Every problem with the input is raised as a `DocumentError` subclass with a Chinese message.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.documents import Line, LineStyle, LoadedDocument
from retrieval.errors import (
    ConversionError,
    CorruptDocumentError,
    DocumentError,
    EmptyDocumentError,
    FileAccessError,
    NoTextLayerError,
    TooLargeError,
    UnsupportedFormatError,
)
from retrieval.ingest.encoding import decode_text, refuse_binary_head, split_lines
from retrieval.ingest.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_chars,
    check_file_size,
    check_pdf_pages,
    check_text_bytes,
    check_zip_package,
    pdf_decompression_limits,
    pdf_limit_message,
)
from retrieval.ingest.pdf_text import page_lines, rebuild_paragraphs

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
LEGACY_WORD_SUFFIXES = frozenset({".doc", ".wps"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | LEGACY_WORD_SUFFIXES | {".docx", ".pdf"}
CONVERSION_TIMEOUT_S = 120.0
# A page with fewer characters than this on average has no real text layer (a scan, maybe with
# a stray page number or watermark as text).
_MIN_CHARS_PER_PDF_PAGE = 10

_MAGIC = ((b"PK\x03\x04", ".docx"), (b"%PDF", ".pdf"), (b"\xd0\xcf\x11\xe0", ".doc"))


def load_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """Read one report file into lines, choosing the loader by extension.

    Raises a `DocumentError` subclass (never anything else) when the file is missing, beyond a
    limit (size, characters, unpacked size, pages), empty, of an unknown type, undecodable,
    damaged, a scan without text, or an old Word file that cannot be converted.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        supported = "、".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFormatError(path, f"不支持的文件类型 {shown}，支持：{supported}")
    size = _check_readable(path)
    check_file_size(path, size, limits)
    if suffix in TEXT_SUFFIXES | MARKDOWN_SUFFIXES:
        check_text_bytes(path, size, limits)
        text, encoding = _read_text(path)
        lines = [Line(t) for t in split_lines(text)] if suffix in TEXT_SUFFIXES else markdown_lines(text)
        doc = LoadedDocument(path=str(path), lines=lines, encoding=encoding)
    elif suffix == ".docx":
        doc = _load_docx(path, limits)
    elif suffix == ".pdf":
        doc = _load_pdf(path, limits)
    else:
        doc = _load_legacy_word(path, limits)
    if not doc.lines:
        raise EmptyDocumentError(path, "文件里没有可读取的文字")
    check_chars(path, sum(len(line.text) for line in doc.lines), limits)
    return doc


def _check_readable(path: Path) -> int:
    try:
        if path.is_dir():
            raise FileAccessError(path, "这是一个文件夹，不是文件")
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileAccessError(path, "文件不存在") from None
    except OSError as exc:
        raise FileAccessError(path, f"无法读取文件（{exc.strerror or exc}）") from None
    if size == 0:
        raise EmptyDocumentError(path, "文件是空的（0 字节）")
    return size


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileAccessError(path, f"无法读取文件（{exc.strerror or exc}）") from None


# ---------------------------------------------------------------- plain text and Markdown


def _read_text(path: Path) -> tuple[str, str]:
    # The head alone tells a binary file from text: refuse it before reading the rest.
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise FileAccessError(path, f"无法读取文件（{exc.strerror or exc}）") from None
    for magic, real_suffix in _MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormatError(
                path, f"扩展名是 {path.suffix}，但内容是 {real_suffix} 文件，请改正扩展名后重试"
            )
    refuse_binary_head(head, path=path)
    data = _read_bytes(path)
    decoded = decode_text(data, path=path)
    if decoded.replaced:
        log.warning(
            "%s：%d 处字节无法解码，已替换为 �（按 %s 读取）", path.name, decoded.replaced, decoded.encoding
        )
    return decoded.text, decoded.encoding


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?$")
_MD_SETEXT = re.compile(r"^(=+|-+)$")
_MD_FENCE = re.compile(r"^(```|~~~)")
_MD_RULE = re.compile(r"^(?:[-*_]\s*){3,}$")
_MD_BULLET = re.compile(r"^(?:[-*+]\s+)+")
_MD_QUOTE = re.compile(r"^(?:>\s?)+")
_MD_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link → its text
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"), ""),  # HTML tags
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?!\*)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_ESCAPED_BASE = 0xE000  # escaped ASCII is parked in the private-use area while markup is stripped


def markdown_lines(text: str) -> list[Line]:
    """Strip Markdown markup, keeping the text; '#' levels become heading1..4, tables become rows.

    Ordered-list numbers ("1. ") are kept: in reports they are the heading numbering.
    """
    lines: list[Line] = []
    in_fence = False
    after_text = False  # the previous raw line was body text (for "Title\n=====" headings)
    for raw in text.split("\n"):
        line = raw.strip()
        follows_text, after_text = after_text, False
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            if line:
                lines.append(Line(line))
            continue
        if follows_text and _MD_SETEXT.match(line):
            lines[-1] = replace(lines[-1], style="heading1" if line[0] == "=" else "heading2")
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            level = min(len(heading.group(1)), 4)
            _append(lines, _md_inline(heading.group(2)), f"heading{level}")  # type: ignore[arg-type]
        elif line.startswith("|") and line.endswith("|") and len(line) > 1:
            if not _MD_TABLE_SEPARATOR.match(line):
                cells = [_md_inline(c).strip() for c in line[1:-1].split("|")]
                _append(lines, "｜".join(c for c in cells if c), "table")
        elif _MD_RULE.match(line):
            continue
        else:
            before = len(lines)
            unquoted = _MD_QUOTE.sub("", line)
            _append(lines, _md_inline(_MD_BULLET.sub("", unquoted)), "body")
            # Only a plain paragraph line can be underlined into a heading; a quote's "---" is a rule.
            after_text = len(lines) == before + 1 and unquoted == line
    return lines


def _md_inline(text: str) -> str:
    text = _MD_ESCAPE.sub(lambda m: chr(_ESCAPED_BASE + ord(m.group(1))), text)
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    text = "".join(
        chr(ord(ch) - _ESCAPED_BASE) if _ESCAPED_BASE <= ord(ch) < _ESCAPED_BASE + 128 else ch for ch in text
    )
    return html.unescape(text)


def _append(lines: list[Line], text: str, style: LineStyle) -> None:
    for part in split_lines(text):
        lines.append(Line(part, style=style))


# ---------------------------------------------------------------- Word (.docx)

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)


def _load_docx(path: Path, limits: Limits, *, shown_as: Path | None = None) -> LoadedDocument:
    import docx  # python-docx is slow to import; only pay for it when a .docx arrives

    shown = shown_as or path
    check_zip_package(path, limits, shown=shown)
    try:
        document = docx.Document(str(path))
        if document.element.body is None:
            raise EmptyDocumentError(shown, "Word 文档没有正文部分（document.xml 缺少 body）")
        lines = list(_docx_lines(document))
    except DocumentError:
        raise
    except RecursionError:
        raise CorruptDocumentError(shown, "表格嵌套层数过深，无法读取，请简化表格后重试") from None
    except Exception as exc:
        # python-docx and lxml raise many unrelated types (BadZipFile, KeyError, XMLSyntaxError…)
        # for damaged packages; to the user they all mean one thing.
        log.debug("docx read failed for %s", path, exc_info=True)
        if "depth" in str(exc).lower():  # libxml2 refuses elements nested beyond 256 levels
            raise CorruptDocumentError(
                shown, "文档结构嵌套层数过深（如表格套表格），无法读取，请简化后重试"
            ) from None
        raise CorruptDocumentError(
            shown, f"不是有效的 .docx 文件（已损坏，或并非 Word 文档：{type(exc).__name__}）"
        ) from None
    return LoadedDocument(path=str(shown), lines=lines)


def _docx_lines(document: Any) -> Iterator[Line]:
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_lines(block)
            continue
        style = _docx_style(block)
        # A manual line break (<w:br/>) comes out as '\n'; each part becomes its own line.
        for text in split_lines(block.text):
            yield Line(text, style=style)


def _docx_style(paragraph: Any) -> LineStyle:
    style = paragraph.style
    for _ in range(5):  # follow "based on" a few steps: custom styles often derive from Heading N
        if style is None:
            break
        name = (style.name or "").strip()
        if _TITLE_STYLE.match(name):
            return "title"
        match = _HEADING_STYLE.match(name)
        if match:
            return f"heading{min(int(match.group(1)), 4)}"  # type: ignore[return-value]
        style = style.base_style
    return "body"


# Tables inside table cells are read this deep; deeper ones contribute their plain text only.
_MAX_TABLE_DEPTH = 4
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_T = f"{_W_NS}p", f"{_W_NS}t"


def _table_lines(table: Any) -> Iterator[Line]:
    for row in table.rows:
        cells = [text for cell in _distinct_cells(row) if (text := _cell_text(cell, depth=1))]
        if cells:
            yield Line("｜".join(cells), style="table")


def _distinct_cells(row: Any) -> Iterator[Any]:
    previous = None
    for cell in row.cells:
        # python-docx repeats a merged cell once per grid column it spans.
        if cell._tc is not previous:
            yield cell
        previous = cell._tc


def _cell_text(cell: Any, depth: int) -> str:
    """A cell's paragraphs and the tables nested in it, on one line."""
    from docx.table import Table

    if depth >= _MAX_TABLE_DEPTH:
        # Every paragraph below, found iteratively: a table nested hundreds deep cannot exhaust the stack.
        paragraphs = ("".join(t.text or "" for t in p.iter(_W_T)) for p in cell._tc.iter(_W_P))
        return " ".join(t for text in paragraphs for t in split_lines(text))
    parts: list[str] = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                parts.extend(_cell_text(inner, depth + 1) for inner in _distinct_cells(row))
        else:
            parts.append(block.text)
    return " ".join(t for part in parts for t in split_lines(part))


# ---------------------------------------------------------------- PDF


def _load_pdf(path: Path, limits: Limits) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        with pdf_decompression_limits(limits):
            reader = PdfReader(str(path))
            if reader.is_encrypted and not reader.decrypt(""):
                raise CorruptDocumentError(path, "PDF 已加密，需要密码才能读取，请先解除密码")
            check_pdf_pages(path, len(reader.pages), limits)
            pages = [page_lines(page, number) for number, page in enumerate(reader.pages, start=1)]
    except DocumentError:
        raise
    except LimitReachedError:
        raise TooLargeError(path, pdf_limit_message(limits)) from None
    except Exception as exc:
        # pypdf raises PdfReadError but also ValueError/KeyError/… on malformed files.
        log.debug("pdf read failed for %s", path, exc_info=True)
        raise CorruptDocumentError(path, f"不是有效的 PDF 文件或已损坏（{type(exc).__name__}）") from None
    chars = sum(len(line.text) for lines in pages for line in lines)
    if chars < _MIN_CHARS_PER_PDF_PAGE * max(1, len(pages)):
        raise NoTextLayerError(path, "没有文字层（可能是扫描件），请先做 OCR")
    return LoadedDocument(path=str(path), lines=rebuild_paragraphs(pages))


# ---------------------------------------------------------------- old Word / WPS through LibreOffice


def _load_legacy_word(path: Path, limits: Limits) -> LoadedDocument:
    suffix = path.suffix.lower()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConversionError(
            path,
            f"{suffix} 是旧版 Word/WPS 格式，无法直接读取。请用 WPS/Word 另存为 .docx，或安装 LibreOffice 后重试",
        )
    with tempfile.TemporaryDirectory(prefix="drafter-convert-") as tmp:
        out_dir = Path(tmp) / "out"
        # A private profile: a desktop LibreOffice already running would otherwise swallow the job.
        profile = (Path(tmp) / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx"]
        _run_converter([*command, "--outdir", str(out_dir), str(path)], path)
        converted = out_dir / f"{path.stem}.docx"
        if not converted.exists():
            raise ConversionError(
                path, "LibreOffice 未能转换此文件（可能已损坏）。请用 WPS/Word 另存为 .docx 后重试"
            )
        doc = _load_docx(converted, limits, shown_as=path)
    return replace(doc, converted_from=suffix)


def _run_converter(command: list[str], path: Path) -> None:
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        raise ConversionError(path, f"无法启动 LibreOffice（{exc.strerror or exc}）") from None
    try:
        process.communicate(timeout=CONVERSION_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # soffice forks soffice.bin; kill the whole session we started, not just the launcher.
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ConversionError(
            path, f"LibreOffice 转换超时（{CONVERSION_TIMEOUT_S:.0f} 秒）。请用 WPS/Word 另存为 .docx 后重试"
        ) from None
