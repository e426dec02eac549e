"""Plain-text tables of evaluation runs: per case, in total, two versions side by side, spread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median

from drafting.prompt_lab.metrics import CaseMetrics
from drafting.prompt_lab.runner import EvalRun
from drafting.text_table import format_table


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    total: Callable[[Sequence[CaseMetrics]], float | None]
    better: str  # "higher" | "lower" | "" (informational)


def _sum(attr: str) -> Callable[[Sequence[CaseMetrics]], float | None]:
    return lambda rows: float(sum(getattr(m, attr) for m in rows))


def _optional_sum(attr: str) -> Callable[[Sequence[CaseMetrics]], float | None]:
    def total(rows: Sequence[CaseMetrics]) -> float | None:
        values = [getattr(m, attr) for m in rows if getattr(m, attr) is not None]
        return float(sum(values)) if values else None

    return total


METRICS: tuple[Metric, ...] = (
    Metric("checks_passed", "通过的检查", _sum("checks_passed"), "higher"),
    Metric("facts_found", "必含事实（找到）", _sum("facts_found"), "higher"),
    Metric("unsupported_number", "无出处数字", _sum("unsupported_number"), "lower"),
    Metric("unsupported_name", "无出处名称", _sum("unsupported_name"), "lower"),
    Metric("unsupported_quote", "无出处引文", _sum("unsupported_quote"), "lower"),
    Metric(
        "forbidden", "禁用文字出现", lambda rows: float(sum(len(m.forbidden_found) for m in rows)), "lower"
    ),
    Metric("placeholders", "待补充", _sum("placeholders"), ""),
    Metric("parts_missing", "缺少部分", lambda rows: float(sum(len(m.parts_missing) for m in rows)), "lower"),
    Metric("headings_in_order", "小标题依次出现", _sum("headings_in_order"), "higher"),
    Metric("length_ok", "字数达标的用例", lambda rows: float(sum(m.length_ok for m in rows)), "higher"),
    Metric("verbatim_copies", "照抄往年（≥20字）", _sum("verbatim_copies"), "lower"),
    Metric(
        "longest_shared_run",
        "与往年最长相同字数",
        lambda rows: float(max((m.longest_shared_run for m in rows), default=0)),
        "lower",
    ),
    Metric("removals", "整理删改", _optional_sum("removals"), ""),
    Metric("repairs", "修复重写", _optional_sum("repairs"), ""),
    Metric("seconds", "用时（秒，逐例相加）", lambda rows: round(sum(m.seconds for m in rows), 1), ""),
    Metric("completion_tokens", "生成 tokens", _sum("completion_tokens"), ""),
    Metric("prompt_tokens", "提示 tokens", _sum("prompt_tokens"), ""),
)
METRIC_KEYS = tuple(m.key for m in METRICS)


def totals(rows: Sequence[CaseMetrics]) -> dict[str, float | None]:
    """Each metric over the cases of one repeat."""
    return {m.key: m.total(rows) for m in METRICS}


def run_totals(run: EvalRun) -> dict[str, float | None]:
    """Each metric's median over the repeats (the run's headline figures)."""
    per_repeat = [totals(rows) for rows in run.results]
    out: dict[str, float | None] = {}
    for key in METRIC_KEYS:
        values = [v for t in per_repeat if (v := t[key]) is not None]
        out[key] = float(median(values)) if values else None
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def header(run: EvalRun) -> str:
    lines = [
        f"评测 #{run.id if run.id is not None else '（未保存）'}  模板 {run.template}@{run.version}  "
        f"模型 {run.model}：{run.model_description}",
        f"用例 {run.cases}，重复 {run.repeats} 次，设置 {run.settings}，开始于 {run.started}，共 {run.seconds:g} 秒",
    ]
    if run.offline:
        lines.append("注意：离线模式下稿子由程序按提纲拼写，提示词模板不起作用，不同版本的数字相同。")
    return "\n".join(lines)


CASE_COLUMNS = (
    "组",
    "检查",
    "事实",
    "数字",
    "名称",
    "引文",
    "禁用",
    "待补充",
    "缺部分",
    "小标题",
    "字数",
    "照抄",
    "最长同",
    "整理",
    "修复",
    "秒",
    "tokens",
)


def case_row(m: CaseMetrics) -> list[str]:
    length = f"{m.length}{'' if m.length_ok else '✗'}"
    heads = f"{m.headings_in_order}/{m.headings_expected}" if m.headings_expected else "—"
    return [
        m.group,
        "出错" if m.error else f"{m.checks_passed}/{m.checks_total}",
        f"{m.facts_found}/{m.facts_expected}",
        str(m.unsupported_number),
        str(m.unsupported_name),
        str(m.unsupported_quote),
        str(len(m.forbidden_found)),
        str(m.placeholders),
        str(len(m.parts_missing)),
        heads,
        length,
        str(m.verbatim_copies),
        str(m.longest_shared_run),
        _fmt(m.removals),
        _fmt(m.repairs),
        f"{m.seconds:.1f}",
        str(m.prompt_tokens + m.completion_tokens),
    ]


def _table(rows: list[list[str]]) -> str:
    return format_table(rows)


def format_run(run: EvalRun, *, show_failures: bool = True) -> str:
    """Header, one row per case (first repeat), totals, and with repeats the spread."""
    first = run.results[0] if run.results else []
    rows = [["用例", *CASE_COLUMNS]] + [[m.case_id, *case_row(m)] for m in first]
    parts = [header(run), "", _table(rows), "", "合计（各次重复的中位数）："]
    parts.append(_table([["指标", "合计"]] + [[m.label, _fmt(run_totals(run)[m.key])] for m in METRICS]))
    parts.append(
        "整理删改为“—”：离线撰写，没有模型回答可整理；修复重写为“—”：未启用（--repair N），都不是 0。"
    )
    if run.repeats > 1:
        parts += ["", f"{run.repeats} 次重复的波动（最小 / 中位数 / 最大）：", format_spread(run)]
    if show_failures:
        failed = [(m.case_id, c) for m in first for c in m.failed_checks]
        errors = [(m.case_id, m.error) for m in first if m.error]
        if failed:
            parts += ["", "未通过的检查（第 1 次）："] + [f"  {case}: {check}" for case, check in failed]
        if errors:
            parts += ["", "出错的用例："] + [f"  {case}: {error}" for case, error in errors]
    return "\n".join(parts)


def format_spread(run: EvalRun) -> str:
    per_repeat = [totals(rows) for rows in run.results]
    rows = [["指标", "最小", "中位数", "最大"]]
    for metric in METRICS:
        values = [v for t in per_repeat if (v := t[metric.key]) is not None]
        if not values:
            rows.append([metric.label, "—", "—", "—"])
            continue
        rows.append([metric.label, _fmt(min(values)), _fmt(float(median(values))), _fmt(max(values))])
    return _table(rows)


def worse_cases(a: EvalRun, b: EvalRun) -> list[tuple[str, list[str]]]:
    """Cases where ``b`` is worse than ``a`` (fewer checks, fewer facts or more invented details)."""
    before = {m.case_id: m for m in (a.results[0] if a.results else [])}
    worse = []
    for m in b.results[0] if b.results else []:
        old = before.get(m.case_id)
        if old is None:
            continue
        reasons = []
        if m.checks_passed < old.checks_passed:
            reasons.append(f"检查 {old.checks_passed}→{m.checks_passed}")
        if m.facts_found < old.facts_found:
            reasons.append(f"事实 {old.facts_found}→{m.facts_found}")
        if m.invented > old.invented:
            reasons.append(f"编造 {old.invented}→{m.invented}")
        if m.error and not old.error:
            reasons.append("出错")
        if reasons:
            worse.append((m.case_id, reasons))
    return worse


def format_comparison(a: EvalRun, b: EvalRun) -> str:
    """Two versions side by side: totals with the difference, per-case checks, the cases that got worse."""
    ta, tb = run_totals(a), run_totals(b)
    la, lb = f"{a.template}@{a.version}", f"{b.template}@{b.version}"
    rows = [["指标", la, lb, "差", ""]]
    for metric in METRICS:
        va, vb = ta[metric.key], tb[metric.key]
        diff = None if va is None or vb is None else vb - va
        verdict = ""
        if diff and metric.better:
            verdict = "更好" if (diff > 0) == (metric.better == "higher") else "更差"
        rows.append([metric.label, _fmt(va), _fmt(vb), "—" if diff is None else f"{diff:+g}", verdict])
    per_case = [["用例", f"{la} 检查", f"{lb} 检查", f"{la} 编造", f"{lb} 编造"]]
    other = {m.case_id: m for m in (b.results[0] if b.results else [])}
    for m in a.results[0] if a.results else []:
        n = other.get(m.case_id)
        if n is None:
            continue
        per_case.append(
            [
                m.case_id,
                f"{m.checks_passed}/{m.checks_total}",
                f"{n.checks_passed}/{n.checks_total}",
                str(m.invented),
                str(n.invented),
            ]
        )
    worse = worse_cases(a, b)
    lines = [f"比较：{la} 对 {lb}，模型 {b.model}：{b.model_description}"]
    if b.offline:
        lines.append("注意：离线模式下提示词模板不起作用，两个版本的结果相同。")
    lines += ["", _table(rows), "", _table(per_case), ""]
    lines.append(f"{lb} 变差的用例：" + ("无" if not worse else ""))
    lines += [f"  {case}: {'；'.join(reasons)}" for case, reasons in worse]
    return "\n".join(lines)
