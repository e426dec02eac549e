"""The answer-normalisation stage: a model's raw answer in, the section's paragraphs and a record out.

Order matters: reasoning goes first (it may contain anything), then digits, fact ids and
placeholders (so later patterns see the clean forms), the prompt's own wording copied back,
courtesy text, then the line structure (Markdown blocks, echoed headings, headings and list items
in the outline's style) and inline Markdown; sentences said twice go last, once the paragraphs
have their final shape. Every change is a Removal on the result; the writer stores them on the section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from drafting.model import Paragraph, Removal
from drafting.normalising import courtesy, inline
from drafting.normalising.blocks import Block, classify_line, parse_blocks
from drafting.normalising.echo import strip_echo
from drafting.normalising.numbering import (
    RUN_IN_LEAD,
    numbering,
    ordinal_lead,
    strip_numbering,
    words_beyond_leads,
)
from drafting.normalising.reasoning import strip_reasoning
from drafting.normalising.repetition import drop_repeated_sentences
from drafting.normalising.rules import AnswerRules, default_rules

REASON_LABELS: dict[str, str] = {
    "reasoning": "推理过程",
    "preamble": "开头客套话",
    "closing": "结尾客套话",
    "markdown": "Markdown 格式",
    "echoed_heading": "重复的标题",
    "empty_heading": "没有正文的标题",
    "heading_to_text": "小标题改为正文",
    "list_item": "列表改为正文",
    "fact_id": "事实编号",
    "placeholder": "待补充写法",
    "fullwidth_digits": "全角数字",
    "renumbered_heading": "小标题按提纲重新编号",
    "truncated_tail": "截断的半句",
    "prompt_echo": "照抄的提示词",
    "repeated_sentence": "重复的句子",
}
_END = "。！？；"
_GLUED_LABEL = re.compile(r"(?<=[^\s。！？；：:])(?=【[一二三四五六七八九十\d]{1,3}】)")
_RUN_IN_LEAD = re.compile(rf"^(?:{RUN_IN_LEAD})\s*")
REASONING_NOTE_CHARS = 300  # a reasoning block can be long; the record keeps its start and length


@dataclass(frozen=True)
class AnswerContext:
    """What the stage needs to know about the section the answer was written for."""

    base_level: int = 0  # sub-headings the model writes sit below this level
    section_heading: str = ""
    part_heading: str = ""
    echoes: tuple[str, ...] = ()  # more texts an echoed heading may repeat (area, part label)
    subheadings: bool = False  # whether the outline asks for sub-headings inside the section
    fact_ids: tuple[str, ...] = ()
    given_text: str = ""  # the writer's facts, so their own "XX" is not taken for a placeholder
    # Runs of the prompt templates' own wording (normalising.echo.instruction_grams); empty: no check.
    instruction_grams: frozenset[str] = frozenset()


@dataclass
class NormalisedAnswer:
    paragraphs: list[Paragraph]
    removals: list[Removal] = field(default_factory=list)
    refusal: str | None = None  # the refusing phrase when the whole answer refuses


def clean_text(
    text: str, context: AnswerContext = AnswerContext(), rules: AnswerRules | None = None
) -> tuple[str, list[Removal]]:
    """The text-level habits: reasoning, full-width digits, fact ids, placeholders, courtesy text."""
    rules = rules or default_rules()
    text, removals = without_reasoning(text)
    for step in (
        inline.fullwidth_digits,
        lambda t: inline.fact_ids(t, context.fact_ids),
        lambda t: inline.placeholders(t, context.given_text),
        lambda t: strip_echo(t, context.instruction_grams, context.given_text),
        lambda t: courtesy.strip_preamble(t, rules),
        lambda t: courtesy.strip_closing(t, rules),
    ):
        text, made = step(text)
        removals += made
    return text, removals


def normalise_answer(
    text: str, context: AnswerContext = AnswerContext(), rules: AnswerRules | None = None
) -> NormalisedAnswer:
    """The answer as the section's paragraphs, with every removal and change recorded."""
    rules = rules or default_rules()
    visible, reasoning = strip_reasoning(text)
    refused = courtesy.refusal(visible, rules)
    if refused is not None:
        return NormalisedAnswer([], [Removal("reasoning", _abbreviated(b)) for b in reasoning], refused)
    cleaned, removals = clean_text(text, context, rules)
    # "……及时了解和【二】突出一个“实”字……": a loop restarting at the section's heading mid-line.
    cleaned = _GLUED_LABEL.sub("\n", cleaned)
    cleaned = _drop_gap_echoes(cleaned, context, removals)
    blocks, made = parse_blocks(cleaned)
    removals += made
    for i, block in enumerate(blocks):
        block.text, made = inline.inline_markdown(block.text)
        removals += made
        if made and block.kind == "body":
            # "**## 一、工作", "**1. 举办……": emphasis hid a heading or list mark, which would
            # otherwise stay in the paragraph; the line is read again without it.
            blocks[i] = classify_line(block.text.strip(), block.raw, removals)
    # A heading mark or list number with no words ("### ", "1. ") would otherwise stay as a bare "1.".
    blocks = [b for b in blocks if (b.text if b.kind == "body" else strip_numbering(b.text)).strip()]
    blocks = _drop_echoes(blocks, context, removals)
    _settle_headings(blocks, removals)
    paragraphs = (
        _numbered(blocks, context.base_level, removals) if context.subheadings else _run_in(blocks, removals)
    )
    paragraphs, made = drop_repeated_sentences([p for p in paragraphs if p.text.strip()])
    removals += made
    return NormalisedAnswer(paragraphs, removals)


def without_reasoning(text: str) -> tuple[str, list[Removal]]:
    """The text without reasoning blocks, each block recorded (its start and length when long)."""
    text, blocks = strip_reasoning(text)
    return text, [Removal("reasoning", _abbreviated(b)) for b in blocks]


def _abbreviated(block: str) -> str:
    if len(block) <= REASONING_NOTE_CHARS:
        return block
    return f"{block[:REASONING_NOTE_CHARS]}…（共 {len(block)} 字）"


# ---------------------------------------------------------------- echoed headings


def _echo_targets(context: AnswerContext) -> set[str]:
    """The headings, labels and title an answer may repeat, without numbers or spaces."""
    targets = {
        re.sub(r"\s+", "", strip_numbering(h))
        for h in (context.section_heading, context.part_heading, *context.echoes)
        if h
    }
    return targets - {""}


def _drop_gap_echoes(text: str, context: AnswerContext, removals: list[Removal]) -> str:
    """ "【待补充：<the title>】特此报告。": a gap that only names a heading or the title says nothing
    is missing; it goes, unless it is all the answer holds."""
    targets = _echo_targets(context)

    def drop(match: re.Match[str]) -> str:
        named = re.sub(r"\s+", "", match.group(1))
        if named in targets or _similar(named, targets, contained=False):
            removals.append(Removal("echoed_heading", match.group(0)))
            return ""
        return match.group(0)

    kept = len(removals)
    without = inline.GAP.sub(drop, text)
    if words_beyond_leads(inline.GAP.sub("", without)):
        return without
    del removals[kept:]
    return text


def _drop_echoes(blocks: list[Block], context: AnswerContext, removals: list[Removal]) -> list[Block]:
    """Leading lines that repeat the section's or part's heading (the draft prints those itself)."""
    repeats = _echo_targets(context)
    while blocks:
        first = blocks[0]
        # "一是存在的困难和问题。": the heading as a point. A gap that named it went before
        # (_drop_gap_echoes); one still here is all the section holds, and stays for the repair loop.
        bare = re.sub(r"\s+", "", _RUN_IN_LEAD.sub("", strip_numbering(first.text)).rstrip("。：:"))
        if inline.GAP.fullmatch(bare):
            break
        heading_like = first.kind == "heading" or (len(bare) <= 40 and not any(c in bare for c in _END))
        echoed = bare in repeats or _similar(bare, repeats)
        too_high = first.kind == "heading" and first.level is not None and first.level <= context.base_level
        if not heading_like or not (echoed or too_high):
            break
        removals.append(Removal("echoed_heading", first.raw))
        blocks.pop(0)
    # Further down, a heading line that is the section's or part's own heading word for word starts
    # the text over (a loop); the text under it stays, for the repetition rule to judge sentence by
    # sentence. Only exact repeats: a sub-heading near the area's name may be the model's structure.
    own = {strip_numbering(h) for h in (context.section_heading, context.part_heading) if h} - {""}
    kept = blocks[:1]
    for block in blocks[1:]:
        if block.kind == "heading" and strip_numbering(block.text) in own:
            removals.append(Removal("echoed_heading", block.raw))
            continue
        kept.append(block)
    return kept


def _similar(text: str, others: set[str], *, contained: bool = True) -> bool:
    """Close to one of ``others`` by character bigrams, or (``contained``) a part of one."""
    mine = _bigrams(text)
    return bool(mine) and any(
        _jaccard(mine, _bigrams(o)) >= 0.6 or (contained and text in o and len(text) >= 4) for o in others
    )


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


# ---------------------------------------------------------------- headings and list items


def _settle_headings(blocks: list[Block], removals: list[Removal]) -> None:
    """A "heading" with no body under it is a short list item, or (alone at the end) nothing."""
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind != "heading":
            i += 1
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        previous = blocks[i - 1] if i else None
        if previous is not None and previous.kind == "item" and previous.style == block.style:
            block.kind = "item"  # the last of a list of short items
        elif following is None and block.text.rstrip().endswith(("。", "！", "？")):
            block.kind = "item"  # "1. 举办培训班3期。" alone: a one-item list, not a heading to drop
        elif following is None:
            removals.append(Removal("empty_heading", block.raw))
            blocks.pop(i)
            continue
        elif following.kind in ("item", "heading") and following.style == block.style:
            block.kind = "item"  # a list of short items, not headings with nothing under them
        i += 1


def _run_in(blocks: Sequence[Block], removals: list[Removal]) -> list[Paragraph]:
    """No sub-headings: a heading leads its paragraph as "一是…。", a list becomes "一是…；二是…。"."""
    paragraphs: list[Paragraph] = []
    headings = 0
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading":
            headings += 1
            lead = _with_lead(strip_numbering(block.text), headings)
            lead = lead.rstrip("：:；;，,。") + "。"
            removals.append(Removal("heading_to_text", block.raw, lead))
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if following is not None and following.kind == "body":
                paragraphs.append(Paragraph(text=lead + following.text))
                i += 2
                continue
            items, i = _collect_items(blocks, i + 1)
            paragraphs.append(Paragraph(text=lead + _joined(items, removals, ordinals=False)))
            continue
        if block.kind == "item":
            items, i = _collect_items(blocks, i)
            paragraphs.append(Paragraph(text=_joined(items, removals, ordinals=True)))
            continue
        paragraphs.append(Paragraph(text=block.text))
        i += 1
    return paragraphs


def _collect_items(blocks: Sequence[Block], start: int) -> tuple[list[Block], int]:
    end = start
    style = blocks[start].style if start < len(blocks) else None
    while end < len(blocks) and blocks[end].kind == "item" and blocks[end].style == style:
        end += 1
    return list(blocks[start:end]), end


def _joined(items: Sequence[Block], removals: list[Removal], *, ordinals: bool) -> str:
    parts = []
    for n, item in enumerate(items, start=1):
        text = strip_numbering(item.text).strip()
        text = _with_lead(text, n) if ordinals and len(items) > 1 else text
        if any(c in text.rstrip("。") for c in "。！？") or n == len(items):
            text = text.rstrip("；;，,、") + ("" if text[-1:] in "。！？" else "。")
        else:
            text = text.rstrip("；;，,、。.") + "；"
        removals.append(Removal("list_item", item.raw, text))
        parts.append(text)
    return "".join(parts)


def _with_lead(text: str, n: int) -> str:
    return text if _RUN_IN_LEAD.match(text) else ordinal_lead(n) + text


def _numbered(blocks: Sequence[Block], base_level: int, removals: list[Removal]) -> list[Paragraph]:
    """Sub-headings allowed: headings renumbered in the outline's style below ``base_level``,
    levels given to numbering styles in the order they first appear; lists still become prose."""
    style_levels: dict[str, int] = {}
    counters: dict[int, int] = {}
    paragraphs: list[Paragraph] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "item":
            items, i = _collect_items(blocks, i)
            paragraphs.append(Paragraph(text=_joined(items, removals, ordinals=True)))
            continue
        i += 1
        if block.kind == "body" or block.style is None:
            paragraphs.append(Paragraph(text=block.text))
            continue
        if block.style not in style_levels:
            style_levels[block.style] = min(4, base_level + 1 + len(style_levels))
        level = style_levels[block.style]
        counters[level] = counters.get(level, 0) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        text = numbering(level, counters[level]) + strip_numbering(block.text)
        if text != block.raw:
            removals.append(Removal("renumbered_heading", block.raw, text))
        paragraphs.append(Paragraph(text=text, kind="heading", level=level))
    return paragraphs


# ---------------------------------------------------------------- answers cut off by the token limit


def continuation_text(text: str, rules: AnswerRules | None = None) -> tuple[str, list[Removal]]:
    """The rest of a truncated answer as the model sent it, without reasoning or a new preamble."""
    rules = rules or default_rules()
    text, removals = without_reasoning(text)
    text, made = courtesy.strip_preamble(text, rules)
    return text, removals + made


_SENTENCE_END = re.compile(r"[。！？][”’」』]?")


def trim_unfinished(text: str) -> tuple[str, str]:
    """(text up to its last finished sentence, the unfinished tail); no cut when no sentence ends."""
    ends = list(_SENTENCE_END.finditer(text))
    if not ends:
        return text, ""
    cut = ends[-1].end()
    return text[:cut], text[cut:].strip()
