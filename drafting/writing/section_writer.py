"""Writing one section: the generate-or-compose stage of the pipeline, with its progress hooks.

A section is written either by the chat model (streamed; deltas go to the listener without any
reasoning block, and the cancel flag is checked between them; an answer cut off by the token
limit is continued once; the answer then goes through the normalisation stage, which returns
paragraphs in the outline's style and a record of what it removed, and is annotated with facts
and exemplars) or by the offline composer. Any failure is caught here and recorded on the
section, so one bad section never costs the others; a refusal or an empty answer is such a
failure, which the writer can retry for that section alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from drafting.checking.grounding import attribute_paragraph
from drafting.model import FactSheet, Outline, Paragraph, Removal, Section
from drafting.normalising.answer import (
    AnswerContext,
    continuation_text,
    normalise_answer,
    trim_unfinished,
    without_reasoning,
)
from drafting.normalising.echo import instruction_grams
from drafting.normalising.reasoning import ReasoningFilter
from drafting.normalising.rules import AnswerRules, default_rules
from drafting.outlines.outline import PART_LABELS
from drafting.outlines.planning import SectionSpec
from drafting.writing import assemble
from drafting.writing.answer_guard import check_language, check_length
from drafting.writing.chat import ChatError, ChatModel
from drafting.writing.composer import compose_section
from drafting.writing.repair import ADVICE, REPAIR_TEMPLATE, Answer, RepairLoop, RepairOutcome
from retrieval.documents import Passage

if TYPE_CHECKING:
    from drafting.writing.templates import PromptLibrary

log = logging.getLogger(__name__)

OnDelta = Callable[[str], None]

FAILED_PLACEHOLDER = "【待补充：本部分生成失败，请重新生成】"


class DraftingListener:
    """Hooks the pipeline calls while it works; all no-ops. Called from worker threads."""

    def on_section_start(self, key: str) -> None: ...

    def on_delta(self, key: str, text: str) -> None: ...

    def on_section_done(self, section: Section) -> None: ...

    def on_section_failed(self, key: str, error: str) -> None: ...

    def on_section_repair(self, key: str, attempt: int, problems: list[str]) -> None:
        """The check flagged the section; the model is asked again (attempt 1, 2, …)."""

    def on_progress(self, done: int, total: int) -> None: ...


class SafeListener(DraftingListener):
    """Passes hooks on, logging instead of raising: a UI's bug must not lose a generation."""

    def __init__(self, inner: DraftingListener) -> None:
        self._inner = inner

    def _call(self, hook: str, *args: Any) -> None:
        method = getattr(self._inner, hook, None)
        if method is None:  # a listener written before this hook existed
            return
        try:
            method(*args)
        except Exception:
            log.exception("drafting listener %s failed", hook)

    def on_section_start(self, key: str) -> None:
        self._call("on_section_start", key)

    def on_delta(self, key: str, text: str) -> None:
        self._call("on_delta", key, text)

    def on_section_done(self, section: Section) -> None:
        self._call("on_section_done", section)

    def on_section_failed(self, key: str, error: str) -> None:
        self._call("on_section_failed", key, error)

    def on_section_repair(self, key: str, attempt: int, problems: list[str]) -> None:
        self._call("on_section_repair", key, attempt, problems)

    def on_progress(self, done: int, total: int) -> None:
        self._call("on_progress", done, total)


@dataclass
class SectionJob:
    """Everything needed to write one section, built before any writing starts."""

    spec: SectionSpec
    exemplars: list[Passage] = field(default_factory=list)
    query: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)  # empty in composer mode
    template_version: str | None = None
    retrieve_s: float = 0.0
    retrieval_error: str | None = None  # the search failed: written without exemplars
    title: str = ""  # the draft's title, which a model may echo at the top of a section


@dataclass
class SectionWriter:
    """Writes sections with ``chat``, or with the offline composer when ``chat`` is None.

    With ``repair_attempts`` > 0 (and a prompt library) a model-written section is checked and
    asked again when flagged; see drafting.writing.repair.
    """

    chat: ChatModel | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    template: str = "section"
    prompts: PromptLibrary | None = None
    repair_attempts: int = 0
    rules: AnswerRules | None = None  # None: the answer-habit rules of the source tree
    max_answer_chars: int = 0  # 0: no limit beyond the endpoint's max_tokens

    @property
    def mode(self) -> str:
        return f"llm:{self.chat.name}" if self.chat is not None else "composer"

    def write(
        self,
        job: SectionJob,
        sheet: FactSheet,
        outline: Outline,
        listener: DraftingListener,
        cancel: threading.Event,
    ) -> Section | None:
        """The written (or failed) section, with what produced it in ``record``; None if cancelled."""
        spec = job.spec
        section = Section(
            key=spec.key, part=spec.part, heading=spec.heading, level=spec.level, mode=self.mode
        )
        listener.on_section_start(spec.key)
        started = time.monotonic()
        usage: dict[str, int] = {}
        repair: dict[str, Any] | None = None
        finish: dict[str, object] = {}
        try:
            if self.chat is None:
                section.paragraphs = list(compose_section(spec, sheet, outline))
            else:
                first = self._answer(
                    job.messages, job, sheet, cancel, usage, lambda d: listener.on_delta(spec.key, d)
                )
                if first is None:
                    return None
                section.paragraphs, section.removals, finish = first.paragraphs, first.removals, first.finish
                if self.repair_attempts > 0 and self.prompts is not None:
                    outcome = self._repair(first, job, sheet, outline, listener, cancel, usage)
                    if outcome is None:
                        return None
                    section.paragraphs, repair = outcome.paragraphs, outcome.as_record()
                    # The kept attempt's removals describe the text the section holds (none if replaced).
                    section.removals, finish = outcome.removals, outcome.finish
                    if outcome.outcome == "replaced":
                        section.mode = "composer"
            section.status = "done"
        except Exception as exc:  # one section's failure must not lose the others
            if not isinstance(exc, ChatError):
                log.exception("section %s failed", spec.key)
            section.status, section.error = "failed", _describe(exc)
            section.paragraphs = [Paragraph(text=FAILED_PLACEHOLDER)]
        section.record = {
            "query": job.query,
            "passage_ids": [p.id for p in job.exemplars],
            "exemplars": [
                {"id": p.id, "source": p.source, "start": p.start, "end": p.end} for p in job.exemplars
            ],
            "template": self.template if job.messages else None,
            "template_version": job.template_version,
            "prompt": job.messages,
            "model": self.chat.name if self.chat is not None else "composer",
            "timings": {
                "retrieve_s": round(job.retrieve_s, 4),
                "write_s": round(time.monotonic() - started, 4),
            },
            "usage": usage,
        }
        if repair is not None:
            section.record["repair"] = repair
        if job.retrieval_error:
            section.record["retrieval_error"] = job.retrieval_error
        if finish:
            section.record["finish"] = finish
        return section

    def _answer(
        self,
        messages: list[dict[str, str]],
        job: SectionJob,
        sheet: FactSheet,
        cancel: threading.Event,
        usage: dict[str, int],
        on_delta: OnDelta | None = None,
    ) -> Answer | None:
        """One model answer, continued if cut off and normalised; None if cancelled.

        Raises ChatError for a refusal or an answer with no usable text.
        """
        removals: list[Removal] = []
        text, more_usage, finish = self._generate(messages, cancel, removals, on_delta)
        for name, value in more_usage.items():
            usage[name] = usage.get(name, 0) + value
        if text is None:
            return None
        paragraphs = self._paragraphs(text, job, sheet, removals)
        return Answer(text, paragraphs, removals, finish)

    def _generate(
        self,
        messages: list[dict[str, str]],
        cancel: threading.Event,
        removals: list[Removal],
        on_delta: OnDelta | None = None,
    ) -> tuple[str | None, dict[str, int], dict[str, object]]:
        """The answer (None if cancelled), its usage, and how it ended (truncated, continued)."""
        text, usage, reason = self._stream(messages, cancel, on_delta)
        if text is None or reason != "length":
            return text, usage, {}
        # Cut off by the token limit: ask once for the rest, showing the model what it wrote.
        written, made = without_reasoning(text)  # what was shown; its reasoning recorded here
        removals += made
        follow_up = [
            *messages,
            {"role": "assistant", "content": written},
            {"role": "user", "content": self._rules.continue_prompt},
        ]
        more, more_usage, more_reason = self._stream(follow_up, cancel, on_delta)
        if more is None:
            return None, usage, {}
        more, made = continuation_text(more, self._rules)
        removals += made
        text = written + more
        finish: dict[str, object] = {
            "truncated": True,
            "continued": True,
            "complete": more_reason != "length",
        }
        if more_reason == "length":  # still cut off: end at the last whole sentence, and say so
            text, tail = trim_unfinished(text)
            if tail:
                removals.append(Removal("truncated_tail", tail))
        usage = {k: usage.get(k, 0) + more_usage.get(k, 0) for k in {*usage, *more_usage}}
        return text, usage, finish

    def _stream(
        self, messages: list[dict[str, str]], cancel: threading.Event, on_delta: OnDelta | None
    ) -> tuple[str | None, dict[str, int], str | None]:
        assert self.chat is not None
        shown = ReasoningFilter()  # the live preview never shows reasoning, even split over chunks
        stream = self.chat.stream(messages, temperature=self.temperature, max_tokens=self.max_tokens)
        received = 0
        with stream:
            for delta in stream:
                if cancel.is_set():
                    return None, {}, None
                visible = shown.feed(delta)
                # Reasoning does not count: only what would reach the draft can be too long.
                received += len(visible)
                check_length(received, self.max_answer_chars)
                if visible and on_delta is not None:
                    on_delta(visible)
            rest = shown.flush()
            if rest and on_delta is not None:
                on_delta(rest)
            return stream.text, dict(stream.usage), stream.finish_reason

    def _repair(
        self,
        first: Answer,
        job: SectionJob,
        sheet: FactSheet,
        outline: Outline,
        listener: DraftingListener,
        cancel: threading.Event,
        usage: dict[str, int],
    ) -> RepairOutcome | None:
        assert self.prompts is not None

        def ask(messages: list[dict[str, str]]) -> Answer | None:
            # Repair answers are not streamed to the listener: they replace the text, not extend it.
            return self._answer(messages, job, sheet, cancel, usage)

        loop = RepairLoop(
            self.prompts,
            self.repair_attempts,
            on_attempt=lambda n, labels: listener.on_section_repair(job.spec.key, n, labels),
        )
        return loop.run(first, job.spec, sheet, outline, job.exemplars, ask)

    @property
    def _rules(self) -> AnswerRules:
        return self.rules or default_rules()

    def _instruction_grams(self, version: str | None) -> frozenset[str]:
        """The wording of every prompt this section's answers reply to: the section template, the
        repair template with its advice, the request to continue a cut-off answer."""
        if self.prompts is None:
            return frozenset()
        texts = [
            self.prompts.fixed_text(self.template, version),
            *ADVICE.values(),
            self._rules.continue_prompt,
        ]
        if self.repair_attempts > 0:
            texts.append(self.prompts.fixed_text(REPAIR_TEMPLATE))
        return _grams(tuple(texts))

    def _paragraphs(
        self, text: str, job: SectionJob, sheet: FactSheet, removals: list[Removal]
    ) -> list[Paragraph]:
        spec = job.spec
        context = answer_context(spec, sheet, self._instruction_grams(job.template_version), job.title)
        result = normalise_answer(text, context, self._rules)
        removals += result.removals
        if result.refusal is not None:
            raise ChatError(f"模型拒绝回答（“{result.refusal}……”），可单独重新生成本部分", kind="refusal")
        if not result.paragraphs:
            raise ChatError("模型的回答里没有可用的正文，可单独重新生成本部分", kind="empty")
        # Judged after normalisation: an English preamble or closing offer around a Chinese body is
        # a habit to remove, not an answer in the wrong language.
        check_language("".join(p.text for p in result.paragraphs))
        return assemble.annotate(result.paragraphs, job.exemplars, lambda t: attribute_paragraph(t, sheet))


@lru_cache(maxsize=16)
def _grams(texts: tuple[str, ...]) -> frozenset[str]:
    return instruction_grams(texts)  # once per wording; a maintainer's edit is a new key


def answer_context(
    spec: SectionSpec, sheet: FactSheet, grams: frozenset[str] = frozenset(), title: str = ""
) -> AnswerContext:
    """What normalisation needs to know about the section ``spec`` describes."""
    return AnswerContext(
        base_level=_base_level(spec),
        section_heading=spec.heading,
        part_heading=spec.part_heading,
        echoes=tuple(t for t in (spec.area, PART_LABELS.get(spec.part, ""), title) if t),
        subheadings=spec.outline_part.subheadings,
        fact_ids=tuple(f.id for f in sheet.all_facts()),
        given_text="｜".join(f.text for f in sheet.all_facts()),
        instruction_grams=grams,
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ChatError):
        return str(exc)
    return f"内部错误（{type(exc).__name__}）：{exc}"


def _base_level(spec: SectionSpec) -> int:
    # Sub-headings the model writes sit one level under the section's own heading; a section
    # without a heading of its own sits under its part's heading (level 1 when the part is numbered).
    if spec.heading:
        return spec.level
    return 1 if spec.outline_part.numbered else 0
