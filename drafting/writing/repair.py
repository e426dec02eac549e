"""Drafts that correct themselves: check a model-written section, ask again with the problems
listed, keep the best attempt, and fall back to the composer's grounded text when needed.

The check is the grounding check run on the section alone (its facts, the exemplars it was shown
as copy references). A section is asked again while it carries an unsupported number, name or
quote, a copy of a past report, or leaves one of its facts unused, at most ``max_attempts`` times.
The best attempt by the check wins (fewest numbers and copies first, then fewest flags; the later
attempt on a tie). If that attempt still has an unsupported number or a copy, the writer gets the
composer's text for the section instead, so an invented figure is never handed over as theirs; the
same when it holds nothing but 【待补充…】 placeholders and the composer has text for the section.
Facts the kept attempt still leaves out are added at the end of the section, stated as the writer
entered them (composer.compose_facts), so no fact is lost; the record names them. Every attempt,
with its text, flags and what normalisation removed from it, is kept on ``section.record["repair"]``;
the section's own removals are the kept attempt's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drafting.checking.grounding import KIND_LABELS, PLACEHOLDER, check_draft
from drafting.model import Draft, Fact, FactSheet, Flag, Outline, Paragraph, Removal, Section
from drafting.normalising.numbering import words_beyond_leads
from drafting.outlines.planning import SectionSpec, section_variables
from drafting.writing.chat import ChatError
from drafting.writing.composer import compose_facts, compose_section

if TYPE_CHECKING:
    from drafting.writing.templates import PromptLibrary
    from retrieval.documents import Passage

REPAIR_TEMPLATE = "repair"
PLACEHOLDER_ONLY = "只有待补充占位"  # why a section that was nothing but placeholders was replaced
REPAIR_KINDS = ("unsupported_number", "unsupported_quote", "unsupported_name", "verbatim_copy", "unused_fact")
FALLBACK_KINDS = ("unsupported_number", "verbatim_copy")  # never handed to the writer as theirs
ADVICE = {
    "unsupported_number": "本节事实中没有这个数字，删去，或改用本节事实中的原数字",
    "unsupported_quote": "本节事实中没有这段引号内容，删去引号内容，或改为事实原文",
    "unsupported_name": "本节事实中没有这个单位名称，删去，或改为事实中的单位",
    "verbatim_copy": "这句与往年材料一字不差，删去，或用本节事实和自己的话重写",
    "unused_fact": "这条事实没有写进正文，请写进去（数字和名称一字不改）",
}


@dataclass
class Answer:
    """One model answer after the normalisation stage."""

    text: str  # as the model sent it (continuation included)
    paragraphs: list[Paragraph]
    removals: list[Removal] = field(default_factory=list)
    finish: dict[str, object] = field(default_factory=dict)  # truncated / continued / complete


# Asks the model and normalises its answer; None when cancelled; raises ChatError on a refusal,
# an empty answer or an endpoint failure.
Ask = Callable[[list[dict[str, str]]], "Answer | None"]


@dataclass
class Attempt:
    number: int  # 0 is the first answer
    text: str
    paragraphs: list[Paragraph]
    flags: list[Flag]
    write_s: float = 0.0
    template_version: str | None = None
    error: str | None = None
    removals: list[Removal] = field(default_factory=list)
    finish: dict[str, object] = field(default_factory=dict)

    @property
    def score(self) -> tuple[int, int]:
        serious = sum(f.kind in FALLBACK_KINDS for f in self.flags)
        return serious, len(self.flags)

    def as_record(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "text": self.text,
            "flags": [{"kind": f.kind, "text": f.text, "detail": f.detail} for f in self.flags],
            "write_s": round(self.write_s, 4),
            "template_version": self.template_version,
            "error": self.error,
            "removals": [
                {"reason": r.reason, "text": r.text, "replacement": r.replacement} for r in self.removals
            ],
            "finish": self.finish,
        }


@dataclass
class RepairOutcome:
    paragraphs: list[Paragraph]
    outcome: str  # clean | repaired | unresolved | replaced
    attempts: list[Attempt] = field(default_factory=list)
    chosen: int = 0
    reasons: list[str] = field(default_factory=list)  # why it was replaced (kind labels)
    removals: list[Removal] = field(default_factory=list)  # the kept attempt's; none if replaced
    finish: dict[str, object] = field(default_factory=dict)
    added_facts: list[str] = field(default_factory=list)  # ids of facts added after the kept text

    def as_record(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "chosen": self.chosen,
            "reasons": self.reasons,
            "attempts": [a.as_record() for a in self.attempts],
            "added_facts": self.added_facts,
        }


def section_flags(
    paragraphs: Sequence[Paragraph],
    spec: SectionSpec,
    sheet: FactSheet,
    references: Sequence[Passage],
    outline: Outline | None = None,
) -> list[Flag]:
    """The check's flags that a repair can act on, for one section written alone."""
    section = Section(spec.key, spec.part, spec.heading, spec.level, list(paragraphs), status="done")
    draft = Draft(title="", kind=sheet.kind, org=sheet.org, period=sheet.period, sections=[section])
    own_facts = {f.id for f in spec.facts}
    flags = check_draft(draft, sheet, references, outline=outline).flags
    return [
        f
        for f in flags
        if f.kind in REPAIR_KINDS
        and (
            f.detail in own_facts
            if f.kind == "unused_fact"
            else f.section == spec.key and f.paragraph is not None
        )
    ]


def problems(flags: Sequence[Flag]) -> list[dict[str, str]]:
    """The flags as the repair template lists them, each problem once."""
    seen: set[tuple[str, str]] = set()
    listed = []
    for flag in flags:
        if (flag.kind, flag.text) in seen:
            continue
        seen.add((flag.kind, flag.text))
        listed.append({"label": KIND_LABELS[flag.kind], "text": flag.text, "advice": ADVICE[flag.kind]})
    return listed


@dataclass
class RepairLoop:
    """Runs the check-and-ask-again loop for one section."""

    prompts: PromptLibrary
    max_attempts: int
    template: str = REPAIR_TEMPLATE
    template_version: str | None = None
    on_attempt: Callable[[int, list[str]], None] | None = None  # (attempt number, problem kinds)

    def run(
        self,
        first: Answer,
        spec: SectionSpec,
        sheet: FactSheet,
        outline: Outline,
        references: Sequence[Passage],
        ask: Ask,
    ) -> RepairOutcome | None:
        """The paragraphs the section keeps and how they came about; None when cancelled."""

        def flags_of(paragraphs: list[Paragraph]) -> list[Flag]:
            return section_flags(paragraphs, spec, sheet, references, outline)

        attempts = [
            Attempt(
                0,
                first.text,
                first.paragraphs,
                flags_of(first.paragraphs),
                removals=first.removals,
                finish=first.finish,
            )
        ]
        while len(attempts) <= self.max_attempts:
            best = _best(attempts)
            if not best.flags:
                break
            started = time.monotonic()
            variables = section_variables(spec, sheet, outline) | {
                "previous": "\n\n".join(p.text for p in best.paragraphs),
                "problems": problems(best.flags),
            }
            rendered = self.prompts.render(self.template, variables, version=self.template_version)
            number = len(attempts)
            if self.on_attempt is not None:
                self.on_attempt(number, sorted({KIND_LABELS[f.kind] for f in best.flags}))
            try:
                answer = ask(list(rendered.messages))
                if answer is None:
                    return None
            except ChatError as exc:  # a failed retry costs that attempt only; the best so far stays
                attempts.append(
                    Attempt(number, "", [], [], time.monotonic() - started, rendered.version, str(exc))
                )
                continue
            attempts.append(
                Attempt(
                    number,
                    answer.text,
                    answer.paragraphs,
                    flags_of(answer.paragraphs),
                    time.monotonic() - started,
                    rendered.version,
                    removals=answer.removals,
                    finish=answer.finish,
                )
            )
        best = _best(attempts)
        if _only_placeholders(best.paragraphs):
            # Nothing but 【待补充…】 (a closing the model left open): the composer's standard text
            # gives the writer a section to edit instead of a hole, when it has one.
            composed = list(compose_section(spec, sheet, outline))
            if not _only_placeholders(composed):
                return RepairOutcome(composed, "replaced", attempts, best.number, [PLACEHOLDER_ONLY])
        if len(attempts) == 1 and not best.flags:
            return RepairOutcome(
                best.paragraphs, "clean", attempts, 0, removals=best.removals, finish=best.finish
            )
        serious = sorted({f.kind for f in best.flags if f.kind in FALLBACK_KINDS}, key=FALLBACK_KINDS.index)
        if serious:
            reasons = [KIND_LABELS[k] for k in serious]
            return RepairOutcome(
                list(compose_section(spec, sheet, outline)), "replaced", attempts, best.number, reasons
            )
        outcome = "repaired" if not best.flags else "unresolved"
        paragraphs, added = list(best.paragraphs), _still_unused(best.flags, spec)
        if added:
            paragraphs.append(compose_facts(added))
        return RepairOutcome(
            paragraphs,
            outcome,
            attempts,
            best.number,
            removals=best.removals,
            finish=best.finish,
            added_facts=[f.id for f in added],
        )


def _only_placeholders(paragraphs: Sequence[Paragraph]) -> bool:
    """Whether the text holds nothing but 【待补充…】 placeholders (and punctuation)."""
    return any(PLACEHOLDER.search(p.text) for p in paragraphs) and not any(
        words_beyond_leads(PLACEHOLDER.sub("", p.text)) for p in paragraphs
    )


def _still_unused(flags: Sequence[Flag], spec: SectionSpec) -> list[Fact]:
    unused = {f.detail for f in flags if f.kind == "unused_fact"}
    return [fact for fact in spec.facts if fact.id in unused]


def _best(attempts: Sequence[Attempt]) -> Attempt:
    usable = [a for a in attempts if a.error is None]
    return min(usable, key=lambda a: (a.score, -a.number))


def repair_note(section: Section) -> str:
    """What the repair loop did to a section, in Chinese for the writer; "" when nothing happened."""
    repair = section.record.get("repair") or {}
    attempts = repair.get("attempts") or []
    outcome = repair.get("outcome")
    if outcome in (None, "clean") or not attempts:
        return ""
    first = sorted({KIND_LABELS.get(f["kind"], f["kind"]) for f in attempts[0].get("flags", [])})
    found, asked = "、".join(first), len(attempts) - 1
    if outcome == "repaired":
        return f"核对发现{found}，已请模型按核对意见重写（{asked} 次），现已通过核对。"
    if outcome == "replaced" and repair.get("reasons") == [PLACEHOLDER_ONLY]:
        return "模型只写了“待补充”占位，本部分已换成离线模板稿（只用事实原文），请按需要修改。"
    if outcome == "replaced":
        why = "、".join(repair.get("reasons") or first)
        return f"模型稿含{why}，重写 {asked} 次仍未改正，本部分已换成离线模板稿（只用事实原文）。"
    chosen = attempts[repair.get("chosen", 0)] if repair.get("chosen", 0) < len(attempts) else attempts[-1]
    kinds = {f["kind"] for f in chosen.get("flags", [])}
    added = len(repair.get("added_facts") or [])
    if added:
        kinds.discard("unused_fact")
    left = "、".join(sorted(KIND_LABELS.get(k, k) for k in kinds))
    note = f"核对发现{found}，模型重写 {asked} 次后" + (
        f"仍有{left}，请人工核对。" if left else "其余问题已改正。"
    )
    if added:
        note += f"模型漏写的 {added} 条事实已按原文补在本部分末尾，请调整位置和措辞。"
    return note
