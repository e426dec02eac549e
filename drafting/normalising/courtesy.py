"""Courtesy text around the answer (preambles, closing offers) and refusals, found by the rules' phrases."""

from __future__ import annotations

import re

from drafting.model import Removal
from drafting.normalising.rules import AnswerRules

_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’\"']?|\.(?=\s|$)|$)")
_DECORATION = re.compile(r"^[\s#>*_`\-—]+|[\s*_`]+$")


def strip_preamble(text: str, rules: AnswerRules) -> tuple[str, list[Removal]]:
    """The answer without a leading "好的，以下是……：" / "Sure! Here is…" line (up to three of them)."""
    removals: list[Removal] = []
    starts = tuple(s.lower() for s in rules.preamble_starts)
    for _ in range(3):
        body = text.lstrip()
        line, newline, rest = body.partition("\n")
        probe = _DECORATION.sub("", line).lower()
        if not probe or len(probe) > rules.preamble_max_chars or not probe.startswith(starts):
            break
        colon = min((i for i in (line.find("："), line.find(":")) if i >= 0), default=-1)
        if colon >= 0 and line[colon + 1 :].strip():
            removals.append(Removal("preamble", line[: colon + 1].strip()))
            text = line[colon + 1 :] + newline + rest
        elif rest.strip():
            removals.append(Removal("preamble", line.strip()))
            text = rest
        else:
            break  # the line is the whole answer: not a preamble to anything
    return text, removals


def strip_closing(text: str, rules: AnswerRules) -> tuple[str, list[Removal]]:
    """The answer without trailing offers ("以上内容可根据实际情况进一步修改完善。", "希望…有所帮助！")."""
    removals: list[Removal] = []
    phrases = tuple(p.lower() for p in rules.closing_phrases)
    lines = text.rstrip().split("\n")
    while lines:
        line = lines[-1]
        if not _DECORATION.sub("", line):
            if line.strip():  # a rule ("---") between the answer and the offer
                removals.insert(0, Removal("markdown", line.strip()))
            lines.pop()
            continue
        sentences = [s for s in _SENTENCE.findall(line) if s]
        kept = list(sentences)
        while kept and _is_closing(kept[-1], phrases, rules.closing_max_chars):
            removals.insert(0, Removal("closing", kept.pop().strip()))
        if kept == sentences:
            break
        if "".join(kept).strip():
            lines[-1] = "".join(kept).rstrip()
            break
        lines.pop()
    return "\n".join(lines), removals


def _is_closing(sentence: str, phrases: tuple[str, ...], max_chars: int) -> bool:
    probe = _DECORATION.sub("", sentence).lower()
    return bool(probe) and len(probe) <= max_chars and any(p in probe for p in phrases)


def refusal(text: str, rules: AnswerRules) -> str | None:
    """The refusing phrase when the whole (short) answer is a refusal, else None."""
    probe = " ".join(text.split()).lower()
    if not probe or len(probe) > rules.refusal_max_chars:
        return None
    return next((p for p in rules.refusal_phrases if p.lower() in probe), None)
