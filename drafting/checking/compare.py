"""Comparing texts for people: version diffs and the spans a paragraph shares with its sources."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from drafting.model import Draft

MATCH_MIN_CHARS = 4  # shorter common runs (的、和、工作) say nothing about where a sentence came from


@dataclass(frozen=True)
class DiffRow:
    """One line of a version diff."""

    kind: Literal["same", "changed", "added", "removed"]
    segments: tuple[tuple[str, str], ...]  # (op, text), op in "=", "+", "-"


def matching_spans(a: str, b: str, min_chars: int = MATCH_MIN_CHARS) -> list[tuple[int, int, int, int]]:
    """Runs of at least ``min_chars`` characters shared by a and b, as (a_start, a_end, b_start, b_end)."""
    if not a or not b:
        return []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [
        (m.a, m.a + m.size, m.b, m.b + m.size) for m in matcher.get_matching_blocks() if m.size >= min_chars
    ]


def draft_rows(draft: Draft) -> list[str]:
    """The draft's lines in reading order, for diffs."""
    rows = [draft.title]
    for section in draft.sections:
        if section.heading:
            rows.append(section.heading)
        rows.extend(p.text for p in section.paragraphs)
    return [r for r in rows if r and r.strip()]


def diff_drafts(old: Draft, new: Draft) -> list[DiffRow]:
    """Line-level diff of two drafts, with character-level detail inside changed lines."""
    a, b = draft_rows(old), draft_rows(new)
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("same", (("=", line),)) for line in a[i1:i2])
        elif op == "delete":
            rows.extend(DiffRow("removed", (("-", line),)) for line in a[i1:i2])
        elif op == "insert":
            rows.extend(DiffRow("added", (("+", line),)) for line in b[j1:j2])
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                if k >= len(olds):
                    rows.append(DiffRow("added", (("+", news[k]),)))
                elif k >= len(news):
                    rows.append(DiffRow("removed", (("-", olds[k]),)))
                else:
                    rows.append(DiffRow("changed", tuple(_char_diff(olds[k], news[k]))))
    return rows


def _char_diff(old: str, new: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("-", old[i1:i2]))
            if j2 > j1:
                out.append(("+", new[j1:j2]))
    return out


def split_paragraphs(text: str) -> list[str]:
    """A section's edited text → paragraph texts: one per non-blank line, trimmed."""
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
