"""Knowledge-base commands: `ingest`, `docs list|show|edit|move|remove`, `search` (evaluation: drafting.cli.evaluation)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drafting import text_table
from drafting.service import components
from drafting.settings import Settings
from retrieval.documents import PARTS, SearchFilters
from retrieval.index.embedder import EmbedderError
from retrieval.index.vector_store import VectorStoreError
from retrieval.ingest.ingestion import reclean_lines
from retrieval.knowledge.knowledge_base import SEARCH_MODES, IndexMismatchError

KIND_LABELS = {
    "half-year": "半年总结",
    "year-end": "年度总结",
    "quarterly": "季度汇报",
    "speech": "讲话稿",
    "other": "其他",
}
PART_LABELS = {
    "opening": "开头",
    "work": "工作情况",
    "problems": "问题不足",
    "plans": "下步打算",
    "closing": "结尾",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser("ingest", help="把往年材料（文件或文件夹）加入知识库")
    ingest.add_argument("paths", nargs="*", metavar="PATH", help="文件或文件夹（递归）")
    ingest.add_argument("--rebuild", action="store_true", help="先用当前向量模型重建全部向量（换模型后使用）")
    ingest.set_defaults(func=run_ingest)

    docs = subparsers.add_parser("docs", help="查看或删除知识库中的材料")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="list|show|edit|move|remove")
    listing = docs_sub.add_parser("list", help="列出全部材料")
    listing.add_argument("--json", action="store_true", help="输出 JSON")
    listing.set_defaults(func=run_docs_list)
    show = docs_sub.add_parser("show", help="查看一份材料的信息和提纲")
    show.add_argument("target", metavar="FILE_OR_ID")
    show.add_argument("--removed", action="store_true", help="列出清洗时删去的行（行号和原因）")
    show.add_argument("--json", action="store_true", help="输出 JSON")
    show.set_defaults(func=run_docs_show)
    edit = docs_sub.add_parser(
        "edit", help="更正材料的标题、类型、年份、期间、单位（按内容保存，重新入库后仍有效）"
    )
    edit.add_argument("target", metavar="FILE_OR_ID")
    keep = argparse.SUPPRESS  # an option not given leaves that field as it is
    edit.add_argument("--title", default=keep)
    edit.add_argument("--kind", choices=tuple(KIND_LABELS), default=keep)
    edit.add_argument("--year", type=_year_or_none, default=keep, help="年份；none 表示清空")
    edit.add_argument("--period", default=keep, help="如 2025年上半年；none 表示清空")
    edit.add_argument("--org", default=keep, help="单位；none 表示清空")
    edit.set_defaults(func=run_docs_edit)
    move = docs_sub.add_parser("move", help="把段落（或某个标题及其下全部内容）改到另一部分")
    move.add_argument("target", metavar="FILE_OR_ID")
    move.add_argument("--part", required=True, choices=PARTS)
    move.add_argument(
        "--passage", action="append", default=[], metavar="PASSAGE_ID", help="段落编号（可重复）"
    )
    move.add_argument("--heading", help="提纲中的标题（开头几个字即可），连同其下全部内容")
    move.set_defaults(func=run_docs_move)
    remove = docs_sub.add_parser("remove", help="从知识库删除材料")
    remove.add_argument("targets", nargs="+", metavar="FILE_OR_ID")
    remove.set_defaults(func=run_docs_remove)
    docs.set_defaults(func=lambda args, settings: _usage(docs))

    search = subparsers.add_parser("search", help="检索往年材料中的段落")
    search.add_argument("query", help="要查找的内容")
    search.add_argument("--k", type=_positive_int, default=5, help="返回条数（默认 5）")
    search.add_argument("--part", help=f"只查某一部分：{', '.join(PARTS)}")
    search.add_argument("--year", type=_year, help="只查某一年的材料")
    search.add_argument("--period", help="期间包含此文字，如 上半年")
    search.add_argument("--org", help="单位名称包含此文字")
    search.add_argument("--doc", help="只查某一份材料（文档编号）")
    search.add_argument("--mode", default="hybrid", help="hybrid（默认）、lexical 或 dense")
    search.add_argument("--json", action="store_true", help="输出 JSON 列表")
    search.set_defaults(func=run_search)

    from drafting.cli.knowledge_eval import run_eval_retrieval, run_eval_structure

    evaluation = subparsers.add_parser("eval", help="评测")
    eval_sub = evaluation.add_subparsers(
        dest="eval_command", metavar="retrieval|structure|drafts|history|show"
    )
    retrieval = eval_sub.add_parser("retrieval", help="用标注查询评测检索：R@1、R@k、MRR")
    retrieval.add_argument(
        "--queries", nargs="+", type=Path, help="查询文件（默认 corpus/eval/retrieval*.yaml）"
    )
    retrieval.add_argument("--k", type=_positive_int, default=5)
    retrieval.add_argument(
        "--ingest", metavar="DIR", type=Path, help="先把该文件夹入库到一个临时知识库再评测"
    )
    retrieval.add_argument(
        "--dense-weights", type=_weights, default=(), help="另测几种融合权重，如 0,0.1,0.3"
    )
    retrieval.add_argument(
        "--fusion", choices=("minmax", "rrf"), default="minmax", help="融合方式（默认 minmax）"
    )
    retrieval.add_argument("--json", action="store_true", help="输出 JSON")
    retrieval.set_defaults(func=run_eval_retrieval)
    structure = eval_sub.add_parser(
        "structure", help="用标注的原样收集材料评测清洗和结构：标题、元数据、段落部分、残留广告、丢失正文"
    )
    structure.add_argument(
        "--set",
        dest="sets",
        action="append",
        metavar="dev|heldout|PATH",
        help="评测哪一半（可重复；默认 dev 和 heldout）；PATH 是含 docs/ 和 labels.yaml 的文件夹",
    )
    structure.add_argument("--brief", action="store_true", help="只打印汇总，不列出每个错误")
    structure.add_argument("--json", action="store_true", help="输出 JSON")
    structure.set_defaults(func=run_eval_structure)
    from drafting.cli.evaluation import register_eval

    register_eval(eval_sub)  # eval drafts / history / show
    evaluation.set_defaults(func=lambda args, settings: _usage(evaluation))


# ------------------------------------------------------------------ argument types


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}")
    return value


def _year(text: str) -> int:
    if not (text.isdigit() and 1949 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"年份无效：{text}")
    return int(text)


def _year_or_none(text: str) -> int | None:
    return None if text.lower() in ("none", "null", "") else _year(text)


def _weights(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(w) for w in text.split(",") if w.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"权重应是逗号分隔的数字：{text}") from exc


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _open_kb(settings: Settings) -> Any:
    """The knowledge base, or None after printing why it cannot be opened."""
    try:
        return components.build_knowledge_base(settings)
    except (EmbedderError, VectorStoreError) as exc:
        _error(str(exc))
        return None


# ------------------------------------------------------------------ table printing


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], limits: Sequence[int]) -> str:
    """Columns aligned by display width (a Chinese character takes two cells)."""
    return text_table.format_table([headers, *rows], limits)


# ------------------------------------------------------------------ ingest


def _print_progress(name: str, index: int, total: int, status: str) -> None:
    labels = {
        "added": "已新增",
        "replaced": "已更新",
        "unchanged": "未变化",
        "failed": "失败",
        "recleaned": "已重新清洗",
    }
    if status in labels:
        print(f"  [{index}/{total}] {labels[status]}：{name}", file=sys.stderr, flush=True)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    if not args.paths and not args.rebuild:
        return _error("请给出要入库的文件或文件夹，例如：drafter ingest corpus/reports")
    kb = _open_kb(settings)
    if kb is None:
        return 2
    try:
        if args.rebuild:
            print("正在用当前向量模型重建向量索引…", file=sys.stderr, flush=True)
            count = kb.rebuild(progress=_print_progress)
            print(f"向量索引已重建：{count} 个段落。")
        report = kb.ingest([Path(p) for p in args.paths], progress=_print_progress)
    except (IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    print(report.summary())
    return 0 if report.ok else 1


# ------------------------------------------------------------------ docs


def run_docs_list(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_kb(settings)
    if kb is None:
        return 2
    documents = kb.list_documents()
    attention = kb.attention()
    if args.json:
        print(
            json.dumps(
                [{**_document_json(d), "attention": attention.get(d.id, [])} for d in documents],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not documents:
        print("知识库为空。用 drafter ingest PATH 加入往年材料。")
        return 0
    rows = [
        (
            d.id,
            d.source,
            d.title,
            d.period or "",
            d.org or "",
            KIND_LABELS.get(d.kind, d.kind),
            str(d.passage_count),
            "；".join(attention.get(d.id, [])) or "—",
        )
        for d in documents
    ]
    headers = ("编号", "文件", "标题", "期间", "单位", "类型", "段落", "待核对")
    print(format_table(headers, rows, (12, 30, 40, 16, 24, 10, 6, 40)))
    print(f"共 {len(documents)} 份材料，{sum(d.passage_count for d in documents)} 个段落。")
    if attention:
        print(f"{len(attention)} 份需要核对：用 drafter docs show 查看，drafter docs edit / move 更正。")
    return 0


def _document_json(
    record: Any, *, full: bool = False, passages: Sequence[Any] | None = None
) -> dict[str, Any]:
    data = {
        "id": record.id,
        "path": record.path,
        "source": record.source,
        "title": record.title,
        "period": record.period,
        "year": record.year,
        "org": record.org,
        "kind": record.kind,
        "encoding": record.encoding,
        "passages": record.passage_count,
        "ingested_at": record.ingested_at,
    }
    if full:
        data["outline"] = [{"text": o.text, "part": o.part, "level": o.level} for o in record.outline]
        data["removed"] = [{"line_no": r.line_no, "text": r.text, "reason": r.reason} for r in record.removed]
    if passages is not None:
        data["passages"] = [
            {"id": p.id, "text": p.text, "part": p.part, "heading": p.heading, "start": p.start, "end": p.end}
            for p in passages
        ]
    return data


def _find(kb: Any, target: str) -> tuple[Any, str | None]:
    try:
        record = kb.get_document(target)
    except LookupError as exc:
        return None, str(exc)
    return record, None if record else f"知识库中没有“{target}”（可用 drafter docs list 查看编号）"


def run_docs_show(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_kb(settings)
    if kb is None:
        return 2
    record, problem = _find(kb, args.target)
    if problem:
        return _error(problem)
    passages = kb.catalog.document_passages(record.id)
    reasons = kb.attention().get(record.id, [])
    if args.json:
        data = {**_document_json(record, full=True, passages=passages), "attention": reasons}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    per_part = {p: sum(1 for x in passages if x.part == p) for p in PARTS}
    print(f"标题：{record.title}")
    print(f"编号：{record.id}    文件：{record.path}")
    kind = KIND_LABELS.get(record.kind, record.kind)
    print(
        f"期间：{record.period or '—'}    年份：{record.year or '—'}    单位：{record.org or '—'}    类型：{kind}"
    )
    encoding = record.encoding or "—"
    if record.converted_from:
        encoding += f"（由 {record.converted_from} 转换）"
    print(f"编码：{encoding}    入库时间：{record.ingested_at}    清洗删去 {len(record.removed)} 行")
    print(
        "段落：" + "，".join(f"{PART_LABELS[p]} {n}" for p, n in per_part.items()) + f"，共 {len(passages)}"
    )
    if reasons:
        print("待核对：" + "；".join(reasons) + "（drafter docs edit / move 更正）")
    print("提纲：")
    for entry in record.outline or []:
        print(f"  {'  ' * max(entry.level - 1, 0)}{entry.text}  [{PART_LABELS.get(entry.part, entry.part)}]")
    if not record.outline:
        print("  （未识别出标题层次）")
    if args.removed:
        print("清洗删去的行：")
        for line in record.removed:
            print(f"  第 {line.line_no + 1} 行  [{line.reason}]  {line.text}")
        if not record.removed:
            print("  （无）")
    return 0


def run_docs_edit(args: argparse.Namespace, settings: Settings) -> int:
    fields: dict[str, Any] = {
        name: getattr(args, name) for name in ("title", "kind", "year", "period", "org") if name in vars(args)
    }
    for name in ("period", "org"):
        if isinstance(fields.get(name), str) and fields[name].strip().lower() in ("none", "null", ""):
            fields[name] = None
    if not fields:
        return _error("请至少给出一项更正：--title、--kind、--year、--period、--org")
    kb = _open_kb(settings)
    if kb is None:
        return 2
    try:
        record = kb.correct_document(args.target, **fields)
    except (LookupError, ValueError) as exc:
        return _error(str(exc))
    except (IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    kind = KIND_LABELS.get(record.kind, record.kind)
    print(
        f"已更正：{record.title}（{kind}，{record.period or '—'}，{record.year or '—'}，{record.org or '—'}）"
    )
    return 0


def run_docs_move(args: argparse.Namespace, settings: Settings) -> int:
    if not args.passage and not args.heading:
        return _error("请用 --passage 或 --heading 指定要移动的内容")
    kb = _open_kb(settings)
    if kb is None:
        return 2
    try:
        moved = kb.move_to_part(args.target, args.part, passage_ids=args.passage, heading=args.heading)
    except (LookupError, ValueError) as exc:
        return _error(str(exc))
    except (IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    print(f"已把 {len(moved)} 个段落改到“{PART_LABELS[args.part]}”：{'、'.join(moved) or '（仅标题）'}")
    return 0


def run_docs_remove(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_kb(settings)
    if kb is None:
        return 2
    try:
        report = kb.remove_documents(args.targets, progress=_print_progress)
    except (IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    for failure in report.failed:
        print(f"错误：{failure.reason}", file=sys.stderr)
    for outcome in report.removed:
        print(f"已删除：{Path(outcome.path).name}（{outcome.doc_id}）")
    # Remaining documents whose headers the removed files shared come back with those lines.
    for line in reclean_lines(report.recleaned, report.not_recleaned):
        print(line.strip())
    return 0 if report.ok else 1


# ------------------------------------------------------------------ search


def format_hits(hits: Sequence[Any]) -> str:
    """A readable Chinese listing of search hits."""
    out = []
    for n, hit in enumerate(hits, start=1):
        p = hit.passage
        where = " / ".join(x for x in (PART_LABELS.get(p.part, p.part), p.heading) if x)
        out.append(
            f"[{n}] 得分 {hit.score:.3f}  {p.source}（{p.period or p.year or '—'}）  {where}  字符 {p.start}–{p.end}"
        )
        out.append(f"    {p.text}")
        if hit.duplicates:
            out.append(f"    另有 {len(hit.duplicates)} 段近似重复：{'、'.join(hit.duplicates)}")
    return "\n".join(out)


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    if args.part and args.part not in PARTS:
        return _error(f"部分“{args.part}”无效，可选：{'、'.join(PARTS)}")
    if args.mode not in SEARCH_MODES:
        return _error(f"检索方式“{args.mode}”无效，可选：{'、'.join(SEARCH_MODES)}")
    if not args.query.strip():
        return _error("检索内容为空：请输入要查找的内容。")
    kb = _open_kb(settings)
    if kb is None:
        return 2
    if kb.catalog.document_count() == 0:
        return _error("知识库为空，请先用 drafter ingest PATH 加入往年材料。")
    filters = SearchFilters(
        part=args.part,
        year=args.year,
        period=args.period or None,
        org=args.org or None,
        doc_id=args.doc or None,
    )
    try:
        hits = kb.search(args.query, filters, k=args.k, mode=args.mode)
    except (ValueError, IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
    elif hits:
        print(format_hits(hits))
    else:
        print("没有找到相关段落。")
    return 0
