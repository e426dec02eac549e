"""`eval retrieval` (labelled queries) and `eval structure` (labelled as-collected files); registered by drafting.cli.knowledge."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from drafting.service import components
from drafting.settings import PROJECT_ROOT, ChromaSettings, Settings
from retrieval.evaluation.retrieval_eval import evaluate, format_result, load_queries
from retrieval.evaluation.structure_eval import evaluate_structure, format_structure
from retrieval.index.embedder import EmbedderError
from retrieval.index.vector_store import VectorStoreError
from retrieval.knowledge.knowledge_base import IndexMismatchError

DEFAULT_QUERY_GLOB = "retrieval*.yaml"


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


# ------------------------------------------------------------------ eval


def _default_query_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "corpus" / "eval").glob(DEFAULT_QUERY_GLOB))


def run_eval_retrieval(args: argparse.Namespace, settings: Settings) -> int:
    files = args.queries or _default_query_files()
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        return _error(f"找不到查询文件：{'、'.join(missing) or DEFAULT_QUERY_GLOB}")
    queries, problems = load_queries(files)
    if not queries:
        return _error("查询文件中没有可用的查询。")
    if args.ingest:
        if not args.ingest.is_dir():
            return _error(f"要入库的文件夹不存在：{args.ingest}")
        with tempfile.TemporaryDirectory(prefix="drafter-eval-") as scratch:
            # A throwaway embedded index: never touch the user's knowledge base or Chroma server.
            temporary = settings.model_copy(update={"home": Path(scratch), "chroma": ChromaSettings()})
            return _evaluate(args, temporary, queries, problems, ingest_first=args.ingest)
    return _evaluate(args, settings, queries, problems, ingest_first=None)


def _evaluate(
    args: argparse.Namespace, settings: Settings, queries: list, problems: list, ingest_first: Path | None
) -> int:
    kb = _open_kb(settings)
    if kb is None:
        return 2
    try:
        if ingest_first is not None:
            report = kb.ingest([ingest_first])
            print(report.summary(), file=sys.stderr)
        if kb.catalog.document_count() == 0:
            return _error(
                "知识库为空：请先 drafter ingest corpus/reports，或用 --ingest DIR 建一个临时知识库。"
            )
        kb.fusion_method = args.fusion
        result = evaluate(kb, queries, k=args.k, dense_weights=args.dense_weights, label_errors=problems)
    except (IndexMismatchError, EmbedderError, VectorStoreError) as exc:
        return _error(str(exc))
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else format_result(result))
    return 0


STRUCTURE_SETS = PROJECT_ROOT / "corpus" / "eval" / "structure"


def run_eval_structure(args: argparse.Namespace, settings: Settings) -> int:
    """Needs no knowledge base and no model: the halves are parsed as `drafter ingest` would."""
    names = args.sets or [n for n in ("dev", "heldout") if (STRUCTURE_SETS / n / "labels.yaml").is_file()]
    if not names:
        return _error(f"{STRUCTURE_SETS} 下没有标注的评测集（dev/ 或 heldout/）")
    folders = [
        (name, Path(name) if name not in ("dev", "heldout") else STRUCTURE_SETS / name) for name in names
    ]
    names = [name if name in ("dev", "heldout") else Path(name).name for name in names]
    missing = [str(folder) for _, folder in folders if not (folder / "labels.yaml").is_file()]
    if missing:
        return _error(f"找不到标注（应有 docs/ 和 labels.yaml）：{'、'.join(missing)}")
    results = [evaluate_structure(folder, name) for name, (_, folder) in zip(names, folders, strict=True)]
    for result, (_, folder) in zip(results, folders, strict=True):
        result.folder = _shown(folder)
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_structure(r, details=not args.brief) for r in results))
    return 0


def _shown(folder: Path) -> str:
    """A set inside the project is named relative to it, so printed figures read the same anywhere."""
    resolved = folder.resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(folder)
