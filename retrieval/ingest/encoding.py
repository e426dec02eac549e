"""Decode the bytes of a plain-text file (.txt/.md) into normalised text.

Reports reach us from Windows machines (GB18030/GBK, UTF-16 "Unicode" from Notepad), from
Macs and web pages (UTF-8 with or without BOM), and occasionally damaged. We try the encodings
that matter for Chinese text in a fixed order, accept a handful of bad bytes, and refuse
anything that only decodes into a soup of replacement or control characters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from retrieval.errors import EmptyDocumentError, UndecodableError

# A decode that needed replacement characters is still accepted when they are this rare:
# a stray bad byte in a long report should not lose the report.
_MAX_REPLACED_ABSOLUTE = 8
_MAX_REPLACED_RATIO = 0.01
# Text has almost no control characters; binary data decoded as a single-byte code page has many.
_MAX_CONTROL_RATIO = 0.01
# For the charset-normalizer fallback we also require that the text looks like Chinese/ASCII.
_MIN_TEXTLIKE_RATIO = 0.9
_SAMPLE = 8192

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# C0/C1 controls except \t and \n, zero-width and direction marks, stray BOMs.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")


@dataclass(frozen=True)
class DecodedText:
    text: str  # normalised: '\n' line breaks, no control characters, lines stripped
    encoding: str  # Python codec name of what we used, e.g. "utf-8", "gb18030", "utf-16-le"
    replaced: int = 0  # bytes that could not be decoded and became U+FFFD


def decode_text(data: bytes, *, path: str | Path) -> DecodedText:
    """Decode a text file's bytes, detecting the encoding; raise a `DocumentError` subclass if we can't.

    Order: BOM (UTF-8/16/32) → BOM-less UTF-16 by its NUL pattern → UTF-8 → each line UTF-8 or
    GB18030 (mixed files) → the same two tolerating a few bad bytes → charset-normalizer. ``path`` is only used in error messages.
    """
    if not data:
        raise EmptyDocumentError(path, "文件是空的（0 字节）")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text, replaced = _decode_lenient(data, codec)
            return _accept(text, codec if codec != "utf-16" else _utf16_name(bom), replaced, path)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        text, replaced = _decode_lenient(data, utf16)
        return _accept(text, utf16, replaced, path)
    if _nul_count(data) > max(2, len(data) // 1000):
        raise UndecodableError(path, "看起来是二进制文件，不是文本（含大量空字节）")

    try:
        return _accept(data.decode("utf-8"), "utf-8", 0, path)
    except UnicodeDecodeError:
        pass
    mixed = _decode_line_by_line(data)
    if mixed is not None:
        text, encoding = mixed
        return _accept(text, _gb_name(data) if encoding == "gb18030" else encoding, 0, path)

    for codec in ("utf-8", "gb18030"):
        text, replaced = _decode_lenient(data, codec)
        if _few_replacements(text, replaced):
            return _accept(text, codec, replaced, path)

    return _fallback(data, path)


def refuse_binary_head(head: bytes, *, path: str | Path) -> None:
    """Refuse a file whose first bytes are binary (NUL bytes that are not UTF-16 text), before
    the rest of it is read."""
    if any(head.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(head) is not None:
        return
    if _nul_count(head) > max(2, len(head) // 1000):
        raise UndecodableError(path, "看起来是二进制文件，不是文本（含大量空字节）")


def normalise_text(text: str) -> str:
    """Unify line breaks, drop control/invisible characters, strip each line (incl. U+3000 indents)."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def split_lines(text: str) -> list[str]:
    """Normalise ``text`` and return its non-empty lines."""
    return [line for line in normalise_text(text).split("\n") if line]


# ---------------------------------------------------------------- internals


def _accept(text: str, encoding: str, replaced: int, path: str | Path) -> DecodedText:
    if replaced and not _few_replacements(text, replaced):
        raise UndecodableError(path, f"无法识别文字编码（解码后有 {replaced} 处乱码），请另存为 UTF-8 后重试")
    if _control_count(text) > max(_MAX_REPLACED_ABSOLUTE, len(text) * _MAX_CONTROL_RATIO):
        raise UndecodableError(path, "看起来是二进制文件，不是文本（含大量控制字符）")
    return DecodedText(text=normalise_text(text), encoding=encoding, replaced=replaced)


def _fallback(data: bytes, path: str | Path) -> DecodedText:
    best = from_bytes(data).best()
    if best is None:
        raise UndecodableError(path, "无法识别文字编码，可能是二进制文件或已损坏")
    text = str(best)
    replaced = text.count("\ufffd")
    if not _few_replacements(text, replaced) or _textlike_ratio(text) < _MIN_TEXTLIKE_RATIO:
        raise UndecodableError(
            path, f"无法识别文字编码（疑似 {best.encoding}，但解码结果不像正文），可能是二进制文件或已损坏"
        )
    return _accept(text, best.encoding, replaced, path)


def _decode_line_by_line(data: bytes) -> tuple[str, str] | None:
    """Decode each line as UTF-8, else GB18030: files pasted together from a Windows and a web
    source mix the two. Returns (text, "gb18030" | "utf-8+gb18030"), or None when some line is
    neither. GBK text is practically never valid UTF-8, so a pure GBK file comes out as GB18030."""
    lines: list[str] = []
    utf8_lines = 0
    for raw in data.split(b"\n"):
        try:
            line = raw.decode("utf-8")
            utf8_lines += not raw.isascii()
        except UnicodeDecodeError:
            try:
                line = raw.decode("gb18030")
            except UnicodeDecodeError:
                return None
        lines.append(line)
    return "\n".join(lines), "utf-8+gb18030" if utf8_lines else "gb18030"


def _decode_lenient(data: bytes, codec: str) -> tuple[str, int]:
    text = data.decode(codec, errors="replace")
    # Count what decoding replaced, not U+FFFD characters that were already in the file.
    original = data.decode(codec, errors="ignore").count("\ufffd")
    return text, text.count("\ufffd") - original


def _few_replacements(text: str, replaced: int) -> bool:
    return replaced <= max(_MAX_REPLACED_ABSOLUTE, int(len(text) * _MAX_REPLACED_RATIO))


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise UTF-16 without a BOM.

    It shows itself by NUL bytes (the high byte of ASCII, the low byte of U+4E00 一 …), which UTF-8
    and GB18030 text never contain. NULs sit on both byte parities in Chinese text, so rather than
    count them we decode the sample both ways: the wrong byte order yields code points outside
    CJK/ASCII, the right one reads as text. Binary data reads as text either way.
    """
    sample = data[:_SAMPLE]
    if sample.count(0) < 2:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    best: tuple[float, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        text, replaced = _decode_lenient(sample, codec)
        if not _few_replacements(text, replaced):
            continue
        ratio = _textlike_ratio(text)
        if ratio >= _MIN_TEXTLIKE_RATIO and (best is None or ratio > best[0]):
            best = (ratio, codec)
    return best[1] if best else None


def _utf16_name(bom: bytes) -> str:
    return "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"


def _gb_name(data: bytes) -> str:
    # GBK is what users recognise; report it when the narrower codec suffices.
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return "gb18030"
    return "gbk"


def _nul_count(data: bytes) -> int:
    return data[:_SAMPLE].count(0)


def _control_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0b\x0c")


def _is_textlike(ch: str) -> bool:
    code = ord(ch)
    return (
        ch.isascii()
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2000 <= code <= 0x206F  # general punctuation: — “ ” …
        or 0x2460 <= code <= 0x24FF  # ① ②
        or ch in "·×÷°±§¥€£‰№"
        or code >= 0x20000
    )


def _textlike_ratio(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if _is_textlike(ch)) / len(text)
