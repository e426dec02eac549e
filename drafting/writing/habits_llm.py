"""The habits fake: answers the way deployed chat models do, for tests and the prompt lab.

Served by the same loopback stub (``StubLLM(responder=HabitsResponder())``, or
``drafter stub-llm --habits``), streaming or not. Each answer is the prompt's facts restated, as
the plain stub writes them, dressed in one habit of a real model, or several at once, taken in
turn from ``HABIT_TURNS``: a reasoning block (inline or in ``reasoning_content``), Chinese and
English preambles, closing offers, the section's heading echoed in Markdown, numbered or 【…】
forms, list items (also sent as Markdown headings), other Markdown, fact ids copied into the
text, placeholder variants, full-width digits, an answer cut off by the token limit (the
continuation request gets the rest), an empty answer and a refusal.

Everything a habit adds is in ``LEAKS`` or has a fixed shape, so a test can look for it in the
Word file; the facts themselves are never changed except by the habit under test (full-width
digits), so a draft that comes through clean is the plain stub's draft in the outline's style.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from drafting.writing.stub_llm import StubAnswer, fact_lines, facts_responder

THINK_MARK = "用户让我起草"  # opens every reasoning block; never part of a draft
REASONING = (
    f"{THINK_MARK}“{{topic}}”这一节。事实有：{{ids}}。"
    "是不是可以加一句“完成各类项目100个，完成投资1亿元”？不行，事实里没有，不能编。"
)
PREAMBLE_ZH = "好的，以下是“{topic}”部分的正文："
PREAMBLE_EN = "Sure! Here is the draft of this section:"
CONTINUE_PREAMBLE = "好的，接着上文继续："
CLOSING_ZH = "以上内容可根据实际情况进一步修改完善。"
CLOSING_OFFER = "希望以上内容对您有所帮助！如需调整，请随时告诉我。"
CLOSING_EN = "I hope this helps! Let me know if you'd like any changes."
REFUSAL = "抱歉，我无法协助完成这个请求。"
PLACEHOLDERS = ("[待补充：具体培训人次]", "（待补充：下一步举措）", "投入资金XX万元", "覆盖××个社区")
ECHO_CLOSING = "请直接输出本节正文。"  # the last line of every section template
LEAKS = (
    "<think>",
    "方括号中是事实编号",  # the facts block's note, in every template
    ECHO_CLOSING,
    "</think>",
    THINK_MARK,
    "好的，以下是",
    PREAMBLE_EN,
    CONTINUE_PREAMBLE,
    CLOSING_ZH,
    CLOSING_OFFER,
    CLOSING_EN,
    "1亿元",
    "Sure",
    "Here is",
    "[待补充",
    "（待补充",
    "XX",
    "××",
)
_CN = "一二三四五六七八九十"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_FIELD = re.compile(r"^(所在部分|本节标题|本节所写方面)：\s*(.+?)\s*$", re.MULTILINE)
_TITLE = re.compile(r"为《(.+?)》起草")
_FACTS_NOTE = re.compile(r"^【本节事实】\s*(（[^）\n]+）)", re.MULTILINE)
_SENTENCE = re.compile(r"[^。！？]+[。！？]")


@dataclass(frozen=True)
class Prompted:
    """What a habit needs from the prompt: the section's labels and its facts."""

    part: str
    heading: str
    area: str
    facts: list[tuple[str, str]]
    body: str  # the plain stub's answer: the facts restated, paragraphs split by blank lines
    note: str = ""  # the prompt's note on its facts block, "（只能使用这些事实；…）"
    title: str = ""  # the draft's title, as the prompt gives it

    @property
    def topic(self) -> str:
        return self.area or _unnumbered(self.heading) or self.part or "本部分"

    @property
    def sentences(self) -> list[str]:
        return _SENTENCE.findall(self.body.replace("\n", "")) or [self.body]


def read_prompt(messages: Sequence[dict[str, Any]]) -> Prompted:
    fields: dict[str, str] = {}
    note = title = ""
    for message in messages:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            for name, value in _FIELD.findall(message["content"]):
                fields.setdefault(name, value)
            found = _FACTS_NOTE.search(message["content"])
            note = note or (found.group(1) if found else "")
            named = _TITLE.search(message["content"])
            title = title or (named.group(1) if named else "")
    return Prompted(
        part=fields.get("所在部分", ""),
        heading=fields.get("本节标题", ""),
        area=fields.get("本节所写方面", ""),
        facts=fact_lines(messages),
        body=facts_responder(list(messages)),
        note=note,
        title=title,
    )


# ---------------------------------------------------------------- the habits

Dress = Callable[[Prompted, str], str]  # (prompt, answer so far) → answer with one more habit


def reasoning(p: Prompted, text: str) -> str:
    ids = "、".join(f"[{i}]" for i, _ in p.facts) or "无"
    return f"<think>\n{REASONING.format(topic=p.topic, ids=ids)}\n</think>\n\n{text}"


def preamble_zh(p: Prompted, text: str) -> str:
    return f"{PREAMBLE_ZH.format(topic=p.topic)}\n\n{text}"


def preamble_en(p: Prompted, text: str) -> str:
    return f"{PREAMBLE_EN}\n\n{text}"


def closing_zh(p: Prompted, text: str) -> str:
    return f"{text}\n\n{CLOSING_ZH}"


def closing_offer(p: Prompted, text: str) -> str:
    return f"{text}\n\n{CLOSING_OFFER}"


def closing_en(p: Prompted, text: str) -> str:
    return f"{text}\n\n{CLOSING_EN}"


def heading_markdown(p: Prompted, text: str) -> str:
    return f"## {p.heading or p.topic}\n\n{text}"


def heading_numbered(p: Prompted, text: str) -> str:
    lines = [f"一、{p.part}"] if p.part else []
    if p.area or p.heading:
        lines.append(f"（一）{p.area or _unnumbered(p.heading)}")
    return "\n".join([*lines, "", text])


def heading_bracket(p: Prompted, text: str) -> str:
    # As the local model wrote them: "【工作情况】（一）党的政治建设", "【二、存在的问题和不足】".
    if p.area:
        return f"【{p.part}】（一）{p.area}\n\n{text}"
    return f"【二、{p.part or p.topic}】\n\n{text}"


def heading_bold(p: Prompted, text: str) -> str:
    return f"**{p.heading or p.topic}**\n\n{text}"


def numbered_list(p: Prompted, text: str) -> str:
    return "\n".join(f"{n}. {s}" for n, s in enumerate(p.sentences, start=1))


def bullet_list(p: Prompted, text: str) -> str:
    return "\n".join(f"- {s}" for s in p.sentences)


def list_as_headings(p: Prompted, text: str) -> str:
    # Each item sent as a Markdown heading: what once became a Heading 3 apiece.
    return "\n\n".join(f"### {n}. {s.rstrip('。')}" for n, s in enumerate(p.sentences, start=1))


def paren_list(p: Prompted, text: str) -> str:
    return "\n".join(f"（{n}）{s}" for n, s in enumerate(p.sentences, start=1))


def markdown_marks(p: Prompted, text: str) -> str:
    if not p.facts:
        return f"{text}\n\n---"
    first, *rest = p.sentences
    lead = f"**{first[:4]}**{first[4:]}" if len(first) > 6 else first
    tail = f"*{''.join(rest)}*" if rest else ""
    return f"{lead}{tail}\n\n---\n\n详见[工作台账](https://example.invalid/ledger)。"


def code_fence(p: Prompted, text: str) -> str:
    return f"```markdown\n{text}\n```"


def fact_ids(p: Prompted, text: str) -> str:
    tags = ("[{}]", "（事实{}）", "【{}】", " {}")
    out = []
    for n, sentence in enumerate(p.sentences):
        fact_id = p.facts[n][0] if n < len(p.facts) else None
        out.append(
            sentence if fact_id is None else sentence[:-1] + tags[n % len(tags)].format(fact_id) + "。"
        )
    return "".join(out)


def placeholders(p: Prompted, text: str) -> str:
    extra = "；".join(PLACEHOLDERS) + "。"
    return f"{text}\n\n{extra}"


def fullwidth(p: Prompted, text: str) -> str:
    return text.translate(_FULLWIDTH)


def prompt_echo(p: Prompted, text: str) -> str:
    # As the 1.5B model wrote it: the facts block's note after a lead, a line of nothing but notes,
    # and the template's last line.
    note = p.note or "（只能使用这些事实；方括号中是事实编号，不要写进正文）"
    return f"一是{note}。\n{text}\n一是{note}；二是{note}。\n\n{ECHO_CLOSING}"


def title_gap(p: Prompted, text: str) -> str:
    # "【待补充：云溪区实验中学2026年上半年工作总结和下半年工作计划】" above the text: the title as a gap.
    return f"【待补充：{p.title}】\n{text}" if p.title else text


def repetition(p: Prompted, text: str) -> str:
    # The longest sentence said twice more, once under a lead of its own: a small model's loop.
    longest = max(p.sentences, key=len)
    return f"{text}\n\n{longest}\n\n三是{longest}"


@dataclass(frozen=True)
class Turn:
    """One answer's habits, applied in order to the plain stub's answer, and how it ends."""

    habits: tuple[Dress, ...] = ()
    ending: str = "stop"  # stop | length (cut off, continued on request) | empty | refusal | field

    @property
    def names(self) -> tuple[str, ...]:
        extra = () if self.ending == "stop" else (self.ending,)
        return tuple(h.__name__ for h in self.habits) + extra


# Each habit alone, then combined as real models combine them. The failures (empty, refusal) sit
# apart, so a section retried after one gets a different turn.
HABIT_TURNS: tuple[Turn, ...] = (
    Turn((reasoning,)),
    Turn((preamble_zh,)),
    Turn((closing_zh,)),
    Turn((heading_markdown,)),
    Turn((numbered_list,)),
    Turn((fact_ids,)),
    Turn((placeholders,)),
    Turn((), "empty"),
    Turn((fullwidth,)),
    Turn((preamble_en,)),
    Turn((closing_offer,)),
    Turn((heading_bracket,)),
    Turn((list_as_headings,)),
    Turn((), "length"),
    Turn((), "field"),
    Turn((heading_numbered,)),
    Turn((bullet_list,)),
    Turn((), "refusal"),
    Turn((markdown_marks,)),
    Turn((closing_en,)),
    Turn((heading_bold,)),
    Turn((paren_list,)),
    Turn((code_fence,)),
    Turn((numbered_list, fact_ids, heading_markdown, preamble_zh, reasoning, closing_offer)),
    Turn((fullwidth, placeholders, heading_bracket, preamble_en, closing_en)),
    Turn((list_as_headings, fullwidth, heading_numbered, closing_zh)),
    Turn((fact_ids, reasoning), "length"),
    Turn((bullet_list, placeholders, code_fence, preamble_zh), "field"),
    Turn((paren_list, fact_ids, fullwidth, heading_bold, reasoning, closing_offer)),
    Turn((reasoning,), "empty"),  # an answer that is all reasoning and no text
    Turn((prompt_echo,)),
    Turn((repetition,)),
    Turn((title_gap,)),
    Turn((paren_list, repetition, prompt_echo, closing_zh, title_gap)),
)


class HabitsResponder:
    """The stub's responder: the next turn of ``HABIT_TURNS`` for each new question.

    A continuation request (the cut-off answer sent back as the assistant's message) gets the rest
    of that answer, after a preamble of its own. ``served`` lists (section topic, habit names).
    """

    def __init__(self, turns: Sequence[Turn] = HABIT_TURNS) -> None:
        self.turns = tuple(turns)
        self.served: list[tuple[str, tuple[str, ...]]] = []
        self._lock = threading.Lock()
        self._next = 0
        self._cut: dict[str, str] = {}  # the end of a cut-off answer → what was left unsaid

    def __call__(self, messages: list[dict[str, Any]]) -> StubAnswer:
        written = next((m.get("content") for m in messages if m.get("role") == "assistant"), None)
        if isinstance(written, str):
            return self._continue(written)
        p = read_prompt(messages)
        with self._lock:
            turn = self.turns[self._next % len(self.turns)]
            self._next += 1
            self.served.append((p.topic, turn.names))
        text = "" if turn.ending == "empty" else p.body  # empty: nothing, or the habits around nothing
        for dress in turn.habits:
            text = dress(p, text)
        if turn.ending == "empty":
            return StubAnswer(text)
        if turn.ending == "refusal":
            return StubAnswer(REFUSAL)
        if turn.ending == "field":
            ids = "、".join(i for i, _ in p.facts) or "无"
            return StubAnswer(text, reasoning_content=REASONING.format(topic=p.topic, ids=ids))
        if turn.ending == "length":
            return self._cut_off(text)
        return StubAnswer(text)

    def _cut_off(self, text: str) -> StubAnswer:
        # Cut inside the text (mid-sentence, as a token limit does), after any reasoning block.
        end_of_think = text.rfind("</think>")
        start = end_of_think + len("</think>") if end_of_think >= 0 else 0
        cut = start + max(1, (len(text) - start) // 2)
        with self._lock:
            self._cut[text[cut - 12 : cut]] = text[cut:]
        return StubAnswer(text[:cut], finish_reason="length")

    def _continue(self, written: str) -> StubAnswer:
        with self._lock:
            rest = next((r for end, r in self._cut.items() if written.endswith(end)), None)
            self.served.append(("", ("continuation",)))
        if rest is None:
            return StubAnswer("")  # nothing was cut off here: an empty answer, as a confused model gives
        return StubAnswer(f"{CONTINUE_PREAMBLE}\n{rest}")


def habit_names() -> set[str]:
    """Every habit and ending the turns use."""
    return {name for turn in HABIT_TURNS for name in turn.names}


def _unnumbered(heading: str) -> str:
    return re.sub(rf"^(?:[（(][{_CN}\d]+[）)]|[{_CN}]+、|\d+[.、．])\s*", "", heading).strip()
