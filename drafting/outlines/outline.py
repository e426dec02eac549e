"""Standard report outlines, loaded from the YAML files a prompt maintainer edits.

Each file in prompts/outlines/ describes one kind of report: its title pattern, its parts in
order, each part's heading, numbering, what it must contain, its usual length, and the
composer's standard sentences ("connectives"). Loading validates everything and names the file
and field of every problem, because the person fixing it is not a programmer.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from drafting.mentions.names import extract_names, extract_quotes
from drafting.mentions.numbers import extract_numbers
from drafting.model import Outline, OutlinePart
from retrieval.documents import PARTS

PART_LABELS: dict[str, str] = {
    "opening": "开头",
    "work": "工作情况",
    "problems": "存在问题",
    "plans": "工作计划",
    "closing": "结尾",
}
# The values of OutlinePart.area_numbering: （一） and 1. give each area a heading of its own,
# 一是 runs the areas inline, 突出一个 heads each area with "突出一个“X”字" (X from the facts).
AREA_NUMBERINGS: tuple[str, ...] = ("（一）", "1.", "一是", "突出一个", "none")
# What the composer does with each connective key (documented for maintainers in the YAML files).
CONNECTIVE_KEYS: dict[str, str] = {
    "lead": "本部分开头的句子",
    "end": "本部分结尾的句子",
    "area_heading": "每个方面的小标题（不含序号）",
    "area_lead": "每个方面段落的引导语",
    "missing": "没有材料时的待补充提示",
}
_PERIOD_SLOTS = {"org", "period", "next_period", "next_period_short"}
TITLE_SLOTS = frozenset({*_PERIOD_SLOTS, "speaker", "addressee"})
HEADING_SLOTS = frozenset(_PERIOD_SLOTS)
CONNECTIVE_SLOTS = frozenset({*_PERIOD_SLOTS, "area", "areas", "keyword", "addressee", "speaker"})
_TOP_KEYS = {"name", "label", "version", "description", "title_pattern", "addressee", "greeting", "parts"}
_PART_KEYS = {
    "part",
    "heading",
    "numbered",
    "area_numbering",
    "must_contain",
    "length",
    "required",
    "connectives",
}


class OutlineError(ValueError):
    """An outline file that cannot be used, or an unknown outline; the message is for the user."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def pattern_slots(pattern: str) -> set[str]:
    """The {slot} names used in a pattern; raises ValueError for a malformed pattern."""
    return {field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None}


def fill_pattern(pattern: str, values: Mapping[str, str | None]) -> str | None:
    """The pattern with its slots filled, or None when a slot it needs has no value."""
    try:
        needed = pattern_slots(pattern)
    except ValueError:
        return None
    if any(not values.get(slot) for slot in needed):
        return None
    return pattern.format_map({slot: values[slot] for slot in needed})


def type_name(value: Any) -> str:
    """What a YAML/JSON value is, in words a writer knows."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "是/否"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list | tuple):
        return "列表"
    if isinstance(value, dict):
        return "键值表"
    if isinstance(value, dt.date):
        return "日期"
    return type(value).__name__


def load_outlines(directory: Path) -> dict[str, Outline]:
    """All outlines in ``directory`` (*.yaml, *.yml) by name; every problem in every file is reported."""
    directory = Path(directory)
    if not directory.is_dir():
        raise OutlineError(f"提纲目录不存在：{directory}")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise OutlineError(f"提纲目录中没有 .yaml 文件：{directory}")
    outlines: dict[str, Outline] = {}
    problems: list[str] = []
    for path in files:
        try:
            outline = load_outline_file(path)
        except OutlineError as exc:
            problems.extend(exc.problems)
            continue
        if outline.name in outlines:
            problems.append(f"{path.name}: name: 提纲代号“{outline.name}”与其他文件重复")
            continue
        outlines[outline.name] = outline
    if problems:
        raise OutlineError(problems)
    return outlines


def get_outline(directory: Path, name: str) -> Outline:
    """The outline called ``name``; an unknown name raises OutlineError listing the available ones."""
    outlines = load_outlines(directory)
    if name not in outlines:
        available = "、".join(f"{o.name}（{o.label}）" for o in outlines.values())
        raise OutlineError(f"没有名为“{name}”的提纲。可用的提纲：{available}")
    return outlines[name]


def load_outline_file(path: Path) -> Outline:
    """One outline file, validated; problems are prefixed with the file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutlineError(f"{path.name}: 无法读取（应为 UTF-8 编码的文本）：{exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise OutlineError(f"{path.name}{where}: YAML 格式错误：{reason}") from exc
    problems: list[str] = []
    outline = _build_outline(data, problems)
    if problems or outline is None:
        raise OutlineError([f"{path.name}: {p}" for p in problems])
    return outline


def _build_outline(data: Any, problems: list[str]) -> Outline | None:
    if not isinstance(data, dict):
        problems.append(f"（整个文件）: 应为键值表，实际是{type_name(data)}")
        return None
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        problems.append(f"{key}: 未知字段，可用字段：{'、'.join(sorted(_TOP_KEYS))}")
    name = _text(data, "name", problems)
    label = _text(data, "label", problems)
    title = _text(data, "title_pattern", problems)
    _check_pattern(title, "title_pattern", TITLE_SLOTS, problems)
    greeting = _text(data, "greeting", problems, required=False)
    description = _text(data, "description", problems, required=False) or ""
    version = data.get("version", "1")
    if not isinstance(version, str | int) or isinstance(version, bool):
        problems.append(f"version: 应为文字，实际是{type_name(version)}")
    addressee = _flag(data, "addressee", False, problems)
    raw_parts = data.get("parts")
    parts: list[OutlinePart] = []
    if not isinstance(raw_parts, list) or not raw_parts:
        problems.append(f"parts: 应为非空列表，实际是{type_name(raw_parts)}")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_parts):
            part = _build_part(raw, f"parts[{i}]", problems)
            if part is None:
                continue
            if part.part in seen:
                problems.append(f"parts[{i}].part: “{part.part}”重复出现")
            seen.add(part.part)
            parts.append(part)
    if problems:
        return None
    return Outline(
        name=name or "",
        label=label or "",
        title_pattern=title or "",
        parts=tuple(parts),
        addressee=addressee,
        greeting=greeting,
        version=str(version),
        description=description,
    )


def _build_part(raw: Any, where: str, problems: list[str]) -> OutlinePart | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: 应为键值表，实际是{type_name(raw)}")
        return None
    for key in sorted(set(raw) - _PART_KEYS, key=str):
        problems.append(f"{where}.{key}: 未知字段，可用字段：{'、'.join(sorted(_PART_KEYS))}")
    part = raw.get("part")
    if part not in PARTS:
        problems.append(f"{where}.part: 应为 {'、'.join(PARTS)} 之一，实际是“{part}”")
    heading = _text(raw, "heading", problems, required=False, where=where) or ""
    _check_pattern(heading, f"{where}.heading", HEADING_SLOTS, problems)
    _check_standard_text(heading, f"{where}.heading", problems)
    numbering = raw.get("area_numbering", "none")
    if numbering not in AREA_NUMBERINGS:
        allowed = "、".join(AREA_NUMBERINGS)
        problems.append(f"{where}.area_numbering: 应为 {allowed} 之一，实际是“{numbering}”")
    must_contain = _text(raw, "must_contain", problems, where=where) or ""
    length = raw.get("length")
    if not (
        isinstance(length, list)
        and len(length) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in length)
        and length[0] <= length[1]
    ):
        problems.append(f"{where}.length: 应为 [最少字数, 最多字数] 两个整数，实际是“{length}”")
    connectives = _connectives(raw.get("connectives", {}), f"{where}.connectives", problems)
    numbered = _flag(raw, "numbered", False, problems, where=where)
    required = _flag(raw, "required", True, problems, where=where)
    if part not in PARTS or numbering not in AREA_NUMBERINGS or connectives is None:
        return None
    return OutlinePart(
        part=part,
        heading=heading,
        numbered=numbered,
        area_numbering=numbering,
        must_contain=must_contain,
        length=tuple(length) if isinstance(length, list) and len(length) == 2 else (0, 0),
        required=required,
        connectives=connectives,
    )


def _connectives(raw: Any, where: str, problems: list[str]) -> dict[str, list[str]] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: 应为键值表，实际是{type_name(raw)}")
        return None
    result: dict[str, list[str]] = {}
    for key, value in raw.items():
        if key not in CONNECTIVE_KEYS:
            allowed = "、".join(f"{k}（{v}）" for k, v in CONNECTIVE_KEYS.items())
            problems.append(f"{where}.{key}: 未知的标准句类型，可用：{allowed}")
            continue
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not patterns:
            problems.append(f"{where}.{key}: 应为一句或多句文字的列表，实际是{type_name(value)}")
            continue
        for j, pattern in enumerate(patterns):
            field = f"{where}.{key}[{j}]"
            if not isinstance(pattern, str) or not pattern.strip():
                problems.append(f"{field}: 应为非空文字，实际是{type_name(pattern)}")
                continue
            _check_pattern(pattern, field, CONNECTIVE_SLOTS, problems)
            _check_standard_text(pattern, field, problems)
        result[key] = [p for p in patterns if isinstance(p, str)]
    return result


def _check_pattern(pattern: str | None, field: str, allowed: frozenset[str], problems: list[str]) -> None:
    if not pattern:
        return
    try:
        slots = pattern_slots(pattern)
    except ValueError:
        problems.append(f"{field}: 花括号不配对：“{pattern}”（要写花括号本身请用 {{{{ 和 }}}}）")
        return
    for slot in sorted(slots - allowed):
        problems.append(
            f"{field}: 未知的占位符 {{{slot}}}，可用：{'、'.join('{' + s + '}' for s in sorted(allowed))}"
        )


def _check_standard_text(pattern: str, field: str, problems: list[str]) -> None:
    """Standard sentences go into every draft, so they may hold no facts of their own."""
    try:
        bare = string.Formatter().vformat(pattern, (), _Blank())
    except (ValueError, IndexError, KeyError):
        bare = pattern  # malformed braces are reported by _check_pattern
    for number in extract_numbers(bare):
        problems.append(f"{field}: 标准句里不能有数字（“{number.text}”），数字只能来自事实材料")
    for name in extract_names(bare):
        problems.append(
            f"{field}: 标准句里不能有具体单位名称（“{name.text}”），请用{{org}}或“上级党委”等泛称"
        )
    for quote in extract_quotes(pattern):
        if not _slots_or_empty(quote.inner):
            problems.append(f"{field}: 标准句里不能有引号内容（“{quote.inner}”），引用只能来自事实材料")


def _slots_or_empty(text: str) -> set[str]:
    try:
        return pattern_slots(text)
    except ValueError:
        return set()


class _Blank(dict):
    # Slots become a neutral separator so "{org}局" is not read as a name.
    def __missing__(self, key: str) -> str:
        return "，"


def _text(data: dict, key: str, problems: list[str], *, required: bool = True, where: str = "") -> str | None:
    field = f"{where}.{key}" if where else key
    value = data.get(key)
    if value is None:
        if required:
            problems.append(f"{field}: 必须填写")
        return None
    if not isinstance(value, str):
        problems.append(f"{field}: 应为文字，实际是{type_name(value)}")
        return None
    if required and not value.strip():
        problems.append(f"{field}: 不能为空")
    return value.strip()


def _flag(data: dict, key: str, default: bool, problems: list[str], *, where: str = "") -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        field = f"{where}.{key}" if where else key
        problems.append(f"{field}: 应为 true 或 false，实际是{type_name(value)}")
        return default
    return value
