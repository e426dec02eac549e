"""The prompt lab for maintainers: render a template on a case, run one case, compare two
versions, publish and roll back. Every action needs the "edit_prompts" permission.

Figures always say which model produced them; without a configured endpoint the offline composer
writes and templates play no part, which the results say too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drafting.prompt_lab.eval_models import open_eval_model
from drafting.prompt_lab.metrics import CaseMetrics
from drafting.prompt_lab.report import METRICS, format_comparison, run_totals, worse_cases
from drafting.prompt_lab.runner import EvalRun, GroupedCase, load_case_groups, run_eval
from drafting.prompt_lab.runs import EvalRunStore
from drafting.prompt_lab.scoring import CaseReferences
from drafting.prompt_lab.validation import ValidationReport, validate_template
from drafting.service.access import AccessPolicy
from drafting.service.views import ServiceError, user_errors
from drafting.settings import PROJECT_ROOT, Settings
from drafting.writing.active_versions import (
    Publication,
    PublishError,
    active_template_version,
    active_versions,
)
from drafting.writing.templates import PromptLibrary

DEFAULT_CASES = PROJECT_ROOT / "corpus" / "eval" / "drafting_cases"


@dataclass(frozen=True)
class Comparison:
    """Two versions measured on the same cases and model, ready for a table and charts."""

    a: EvalRun
    b: EvalRun
    rows: list[list[str | float | None]]  # metric label, a, b, difference
    chart: list[dict[str, str | float]]  # long form: metric, version, value
    outputs: list[tuple[str, str, str]]  # case id, text of a, text of b
    worse: list[tuple[str, list[str]]]
    text: str


class PromptLabService:
    def __init__(
        self,
        access: AccessPolicy,
        settings: Settings,
        library: Callable[[], PromptLibrary],
        cases_dir: Path = DEFAULT_CASES,
    ) -> None:
        self._access = access
        self._settings = settings
        self._library = library
        self._cases_dir = cases_dir

    def _require(self, name: str | None) -> None:
        self._access.require(name, "edit_prompts")

    def _cases(self) -> list[GroupedCase]:
        return load_case_groups(self._cases_dir, "all")

    def _case(self, case_id: str) -> GroupedCase:
        for grouped in self._cases():
            if grouped.case.id == case_id:
                return grouped
        raise ServiceError(f"没有这个评测用例：{case_id}")

    @property
    def model_label(self) -> str:
        """The model the lab's figures come from: the configured endpoint, else offline."""
        return self._settings.llm.base_url or "offline"

    @user_errors
    def model_note(self, name: str | None) -> str:
        self._require(name)
        if self.model_label == "offline":
            return "当前没有配置大模型接口：稿子由离线程序按提纲拼写，提示词模板不起作用，各版本的数字相同。"
        return f"下面的数字来自模型接口 {self.model_label}（模型 {self._settings.llm.model}）。"

    @user_errors
    def case_ids(self, name: str | None) -> list[tuple[str, str]]:
        """(label, id) of every case; held-out ones are marked so nobody tunes on them."""
        self._require(name)
        return [
            (f"{g.case.id}（留出，勿用于调优）" if g.group == "heldout" else g.case.id, g.case.id)
            for g in self._cases()
        ]

    @user_errors
    def active_version(self, name: str | None, template: str) -> str | None:
        self._require(name)
        return active_template_version(self._settings, self._library(), template)

    @user_errors
    def publications(self, name: str | None, template: str) -> list[Publication]:
        self._require(name)
        return active_versions(self._settings).history("template", template)

    @user_errors
    def render(self, name: str | None, template: str, version: str, case_id: str) -> str:
        """The prompt of every section of one case, as the pipeline would send it."""
        self._require(name)
        from drafting.writing.pipeline import build_pipeline

        case = self._case(case_id).case
        pipeline = build_pipeline(
            self._settings, chat=None, knowledge_base=CaseReferences(case.references), store=None
        )
        outline, specs = pipeline.plan(case.sheet)
        blocks = []
        library = self._library()
        for spec in specs:
            _, exemplars = pipeline.retrieve(spec, case.sheet)
            from drafting.outlines.planning import section_variables

            rendered = library.render(
                template, section_variables(spec, case.sheet, outline, exemplars), version=version
            )
            blocks.append(f"# 节 {spec.key}\n{rendered.text.strip()}")
        return "\n\n".join(blocks)

    @user_errors
    def run_case(self, name: str | None, template: str, version: str, case_id: str) -> CaseMetrics:
        """One case drafted live with ``template@version`` on the configured model."""
        self._require(name)
        grouped = self._case(case_id)
        with open_eval_model(self.model_label, self._settings) as model:
            run = run_eval([grouped], template, version, model, self._settings, jobs=1, cases_label=case_id)
        return run.results[0][0]

    @user_errors
    def compare(
        self, name: str | None, template: str, version_a: str, version_b: str, cases: str = "dev"
    ) -> Comparison:
        """Both versions on the same cases and model; both runs are kept in the run history.

        ``cases`` is a group (dev, heldout, all) or one case id."""
        self._require(name)
        chosen = (
            load_case_groups(self._cases_dir, cases)
            if cases in ("dev", "heldout", "all")
            else [self._case(cases)]
        )
        store = EvalRunStore(self._settings.home / "prompt_lab.sqlite3")
        runs = []
        with open_eval_model(self.model_label, self._settings) as model:
            for version in (version_a, version_b):
                run = run_eval(chosen, template, version, model, self._settings, jobs=2, cases_label=cases)
                store.save(run)
                runs.append(run)
        a, b = runs
        ta, tb = run_totals(a), run_totals(b)
        rows: list[list[str | float | None]] = []
        chart: list[dict[str, str | float]] = []
        for metric in METRICS:
            va, vb = ta[metric.key], tb[metric.key]
            diff = None if va is None or vb is None else vb - va
            rows.append([metric.label, va, vb, diff])
            for version, value in ((version_a, va), (version_b, vb)):
                if value is not None:
                    chart.append({"metric": metric.label, "version": version, "value": float(value)})
        texts_b = {m.case_id: m.text for m in b.results[0]}
        outputs = [(m.case_id, m.error or m.text, texts_b.get(m.case_id, "")) for m in a.results[0]]
        return Comparison(a, b, rows, chart, outputs, worse_cases(a, b), format_comparison(a, b))

    @user_errors
    def validate(self, name: str | None, template: str, version: str) -> ValidationReport:
        self._require(name)
        return validate_template(self._library(), template, version, self._cases(), self._settings)

    @user_errors
    def publish(self, name: str | None, template: str, version: str) -> Publication:
        """Validate, then make ``version`` the one drafts use; records who and when."""
        self._require(name)
        report = validate_template(self._library(), template, version, self._cases(), self._settings)
        if not report.ok:
            raise ServiceError(report.summary())
        assert name is not None
        try:
            published = active_versions(self._settings).publish("template", template, version, name)
        except PublishError as exc:
            raise ServiceError(str(exc)) from exc
        self._access.record(name, "publish_template", template, f"版本 {version}")
        return published

    @user_errors
    def rollback(self, name: str | None, template: str) -> Publication:
        self._require(name)
        assert name is not None
        try:
            back = active_versions(self._settings).rollback("template", template, name)
        except PublishError as exc:
            raise ServiceError(str(exc)) from exc
        self._access.record(name, "rollback_template", template, f"回到版本 {back.version}")
        return back
