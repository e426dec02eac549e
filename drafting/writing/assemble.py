"""Turning a model's answer into paragraphs of a section, and sections into a draft.

A model writes headings its own way ("## 1、…", "**（二）…**", a repeat of the section heading);
the draft must use the outline's numbering (一、 （一） 1. （1）) counted from the section's own
level. Each paragraph records the facts it states (grounding's attribution) and the exemplar
passages it leaned on, with the span of the closest match, so a reviewer can see both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from drafting.model import Paragraph, PassageRef
from retrieval.documents import Passage

_CN = "一二三四五六七八九十"
# Source numbering styles a model may use, each with the level it most often means.
_NUMBERING: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^[{_CN}]+[、.．]\s*"), 1),
    (re.compile(rf"^[（(][{_CN}]+[）)]\s*"), 2),
    (re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))\s*"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]\s*"), 4),
)
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*")
_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*[：:]?$")
_LIST_MARK = re.compile(r"^(?:[-*•·>]\s+)")
_FENCE = re.compile(r"^```")
# Fact ids the prompt shows ("[work.0.1]"); the model is told not to copy them, and sometimes does.
_FACT_ID_TAG = re.compile(r"[ \t]*[\[【](?:[A-Za-z_]+(?:\.\d+)+)[\]】][ \t]*")
_MAX_HEADING_CHARS = 40


def numbering(level: int, n: int) -> str:
    """The outline's number for the n-th (1-based) heading at ``level``: 一、 （一） 1. （1）."""
    if level <= 1:
        return f"{_cn_numeral(n)}、"
    if level == 2:
        return f"（{_cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def _cn_numeral(n: int) -> str:
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    if n < 20:
        return "十" + "零一二三四五六七八九"[n - 10].replace("零", "")
    tens, ones = divmod(n, 10)
    return _CN[tens - 1] + "十" + ("" if ones == 0 else _CN[ones - 1])


def strip_numbering(text: str) -> str:
    """The heading text without its number or markdown marks."""
    text = _MARKDOWN_HEADING.sub("", text.strip()).strip("*").strip()
    for pattern, _ in _NUMBERING:
        text = pattern.sub("", text, count=1)
    return text.strip()


@dataclass(frozen=True)
class _Line:
    text: str
    heading_level: int | None  # the source style's level when the line is a heading, else None
    style: str | None  # the numbering style seen, to map styles to levels in order of appearance


def _classify(raw: str) -> _Line | None:
    line = raw.strip().lstrip("\u3000").strip()
    if not line or _FENCE.match(line) or set(line) <= set("-*_=—"):
        return None
    markdown = _MARKDOWN_HEADING.match(line)
    bold = _BOLD_LINE.match(line)
    line = _LIST_MARK.sub("", line)
    if markdown:
        text = line[markdown.end() :].strip().strip("*").strip()
        return _Line(text, len(markdown.group(1)), f"#{len(markdown.group(1))}")
    if bold:
        text = bold.group(1).strip()
        for pattern, level in _NUMBERING:
            if pattern.match(text):
                return _Line(text, level, pattern.pattern)
        return _Line(text, 3, "bold")
    line = line.replace("**", "")
    for pattern, level in _NUMBERING:
        match = pattern.match(line)
        # A numbered short line without a full stop is a heading; a numbered sentence is a
        # run-in item ("1.加强学习。……") and stays a body paragraph.
        if match and len(line) <= _MAX_HEADING_CHARS and "。" not in line.rstrip("。"):
            return _Line(line, level, pattern.pattern)
    return _Line(line, None, None)


def split_answer(
    text: str, *, base_level: int, section_heading: str = "", part_heading: str = ""
) -> list[Paragraph]:
    """Paragraphs of a model's answer, headings renumbered below ``base_level``.

    Headings at the very start that repeat the section's or part's heading are dropped (the
    draft prints those itself). Other headings become levels base_level+1.. (at most 4), in the
    order their numbering styles first appear, and are numbered afresh per level.
    """
    text = _FACT_ID_TAG.sub("", text.replace("\r\n", "\n"))
    lines = [c for c in (_classify(r) for r in text.split("\n")) if c is not None]
    repeats = {strip_numbering(h) for h in (section_heading, part_heading) if h}
    while (
        lines
        and lines[0].heading_level is not None
        and (
            strip_numbering(lines[0].text) in repeats
            or lines[0].heading_level <= base_level
            or _similar(lines[0].text, repeats)
        )
    ):
        lines.pop(0)
    style_levels: dict[str, int] = {}
    counters: dict[int, int] = {}
    paragraphs: list[Paragraph] = []
    for line in lines:
        if line.heading_level is None or line.style is None:
            paragraphs.append(Paragraph(text=line.text))
            continue
        if line.style not in style_levels:
            style_levels[line.style] = min(4, base_level + 1 + len(style_levels))
        level = style_levels[line.style]
        counters[level] = counters.get(level, 0) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        heading = strip_numbering(line.text)
        paragraphs.append(
            Paragraph(text=numbering(level, counters[level]) + heading, kind="heading", level=level)
        )
    while paragraphs and paragraphs[-1].kind == "heading":  # a trailing heading has nothing under it
        paragraphs.pop()
    return paragraphs


def _similar(text: str, others: set[str]) -> bool:
    mine = _bigrams(strip_numbering(text))
    return any(mine and _jaccard(mine, _bigrams(o)) >= 0.6 for o in others if o)


# ---------------------------------------------------------------- exemplars a paragraph leaned on


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def longest_common_span(text: str, other: str) -> tuple[int, int, int]:
    """(length, start in ``other``, end in ``other``) of the longest substring shared with ``text``."""
    best = (0, 0, 0)
    previous = [0] * (len(other) + 1)
    for ch in text:
        current = [0] * (len(other) + 1)
        for j, och in enumerate(other, start=1):
            if ch == och:
                current[j] = previous[j - 1] + 1
                if current[j] > best[0]:
                    best = (current[j], j - current[j], j)
        previous = current
    return best


def leaned_on(text: str, exemplars: Sequence[Passage], *, min_similarity: float = 0.08) -> list[PassageRef]:
    """The exemplar closest to ``text`` in wording, with the span of their longest shared run.

    Offsets are in the source document's cleaned text (the passage's own offsets plus the span),
    so a reviewer can open the past report at that place. Nothing when no exemplar is close.
    """
    mine = _bigrams(text)
    scored = sorted(((_jaccard(mine, _bigrams(p.text)), i) for i, p in enumerate(exemplars)), reverse=True)
    if not scored or scored[0][0] < min_similarity:
        return []
    passage = exemplars[scored[0][1]]
    length, start, end = longest_common_span(text, passage.text)
    if length < 4:  # no shared run worth pointing at: point at the whole passage
        start, end = 0, len(passage.text)
    return [PassageRef(passage.id, passage.source, passage.start + start, passage.start + end)]


def annotate(
    paragraphs: list[Paragraph], exemplars: Sequence[Passage], attribute: Callable[[str], list[str]]
) -> list[Paragraph]:
    """Fill each body paragraph's fact ids (``attribute``) and exemplar references, in place."""
    for paragraph in paragraphs:
        if paragraph.kind != "body":
            continue
        paragraph.fact_ids = list(attribute(paragraph.text))
        paragraph.passages = leaned_on(paragraph.text, exemplars)
    return paragraphs
