"""Scoring prompt-template versions against the fixed drafting cases in corpus/eval/drafting_cases.

A case is a fact sheet, the past passages handed to the model as references, and what the draft
must satisfy (texts it must and must not contain, grounding-flag limits, parts present). Each
template version drafts every case through the real pipeline — the configured chat model, or the
offline composer as baseline — and each expectation is one check that passes or fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from drafting.checking.grounding import check_draft
from drafting.facts.sheet import parse_facts_mapping
from drafting.model import Draft, FactSheet
from drafting.writing.pipeline import DraftingPipeline
from retrieval.documents import PARTS, Passage, SearchFilters, SearchHit


class CaseError(ValueError):
    """A drafting case file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class DraftingCase:
    id: str
    description: str
    sheet: FactSheet
    references: tuple[Passage, ...]
    expect: dict[str, Any]


@dataclass(frozen=True)
class Check:
    name: str  # e.g. "包含“3期”", "unsupported_number ≤ 0"
    passed: bool


@dataclass
class CaseResult:
    case_id: str
    version: str
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)


def load_cases(directory: Path) -> list[DraftingCase]:
    """Every *.yaml case in the folder, sorted by file name."""
    cases = [_load_case(path) for path in sorted(directory.glob("*.yaml"))]
    if not cases:
        raise CaseError(f"{directory}: 没有找到评测用例（*.yaml）")
    return cases


def _load_case(path: Path) -> DraftingCase:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CaseError(f"{path.name}: 无法读取：{exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise CaseError(f"{path.name}: 缺少 facts")
    try:
        sheet = parse_facts_mapping(data["facts"])
    except ValueError as exc:
        raise CaseError(f"{path.name}: facts 有误：{exc}") from exc
    references = tuple(_reference(path.name, i, r) for i, r in enumerate(data.get("references") or []))
    return DraftingCase(
        id=str(data.get("id") or path.stem),
        description=str(data.get("description") or ""),
        sheet=sheet,
        references=references,
        expect=dict(data.get("expect") or {}),
    )


def _reference(file_name: str, index: int, raw: Any) -> Passage:
    if not isinstance(raw, dict) or not str(raw.get("text") or "").strip():
        raise CaseError(f"{file_name}: references[{index}] 需要 text")
    part = raw.get("part", "work")
    if part not in PARTS:
        raise CaseError(f"{file_name}: references[{index}].part 应为 {'/'.join(PARTS)} 之一")
    text = str(raw["text"])
    return Passage(
        id=str(raw.get("id") or f"ref:{index}"),
        doc_id=str(raw.get("id") or f"ref:{index}").split(":")[0],
        text=text,
        source=str(raw.get("source") or "参考材料"),
        title=str(raw.get("title") or ""),
        period=None,
        year=None,
        org=None,
        kind="other",
        part=part,
        heading="",
        start=0,
        end=len(text),
    )


class CaseReferences:
    """Serves a case's references as the pipeline's exemplars, by part, in file order."""

    def __init__(self, references: Sequence[Passage]) -> None:
        self._references = list(references)

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 5) -> list[SearchHit]:
        part = filters.part if filters else None
        chosen = [p for p in self._references if part in (None, p.part)]
        return [SearchHit(p, 1.0) for p in chosen[:k]]


def draft_text(draft: Draft) -> str:
    lines = [draft.title, draft.addressee or "", draft.greeting or ""]
    for section in draft.sections:
        lines += [section.heading, *(p.text for p in section.paragraphs)]
    return "\n".join(line for line in lines if line)


def evaluate(case: DraftingCase, draft: Draft) -> list[Check]:
    """Each expectation of the case as one check on the draft."""
    text = draft_text(draft)
    counts = check_draft(draft, case.sheet, case.references).counts
    checks = [Check(f"包含“{s}”", s in text) for s in case.expect.get("must_include", [])]
    checks += [Check(f"不含“{s}”", s not in text) for s in case.expect.get("must_not_include", [])]
    for kind, limit in (case.expect.get("max_flags") or {}).items():
        checks.append(Check(f"{kind} ≤ {limit}", counts.get(kind, 0) <= int(limit)))
    for kind, least in (case.expect.get("min_flags") or {}).items():
        checks.append(Check(f"{kind} ≥ {least}", counts.get(kind, 0) >= int(least)))
    present = {s.part for s in draft.sections if s.paragraphs or s.heading}
    checks += [Check(f"有“{part}”部分", part in present) for part in case.expect.get("parts", [])]
    return checks


def score_versions(
    cases: Iterable[DraftingCase], versions: Sequence[str | None], make_pipeline: Any
) -> list[CaseResult]:
    """Draft every case with every template version. ``make_pipeline(version, references)``
    returns a DraftingPipeline; a case that fails to draft counts as all checks failed."""
    results = []
    for case in cases:
        for version in versions:
            label = version or "composer"
            pipeline: DraftingPipeline = make_pipeline(version, CaseReferences(case.references))
            # A version is scored on what its prompt makes the model write: the repair loop (and its
            # composer fallback) would hide a prompt that lets the model invent.
            pipeline = replace(pipeline, repair_attempts=0)
            started = time.monotonic()
            result = CaseResult(case.id, label)
            try:
                draft = pipeline.run(case.sheet)
                result.checks = evaluate(case, draft)
            except Exception as exc:  # one broken case must not stop the comparison
                result.error = str(exc) or type(exc).__name__
                result.checks = [Check("起草成功", False)]
            result.seconds = time.monotonic() - started
            results.append(result)
    return results


def format_table(results: Sequence[CaseResult]) -> str:
    """A plain-text table: one row a case, one column a version, then totals."""
    versions = list(dict.fromkeys(r.version for r in results))
    cases = list(dict.fromkeys(r.case_id for r in results))
    by_key = {(r.case_id, r.version): r for r in results}
    width = max([len("用例"), *(len(c) for c in cases)]) + 2
    header = "用例".ljust(width) + "".join(v.rjust(14) for v in versions)
    lines = [header, "-" * len(header)]
    for case_id in cases:
        cells = []
        for version in versions:
            r = by_key[(case_id, version)]
            cells.append(("出错" if r.error else f"{r.passed}/{r.total}").rjust(14))
        lines.append(case_id.ljust(width) + "".join(cells))
    lines.append("-" * len(header))
    totals, rates, times = [], [], []
    for version in versions:
        rows = [r for r in results if r.version == version]
        passed, total = sum(r.passed for r in rows), sum(r.total for r in rows)
        totals.append(f"{passed}/{total}".rjust(14))
        rates.append(f"{(100 * passed / total if total else 0):.1f}%".rjust(14))
        times.append(f"{sum(r.seconds for r in rows) / max(1, len(rows)):.2f}s".rjust(14))
    lines.append("合计".ljust(width - 2) + "".join(totals))
    lines.append("通过率".ljust(width - 3) + "".join(rates))
    lines.append("平均用时".ljust(width - 4) + "".join(times))
    failures = [(r, c) for r in results for c in r.checks if not c.passed]
    if failures:
        lines.append("")
        lines.append("未通过的检查：")
        for r, c in failures:
            lines.append(f"  [{r.version}] {r.case_id}: {c.name}" + (f"（{r.error}）" if r.error else ""))
    return "\n".join(lines)
