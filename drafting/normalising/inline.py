"""Habits inside a line: full-width digits, copied fact ids, placeholder variants, inline Markdown.

Each function returns the new text and the Removals it made, one per change, so nothing changes
without a record a reviewer can read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from drafting.model import Removal

PLACEHOLDER_FORM = "【待补充：{}】"
GAP = re.compile(
    r"【待补充：?([^】]*)】"
)  # the one placeholder form the stage leaves; group 1: what is missing
PLACEHOLDER_MAX_CHARS = 40  # what is missing fits in a few words; longer is prose in brackets
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_RUN = re.compile(r"[０-９][０-９．.]*[０-９]|[０-９]")

_FACT_ID = r"[A-Za-z_]+(?:\.\d+)+"
# "[work.0.1]", "【work.0.1】", "（事实 work.0.1、work.0.2）": the ids the prompt shows beside facts.
_FACT_ID_TAG = re.compile(
    rf"[ \t]*[\[【（(]\s*(?:事实|fact)?\s*(?:编号)?\s*[:：]?\s*{_FACT_ID}"
    rf"(?:\s*[,，、;；]\s*{_FACT_ID})*\s*[\]】）)][ \t]*",
    re.IGNORECASE,
)

_PLACEHOLDER_WORDS = "待补充|待填写|待核实|待确认|待完善"
_BRACKETED_PLACEHOLDER = re.compile(
    rf"[\[【（(〔{{<]\s*(?:{_PLACEHOLDER_WORDS})\s*[:：]?\s*([^\]】）)〕}}>\n]*?)\s*[\]】）)〕}}>]"
)
# Bare "XX"/"××" (with digits around: "20XX年"), and a lone X before 年/月/日 ("X月X日").
_BARE_PLACEHOLDER = re.compile(r"(?<![A-Za-z])\d*(?:[XxＸｘ×✕]{2,}|[XxＸｘ×](?=[年月日号]))\d*(?![A-Za-z])")
_EDGE_PUNCTUATION = re.compile(r"^[\s：:…．.]+|[\s：:…．.]+$")
_NUMBER_FOLLOWERS = re.compile(
    r"^(?:[%％]|余|多|[个项名期家场次人户所座条件批篇支类台套门处起份本册年月日天周轮倍元米亩吨万亿])"
)

_INLINE_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # image: keep the alt text
    (re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)"), r"\1"),  # link: keep the words
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"\*\*\*(.+?)\*\*\*"), r"\1"),
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<![A-Za-z0-9_])__(.+?)__(?![A-Za-z0-9_])"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"(?<![*\\])\*(?![\s*])([^*\n]+?)(?<![\s\\])\*(?!\*)"), r"\1"),
    (re.compile(r"(?<![A-Za-z0-9_])_(?![\s_])([^_\n]+?)(?<!\s)_(?![A-Za-z0-9_])"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"</?(?:br|b|i|u|em|strong|p|span|div|sup|sub|font)\b[^>]*>", re.IGNORECASE), ""),
    (re.compile(r"\*\*|__"), ""),  # an unpaired bold mark left over
)
# A numbered list run into one paragraph: "…招聘难。2. 灵活就业…" (the first item's number went with
# the line start). Only right after a sentence's end, and never a decimal ("。2.5%" stays).
_INLINE_LIST_NUMBER = re.compile(r"(?<=[。；;！？!?])\s*[（(]?\d{1,2}(?:[.．](?!\d)|[、）)])\s*")


def fullwidth_digits(text: str) -> tuple[str, list[Removal]]:
    """Full-width digits (３６个) as ASCII digits (36个), the form the facts and the check use."""
    removals: list[Removal] = []

    def fix(match: re.Match[str]) -> str:
        new = match.group(0).translate(_FULLWIDTH).replace("．", ".")
        removals.append(Removal("fullwidth_digits", match.group(0), new))
        return new

    return _FULLWIDTH_RUN.sub(fix, text), removals


def fact_ids(text: str, known_ids: Collection[str] = ()) -> tuple[str, list[Removal]]:
    """The text without fact ids copied from the prompt, bracketed or (when known) bare."""
    removals: list[Removal] = []

    def drop(match: re.Match[str]) -> str:
        removals.append(Removal("fact_id", match.group(0).strip()))
        return ""

    text = _FACT_ID_TAG.sub(drop, text)
    for fact_id in sorted(known_ids, key=len, reverse=True):
        bare = re.compile(rf"[ \t]*(?<![\w.]){re.escape(fact_id)}(?![\w.]|\.\d)[ \t]*", re.ASCII)
        text = bare.sub(drop, text)
    return text, removals


def placeholders(text: str, given_text: str = "") -> tuple[str, list[Removal]]:
    """Placeholder variants as the one form 【待补充：…】 the export and the check recognise.

    Bare "XX"/"××" become a placeholder unless the writer's own facts (``given_text``) use that
    very token, in which case it is theirs and stays.
    """
    removals: list[Removal] = []

    def bracketed(match: re.Match[str]) -> str:
        detail = _EDGE_PUNCTUATION.sub("", match.group(1)) or "相关内容"
        if len(detail) > PLACEHOLDER_MAX_CHARS or "。" in detail:
            # "【待补充：推动……战略，……提供了有力支撑。】": whole sentences the model wrote and then
            # bracketed; they are its text (checked like the rest), not a note of what is missing.
            removals.append(Removal("placeholder", match.group(0), match.group(1)))
            return match.group(1)
        new = PLACEHOLDER_FORM.format(detail)
        if new != match.group(0):
            removals.append(Removal("placeholder", match.group(0), new))
        return new

    text = _BRACKETED_PLACEHOLDER.sub(bracketed, text)

    def bare(match: re.Match[str]) -> str:
        token = match.group(0)
        if given_text and token in given_text:
            return token
        follower = text[match.end() : match.end() + 1]
        kind = "具体数字" if _NUMBER_FOLLOWERS.match(follower) else "具体内容"
        new = PLACEHOLDER_FORM.format(kind)
        removals.append(Removal("placeholder", token, new))
        return new

    return _BARE_PLACEHOLDER.sub(bare, text), removals


def inline_markdown(text: str) -> tuple[str, list[Removal]]:
    """The text without bold, italic, code, strike-through, links, images and stray HTML tags, and
    without list numbers run into the paragraph after a sentence's end."""
    removals: list[Removal] = []
    for pattern, replacement in _INLINE_MARKDOWN:
        text = pattern.sub(_recording(removals, "markdown", replacement), text)
    text = _INLINE_LIST_NUMBER.sub(_recording(removals, "list_item", ""), text)
    return text, removals


def _recording(removals: list[Removal], reason: str, template: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        new = match.expand(template)
        removals.append(Removal(reason, match.group(0), new))
        return new

    return replace
