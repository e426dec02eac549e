"""Run the drafting cases through the real pipeline and measure every draft.

Cases run concurrently with a bound (``jobs``); inside a case the sections are written one at a
time, so at most ``jobs`` requests reach the model at once (a local model has few slots). One case
that fails is recorded as failed and the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafting.prompt_lab.eval_models import EvalModel
from drafting.prompt_lab.metrics import CaseMetrics, failed_metrics, measure
from drafting.prompt_lab.scoring import CaseReferences, DraftingCase, load_cases

if TYPE_CHECKING:
    from drafting.settings import Settings

CASE_GROUPS = ("dev", "heldout", "all")


@dataclass(frozen=True)
class GroupedCase:
    group: str  # "dev" or "heldout": held-out cases are never used to tune a template
    case: DraftingCase


@dataclass
class EvalRun:
    """One template version evaluated on one model, every case ``repeats`` times."""

    template: str
    version: str
    model: str
    model_description: str
    cases: str
    repeats: int
    settings: dict[str, Any]
    started: str
    results: list[list[CaseMetrics]] = field(default_factory=list)  # per repeat, per case
    seconds: float = 0.0
    id: int | None = None

    @property
    def offline(self) -> bool:
        return self.model == "offline"

    def by_case(self) -> dict[str, list[CaseMetrics]]:
        """Each case's measurements over the repeats."""
        grouped: dict[str, list[CaseMetrics]] = {}
        for repeat in self.results:
            for m in repeat:
                grouped.setdefault(m.case_id, []).append(m)
        return grouped


def load_case_groups(cases_dir: Path, which: str = "all") -> list[GroupedCase]:
    """The dev cases (``cases_dir/*.yaml``) and/or the held-out ones (``cases_dir/heldout/*.yaml``)."""
    if which not in CASE_GROUPS:
        raise ValueError(f"--cases 应为 {'、'.join(CASE_GROUPS)} 之一")
    chosen: list[GroupedCase] = []
    if which in ("dev", "all"):
        chosen += [GroupedCase("dev", c) for c in load_cases(cases_dir)]
    if which in ("heldout", "all"):
        chosen += [GroupedCase("heldout", c) for c in load_cases(cases_dir / "heldout")]
    return chosen


def parse_template_ref(text: str) -> tuple[str, str]:
    """ "section@v2" → ("section", "v2"); the version is required so a run names what it measured."""
    name, sep, version = (text or "").partition("@")
    if not sep or not name or not version:
        raise ValueError(f"模板应写成 名称@版本，如 section@v1：{text!r}")
    return name, version


def run_eval(
    cases: Sequence[GroupedCase],
    template: str,
    version: str,
    model: EvalModel,
    settings: Settings,
    *,
    repeats: int = 1,
    jobs: int = 2,
    cases_label: str = "all",
    repair_attempts: int = 0,
    on_case: Callable[[int, CaseMetrics], None] | None = None,
) -> EvalRun:
    """Draft every case ``repeats`` times with ``template@version`` on ``model`` and measure it.

    ``repair_attempts`` 0 (the default) measures what the prompt alone makes the model write; more
    lets the repair loop ask again, to measure the whole model path (repairs then count).
    """
    from drafting.writing.pipeline import build_pipeline

    run = EvalRun(
        template=template,
        version=version,
        model=model.label,
        model_description=model.description,
        cases=cases_label,
        repeats=repeats,
        settings={
            "temperature": model.temperature,
            "seed": model.seed,  # repeat i uses seed + i
            "max_tokens": settings.llm.max_tokens,
            "jobs": jobs,
            "exemplars": "case references",
            "repair_attempts": repair_attempts,
        },
        started=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if model.chat is not None:
        # An unknown version must fail the run at once, not every case one by one.
        build_pipeline(settings, chat=None, store=None).prompts.get(template, version)  # type: ignore[union-attr]
    started = time.monotonic()

    def one(repeat: int, grouped: GroupedCase) -> CaseMetrics:
        case = grouped.case
        pipeline = build_pipeline(
            settings, chat=model.chat, knowledge_base=CaseReferences(case.references), store=None
        )
        pipeline = replace(
            pipeline,
            template=template,
            template_version=version,
            concurrency=1,
            temperature=model.temperature,
            repair_attempts=repair_attempts,
        )
        t0 = time.monotonic()
        try:
            draft = pipeline.run(case.sheet)
            metrics = measure(case, draft, grouped.group, time.monotonic() - t0)
        except Exception as exc:  # one broken case must not stop the run
            metrics = failed_metrics(
                case, grouped.group, str(exc) or type(exc).__name__, time.monotonic() - t0
            )
        if on_case is not None:
            on_case(repeat, metrics)
        return metrics

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="eval") as pool:
        for repeat in range(repeats):
            if model.seed is not None and hasattr(model.chat, "seed"):
                # Each repeat its own fixed seed: repeatable, yet the repeats show the spread.
                model.chat.seed = model.seed + repeat  # type: ignore[union-attr]
            run.results.append(list(pool.map(lambda g, r=repeat: one(r, g), cases)))
    run.seconds = round(time.monotonic() - started, 2)
    return run
