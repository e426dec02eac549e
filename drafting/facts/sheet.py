"""The writer's facts for this period: parsed from a YAML/JSON file, a mapping, or pasted text.

The facts file (see corpus/facts/*.yaml and prompts/README.md)::

    kind: half-year            # an outline's name
    org: 某某区委组织部
    period: 2026年上半年
    next_period: 2026年下半年  # optional; inferred from period when it can be
    title / addressee / speaker   # optional
    date: 2026年7月5日          # optional: 成文日期 (2026-07-05 too); without it the Word file
                               # carries 【待补充：成文日期】 under the signature
    superior: 市委组织部和区委  # optional: who leads the body (else from prompts/bodies.yaml)
    headings: plain            # optional: area subheadings are the bare area names
    parts:
      work:
        - area: 干部教育培训
          keyword: 实             # optional: the X of "突出一个“X”字"
          heading: 聚焦能力提升，扎实开展干部教育培训   # optional: this area's own subheading
          facts:
            - 举办科级干部培训班3期，培训180人次
      problems:
        - facts: [基层党组织书记年龄结构偏大]
      plans:
        - area: 基层组织建设
          answers: 1              # optional: the problem(s) it answers, by number or by words
          facts: [推进村“两委”换届准备]

Every problem is collected and reported at once, each naming its field path
("parts.work[0].facts[2]: 应为文字，实际是数字"), because writers fix files in one pass.
The pasted-text form (``parse_facts_text``, ``facts_to_text``) lives in drafting/facts/text_form.py,
reading a facts file of either form in drafting/facts/files.py; both build on this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from drafting.facts.dates import DATE_HINT, format_date, parse_date
from drafting.facts.limits import DEFAULT_FACT_LIMITS, Limits, too_long_fact, too_many_facts, too_much_text
from drafting.model import Fact, FactGroup, FactSheet
from drafting.outlines.outline import OutlineError, load_outlines, type_name
from drafting.outlines.planning import infer_next_period
from drafting.settings import PROJECT_ROOT
from retrieval.documents import PARTS, Part

SHEET_FIELDS = ("kind", "org", "period", "next_period", "title", "addressee", "speaker", "date", "superior")
_OPTIONAL_FIELDS = ("next_period", "title", "addressee", "speaker", "date", "superior")
# The values of ``headings``, with the Chinese words a writer may use instead.
HEADING_STYLES: dict[str, str] = {"styled": "styled", "公文": "styled", "plain": "plain", "原样": "plain"}
# Chinese part names a writer may use instead of the English keys.
PART_ALIASES: dict[str, Part] = {
    "开头": "opening",
    "总体情况": "opening",
    "工作": "work",
    "工作情况": "work",
    "主要工作": "work",
    "问题": "problems",
    "存在问题": "problems",
    "计划": "plans",
    "工作计划": "plans",
    "下步计划": "plans",
    "结尾": "closing",
}


class FactsError(ValueError):
    """Facts that cannot be used; ``problems`` lists every problem, each naming its field."""

    def __init__(self, problems: list[str] | str, *, source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        if len(self.problems) == 1:
            message = prefix + self.problems[0]
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{prefix}事实材料有 {len(self.problems)} 处问题：\n{lines}"
        super().__init__(message)


def default_kinds() -> set[str]:
    """The outline names shipped in prompts/outlines (used when the caller passes none)."""
    try:
        return set(load_outlines(PROJECT_ROOT / "prompts" / "outlines"))
    except OutlineError as exc:
        raise FactsError(f"无法核对提纲类型，提纲文件有误：{exc}") from None


def parse_facts_mapping(
    data: Any, *, kinds: Collection[str] | None = None, limits: Limits = DEFAULT_FACT_LIMITS
) -> FactSheet:
    """A FactSheet from the mapping shape above; FactsError lists every problem with its field path.

    ``kinds`` are the known outline names (default: the shipped outlines). ``limits``
    (settings.facts) bound the number of facts and their length: too many facts is refused before
    anything else is read.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise FactsError(f"（整个文件）: 应为键值表（kind、org、period、parts……），实际是{type_name(data)}")
    if problem := too_many_facts(_count_facts(data.get("parts")), limits):
        raise FactsError(problem)
    allowed = {*SHEET_FIELDS, "parts", "headings"}
    for key in data:
        if key not in allowed:
            problems.append(f"{key}: 未知字段，可用字段：{'、'.join(sorted(allowed))}")
    fields = {name: _sheet_text(data, name, problems) for name in SHEET_FIELDS}
    kind = fields["kind"]
    if kind is not None:
        known = set(kinds) if kinds is not None else default_kinds()
        if kind not in known:
            problems.append(f"kind: 未知的提纲“{kind}”，可用：{'、'.join(sorted(known))}")
    parts = _parse_parts(data.get("parts"), problems, limits)
    total = sum(len(f.text) for groups in parts.values() for g in groups for f in g.facts)
    if problem := too_much_text(total, limits, "全部事实"):
        problems.append(f"parts: {problem}")
    headings = data.get("headings", "styled")
    if not isinstance(headings, str) or headings not in HEADING_STYLES:
        problems.append(
            f"headings: 应为 plain（小标题用方面名称原样）或 styled（按公文写法），实际是“{headings}”"
        )
    _check_answers(parts, problems)
    if problems:
        raise FactsError(problems)
    period = fields["period"] or ""
    return FactSheet(
        kind=kind or "",
        org=fields["org"] or "",
        period=period,
        next_period=fields["next_period"] or infer_next_period(period),
        title=fields["title"],
        addressee=fields["addressee"],
        speaker=fields["speaker"],
        date=fields["date"],
        parts=parts,
        superior=fields["superior"],
        headings=HEADING_STYLES.get(headings, "styled"),
    )


def problem_facts(sheet_parts: Mapping[Part, tuple[FactGroup, ...]]) -> list[Fact]:
    """The problems in order; ``answers: 2`` in a plan area names the second of these."""
    return [f for g in sheet_parts.get("problems", ()) for f in g.facts]


def answered_problems(group: FactGroup, problems: list[Fact]) -> list[Fact]:
    """The problems a plan group's ``answers`` names: by number, or by words in the problem or its area."""
    found: list[Fact] = []
    for answer in group.answers:
        if answer.isdigit():
            matches = [problems[int(answer) - 1]] if 1 <= int(answer) <= len(problems) else []
        else:
            matches = [p for p in problems if answer in p.text or answer == p.area]
        found += [m for m in matches if m not in found]
    return found


def _check_answers(parts: Mapping[Part, tuple[FactGroup, ...]], problems: list[str]) -> None:
    known = problem_facts(parts)
    for i, group in enumerate(parts.get("plans", ())):
        for answer in group.answers:
            if not answered_problems(FactGroup(None, (), answers=(answer,)), known):
                count = f"共 {len(known)} 条问题" if known else "没有写任何问题"
                problems.append(
                    f"parts.plans[{i}].answers: 找不到对应的问题“{answer}”（{count}；"
                    "写问题的序号，或问题里的几个字）"
                )


def _sheet_text(data: Mapping, name: str, problems: list[str]) -> str | None:
    value = data.get(name)
    if name == "date" and isinstance(value, dt.date):
        return format_date(value)  # YAML reads 2026-07-05 as a date
    if name == "date" and isinstance(value, str) and value.strip():
        parsed = parse_date(value)
        if parsed is None:
            problems.append(f"date: 无法识别的成文日期“{value.strip()}”，{DATE_HINT}")
            return None
        return format_date(parsed)
    if value is None:
        if name not in _OPTIONAL_FIELDS:
            problems.append(f"{name}: 必须填写")
        return None
    if not isinstance(value, str):
        hint = '（请加引号，如 "2026年上半年"）' if isinstance(value, int | float) else ""
        problems.append(f"{name}: 应为文字，实际是{type_name(value)}{hint}")
        return None
    if not value.strip():
        if name not in _OPTIONAL_FIELDS:
            problems.append(f"{name}: 不能为空")
        return None
    return " ".join(value.split())


def _count_facts(raw: Any) -> int:
    """How many fact texts ``parts`` holds, counted before any is parsed (malformed entries count 0)."""
    if not isinstance(raw, Mapping):
        return 0
    count = 0
    for groups in raw.values():
        for item in groups if isinstance(groups, list) else [groups]:
            if isinstance(item, Mapping):
                facts = item.get("facts")
                count += len(facts) if isinstance(facts, list) else 1
            else:
                count += 1
    return count


def _parse_parts(raw: Any, problems: list[str], limits: Limits) -> dict[Part, tuple[FactGroup, ...]]:
    if raw is None:
        problems.append("parts: 必须填写，至少写一条事实")
        return {}
    if not isinstance(raw, Mapping):
        problems.append(f"parts: 应为键值表（work、problems、plans……），实际是{type_name(raw)}")
        return {}
    parts: dict[Part, tuple[FactGroup, ...]] = {}
    for key, value in raw.items():
        part = PART_ALIASES.get(key, key) if isinstance(key, str) else key
        if part not in PARTS:
            problems.append(f"parts.{key}: 未知的部分，可用：{'、'.join(PARTS)}")
            continue
        if part in parts:
            problems.append(f"parts.{key}: 与 parts.{part} 重复")
            continue
        groups = _parse_groups(value, f"parts.{key}", part, problems, limits)
        if groups:
            parts[part] = groups
    if not problems and not any(g.facts for groups in parts.values() for g in groups):
        problems.append("parts: 没有任何事实，至少写一条")
    return {p: parts[p] for p in PARTS if p in parts}


def _parse_groups(
    raw: Any, where: str, part: Part, problems: list[str], limits: Limits
) -> tuple[FactGroup, ...]:
    if raw is None:
        return ()  # a part left empty on purpose: the draft gets a 【待补充】 placeholder
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(f"{where}: 应为列表，实际是{type_name(raw)}")
        return ()
    groups: list[FactGroup] = []
    loose: list[tuple[int, Any]] = []  # bare strings directly under the part: one group without area
    for i, item in enumerate(raw):
        if isinstance(item, Mapping):
            group = _parse_group(item, f"{where}[{i}]", part, len(groups), problems, limits)
            if group is not None:
                groups.append(group)
        else:
            loose.append((i, item))
    if loose:
        texts = [_fact_text(item, f"{where}[{i}]", problems, limits) for i, item in loose]
        index = len(groups)
        facts = tuple(Fact(f"{part}.{index}.{j}", t, part, None) for j, t in enumerate(x for x in texts if x))
        if facts:
            groups.append(FactGroup(None, facts))
    return tuple(groups)


def _parse_group(
    item: Mapping, where: str, part: Part, index: int, problems: list[str], limits: Limits
) -> FactGroup | None:
    known = ("area", "keyword", "heading", "answers", "facts") if part == "plans" else _GROUP_KEYS
    for key in item:
        if key not in known:
            problems.append(f"{where}.{key}: 未知字段，可用字段：{'、'.join(known)}")
    area = _optional_text(item.get("area"), f"{where}.area", problems)
    keyword = _optional_text(item.get("keyword"), f"{where}.keyword", problems)
    heading = _optional_text(item.get("heading"), f"{where}.heading", problems)
    answers = _answers(item.get("answers"), f"{where}.answers", problems)
    raw_facts = item.get("facts")
    if isinstance(raw_facts, str):
        raw_facts = [raw_facts]
    if not isinstance(raw_facts, list):
        problems.append(f"{where}.facts: 应为列表，实际是{type_name(raw_facts)}")
        return None
    if not raw_facts:
        problems.append(f"{where}.facts: 不能为空，至少写一条事实")
        return None
    texts = [_fact_text(f, f"{where}.facts[{j}]", problems, limits) for j, f in enumerate(raw_facts)]
    facts = tuple(Fact(f"{part}.{index}.{j}", t, part, area) for j, t in enumerate(x for x in texts if x))
    return FactGroup(area, facts, keyword=keyword, heading=heading, answers=answers) if facts else None


_GROUP_KEYS = ("area", "keyword", "heading", "facts")


def _answers(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    """``answers: 2``, ``answers: 户厕管护`` or a list of either, as texts."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and item >= 1:
            result.append(str(item))
        elif isinstance(item, str) and item.strip():
            result.append(" ".join(item.split()))
        else:
            problems.append(f"{where}: 应为问题的序号（1、2……）或问题里的几个字，实际是{type_name(item)}")
    return tuple(result)


def _optional_text(value: Any, where: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{where}: 应为文字，实际是{type_name(value)}")
        return None
    return " ".join(value.split()) or None


def _fact_text(value: Any, where: str, problems: list[str], limits: Limits) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: 应为文字，实际是{type_name(value)}")
        return None
    text = " ".join(value.split())
    if not text:
        problems.append(f"{where}: 不能是空的")
        return None
    if problem := too_long_fact(text, limits):
        problems.append(f"{where}: {problem}")
        return None
    return text


def facts_to_mapping(sheet: FactSheet) -> dict[str, Any]:
    """The sheet in the facts-file shape (what parse_facts_mapping reads back to an equal sheet)."""
    data: dict[str, Any] = {name: getattr(sheet, name) for name in SHEET_FIELDS if getattr(sheet, name)}
    if sheet.headings != "styled":
        data["headings"] = sheet.headings
    parts: dict[str, list[dict[str, Any]]] = {}
    for part, groups in sheet.parts.items():
        entries = []
        for group in groups:
            entry: dict[str, Any] = {}
            if group.area:
                entry["area"] = group.area
            if group.keyword:
                entry["keyword"] = group.keyword
            if group.heading:
                entry["heading"] = group.heading
            if group.answers:
                entry["answers"] = [int(a) if a.isdigit() else a for a in group.answers]
            entry["facts"] = [f.text for f in group.facts]
            entries.append(entry)
        parts[part] = entries
    data["parts"] = parts
    return data


__all__ = [
    "FactsError",
    "facts_to_mapping",
    "infer_next_period",
    "parse_facts_mapping",
]
