"""Repetition loops: a small model that says the same sentence again and again.

Seen on the packaged 1.5B model: "同时，我部还加强了对村党组织的指导和监督，确保党组织的正常运行。"
closing five points in a row, and whole points repeated under new leads ("六 加强……", "七 加强……").
A sentence that says word for word what the section already said is removed; its lead (一是, 六、,
1.) does not count, so a point repeated under another number goes too, and so does an unfinished
copy where a loop was cut off, or a gap (【待补充…】) said again. Headings and other short
sentences ("取得明显成效。", "特此报告。") are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from drafting.model import Paragraph, Removal
from drafting.normalising.inline import GAP
from drafting.normalising.numbering import POINT_MARK

MIN_REPEAT_CHARS = 12  # shorter sentences may well recur in a report ("取得明显成效")
_SENTENCE = re.compile(r"[^。！？；]*[。！？；][”’」』]?|[^。！？；]+$")
_LEAD = re.compile(rf"^\s*(?:{POINT_MARK})\s*")
_GAPS = re.compile(rf"(?:{GAP.pattern})+")
_IGNORED = re.compile(r"[\s，,、。！？；：:“”‘’\"']")


def drop_repeated_sentences(paragraphs: Sequence[Paragraph]) -> tuple[list[Paragraph], list[Removal]]:
    """The paragraphs without sentences that repeat an earlier one of the same section."""
    seen: set[str] = set()
    removals: list[Removal] = []
    kept: list[Paragraph] = []
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            kept.append(paragraph)
            continue
        sentences = [s for s in _SENTENCE.findall(paragraph.text) if s]
        out = []
        for sentence in sentences:
            key = _IGNORED.sub("", _LEAD.sub("", sentence))
            unfinished = sentence.rstrip()[-1:] not in "。！？；”’」』"
            # A loop cut off by the token limit ends in the start of a sentence already said.
            cut_copy = unfinished and any(k.startswith(key) for k in seen)
            gap = _GAPS.fullmatch(key) is not None  # "【待补充：本部分内容】" again is a loop too
            if (len(key) >= MIN_REPEAT_CHARS or gap) and (key in seen or cut_copy):
                removals.append(Removal("repeated_sentence", sentence))
                continue
            seen.add(key)
            out.append(sentence)
        if len(out) == len(sentences):
            kept.append(paragraph)
            continue
        text = "".join(out).strip()
        if text and text[-1] in "；，、":
            text = text[:-1] + "。"
        if any(c.isalnum() for c in _LEAD.sub("", text)):
            kept.append(replace(paragraph, text=text))
        elif text:
            removals.append(Removal("repeated_sentence", text))  # only a lead was left ("六 ")
    return kept, removals
