"""`drafter prompts list | preview | score`: for prompt maintainers."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from drafting.settings import PROJECT_ROOT, Settings

DEFAULT_CASES = PROJECT_ROOT / "corpus" / "eval" / "drafting_cases"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("prompts", help="提示词模板：列出、预览、比较版本")
    sub = parser.add_subparsers(dest="prompts_command", metavar="ACTION")

    listing = sub.add_parser("list", help="列出模板及其版本、提纲")
    listing.set_defaults(func=_list)

    preview = sub.add_parser("preview", help="按事实材料渲染某一节的提示词")
    preview.add_argument("--facts", required=True, type=Path, help="事实材料文件（YAML/JSON/TXT）")
    preview.add_argument("--section", help="节的键，如 opening、work:0、problems；默认第一节")
    preview.add_argument("--version", help="模板版本，默认最新")
    preview.add_argument("--no-retrieval", action="store_true", help="不检索往年材料")
    preview.set_defaults(func=_preview)

    score = sub.add_parser("score", help="在固定评测用例上比较模板版本")
    score.add_argument("--versions", nargs="*", help="要比较的版本，默认全部")
    score.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="评测用例目录")
    score.add_argument("--json", action="store_true", help="输出 JSON")
    score.set_defaults(func=_score)
    validate = sub.add_parser("validate", help="发布前检查：每个用例都能渲染、没有多余变量、不超出上下文")
    validate.add_argument("ref", help="名称@版本，如 section@v2")
    validate.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="评测用例目录")
    validate.set_defaults(func=_validate)

    publish = sub.add_parser("publish", help="检查通过后把某个版本设为当前版本（记录发布人和时间）")
    publish.add_argument("ref", help="名称@版本，如 section@v2")
    publish.add_argument("--by", help="发布人（默认当前系统用户）")
    publish.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="评测用例目录")
    publish.set_defaults(func=_publish)

    rollback = sub.add_parser("rollback", help="回到上一次发布的版本")
    rollback.add_argument("name", help="模板名称，如 section")
    rollback.add_argument("--by", help="操作人（默认当前系统用户）")
    rollback.set_defaults(func=_rollback)

    active = sub.add_parser("active", help="各模板当前使用的版本和发布记录")
    active.set_defaults(func=_active)
    parser.set_defaults(func=lambda args, settings: parser.print_help() or 2)


def _who(args: argparse.Namespace) -> str:
    import getpass

    return args.by or getpass.getuser()


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.runner import load_case_groups, parse_template_ref
    from drafting.prompt_lab.validation import validate_template
    from drafting.writing.templates import prompt_library

    try:
        name, version = parse_template_ref(args.ref)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    report = validate_template(
        prompt_library(settings), name, version, load_case_groups(args.cases), settings
    )
    print(report.summary())
    return 0 if report.ok else 1


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.runner import load_case_groups, parse_template_ref
    from drafting.prompt_lab.validation import validate_template
    from drafting.writing.active_versions import PublishError, active_versions
    from drafting.writing.templates import prompt_library

    try:
        name, version = parse_template_ref(args.ref)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    report = validate_template(
        prompt_library(settings), name, version, load_case_groups(args.cases), settings
    )
    print(report.summary())
    if not report.ok:
        return 1
    try:
        done = active_versions(settings).publish("template", name, version, _who(args))
    except PublishError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"已发布：{name}@{done.version}（{done.who}，{done.at}）。新起草的稿子将使用这一版本。")
    return 0


def _rollback(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.writing.active_versions import PublishError, active_versions

    try:
        done = active_versions(settings).rollback("template", args.name, _who(args))
    except PublishError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"已回退：{args.name} 当前版本为 {done.version}（{done.who}，{done.at}）。")
    return 0


def _active(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.outlines.outline import load_outlines
    from drafting.writing.active_versions import active_template_version, active_versions
    from drafting.writing.templates import prompt_library

    library = prompt_library(settings)
    store = active_versions(settings)
    for name in library.names():
        history = store.history("template", name)
        source = "已发布" if store.published("template", name) else "未发布过，使用 prompts/ 中的最新版本"
        print(f"模板 {name}：当前 {active_template_version(settings, library, name)}（{source}）")
        for row in history:
            action = "发布" if row.action == "publish" else "回退到"
            print(f"  {row.at}  {row.who} {action} {row.version}")
    for name, outline in sorted(load_outlines(settings.outlines_dir).items()):
        # An outline has one file, so its one version is the active one; drafts record it.
        print(f"提纲 {name}：当前版本 {outline.version}（prompts/outlines/{name}.yaml）")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.outlines.outline import load_outlines
    from drafting.writing.templates import prompt_library

    library = prompt_library(settings)
    print("模板：")
    any_saved = False
    for name in library.names():
        for entry in library.listing(name):
            template = library.get(name, entry.version)
            where = f"网页保存，位于 {entry.path}" if entry.saved else "prompts/"
            any_saved = any_saved or entry.saved
            print(f"  {name}/{entry.version}（{where}）  {template.description}")
    if any_saved:
        # Saved versions live in the data directory only; the shipped set is what prompts/ holds.
        print("  网页保存的版本只在数据目录里；满意的版本请复制到 prompts/templates/<模板>/ 并提交。")
    print("提纲：")
    for name, outline in sorted(load_outlines(settings.outlines_dir).items()):
        print(f"  {name}  {outline.label}（版本 {outline.version}）")
    return 0


def _preview(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.facts.files import parse_facts_file
    from drafting.facts.sheet import FactsError
    from drafting.writing.pipeline import build_pipeline

    try:
        sheet = parse_facts_file(args.facts, limits=settings.facts)
    except (FactsError, OSError) as exc:
        print(f"事实材料有误：{exc}", file=sys.stderr)
        return 2
    knowledge_base = None if args.no_retrieval else _knowledge_base_or_none(settings)
    pipeline = build_pipeline(settings, chat=None, knowledge_base=knowledge_base, store=None)
    pipeline = replace(pipeline, template_version=args.version)
    outline, specs = pipeline.plan(sheet)
    spec = next((s for s in specs if s.key == args.section), None) if args.section else specs[0]
    if spec is None:
        print(f"没有这一节：{args.section}。可选：{'、'.join(s.key for s in specs)}", file=sys.stderr)
        return 2
    _, exemplars = pipeline.retrieve(spec, sheet)
    messages, version = pipeline.build_prompt(spec, sheet, outline, exemplars)
    print(f"# 模板 {pipeline.template}/{version}，节 {spec.key}，参考材料 {len(exemplars)} 段\n")
    for message in messages:
        print(f"## {message['role']}\n{message['content']}\n")
    return 0


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.prompt_lab.scoring import (
        CaseError,
        CaseReferences,
        format_table,
        load_cases,
        score_versions,
    )
    from drafting.writing.chat import build_chat_model
    from drafting.writing.pipeline import DraftingPipeline, build_pipeline
    from drafting.writing.templates import prompt_library

    try:
        cases = load_cases(args.cases)
    except CaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    chat = build_chat_model(settings)
    library = prompt_library(settings)
    versions: list[str | None] = list(args.versions or library.versions("section"))
    if chat is None:
        # Without an endpoint only the composer can write; it is the baseline every version must beat.
        print("未配置大模型接口（DRAFTER_LLM__BASE_URL），只评测离线模板撰写。", file=sys.stderr)
        versions = [None]

    def make_pipeline(version: str | None, references: CaseReferences) -> DraftingPipeline:
        pipeline = build_pipeline(settings, chat=chat, knowledge_base=references, store=None)
        return replace(pipeline, template_version=version)

    results = score_versions(cases, versions, make_pipeline)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "case": r.case_id,
                        "version": r.version,
                        "passed": r.passed,
                        "total": r.total,
                        "seconds": round(r.seconds, 3),
                        "error": r.error,
                        "failed": [c.name for c in r.checks if not c.passed],
                    }
                    for r in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(format_table(results))
    return 0 if all(r.error is None for r in results) else 1


def _knowledge_base_or_none(settings: Settings):
    from drafting.service.components import build_knowledge_base

    try:
        return build_knowledge_base(settings)
    except Exception as exc:  # preview still works without past passages
        print(f"知识库不可用，预览不含参考材料：{exc}", file=sys.stderr)
        return None
