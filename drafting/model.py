"""Domain types of the drafting engine. Plain dataclasses; no openai/langchain/docx objects.

A report draft is a list of sections. A section is the unit of generation: the opening, one
area of the work part, the problems, one area of the plan part, the closing. Each section holds
paragraphs, and each paragraph records the facts and past passages it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from retrieval.documents import Part

# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    id: str  # stable within a fact sheet: "work.0.1" = part, area index, fact index
    text: str
    part: Part
    area: str | None = None


@dataclass(frozen=True)
class FactGroup:
    area: str | None
    facts: tuple[Fact, ...]
    keyword: str | None = None  # the X of a quarterly report's "突出一个“X”字" highlight
    heading: str | None = None  # the writer's own subheading for this area (numbering added by the draft)
    answers: tuple[str, ...] = ()  # plans only: the problems this area answers (1-based number or words)


@dataclass(frozen=True)
class FactSheet:
    """This period's facts, as the writer gave them."""

    kind: str  # an outline's name, e.g. "half-year"
    org: str
    period: str  # "2026年上半年"
    next_period: str | None = None
    title: str | None = None  # overrides the outline's title pattern
    addressee: str | None = None  # for reports to a superior: "市卫生健康委员会"
    speaker: str | None = None  # for speeches
    date: str | None = None  # "2026年7月5日"
    parts: dict[Part, tuple[FactGroup, ...]] = field(default_factory=dict)
    superior: str | None = None  # who leads the body ("市国资委党委"), overriding prompts/bodies.yaml
    headings: str = "styled"  # area subheadings: "styled" in the register, "plain" = the area's name

    def all_facts(self) -> list[Fact]:
        return [f for groups in self.parts.values() for g in groups for f in g.facts]


# ---------------------------------------------------------------- outlines


@dataclass(frozen=True)
class OutlinePart:
    part: Part
    heading: str  # a pattern such as "{period}工作开展情况"; "" for parts without a heading
    numbered: bool  # whether the part heading takes 一、二、…
    area_numbering: Literal["（一）", "1.", "一是", "突出一个", "none"]
    must_contain: str  # what the part must say, for writers and for the prompt
    length: tuple[int, int]  # usual length in characters (min, max)
    required: bool = True
    connectives: dict[str, list[str]] = field(default_factory=dict)  # composer sentence patterns
    # Whether a model may give this part's sections sub-headings of their own; otherwise the
    # headings and lists it writes become prose ("一是……二是……").
    subheadings: bool = False


@dataclass(frozen=True)
class Outline:
    name: str  # "half-year"
    label: str  # "半年工作总结和下半年工作计划"
    title_pattern: str  # "{org}{period}工作总结和{next_period}工作计划"
    parts: tuple[OutlinePart, ...]
    addressee: bool = False
    greeting: str | None = None  # "同志们："
    version: str = "1"
    description: str = ""
    genre: str = ""  # 总结 / 报告 / 讲话: whose set formulas (prompts/register.yaml) the outline may use
    # The register tables loaded beside the outline (drafting.outlines.register.Register); None means
    # the packaged ones. Typed loosely so the domain types do not import the outlines stage.
    register: Any = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------- drafts


@dataclass(frozen=True)
class PassageRef:
    """A past passage a paragraph leans on (for style), with the span that matched."""

    passage_id: str
    source: str
    start: int
    end: int


@dataclass
class Paragraph:
    text: str
    kind: Literal["heading", "body"] = "body"
    level: int = 0  # heading level 1-4; 0 for body
    fact_ids: list[str] = field(default_factory=list)
    passages: list[PassageRef] = field(default_factory=list)


FlagKind = Literal[
    "unsupported_number",
    "unsupported_quote",
    "unsupported_name",
    "verbatim_copy",
    "placeholder",
    "unused_fact",
    "missing_part",
]


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    text: str  # the offending span, or the unused fact's text
    section: str | None = None  # section key
    paragraph: int | None = None  # index within the section
    start: int | None = None  # offsets within the paragraph text
    end: int | None = None
    detail: str = ""  # e.g. the source passage id of a verbatim copy, or a fact id


@dataclass(frozen=True)
class Removal:
    """Something the answer-normalisation stage took out of, or changed in, a model's answer.

    ``reason`` is a habit code (see drafting.normalising.REASON_LABELS); ``replacement`` is what
    the text became, "" when it was dropped. Kept on the section so a reviewer sees every edit.
    """

    reason: str
    text: str
    replacement: str = ""


@dataclass
class Section:
    key: str  # "opening", "work:0", "problems", "plans:1", "closing"
    part: Part
    heading: str  # "" when the section has no heading of its own
    level: int
    paragraphs: list[Paragraph] = field(default_factory=list)
    mode: str = "composer"  # "composer" or "llm:<model>"
    status: Literal["pending", "done", "failed"] = "pending"
    error: str | None = None
    record: dict[str, Any] = field(
        default_factory=dict
    )  # prompt, template version, passage ids, timings, usage, finish (truncated/continued)
    removals: list[Removal] = field(default_factory=list)  # what normalisation took out or changed


@dataclass
class Draft:
    title: str
    kind: str
    org: str
    period: str
    sections: list[Section] = field(default_factory=list)
    addressee: str | None = None
    greeting: str | None = None
    speaker: str | None = None
    signature: str | None = None
    date: str | None = None
    flags: list[Flag] = field(default_factory=list)
    id: str | None = None
    version: int | None = None
