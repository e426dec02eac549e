"""`drafter draft | check | export | stub-llm`: write, check and export drafts from the command line.

Every user error (a bad facts file, an unknown draft id, an endpoint that is down) ends as one
Chinese line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.model import Draft
    from retrieval.documents import Passage

EXIT_USER_ERROR = 1
EXIT_SECTIONS_FAILED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    draft = subparsers.add_parser(
        "draft", help="根据事实材料起草一篇材料", description="根据事实材料起草，保存草稿并导出 Word。"
    )
    draft.add_argument("--facts", required=True, type=Path, help="事实材料文件（.yaml/.json/.txt）")
    draft.add_argument("--out", type=Path, help="Word 文件路径（默认：当前目录下以标题命名）")
    draft.add_argument("--json", action="store_true", help="以 JSON 输出草稿")
    draft.add_argument("--no-retrieval", action="store_true", help="不检索往年材料作参考")
    draft.set_defaults(func=run_draft)

    regenerate = subparsers.add_parser(
        "regenerate",
        help="单独重新生成草稿中的一节（其余各节不变）",
        description="重新生成一节并保存为新版本；生成失败的节可以这样逐节重试。",
    )
    regenerate.add_argument("draft_id", metavar="DRAFT_ID", help="草稿编号")
    regenerate.add_argument("section", metavar="SECTION", help="节的编号（drafter draft 报告未完成时给出）")
    regenerate.add_argument("--no-retrieval", action="store_true", help="不检索往年材料作参考")
    regenerate.set_defaults(func=run_regenerate)

    check = subparsers.add_parser(
        "check", help="核对草稿：数字、名称、引文是否都有出处", description="核对草稿与事实材料。"
    )
    check.add_argument("file", metavar="FILE", help="草稿编号、.docx 文件或 JSON 草稿")
    check.add_argument("--facts", type=Path, help="事实材料文件（.docx 必须提供）")
    check.add_argument("--version", type=int, help="草稿编号时：核对第几版（默认最新）")
    check.add_argument("--json", action="store_true", help="以 JSON 输出核对结果")
    check.add_argument("--strict", action="store_true", help="发现问题时以退出码 1 结束")
    check.add_argument("--no-kb", action="store_true", help="不与知识库中的往年材料比对（不查大段照抄）")
    check.set_defaults(func=run_check)

    export = subparsers.add_parser(
        "export", help="把保存的草稿导出为 Word", description="导出任一版本的草稿。"
    )
    export.add_argument("draft_id", metavar="DRAFT_ID", help="草稿编号")
    export.add_argument("--version", type=int, help="第几版（默认最新）")
    export.add_argument("--out", required=True, type=Path, help="输出的 .docx 文件")
    export.add_argument("--comments", action="store_true", help="把每段的事实和参考出处写成 Word 批注")
    export.set_defaults(func=run_export)

    stub = subparsers.add_parser("stub-llm", help="启动本机测试用的模型接口（OpenAI 兼容）")
    stub.add_argument("--host", default="127.0.0.1", help="只能是本机地址")
    stub.add_argument("--port", type=int, default=0, help="端口（默认随机空闲端口）")
    stub.add_argument("--delay", type=float, default=0.0, help="每次回答前等待的秒数")
    stub.add_argument("--token-delay", type=float, default=0.0, help="流式输出每块之间等待的秒数")
    stub.add_argument("--model", default="stub-model", help="模型名称")
    stub.add_argument(
        "--habits",
        action="store_true",
        help="按真实模型的习惯回答（推理过程、客套话、Markdown、编号、截断、拒答……轮流出现）",
    )
    stub.set_defaults(func=run_stub)


def _user_errors() -> tuple[type[BaseException], ...]:
    # Imported when a command runs, so `drafter --help` stays fast.
    from drafting.facts.sheet import FactsError
    from drafting.outlines.outline import OutlineError
    from drafting.store.draft_json import DraftFormatError
    from drafting.store.drafts import DraftNotFound
    from drafting.word.export import ExportError
    from drafting.writing.chat import ChatError
    from drafting.writing.pipeline import DraftingCancelled, DraftingFailed

    errors: list[type[BaseException]] = [
        ChatError, ExportError, DraftFormatError, DraftNotFound, FactsError, OutlineError,
        DraftingCancelled, DraftingFailed, OSError,
    ]  # fmt: skip
    try:
        from drafting.writing.templates import TemplateError

        errors.append(TemplateError)
    except ImportError:
        pass
    return tuple(errors)


def _fail(message: object) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_USER_ERROR


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        errors = _user_errors()
        try:
            return command(args, settings)
        except BrokenPipeError:
            # The reader went away (`drafter draft --json | head`); the work itself is done.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_USER_ERROR
        except sqlite3.OperationalError as exc:  # disk full, read-only data directory, I/O error
            from drafting.store.sqlite_file import storage_message

            return _fail(storage_message(exc, settings.home))
        except errors as exc:
            return _fail(_os_message(exc) if isinstance(exc, OSError) else exc)

    run.__doc__ = command.__doc__
    return run


def _os_message(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES):
        from drafting.store.sqlite_file import storage_message

        return storage_message(exc, exc.filename or "")
    where = f"：{exc.filename}" if exc.filename else ""
    return f"无法读写文件{where}（{exc.strerror or exc}）"


# ---------------------------------------------------------------- draft


@_guarded
def run_draft(args: argparse.Namespace, settings: Settings) -> int:
    """Draft a report from a facts file, save it and write the .docx."""
    from drafting.facts.files import parse_facts_file
    from drafting.word.export import DocxExporter
    from drafting.word.layout import LayoutProfile
    from drafting.writing.pipeline import build_pipeline

    sheet = parse_facts_file(args.facts, limits=settings.facts)
    notices: list[str] = []
    knowledge_base = None if args.no_retrieval else _knowledge_base(settings, notices)
    pipeline = build_pipeline(settings, knowledge_base=knowledge_base)
    listener: Any = _ProgressPrinter() if sys.stderr.isatty() and pipeline.chat is not None else None
    cancel = threading.Event()
    draft = pipeline.run(sheet, listener=listener, cancel=cancel)
    out = args.out or _default_docx_path(draft.title, draft.id or "draft")
    written = DocxExporter(LayoutProfile(), reference_docx=settings.reference_docx).export(draft, out)
    failed = [s for s in draft.sections if s.status == "failed"]
    notices += _retrieval_notices(draft)
    if args.json:
        for notice in notices:
            print(notice, file=sys.stderr)
        print(json.dumps(draft_summary_json(draft, pipeline.mode, written), ensure_ascii=False, indent=2))
    else:
        for notice in notices:
            print(notice)
        print(f"已起草：{draft.title}")
        print(f"撰写方式：{mode_label(pipeline.mode)}")
        print(f"草稿编号：{draft.id}（第 {draft.version} 版）")
        print(f"Word 文件：{written}")
        print(f"核对：{grounding_summary(draft)}")
    for section in failed:
        print(f"未完成：{section.heading or section.key}——{section.error}", file=sys.stderr)
        print(f"  单独重试：drafter regenerate {draft.id} {section.key}", file=sys.stderr)
    if failed:
        print(
            f"有 {len(failed)} 个部分生成失败，其余已保存；可逐节重试（如上），或在网页端单独重新生成。",
            file=sys.stderr,
        )
        return EXIT_SECTIONS_FAILED
    return 0


@_guarded
def run_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    """Write one section of a saved draft again; the other sections stay as they are."""
    from drafting.writing.pipeline import build_pipeline

    notices: list[str] = []
    knowledge_base = None if args.no_retrieval else _knowledge_base(settings, notices)
    for notice in notices:
        print(notice, file=sys.stderr)
    pipeline = build_pipeline(settings, knowledge_base=knowledge_base)
    draft = pipeline.regenerate_section(args.draft_id, args.section)
    section = next(s for s in draft.sections if s.key == args.section)
    print(f"已重新生成：{section.heading or section.key}（草稿 {draft.id} 第 {draft.version} 版）")
    print(f"核对：{grounding_summary(draft)}")
    return 0


def _retrieval_notices(draft: Draft) -> list[str]:
    """One line when the exemplar search failed for some sections (e.g. the vector store is down)."""
    missed = [s for s in draft.sections if s.record.get("retrieval_error")]
    if not missed:
        return []
    names = "、".join(s.heading or s.key for s in missed)
    return [
        f"提示：检索往年材料失败（{missed[0].record['retrieval_error']}），这些部分未参考往年材料：{names}"
    ]


def _knowledge_base(settings: Settings, notices: list[str]) -> Any:
    """The knowledge base, or None (with a notice saying why) when it is empty or unusable."""
    try:
        from drafting.service.components import build_knowledge_base

        knowledge_base = build_knowledge_base(settings)
        if knowledge_base.catalog.document_count() == 0:
            notices.append("提示：知识库为空，本次不参考往年材料（可先运行 drafter ingest 导入往年材料）。")
            return None
        knowledge_base.check_embedder()
    except Exception as exc:  # the draft can still be written, just without exemplars
        notices.append(f"提示：知识库无法使用（{exc}），本次不参考往年材料。")
        return None
    return knowledge_base


class _ProgressPrinter:
    """Per-section progress on stderr while a model writes (only on a terminal)."""

    def on_section_start(self, key: str) -> None: ...

    def on_delta(self, key: str, text: str) -> None: ...

    def on_section_done(self, section: Any) -> None:
        print(f"  完成：{section.heading or section.key}", file=sys.stderr)

    def on_section_failed(self, key: str, error: str) -> None:
        print(f"  失败：{key}（{error}）", file=sys.stderr)

    def on_progress(self, done: int, total: int) -> None:
        print(f"[{done}/{total}]", file=sys.stderr)


def mode_label(mode: str) -> str:
    return f"模型 {mode.removeprefix('llm:')}" if mode.startswith("llm:") else "离线模板撰写"


_KIND_LABELS = {
    "unsupported_number": "无出处数字",
    "unsupported_quote": "无出处引文",
    "unsupported_name": "无出处名称",
    "verbatim_copy": "照抄往年材料",
    "placeholder": "待补充",
    "unused_fact": "未用事实",
    "missing_part": "缺少部分",
}


def grounding_summary(draft: Any) -> str:
    """One line: how many flags of each kind, or that nothing needs checking."""
    if not draft.flags:
        return "未发现问题（数字、名称、引文均有出处，事实全部用到）"
    counts: dict[str, int] = {}
    for flag in draft.flags:
        counts[flag.kind] = counts.get(flag.kind, 0) + 1
    parts = "，".join(f"{_KIND_LABELS.get(k, k)} {n}" for k, n in counts.items())
    return f"{len(draft.flags)} 处需核对：{parts}（drafter check {draft.id} 查看详情）"


def draft_summary_json(draft: Any, mode: str, docx: Path | None = None) -> dict[str, Any]:
    """The `draft --json` shape: {id, version, mode, title, sections, flags, unused_facts}."""
    return {
        "id": draft.id,
        "version": draft.version,
        "mode": mode,
        "title": draft.title,
        "sections": [
            {
                "key": s.key,
                "part": s.part,
                "heading": s.heading,
                "level": s.level,
                "mode": s.mode,
                "status": s.status,
                "error": s.error,
                "finish": s.record.get("finish") or {},
                "removals": [asdict(r) for r in s.removals],
                "paragraphs": [
                    {
                        "text": p.text,
                        "kind": p.kind,
                        "level": p.level,
                        "fact_ids": list(p.fact_ids),
                        "passages": [asdict(ref) for ref in p.passages],
                    }
                    for p in s.paragraphs
                ],
            }
            for s in draft.sections
        ],
        "flags": [asdict(f) for f in draft.flags],
        "unused_facts": [{"id": f.detail, "text": f.text} for f in draft.flags if f.kind == "unused_fact"],
        "docx": str(docx) if docx else None,
    }


def _default_docx_path(title: str, draft_id: str) -> Path:
    # Characters Windows and Linux refuse in file names, plus control characters.
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", title).strip().strip(".")[:80] or f"草稿-{draft_id}"
    path = Path.cwd() / f"{name}.docx"
    return path if not path.exists() else Path.cwd() / f"{name}-{draft_id}.docx"


# ---------------------------------------------------------------- check


@_guarded
def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Check a saved draft, a .docx or a JSON draft against its facts."""
    from drafting.checking.grounding import check_draft, format_report, section_label
    from drafting.normalising.report import format_removals, removals_json
    from drafting.word.reader import load_for_check

    draft, sheet = load_for_check(args.file, settings, facts=args.facts, version=args.version)
    references = [] if args.no_kb else _past_passages(draft, settings)
    report = check_draft(draft, sheet, references, outline=_outline_or_none(settings, sheet.kind))
    if args.json:
        data = {**report.to_json(), "normalised": removals_json(draft.sections)}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
        removed = format_removals(draft.sections, section_label)
        if removed:
            print(removed)
    return 1 if args.strict and report.flags else 0


def _outline_or_none(settings: Settings, kind: str) -> Any:
    from drafting.outlines.outline import OutlineError, get_outline

    try:
        return get_outline(settings.outlines_dir, kind)
    except OutlineError:
        return None  # an unknown kind still gets every check but the required-parts one


def _past_passages(draft: Draft, settings: Settings) -> list[Passage]:
    """Past passages to check verbatim copies against; none (with a note) when the KB is unusable."""
    from drafting.checking.copy_sources import likely_sources
    from drafting.service.components import build_knowledge_base

    if not settings.kb_db_path.exists():
        print("提示：知识库为空，未与往年材料比对照抄情况。", file=sys.stderr)
        return []
    try:
        return likely_sources(draft, build_knowledge_base(settings))
    except Exception as exc:  # the other checks are still worth printing
        print(f"提示：知识库不可用（{exc}），未与往年材料比对照抄情况。", file=sys.stderr)
        return []


# ---------------------------------------------------------------- export


@_guarded
def run_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export a saved version of a draft as .docx."""
    from drafting.store.drafts import DraftStore
    from drafting.word.export import DocxExporter
    from drafting.word.layout import LayoutProfile

    version = DraftStore.from_settings(settings).get_version(args.draft_id, args.version)
    exporter = DocxExporter(LayoutProfile(), reference_docx=settings.reference_docx)
    written = exporter.export(version.draft, args.out, comments=args.comments)
    print(f"已导出：{written}（草稿 {args.draft_id} 第 {version.number} 版）")
    return 0


# ---------------------------------------------------------------- stub-llm


def run_stub(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local test endpoint until Ctrl-C."""
    from drafting.writing.habits_llm import HabitsResponder
    from drafting.writing.stub_llm import StubLLM

    try:
        stub = StubLLM(
            host=args.host,
            port=args.port,
            delay_s=args.delay,
            token_delay_s=args.token_delay,
            model=args.model,
            responder=HabitsResponder() if args.habits else None,
        ).start()
    except (ValueError, OSError) as exc:
        return _fail(exc)
    kind = "模拟真实模型习惯的" if args.habits else ""
    print(f"{kind}测试模型接口已启动：{stub.base_url}（模型 {stub.model}），按 Ctrl-C 停止。")
    print(
        f"使用方法：export DRAFTER_LLM__BASE_URL={stub.base_url} DRAFTER_LLM__MODEL={stub.model}", flush=True
    )
    stopping = threading.Event()
    # A background job ignores Ctrl-C; `kill` (SIGTERM) must stop it as cleanly.
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stub.stop()
    print("测试模型接口已停止。", flush=True)
    return 0
