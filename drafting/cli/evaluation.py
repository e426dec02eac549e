"""`drafter eval drafts | history | show`: measure template versions on the drafting cases."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drafting.settings import PROJECT_ROOT, Settings

DEFAULT_CASES = PROJECT_ROOT / "corpus" / "eval" / "drafting_cases"


def runs_db(settings: Settings) -> Path:
    return settings.home / "prompt_lab.sqlite3"


def register_eval(eval_sub: argparse._SubParsersAction) -> None:
    """Adds the drafting evaluations under the `eval` command (beside `eval retrieval`)."""
    drafts = eval_sub.add_parser("drafts", help="在评测用例上起草并测量某个模板版本（可与另一版本比较）")
    drafts.add_argument("--template", required=True, help="名称@版本，如 section@v1")
    drafts.add_argument("--vs", help="与之比较的 名称@版本，如 section@v2")
    drafts.add_argument(
        "--model",
        default="offline",
        help="offline（默认）、habits（本机假模型）、local（drafter local-model）或接口地址",
    )
    drafts.add_argument("--repeats", type=_positive_int, default=1, help="每个用例起草几次（看波动）")
    drafts.add_argument(
        "--cases", choices=("dev", "heldout", "all"), default="all", help="用例组（默认 all）"
    )
    drafts.add_argument("--only", nargs="*", help="只跑这些用例编号")
    drafts.add_argument("--jobs", type=_positive_int, help="同时起草的用例数（默认：本机模型 2，其余 4）")
    drafts.add_argument("--temperature", type=float, help="固定温度（默认取配置 llm.temperature）")
    drafts.add_argument(
        "--repair",
        type=int,
        choices=range(0, 6),
        default=0,
        metavar="N",
        help="每节最多按核对意见重写几次（默认 0：只测提示词本身；大于 0 时统计修复重写）",
    )
    drafts.add_argument("--cases-dir", type=Path, default=DEFAULT_CASES, help=argparse.SUPPRESS)
    drafts.set_defaults(func=_drafts)

    history = eval_sub.add_parser("history", help="列出保存的起草评测")
    history.add_argument("--limit", type=_positive_int, default=30)
    history.set_defaults(func=_history)

    show = eval_sub.add_parser("show", help="显示一次保存的起草评测")
    show.add_argument("run", type=int, help="评测编号（见 drafter eval history）")
    show.add_argument("--vs", type=int, help="与另一次评测比较")
    show.add_argument("--case", help="显示某个用例的稿子全文")
    show.set_defaults(func=_show)


def _drafts(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.eval_models import EvalModelError, open_eval_model
    from drafting.prompt_lab.report import format_comparison, format_run
    from drafting.prompt_lab.runner import load_case_groups, parse_template_ref, run_eval
    from drafting.prompt_lab.runs import EvalRunStore
    from drafting.prompt_lab.scoring import CaseError
    from drafting.writing.templates import TemplateError

    try:
        refs = [parse_template_ref(args.template)] + ([parse_template_ref(args.vs)] if args.vs else [])
        cases = load_case_groups(args.cases_dir, args.cases)
    except (ValueError, CaseError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.only:
        cases = [c for c in cases if c.case.id in set(args.only)]
        if not cases:
            print(f"错误：没有这些用例：{' '.join(args.only)}", file=sys.stderr)
            return 2
    jobs = args.jobs or (2 if args.model == "local" else 4)
    store = EvalRunStore(runs_db(settings))
    runs = []
    try:
        with open_eval_model(args.model, settings, temperature=args.temperature) as model:
            for name, version in refs:
                print(
                    f"起草 {len(cases)} 个用例 × {args.repeats} 次：{name}@{version}，模型 {model.label} …",
                    file=sys.stderr,
                )

                def progress(repeat: int, metrics, label=f"{name}@{version}") -> None:  # type: ignore[no-untyped-def]
                    state = "出错" if metrics.error else f"{metrics.checks_passed}/{metrics.checks_total}"
                    print(
                        f"  [{label} #{repeat + 1}] {metrics.case_id}: {state}，{metrics.seconds:.1f} 秒",
                        file=sys.stderr,
                        flush=True,
                    )

                run = run_eval(
                    cases,
                    name,
                    version,
                    model,
                    settings,
                    repeats=args.repeats,
                    jobs=jobs,
                    cases_label=args.cases,
                    repair_attempts=args.repair,
                    on_case=progress,
                )
                store.save(run)
                runs.append(run)
    except (EvalModelError, TemplateError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for run in runs:
        print(format_run(run))
        print()
    if len(runs) == 2:
        print(format_comparison(runs[0], runs[1]))
    print(f"\n已保存为评测 {'、'.join(f'#{r.id}' for r in runs)}（drafter eval history / show）。")
    return 0 if all(not m.error for r in runs for rows in r.results for m in rows) else 1


def _history(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.runs import EvalRunStore

    runs = EvalRunStore(runs_db(settings)).history(args.limit)
    if not runs:
        print("还没有保存的起草评测。用 drafter eval drafts --template section@v1 开始。")
        return 0
    for r in runs:
        print(
            f"#{r.id}  {r.started}  {r.template}@{r.version}  模型 {r.model}  用例 {r.cases}  ×{r.repeats}  {r.seconds:g} 秒"
        )
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.report import format_comparison, format_run
    from drafting.prompt_lab.runs import EvalRunStore, RunNotFound

    store = EvalRunStore(runs_db(settings))
    try:
        run = store.get(args.run)
        other = store.get(args.vs) if args.vs else None
    except RunNotFound as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.case:
        found = [m for rows in run.results for m in rows if m.case_id == args.case]
        if not found:
            print(f"错误：评测 #{run.id} 没有用例 {args.case}", file=sys.stderr)
            return 2
        for i, m in enumerate(found, 1):
            print(f"# {m.case_id} 第 {i} 次\n{m.error or m.text}\n")
        return 0
    print(format_run(run))
    if other is not None:
        print()
        print(format_comparison(other, run))
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}")
    return value
