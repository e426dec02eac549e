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
    parser.set_defaults(func=lambda args, settings: parser.print_help() or 2)


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
        sheet = parse_facts_file(args.facts)
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
