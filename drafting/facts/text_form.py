"""The plain-text form of a fact sheet, for facts pasted from a notepad or a chat message.

    提纲：half-year              ← optional header lines, only at the top
    单位：某某区委组织部            (提纲/单位/时期/下一时期/标题/主送/讲话人/成文日期)
    时期：2026年上半年
    【工作】                      ← part markers, see PART_MARKERS
    干部教育培训：举办科级干部培训班3期，培训180人次     ← "area：fact" (： or :)
    基层组织建设：                 ← a line that is only "area：" heads the lines below it
    1. 完成村级党组织星级评定        ← bullets (1. 1、 （1） • - · ① 一是 …) are dropped
    疫情防控（突出“早”字）：提前部署  ← a quarterly highlight's keyword
    粮食生产（小标题：稳住粮食生产基本盘）：  ← the area's own subheading
    一、存在问题                   ← markers may carry numbering and brackets
    基层党组织书记年龄结构偏大
    【计划】
    农村改厕（回应：1）：完善户厕管护机制  ← a plan answering problem 1 (or 回应：几个字)

Header lines 上级：… and 小标题：原样 give the sheet's superior and plain subheadings. An area's
notes in brackets (突出“X”字, 小标题：…, 回应：…) are read by drafting.facts.area_label, the same
as in the facts table's 方面 column.

Lines before the first marker belong to the work part. Blank lines are ignored. A line
starting with "：" has no area (an escape for facts that themselves begin with "xx："). A short
line numbered like a sub-heading ("（一）干部教育培训") heads the lines below it as an area.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from drafting.facts.area_label import AreaLabel, format_area_label, parse_area_label
from drafting.facts.limits import DEFAULT_FACT_LIMITS, Limits, too_long_fact, too_many_facts, too_much_text
from drafting.facts.sheet import FactsError, parse_facts_mapping
from drafting.model import FactSheet
from retrieval.documents import Part

PART_MARKERS: dict[Part, tuple[str, ...]] = {
    "opening": ("开头", "总体情况", "基本情况", "概述"),
    "work": ("工作", "工作情况", "主要工作", "工作开展情况", "工作成效", "主要做法", "工作回顾", "主要成绩"),
    "problems": (
        "问题",
        "存在问题",
        "存在的问题",
        "存在的主要问题",
        "问题和不足",
        "存在的问题和不足",
        "困难和问题",
        "存在的困难和问题",
    ),
    "plans": (
        "计划",
        "工作计划",
        "下步计划",
        "下一步计划",
        "下步打算",
        "下一步打算",
        "工作打算",
        "下一步工作打算",
        "工作安排",
        "下一步工作",
        "重点任务",
    ),
    "closing": ("结尾", "结束语", "结语"),
}
HEADER_KEYS: dict[str, str] = {
    "提纲": "kind",
    "类型": "kind",
    "单位": "org",
    "时期": "period",
    "本期": "period",
    "下一时期": "next_period",
    "下期": "next_period",
    "标题": "title",
    "主送": "addressee",
    "主送机关": "addressee",
    "讲话人": "speaker",
    "成文日期": "date",
    "日期": "date",
    "上级": "superior",
    "领导机关": "superior",
    "小标题": "headings",
}
_HEADER_LABELS = {"kind": "提纲", "org": "单位", "period": "时期", "next_period": "下一时期"}
_HEADER_LABELS |= {"title": "标题", "addressee": "主送", "speaker": "讲话人", "date": "成文日期"}
_HEADER_LABELS |= {"superior": "上级"}

_MARKER_WORDS = {word: part for part, words in PART_MARKERS.items() for word in words}
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]+[）)])?\s*"
    r"[【\[〔]?\s*(?P<word>[^【】\[\]〔〕：:\s]+?)\s*[】\]〕]?\s*[：:]?$"
)
_HEADER = re.compile(
    r"^(?P<key>" + "|".join(sorted(HEADER_KEYS, key=len, reverse=True)) + r")\s*[：:]\s*(?P<value>.+)$"
)
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*")
_BULLET = re.compile(
    r"^(?:[-*•·●○■□▪◆◇➢►>]+|\d{1,2}[.、．)）](?!\d)|[（(]\d{1,2}[）)]|[①-⑳]|[一二三四五六七八九十]+是|"
    r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])\s*"
)
_AREA = re.compile(
    r"^(?P<area>[^：:，。；,;!?！？\d]{1,20}?)"
    r"(?P<notes>(?:（(?:突出[^（）]{1,10}字|(?:小标题|回应|针对)\s*[：:][^（）]{1,80})）)*)"
    r"\s*[：:]\s*(?P<rest>.*)$"
)
_NO_AREA = AreaLabel("")
_PUNCT = re.compile(r"[，。；、,;:：!?！？]")


def parse_facts_text(
    text: str,
    *,
    kind: str | None = None,
    org: str | None = None,
    period: str | None = None,
    next_period: str | None = None,
    title: str | None = None,
    addressee: str | None = None,
    speaker: str | None = None,
    date: str | None = None,
    kinds: Collection[str] | None = None,
    limits: Limits = DEFAULT_FACT_LIMITS,
) -> FactSheet:
    """A FactSheet from pasted text (format in the module docstring).

    Keyword arguments fill or override the header lines; kind, org and period must come from one
    of the two. FactsError names the line of a problem. ``limits`` (settings.facts): the text's
    length is checked before any line is read, then each fact's length and their number.
    """
    if not isinstance(text, str) or not text.strip():
        raise FactsError("没有输入任何事实：请每行写一条事实")
    if problem := too_much_text(len(text), limits, "文字"):
        raise FactsError(problem)
    too_long: list[str] = []
    count = 0
    header: dict[str, str] = {}
    parts: dict[Part, dict[str | None, dict[str, Any]]] = {}
    part: Part = "work"
    heading_area = _NO_AREA
    at_top = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\u3000\ufeff")
        if not line:
            continue
        if at_top and (match := _HEADER.match(line)):
            header.setdefault(HEADER_KEYS[match.group("key")], match.group("value").strip())
            continue
        at_top = False
        if (marker := _marker(line)) is not None:
            part, heading_area = marker, _NO_AREA
            continue
        label, fact = _split_line(line, heading_area)
        if fact is None:
            heading_area = label
            continue
        count += 1
        if problem := too_long_fact(" ".join(fact.split()), limits):
            too_long.append(f"第{number}行：{problem}")
        area = label.area or None
        group = parts.setdefault(part, {}).setdefault(area, {"area": area, "facts": []})
        for key, value in (("keyword", label.keyword), ("heading", label.heading)):
            group[key] = group.get(key) or value
        if label.answers:
            group["answers"] = [*group.get("answers", []), *label.answers]
        group["facts"].append(fact)
    if problem := too_many_facts(count, limits):
        raise FactsError(problem)
    if too_long:
        raise FactsError(too_long)
    if not parts:
        raise FactsError("没有找到任何事实：请每行写一条事实，用【工作】【问题】【计划】分隔各部分")
    values = {"kind": kind, "org": org, "period": period, "next_period": next_period, "title": title}
    values |= {"addressee": addressee, "speaker": speaker, "date": date}
    data: dict[str, Any] = {key: value or header.get(key) for key, value in values.items()}
    missing = [_HEADER_LABELS[key] for key in ("kind", "org", "period") if not data[key]]
    if missing:
        needed = "、".join(missing)
        raise FactsError(f"缺少{needed}：请在界面中填写，或在文字开头写“{missing[0]}：……”一行")
    data = {key: value for key, value in data.items() if value}
    for key in ("superior", "headings"):  # header-only keys (no keyword argument)
        if key in header:
            data[key] = header[key]
    data["parts"] = {
        p: [{k: v for k, v in g.items() if v is not None and v != []} for g in groups.values()]
        for p, groups in parts.items()
    }
    return parse_facts_mapping(data, kinds=kinds, limits=limits)


def _marker(line: str) -> Part | None:
    match = _MARKER.match(line)
    return _MARKER_WORDS.get(match.group("word")) if match else None


def _split_line(line: str, heading: AreaLabel) -> tuple[AreaLabel, str | None]:
    """(area label, fact) for a fact line; fact None when the line heads an area."""
    if line[0] in "：:":
        return _NO_AREA, line[1:].strip() or None
    is_subheading = _SUBHEADING.match(line) is not None
    line = _BULLET.sub("", line, count=1).strip()
    match = _AREA.match(line)
    if match:
        rest = match.group("rest").strip()
        return parse_area_label(match.group("area").strip() + match.group("notes")), rest or None
    if is_subheading and len(line) <= 20 and not _PUNCT.search(line) and not re.search(r"\d", line):
        return AreaLabel(line), None
    return heading, line


def facts_to_text(sheet: FactSheet) -> str:
    """The sheet as pasted text that ``parse_facts_text`` reads back to an equal sheet.

    Groups with an area are written under an "area：" line; a fact that would be read as
    something else (a marker, an "area：" prefix, a bullet) is written with its area inline.
    """
    lines = [f"{_HEADER_LABELS[key]}：{getattr(sheet, key)}" for key in _HEADER_LABELS if getattr(sheet, key)]
    if sheet.headings == "plain":
        lines.append("小标题：原样")
    names = {"opening": "开头", "work": "工作", "problems": "问题", "plans": "计划", "closing": "结尾"}
    for part, groups in sheet.parts.items():
        lines.append(f"【{names[part]}】")
        active = _NO_AREA  # the area the lines below belong to
        for group in groups:
            label = ""
            if group.area:
                label = format_area_label(group.area, group.keyword, group.heading, group.answers)
                lines.append(f"{label}：")
                active = parse_area_label(label)
            for fact in group.facts:
                expected = (active if group.area else _NO_AREA, fact.text)
                plain = _split_line(fact.text, active) == expected and _marker(fact.text) is None
                lines.append(fact.text if plain else f"{label}：{fact.text}")
    return "\n".join(lines) + "\n"
