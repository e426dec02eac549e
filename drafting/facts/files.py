"""Facts files on disk: YAML, JSON, or the pasted-text form, in any common Chinese encoding.

A facts file is small (a few pages); anything bigger, binary, or undecodable is refused with a
FactsError naming the file, never read half-way.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from drafting.facts.limits import DEFAULT_FACT_LIMITS, Limits
from drafting.facts.sheet import FactsError, parse_facts_mapping
from drafting.facts.text_form import parse_facts_text
from drafting.model import FactSheet
from retrieval.errors import DocumentError, EmptyDocumentError
from retrieval.ingest.encoding import decode_text

MAX_FILE_BYTES = 2 * 1024 * 1024  # a facts file is a few pages of text; anything bigger is a mistake


def parse_facts_file(
    path: Path, *, kinds: Collection[str] | None = None, limits: Limits = DEFAULT_FACT_LIMITS
) -> FactSheet:
    """A facts file: .yaml/.yml or .json by suffix, .txt/.md as pasted text with a header.

    Any encoding (UTF-8, UTF-16 with BOM, GB18030). Problems raise FactsError naming the file;
    ``limits`` are settings.facts.
    """
    path = Path(path)
    text = read_text_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = _load_yaml(text)
        elif suffix == ".json":
            data = _load_json(text)
        elif suffix in (".txt", ".md", ""):
            return parse_facts_text(text, kinds=kinds, limits=limits)
        else:
            raise FactsError(f"不支持的文件类型“{path.suffix}”，请用 .yaml、.json 或 .txt")
        return parse_facts_mapping(data, kinds=kinds, limits=limits)
    except FactsError as exc:
        raise FactsError(exc.problems, source=path.name) from None


def read_text_file(path: Path) -> str:
    """The text of a small file in any common Chinese encoding; FactsError for the unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FactsError(
                f"文件过大（{size // 1024} KB），事实材料文件不应超过 {MAX_FILE_BYTES // 1024} KB"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise FactsError(f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise FactsError(f"这是一个目录，不是文件：{path}") from None
    except OSError as exc:
        raise FactsError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    text = decode_bytes(data, path.name)
    if text is None:
        raise FactsError(f"{path.name}: 无法识别文件编码，或这不是文本文件（请另存为 UTF-8 文本）")
    return text


def decode_bytes(data: bytes, name: str = "文件") -> str | None:
    """Decode text in any common Chinese encoding (UTF-8, UTF-16, GB18030 …); None for binary.

    Detection is retrieval.ingest.encoding's; its normalised text strips every line, which would
    flatten YAML indentation, so the bytes are decoded again with the encoding it found.
    """
    try:
        detected = decode_text(data, path=name)
    except EmptyDocumentError:
        return ""
    except DocumentError:
        return None
    return data.decode(detected.encoding, errors="replace").lstrip("\ufeff")


def _load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列：" if mark else ""
        reason = getattr(exc, "problem", None) or "无法解析"
        raise FactsError(
            f"{where}YAML 格式错误（{reason}）。常见原因：冒号后缺空格、缩进不齐、用了 Tab"
        ) from None


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FactsError(f"第{exc.lineno}行第{exc.colno}列：JSON 格式错误（{exc.msg}）") from None
