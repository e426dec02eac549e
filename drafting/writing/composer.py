"""The offline composer: a draft with no language model, from the writer's facts and the outline.

It lays each fact, verbatim, into the outline's own standard sentences and numbering. It never
sees past reports, so it cannot copy them, and its standard sentences hold no numbers or names
(the outline loader refuses them), so every number and name in its output comes from a fact.
Deterministic: the same sheet and outline always give the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from drafting.model import Draft, Fact, FactSheet, Outline, OutlinePart, Paragraph, Section
from drafting.outlines.outline import PART_LABELS, fill_pattern
from drafting.outlines.planning import (
    SectionSpec,
    chinese_ordinal,
    compose_title,
    find_part,
    plan_sections,
    slot_values,
)
from retrieval.documents import Part

MAX_AREAS_IN_OPENING = 5
_TRAILING = re.compile(r"[\s。；;，,、.!！?？:：]+$")
_ASCII_PUNCT = re.compile(r"(?<!\d)([,;])|([,;])(?!\d)")


def compose_addressee(outline: Outline, sheet: FactSheet) -> str | None:
    """The addressee line's body for outlines that need one ("市人力资源和社会保障局")."""
    if not outline.addressee:
        return None
    return sheet.addressee or "【待补充：主送机关】"


def compose_part_lead(outline: Outline, part: Part, sheet: FactSheet) -> Paragraph | None:
    """The sentence under a part heading, before its first area ("下半年，…重点抓好以下几个方面：").

    Only the work and plan parts have one, and only if the part has facts.
    """
    op = find_part(outline, part)
    if op is None or part not in ("work", "plans") or not sheet.parts.get(part):
        return None
    text = _pick(op, "lead", _values(sheet))
    return Paragraph(text) if text else None


def compose_section(spec: SectionSpec, sheet: FactSheet, outline: Outline) -> list[Paragraph]:
    """The body paragraphs of one section (its heading is ``spec.heading``, not included).

    Each paragraph records the ids of the facts it states.
    """
    values = _values(sheet, spec)
    op = spec.outline_part
    if spec.part == "opening":
        paragraphs = [_framed(op, values, spec.facts)]
    elif spec.part == "closing":
        paragraphs = [_framed(op, values, spec.facts, lead=False)]
    elif spec.part == "problems":
        paragraphs = [_problems(op, values, spec.facts)] if spec.facts else []
    else:
        paragraphs = [_area(spec, values)] if spec.facts else []
        if spec.facts and spec.index == spec.count - 1 and (end := _pick(op, "end", values)):
            paragraphs.append(Paragraph(end))
    paragraphs = [p for p in paragraphs if p.text]
    return paragraphs or [Paragraph(_missing(op, values))]


def compose_draft(outline: Outline, sheet: FactSheet) -> Draft:
    """A whole draft by the composer: every planned section, framed by ``assemble_draft``."""
    sections = []
    for spec in plan_sections(outline, sheet):
        paragraphs = compose_section(spec, sheet, outline)
        record = {"facts": [f.id for f in spec.facts], "outline": f"{outline.name}/{outline.version}"}
        sections.append(
            Section(spec.key, spec.part, spec.heading, spec.level, paragraphs, status="done", record=record)
        )
    return assemble_draft(outline, sheet, sections)


def assemble_draft(outline: Outline, sheet: FactSheet, sections: list[Section]) -> Draft:
    """Title block, part headings (with their lead sentences), the sections, signature.

    ``sections`` are the planned sections in plan order, however they were written; the work and
    plan parts get a header section (key "work"/"plans") holding the part heading and its lead
    sentence, ahead of their area sections.
    """
    part_headings = {s.key: s.part_heading for s in plan_sections(outline, sheet) if s.part_heading}
    present = {s.key for s in sections}
    assembled: list[Section] = []
    for section in sections:
        heading = part_headings.get(section.key)
        if heading and section.part not in present:
            lead = compose_part_lead(outline, section.part, sheet)
            assembled.append(
                Section(section.part, section.part, heading, 1, [lead] if lead else [], status="done")
            )
        assembled.append(section)
    return Draft(
        title=compose_title(outline, sheet),
        kind=outline.name,
        org=sheet.org,
        period=sheet.period,
        sections=assembled,
        addressee=compose_addressee(outline, sheet),
        greeting=outline.greeting,
        speaker=sheet.speaker,
        signature=None if outline.greeting else sheet.org,
        date=sheet.date,
    )


# ---------------------------------------------------------------- pieces


def _values(sheet: FactSheet, spec: SectionSpec | None = None) -> dict[str, str | None]:
    areas = [g.area for g in sheet.parts.get("work", ()) if g.area][:MAX_AREAS_IN_OPENING]
    values = {**slot_values(sheet), "areas": "、".join(areas) or None}
    if spec is not None:
        values |= {"area": spec.area, "keyword": spec.keyword}
    return values


def _pick(op: OutlinePart, key: str, values: Mapping[str, str | None], rotate: int = 0) -> str:
    """The first pattern of ``key`` whose slots all have values; ``rotate`` cycles among those."""
    fillable = [t for p in op.connectives.get(key, []) if (t := fill_pattern(p, values))]
    return fillable[rotate % len(fillable)] if fillable else ""


def _missing(op: OutlinePart, values: Mapping[str, str | None]) -> str:
    return _pick(op, "missing", values) or f"【待补充：{PART_LABELS[op.part]}】"


def clause(text: str) -> str:
    """A fact as a clause: trailing punctuation dropped, ASCII commas between words made Chinese."""
    text = _TRAILING.sub("", text.strip())
    return _ASCII_PUNCT.sub(lambda m: "，" if (m.group(1) or m.group(2)) == "," else "；", text)


def _sentences(facts: Iterable[Fact]) -> str:
    return "".join(clause(f.text) + "。" for f in facts)


def _enumerated(items: list[str]) -> str:
    """ "一是A。二是B。" for several items, "A。" for one."""
    if len(items) == 1:
        return items[0] + "。"
    return "".join(f"{chinese_ordinal(i + 1)}是{item}。" for i, item in enumerate(items))


def _framed(
    op: OutlinePart, values: Mapping[str, str | None], facts: tuple[Fact, ...], lead: bool = True
) -> Paragraph:
    """Opening and closing: standard lead, the part's own facts, standard end."""
    text = (_pick(op, "lead", values) if lead else "") + _sentences(facts) + _pick(op, "end", values)
    return Paragraph(text, fact_ids=[f.id for f in facts])


def _problems(op: OutlinePart, values: Mapping[str, str | None], facts: tuple[Fact, ...]) -> Paragraph:
    items: list[str] = []
    area_of_last: str | None = None
    for fact in facts:
        if fact.area and fact.area == area_of_last:
            items[-1] += "；" + clause(fact.text)
        elif fact.area:
            items.append(_pick(op, "area_lead", {**values, "area": fact.area}) + clause(fact.text))
        else:
            items.append(clause(fact.text))
        area_of_last = fact.area
    text = _pick(op, "lead", values) + _enumerated(items) + _pick(op, "end", values)
    return Paragraph(text, fact_ids=[f.id for f in facts])


def _area(spec: SectionSpec, values: Mapping[str, str | None]) -> Paragraph:
    op = spec.outline_part
    # Under a heading that already names the area, "在{area}方面，" would only repeat it.
    named_above = bool(spec.area and spec.heading and spec.area in spec.heading)
    lead = _pick(op, "area_lead", values, rotate=spec.index) if spec.area and not named_above else ""
    clauses = [clause(f.text) for f in spec.facts]
    if op.area_numbering in ("一是",) or (op.area_numbering == "none" and not spec.heading):
        number = (
            f"{chinese_ordinal(spec.index + 1)}是" if spec.count > 1 and op.area_numbering == "一是" else ""
        )
        text = number + lead + "；".join(clauses) + "。"
    else:
        text = lead + _enumerated(clauses)
    return Paragraph(text, fact_ids=[f.id for f in spec.facts])
