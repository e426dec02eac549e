"""Exemplars as style only: what a past passage may show the model before it is put in a prompt.

A small model copies what it is shown: whole paragraphs, another body's figures, names and plans.
So a past passage reaches the prompt masked (numbers, named bodies and quoted titles become ××)
and trimmed to the few sentences that best show the register (sentences with the fewest masked
spans, the stock connectives scoring up), in their original order. The original passage stays on
the section's record and is what the copy check compares the draft against.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from drafting.mentions.names import extract_names, extract_quotes
from drafting.mentions.numbers import extract_numbers
from retrieval.documents import Passage

MASK = "××"
MAX_SENTENCES = 2
MAX_CHARS = 160
# Words that carry the register of a work report rather than its content.
_REGISTER = re.compile(
    r"坚持|着力|推动|进一步|扎实|聚焦|围绕|不断|切实|持续|深入|一是|二是|三是|统筹|强化|提升"
)
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_MASKS = re.compile(r"××(?:[\s、，,]*××)+")


# The same past passages come back for the same sections in every draft of a kind, and finding the
# names in one costs milliseconds; the function is pure, so each text is masked once.
@lru_cache(maxsize=4096)
def mask_details(text: str) -> str:
    """``text`` with its numbers, named bodies and quoted titles replaced by ×× (quote marks kept)."""
    spans: list[tuple[int, int, str]] = []
    for quote in extract_quotes(text):
        opening, closing = quote.text[0], quote.text[-1]
        spans.append((quote.start, quote.end, f"{opening}{MASK}{closing}"))
    spans += [(m.start, m.end, MASK) for m in extract_numbers(text)]
    spans += [(m.start, m.end, MASK) for m in extract_names(text)]
    out, cursor = [], 0
    for start, end, replacement in sorted(spans):
        if start < cursor:  # inside a span already masked (a number within a quoted title)
            continue
        out += [text[cursor:start], replacement]
        cursor = end
    out.append(text[cursor:])
    # "××、××、××" (a list of masked items) says nothing more than one ××.
    return _MASKS.sub(MASK, "".join(out))


def style_excerpt(text: str, max_sentences: int = MAX_SENTENCES, max_chars: int = MAX_CHARS) -> str:
    """The sentences of ``text`` that best show its register, masked, at most ``max_chars`` long."""
    sentences = [s.strip() for s in _SENTENCE.findall(mask_details(text)) if len(s.strip()) >= 8]
    if not sentences:
        return ""
    ranked = sorted(
        range(len(sentences)),
        key=lambda i: (sentences[i].count(MASK) - len(_REGISTER.findall(sentences[i])), i),
    )
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if len(chosen) >= max_sentences:
            break
        if used + len(sentences[i]) > max_chars and chosen:
            continue
        chosen.append(i)
        used += len(sentences[i])
    excerpt = "".join(sentences[i] for i in sorted(chosen))
    return excerpt if len(excerpt) <= max_chars else excerpt[: max_chars - 1] + "…"


def as_style_exemplar(passage: Passage) -> Passage:
    """The passage as the prompt shows it: its style excerpt, with the title's details masked too."""
    return replace(passage, text=style_excerpt(passage.text), title=mask_details(passage.title))
