"""Prompt echo: the model copies the prompt's own wording into its answer.

Seen on the packaged 1.5B model: "一是（事实里的数字、名称、引号内容只能来自这里；方括号中是事实
编号，不要写进正文）。加强……", the facts block's note pasted in front of each point. The wording
of a template (its text without the variables: drafting.writing.templates.PromptLibrary.fixed_text)
is never report text, so any run of ECHO_MIN_CHARS or more characters of it in the answer is
removed, with the brackets around it when little else is inside them. The writer's facts are
never touched, even where they happen to share words with a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from drafting.model import Removal
from drafting.normalising.inline import GAP  # the placeholder form the prompt asks for is not an echo
from drafting.normalising.numbering import POINT_MARK

# Ten characters of a template's wording in a row do not happen in report prose by chance; shorter
# runs do ("庄重、准确、简练", "一是……二是……").
ECHO_MIN_CHARS = 10
# Phrases a template quotes are examples of report wording ("在上级党委的坚强领导下" as one not to
# use, "一是……二是……" as one to use): written in an answer they are prose, right or wrong, not an echo.
_QUOTED = re.compile(r"“[^”\n]*”")
_OPEN, _CLOSE = "（(【[", "）)】]"
_REACH = 8  # how far outside the echo a bracket may be and still be taken with it
_CUT = "\x00"  # marks where an echo was cut out while the lines are tidied
_LEAD_BEFORE = re.compile(rf"(?:{POINT_MARK})\s*$")


def instruction_grams(texts: Iterable[str]) -> frozenset[str]:
    """Every ECHO_MIN_CHARS-long run of the given template wording (placeholders left out)."""
    grams: set[str] = set()
    for text in texts:
        for line in _QUOTED.sub("\n", GAP.sub("\n", text)).splitlines():
            line = line.strip()
            grams.update(line[i : i + ECHO_MIN_CHARS] for i in range(len(line) - ECHO_MIN_CHARS + 1))
    return frozenset(grams)


def strip_echo(text: str, grams: frozenset[str], given_text: str = "") -> tuple[str, list[Removal]]:
    """The text without the runs it shares with the template wording in ``grams``."""
    if not grams or len(text) < ECHO_MIN_CHARS:
        return text, []
    spans = _echo_spans(text, grams, given_text)
    if not spans:
        return text, []
    removals, out, at = [], [], 0
    for start, end in spans:
        start, end = _with_brackets(text, start, end)
        start = max(start, at)
        if end < len(text) and text[end] in "。，；、：" and _LEAD_BEFORE.search(text[at:start]):
            end += 1  # "一是（…）。加强……": the lead goes on with the next words, not a full stop
        removals.append(Removal("prompt_echo", text[start:end]))
        out.append(text[at:start] + _CUT)
        at = end
    out.append(text[at:])
    # Only lines that lost an echo are tidied: doubled punctuation where it was cut out, a comma it
    # left at the start, and a line left with nothing but leads ("一是（…）；二是（…）。") goes.
    lines = []
    for line in "".join(out).split("\n"):
        if _CUT not in line:
            lines.append(line)
            continue
        tidy = re.sub(rf"([。；，]){_CUT}+\1", r"\1", line).replace(_CUT, "")
        tidy = tidy.lstrip("，；、。：") if line.lstrip().startswith(_CUT) else tidy
        if tidy.strip() and not _has_words(tidy):
            removals.append(Removal("prompt_echo", tidy.strip()))
            continue
        lines.append(tidy)
    return "\n".join(lines), removals


def _echo_spans(text: str, grams: frozenset[str], given_text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i in range(len(text) - ECHO_MIN_CHARS + 1):
        if text[i : i + ECHO_MIN_CHARS] not in grams:
            continue
        end = i + ECHO_MIN_CHARS
        if spans and i <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((i, end))
    return [(s, e) for s, e in spans if text[s:e] not in given_text]


def _with_brackets(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen the echo to the brackets around it when only a few characters inside them are left."""
    left = max(0, start - _REACH)
    opening = max((text.rfind(c, left, start + 1) for c in _OPEN), default=-1)
    if opening < 0 or any(c in text[opening + 1 : start] for c in "。！？\n" + _CLOSE):
        return start, end
    pair = _CLOSE[_OPEN.index(text[opening])]
    closing = text.find(pair, max(end - 1, start), end + _REACH)
    if closing < 0 or any(c in text[end:closing] for c in "。！？\n"):
        return start, end
    return opening, closing + 1


_POINT_MARKS = re.compile(POINT_MARK)


def _has_words(line: str) -> bool:
    return any(c.isalnum() for c in _POINT_MARKS.sub("", line))
