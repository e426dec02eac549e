"""How much one input file and one ingest batch may hold, and the guards that refuse more early.

A real report is tens of thousands of characters; anything far beyond is a mistake or an attack
(a zip bomb dressed as .docx, a 30 MB log file named .txt). Each limit is checked at the cheapest
point: the file size before reading, the declared and then the actual unpacked size of a .docx
before python-docx inflates it, pypdf's own decompression limits while a PDF is read, the
character count right after loading, the passage count after chunking.

The numbers are settings (drafting.settings.IngestSettings, ``DRAFTER_INGEST__*``); `InputLimits`
holds the same defaults for code and tests that run without settings.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from retrieval.errors import CorruptDocumentError, TooLargeError

_MB = 1024 * 1024
# Members smaller than this are never judged by their compression ratio: a few kB of repetitive
# XML (styles, numbering) legitimately compresses 100-fold.
_RATIO_FLOOR_BYTES = 1 * _MB
_CHUNK = 64 * 1024


class Limits(Protocol):
    """What the ingest reads from the limits (drafting.settings.IngestSettings has these fields)."""

    @property
    def max_file_mb(self) -> float: ...
    @property
    def max_chars(self) -> int: ...
    @property
    def max_passages(self) -> int: ...
    @property
    def max_files(self) -> int: ...
    @property
    def max_unpacked_mb(self) -> float: ...
    @property
    def max_compression_ratio(self) -> float: ...
    @property
    def max_pdf_pages(self) -> int: ...


@dataclass(frozen=True)
class InputLimits:
    # 50 MB: a scanned-and-OCRed PDF of a long report with images stays under it.
    max_file_mb: float = 50.0
    # The longest sample report is about 12,000 characters; a year's collected speeches
    # in one file stays well under 500,000.
    max_chars: int = 500_000
    # 500,000 characters in chunks of about 200 characters.
    max_passages: int = 3_000
    max_files: int = 1_000
    # Unpacked .docx parts together; a quarter of it for any single decompressed PDF stream.
    max_unpacked_mb: float = 100.0
    # Word's XML compresses 5-20 fold; zip bombs 1,000 fold and more.
    max_compression_ratio: float = 100.0
    max_pdf_pages: int = 2_000


DEFAULT_LIMITS = InputLimits()


def check_file_size(path: Path, size: int, limits: Limits) -> None:
    if size > limits.max_file_mb * _MB:
        raise TooLargeError(
            path,
            f"文件过大（{size / _MB:.1f} MB），上限为 {limits.max_file_mb:g} MB（设置 ingest.max_file_mb）",
        )


def check_text_bytes(path: Path, size: int, limits: Limits) -> None:
    """Refuse a text file before reading it when it must hold more characters than allowed.

    No encoding we read spends more than 4 bytes on a character, so size / 4 is a lower bound."""
    if size > 4 * limits.max_chars:
        raise TooLargeError(path, _too_many_chars(size // 4, limits, at_least=True))


def check_chars(path: Path, chars: int, limits: Limits) -> None:
    if chars > limits.max_chars:
        raise TooLargeError(path, _too_many_chars(chars, limits))


def _too_many_chars(chars: int, limits: Limits, *, at_least: bool = False) -> str:
    amount = f"至少 {chars:,} 字" if at_least else f"{chars:,} 字"
    return (
        f"文字过多（{amount}），单个文件上限为 {limits.max_chars:,} 字（设置 ingest.max_chars）；"
        "这不像一份报告，请拆分后再导入"
    )


def check_passages(path: Path, passages: int, limits: Limits) -> None:
    if passages > limits.max_passages:
        raise TooLargeError(
            path,
            f"切分后有 {passages:,} 个段落，单个文件上限为 {limits.max_passages:,} 个（设置 ingest.max_passages），"
            "请拆分后再导入",
        )


def check_zip_package(path: Path, limits: Limits, *, shown: Path | None = None) -> None:
    """Refuse a .docx whose unpacked parts would exceed the limits, before anything is inflated
    into memory: first by the sizes its directory declares, then by streaming every part in
    small chunks (a forged directory cannot make us hold more than one chunk)."""
    shown = shown or path
    budget = int(limits.max_unpacked_mb * _MB)
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            _check_declared(shown, members, budget, limits)
            unpacked = 0
            for member in members:
                with package.open(member) as stream:
                    for chunk in iter(lambda s=stream: s.read(_CHUNK), b""):  # type: ignore[misc]
                        unpacked += len(chunk)
                        if unpacked > budget:
                            raise TooLargeError(shown, _unpacked_message(limits))
    except (TooLargeError, CorruptDocumentError):
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        # A damaged or forged part (sizes or CRC that do not match, unknown compression).
        raise CorruptDocumentError(
            shown, f"不是有效的 .docx 文件（已损坏，或并非 Word 文档：{type(exc).__name__}）"
        ) from None


def _check_declared(shown: Path, members: list[zipfile.ZipInfo], budget: int, limits: Limits) -> None:
    if sum(m.file_size for m in members) > budget:
        raise TooLargeError(shown, _unpacked_message(limits))
    for member in members:
        if member.file_size < _RATIO_FLOOR_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise TooLargeError(
                shown,
                f"压缩比异常（{member.filename} 解压后放大 {ratio:,.0f} 倍，上限 {limits.max_compression_ratio:g} 倍），"
                "疑似压缩炸弹，已拒绝",
            )


def _unpacked_message(limits: Limits) -> str:
    return f"解压后超过 {limits.max_unpacked_mb:g} MB（设置 ingest.max_unpacked_mb），疑似压缩炸弹或内容过多，已拒绝"


@contextlib.contextmanager
def pdf_decompression_limits(limits: Limits) -> Iterator[None]:
    """pypdf's own decompression limits, set from ours for the time a PDF is read. A page's text
    stream is kilobytes, so one stream gets a quarter of the unpacked budget (25 MB by default)."""
    from pypdf import apply_configuration

    budget = int(limits.max_unpacked_mb * _MB / 4)
    with apply_configuration(
        zlib_maximum_output_length=budget,
        lzw_maximum_output_length=budget,
        run_length_maximum_output_length=budget,
        array_based_stream_maximum_output_length=budget,
        brotli_maximum_output_length=budget,
        maximum_declared_stream_length=budget,
        stream_decoding_work_maximum_length=3 * budget,
        image_maximum_buffer_size=budget,
    ):
        yield


def pdf_limit_message(limits: Limits) -> str:
    return (
        f"PDF 的一段内容解压后超过 {limits.max_unpacked_mb / 4:g} MB（ingest.max_unpacked_mb 的四分之一），"
        "疑似压缩炸弹或内容过多，已拒绝"
    )


def check_pdf_pages(path: Path, pages: int, limits: Limits) -> None:
    if pages > limits.max_pdf_pages:
        raise TooLargeError(
            path,
            f"PDF 有 {pages:,} 页，上限为 {limits.max_pdf_pages:,} 页（设置 ingest.max_pdf_pages），请拆分后再导入",
        )


def too_many_files_message(total: int, limits: Limits) -> str:
    return (
        f"本批共 {total:,} 个文件，超过单批上限 {limits.max_files:,} 个（设置 ingest.max_files），"
        "此文件未处理，请分批导入"
    )
