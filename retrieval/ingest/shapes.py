"""Shapes of lines in Chinese official reports, shared by the loaders, the cleaner and the parser.

Official documents number their headings in a fixed hierarchy (GB/T 9704): 一、 / （一） / 1. /
（1）, with "——" lead-ins for highlighted sub-points. Page numbers and dates have their own
conventional forms. Only patterns live here; decisions are made by the modules that use them.
"""

from __future__ import annotations

import re

CN_DIGITS = "一二三四五六七八九十百零〇"
SENTENCE_END = "。！？!?"
# Marks that end a heading sentence when a heading and its body share one paragraph.
HEADING_END = "。；;：:！!？?"

# (level, pattern); the first match wins, so longer forms come before their prefixes.
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{CN_DIGITS}]+部分\s*")),
    (1, re.compile(rf"^第[{CN_DIGITS}]+、\s*")),
    (3, re.compile(rf"^第[{CN_DIGITS}]+[，,]\s*")),
    (1, re.compile(rf"^[{CN_DIGITS}]+\s*[、．.]\s*")),
    (2, re.compile(rf"^[（(]\s*[{CN_DIGITS}]+\s*[）)]\s*")),
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*")),
    (4, re.compile(r"^[①-⑳]\s*")),
    (3, re.compile(r"^\d{1,2}\s*[.．、](?!\d)\s*")),
    (5, re.compile(r"^——\s*")),
)
HEADING_START = re.compile("|".join(f"(?:{p.pattern})" for _, p in _HEADING_PATTERNS))

PAGE_NUMBER = re.compile(
    r"^(?:"
    r"[-—–－─_~·•\s]*\d{1,4}[-—–－─_~·•\s]*"  # 3 / - 4 - / — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,4}\s*页)?"  # 第 5 页 共 9 页
    r"|共\s*\d{1,4}\s*页\s*[,，/、]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"  # 3/9
    r"|page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"  # Page 3 of 9
    r")$",
    re.IGNORECASE,
)

_DATE_BODY = (
    r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)"
)
DATE_LINE = re.compile(rf"^{_DATE_BODY}$")
PARENTHESISED_DATE = re.compile(rf"^[（(]\s*{_DATE_BODY}\s*[）)]$")


def heading_marker(text: str) -> tuple[int, int] | None:
    """``(level, end of the numbering)`` if ``text`` opens with heading numbering, else None.

    Levels: 1 一、 / 2 （一） / 3 1. 1、 1． / 4 （1） ① / 5 ——; "第一、" counts as 1 and "第一，" as 3.
    """
    for level, pattern in _HEADING_PATTERNS:
        match = pattern.match(text)
        if match and match.end() < len(text):
            return level, match.end()
    return None


def is_page_number(text: str) -> bool:
    """Whether a whole line is a page number: "3", "— 3 —", "- 4 -", "第 5 页 共 9 页", "3/9"."""
    return bool(PAGE_NUMBER.match(text.strip()))


def is_date_line(text: str) -> bool:
    """A line that is only a date, "2025年4月8日" or "二〇二五年四月八日" (signatures, speeches)."""
    text = text.strip()
    return bool(DATE_LINE.match(text) or PARENTHESISED_DATE.match(text))
