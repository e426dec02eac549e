"""The outline's numbering (一、 （一） 1. （1）) and the numbering styles models write headings in."""

from __future__ import annotations

import re

_CN = "一二三四五六七八九十"
# Source numbering styles a model may use, each with the level it most often means.
NUMBERING_STYLES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^[{_CN}]+[、.．]\s*"), 1),
    (re.compile(rf"^[（(][{_CN}]+[）)]\s*"), 2),
    (re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))\s*"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]\s*"), 4),
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s*")
# The run-in leads official prose numbers its points with (一是, 二是 … 第一，), and any mark a
# model may put before a point (those, 一、, 一 , 1., （一）). Patterns to build on, not compiled.
RUN_IN_LEAD = rf"[{_CN}]+是|第[{_CN}]+[，,、]"
POINT_MARK = rf"{RUN_IN_LEAD}|[{_CN}]+[、\s]|\d+[.、．]|[（(][{_CN}\d]+[）)]"
# "【三】党建品牌", "第三，": a bracketed or ordinal number a model put before a heading.
_BRACKET_NUMBER = re.compile(rf"^【[{_CN}\d]+】\s*")
_RUN_IN_LEADS = re.compile(RUN_IN_LEAD)


def words_beyond_leads(text: str) -> bool:
    """Whether ``text`` holds letters or digits besides its run-in leads ("三是【待补充…】" does not,
    once the gap is taken out)."""
    return any(c.isalnum() for c in _RUN_IN_LEADS.sub("", text))


def numbering(level: int, n: int) -> str:
    """The outline's number for the n-th (1-based) heading at ``level``: 一、 （一） 1. （1）."""
    if level <= 1:
        return f"{cn_numeral(n)}、"
    if level == 2:
        return f"（{cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def cn_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (up to 99)."""
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    if n < 20:
        return "十" + "零一二三四五六七八九"[n - 10].replace("零", "")
    tens, ones = divmod(n, 10)
    return _CN[tens - 1] + "十" + ("" if ones == 0 else _CN[ones - 1])


def ordinal_lead(n: int) -> str:
    """The run-in enumeration official prose uses instead of a list: 一是, 二是, …"""
    return f"{cn_numeral(n)}是"


def strip_numbering(text: str) -> str:
    """The heading text without its number, brackets or markdown marks."""
    text = _MARKDOWN_HEADING.sub("", text.strip()).strip("*").strip()
    text = _BRACKET_NUMBER.sub("", text)
    for pattern, _ in NUMBERING_STYLES:
        text = pattern.sub("", text, count=1)
    return text.strip()


def numbering_style(text: str) -> tuple[str, int] | None:
    """(style key, usual level) of the number ``text`` starts with, or None."""
    for pattern, level in NUMBERING_STYLES:
        if pattern.match(text):
            return pattern.pattern, level
    if _BRACKET_NUMBER.match(text):
        return "【n】", 2
    return None
