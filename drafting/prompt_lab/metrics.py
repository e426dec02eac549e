"""What one drafted case measures: facts kept, details invented, outline kept, length, copying.

Every figure is read off the finished draft and the case's expectations, so the same numbers
describe a composer draft, a stub draft and a real model's draft. Normalisation removals are
counted on the model-written sections, repairs (requests asking again) on the sections' repair
records; ``None`` means nothing was there to count (composer drafts are not normalised; repair off),
shown as "—", which is different from 0.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any

from drafting.checking.grounding import PLACEHOLDER, check_draft
from drafting.model import Draft
from drafting.prompt_lab.scoring import DraftingCase, draft_text

_SPACE = re.compile(r"\s+")


@dataclass
class CaseMetrics:
    """The measurements of one case drafted once (JSON-ready via ``asdict``)."""

    case_id: str
    group: str = "dev"
    error: str | None = None
    facts_expected: int = 0
    facts_found: int = 0
    forbidden_found: list[str] = field(default_factory=list)
    unsupported_number: int = 0
    unsupported_name: int = 0
    unsupported_quote: int = 0
    unused_fact: int = 0
    placeholders: int = 0
    parts_missing: list[str] = field(default_factory=list)
    headings_expected: int = 0
    headings_in_order: int = 0
    length: int = 0
    length_min: int | None = None
    length_max: int | None = None
    verbatim_copies: int = 0
    longest_shared_run: int = 0
    removals: int | None = None
    repairs: int | None = None
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    checks_passed: int = 0
    checks_total: int = 0
    failed_checks: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def coverage(self) -> float:
        return self.facts_found / self.facts_expected if self.facts_expected else 1.0

    @property
    def invented(self) -> int:
        """Unsupported numbers, names and quotes plus forbidden texts: the invented details."""
        return (
            self.unsupported_number
            + self.unsupported_name
            + self.unsupported_quote
            + len(self.forbidden_found)
        )

    @property
    def length_ok(self) -> bool:
        low = self.length_min if self.length_min is not None else 0
        high = self.length_max if self.length_max is not None else 10**9
        return self.error is None and low <= self.length <= high

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseMetrics:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def body_length(draft: Draft) -> int:
    """Characters of the sections' paragraphs, whitespace left out (headings and signature not counted)."""
    return sum(len(_SPACE.sub("", p.text)) for s in draft.sections for p in s.paragraphs)


def headings_in_order(expected: list[str], headings: list[str]) -> int:
    """How many of ``expected`` are found, in order, each in a later heading line than the last."""
    found, start = 0, 0
    for wanted in expected:
        for i in range(start, len(headings)):
            if wanted in headings[i]:
                found, start = found + 1, i + 1
                break
        else:
            break
    return found


def longest_shared_run(text: str, references: list[str]) -> int:
    """The longest run of characters (whitespace ignored) the draft shares with any reference."""
    own = _SPACE.sub("", text)
    best = 0
    for ref in references:
        other = _SPACE.sub("", ref)
        match = SequenceMatcher(None, own, other, autojunk=False).find_longest_match(
            0, len(own), 0, len(other)
        )
        best = max(best, match.size)
    return best


def measure(case: DraftingCase, draft: Draft, group: str = "dev", seconds: float = 0.0) -> CaseMetrics:
    """Every measurement of one drafted case against its expectations."""
    from drafting.prompt_lab.scoring import evaluate

    expect = case.expect
    text = draft_text(draft)
    counts = check_draft(draft, case.sheet, case.references).counts
    must = list(expect.get("must_include") or [])
    headings_expected = [str(h) for h in expect.get("headings") or []]
    headings = [s.heading for s in draft.sections if s.heading]
    length = expect.get("length") or {}
    present = {s.part for s in draft.sections if s.paragraphs or s.heading}
    metrics = CaseMetrics(
        case_id=case.id,
        group=group,
        facts_expected=len(must),
        facts_found=sum(s in text for s in must),
        forbidden_found=[s for s in expect.get("must_not_include") or [] if s in text],
        unsupported_number=counts.get("unsupported_number", 0),
        unsupported_name=counts.get("unsupported_name", 0),
        unsupported_quote=counts.get("unsupported_quote", 0),
        unused_fact=counts.get("unused_fact", 0),
        placeholders=len(PLACEHOLDER.findall(text)),
        parts_missing=[p for p in expect.get("parts") or [] if p not in present],
        headings_expected=len(headings_expected),
        headings_in_order=headings_in_order(headings_expected, headings),
        length=body_length(draft),
        length_min=int(length["min"]) if "min" in length else None,
        length_max=int(length["max"]) if "max" in length else None,
        verbatim_copies=counts.get("verbatim_copy", 0),
        longest_shared_run=longest_shared_run(text, [p.text for p in case.references]),
        removals=_removals(draft),
        repairs=_repairs(draft),
        seconds=round(seconds, 3),
        text=text,
    )
    for section in draft.sections:
        usage = section.record.get("usage") or {}
        metrics.prompt_tokens += int(usage.get("prompt_tokens", 0))
        metrics.completion_tokens += int(usage.get("completion_tokens", 0))
    checks = evaluate(case, draft)
    checks += _extra_checks(metrics)
    metrics.checks_total = len(checks)
    metrics.checks_passed = sum(c.passed for c in checks)
    metrics.failed_checks = [c.name for c in checks if not c.passed]
    return metrics


def _extra_checks(m: CaseMetrics) -> list[Any]:
    from drafting.prompt_lab.scoring import Check

    checks = []
    if m.headings_expected:
        checks.append(
            Check(
                f"小标题依次出现 {m.headings_in_order}/{m.headings_expected}",
                m.headings_in_order == m.headings_expected,
            )
        )
    if m.length_min is not None or m.length_max is not None:
        checks.append(
            Check(f"字数 {m.length} 在 {m.length_min or 0}–{m.length_max or '∞'} 之间", m.length_ok)
        )
    return checks


def _removals(draft: Draft) -> int | None:
    # Only a model's answers go through normalisation; a section the repair loop replaced with the
    # composer's text still counts (its removals are its kept attempt's, none).
    written = [s for s in draft.sections if s.mode.startswith("llm:") or s.record.get("repair")]
    if not written:
        return None
    return sum(len(s.removals) for s in written)


def _repairs(draft: Draft) -> int | None:
    # The repair loop keeps every attempt under section.record["repair"]["attempts"] when it ran;
    # the first attempt is the model's own answer, the rest are repairs.
    records = [s.record.get("repair") for s in draft.sections if s.record.get("repair")]
    if not records:
        return None
    return sum(max(0, len(r.get("attempts") or []) - 1) for r in records if isinstance(r, dict))


def failed_metrics(case: DraftingCase, group: str, error: str, seconds: float) -> CaseMetrics:
    """A case that could not be drafted: every check counts as failed."""
    return CaseMetrics(
        case_id=case.id,
        group=group,
        error=error,
        facts_expected=len(case.expect.get("must_include") or []),
        seconds=round(seconds, 3),
        checks_total=1,
        failed_checks=["起草成功"],
    )
