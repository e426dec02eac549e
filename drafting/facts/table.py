"""The facts table of the draft page (部分 / 方面 / 事实), to and from a fact sheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drafting.model import FactSheet
from retrieval.documents import PARTS

PART_LABELS: dict[str, str] = {
    "opening": "开头",
    "work": "工作",
    "problems": "问题",
    "plans": "计划",
    "closing": "结尾",
}
_PART_BY_LABEL: dict[str, str] = {**{v: k for k, v in PART_LABELS.items()}, **{p: p for p in PARTS}}
_PART_ALIASES = {
    "成绩": "work",
    "主要工作": "work",
    "存在问题": "problems",
    "不足": "problems",
    "下步计划": "plans",
    "打算": "plans",
    "开篇": "opening",
    "结语": "closing",
}


class FactTableError(ValueError):
    """Rows of the facts table that cannot be read; the message names each row and column."""


def rows_to_mapping(
    rows: Sequence[Sequence[Any]], *, kind: str, org: str, period: str, next_period: str | None
) -> dict[str, Any]:
    """The facts table (部分, 方面, 事实) as the facts mapping; a bad row raises ServiceError naming it."""
    parts: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [("" if c is None else str(c)).strip() for c in list(row)[:3]]
        cells += [""] * (3 - len(cells))
        part_label, area, fact = cells
        if not any(cells) or cells == ["nan", "nan", "nan"]:
            continue
        part = _PART_BY_LABEL.get(part_label) or _PART_ALIASES.get(part_label)
        if part is None:
            problems.append(
                f"第 {number} 行“部分”列：“{part_label}”无效，应为 {'/'.join(PART_LABELS.values())} 之一"
            )
            continue
        if not fact:
            problems.append(f"第 {number} 行“事实”列：不能为空")
            continue
        groups = parts.setdefault(part, [])
        group = next((g for g in groups if g["area"] == (area or None)), None)
        if group is None:
            group = {"area": area or None, "facts": []}
            groups.append(group)
        group["facts"].append(fact)
    if problems:
        raise FactTableError("事实表有误：\n" + "\n".join(problems))
    for groups in parts.values():
        for g in groups:
            if g["area"] is None:
                del g["area"]
    mapping: dict[str, Any] = {"kind": kind, "org": org, "period": period, "parts": parts}
    if next_period:
        mapping["next_period"] = next_period
    return mapping


def sheet_rows(sheet: FactSheet | None) -> list[list[str]]:
    """A fact sheet as the facts table (部分, 方面, 事实)."""
    if sheet is None:
        return []
    return [
        [PART_LABELS.get(part, part), group.area or "", fact.text]
        for part in PARTS
        for group in sheet.parts.get(part, ())
        for fact in group.facts
    ]
