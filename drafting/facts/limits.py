"""How many facts a sheet may hold and how long one fact may be, checked while facts are parsed.

A real half-year report rests on a few dozen facts of a sentence or two. Far beyond that is a
mistake (a whole report pasted as one fact, a spreadsheet export of every line item), and it is
refused at once with a message naming the limit and the item, before anything is planned or sent to
a model. Measured with the offline composer (README "Facts limits"): a sheet of 1,000 facts
drafts, checks and saves in a few seconds.

The numbers are settings (drafting.settings.FactsSettings, ``DRAFTER_FACTS__*``); `FactLimits`
holds the same defaults for code that runs without settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Limits(Protocol):
    """What the facts parsers read (drafting.settings.FactsSettings has these fields)."""

    @property
    def max_facts(self) -> int: ...
    @property
    def max_fact_chars(self) -> int: ...
    @property
    def max_text_chars(self) -> int: ...


@dataclass(frozen=True)
class FactLimits:
    max_facts: int = 1_000
    # A fact is a sentence or two; 500 characters is a long paragraph.
    max_fact_chars: int = 500
    # Pasted text as a whole, and all fact texts of a sheet together.
    max_text_chars: int = 200_000


DEFAULT_FACT_LIMITS = FactLimits()


def too_many_facts(count: int, limits: Limits) -> str | None:
    """The problem with a sheet of ``count`` facts, or None."""
    if count <= limits.max_facts:
        return None
    return (
        f"事实过多：共 {count} 条，上限为 {limits.max_facts} 条（设置 facts.max_facts）。"
        "请合并相近的事实，或分成几份材料分别起草"
    )


def too_long_fact(text: str, limits: Limits) -> str | None:
    """The problem with one fact's text, or None (the caller puts where it is in front)."""
    if len(text) <= limits.max_fact_chars:
        return None
    return (
        f"这条事实有 {len(text)} 字，超过上限 {limits.max_fact_chars} 字（设置 facts.max_fact_chars）："
        f"“{text[:20]}……”。请拆成几条事实"
    )


def too_much_text(length: int, limits: Limits, what: str = "事实材料") -> str | None:
    """The problem with ``length`` characters of facts in all, or None."""
    if length <= limits.max_text_chars:
        return None
    return f"{what}过长：共 {length} 字，上限为 {limits.max_text_chars} 字（设置 facts.max_text_chars）"
