"""The composer's sentence craft: facts as clauses, clauses joined into sentences, which facts state
an effect, short names for problems, and which plan area answers which problem.

Nothing here adds wording of its own: every clause is a fact's text (trailing punctuation aside), so
the composer's numbers, names and dates all come from the writer. The word lists it relies on are
data (prompts/register.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from drafting.model import Fact, FactGroup, FactSheet
from drafting.outlines.register import Register

MAX_SENTENCE_CHARS = 90  # past this a run of joined facts reads as a list again: start a new sentence
MAX_CLAUSES_PER_SENTENCE = 3
MAX_PROBLEM_LABEL_CHARS = 24
MAX_PROBLEMS_NAMED = 3
_TRAILING = re.compile(r"[\s。；;，,、.!！?？:：]+$")
_ASCII_PUNCT = re.compile(r"(?<!\d)([,;])|([,;])(?!\d)")
_FIRST_CLAUSE = re.compile(r"[，,；;：:]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def clause(text: str) -> str:
    """A fact as a clause: trailing punctuation dropped, ASCII commas between words made Chinese."""
    text = _TRAILING.sub("", text.strip())
    return _ASCII_PUNCT.sub(lambda m: "，" if (m.group(1) or m.group(2)) == "," else "；", text)


def first_clause(text: str) -> str:
    return _FIRST_CLAUSE.split(clause(text), maxsplit=1)[0]


def effect_led(fact: Fact, register: Register) -> bool:
    """Whether the fact is a statement of effect ("夏粮总产量12.4万吨，同比增长2.1%"): its first
    clause holds an effect word. Such facts close their area, after the outline's effect lead."""
    return any(word in first_clause(fact.text) for word in register.effect_words)


def states_effect(fact: Fact, register: Register) -> bool:
    """Whether any part of the fact states an effect ("建成基地3个，带动农户1,500余户增收")."""
    return any(word in fact.text for word in register.effect_words)


def join_clauses(clauses: Sequence[str], lead: str = "") -> str:
    """Clauses run together into sentences: "，" between plain clauses, "；" when one has its own
    commas, a full stop when the sentence grows long. ``lead`` opens the first sentence."""
    sentences: list[str] = []
    current, count, previous = lead, 0, ""
    for text in clauses:
        if count and (count >= MAX_CLAUSES_PER_SENTENCE or len(current) + len(text) > MAX_SENTENCE_CHARS):
            sentences.append(current + "。")
            current, count = "", 0
        if count:
            current += "；" if ("，" in text or "，" in previous) else "，"
        current += text
        count, previous = count + 1, text
    if current:
        sentences.append(current + ("。" if count else ""))
    return "".join(sentences)


def problem_label(fact: Fact) -> str:
    """A short name for a problem: its first clause ("农业产业链条短，农产品精深加工能力不足" →
    "农业产业链条短"), or the whole fact when that clause is too long to name."""
    head = first_clause(fact.text)
    return head if len(head) <= MAX_PROBLEM_LABEL_CHARS else clause(fact.text)


def problems_named(problems: Sequence[Fact]) -> str | None:
    """The first problems' names for "针对{problems}等问题": those without figures preferred."""
    labels = [problem_label(p) for p in problems]
    plain = [label for label in labels if not re.search(r"\d", label)]
    chosen = (plain or labels)[:MAX_PROBLEMS_NAMED]
    return "、".join(dict.fromkeys(chosen)) or None


def _pairs(texts: Iterable[str | None], register: Register) -> set[str]:
    pairs = {run[i : i + 2] for t in texts if t for run in _CJK_RUN.findall(t) for i in range(len(run) - 1)}
    return pairs - register.generic_pairs


def match_answers(sheet: FactSheet, register: Register) -> dict[int, Fact]:
    """Plan group index → the problem it answers: the writer's ``answers`` first, then by shared
    words (at least ``min_shared_pairs`` two-character words in common). Each problem is answered
    by one plan area at most, the one sharing most words with it."""
    from drafting.facts.sheet import answered_problems, problem_facts

    problems = problem_facts(sheet.parts)
    plans: Sequence[FactGroup] = sheet.parts.get("plans", ())
    matched: dict[int, Fact] = {}
    for i, group in enumerate(plans):
        if group.answers and (named := answered_problems(group, problems)):
            matched[i] = named[0]
    taken = set(matched.values())
    scored = []
    for i, group in enumerate(plans):
        if i in matched:
            continue
        mine = _pairs([group.area, *(f.text for f in group.facts)], register)
        for j, problem in enumerate(problems):
            shared = len(mine & _pairs([problem.text, problem.area], register))
            if shared >= register.min_shared_pairs:
                scored.append((-shared, i, j))
    for _, i, j in sorted(scored):
        if i not in matched and problems[j] not in taken:
            matched[i] = problems[j]
            taken.add(problems[j])
    return matched
