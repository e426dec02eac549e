"""What normalisation did to a draft, in lines a reviewer reads (``drafter check``) and as JSON."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from drafting.model import Section
from drafting.normalising.answer import REASON_LABELS

_SHOWN_CHARS = 60
_TAGS = re.compile(r"</?(?:think|thinking|reasoning)\s*>", re.IGNORECASE)  # the note quotes the words only


def removals_json(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """One entry per section the stage touched: its key, removals, and how the answer ended."""
    out = []
    for section in sections:
        finish = section.record.get("finish") or {}
        if not section.removals and not finish:
            continue
        out.append(
            {
                "section": section.key,
                "heading": section.heading,
                "finish": finish,
                "removals": [
                    {"reason": r.reason, "label": REASON_LABELS.get(r.reason, r.reason), "text": r.text,
                     "replacement": r.replacement}
                    for r in section.removals
                ],
            }
        )  # fmt: skip
    return out


def format_removals(sections: Sequence[Section], label: Any = None) -> str:
    """Chinese lines listing, per section, what was removed or changed in the model's answer.

    ``label`` turns a section key into words (grounding.section_label); the key itself otherwise.
    Empty when the stage changed nothing.
    """
    entries = removals_json(sections)
    if not entries:
        return ""
    total = sum(len(e["removals"]) for e in entries)
    lines = [f"整理模型回答：共删改 {total} 处（原文见草稿 JSON 的 removals）。"]
    for entry in entries:
        where = label(entry["section"]) if label else entry["section"]
        finish = entry["finish"]
        if finish.get("truncated"):
            state = "续写后已完整" if finish.get("complete") else "续写后仍不完整，已删去末尾半句"
            lines.append(f"[回答被截断] {where}：模型回答因长度限制中断，{state}")
        for removal in entry["removals"]:
            text = _short(removal["text"])
            change = f"改为“{_short(removal['replacement'])}”" if removal["replacement"] else "已删去"
            lines.append(f"[{removal['label']}] {where}：“{text}”{change}")
    return "\n".join(lines)


def removals_note(section: Section, examples: int = 2, chars: int = 16) -> str:
    """One Chinese line for the writer and the reviewer: what normalisation did to the section's
    answer, by habit, with the first texts it dropped; "" when it did nothing."""
    finish = section.record.get("finish") or {}
    lines = []
    if finish.get("truncated"):
        lines.append(
            "模型回答因长度限制中断，"
            + ("已续写完整。" if finish.get("complete") else "续写后仍不完整，已删去末尾半句。")
        )
    if section.removals:
        by_reason: dict[str, list[str]] = {}
        for removal in section.removals:
            by_reason.setdefault(removal.reason, []).append("" if removal.replacement else removal.text)
        items = []
        for reason, texts in by_reason.items():
            shown = [_short(_TAGS.sub("", t), chars) for t in texts if _TAGS.sub("", t).strip()][:examples]
            quoted = f"（{'、'.join(f'“{t}”' for t in shown)}）" if shown else ""
            items.append(f"{REASON_LABELS.get(reason, reason)} {len(texts)} 处{quoted}")
        lines.append(f"整理模型回答，删改 {len(section.removals)} 处：{'；'.join(items)}。")
    return "".join(lines)


def _short(text: str, limit: int = _SHOWN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
