"""The facts table of the draft page (部分 / 方面 / 事实), to and from a fact sheet.

The 方面 cell takes the same notes as pasted text (drafting.facts.area_label): "粮食生产（小标题：
稳住粮食生产基本盘）" gives the area its own subheading, "农村改厕（回应：1）" links a plan to a problem.
Sheet-wide settings the table has no row for (superior, headings) are passed beside the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drafting.facts.area_label import format_area_label, parse_area_label
from drafting.facts.limits import DEFAULT_FACT_LIMITS, Limits, too_long_fact, too_many_facts
from drafting.model import FactGroup, FactSheet
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
    rows: Sequence[Sequence[Any]],
    *,
    kind: str,
    org: str,
    period: str,
    next_period: str | None,
    superior: str | None = None,
    plain_headings: bool = False,
    date: str | None = None,
    limits: Limits = DEFAULT_FACT_LIMITS,
) -> dict[str, Any]:
    """The facts table (部分, 方面, 事实) as the facts mapping; a bad row raises FactTableError naming it.

    ``superior`` overrides who leads the body; ``plain_headings`` keeps area subheadings as the
    bare area names (the mapping's ``headings: plain``). ``limits`` (settings.facts): too many
    rows are refused before any is read, a fact too long names its row.
    """
    filled = sum(1 for row in rows if any(str(c).strip() for c in list(row)[:3] if c is not None))
    if problem := too_many_facts(filled, limits):
        raise FactTableError(f"事实表有误：\n{problem}")
    parts: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [("" if c is None else str(c)).strip() for c in list(row)[:3]]
        cells += [""] * (3 - len(cells))
        part_label, area_cell, fact = cells
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
        if problem := too_long_fact(" ".join(fact.split()), limits):
            problems.append(f"第 {number} 行“事实”列：{problem}")
            continue
        label = parse_area_label(area_cell)
        if label.answers and part != "plans":
            problems.append(f"第 {number} 行“方面”列：只有“计划”部分的方面可以写（回应：…）")
            continue
        area = label.area or None
        groups = parts.setdefault(part, [])
        group = next((g for g in groups if g["area"] == area), None)
        if group is None:
            group = {"area": area, "facts": []}
            groups.append(group)
        for key, value in (("keyword", label.keyword), ("heading", label.heading)):
            if value and not group.get(key):
                group[key] = value
        for answer in label.answers:
            if answer not in group.setdefault("answers", []):
                group["answers"].append(answer)
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
    if superior:
        mapping["superior"] = superior
    if plain_headings:
        mapping["headings"] = "plain"
    if date:
        mapping["date"] = date  # 成文日期; parse_facts_mapping checks and normalises it
    return mapping


def sheet_rows(sheet: FactSheet | None) -> list[list[str]]:
    """A fact sheet as the facts table (部分, 方面, 事实), an area's notes in its 方面 cell."""
    if sheet is None:
        return []
    return [
        [PART_LABELS.get(part, part), _area_cell(group), fact.text]
        for part in PARTS
        for group in sheet.parts.get(part, ())
        for fact in group.facts
    ]


def _area_cell(group: FactGroup) -> str:
    if not group.area:
        return ""
    return format_area_label(group.area, group.keyword, group.heading, group.answers)
