"""People correct what the parser got wrong, and see which documents need a look.

A correction is recorded by content (retrieval.index.corrections) and applied at once to the
stored document, its passages, vectors and lexical rows; the next ingest of the same text applies
it again. A document needs attention when no title, kind or period was recognised, or when a part
a report of its kind always has is missing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from retrieval.index.catalog import DocumentRecord
from retrieval.index.corrections import Corrections

# The parts a report of each kind has; a missing one usually means a misread heading.
EXPECTED_PARTS = {
    "half-year": ("work", "plans"),
    "year-end": ("work", "plans"),
    "quarterly": ("work", "plans"),
    "speech": ("work",),
    "other": ("work",),
}
PART_NAMES = {
    "opening": "开头",
    "work": "工作情况",
    "problems": "问题不足",
    "plans": "下步打算",
    "closing": "结尾",
}


def attention(record: DocumentRecord, parts: Collection[str]) -> list[str]:
    """Why a document needs a person's look (empty when it does not)."""
    reasons = []
    if not record.title.strip() or record.title == Path(record.source).stem:
        reasons.append("未识别出标题")
    if record.kind == "other":
        reasons.append("未识别出类型")
    if not record.period:
        reasons.append("未识别出期间")
    missing = [PART_NAMES[p] for p in EXPECTED_PARTS.get(record.kind, ("work",)) if p not in parts]
    if missing:
        reasons.append("缺少部分：" + "、".join(missing))
    return reasons


def correct_document(kb: Any, record: DocumentRecord, fields: dict[str, Any]) -> DocumentRecord:
    """Record new metadata for a document and store it corrected."""
    full = kb.catalog.get_document(record.id) or record
    Corrections(kb.catalog).correct_document(full.cleaned_text, fields)
    return kb.store_corrected(full)


def move_to_part(
    kb: Any, record: DocumentRecord, part: str, *, passage_ids: Sequence[str] = (), heading: str | None = None
) -> list[str]:
    """Move passages (by id) or a heading with everything under it to ``part``; returns the ids moved.

    ``heading`` may be the start of an outline heading's text if that names one heading only."""
    full = kb.catalog.get_document(record.id) or record
    passages = kb.catalog.document_passages(full.id)
    texts: list[str] = []
    moved: list[str] = []
    unknown = [pid for pid in passage_ids if pid not in {p.id for p in passages}]
    if unknown:
        raise ValueError(f"这份材料没有段落：{'、'.join(unknown)}")
    if heading is not None:
        matches = [o.text for o in full.outline if o.text.startswith(heading.strip())]
        if len(set(matches)) != 1:
            shown = "、".join(o.text for o in full.outline) or "（无标题层次）"
            raise ValueError(f"“{heading}”{'对应多个' if matches else '不是'}提纲中的标题；提纲：{shown}")
        name = matches[0]
        texts.append(name)
        for p in passages:
            path = p.heading.split(" / ") if p.heading else []
            if name in path or p.text.startswith(name):
                moved.append(p.id)
    moved += [pid for pid in passage_ids if pid not in moved]
    if not moved and not texts:
        raise ValueError("请指定要移动的段落编号或标题")
    by_id = {p.id: p for p in passages}
    Corrections(kb.catalog).move([*texts, *(by_id[pid].text for pid in moved)], part)
    kb.store_corrected(full)
    return moved
