"""Pattern helpers shared by the outline and register loaders: {slots}, filling, value types in
words, and the rule that standard text holds no facts of its own (numbers, names, quotations)."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from typing import Any

from drafting.mentions.names import extract_names, extract_quotes
from drafting.mentions.numbers import extract_numbers


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


def standard_text_problems(pattern: str) -> list[str]:
    """Standard sentences go into every draft, so they may hold no facts of their own."""
    problems = []
    try:
        bare = string.Formatter().vformat(pattern, (), _Blank())
    except (ValueError, IndexError, KeyError):
        bare = pattern  # malformed braces are reported by _check_pattern
    for number in extract_numbers(bare):
        problems.append(f"标准句里不能有数字（“{number.text}”），数字只能来自事实材料")
    for name in extract_names(bare):
        problems.append(f"标准句里不能有具体单位名称（“{name.text}”），请用{{org}}或“上级党委”等泛称")
    for quote in extract_quotes(pattern):
        if not _slots_or_empty(quote.inner):
            problems.append(f"标准句里不能有引号内容（“{quote.inner}”），引用只能来自事实材料")
    return problems


def _slots_or_empty(text: str) -> set[str]:
    try:
        return pattern_slots(text)
    except ValueError:
        return set()


class _Blank(dict):
    # Slots become a neutral separator so "{org}局" is not read as a name.
    def __missing__(self, key: str) -> str:
        return "，"
