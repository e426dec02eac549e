"""The line structure of an answer: body lines, headings and list items, with Markdown blocks undone.

Code fences and rules go, tables become sentences, quote marks and bullets come off; what each
line was is kept (a heading's numbering style, a list item's marker) for the answer stage to
decide how it fits the outline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from drafting.model import Removal
from drafting.normalising.numbering import numbering_style

BlockKind = Literal["body", "heading", "item"]
MAX_HEADING_CHARS = 40

_FENCE = re.compile(r"^(```|~~~)")
_RULE_CHARS = set("-*_=—━─ ")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*")
_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*\s*[：:]?$")
_QUOTE_MARK = re.compile(r"^(?:>\s*)+")
_BULLET = re.compile(r"^(?:[-*+•·●○◆◇■□▪▸►✓✔]\s*)+")  # "- - x": a nested list flattened
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
# "【工作情况】（一）党的政治建设", "【三】党建品牌", "【二、存在的问题和不足】": a bracketed label or
# number before (or around) a heading. 【待补充：…】 is the writer's placeholder, never a label.
_BRACKET_LABEL = re.compile(r"^【(?!待补充)([^】]{1,24})】\s*")
_CN_OR_DIGITS = re.compile(r"^[一二三四五六七八九十\d]+$")


@dataclass
class Block:
    kind: BlockKind
    text: str
    raw: str  # the line as the model wrote it
    style: str | None = None  # a heading's numbering style ("#2", "bold", a pattern)
    level: int | None = None  # the level that style usually means


def parse_blocks(text: str) -> tuple[list[Block], list[Removal]]:
    """The answer's lines as blocks, and the Markdown block marks removed on the way."""
    blocks: list[Block] = []
    removals: list[Removal] = []
    table: list[str] = []

    def flush_table() -> None:
        if table:
            blocks.extend(_table_rows(table, removals))
            table.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip().strip("\u3000").strip()
        if line.startswith("|") and line.count("|") >= 2:
            table.append(line)
            continue
        flush_table()
        if not line:
            continue
        if _FENCE.match(line) or (len(line) >= 3 and set(line) <= _RULE_CHARS):
            removals.append(Removal("markdown", line))
            continue
        quote = _QUOTE_MARK.match(line)
        if quote:
            removals.append(Removal("markdown", quote.group(0).strip(), ""))
            line = line[quote.end() :].strip()
            if not line:
                continue
        blocks.append(_classify(line, raw.strip(), removals))
    flush_table()
    return blocks, removals


def classify_line(line: str, raw: str, removals: list[Removal]) -> Block:
    """One stripped line as a heading, list item or body line (Markdown heading marks removed)."""
    return _classify(line, raw, removals)


def _classify(line: str, raw: str, removals: list[Removal]) -> Block:
    markdown = _MARKDOWN_HEADING.match(line)
    if markdown:
        text = line[markdown.end() :].strip().strip("*").strip()
        inner = _bracketed_heading(text, raw, removals)
        if inner is not None:
            text = inner
        return Block("heading", text, raw, f"#{len(markdown.group(1))}", len(markdown.group(1)))
    bold = _BOLD_LINE.match(line)
    if bold:
        text = bold.group(1).strip()
        style = numbering_style(text)
        return Block("heading", text, raw, *(style or ("bold", 3)))
    bracketed = _bracketed_heading(line, raw, removals)
    if bracketed is not None:
        if _heading_like(bracketed):
            style = numbering_style(bracketed)
            return Block("heading", bracketed, raw, *(style or ("【】", 2)))
        line = bracketed  # a label before body text: the label goes, the text stays
    bullet = _BULLET.match(line)
    if bullet and not line.startswith("**"):
        return Block("item", line[bullet.end() :].strip(), raw, "bullet")
    style = numbering_style(line)
    if style is not None:
        # A numbered short line without a full stop is a heading; a numbered sentence is an item.
        if _heading_like(line):
            return Block("heading", line, raw, *style)
        return Block("item", line, raw, style[0])
    return Block("body", line, raw)


def _bracketed_heading(line: str, raw: str, removals: list[Removal]) -> str | None:
    """The text of a line that starts with a 【label】, the label dropped (and recorded); else None."""
    match = _BRACKET_LABEL.match(line)
    if match is None:
        return None
    label, rest = match.group(1).strip(), line[match.end() :].strip()
    if not rest:  # 【二、存在的问题和不足】: the whole heading in brackets
        return label
    if _CN_OR_DIGITS.match(label):  # 【三】党建品牌: the number of the heading
        return f"【{label}】{rest}"
    removals.append(Removal("echoed_heading", match.group(0).strip()))
    return rest


def _heading_like(text: str) -> bool:
    return len(text) <= MAX_HEADING_CHARS and "。" not in text.rstrip("。")


def _table_rows(lines: list[str], removals: list[Removal]) -> list[Block]:
    """A Markdown table as body sentences, one per data row; header and separator rows recorded."""
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    has_header = len(lines) > 1 and _TABLE_SEPARATOR.match(lines[1]) is not None
    blocks: list[Block] = []
    for i, (line, cells) in enumerate(zip(lines, rows, strict=True)):
        if _TABLE_SEPARATOR.match(line) or (has_header and i == 0):
            removals.append(Removal("markdown", line))
            continue
        cells = [c for c in cells if c]
        if not cells:
            removals.append(Removal("markdown", line))
            continue
        text = "，".join(c.rstrip("。；;，,") for c in cells) + "。"
        removals.append(Removal("markdown", line, text))
        blocks.append(Block("body", text, line))
    return blocks
