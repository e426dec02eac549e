"""The offline composer: a draft with no language model, from the writer's facts and the outline.

It lays each fact, verbatim, into the outline's standard sentences: a lead sentence per area,
facts that belong together joined into sentences, an effect sentence where a fact states an
effect, plans that name the problems they answer, and the body's own self-reference and
leadership wording (prompts/bodies.yaml). It never sees past reports, so it cannot copy them,
and its standard sentences hold no numbers or names (the loaders refuse them), so every number
and name in its output comes from a fact.

Standard sentences are chosen for the whole report at once, in reading order, so none is used
twice; a section composed alone gets the same text it has in the whole draft. Deterministic:
the same sheet and outline always give the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from drafting.facts.dates import DATE_PLACEHOLDER
from drafting.model import Draft, Fact, FactSheet, Outline, OutlinePart, Paragraph, Section
from drafting.outlines.outline import PART_LABELS, fill_pattern
from drafting.outlines.planning import (
    SectionSpec,
    chinese_ordinal,
    compose_title,
    find_part,
    plan_sections,
    register_of,
    slot_values,
)
from drafting.outlines.register import Register
from drafting.writing.prose import (
    clause,
    effect_led,
    join_clauses,
    match_answers,
    problem_label,
    problems_named,
    states_effect,
)
from retrieval.documents import Part

MAX_AREAS_IN_OPENING = 5

__all__ = [
    "assemble_draft",
    "clause",
    "compose_addressee",
    "compose_draft",
    "compose_part_lead",
    "compose_section",
    "compose_title",
]


def compose_addressee(outline: Outline, sheet: FactSheet) -> str | None:
    """The addressee line's body for outlines that need one ("市人力资源和社会保障局")."""
    if not outline.addressee:
        return None
    return sheet.addressee or "【待补充：主送机关】"


def compose_part_lead(outline: Outline, part: Part, sheet: FactSheet) -> Paragraph | None:
    """The sentence under a part heading, before its first area ("下半年，…重点抓好以下几个方面：").

    Only the work and plan parts have one, and only if the part has facts. With problems given,
    the plan part's lead names them ("针对…等问题，…").
    """
    text = _compose(outline, sheet).part_leads.get(part, "")
    return Paragraph(text) if text else None


def compose_section(spec: SectionSpec, sheet: FactSheet, outline: Outline) -> list[Paragraph]:
    """The body paragraphs of one section (its heading is ``spec.heading``, not included).

    Each paragraph records the ids of the facts it states.
    """
    composed = _compose(outline, sheet).sections.get(spec.key)
    if composed is None:  # a spec planned differently from this sheet's plan: compose it alone
        composed = _Composer(outline, sheet).section(spec)
    return [Paragraph(p.text, fact_ids=list(p.fact_ids)) for p in composed]


def compose_facts(facts: Sequence[Fact]) -> Paragraph:
    """Facts stated plainly as one paragraph, for what a model-written section left out."""
    return Paragraph(join_clauses([clause(f.text) for f in facts]), fact_ids=[f.id for f in facts])


def compose_draft(outline: Outline, sheet: FactSheet) -> Draft:
    """A whole draft by the composer: every planned section, framed by ``assemble_draft``."""
    composed = _compose(outline, sheet)
    sections = []
    for spec in composed.specs:
        paragraphs = composed.sections[spec.key]
        record = {
            "facts": [f.id for f in spec.facts],
            "outline": f"{outline.name}/{outline.version}",
            "stock": composed.stock.get(spec.key, []),
        }
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
    signature = None if outline.greeting else sheet.org
    return Draft(
        title=compose_title(outline, sheet),
        kind=outline.name,
        org=sheet.org,
        period=sheet.period,
        sections=assembled,
        addressee=compose_addressee(outline, sheet),
        greeting=outline.greeting,
        speaker=sheet.speaker,
        signature=signature,
        # A report's 成文日期 sits under the signature; a missing one is a visible gap to fill.
        date=sheet.date or (DATE_PLACEHOLDER if signature else None),
    )


# ---------------------------------------------------------------- the whole report at once


@dataclass
class _Composed:
    specs: list[SectionSpec]
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)
    part_leads: dict[str, str] = field(default_factory=dict)
    stock: dict[str, list[str]] = field(default_factory=dict)  # section key → "part.key[i]" used


def _compose(outline: Outline, sheet: FactSheet) -> _Composed:
    composer = _Composer(outline, sheet)
    composed = _Composed(plan_sections(outline, sheet))
    for spec in composed.specs:
        if spec.part in ("work", "plans") and spec.index == 0:
            composed.part_leads[spec.part] = composer.part_lead(spec.outline_part)
        composer.spent_here = []
        composed.sections[spec.key] = composer.section(spec)
        composed.stock[spec.key] = composer.spent_here
    return composed


class _Composer:
    """Writes sections in reading order, spending each standard sentence at most once."""

    def __init__(self, outline: Outline, sheet: FactSheet) -> None:
        self.outline = outline
        self.sheet = sheet
        self.register: Register = register_of(outline)
        self.values = slot_values(sheet, outline)
        areas = [g.area for g in sheet.parts.get("work", ()) if g.area][:MAX_AREAS_IN_OPENING]
        self.values["areas"] = "、".join(areas) or None
        problems = [f for g in sheet.parts.get("problems", ()) for f in g.facts]
        self.values["problems"] = problems_named(problems)
        self.answers = match_answers(sheet, self.register)
        self.spent: set[str] = set()  # patterns used: each once per report, whatever part or key
        self.spent_here: list[str] = []

    def pick(
        self, op: OutlinePart, key: str, extra: Mapping[str, str | None] | None = None, rotate: int = 0
    ) -> str:
        """The first unspent pattern of ``key`` whose slots all have values, starting at ``rotate``."""
        patterns = op.connectives.get(key, [])
        values = {**self.values, **(extra or {})}
        for step in range(len(patterns)):
            index = (rotate + step) % len(patterns)
            pattern = patterns[index]
            if pattern in self.spent or not (text := fill_pattern(pattern, values)):
                continue
            if key != "missing":
                self.spent.add(pattern)
            self.spent_here.append(f"{op.part}.{key}[{index}]")
            return text
        return ""

    def part_lead(self, op: OutlinePart) -> str:
        if not self.sheet.parts.get(op.part):
            return ""
        if op.part == "plans" and self.values["problems"]:
            return self.pick(op, "answer_lead") or self.pick(op, "lead")
        return self.pick(op, "lead")

    def section(self, spec: SectionSpec) -> list[Paragraph]:
        op = spec.outline_part
        if spec.part in ("opening", "closing"):
            lead = self.pick(op, "lead") if spec.part == "opening" else ""
            paragraphs = [self.framed(op, lead, spec.facts)]
        elif spec.part == "problems":
            paragraphs = [self.problems(op, spec.facts)] if spec.facts else []
        else:
            paragraphs = [self.area(spec)] if spec.facts else []
            if spec.facts and spec.index == spec.count - 1 and (end := self.pick(op, "end")):
                paragraphs.append(Paragraph(end))
        paragraphs = [p for p in paragraphs if p.text]
        return paragraphs or [Paragraph(self.pick(op, "missing") or f"【待补充：{PART_LABELS[op.part]}】")]

    def framed(self, op: OutlinePart, lead: str, facts: tuple[Fact, ...]) -> Paragraph:
        """Opening and closing: standard lead, the part's own facts, standard end."""
        body = "".join(clause(f.text) + "。" for f in facts)
        return Paragraph(lead + body + self.pick(op, "end"), fact_ids=[f.id for f in facts])

    def problems(self, op: OutlinePart, facts: tuple[Fact, ...]) -> Paragraph:
        items: list[str] = []
        area_of_last: str | None = None
        for fact in facts:
            if fact.area and fact.area == area_of_last:
                items[-1] += "；" + clause(fact.text)
            elif fact.area:
                items.append(
                    self.pick(op, "area_lead", {"area": fact.area}, rotate=len(items)) + clause(fact.text)
                )
            else:
                items.append(clause(fact.text))
            area_of_last = fact.area
        text = self.pick(op, "lead") + _enumerated(items) + self.pick(op, "end")
        return Paragraph(text, fact_ids=[f.id for f in facts])

    def area(self, spec: SectionSpec) -> Paragraph:
        """An area: its lead (or the problem it answers), its facts joined into sentences, and,
        where facts state an effect, a closing effect sentence."""
        op = spec.outline_part
        group_index = int(spec.key.partition(":")[2] or 0)
        lead = ""
        answered = self.answers.get(group_index) if spec.part == "plans" else None
        if answered is not None:
            lead = self.pick(op, "answer", {"problem": problem_label(answered)}, rotate=spec.index)
        if not lead and spec.area:
            lead = self.pick(op, "area_lead", {"area": spec.area}, rotate=spec.index)
        facts = list(spec.facts)
        effects: list[Fact] = []
        if spec.part == "work":
            effects = [f for f in facts if effect_led(f, self.register)]
            actions = [f for f in facts if f not in effects]
            if not actions:  # nothing done to credit the effect to: state the facts plainly
                actions, effects = effects, []
            # A fact that ends in its effect ("建成基地3个，带动农户增收") closes the actions.
            actions.sort(key=lambda f: states_effect(f, self.register))
            facts = actions
        text = join_clauses([clause(f.text) for f in facts], lead)
        if effects:
            text += join_clauses(
                [clause(f.text) for f in effects], self.pick(op, "effect", rotate=spec.index)
            )
        if op.area_numbering == "一是" and spec.count > 1:
            text = f"{chinese_ordinal(spec.index + 1)}是" + text
        ordered = facts + effects
        return Paragraph(text, fact_ids=[f.id for f in ordered])


def _enumerated(items: list[str]) -> str:
    """ "一是A。二是B。" for several items, "A。" for one."""
    if len(items) == 1:
        return items[0] + "。"
    return "".join(f"{chinese_ordinal(i + 1)}是{item}。" for i, item in enumerate(items))


def find_outline_part(outline: Outline, part: Part) -> OutlinePart | None:
    return find_part(outline, part)
