"""The section plan: which sections a draft has, in outline order, with their headings and facts.

A section is the unit of generation: the opening, one area of the work part, the problems, one
area of the plan part, the closing. Part headings ("一、2026年上半年工作开展情况") are level 1;
area headings ("（一）干部教育培训") level 2; areas numbered inline ("一是……") have no heading.
A required part with no facts still gets a section, which the writer sees as 【待补充：…】.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drafting.model import Fact, FactGroup, FactSheet, Outline, OutlinePart
from drafting.outlines.bodies import describe_body
from drafting.outlines.headings import PLAIN, styled_titles
from drafting.outlines.outline import PART_LABELS, fill_pattern
from drafting.outlines.register import Register, default_register
from retrieval.documents import Part, Passage

_CN_DIGITS = "零一二三四五六七八九"
NEXT_PERIOD_FALLBACK = "下一阶段"  # when the sheet gives no next period and none can be inferred
HEADED_NUMBERINGS = ("（一）", "1.", "突出一个")  # area styles that give each area its own heading
_SLOT_LABELS = {"org": "单位", "period": "时期", "next_period": "下一时期", "next_period_short": "下一时期"}
_SLOT_LABELS |= {"speaker": "讲话人"}
_SLOT_LABELS |= {"addressee": "主送机关"}
_HEADING_NUMBER = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d{1,2}[.、．](?!\d))\s*"
)


@dataclass(frozen=True)
class SectionSpec:
    """What one section must say. ``heading`` is the section's own heading ("" for none).

    ``part_heading`` is set on the first section of a part whose level-1 heading is not the
    section's own (the work and plan parts): the assembler puts it, then the part's lead
    sentence (composer.compose_part_lead), above this section's heading.
    """

    key: str  # "opening", "work:0", "problems", "plans:1", "closing"
    part: Part
    heading: str
    level: int  # 1 part heading, 2 area heading, 0 none
    area: str | None
    facts: tuple[Fact, ...]
    outline_part: OutlinePart
    index: int = 0  # position among its part's sections
    count: int = 1  # how many sections its part has
    keyword: str | None = None  # the X of "突出一个“X”字"
    part_heading: str = ""


def chinese_ordinal(n: int) -> str:
    """一, 二, … 十, 十一, … 九十九 for 1 ≤ n < 100."""
    if not 1 <= n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def slot_values(sheet: FactSheet, outline: Outline | None = None) -> dict[str, str | None]:
    """The values of the {slots} in outline patterns, from the sheet (and the outline's register:
    {self} 我局, {superior} 县委、县政府, {led_by} 在县委、县政府的坚强领导下)."""
    next_period = sheet.next_period or infer_next_period(sheet.period) or NEXT_PERIOD_FALLBACK
    body = describe_body(sheet.org, register_of(outline), sheet.superior)
    return {
        "org": sheet.org,
        "period": sheet.period,
        "next_period": next_period,
        "next_period_short": short_next_period(sheet.period, next_period),
        "addressee": sheet.addressee,
        "speaker": sheet.speaker,
        "self": body.self_name,
        "superior": body.superior,
        "led_by": body.led_by,
    }


def compose_title(outline: Outline, sheet: FactSheet) -> str:
    """The sheet's own title, else the outline's title pattern filled (a missing slot → 【待补充】)."""
    if sheet.title:
        return sheet.title
    return outline.title_pattern.format_map(_Placeholders(slot_values(sheet, outline)))


class _Placeholders(dict):
    def __init__(self, values: Mapping[str, str | None]) -> None:
        super().__init__({k: v for k, v in values.items() if v})

    def __missing__(self, key: str) -> str:
        return f"【待补充：{_SLOT_LABELS.get(key, key)}】"


def infer_next_period(period: str) -> str | None:
    """The period after ``period``: 2026年上半年 → 2026年下半年, 2025年 → 2026年, 第四季度 → next 第一季度."""
    text = period.strip()
    if m := re.fullmatch(r"(\d{4})年上半年", text):
        return f"{m.group(1)}年下半年"
    if m := re.fullmatch(r"(\d{4})年下半年", text):
        return f"{int(m.group(1)) + 1}年上半年"
    if m := re.fullmatch(r"(\d{4})年(?:度|全年)?", text):
        return f"{int(m.group(1)) + 1}年"
    quarters = "一二三四"
    if m := re.fullmatch(r"(\d{4})年第?([一二三四1-4])季度", text):
        year, q = int(m.group(1)), m.group(2)
        index = quarters.index(q) if q in quarters else int(q) - 1
        return f"{year}年第{quarters[index + 1]}季度" if index < 3 else f"{year + 1}年第一季度"
    return None


def register_of(outline: Outline | None) -> Register:
    """The register tables loaded with ``outline``, or the packaged ones."""
    register = getattr(outline, "register", None)
    return register if isinstance(register, Register) else default_register()


def short_next_period(period: str, next_period: str) -> str:
    """The next period without the year it shares with ``period``: 2026年下半年 → 下半年.

    "2026年上半年工作总结和下半年工作计划" is how titles are written; a different year stays.
    """
    year = re.match(r"\d{4}年", period)
    if year and next_period.startswith(year.group(0)) and len(next_period) > len(year.group(0)):
        return next_period[len(year.group(0)) :]
    return next_period


def find_part(outline: Outline, part: Part) -> OutlinePart | None:
    return next((p for p in outline.parts if p.part == part), None)


def part_heading(outline: Outline, part: Part, sheet: FactSheet, index: int) -> str:
    """A part's level-1 heading, e.g. "一、2026年上半年工作开展情况"; "" if the part has none.

    ``index`` is the 0-based position among the draft's numbered parts (0 → "一、").
    """
    outline_part = find_part(outline, part)
    if outline_part is None or not outline_part.heading:
        return ""
    text = fill_pattern(outline_part.heading, slot_values(sheet)) or outline_part.heading
    return f"{chinese_ordinal(index + 1)}、{text}" if outline_part.numbered else text


def area_heading(
    outline_part: OutlinePart,
    number: int,
    group: FactGroup,
    sheet: FactSheet,
    title: str | None = None,
    outline: Outline | None = None,
) -> str:
    """An area's heading with its number, e.g. "（一）扎实开展干部教育培训"; "" for inline styles.

    The writer's own ``heading`` is used as written; otherwise the outline's area_heading pattern,
    whose {area_title} is ``title`` (the register heading) or the bare area name.
    """
    if outline_part.area_numbering not in HEADED_NUMBERINGS or not group.area:
        return ""
    if group.heading:
        text = strip_heading_number(group.heading)
    else:
        values = {**slot_values(sheet, outline), "area": group.area, "keyword": group.keyword}
        values["area_title"] = title or group.area
        patterns = outline_part.connectives.get("area_heading") or ["{area}"]
        text = next((t for p in patterns if (t := fill_pattern(p, values))), group.area)
    if outline_part.area_numbering == "1.":
        return f"{number}.{text}"
    return f"（{chinese_ordinal(number)}）{text}"


def strip_heading_number(text: str) -> str:
    """A writer's heading without the number the draft adds itself ("（一）" "1." "一、")."""
    return _HEADING_NUMBER.sub("", text.strip()).strip() or text.strip()


def plan_sections(outline: Outline, sheet: FactSheet) -> list[SectionSpec]:
    """The sections of a draft of ``sheet`` following ``outline``, in outline order."""
    specs: list[SectionSpec] = []
    numbered = 0
    spent: set[str] = set()  # heading patterns used so far: none twice in a report
    for op in outline.parts:
        groups = sheet.parts.get(op.part, ())
        if not groups and not op.required:
            continue
        heading = part_heading(outline, op.part, sheet, numbered)
        if op.heading and op.numbered:
            numbered += 1
        if op.part in ("work", "plans"):
            specs.extend(_area_sections(op, groups, heading, sheet, outline, spent))
            continue
        facts = tuple(f for g in groups for f in g.facts)
        specs.append(SectionSpec(op.part, op.part, heading, 1 if heading else 0, None, facts, op))
    return specs


def _area_sections(
    op: OutlinePart,
    groups: Sequence[FactGroup],
    heading: str,
    sheet: FactSheet,
    outline: Outline,
    spent: set[str],
) -> list[SectionSpec]:
    if not groups:
        return [SectionSpec(f"{op.part}:0", op.part, "", 0, None, (), op, part_heading=heading)]
    titles: list[str | None] = [None] * len(groups)
    if sheet.headings != PLAIN and op.area_numbering in HEADED_NUMBERINGS:
        styled = [None if g.heading else g.area for g in groups]
        titles = styled_titles(op.part, styled, register_of(outline), spent)
    specs = []
    headed = 0
    for i, group in enumerate(groups):
        own = ""
        if group.area and op.area_numbering in HEADED_NUMBERINGS:
            headed += 1
            own = area_heading(op, headed, group, sheet, titles[i], outline)
        specs.append(
            SectionSpec(
                key=f"{op.part}:{i}",
                part=op.part,
                heading=own,
                level=2 if own else 0,
                area=group.area,
                facts=group.facts,
                outline_part=op,
                index=i,
                count=len(groups),
                keyword=group.keyword,
                part_heading=heading if i == 0 else "",
            )
        )
    return specs


def numbering_rule(spec: SectionSpec) -> str:
    """How the section's text is numbered, in words for the model."""
    op = spec.outline_part
    if spec.heading:
        return (
            f"本节标题“{spec.heading}”由系统另行添加，正文直接从内容写起，不要重复标题，不要加（一）1.等编号；"
            "内容有几项时用“一是……二是……”分述。"
        )
    if spec.part in ("work", "plans") and op.area_numbering == "一是" and spec.count > 1:
        lead = f"{chinese_ordinal(spec.index + 1)}是"
        return (
            f"本节是本部分的第{chinese_ordinal(spec.index + 1)}项，正文以“{lead}”开头，写成一段，不加标题。"
        )
    if spec.part == "problems":
        return "问题有几条时用“一是……二是……”分条写，写成一段或几段，不加小标题。"
    return "不加标题和编号，直接写正文。"


def section_variables(
    spec: SectionSpec, sheet: FactSheet, outline: Outline, exemplars: Sequence[Passage] = ()
) -> dict[str, Any]:
    """The variables of the "section" prompt template for one section."""
    op = spec.outline_part
    low, high = op.length
    if spec.count > 1:  # the outline's length is for the whole part
        low, high = low // spec.count, max(high // spec.count, 1)
    values = slot_values(sheet, outline)
    return {
        "report_label": outline.label,
        "title": compose_title(outline, sheet),
        "org": sheet.org,
        # How the body names itself after its first mention and whose leadership it works under
        # (prompts/bodies.yaml, or the sheet's superior): "我局", "在县委、县政府的坚强领导下".
        "self_name": values["self"],
        "superior": values["superior"],
        "led_by": values["led_by"],
        "period": sheet.period,
        "next_period": values["next_period"],
        "part": spec.part,
        "part_label": PART_LABELS[spec.part],
        "heading": spec.heading,
        "area": spec.area or "",
        "requirements": op.must_contain,
        "length_min": low,
        "length_max": high,
        "numbering_rule": numbering_rule(spec),
        "facts": [{"id": f.id, "text": f.text, "area": f.area or ""} for f in spec.facts],
        "exemplars": [
            {
                "id": p.id.replace('"', "'"),
                "source": p.source.replace('"', "'"),
                "title": p.title,
                "heading": p.heading,
                "text": p.text,
            }
            for p in exemplars
        ],
    }
